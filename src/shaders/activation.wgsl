// Activation functions, forward and backward.
//
// Elementwise (x: (n) → y: (n), one invocation per element), chosen by the ACT override:
//   0 linear      y = x  (a plain copy; callers may skip it and alias y to x instead)
//   1 relu        y = max(x, 0)
//   2 leaky_relu  y = x > 0 ? x : α·x
//   3 elu         y = x > 0 ? x : α·(eˣ − 1)
//   4 sigmoid     y = 1 / (1 + e⁻ˣ)
//   5 tanh        y = tanh x
//   6 gelu        the TANH APPROXIMATION (WGSL has no erf): y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³),
//                 evaluated as x·σ(2u), the same function without the cancellation of 1 + tanh u for x ≪ 0
//   7 softmax     not elementwise: see below
// Overflow: every exponential is of a non-positive number (exp(−|x|) and the like), so nothing
// overflows to inf and no inf/inf = NaN appears, for any finite x. We do not use the tanh builtin:
// some backends evaluate it as a ratio of exponentials that is NaN for large |x|.
// Backward (dx = dy ⊙ f'(x)) computes every elementwise derivative from x, not from y: these kernels
// are bandwidth-bound, so the extra exp is free, and it avoids the cancellation of 1 − y, 1 − y² and
// y + α near saturation (a relative error of 1 rather than of an ulp).
//
// Softmax over the last axis of x: (rows, cols), numerically stable (e^(x − row max)):
//   forward  y = e^(x − m) / Σ e^(x − m)
//   backward dx = y ⊙ (dy − Σ dy ⊙ y)           (row sums; needs y and dy only)
//   *_rows:  one workgroup per row, invocations stride over the row (coalesced), tree reductions in
//            workgroup memory; any cols. Used for wide rows.
//   *_small: one invocation per row, for narrow rows (10 classes) where a workgroup per row would
//            leave almost every invocation idle.
//
// bindings: 0 x, 1 out (y forward, dx backward), 2 params, 3 y (backward), 4 dy (backward)
// overrides: WG (workgroup size; a power of two for the *_rows reductions), ACT (function id)

override WG: u32 = 256;
override ACT: u32 = 0;

const LINEAR: u32 = 0u;
const RELU: u32 = 1u;
const LEAKY_RELU: u32 = 2u;
const ELU: u32 = 3u;
const SIGMOID: u32 = 4u;
const TANH: u32 = 5u;
const GELU: u32 = 6u;

const GELU_K: f32 = 0.7978845608028654;   // √(2/π)
const GELU_C: f32 = 0.044715;

