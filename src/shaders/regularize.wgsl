// L1/L2 kernel regularization (Keras's kernel_regularizer), its gradient and its penalty, in two passes
// and without float atomics.
// For one kernel w (n weights): penalty P = Σ_i l1·|w_i| + l2·w_i²; gradient dP/dw_i = l1·sign(w_i) + 2·l2·w_i,
// with sign(0) = 0 (the subgradient Keras/TensorFlow use).
//
// train   (one dispatch per regularized kernel, `groups` ≤ MAX_GROUPS workgroups): each thread strides over
//         the kernel (grid-stride loop, so the partials stay bounded whatever the kernel size), adds the
//         gradient to grads[offset + i] and writes the sum of its terms to its own partial,
//         partials[base + workgroup·WG + thread]. No workgroup memory and no barrier: on a CPU adapter
//         (SwiftShader) every barrier is a switch between the workgroup's fibers, and a tree reduction per
//         workgroup here cost ~10 ms per step for a 784×256 kernel, more than the layer's matmuls.
// penalty (evaluation): the same, grads untouched.
// finish  (one workgroup): sums partials[0 .. count) (one tree reduction, once per step) and adds the total
//         to metrics word PENALTY_SUM and 1 to PENALTY_COUNT. A single writer after the partials are complete
//         (the next dispatch), so a plain read-modify-write: no atomics.
//
// params: (P) f32 the flat weights, a kernel at [offset, offset + n)   grads: (P) f32 their gradients
// partials: (count) f32, one per thread of the train/penalty dispatches   metrics: 8 words (metrics-words.ts)
// bindings: 0 params, 1 grads, 2 partials, 3 params uniform, 4 metrics (every entry point, one layout)

override WG: u32 = 256;            // threads per workgroup; a power of two
override PENALTY_SUM: u32 = 5u;    // METRIC.penaltySum
override PENALTY_COUNT: u32 = 6u;  // METRIC.penaltyCount

struct Params {
  offset: u32,  // the kernel's first element in params / grads
  n: u32,       // its number of weights
  base: u32,    // its first partial
  count: u32,   // finish: the number of partials to add
  l1: f32,
  l2: f32,
}

@group(0) @binding(0) var<storage, read> weights: array<f32>;
@group(0) @binding(1) var<storage, read_write> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<storage, read_write> metrics: array<u32, 8>;

var<workgroup> red: array<f32, WG>;

// Tree reduction of every thread's `v`; the sum is returned to thread 0 (others get partial sums).
fn reduce(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      red[lid] = red[lid] + red[lid + s];
    }
    workgroupBarrier();
  }
  return red[0];
}

fn accumulate(wid: u32, groups: u32, lid: u32, add_grad: bool) {
  var sum = 0.0;
  for (var i = wid * WG + lid; i < p.n; i = i + groups * WG) {
    let w = weights[p.offset + i];
    sum = sum + p.l1 * abs(w) + p.l2 * w * w;
    if (add_grad) {
      grads[p.offset + i] = grads[p.offset + i] + p.l1 * sign(w) + 2.0 * p.l2 * w;
    }
  }
  partials[p.base + wid * WG + lid] = sum;
}

@compute @workgroup_size(WG)
fn train(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  accumulate(wid.x, nwg.x, lid, true);
}

@compute @workgroup_size(WG)
fn penalty(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  accumulate(wid.x, nwg.x, lid, false);
}

@compute @workgroup_size(WG)
fn finish(@builtin(local_invocation_index) lid: u32) {
  var sum = 0.0;
  for (var i = lid; i < p.count; i = i + WG) {
    sum = sum + partials[i];
  }
  let total = reduce(lid, sum);
  if (lid == 0u) {
    metrics[PENALTY_SUM] = bitcast<u32>(bitcast<f32>(metrics[PENALTY_SUM]) + total);
    metrics[PENALTY_COUNT] = bitcast<u32>(bitcast<f32>(metrics[PENALTY_COUNT]) + 1.0);
  }
}
