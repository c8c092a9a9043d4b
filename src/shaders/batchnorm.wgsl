// Batch normalization over every axis but the last: x is (R, C) row-major with R = B·H·W (NHWC images)
// or R = B (dense features), channel c the last axis. Only the first `valid` rows are real images (the last
// batch of an epoch has padding rows past them): batch statistics and gradients use those rows only.
//
// stats (one workgroup per channel, WG threads striding over the valid rows; no atomics):
//   training:  mean = Σx/N, var = Σ(x − mean)²/N (biased, two passes for precision), N = valid;
//              stats = (mean, 1/√(var + ε)); moving ← moving·momentum + (mean, var)·(1 − momentum)
//   inference: stats = (moving_mean, 1/√(moving_var + ε)); nothing updated
// normalize (one thread per element):  y = γ·(x − mean)·inv_std + β   (the same map in both modes)
// backward_params (one workgroup per channel):  dγ = Σ dy·x̂, dβ = Σ dy over the valid rows
// backward_input (one thread per element), x̂ = (x − mean)·inv_std:
//   dx = γ·inv_std/N · (N·dy − dβ − x̂·dγ) for valid rows, 0 for padding rows
//
// Tensors that come in pairs share one binding: gamma at [0, C) and beta at [stride, stride + C) (the
// flat parameter buffer's layout: a layer's tensors are adjacent, 256-byte aligned), the same for their
// gradients and for moving_mean / moving_variance. Two writable bindings of one buffer are avoided so.
// stats: (2·stride) mean at [0, C), inv_std at [stride, stride + C), written by `stats`.
//
// bindings per entry point (the op module declares the kinds):
//   stats:            0 x (R, C), 1 moving (rw), 2 stats (rw), 3 params
//   normalize:        0 x, 1 stats, 2 affine (gamma | beta), 3 y (R, C), 4 params
//   backward_params:  0 x, 1 stats, 2 dy (R, C), 3 daffine (rw), 4 params
//   backward_input:   0 x, 1 stats, 2 affine, 3 dy, 4 daffine, 5 dx (R, C), 6 params

override WG: u32 = 256;

struct Params {
  rows: u32,      // R, all rows
  valid: u32,     // N ≤ R, the rows of real images
  channels: u32,  // C
  stride: u32,    // offset of the second tensor of each pair, in elements
  training: u32,  // 1: batch statistics and moving update; 0: moving statistics
  momentum: f32,
  epsilon: f32,
}

var<workgroup> partial: array<f32, WG>;

// Sums `partial` across the workgroup; every thread gets the total.
fn workgroup_sum(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      partial[lid] = partial[lid] + partial[lid + s];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

// ---- stats ----
@group(0) @binding(0) var<storage, read> s_x: array<f32>;
@group(0) @binding(1) var<storage, read_write> s_moving: array<f32>;
@group(0) @binding(2) var<storage, read_write> s_stats: array<f32>;
@group(0) @binding(3) var<uniform> s_p: Params;

@compute @workgroup_size(WG)
fn stats(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let c = wid.x;
  let lid = lid3.x;
  let C = s_p.channels;
  let n = s_p.valid;
  // Uniform control flow for the barriers: every thread of the workgroup takes the same branch.
  if (s_p.training == 0u) {
    if (lid == 0u) {
      s_stats[c] = s_moving[c];
      s_stats[s_p.stride + c] = 1.0 / sqrt(s_moving[s_p.stride + c] + s_p.epsilon);
    }
    return;
  }
  var sum = 0.0;
  for (var r = lid; r < n; r += WG) {
    sum += s_x[r * C + c];
  }
  let mean = workgroup_sum(lid, sum) / f32(n);
  var sq = 0.0;
  for (var r = lid; r < n; r += WG) {
    let d = s_x[r * C + c] - mean;
    sq += d * d;
  }
  let variance = workgroup_sum(lid, sq) / f32(n);
  if (lid == 0u) {
    s_stats[c] = mean;
    s_stats[s_p.stride + c] = 1.0 / sqrt(variance + s_p.epsilon);
    let m = s_p.momentum;
    s_moving[c] = s_moving[c] * m + mean * (1.0 - m);
    s_moving[s_p.stride + c] = s_moving[s_p.stride + c] * m + variance * (1.0 - m);
  }
}

// ---- normalize ----
@group(0) @binding(0) var<storage, read> n_x: array<f32>;
@group(0) @binding(1) var<storage, read> n_stats: array<f32>;
@group(0) @binding(2) var<storage, read> n_affine: array<f32>;
@group(0) @binding(3) var<storage, read_write> n_y: array<f32>;
@group(0) @binding(4) var<uniform> n_p: Params;

@compute @workgroup_size(WG)
fn normalize(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (i >= n_p.rows * n_p.channels) {
    return;
  }
  let c = i % n_p.channels;
  let xhat = (n_x[i] - n_stats[c]) * n_stats[n_p.stride + c];
  n_y[i] = n_affine[c] * xhat + n_affine[n_p.stride + c];
}

// ---- backward_params ----
@group(0) @binding(0) var<storage, read> g_x: array<f32>;
@group(0) @binding(1) var<storage, read> g_stats: array<f32>;
@group(0) @binding(2) var<storage, read> g_dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> g_daffine: array<f32>;
@group(0) @binding(4) var<uniform> g_p: Params;

@compute @workgroup_size(WG)
fn backward_params(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let c = wid.x;
  let lid = lid3.x;
  let C = g_p.channels;
  let mean = g_stats[c];
  let inv_std = g_stats[g_p.stride + c];
  var sdy = 0.0;
  var sdyx = 0.0;
  for (var r = lid; r < g_p.valid; r += WG) {
    let i = r * C + c;
    let dy = g_dy[i];
    sdy += dy;
    sdyx += dy * (g_x[i] - mean) * inv_std;
  }
  let dbeta = workgroup_sum(lid, sdy);
  let dgamma = workgroup_sum(lid, sdyx);
  if (lid == 0u) {
    g_daffine[c] = dgamma;
    g_daffine[g_p.stride + c] = dbeta;
  }
}

// ---- backward_input ----
@group(0) @binding(0) var<storage, read> b_x: array<f32>;
@group(0) @binding(1) var<storage, read> b_stats: array<f32>;
@group(0) @binding(2) var<storage, read> b_affine: array<f32>;
@group(0) @binding(3) var<storage, read> b_dy: array<f32>;
@group(0) @binding(4) var<storage, read> b_daffine: array<f32>;
@group(0) @binding(5) var<storage, read_write> b_dx: array<f32>;
@group(0) @binding(6) var<uniform> b_p: Params;

@compute @workgroup_size(WG)
fn backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  let C = b_p.channels;
  if (i >= b_p.rows * C) {
    return;
  }
  if (i / C >= b_p.valid) {
    b_dx[i] = 0.0;
    return;
  }
  let c = i % C;
  let inv_std = b_stats[b_p.stride + c];
  let xhat = (b_x[i] - b_stats[c]) * inv_std;
  let n = f32(b_p.valid);
  let dgamma = b_daffine[c];
  let dbeta = b_daffine[b_p.stride + c];
  b_dx[i] = b_affine[c] * inv_std / n * (n * b_dy[i] - dbeta - xhat * dgamma);
}
