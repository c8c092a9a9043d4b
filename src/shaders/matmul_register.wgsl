// The 'register' variants of matmul.wgsl's kernels, for CPU implementations of WebGPU: matmul_register,
// matmul_vec4 and column_sums_register. Appended to matmul.wgsl (after register_block.wgsl) by
// src/engine/ops/matmul.ts: the bindings (a, b, c, bias, p, their vec4 views a4 and b4, and
// column_sums' bg_src, bg_dst, bg) are declared there; LO, HI, the r<i>l/r<i>h accumulators, outer8 and zero_block8 in register_block.wgsl.

// matmul_register: one invocation per 8×8 block of C (rows m0..m0+7, columns n0..n0+7), blocks
// numbered row-major over a 1-D grid (folded past 65535 workgroups). For CPU backends (SwiftShader), where
// a workgroup's invocations are SIMD lanes of one thread: every storage load is a per-lane gather whatever
// its address pattern, so what pays is few loads per multiply-add (8 + 8 per k for 64 here), sixteen vec4
// accumulators, straight-line code, and no barriers. Rows and columns past the edge are clamped for
// loading (the loop needs no bounds checks) and skipped at the store.
override WG_REG: u32 = 64;

// LO, HI, the r<i>l/r<i>h accumulators, outer8 and zero_block8 come from register_block.wgsl.

// Row m of the block (l: columns n0..n0+3, h: n0+4..n0+7) plus the bias; whole rows are eight straight stores.
fn store_row8(m: u32, n0: u32, l: vec4f, h: vec4f, zl: vec4f, zh: vec4f) {
  if (m >= p.m) { return; }
  var vl = l + zl;
  var vh = h + zh;
  if (RELU) {
    vl = max(vl, vec4f(0.0));
    vh = max(vh, vec4f(0.0));
  }
  let o = m * p.n + n0;
  if (n0 + 8u <= p.n) {
    c[o] = vl.x; c[o + 1u] = vl.y; c[o + 2u] = vl.z; c[o + 3u] = vl.w;
    c[o + 4u] = vh.x; c[o + 5u] = vh.y; c[o + 6u] = vh.z; c[o + 7u] = vh.w;
    return;
  }
  let v = array<f32, 8>(vl.x, vl.y, vl.z, vl.w, vh.x, vh.y, vh.z, vh.w);
  for (var j = 0u; j < p.n - n0; j++) { c[o + j] = v[j]; }
}

// (m0, n0) of 8×8 block blk, blocks numbered row-major; m0 ≥ p.m when blk is past the last block.
fn block_origin(blk: u32) -> vec2u {
  let tiles_n = (p.n + 7u) / 8u;
  return vec2u((blk / tiles_n) * 8u, (blk % tiles_n) * 8u);
}

@compute @workgroup_size(WG_REG)
fn matmul_register(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let origin = block_origin(gid.x + gid.y * nwg.x * WG_REG);
  if (origin.x >= p.m) {
    return;
  }
  let m0 = origin.x;
  let n0 = origin.y;
  // op(A)[m, k] = a[m·sa_m + k·sa_k], op(B)[k, n] = b[k·sb_k + n·sb_n]
  let sa_m = select(p.k, 1u, TRANS_A);
  let sa_k = select(1u, p.m, TRANS_A);
  let sb_k = select(p.n, 1u, TRANS_B);
  let sb_n = select(1u, p.k, TRANS_B);
  let ail = min(vec4u(m0) + LO, vec4u(p.m - 1u)) * sa_m;
  let aih = min(vec4u(m0) + HI, vec4u(p.m - 1u)) * sa_m;
  let cl = min(vec4u(n0) + LO, vec4u(p.n - 1u));
  let ch = min(vec4u(n0) + HI, vec4u(p.n - 1u));
  let bil = cl * sb_n;
  let bih = ch * sb_n;
  zero_block8();
  for (var k = 0u; k < p.k; k++) {
    let ia = vec4u(k * sa_k);
    let ib = vec4u(k * sb_k);
    let jl = ail + ia;
    let jh = aih + ia;
    let ql = bil + ib;
    let qh = bih + ib;
    outer8(vec4f(a[jl.x], a[jl.y], a[jl.z], a[jl.w]), vec4f(a[jh.x], a[jh.y], a[jh.z], a[jh.w]),
           vec4f(b[ql.x], b[ql.y], b[ql.z], b[ql.w]), vec4f(b[qh.x], b[qh.y], b[qh.z], b[qh.w]));
  }
  store_block8(m0, n0, cl, ch);
}

// The finished block plus the bias (columns cl, ch clamped), rows and columns past the edge skipped.
fn store_block8(m0: u32, n0: u32, cl: vec4u, ch: vec4u) {
  var zl = vec4f(0.0);
  var zh = vec4f(0.0);
  if (HAS_BIAS) {
    zl = vec4f(bias[cl.x], bias[cl.y], bias[cl.z], bias[cl.w]);
    zh = vec4f(bias[ch.x], bias[ch.y], bias[ch.z], bias[ch.w]);
  }
  store_row8(m0, n0, r0l, r0h, zl, zh); store_row8(m0 + 1u, n0, r1l, r1h, zl, zh);
  store_row8(m0 + 2u, n0, r2l, r2h, zl, zh); store_row8(m0 + 3u, n0, r3l, r3h, zl, zh);
  store_row8(m0 + 4u, n0, r4l, r4h, zl, zh); store_row8(m0 + 5u, n0, r5l, r5h, zl, zh);
  store_row8(m0 + 6u, n0, r6l, r6h, zl, zh); store_row8(m0 + 7u, n0, r7l, r7h, zl, zh);
}

