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
// update_vec4: one step for elements 0 .. 4·⌊n/4⌋ - 1, four per invocation (vec4 views of the same
// bindings): on CPU backends (SwiftShader) every access with a computed index is a per-lane gather or
// scatter, so a quarter of the accesses is most of the cost. update: the same step one element per
// invocation for elements h.first .. n - 1 (the ≤ 3 left over, or all of them when n < 4, where a vec4
// view would be shorter than its binding's minimum size). Both run step4, so every element gets the
// same arithmetic on either path.

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
  first: u32,           // update's first element: 4·⌊n/4⌋ after update_vec4, else 0
}

@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> s0: array<f32>;
@group(0) @binding(3) var<storage, read_write> s1: array<f32>;
@group(0) @binding(4) var<uniform> h: Hyper;

@group(0) @binding(0) var<storage, read_write> params4: array<vec4f>;
@group(0) @binding(1) var<storage, read> grads4: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> s04: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> s14: array<vec4f>;

// Which state slots the algorithm keeps: the others are 16-byte placeholders, never read or written.
override USES_S0: bool = ALGO != SGD;
override USES_S1: bool = ALGO == ADAM || ALGO == ADAMAX || ALGO == NADAM;

struct Step4 {
  p: vec4f,
  s0: vec4f,
  s1: vec4f,
}

// One step of 4 elements: parameters p, gradients g, state s0, s1 (unused slots ignored).
fn step4(p_in: vec4f, g: vec4f, s0_in: vec4f, s1_in: vec4f) -> Step4 {
  // Decay uses the weight before this step's update and this step's learning rate (Keras order).
  var p = p_in - h.decay * p_in;
  var s0 = s0_in;
  var s1 = s1_in;
  if (ALGO == SGD) {
    p -= h.lr * g;
  } else if (ALGO == MOMENTUM || ALGO == NESTEROV) {
    s0 = h.momentum * s0 - h.lr * g;
    if (ALGO == MOMENTUM) {
      p += s0;
    } else {
      // Look-ahead: the step the velocity would take next, plus this gradient's step.
      p += h.momentum * s0 - h.lr * g;
    }
  } else if (ALGO == RMSPROP) {
    s0 = h.rho * s0 + h.one_minus_rho * (g * g);
    p -= h.lr * g / sqrt(s0 + h.epsilon);
  } else if (ALGO == ADAGRAD) {
    s0 = s0 + g * g;
    p -= h.lr * g / sqrt(s0 + h.epsilon);
  } else {
    let m = h.beta1 * s0 + h.one_minus_beta1 * g;
    s0 = m;
    if (ALGO == ADAMAX) {
      s1 = max(h.beta2 * s1, abs(g));
      p -= h.lr * m / (h.bias1 * (s1 + h.epsilon));
    } else {
      s1 = h.beta2 * s1 + h.one_minus_beta2 * (g * g);
      if (ALGO == ADAM) {
        p -= h.lr * (m / h.bias1) / (sqrt(s1 / h.bias2) + h.epsilon);
      } else {
        // NADAM: the look-ahead mixes next step's momentum share of m with this gradient's share.
        let m_hat = h.nadam_m * m + h.nadam_g * g;
        p -= h.lr * m_hat / (sqrt(s1 / h.bias2) + h.epsilon);
      }
    }
  }
  return Step4(p, s0, s1);
}

@compute @workgroup_size(WG)
fn update_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= h.n / 4u) {
    return;
  }
  var s0v = vec4f(0.0);
  var s1v = vec4f(0.0);
  if (USES_S0) {
    s0v = s04[i];
  }
  if (USES_S1) {
    s1v = s14[i];
  }
  let r = step4(params4[i], grads4[i], s0v, s1v);
  params4[i] = r.p;
  if (USES_S0) {
    s04[i] = r.s0;
  }
  if (USES_S1) {
    s14[i] = r.s1;
  }
}

@compute @workgroup_size(WG)
fn update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = h.first + gid.x + gid.y * nwg.x * WG;
  if (i >= h.n) {
    return;
  }
  var s0v = 0.0;
  var s1v = 0.0;
  if (USES_S0) {
    s0v = s0[i];
  }
  if (USES_S1) {
    s1v = s1[i];
  }
  let r = step4(vec4f(params[i]), vec4f(grads[i]), vec4f(s0v), vec4f(s1v));
  params[i] = r.p.x;
  if (USES_S0) {
    s0[i] = r.s0.x;
  }
  if (USES_S1) {
    s1[i] = r.s1.x;
  }
}
