// A whole training step of any model spec on the CPU in float64, composed from the op references:
// forward (dropout masks from the shared generator; batch normalization on the batch's statistics, its
// moving statistics updated in `params`), softmax cross-entropy, backward, optimizer.
// Parameters are read from and written to the same flat layout the GPU graph uses (slots' offsets).
import type { ResolvedModel, ResolvedLayer, Activation } from '../../src/engine/model';
import type { OptimizerConfig } from '../../src/engine/ops/optimizer';
import { deriveSeed } from '../../src/engine/random';
import { activationBackward, activationForward } from './activation';
import { conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dForwardRef } from './conv2d';
import { dropoutMask } from './dropout';
import { batchNormBackward, batchNormTrain, batchStats, movingUpdate } from './batchnorm';
import { matmulBackward, matmulForward, columnSums } from './matmul';
import { poolBackward, poolForward } from './pool';
import { xentBackward, xentForward } from './softmax_xent';
import { refOptimizerStep, type RefOptimizerState } from './optimizer';
import { DEFAULT_ALPHA } from '../../src/engine/activations';

export interface RefStepResult {
  loss: number;
  correct: number;
  /** Gradients in the flat layout (zeros in alignment padding). */
  grads: Float64Array;
}

interface Slot { name: string; offset: number; size: number }

const alphaOf = (k: Activation) => DEFAULT_ALPHA[k] ?? 0;

/**
 * One step on batch x (B, 784 normalised), labels (B). `params` (flat, float64) is updated in place by
 * the optimizer when `optimizer` is given. Dropout layer i uses seed deriveSeed(seed, 'dropout', i)
 * and stream `step`, with rate `dropoutRates[i]` (the layer's own rate if absent).
 */