struct Params {
  n: u32,       // rows · cols
  rows: u32,
  cols: u32,
  alpha: f32,   // leaky_relu slope, elu scale
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;

// eᶻ − 1 for z ≤ 0, accurate relative to the result near 0 where exp(z) − 1 cancels.
fn expm1_neg(z: f32) -> f32 {
  if (z > -0.1) {
    // Taylor to z⁵: truncation error below z⁵/720 relative, under 2e-8 on (−0.1, 0]
    return z * (1.0 + z / 2.0 * (1.0 + z / 3.0 * (1.0 + z / 4.0 * (1.0 + z / 5.0))));
  }
  return exp(z) - 1.0;
}

// (σ(z), 1 − σ(z)), each accurate relative to itself (no 1 − σ cancellation), from e^(−|z|) ≤ 1.
fn sigmoid2(z: f32) -> vec2f {
  let e = exp(-abs(z));
  let r = 1.0 / (1.0 + e);
  if (z >= 0.0) {
    return vec2f(r, e * r);
  }
  return vec2f(e * r, r);
}

// tanh z = sign(z)·(1 − e^(−2|z|)) / (1 + e^(−2|z|)).
fn tanh_safe(z: f32) -> f32 {
  let t = -expm1_neg(-2.0 * abs(z)) / (1.0 + exp(-2.0 * abs(z)));
  return select(t, -t, z < 0.0);
}

// GELU's u(z) for the sigmoid; |z| > 10 is clamped (σ(2u) is 0 or 1 to f32 precision there), so z³
// never overflows.
fn gelu_u(z: f32) -> f32 {
  return GELU_K * (z + GELU_C * z * z * z);
}

fn act_forward(z: f32) -> f32 {
  switch (ACT) {
    case RELU: { return max(z, 0.0); }
    case LEAKY_RELU: { return select(p.alpha * z, z, z > 0.0); }
    case ELU: { return select(p.alpha * expm1_neg(min(z, 0.0)), z, z > 0.0); }
    case SIGMOID: { return sigmoid2(z).x; }
    case TANH: { return tanh_safe(z); }
    case GELU: { return z * sigmoid2(2.0 * gelu_u(clamp(z, -10.0, 10.0))).x; }
    default: { return z; }
  }
}

// f'(z).
fn act_derivative(z: f32) -> f32 {
  switch (ACT) {
    case RELU: { return select(0.0, 1.0, z > 0.0); }
    case LEAKY_RELU: { return select(p.alpha, 1.0, z > 0.0); }
    case ELU: { return select(p.alpha * exp(min(z, 0.0)), 1.0, z > 0.0); }
    case SIGMOID: {
      let s = sigmoid2(z);
      return s.x * s.y;
    }
    case TANH: {
      // 1 − tanh² = 4e / (1 + e)², e = e^(−2|z|)
      let e = exp(-2.0 * abs(z));
      return 4.0 * e / ((1.0 + e) * (1.0 + e));
    }
    case GELU: {
      // d/dz z·σ(2u) = σ + z·2σ(1 − σ)·u'
      let zc = clamp(z, -10.0, 10.0);
      let s = sigmoid2(2.0 * gelu_u(zc));
      return s.x + zc * 2.0 * s.x * s.y * GELU_K * (1.0 + 3.0 * GELU_C * zc * zc);
    }
    default: { return 1.0; }
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  out[i] = act_forward(x[i]);
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  if (ACT == LINEAR) {
    out[i] = dy[i];
  } else {
    out[i] = dy[i] * act_derivative(x[i]);
  }
}

// ---- softmax, one invocation per row ----

@compute @workgroup_size(WG)
fn softmax_forward_small(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= p.rows) {
    return;
  }
  let base = row * p.cols;
  var m = x[base];
  for (var j = 1u; j < p.cols; j++) {
    m = max(m, x[base + j]);
  }
  var s = 0.0;
  for (var j = 0u; j < p.cols; j++) {
    s += exp(x[base + j] - m);
  }
  for (var j = 0u; j < p.cols; j++) {
    out[base + j] = exp(x[base + j] - m) / s;
  }
}

@compute @workgroup_size(WG)
fn softmax_backward_small(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= p.rows) {
    return;
  }
  let base = row * p.cols;
  var dot = 0.0;
  for (var j = 0u; j < p.cols; j++) {
    dot += dy[base + j] * y[base + j];
  }
  for (var j = 0u; j < p.cols; j++) {
    out[base + j] = y[base + j] * (dy[base + j] - dot);
  }
}

// ---- softmax, one workgroup per row ----

var<workgroup> red: array<f32, WG>;

// Max or sum of v over the workgroup, returned to every invocation. Call in uniform control flow.
fn workgroup_reduce(lid: u32, v: f32, take_max: bool) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      let other = red[lid + stride];
      red[lid] = select(red[lid] + other, max(red[lid], other), take_max);
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();   // everyone has read red[0] before the next reduction overwrites it
  return r;
}

@compute @workgroup_size(WG)
fn softmax_forward_rows(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u,
                        @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) {
    return;   // uniform: the whole workgroup leaves together
  }
  let lid = lid3.x;
  let base = row * p.cols;
  var m = -3.4028234663852886e38;   // −f32 max: invocations past the row end contribute nothing
  for (var j = lid; j < p.cols; j += WG) {
    m = max(m, x[base + j]);
  }
  m = workgroup_reduce(lid, m, true);
  var s = 0.0;
  for (var j = lid; j < p.cols; j += WG) {
    s += exp(x[base + j] - m);
  }
  s = workgroup_reduce(lid, s, false);
  for (var j = lid; j < p.cols; j += WG) {
    out[base + j] = exp(x[base + j] - m) / s;
  }
}

@compute @workgroup_size(WG)
fn softmax_backward_rows(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u,
                         @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) {
    return;
  }
  let lid = lid3.x;
  let base = row * p.cols;
  var dot = 0.0;
  for (var j = lid; j < p.cols; j += WG) {
    dot += dy[base + j] * y[base + j];
  }
  dot = workgroup_reduce(lid, dot, false);
  for (var j = lid; j < p.cols; j += WG) {
    out[base + j] = y[base + j] * (dy[base + j] - dot);
  }
}
