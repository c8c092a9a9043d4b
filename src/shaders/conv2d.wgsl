// 2-D convolution, stride 1, as implicit GEMMs tiled through workgroup memory. No im2col buffer:
// the GEMM operand that lives in the image is gathered on the fly, taps outside the image read 0.
// (This is the 'tiled' variant for GPUs; conv2d_register.wgsl, appended to this file, is the one for CPU
// backends. Both use the Params and bindings below.)
//
// Layouts, row-major f32:
//   x: (B, H, W, Cin)   w: (KH, KW, Cin, Cout) (Keras HWIO)   bias: (Cout)   y: (B, OH, OW, Cout)
//   dy like y, dx like x, dw like w.
// Padding 'valid': OH = H - KH + 1, no pad. 'same': OH = H, pad_t = (KH - 1) / 2 on top and the rest at
// the bottom, as TensorFlow; widths likewise. The uniform carries the pads, so the kernels only see pads.
//
// forward:          y[b,oy,ox,co] = bias[co] + Σ_{ky,kx,ci} x[b, oy+ky-pad_t, ox+kx-pad_l, ci] · w[ky,kx,ci,co]
//   GEMM (B·OH·OW × KH·KW·Cin) · (KH·KW·Cin × Cout): w is already that right-hand matrix.
//   With RELU the layer's ReLU is applied at the store (y = max(·, 0)), saving a pass over y; its
//   backward, [y > 0] (y > 0 exactly where the pre-activation is), runs on y (see pool.wgsl's RELU_MASK).
// backward_input:   dx[b,iy,ix,ci] = Σ_{ky,kx,co} dy[b, iy+ky-pad_t', ix+kx-pad_l', co] · w[KH-1-ky, KW-1-kx, ci, co]
//   the same gather GEMM run on dy with the kernel flipped and transposed and pad' = K - 1 - pad
//   ('valid' becomes 'full'), so every dx element is one dot product: written once, no atomics.
// backward_weight:  dw[ky,kx,ci,co] = Σ_{b,oy,ox} x[b, oy+ky-pad_t, ox+kx-pad_l, ci] · dy[b,oy,ox,co]
//   GEMM (KH·KW·Cin × B·OH·OW) · (B·OH·OW × Cout). dw is small and the reduction long, so the
//   reduction is split into p.splits chunks, each workgroup writing its own partial tile to a scratch
//   (splits, KH·KW·Cin, Cout); reduce_splits then sums the partials in a fixed order (deterministic,
//   no float atomics). With one split, backward_weight writes dw directly.
//
// Bindings: 0 out (y | dx | partials or dw | dw), 1 params,
//           2 a (x | dy | x | partials), 3 b (w | w | dy), 4 bias (forward only; a dummy without bias).
//
// A GEMM workgroup computes a TM×TN output tile with WG_X×WG_Y threads, each owning RM×RN outputs at
// rows ty + i·WG_Y and columns tx + j·WG_X, so neighbouring threads store neighbouring channels.
// The reduction advances TK at a time; every tile load is laid out so that neighbouring threads read
// neighbouring addresses (the channel axis), and the tiles are padded by one column against bank conflicts.

override WG_X: u32 = 16;   // threads along output columns (channels)
override WG_Y: u32 = 16;   // threads along output rows
override RM: u32 = 4;      // rows per thread, at most MAX_R
override RN: u32 = 4;      // columns per thread, at most MAX_R
override TK: u32 = 16;     // reduction step; divides WG_X·WG_Y
override HAS_BIAS: bool = false;
override RELU: bool = false; // forward: y = max(conv + bias, 0), the layer's ReLU fused into the store
override WG_R: u32 = 256;  // reduce_splits

const MAX_R = 4u;          // register tile bound (private arrays need a constant size)
const MAX_LOADS = 4u;      // bound on A_LOADS, checked by the TS module
const OUTSIDE = -1073741824; // marks a row past the end: every tap of it falls outside the image

override THREADS: u32 = WG_X * WG_Y;
override TM: u32 = WG_Y * RM;
override TN: u32 = WG_X * RN;
override A_LOADS: u32 = TM * TK / THREADS;   // tile elements each thread loads per step
override B_LOADS: u32 = TN * TK / THREADS;
override A_TILE: u32 = TK * (TM + 1u);
override B_TILE: u32 = TK * (TN + 1u);

