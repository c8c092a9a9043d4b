// Optimizers over one flat parameter buffer (src/shaders/optimizer.wgsl): SGD, momentum, Nesterov,
// Adam, AdamW, RMSprop, Adagrad, Adamax and Nadam with Keras 3 semantics and defaults. One dispatch per
// training step updates every parameter.
import optimizerWgsl from '../../shaders/optimizer.wgsl';
import { createTensor, createUniform, packUniform, u32 } from '../buffers';
import { grid1d, makeDispatch } from '../dispatch';
import { owning, type GpuOp } from '../op';
import { checkBinding, checkNotAliased, getKernel, type BufferLike, type KernelSpec } from '../pipelines';

export const OPTIMIZER_WORKGROUP = 256;

export const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adamax', 'nadam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/**
 * The shader's ALGO id and the names of the state buffers each algorithm keeps (s0, s1 in order); the
 * names are the checkpoint's keys. `initial`: the starting value of a state that does not start at 0.
 */
const ALGORITHMS: Record<OptimizerName, { id: number; state: readonly string[]; initial?: Record<string, (c: Required<OptimizerConfig>) => number> }> = {
  sgd: { id: 0, state: [] },
  momentum: { id: 1, state: ['velocity'] },
  nesterov: { id: 2, state: ['velocity'] },
  // AdamW is Adam with decoupled weight decay, which the shader applies whenever wd > 0.
  adam: { id: 3, state: ['m', 'v'] },
  adamw: { id: 3, state: ['m', 'v'] },
  rmsprop: { id: 4, state: ['velocity'] },
  // Keras starts the accumulator at 0.1, so a first step is lr·g/√(g² + 0.1), not a full lr·sign(g).
  adagrad: { id: 5, state: ['accumulator'], initial: { accumulator: (c) => c.initialAccumulatorValue } },
  adamax: { id: 6, state: ['m', 'u'] },
  nadam: { id: 7, state: ['m', 'v'] },
};

/** The state buffers `name` keeps, n floats each (memory.ts counts them before anything is allocated). */
export function optimizerStateNames(name: OptimizerName): readonly string[] {
  return ALGORITHMS[name]?.state ?? []; // an unknown name is resolveOptimizerConfig's to reject
}

/** Nadam's momentum schedule (Keras 3): μ_t = β1·(1 - 0.5·0.96^t). */
export function nadamMomentum(beta1: number, t: number): number {
  return beta1 * (1 - 0.5 * 0.96 ** t);
}

/** Keras's AdamW(weight_decay=0.004); the other algorithms decay only when asked to. */
export const ADAMW_WEIGHT_DECAY = 0.004;

export interface OptimizerConfig {
  name: OptimizerName;
  learningRate: number;
  /** For momentum and nesterov; default 0.9. */
  momentum?: number;
  /** RMSprop's decay of its mean square; default 0.9. */
  rho?: number;
  /** Adagrad's starting accumulator; default 0.1. */
  initialAccumulatorValue?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-7 (Keras). */
  epsilon?: number;
  /** Decoupled weight decay p -= lr·wd·p, for any algorithm; default ADAMW_WEIGHT_DECAY for adamw, else 0. */
  weightDecay?: number;
}

function check(ok: boolean, field: string, value: number, rule: string): void {
  if (!ok) throw new Error(`optimizer: ${field} must be ${rule}, got ${value}`);
}

/** lr itself, or an Error naming the rule it breaks. */
export function validLearningRate(lr: number): number {
  check(Number.isFinite(lr) && lr > 0, 'learningRate', lr, 'a finite number > 0');
  return lr;
}

