// Runs one experiment run on the GPU: uploads the run's subsets, trains with the engine's Trainer,
// times the training steps apart from the evaluations, and re-evaluates the training subset with
// dropout off at the end (Trainer.evaluate('train')). A run whose final evaluation covers more test
// images than its per-epoch curves (RunSpec.finalTestLimit) hands its trained state to a second
// trainer over the larger set, like Keras's fit(validation_data=small) then evaluate(x_test, y_test).
import type { Gpu } from '../../engine/gpu';
import { DivergenceError, Trainer, type BatchEvent, type EpochEvent } from '../../engine/trainer';
import { uploadDataset } from '../../engine/gpu-dataset';
import { imageOf, type Dataset, type ImageSet } from '../../data/idx';
import { finalTestCount, runConfig, type RunSpec } from './plan';
import type { SeedRun, StoredMistakes } from './seeds';
import type { Evaluation } from '../../engine/training-types';
import { surestMistakes } from '../../engine/metrics';
import { MISTAKES_LISTED } from '../../engine/metrics-file';

function first(set: ImageSet, n: number, who: string): ImageSet {
  if (n > set.count) throw new Error(`experiments: ${who} needs ${n} images, the data set has ${set.count}`);
  return { ...set, count: n };
}

/** The data a run sees: its first N training and first M test images. */
export function subsets(data: Dataset, spec: RunSpec): Dataset {
  const train = first(data.train, spec.trainLimit, `run "${spec.label}" (training subset)`);
  const test = first(data.test, finalTestCount(spec), `run "${spec.label}" (test subset)`);
  return { ...data, train, test };
}

export interface RunLog {
  epoch(e: EpochEvent, spec: RunSpec): void;
}

/** Bytes as base64 (btoa: the same in Node and in the test browser). */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The final evaluation's mistakes with the surest ones' images, for results.json. */
function storedMistakes(e: Evaluation, test: ImageSet): StoredMistakes {
  const { count, surest } = surestMistakes(test.labels, e.predictions, e.probabilities, e.perClass.length, MISTAKES_LISTED);
  return { count, rows: test.rows, cols: test.cols, surest: surest.map((m) => ({ ...m, pixels: base64(imageOf(test, m.index)) })) };
}

/** One seed of a run; `parameters` reports the model's size. With `mistakes`, its final evaluation keeps them (StoredMistakes). */
export async function runOne(gpu: Gpu, data: Dataset, spec: RunSpec, seed: number, log?: RunLog, mistakes = false): Promise<SeedRun & { parameters: number }> {
  const started = performance.now();
  const sets = subsets(data, spec);
  const gdata = uploadDataset(gpu.device, sets);
  const config = runConfig(spec, seed);
  let trainer: Trainer | undefined;
  try {
    trainer = await Trainer.create(gpu, gdata, config);
    let trainSeconds = 0;
    let epochStart = performance.now();
    let diverged: string | undefined;
    const onBatch = (e: BatchEvent) => {
      // The epoch's last batch is reported before its evaluation starts.
      if (e.batch === e.batches) trainSeconds += (performance.now() - epochStart) / 1000;
    };
    try {
      await trainer.fit({
        onBatch,
        onEpochEnd: (e) => {
          log?.epoch(e, spec);
          epochStart = performance.now();
        },
      });
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      diverged = e.message;
    }
    const history = structuredClone(trainer.history);
    const epochsDone = history.loss.length;
    const result: SeedRun & { parameters: number } = {
      seed, parameters: trainer.model.paramCount, history, trainSeconds,
      seconds: 0, imagesPerSec: epochsDone > 0 && trainSeconds > 0 ? (spec.trainLimit * epochsDone) / trainSeconds : Number.NaN, diverged,
    };
    if (!diverged && trainer.lastEvaluation) {
      if (finalTestCount(spec) > trainer.testCount) {
        const { params, optimizer } = await trainer.readState();
        const { step, epoch } = trainer;
        const done = trainer;
        trainer = undefined;
        done.destroy();
        trainer = await Trainer.create(gpu, gdata, { ...config, testLimit: finalTestCount(spec) });
        trainer.writeState(params, optimizer, step, epoch, history);
        await trainer.evaluate('test');
      }
      const t = trainer.lastEvaluation!;
      result.test = {
        loss: t.loss, accuracy: t.accuracy,
        recall: t.perClass.map((c) => c.recall), precision: t.perClass.map((c) => c.precision), f1: t.perClass.map((c) => c.f1),
        confusion: [...t.confusion],
        ...(mistakes ? { mistakes: storedMistakes(t, sets.test) } : {}),
      };
      const e = await trainer.evaluate('train');
      result.train = { loss: e.loss, accuracy: e.accuracy };
    }
    result.seconds = (performance.now() - started) / 1000;
    return result;
  } finally {
    trainer?.destroy();
    gdata.destroy();
  }
}
