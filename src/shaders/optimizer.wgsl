// One optimizer step over ALL of a model's parameters: they live in one flat buffer and their
// gradients in another, so a single dispatch updates everything. One invocation per element; the
// update is elementwise and purely memory-bound (Adam reads 16 and writes 12 bytes per element), and
// neighbouring invocations touch neighbouring words, so every load and store is coalesced.
//
// Keras 3 semantics (keras/src/optimizers/*.py), with decoupled weight decay applied first for every
// algorithm, as Keras does whenever weight_decay is set (p -= lr·wd·p; AdamW is Adam with wd > 0):
//   sgd:       p -= lr·g
//   momentum:  vel = momentum·vel - lr·g;  p += vel
//   nesterov:  vel = momentum·vel - lr·g;  p += momentum·vel - lr·g
//   adam:      m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  p -= lr·(m / (1-β1^t)) / (√(v / (1-β2^t)) + ε)
//              (the textbook form; Keras folds √(1-β2^t) into lr, which moves ε by that factor)
//   rmsprop:   v = ρ·v + (1-ρ)·g²;  p -= lr·g / √(v + ε)          (Keras's momentum = 0, centered = False;
//              ε inside the root, as Keras has it)
//   adagrad:   a += g²;  p -= lr·g / √(a + ε)                     (a starts at initial_accumulator_value,
//              0.1, not 0: the TS module fills it on creation and reset; ε inside the root, as Keras)
//   adamax:    m = β1·m + (1-β1)·g;  u = max(β2·u, |g|);  p -= lr·m / ((1-β1^t)·(u + ε))
//   nadam:     μ_t = β1·(1 - 0.5·0.96^t);  Π_t = μ_1·…·μ_t  (Dozat's momentum schedule, Keras 3 form)
//              m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²   (m decays with β1, not μ_t, as in Keras)
//              m̂ = μ_{t+1}·m / (1 - Π_t·μ_{t+1}) + (1 - μ_t)·g / (1 - Π_t);  v̂ = v / (1-β2^t)
//              p -= lr·m̂ / (√v̂ + ε)
// Every hyperparameter is in the uniform, so the learning rate and step t change without recompiling.
// 1-β, 1-β^t and Nadam's two m̂ coefficients are computed on the CPU in float64: they depend on t only,
// and 1 - f32(0.999) in f32 is off by 1.3e-5 relative.
//
// params: (n) read-write;  grads: (n);  s0: (n) velocity (momentum, nesterov, rmsprop), Adagrad's
// accumulator, or m (adam, adamax, nadam);  s1: (n) v (adam, nadam) or Adamax's u.
// Algorithms that keep less state get distinct 16-byte placeholders in the unused slots
// (ALGO removes every access to them when the pipeline is specialised).
// bindings: 0 params, 1 grads, 2 s0, 3 s1, 4 hyperparameters
//
// update: one step, params and state updated in place.

override WG: u32 = 256;
// 0 sgd, 1 momentum, 2 nesterov, 3 adam / adamw, 4 rmsprop, 5 adagrad, 6 adamax, 7 nadam
// (validated by the TS module).
override ALGO: u32;

const SGD: u32 = 0u;
const MOMENTUM: u32 = 1u;
const NESTEROV: u32 = 2u;
const ADAM: u32 = 3u;
const RMSPROP: u32 = 4u;
const ADAGRAD: u32 = 5u;
const ADAMAX: u32 = 6u;
const NADAM: u32 = 7u;

struct Hyper {
  n: u32,
  lr: f32,
  decay: f32,           // lr · weight_decay
  momentum: f32,
  beta1: f32,
  one_minus_beta1: f32,
  beta2: f32,
  one_minus_beta2: f32,
  bias1: f32,           // 1 - β1^t
  bias2: f32,           // 1 - β2^t
  epsilon: f32,
  rho: f32,
  one_minus_rho: f32,
  nadam_m: f32,         // μ_{t+1} / (1 - Π_t·μ_{t+1})
  nadam_g: f32,         // (1 - μ_t) / (1 - Π_t)
}

@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> s0: array<f32>;
@group(0) @binding(3) var<storage, read_write> s1: array<f32>;
@group(0) @binding(4) var<uniform> h: Hyper;

@compute @workgroup_size(WG)
fn update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= h.n) {
    return;
  }
  let g = grads[i];
  var p = params[i];
  // Decay uses the weight before this step's update and this step's learning rate (Keras order).
  p -= h.decay * p;
  if (ALGO == SGD) {
    p -= h.lr * g;
  } else if (ALGO == MOMENTUM || ALGO == NESTEROV) {
    let vel = h.momentum * s0[i] - h.lr * g;
    s0[i] = vel;
    if (ALGO == MOMENTUM) {
      p += vel;
    } else {
      // Look-ahead: the step the velocity would take next, plus this gradient's step.
      p += h.momentum * vel - h.lr * g;
    }
  } else if (ALGO == RMSPROP) {
    let v = h.rho * s0[i] + h.one_minus_rho * (g * g);
    s0[i] = v;
    p -= h.lr * g / sqrt(v + h.epsilon);
  } else if (ALGO == ADAGRAD) {
    let a = s0[i] + g * g;
    s0[i] = a;
    p -= h.lr * g / sqrt(a + h.epsilon);
  } else {
    let m = h.beta1 * s0[i] + h.one_minus_beta1 * g;
    s0[i] = m;
    if (ALGO == ADAMAX) {
      let u = max(h.beta2 * s1[i], abs(g));
      s1[i] = u;
      p -= h.lr * m / (h.bias1 * (u + h.epsilon));
    } else {
      let v = h.beta2 * s1[i] + h.one_minus_beta2 * (g * g);
      s1[i] = v;
      if (ALGO == ADAM) {
        p -= h.lr * (m / h.bias1) / (sqrt(v / h.bias2) + h.epsilon);
      } else {
        // NADAM: the look-ahead mixes next step's momentum share of m with this gradient's share.
        let m_hat = h.nadam_m * m + h.nadam_g * g;
        p -= h.lr * m_hat / (sqrt(v / h.bias2) + h.epsilon);
      }
    }
  }
  params[i] = p;
}