export function referenceStep(
  model: ResolvedModel, slots: Slot[], params: Float64Array, x: Float64Array, labels: Uint32Array, batch: number,
  o: { seed: number; step: number; dropoutRates?: Record<number, number>; optimizer?: { config: Required<OptimizerConfig>; state: RefOptimizerState } },
): RefStepResult {
  const slot = (name: string) => {
    const s = slots.find((q) => q.name === name)!;
    return { s, v: params.subarray(s.offset, s.offset + s.size) };
  };
  const last = model.layers.length - 1;
  const acts: Float64Array[] = [x];
  const saved: Record<number, { z?: Float64Array; mask?: Float64Array }> = {};
  // Forward.
  for (const l of model.layers) {
    const input = acts[acts.length - 1];
    // A final softmax is resolved to 'linear': the loss below is softmax cross-entropy on the logits.
    const act = l.activation;
    const outN = l.outShape.reduce((a, b) => a * b, 1);
    let y: Float64Array;
    if (l.type === 'dense' || l.type === 'conv2d') {
      const k = slot(`${l.name}.kernel`).v;
      const b = slot(`${l.name}.bias`).v;
      let z: Float64Array;
      if (l.type === 'dense') z = matmulForward({ M: batch, N: l.units, K: l.inShape[0] }, input, k, b);
      else z = conv2dForwardRef(convShape(l, batch), input, k, b);
      const cols = l.outShape[l.outShape.length - 1];
      y = act === 'linear' ? z : activationForward(act, z, { rows: (batch * outN) / cols, cols, alpha: alphaOf(act) });
      saved[l.index] = { z };
    } else if (l.type === 'maxPool2d' || l.type === 'avgPool2d') {
      y = poolForward(poolShape(l, batch), input);
    } else if (l.type === 'dropout') {
      const rate = o.dropoutRates?.[l.index] ?? l.rate;
      const mask = dropoutMask(batch * outN, deriveSeed(o.seed, 'dropout', l.index), o.step, rate);
      y = input.map((v, i) => v * mask[i]);
      saved[l.index] = { mask };
    } else if (l.type === 'activation' && act !== 'linear') {
      const cols = l.outShape[l.outShape.length - 1];
      y = activationForward(act, input, { rows: (batch * outN) / cols, cols, alpha: alphaOf(act) });
    } else if (l.type === 'batchNormalization') {
      const C = l.outShape[l.outShape.length - 1];
      const rows = (batch * outN) / C;
      y = batchNormTrain(input, rows, C, slot(`${l.name}.gamma`).v, slot(`${l.name}.beta`).v, l.epsilon);
      // The training forward's moving update; the optimizer below leaves these alone (their gradient is 0).
      const mean = slot(`${l.name}.moving_mean`).v;
      const variance = slot(`${l.name}.moving_variance`).v;
      const moved = movingUpdate({ mean: Float64Array.from(mean), variance: Float64Array.from(variance) }, batchStats(input, rows, C), l.momentum);
      mean.set(moved.mean);
      variance.set(moved.variance);
    } else {
      y = input; // flatten, linear activation
    }
    acts.push(y);
  }
  const logits = acts[acts.length - 1];
  const classes = model.classes;
  const fwd = xentForward(logits, labels, batch, classes);
  let dy = xentBackward(logits, labels, batch, classes);
  const grads = new Float64Array(params.length);
  // Backward.
  for (let i = last; i >= 0; i--) {
    const l = model.layers[i];
    const input = acts[i];
    const output = acts[i + 1];
    const act = l.activation;
    const outN = l.outShape.reduce((a, b) => a * b, 1);
    const cols = l.outShape[l.outShape.length - 1];
    if (l.type === 'dense' || l.type === 'conv2d') {
      const { z } = saved[i];
      const dz = act === 'linear' ? dy : activationBackward(act, z!, output, dy, { rows: (batch * outN) / cols, cols, alpha: alphaOf(act) });
      const k = slot(`${l.name}.kernel`);
      const b = slot(`${l.name}.bias`);
      if (l.type === 'dense') {
        const g = matmulBackward({ M: batch, N: l.units, K: l.inShape[0] }, input, k.v, dz);
        grads.set(g.db, k.s.offset);
        grads.set(columnSums(dz, batch, l.units), b.s.offset);
        dy = g.da;
      } else {
        const s = convShape(l, batch);
        grads.set(conv2dBackwardWeightRef(s, input, dz), k.s.offset);
        grads.set(columnSums(dz, dz.length / l.filters, l.filters), b.s.offset);
        dy = conv2dBackwardInputRef(s, dz, k.v);
      }
    } else if (l.type === 'maxPool2d' || l.type === 'avgPool2d') {
      dy = poolBackward(poolShape(l, batch), input, dy);
    } else if (l.type === 'dropout') {
      const mask = saved[i].mask!;
      dy = dy.map((v, j) => v * mask[j]);
    } else if (l.type === 'activation' && act !== 'linear') {
      dy = activationBackward(act, input, output, dy, { rows: (batch * outN) / cols, cols, alpha: alphaOf(act) });
    } else if (l.type === 'batchNormalization') {
      const g = batchNormBackward(input, dy, (batch * outN) / cols, cols, slot(`${l.name}.gamma`).v, l.epsilon);
      grads.set(g.dgamma, slot(`${l.name}.gamma`).s.offset);
      grads.set(g.dbeta, slot(`${l.name}.beta`).s.offset);
      dy = g.dx;
    }
  }
  if (o.optimizer) refOptimizerStep(o.optimizer.config, o.step, params, grads, o.optimizer.state);
  return { loss: fwd.meanLoss, correct: fwd.correct, grads };
}

function convShape(l: Extract<ResolvedLayer, { type: 'conv2d' }>, batch: number) {
  const [kh, kw] = l.kernelSize;
  const [h, w, c] = l.inShape;
  return { batch, height: h, width: w, inChannels: c, outChannels: l.filters, kernelHeight: kh, kernelWidth: kw, padding: l.padding } as const;
}

function poolShape(l: Extract<ResolvedLayer, { type: 'maxPool2d' | 'avgPool2d' }>, batch: number) {
  const [h, w, c] = l.inShape;
  return { batch, height: h, width: w, channels: c, poolSize: l.poolSize, stride: l.strides, kind: l.type === 'maxPool2d' ? 'max' : 'avg' } as const;
}