/** Fills the defaults and validates every field, with messages naming the field. */
export function resolveOptimizerConfig(c: OptimizerConfig): Required<OptimizerConfig> {
  if (!OPTIMIZERS.includes(c.name)) throw new Error(`optimizer: unknown name '${String(c.name)}', expected one of ${OPTIMIZERS.join(', ')}`);
  const r: Required<OptimizerConfig> = {
    name: c.name,
    learningRate: validLearningRate(c.learningRate),
    momentum: c.momentum ?? 0.9,
    rho: c.rho ?? 0.9,
    initialAccumulatorValue: c.initialAccumulatorValue ?? 0.1,
    beta1: c.beta1 ?? 0.9,
    beta2: c.beta2 ?? 0.999,
    epsilon: c.epsilon ?? 1e-7,
    weightDecay: c.weightDecay ?? (c.name === 'adamw' ? ADAMW_WEIGHT_DECAY : 0),
  };
  check(r.momentum >= 0 && r.momentum < 1, 'momentum', r.momentum, 'in [0, 1)');
  check(r.rho >= 0 && r.rho < 1, 'rho', r.rho, 'in [0, 1)');
  check(Number.isFinite(r.initialAccumulatorValue) && r.initialAccumulatorValue >= 0, 'initialAccumulatorValue', r.initialAccumulatorValue, 'a finite number ≥ 0');
  check(r.beta1 >= 0 && r.beta1 < 1, 'beta1', r.beta1, 'in [0, 1)');
  check(r.beta2 >= 0 && r.beta2 < 1, 'beta2', r.beta2, 'in [0, 1)');
  check(Number.isFinite(r.epsilon) && r.epsilon > 0, 'epsilon', r.epsilon, 'a finite number > 0');
  check(Number.isFinite(r.weightDecay) && r.weightDecay >= 0, 'weightDecay', r.weightDecay, 'a finite number ≥ 0');
  return r;
}

/** The update dispatches (update_vec4 up to 4·⌊n/4⌋, update for the rest); the op owns its state buffers, its placeholders and its uniform. */
export interface OptimizerOp extends GpuOp {
  /** The resolved configuration; learningRate follows setLearningRate. */
  config: Required<OptimizerConfig>;
  /** State buffers, e.g. { m, v }, { velocity } or { accumulator }, each n floats (for checkpoints). */
  state: Record<string, GPUBuffer>;
  /**
   * 1-based step count (bias corrections, Nadam's schedule); call before each step's submit. Starts at 1.
   * With `learningRate`, also that step's rate (a schedule's value): one uniform write for both.
   */
  setStep(t: number, learningRate?: number): void;
  /** Takes effect from the next step. */
  setLearningRate(lr: number): void;
  /** Returns the state buffers to their starting values: 0, Adagrad's accumulator 0.1 (queued before any later submit). */
  reset(): void;
}

export interface OptimizerArgs {
  label: string;
  config: OptimizerConfig;
  /** Number of parameters. */
  n: number;
  params: BufferLike;
  grads: BufferLike;
}

function specFor(id: number, entryPoint: 'update' | 'update_vec4'): KernelSpec {
  return {
    label: `optimizer.${entryPoint}`,
    code: optimizerWgsl,
    entryPoint,
    workgroupSize: [OPTIMIZER_WORKGROUP],
    constants: { WG: OPTIMIZER_WORKGROUP, ALGO: id },
    bindings: ['storage', 'read-only-storage', 'storage', 'storage', 'uniform'],
  };
}