struct Params {
  batch: u32,
  in_h: u32, in_w: u32, in_c: u32,  // the gathered tensor: x, or dy for backward_input
  out_h: u32, out_w: u32,           // spatial size of the GEMM rows (forward: y, backward_input: dx) or of dy
  k_h: u32, k_w: u32,
  pad_t: i32, pad_l: i32,
  m: u32, n: u32, k: u32,           // GEMM rows, columns, reduction length
  tiles_n: u32,                     // column tiles
  tiles: u32,                       // output tiles (per split)
  splits: u32,                      // backward_weight: reduction chunks
  chunk: u32,                       // backward_weight: reduction length per split, a multiple of TK
  // 'register' conv_register: the right-hand GEMM operand, b[k, n] with k = (tap, c), is
  // b[b_off + tap·s_tap + c·s_c + n·s_n]: w itself for forward, flipped and transposed for backward_input.
  b_off: i32, s_tap: i32, s_c: i32, s_n: i32,
  // reduce_splits: out[i] = Σ_s partials[s·m·n + r_off + i] for i < r_count, so one partials scratch
  // can hold dw and, as its last GEMM row, db (the 'register' backward_weight with BIAS_ROW).
  r_off: u32, r_count: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

var<workgroup> As: array<f32, A_TILE>;  // [reduction][row]
var<workgroup> Bs: array<f32, B_TILE>;  // [reduction][column]
var<private> acc: array<f32, 16>;       // MAX_R × MAX_R
// Per-thread gathered rows of forward/backward_input, decoded once instead of at every step.
var<private> row_base: array<i32, MAX_LOADS>;  // b · in_h
var<private> row_y: array<i32, MAX_LOADS>;     // first input row of the window, OUTSIDE past the last GEMM row
var<private> row_x: array<i32, MAX_LOADS>;

fn inside(iy: i32, ix: i32) -> bool {
  return iy >= 0 && iy < i32(p.in_h) && ix >= 0 && ix < i32(p.in_w);
}

fn multiply_tile(tx: u32, ty: u32) {
  for (var kk = 0u; kk < TK; kk++) {
    var ra: array<f32, MAX_R>;
    var rb: array<f32, MAX_R>;
    for (var i = 0u; i < RM; i++) { ra[i] = As[kk * (TM + 1u) + ty + i * WG_Y]; }
    for (var j = 0u; j < RN; j++) { rb[j] = Bs[kk * (TN + 1u) + tx + j * WG_X]; }
    for (var i = 0u; i < RM; i++) {
      for (var j = 0u; j < RN; j++) {
        acc[i * MAX_R + j] = fma(ra[i], rb[j], acc[i * MAX_R + j]);
      }
    }
  }
}

fn store_tile(m0: u32, n0: u32, t: u32, base: u32) {
  for (var i = 0u; i < RM; i++) {
    let m = m0 + t / WG_X + i * WG_Y;
    if (m >= p.m) { break; }
    for (var j = 0u; j < RN; j++) {
      let n = n0 + t % WG_X + j * WG_X;
      if (n < p.n) { out[base + m * p.n + n] = acc[i * MAX_R + j]; }
    }
  }
}

// forward (flip = false) and backward_input (flip = true): rows are output positions, the reduction
// runs over (tap, channel) with the channel fastest, so each thread keeps one reduction index per step
// (t % TK) and consecutive threads read consecutive channels of the gathered tensor.
fn gather_gemm(lin: u32, t: u32, flip: bool) {
  let m0 = (lin / p.tiles_n) * TM;
  let n0 = (lin % p.tiles_n) * TN;
  let kl = t % TK;
  for (var i = 0u; i < A_LOADS; i++) {
    let m = m0 + t / TK + i * (THREADS / TK);
    row_base[i] = 0;
    row_x[i] = 0;
    row_y[i] = OUTSIDE;
    if (m < p.m) {
      let q = m / p.out_w;
      row_x[i] = i32(m % p.out_w) - p.pad_l;
      row_y[i] = i32(q % p.out_h) - p.pad_t;
      row_base[i] = i32((q / p.out_h) * p.in_h);
    }
  }
  acc = array<f32, 16>();
  let taps = p.k_h * p.k_w;
  for (var k0 = 0u; k0 < p.k; k0 += TK) {
    let k = k0 + kl;
    let k_ok = k < p.k;
    let c = k % p.in_c;
    let tap = k / p.in_c;
    let ky = i32(tap / p.k_w);
    let kx = i32(tap % p.k_w);
    for (var i = 0u; i < A_LOADS; i++) {
      let iy = row_y[i] + ky;
      let ix = row_x[i] + kx;
      var v = 0.0;
      if (k_ok && inside(iy, ix)) {
        v = a[u32((row_base[i] + iy) * i32(p.in_w) + ix) * p.in_c + c];
      }
      As[kl * (TM + 1u) + t / TK + i * (THREADS / TK)] = v;
    }
    if (flip) {
      // w[KH-1-ky, KW-1-kx, n, c]: c (= Cout) is fastest in memory, so keep the reduction fastest here too.
      for (var j = 0u; j < B_LOADS; j++) {
        let nl = t / TK + j * (THREADS / TK);
        let n = n0 + nl;
        var v = 0.0;
        if (k_ok && n < p.n) { v = b[((taps - 1u - tap) * p.n + n) * p.in_c + c]; }
        Bs[kl * (TN + 1u) + nl] = v;
      }
    } else {
      // w as a (KH·KW·Cin, Cout) matrix: columns fastest.
      for (var j = 0u; j < B_LOADS; j++) {
        let idx = t + j * THREADS;
        let kr = k0 + idx / TN;
        let n = n0 + idx % TN;
        var v = 0.0;
        if (kr < p.k && n < p.n) { v = b[kr * p.n + n]; }
        Bs[(idx / TN) * (TN + 1u) + idx % TN] = v;
      }
    }
    workgroupBarrier();
    multiply_tile(t % WG_X, t / WG_X);
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) t: u32) {
  let lin = wid.x + wid.y * nwg.x;
  if (lin >= p.tiles) { return; }
  gather_gemm(lin, t, false);
  let m0 = (lin / p.tiles_n) * TM;
  let n0 = (lin % p.tiles_n) * TN;
  if (HAS_BIAS) {
    for (var j = 0u; j < RN; j++) {
      let n = n0 + t % WG_X + j * WG_X;
      if (n < p.n) {
        let bv = bias[n];
        for (var i = 0u; i < RM; i++) { acc[i * MAX_R + j] += bv; }
      }
    }
  }
  if (RELU) {
    for (var i = 0u; i < MAX_R * MAX_R; i++) { acc[i] = max(acc[i], 0.0); }
  }
  store_tile(m0, n0, t, 0u);
}

@compute @workgroup_size(WG_X, WG_Y)
fn backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) t: u32) {
  let lin = wid.x + wid.y * nwg.x;
  if (lin >= p.tiles) { return; }
  gather_gemm(lin, t, true);
  store_tile((lin / p.tiles_n) * TM, (lin % p.tiles_n) * TN, t, 0u);
}

