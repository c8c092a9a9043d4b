// What a run uses against overfitting (engine/verdict-remedies.ts), read from its model and settings, and the
// advice that leaves it out. The wording of the advice is tested with the verdict (test/components/verdict.test.ts).
import { resolveModel, type ModelSpec } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import type { TrainConfig } from '../../src/engine/training-types';
import { ADVISED_DROPOUT, leavesImagesOut, regularizersInUse, remediesFor, trainOnEpochs, trainerRegularizers, type Regularizers } from '../../src/engine/verdict-remedies';
import { assertEqual } from '../util/assert';

const adam: TrainConfig['optimizer'] = { name: 'adam', learningRate: 0.001 };
const none: Regularizers = { dropoutLayers: 1, dropoutRate: 0, weightPenalty: false, augmentation: false, earlyStopping: false };
const json = (v: unknown) => JSON.stringify(v);
const inUse = (model: ModelSpec, config: Parameters<typeof regularizersInUse>[1]) => regularizersInUse(resolveModel(model), config);

describe('regularizers in use', () => {
  it("reads dropout from the model's layers, the live setting overriding their rates", () => {
    assertEqual(json(inUse(PRESETS.mlp, { optimizer: adam })), json({ ...none, dropoutRate: 0.2 }), 'the mlp preset: one dropout layer at 0.2');
    assertEqual(inUse(PRESETS.cnn, { optimizer: adam }).dropoutRate, 0.5, 'the cnn preset: 0.5');
    assertEqual(inUse(PRESETS.cnn, { optimizer: adam, dropout: 0 }).dropoutRate, 0, 'turned off');
    const two: ModelSpec = { layers: [{ type: 'dropout', rate: 0.2 }, { type: 'flatten' }, { type: 'dense', units: 8 }, { type: 'dropout', rate: 0.4 }, { type: 'dense', units: 10 }] };
    assertEqual(json(inUse(two, { optimizer: adam })), json({ ...none, dropoutLayers: 2, dropoutRate: 0.4 }), 'two layers: the higher rate');
    const plain: ModelSpec = { layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] };
    assertEqual(json(inUse(plain, { optimizer: adam, dropout: 0.5 })), json({ ...none, dropoutLayers: 0 }), 'no dropout layer: the setting has nothing to act on');
  });

  it('counts weight decay (the optimizer\'s own included), kernel penalties, augmentation and early stopping', () => {
    const plain: ModelSpec = { layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] };
    const penalty = (config: Partial<TrainConfig>, model = plain) => inUse(model, { optimizer: adam, ...config }).weightPenalty;
    assertEqual(penalty({}), false, 'adam: none');
    assertEqual(penalty({ optimizer: { name: 'adamw', learningRate: 0.001 } }), true, "adamw's own decay");
    assertEqual(penalty({ optimizer: { name: 'adamw', learningRate: 0.001, weightDecay: 0 } }), false, 'adamw with decay 0');
    assertEqual(penalty({ optimizer: { ...adam, weightDecay: 1e-4 } }), true, 'decay set for adam');
    const l2: ModelSpec = { layers: [{ type: 'flatten' }, { type: 'dense', units: 10, kernelRegularizer: { l2: 0.001 } }] };
    assertEqual(penalty({}, l2), true, 'an L2 kernel penalty');
    assertEqual(penalty({}, { layers: [{ type: 'flatten' }, { type: 'dense', units: 10, kernelRegularizer: { l1: 0, l2: 0 } }] }), false, 'a zero penalty is none');
    assertEqual(inUse(plain, { optimizer: adam, augmentation: { shift: 0, rotation: 10 } }).augmentation, true, 'rotation');
    assertEqual(inUse(plain, { optimizer: adam, augmentation: { shift: 0, rotation: 0, zoom: 0 } }).augmentation, false, 'all zero');
    assertEqual(inUse(plain, { optimizer: adam, earlyStopping: 3 }).earlyStopping, true, 'early stopping');
  });

  it("takes a trainer's live dropout, not the rate it started with", () => {
    const trainer = { model: resolveModel(PRESETS.cnn), config: { optimizer: adam, dropout: 0 }, dropout: 0.3 } as unknown as Parameters<typeof trainerRegularizers>[0];
    assertEqual(trainerRegularizers(trainer).dropoutRate, 0.3, 'the live rate');
  });
});

describe('remedies', () => {
  it('advise dropout below the advised rate, the regularizers not in use, then more data and a smaller model', () => {
    assertEqual(remediesFor(undefined, true).join(), 'dropout,fewer-epochs,more-data,smaller-model', "an unknown run: the lab's advice");
    assertEqual(remediesFor(undefined, false).join(), 'dropout,more-data,smaller-model', 'a gap, not a rise: epochs are not the issue');
    assertEqual(remediesFor(none, true).join(), 'dropout,weight-decay,augmentation,early-stopping,more-data,smaller-model', 'nothing in use');
    assertEqual(remediesFor({ ...none, dropoutRate: 0.25 }, false).join(), 'more-dropout,weight-decay,augmentation,more-data,smaller-model', 'some dropout');
    const all = { dropoutLayers: 1, dropoutRate: ADVISED_DROPOUT, weightPenalty: true, augmentation: true, earlyStopping: true };
    assertEqual(remediesFor(all, true).join(), 'more-data,smaller-model', 'everything in use (early stopping ends the run at the turn)');
    assertEqual(remediesFor({ ...all, dropoutLayers: 0, dropoutRate: 0 }, false).join(), 'dropout-layer,more-data,smaller-model', 'no dropout layer');
  });

  it('offer more data as a setting only where the run left training images out', () => {
    assertEqual(json([[null, 60000], [undefined, 60000], [60000, 60000], [70000, 60000], [59999, 60000], [0, 1]].map(([l, n]) => leavesImagesOut(l, n!))),
      json([false, false, false, false, true, true]), 'no limit, a limit at or above the size: nothing left out');
  });

  it("offer a model still learning twice its epochs, within the Epochs setting's range", () => {
    assertEqual(json([1, 2, 7, 499, 500, 501, 999, 1000].map(trainOnEpochs)), json([2, 4, 14, 998, 1000, 1000, 1000, undefined]), 'doubled, at most 1000; none at 1000');
  });
});