export async function createOptimizer(device: GPUDevice, a: OptimizerArgs): Promise<OptimizerOp> {
  const config = resolveOptimizerConfig(a.config);
  const { n } = a;
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new Error(`optimizer: n must be a positive integer below 2^32, got ${n}`);
  const op = `optimizer (${a.label})`;
  checkBinding(device, op, 'params', a.params, n * 4, `n = ${n} floats`);
  checkBinding(device, op, 'grads', a.grads, n * 4, `n = ${n} floats`);
  checkNotAliased(op, { params: a.params }, { grads: a.grads });

  const algo = ALGORITHMS[config.name];
  // update_vec4 takes 4 elements per invocation up to 4·⌊n/4⌋ (n ≥ 4: a vec4 view needs 16 bytes bound);
  // update the rest, from `first`.
  const first = n >= 4 ? n - (n % 4) : 0;
  const kernelVec4 = first > 0 ? await getKernel(device, specFor(algo.id, 'update_vec4')) : undefined;
  const kernel = first < n ? await getKernel(device, specFor(algo.id, 'update')) : undefined;
  let t = 1;
  // Nadam's Π_t = μ_1·…·μ_t, kept for the last t and extended by one factor per step; any other t
  // (a checkpoint's, a reset's) recomputes it, in the same order, so it depends on t alone.
  let product = { t: 0, value: 1 };
  const nadamProduct = (step: number): number => {
    if (step !== product.t && step !== product.t + 1) product = { t: 0, value: 1 };
    while (product.t < step) product = { t: product.t + 1, value: product.value * nadamMomentum(config.beta1, product.t + 1) };
    return product.value;
  };
  const nadamCoefficients = (): [number, number] => {
    if (config.name !== 'nadam') return [0, 0];
    const [mu, muNext, prod] = [nadamMomentum(config.beta1, t), nadamMomentum(config.beta1, t + 1), nadamProduct(t)];
    return [muNext / (1 - prod * muNext), (1 - mu) / (1 - prod)];
  };
  const pack = () => {
    const lr = config.learningRate;
    return packUniform([
      u32(n), lr, lr * config.weightDecay, config.momentum,
      config.beta1, 1 - config.beta1, config.beta2, 1 - config.beta2,
      1 - config.beta1 ** t, 1 - config.beta2 ** t, config.epsilon, config.rho,
      1 - config.rho, ...nadamCoefficients(), u32(first),
    ]);
  };
  const startValue = (name: string): number => algo.initial?.[name]?.(config) ?? 0;
  // New buffers are zeros (WebGPU clears them), so only the states that start elsewhere are written.
  const fillStart = (state: Record<string, GPUBuffer>) => {
    for (const [name, b] of Object.entries(state)) {
      const v = startValue(name);
      if (v !== 0) device.queue.writeBuffer(b, 0, new Float32Array(n).fill(v));
    }
  };
  const { owner, value: { state, dispatches, write } } = await owning(async (own) => {
    const state: Record<string, GPUBuffer> = {};
    for (const name of algo.state) state[name] = own.tensor(createTensor(device, `${a.label}.${name}`, [n])).buffer;
    // Writable bindings may not alias, so each unused slot gets its own placeholder.
    const slots = [0, 1].map((k) => (k < algo.state.length ? state[algo.state[k]] : own.tensor(createTensor(device, `${a.label}.unused${k}`, [4])).buffer));
    fillStart(state);
    const hyper = own.add(createUniform(device, `${a.label}.hyper`, pack()));
    const write = () => device.queue.writeBuffer(hyper, 0, pack());
    const buffers = [a.params, a.grads, slots[0], slots[1], hyper];
    const dispatches = [
      ...(kernelVec4 ? [makeDispatch(device, kernelVec4, `${a.label}.update_vec4`, buffers, grid1d(device, Math.ceil(first / 4 / OPTIMIZER_WORKGROUP)))] : []),
      ...(kernel ? [makeDispatch(device, kernel, `${a.label}.update`, buffers, grid1d(device, Math.ceil((n - first) / OPTIMIZER_WORKGROUP)))] : []),
    ];
    return { state, dispatches, write };
  });

  return {
    label: a.label,
    dispatches,
    config,
    state,
    setStep(step, learningRate) {
      if (!Number.isInteger(step) || step < 1) throw new Error(`optimizer: step must be a positive integer (1-based), got ${step}`);
      if (learningRate !== undefined) config.learningRate = validLearningRate(learningRate);
      t = step;
      write();
    },
    setLearningRate(lr) {
      config.learningRate = validLearningRate(lr);
      write();
    },
    reset() {
      const enc = device.createCommandEncoder({ label: `${a.label}.reset` });
      for (const [name, b] of Object.entries(state)) if (startValue(name) === 0) enc.clearBuffer(b);
      device.queue.submit([enc.finish()]);
      fillStart(state);
    },
    destroy: () => owner.destroy(),
  };
}
