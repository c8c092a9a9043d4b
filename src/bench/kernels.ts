// Kernel cases of the benchmark: every matmul, conv2d, pooling, loss and optimizer dispatch that the
// `mlp` and `cnn` presets run in a training step, at their real shapes (derived from the resolved models,
// not typed in), plus square matmuls. Each case states its useful work: flops of the mathematical
// operation (2·M·N·K for a product; padding zeros a kernel may multiply are not counted) and the bytes
// it must move at least (each input read once, each output written once), so GFLOP/s and GB/s compare
// across kernel variants and GPUs.
import { createTensor, type Tensor } from '../engine/buffers';
import type { Dispatch } from '../engine/dispatch';
import { convLayerShape, planFusion, type LayerFusion } from '../engine/fusion';
import { resolveModel, type ResolvedLayer } from '../engine/model';
import { PRESETS } from '../engine/model-setting';
import type { GpuOp } from '../engine/op';
import { createMatmul, createBiasGrad, matmulTilings, type MatmulShape } from '../engine/ops/matmul';
import { conv2dTilings, createConv2dForward, createConv2dBackwardInput, createConv2dBackwardWeight, type Conv2dShape, type ConvPass } from '../engine/ops/conv2d';
import { conv2dPoolSizes, createConv2dPool, type Conv2dPoolShape } from '../engine/ops/conv2d-pool';
import { createPool2dForward, createPool2dBackward, type Pool2dShape } from '../engine/ops/pool';
import { METRICS_WORDS, createSoftmaxXentTrain } from '../engine/ops/softmax_xent';
import { createOptimizer } from '../engine/ops/optimizer';
import { Rng } from '../engine/random';
import type { KernelSite } from '../engine/autotune';
import type { KernelCandidate } from '../engine/kernel-variant';
import type { KernelVariants } from './training';
import type { BenchModel } from './types';

export interface KernelCase {
  name: string;
  shape: string;
  flops: number;
  bytes: number;
  /** Allocates random inputs and builds the dispatches with the given kernel variants. */
  build(device: GPUDevice, variants: KernelVariants): Promise<BuiltCase>;
  /** The autotuner's family when the case has several implementations (GEMM-shaped: matmul, bias gradient, conv2d). */
  family?: KernelSite['family'];
  /** Candidates besides the variants' defaults on this device (KernelSite.tiles), as the graph's op has them. */
  tilings?(device: GPUDevice): readonly KernelCandidate[];
}

export interface BuiltCase {
  dispatches: readonly Dispatch[];
  destroy(): void;
}

/** Flops per parameter of an Adam update (moments, bias-corrected step, sqrt, divide): an estimate. */
const ADAM_FLOPS_PER_PARAM = 18;
/** Adam reads params, grads, m, v and writes params, m, v: 7 floats per parameter. */
const ADAM_BYTES_PER_PARAM = 28;

/** Random tensors owned by one case, destroyed together with its ops. */
class Pool {
  private readonly tensors: Tensor[] = [];
  private readonly rng = new Rng(0x5eed);
  constructor(private readonly device: GPUDevice, private readonly prefix: string) {}
  random(name: string, n: number): GPUBuffer {
    const t = createTensor(this.device, `${this.prefix}.${name}`, [n], this.rng.floats(n));
    this.tensors.push(t);
    return t.buffer;
  }
  zeros(name: string, n: number): GPUBuffer {
    const t = createTensor(this.device, `${this.prefix}.${name}`, [n]);
    this.tensors.push(t);
    return t.buffer;
  }
  labels(name: string, n: number, classes: number): GPUBuffer {
    const t = createTensor(this.device, `${this.prefix}.${name}`, [n], Uint32Array.from({ length: n }, () => this.rng.int(0, classes - 1)));
    this.tensors.push(t);
    return t.buffer;
  }
  done(...ops: GpuOp[]): BuiltCase {
    return {
      dispatches: ops.flatMap((op) => op.dispatches),
      destroy: () => [...ops, ...this.tensors.map((t) => t.buffer)].forEach((b) => b.destroy()),
    };
  }
}