// Rows are kernel entries (tap, ci), the reduction runs over output positions (b, oy, ox) of split s.
// The x tile is loaded rows-fastest (ci is contiguous in x) and each thread keeps one row for the whole
// reduction (t % TM, TM divides THREADS), so its tap and channel are decoded once.
@compute @workgroup_size(WG_X, WG_Y)
fn backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) t: u32) {
  let lin = wid.x + wid.y * nwg.x;
  if (lin >= p.tiles * p.splits) { return; }
  let s = lin / p.tiles;
  let tile = lin % p.tiles;
  let m0 = (tile / p.tiles_n) * TM;
  let n0 = (tile % p.tiles_n) * TN;
  let ml = t % TM;
  let m = m0 + ml;
  var ky = OUTSIDE;
  var kx = 0;
  var c = 0u;
  if (m < p.m) {
    c = m % p.in_c;
    let tap = m / p.in_c;
    ky = i32(tap / p.k_w) - p.pad_t;
    kx = i32(tap % p.k_w) - p.pad_l;
  }
  acc = array<f32, 16>();
  let r_begin = s * p.chunk;
  let r_end = min(p.k, r_begin + p.chunk);
  for (var r0 = r_begin; r0 < r_end; r0 += TK) {
    for (var i = 0u; i < A_LOADS; i++) {
      let rl = t / TM + i * (THREADS / TM);
      let r = r0 + rl;
      var v = 0.0;
      if (r < r_end) {
        let q = r / p.out_w;
        let iy = i32(q % p.out_h) + ky;
        let ix = i32(r % p.out_w) + kx;
        if (inside(iy, ix)) {
          v = a[u32((i32((q / p.out_h) * p.in_h) + iy) * i32(p.in_w) + ix) * p.in_c + c];
        }
      }
      As[rl * (TM + 1u) + ml] = v;
    }
    for (var j = 0u; j < B_LOADS; j++) {
      let idx = t + j * THREADS;
      let r = r0 + idx / TN;
      let n = n0 + idx % TN;
      var v = 0.0;
      if (r < r_end && n < p.n) { v = b[r * p.n + n]; }
      Bs[(idx / TN) * (TN + 1u) + idx % TN] = v;
    }
    workgroupBarrier();
    multiply_tile(t % WG_X, t / WG_X);
    workgroupBarrier();
  }
  store_tile(m0, n0, t, s * p.m * p.n);
}

// out[i] = Σ_s partials[s, r_off + i], summed in split order; neighbouring threads read neighbouring elements.
@compute @workgroup_size(WG_R)
fn reduce_splits(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG_R;
  if (i >= p.r_count) { return; }
  let total = p.m * p.n;
  var sum = 0.0;
  for (var s = 0u; s < p.splits; s++) { sum += a[s * total + p.r_off + i]; }
  out[i] = sum;
}

