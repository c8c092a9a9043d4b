// Batch normalization over every axis but the last: x is (R, C) row-major with R = B·H·W (NHWC images)
// or R = B (dense features), channel c the last axis. Only the first `valid` rows are real images (the last
// batch of an epoch has padding rows past them): batch statistics and gradients use those rows only.
//
// The per-channel reductions run in two stages, without barriers or workgroup memory: a thread of the
// partial pass owns one (chunk, channel) pair and walks the chunk's rows, adjacent threads reading adjacent
// channels of a row (coalesced on a GPU, vector loads on a CPU adapter); a second pass, one thread per
// channel, combines the chunks. (One workgroup per channel, striding down a column with a tree reduction,
// left a GPU with C workgroups and made every read a scattered one; a 2-D tile with a tree per chunk was
// 4× slower on SwiftShader, whose barriers are costly.)
//
// stats_partial (one thread per (chunk, channel)), training only: per chunk k with n_k valid rows, two passes over it
//   for precision: mean_k = Σx/n_k, M2_k = Σ(x − mean_k)²  →  part: mean_k at [k·C + c], M2_k at [(chunks + k)·C + c]
// stats_combine (one thread per channel):
//   training:  Chan et al.'s pairwise update over the chunks, n = n_a + n_b, δ = mean_b − mean_a:
//              mean_a += δ·n_b/n, M2_a += M2_b + δ²·n_a·n_b/n; var = M2/N (biased), N = valid;
//              stats = (mean, 1/√(var + ε)); moving ← moving·momentum + (mean, var)·(1 − momentum)
//   inference: stats = (moving_mean, 1/√(moving_var + ε)); nothing updated
// normalize (one thread per element):  y = γ·(x − mean)·inv_std + β   (the same map in both modes)
// backward_partial (one thread per (chunk, channel)), x̂ = (x − mean)·inv_std:
//   part: Σ dy·x̂ at [k·C + c], Σ dy at [(chunks + k)·C + c], over the chunk's valid rows
// backward_combine (one thread per channel):  dγ = Σ_k Σ dy·x̂, dβ = Σ_k Σ dy
// backward_input (one thread per element):
//   dx = γ·inv_std/N · (N·dy − dβ − x̂·dγ) for valid rows, 0 for padding rows
//
// Tensors that come in pairs share one binding: gamma at [0, C) and beta at [stride, stride + C) (the
// flat parameter buffer's layout: a layer's tensors are adjacent, 256-byte aligned), the same for their
// gradients and for moving_mean / moving_variance. Two writable bindings of one buffer are avoided so.
// stats: (2·stride) mean at [0, C), inv_std at [stride, stride + C). part: (2, chunks, C), scratch.
//
// bindings per entry point (the op module declares the kinds):
//   stats_partial:     0 x (R, C), 1 part (rw), 2 params
//   stats_combine:     0 part, 1 moving (rw), 2 stats (rw), 3 params
//   normalize:         0 x, 1 stats, 2 affine (gamma | beta), 3 y (R, C), 4 params
//   backward_partial:  0 x, 1 stats, 2 dy (R, C), 3 part (rw), 4 params
//   backward_combine:  0 part, 1 daffine (rw), 2 params
//   backward_input:    0 x, 1 stats, 2 affine, 3 dy, 4 daffine, 5 dx (R, C), 6 params

override WG: u32 = 256;  // threads per workgroup of every pass

struct Params {
  rows: u32,      // R, all rows
  valid: u32,     // N ≤ R, the rows of real images
  channels: u32,  // C
  stride: u32,    // offset of the second tensor of each pair, in elements
  training: u32,  // 1: batch statistics and moving update; 0: moving statistics
  momentum: f32,
  epsilon: f32,
  chunk: u32,     // rows per reduction chunk
  chunks: u32,    // ⌈R / chunk⌉
}

// The valid rows [first, end) of chunk k.
fn chunk_rows(k: u32, chunk: u32, valid: u32) -> vec2u {
  let first = min(k * chunk, valid);
  return vec2u(first, min(first + chunk, valid));
}

// ---- stats_partial ----
@group(0) @binding(0) var<storage, read> sp_x: array<f32>;
@group(0) @binding(1) var<storage, read_write> sp_part: array<f32>;
@group(0) @binding(2) var<uniform> sp_p: Params;