export function matmulCase(name: string, s: MatmulShape & { bias?: boolean; relu?: boolean }): KernelCase {
  const { M, N, K } = s;
  const ops = `${s.transA ? 'Aᵀ' : 'A'}·${s.transB ? 'Bᵀ' : 'B'}${s.bias ? '+b' : ''}${s.relu ? ', ReLU' : ''}`;
  return {
    name,
    shape: `M=${M} N=${N} K=${K} ${ops}`,
    flops: 2 * M * N * K + (s.bias ? M * N : 0),
    bytes: 4 * (M * K + K * N + M * N + (s.bias ? N : 0)),
    family: 'matmul',
    tilings: (device) => matmulTilings(device, s),
    async build(device, variants) {
      const p = new Pool(device, name);
      const op = await createMatmul(device, {
        label: name, M, N, K, transA: s.transA, transB: s.transB, relu: s.relu, variant: variants.matmul, tile: variants.tile,
        a: p.random('a', M * K), b: p.random('b', K * N), c: p.zeros('c', M * N), bias: s.bias ? p.random('bias', N) : undefined,
      });
      return p.done(op);
    },
  };
}

/**
 * One conv2d pass as the training step runs it: forward with the layer's ReLU fused when it has one,
 * backward_weight with the bias gradient (fused or column sums, whichever the graph gets).
 */
function convCase(name: string, pass: ConvPass, shape: Conv2dShape, oh: number, ow: number, relu = false): KernelCase {
  const x = shape.batch * shape.height * shape.width * shape.inChannels;
  const y = shape.batch * oh * ow * shape.outChannels;
  const w = shape.kernelHeight * shape.kernelWidth * shape.inChannels * shape.outChannels;
  const moved = { forward: x + w + y + shape.outChannels, backward_input: y + w + x, backward_weight: x + y + w + shape.outChannels }[pass];
  const biasFlops = pass === 'backward_weight' ? y : 0;
  return {
    name,
    shape: `${shape.batch}×${shape.height}×${shape.width}×${shape.inChannels} * ${shape.kernelHeight}×${shape.kernelWidth}→${shape.outChannels}${shape.crop ? `, ${shape.crop.join('×')} kept` : ''}`,
    flops: 2 * shape.batch * oh * ow * shape.outChannels * shape.kernelHeight * shape.kernelWidth * shape.inChannels + biasFlops,
    bytes: 4 * moved,
    family: `conv2d.${pass}`,
    tilings: (device) => conv2dTilings(device, pass, shape.inChannels, shape.outChannels),
    async build(device, variants) {
      const p = new Pool(device, name);
      const label = name.replace(/\.[a-z_]+$/, '');
      const common = { label, shape, variant: variants.conv2d, tile: variants.tile };
      let op: GpuOp;
      if (pass === 'forward') {
        const args = { ...common, x: p.random('x', x), w: p.random('w', w), bias: p.random('bias', shape.outChannels), y: p.zeros('y', y), relu };
        op = await createConv2dForward(device, args);
      } else if (pass === 'backward_input') {
        const args = { ...common, dy: p.random('dy', y), w: p.random('w', w), dx: p.zeros('dx', x) };
        op = await createConv2dBackwardInput(device, args);
      } else {
        const args = { ...common, x: p.random('x', x), dy: p.random('dy', y), dw: p.zeros('dw', w), db: p.zeros('db', shape.outChannels) };
        op = await createConv2dBackwardWeight(device, args);
      }
      return p.done(op);
    },
  };
}

/**
 * A first conv with its ReLU and 2×2 max pooling as one op (ops/conv2d-pool.ts), as the training step runs
 * it: 'forward' (the four conv outputs of each window, their ReLU and maximum) or 'backward_weight' (dw
 * and db from the pooled gradient, with their reduce dispatches). Useful flops: those of the conv outputs
 * inside the pooled windows; bytes: x, w, the pooled tensors and the argmax codes.
 */
