// What an overfitting verdict advises, given what the run already does against overfitting.
//
// "Try dropout (0.2–0.5)" is the lab's answer, but not to a student whose model already trains with dropout 0.5:
// the advice names what is left to try. In order: dropout (turned on, raised to ADVISED_DROPOUT, or a dropout
// layer added), weight decay (or a kernel L1/L2 penalty), augmentation, early stopping when held-out loss is rising
// (where it is on, it already ends the run at the turn: fewer epochs would add nothing), then more training data
// and a smaller model, which always apply. A model still learning (verdict.ts) gets one remedy: more epochs; one
// not learning, a lower learning rate (or a higher one and more epochs, where its loss has barely moved).
// Without knowing the run (a History alone), the advice is the lab's: dropout, fewer epochs when held-out loss is
// rising, more data, a smaller model. verdict.ts words the list in English, components/verdict.ts in either language.
import { hasKernelPenalty, type ResolvedModel } from './model';
import { augments } from './ops/gather';
import { resolveOptimizerConfig } from './ops/optimizer';
import { DEFAULT_SETTINGS, SETTINGS, type SettingName } from './settings';
import type { LossName } from './ops/softmax_xent';
import type { Trainer } from './trainer';
import type { TrainConfig } from './training-types';

/** The rate the advice and the element's dropout button aim at: Srivastava et al.'s usual value for hidden layers. */
export const ADVISED_DROPOUT = 0.5;
/** Below this a dropout rate counts as off for the advice ("dropout (0.2–0.5)"), above it as "more dropout". */
export const LOW_DROPOUT = 0.2;

/** What a run uses against overfitting. */
export interface Regularizers {
  /** Dropout layers in the model, and the highest rate among them as the run trains (0: off). */
  dropoutLayers: number;
  dropoutRate: number;
  /** Decoupled weight decay (the optimizer's own included) or an L1/L2 kernel penalty on some layer. */
  weightPenalty: boolean;
  /** Any random shift, rotation or zoom of the training images. */
  augmentation: boolean;
  earlyStopping: boolean;
}

export type Remedy = 'dropout' | 'more-dropout' | 'dropout-layer' | 'weight-decay' | 'augmentation' | 'early-stopping' | 'fewer-epochs' | 'more-data' | 'smaller-model' | 'more-epochs' | 'lower-learning-rate' | 'higher-learning-rate';

/** The settings a remedy changes (the element's fields, the command line's flags), in the order to name them. */
export const REMEDY_SETTINGS: Record<Remedy, readonly SettingName[]> = {
  dropout: ['dropout'],
  'more-dropout': ['dropout'],
  'dropout-layer': ['model'],
  'weight-decay': ['weightDecay'],
  augmentation: ['augmentShift', 'augmentRotation', 'augmentZoom'],
  'early-stopping': ['earlyStopping'],
  'fewer-epochs': ['epochs'],
  'more-data': ['trainLimit'],
  'smaller-model': ['model'],
  'more-epochs': ['epochs'],
  'lower-learning-rate': ['learningRate'],
  'higher-learning-rate': ['learningRate'],
};

/** The run left training images out (a limit below the set's size): only then is more data a setting to raise. */
export function leavesImagesOut(trainLimit: number | null | undefined, available: number): boolean {
  return trainLimit != null && trainLimit < available;
}

/**
 * The Epochs a model still learning after `done` epochs is offered to train on to: twice as many, within the
 * setting's range (the element's "Train on" button, the command line's --load line); undefined at the range's end.
 */
export function trainOnEpochs(done: number): number | undefined {
  const to = Math.min(2 * done, SETTINGS.epochs.range.max);
  return to > done ? to : undefined;
}

/** A run's regularizers from its model and settings; `config.dropout` is the rate in use now (live changes included). */
export function regularizersInUse(model: ResolvedModel, config: Pick<TrainConfig, 'optimizer' | 'dropout' | 'augmentation' | 'earlyStopping'>): Regularizers {
  const rates = model.layers.flatMap((l) => (l.spec.type === 'dropout' ? [l.spec.rate] : []));
  return {
    dropoutLayers: rates.length,
    dropoutRate: rates.length === 0 ? 0 : config.dropout ?? Math.max(...rates),
    weightPenalty: model.layers.some(hasKernelPenalty) || resolveOptimizerConfig(config.optimizer).weightDecay > 0,
    augmentation: augments(config.augmentation),
    earlyStopping: config.earlyStopping !== undefined,
  };
}

/** What the verdict knows of a trainer's run beyond its History (verdict.ts RunFacts): its classes and loss function. */
export function trainerRunFacts(t: Pick<Trainer, 'model' | 'config'>): { classes: number; loss: LossName } {
  return { classes: t.model.classes, loss: t.config.loss ?? DEFAULT_SETTINGS.loss };
}

/** What a trainer's run uses, its dropout at the live rate (the rate the next step trains with). */
export function trainerRegularizers(t: Pick<Trainer, 'model' | 'config' | 'dropout'>): Regularizers {
  return regularizersInUse(t.model, { ...t.config, dropout: t.dropout });
}

/** The advice for an overfitting run, in order; `rising`: held-out loss has been rising (epochs are the issue). */
export function remediesFor(inUse: Regularizers | undefined, rising: boolean): Remedy[] {
  if (!inUse) return ['dropout', ...(rising ? ['fewer-epochs' as const] : []), 'more-data', 'smaller-model'];
  const out: Remedy[] = [];
  if (inUse.dropoutLayers === 0) out.push('dropout-layer');
  else if (inUse.dropoutRate < LOW_DROPOUT) out.push('dropout');
  else if (inUse.dropoutRate < ADVISED_DROPOUT) out.push('more-dropout');
  if (!inUse.weightPenalty) out.push('weight-decay');
  if (!inUse.augmentation) out.push('augmentation');
  if (rising && !inUse.earlyStopping) out.push('early-stopping');
  return [...out, 'more-data', 'smaller-model'];
}

/** Whether the advice includes dropout of some kind (the element then offers its button or its note). */
export const advisesDropout = (remedies: readonly Remedy[]): boolean => remedies.some((r) => r === 'dropout' || r === 'more-dropout' || r === 'dropout-layer');

/** "a, b or c" with the language's "or" (the lab's wording has no comma before it, in English as in Russian). */
export function orList(items: readonly string[], or: string): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} ${or} ${items[items.length - 1]}`;
}
