// The Trainer's state on the GPU, as flat arrays and as one checkpoint file: the weights and the
// optimizer state read back or written (two buffers' worth, outside any step), and the checkpoint's
// header built from what the trainer holds now, its live learning rate and dropout included.
import { readF32s, writeArray } from './buffers';
import { METRICS_WORDS } from './metrics-words';
import { CHECKPOINT_VERSION, encodeCheckpoint } from './checkpoint';
import { dataIdentity, modelIdentity } from './checkpoint-header';
import type { GpuDataset } from './gpu-dataset';
import type { Graph } from './graph';
import type { OptimizerOp } from './ops/optimizer';
import type { History, TrainConfig } from './training-types';
import type { CallbackState } from './callbacks';

export interface TrainingState {
  /** (P) the flat parameter buffer, alignment padding included. */
  params: Float32Array;
  /**
   * Each optimizer state buffer by name (e.g. m, v), P floats each: the optimizer keeps T ≤ P (the
   * trainable prefix), the checkpoint P with zeros past T, so its format does not depend on the split.
   */
  optimizer: Record<string, Float32Array>;
  /**
   * (METRICS_WORDS) the running sums of an epoch a stop left half done (metrics-words.ts, raw words), so that the
   * epoch resumed from a checkpoint records the loss and accuracy of all its steps, not of those after the stop.
   */
  epochMetrics?: Uint32Array;
}

/**
 * The weights and the optimizer state in one readback: one consistent state (between steps) however many buffers;
 * `epochMetrics`: the running sums' buffer, read too where an epoch is half done.
 */
export async function readTrainingState(device: GPUDevice, graph: Graph, optimizer: OptimizerOp, epochMetrics?: GPUBuffer): Promise<TrainingState> {
  const names = Object.keys(optimizer.state);
  const [params, ...read] = await readF32s(device, 'training state', [
    { buffer: graph.params.buffer, count: graph.params.size },
    ...names.map((k) => ({ buffer: optimizer.state[k], count: graph.trainableSize })),
    ...(epochMetrics ? [{ buffer: epochMetrics, count: METRICS_WORDS }] : []),
  ]);
  const state: Record<string, Float32Array> = {};
  names.forEach((k, i) => {
    state[k] = new Float32Array(graph.params.size);
    state[k].set(read[i]);
  });
  const sums = epochMetrics ? read[names.length] : undefined;
  return { params, optimizer: state, ...(sums ? { epochMetrics: new Uint32Array(sums.buffer, sums.byteOffset, METRICS_WORDS) } : {}) };
}

/** Queues the writes; throws before writing anything when a size or a state buffer does not match. */
export function writeTrainingState(device: GPUDevice, graph: Graph, optimizer: OptimizerOp, s: TrainingState, epochMetrics?: GPUBuffer): void {
  const n = graph.params.size;
  if (s.params.length !== n) throw new Error(`checkpoint has ${s.params.length} parameters, this model needs ${n}`);
  for (const k of Object.keys(optimizer.state)) {
    if (s.optimizer[k]?.length !== n) throw new Error(`checkpoint lacks optimizer state "${k}" of ${n} values`);
  }
  writeArray(device, graph.params.buffer, s.params);
  for (const [k, buf] of Object.entries(optimizer.state)) writeArray(device, buf, s.optimizer[k].subarray(0, graph.trainableSize));
  if (epochMetrics && s.epochMetrics) writeArray(device, epochMetrics, s.epochMetrics);
}

/** What a checkpoint records besides the arrays. */
export interface TrainerSnapshot {
  /** The configuration with the live values (learning rate, dropout) in place of the start ones. */
  config: TrainConfig;
  step: number;
  epoch: number;
  history: History;
  graph: Graph;
  data: GpuDataset;
  dataset: string;
  /** Early stopping's and reduce-on-plateau's state. */
  callbacks: CallbackState;
}

export function encodeTrainerCheckpoint(t: TrainerSnapshot, state: TrainingState): Uint8Array {
  return encodeCheckpoint({
    header: {
      format: 'mnist-trainer-checkpoint', version: CHECKPOINT_VERSION, dataset: t.dataset, config: t.config,
      step: t.step, epoch: t.epoch, history: t.history, paramCount: state.params.length,
      slots: t.graph.slots.map((s) => ({ name: s.info.name, shape: s.info.shape, offset: s.offset })),
      optimizerState: Object.keys(state.optimizer),
      model: modelIdentity(t.graph.model), data: dataIdentity(t.data), callbacks: t.callbacks,
      ...(state.epochMetrics ? { epochMetrics: [...state.epochMetrics] } : {}),
    },
    params: state.params,
    optimizer: state.optimizer,
  });
}