function convPoolCase(name: string, pass: 'forward' | 'backward_weight', shape: Conv2dPoolShape): KernelCase {
  const z = conv2dPoolSizes(shape);
  const x = shape.batch * shape.height * shape.width * shape.inChannels;
  const w = shape.kernelHeight * shape.kernelWidth * shape.inChannels * shape.outChannels;
  const y = z.positions * shape.outChannels;
  const codes = y / 4;
  return {
    name,
    shape: `${shape.batch}×${shape.height}×${shape.width}×${shape.inChannels} * ${shape.kernelHeight}×${shape.kernelWidth}→${shape.outChannels}, max 2×2`,
    flops: 2 * 4 * y * shape.kernelHeight * shape.kernelWidth * shape.inChannels + (pass === 'backward_weight' ? y : 0),
    bytes: 4 * (pass === 'forward' ? x + w + shape.outChannels + y + codes : x + 2 * y + codes + w + shape.outChannels),
    async build(device) {
      const p = new Pool(device, name);
      const label = name.replace(/\.[a-z_]+$/, '');
      const op = await createConv2dPool(device, {
        label, shape, x: p.random('x', x), w: p.random('w', w), bias: p.random('bias', shape.outChannels), y: p.random('y', y),
        dy: p.random('dy', y), dw: p.zeros('dw', w), db: p.zeros('db', shape.outChannels),
      });
      return { ...p.done(op), dispatches: pass === 'forward' ? op.dispatches : op.backward };
    },
  };
}

/** reluMask: the backward also does the preceding conv's ReLU backward, as in the training step. */
function poolCase(name: string, pass: 'forward' | 'backward', shape: Pool2dShape, oh: number, ow: number, reluMask = false): KernelCase {
  const x = shape.batch * shape.height * shape.width * shape.channels;
  const y = shape.batch * oh * ow * shape.channels;
  return {
    name,
    shape: `${shape.batch}×${shape.height}×${shape.width}×${shape.channels} ${shape.kind} ${shape.poolSize}×${shape.poolSize}`,
    // One comparison (or add) per window element.
    flops: y * shape.poolSize * shape.poolSize,
    bytes: 4 * (pass === 'forward' ? x + y : x + y + x),
    async build(device) {
      const p = new Pool(device, name);
      const label = name.replace(/\.[a-z_]+$/, '');
      const op = pass === 'forward'
        ? await createPool2dForward(device, { label, shape, x: p.random('x', x), y: p.zeros('y', y) })
        : await createPool2dBackward(device, { label, shape, x: p.random('x', x), dy: p.random('dy', y), dx: p.zeros('dx', x), reluMask });
      return p.done(op);
    },
  };
}

function biasGradCase(name: string, rows: number, cols: number): KernelCase {
  return {
    name,
    shape: `${rows}×${cols} column sums`,
    flops: rows * cols,
    bytes: 4 * (rows * cols + cols),
    family: 'bias_grad',
    async build(device, variants) {
      const p = new Pool(device, name);
      return p.done(await createBiasGrad(device, { label: name, rows, cols, variant: variants.matmul, dy: p.random('dy', rows * cols), db: p.zeros('db', cols) }));
    },
  };
}

export function softmaxXentCase(batch: number, classes = 10): KernelCase {
  const name = 'softmax_xent.train';
  return {
    name,
    shape: `${batch}×${classes}`,
    // max, subtract, exp, sum, divide, log and the gradient: about 6 operations per logit.
    flops: 6 * batch * classes,
    bytes: 4 * (2 * batch * classes + batch),
    async build(device) {
      const p = new Pool(device, name);
      const xent = await createSoftmaxXentTrain(device, {
        label: 'softmax_xent', shape: { batch, classes },
        logits: p.random('logits', batch * classes), labels: p.labels('labels', batch, classes),
        dlogits: p.zeros('dlogits', batch * classes), metrics: p.zeros('metrics', METRICS_WORDS),
      });
      xent.setStep(1);
      return p.done(xent);
    },
  };
}