// matmul_vec4: matmul_register reading whole vec4s, four reduction steps per iteration, where the
// shapes allow it (the TS module checks): K a multiple of 4, and M (TRANS_A) or N (not TRANS_B) of 8,
// so every vector is aligned and within its row. A vector holds either one step's 4 rows (columns) of
// the block, used as it is, or one row's (column's) 4 steps, transposed in registers. Fewer, wider loads
// for the same 64 multiply-adds per step: 1.24× faster on SwiftShader at 1024³.

// From the 8 vectors at q, q + 1, q + s, ...: each step's 8 consecutive rows (columns).
fn steps_contiguous(buf_is_a: bool, q: u32, s: u32) -> Steps4 {
  if (buf_is_a) {
    return Steps4(a4[q], a4[q + 1u], a4[q + s], a4[q + s + 1u], a4[q + 2u * s], a4[q + 2u * s + 1u], a4[q + 3u * s], a4[q + 3u * s + 1u]);
  }
  return Steps4(b4[q], b4[q + 1u], b4[q + s], b4[q + s + 1u], b4[q + 2u * s], b4[q + 2u * s + 1u], b4[q + 3u * s], b4[q + 3u * s + 1u]);
}

@compute @workgroup_size(WG_REG)
fn matmul_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let origin = block_origin(gid.x + gid.y * nwg.x * WG_REG);
  if (origin.x >= p.m) {
    return;
  }
  let m0 = origin.x;
  let n0 = origin.y;
  let k4 = p.k >> 2u;
  // Row-vector indices at step 0: A's rows (not TRANS_A), stored (M, K); op(B)'s columns (TRANS_B), (N, K).
  let ml = min(vec4u(m0) + LO, vec4u(p.m - 1u)) * k4;
  let mh = min(vec4u(m0) + HI, vec4u(p.m - 1u)) * k4;
  let cl = min(vec4u(n0) + LO, vec4u(p.n - 1u));
  let ch = min(vec4u(n0) + HI, vec4u(p.n - 1u));
  let nl = cl * k4;
  let nh = ch * k4;
  zero_block8();
  for (var k = 0u; k < p.k; k += 4u) {
    let j = k >> 2u;
    var sa: Steps4;
    var sb: Steps4;
    if (TRANS_A) {
      sa = steps_contiguous(true, (k * p.m + m0) >> 2u, p.m >> 2u);
    } else {
      sa = steps_of_rows(a4[ml.x + j], a4[ml.y + j], a4[ml.z + j], a4[ml.w + j], a4[mh.x + j], a4[mh.y + j], a4[mh.z + j], a4[mh.w + j]);
    }
    if (TRANS_B) {
      sb = steps_of_rows(b4[nl.x + j], b4[nl.y + j], b4[nl.z + j], b4[nl.w + j], b4[nh.x + j], b4[nh.y + j], b4[nh.z + j], b4[nh.w + j]);
    } else {
      sb = steps_contiguous(false, (k * p.n + n0) >> 2u, p.n >> 2u);
    }
    outer8(sa.l0, sa.h0, sb.l0, sb.h0);
    outer8(sa.l1, sa.h1, sb.l1, sb.h1);
    outer8(sa.l2, sa.h2, sb.l2, sb.h2);
    outer8(sa.l3, sa.h3, sb.l3, sb.h3);
  }
  store_block8(m0, n0, cl, ch);
}

// column_sums_register: the same sums without workgroup memory or barriers, for CPU backends. One
// invocation per (chunk, 4 consecutive columns), invocations numbered chunk-major over a 1-D grid; each
// sums its chunk's rows in order, so the result is as deterministic as column_sums'.
@compute @workgroup_size(WG_REG)
fn column_sums_register(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let groups = (bg.cols + 3u) / 4u;
  let i = gid.x + gid.y * nwg.x * WG_REG;
  let chunks = (bg.rows + bg.rows_per_chunk - 1u) / bg.rows_per_chunk;
  if (i >= chunks * groups) {
    return;
  }
  let chunk = i / groups;
  let col0 = (i % groups) * 4u;
  let cols = min(vec4u(col0) + LO, vec4u(bg.cols - 1u));
  let start = chunk * bg.rows_per_chunk;
  let end = min(start + bg.rows_per_chunk, bg.rows);
  var s = vec4f(0.0);
  for (var r = start; r < end; r++) {
    let o = cols + r * bg.cols;
    s += vec4f(bg_src[o.x], bg_src[o.y], bg_src[o.z], bg_src[o.w]);
  }
  let d = chunk * bg.cols + col0;
  for (var j = 0u; j < min(4u, bg.cols - col0); j++) {
    bg_dst[d + j] = s[j];
  }
}