@compute @workgroup_size(WG)
fn stats_partial(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let C = sp_p.channels;
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (sp_p.training == 0u || i >= sp_p.chunks * C) {
    return;
  }
  let c = i % C;
  let k = i / C;
  let span = chunk_rows(k, sp_p.chunk, sp_p.valid);
  var sum = 0.0;
  for (var r = span.x; r < span.y; r++) {
    sum += sp_x[r * C + c];
  }
  let mean = sum / max(f32(span.y - span.x), 1.0);
  var m2 = 0.0;
  for (var r = span.x; r < span.y; r++) {
    let d = sp_x[r * C + c] - mean;
    m2 += d * d;
  }
  sp_part[k * C + c] = mean;
  sp_part[(sp_p.chunks + k) * C + c] = m2;
}

// ---- stats_combine ----
@group(0) @binding(0) var<storage, read> sc_part: array<f32>;
@group(0) @binding(1) var<storage, read_write> sc_moving: array<f32>;
@group(0) @binding(2) var<storage, read_write> sc_stats: array<f32>;
@group(0) @binding(3) var<uniform> sc_p: Params;

@compute @workgroup_size(WG)
fn stats_combine(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  let C = sc_p.channels;
  let stride = sc_p.stride;
  if (c >= C) {
    return;
  }
  if (sc_p.training == 0u) {
    sc_stats[c] = sc_moving[c];
    sc_stats[stride + c] = 1.0 / sqrt(sc_moving[stride + c] + sc_p.epsilon);
    return;
  }
  var n_a = 0.0;
  var mean = 0.0;
  var m2 = 0.0;
  for (var k = 0u; k < sc_p.chunks; k++) {
    let span = chunk_rows(k, sc_p.chunk, sc_p.valid);
    let n_b = f32(span.y - span.x);
    if (n_b == 0.0) {
      break;  // the valid rows come first: every later chunk is padding
    }
    let n = n_a + n_b;
    let delta = sc_part[k * C + c] - mean;
    mean += delta * n_b / n;
    m2 += sc_part[(sc_p.chunks + k) * C + c] + delta * delta * n_a * n_b / n;
    n_a = n;
  }
  let variance = m2 / n_a;
  sc_stats[c] = mean;
  sc_stats[stride + c] = 1.0 / sqrt(variance + sc_p.epsilon);
  let m = sc_p.momentum;
  sc_moving[c] = sc_moving[c] * m + mean * (1.0 - m);
  sc_moving[stride + c] = sc_moving[stride + c] * m + variance * (1.0 - m);
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

// ---- backward_partial ----
@group(0) @binding(0) var<storage, read> gp_x: array<f32>;
@group(0) @binding(1) var<storage, read> gp_stats: array<f32>;
@group(0) @binding(2) var<storage, read> gp_dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> gp_part: array<f32>;
@group(0) @binding(4) var<uniform> gp_p: Params;

@compute @workgroup_size(WG)
fn backward_partial(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let C = gp_p.channels;
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (i >= gp_p.chunks * C) {
    return;
  }
  let c = i % C;
  let k = i / C;
  let span = chunk_rows(k, gp_p.chunk, gp_p.valid);
  let mean = gp_stats[c];
  let inv_std = gp_stats[gp_p.stride + c];
  var sdy = 0.0;
  var sdyx = 0.0;
  for (var r = span.x; r < span.y; r++) {
    let j = r * C + c;
    let dy = gp_dy[j];
    sdy += dy;
    sdyx += dy * (gp_x[j] - mean) * inv_std;
  }
  gp_part[k * C + c] = sdyx;
  gp_part[(gp_p.chunks + k) * C + c] = sdy;
}

// ---- backward_combine ----
@group(0) @binding(0) var<storage, read> gc_part: array<f32>;
@group(0) @binding(1) var<storage, read_write> gc_daffine: array<f32>;
@group(0) @binding(2) var<uniform> gc_p: Params;

@compute @workgroup_size(WG)
fn backward_combine(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  let C = gc_p.channels;
  if (c >= C) {
    return;
  }
  var dgamma = 0.0;
  var dbeta = 0.0;
  for (var k = 0u; k < gc_p.chunks; k++) {
    if (k * gc_p.chunk >= gc_p.valid) {
      break;  // padding chunks wrote zeros; no need to read them
    }
    dgamma += gc_part[k * C + c];
    dbeta += gc_part[(gc_p.chunks + k) * C + c];
  }
  gc_daffine[c] = dgamma;
  gc_daffine[gc_p.stride + c] = dbeta;
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