export function adamCase(name: string, n: number): KernelCase {
  return {
    name,
    shape: `${n} params`,
    flops: ADAM_FLOPS_PER_PARAM * n,
    bytes: ADAM_BYTES_PER_PARAM * n,
    async build(device) {
      const p = new Pool(device, name);
      const opt = await createOptimizer(device, { label: name, config: { name: 'adam', learningRate: 0.001 }, n, params: p.random('params', n), grads: p.random('grads', n) });
      opt.setStep(1);
      return p.done(opt);
    },
  };
}

/**
 * The matmul, conv2d, pooling and bias-gradient dispatches of one preset's training step, in graph order,
 * with the graph's fusion decisions (a conv's or dense layer's ReLU in its store, a conv's backward in the next pooling layer's,
 * a first conv and its pooling as one op).
 */
function layerCases(model: BenchModel, batch: number, l: ResolvedLayer, needInputGrad: boolean, fusion: LayerFusion, inputCrop?: readonly [number, number]): KernelCase[] {
  const n = `${model} ${l.name}`;
  const out: KernelCase[] = [];
  if (l.type === 'dense') {
    const [fin] = l.inShape;
    const units = l.units;
    out.push(matmulCase(`${n}.forward`, { M: batch, N: units, K: fin, bias: true, relu: fusion.reluInStore }));
    out.push(matmulCase(`${n}.backward_weight`, { M: fin, N: units, K: batch, transA: true }));
    out.push(biasGradCase(`${n}.backward_bias`, batch, units));
    if (needInputGrad) out.push(matmulCase(`${n}.backward_input`, { M: batch, N: fin, K: units, transB: true }));
  } else if (l.type === 'conv2d' && fusion.pool === 'in-conv') {
    const shape = convLayerShape(l, batch);
    out.push(convPoolCase(`${n}+pool.forward`, 'forward', shape), convPoolCase(`${n}+pool.backward_weight`, 'backward_weight', shape));
  } else if (l.type === 'conv2d') {
    // A conv before a pooling that reads less than its output computes only that (fusion.ts's crop).
    const [oh, ow] = fusion.crop ?? l.outShape;
    const shape = convLayerShape(l, batch, fusion.crop);
    out.push(convCase(`${n}.forward`, 'forward', shape, oh, ow, fusion.reluInStore));
    out.push(convCase(`${n}.backward_weight`, 'backward_weight', shape, oh, ow));
    if (needInputGrad) out.push(convCase(`${n}.backward_input`, 'backward_input', shape, oh, ow));
  } else if ((l.type === 'maxPool2d' || l.type === 'avgPool2d') && fusion.pool !== 'in-conv') {
    // Its input as the training step has it: a cropped conv's output.
    const [h, w, c] = inputCrop ? [...inputCrop, l.inShape[2]] : l.inShape;
    const [oh, ow] = l.outShape;
    const shape: Pool2dShape = { batch, height: h, width: w, channels: c, poolSize: l.poolSize, stride: l.strides, kind: l.type === 'maxPool2d' ? 'max' : 'avg' };
    out.push(poolCase(`${n}.forward`, 'forward', shape, oh, ow));
    if (needInputGrad) out.push(poolCase(`${n}.backward`, 'backward', shape, oh, ow, fusion.reluMask));
  }
  return out;
}

/** Every heavy kernel of the mlp and cnn training steps at `batch`, then the loss and the optimizer. */
export function modelKernelCases(batch: number): KernelCase[] {
  const cases: KernelCase[] = [];
  for (const model of ['mlp', 'cnn'] as const) {
    const resolved = resolveModel(PRESETS[model]);
    const fusion = planFusion(resolved);
    let seenParams = false;
    for (const l of resolved.layers) {
      cases.push(...layerCases(model, batch, l, seenParams, fusion[l.index], fusion[l.index - 1]?.crop));
      if (l.params.length) seenParams = true;
    }
    cases.push(adamCase(`${model} optimizer.adam`, resolved.trainableCount));
  }
  cases.push(softmaxXentCase(batch));
  return cases;
}

export function selectCases(cases: KernelCase[], prefixes: string[] | null): KernelCase[] {
  if (!prefixes) return cases;
  return cases.filter((c) => prefixes.some((p) => c.name.startsWith(p)));
}
