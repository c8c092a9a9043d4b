// 2-D convolution, the 'register' variant's quad form ('register:quad'): conv_vec4 and
// backward_weight_vec4 (conv2d_register.wgsl) with each quad of invocations sharing its loads
// (quad_block.wgsl). Appended to the register module, after `enable subgroups;`, by
// src/engine/ops/conv2d-register.ts where the device's subgroups hold at least 4 invocations and the
// vec4 kernels' channel counts hold.
//
// conv_quad (forward; backward_input with B_T): a quad computes a 2×2 square of 8×8 output blocks. Per
// tap and 4 channels, each lane loads 4 of its row block's 8 pixel vectors (half j: rows 0..3 or 4..7,
// rows form) and half of its column block's weights (half i: steps 2i, 2i+1 in steps form, or with B_T
// columns 4i..4i+3 in rows form), 4 + 4 vec4 loads where conv_vec4 makes 8 + 8. SwiftShader, the cnn's
// conv2d_2 at batch 128 (full bench): forward 633 → 531 ms, backward_input 575 → 413, backward_weight 415 → 363.
// conv_quad16, for large GEMMs (QUAD16_MIN_MACS): each lane computes a 16×16 output block (quad_block.wgsl's
// r, s, t, u), loading 4 + 4 of its row block's 16 pixel vectors (rows 4j..4j+3 of each 8) and half of
// its column block's weights (steps 2i, 2i+1 of 16 columns, or with B_T columns 4i..4i+3 and 8+4i..8+4i+3):
// 8 + 8 vec4 loads for 1024 multiply-adds. Against 8×8 lanes at conv2d_2, batch 128 (Node, alternating,
// 6 rounds): forward 1.18–1.66× faster, backward_input 1.04–1.40×; backward_weight keeps 8×8 (0.89–1.16×).
// Both walk (tap, 4 channels) in one flat loop (FlatWalk, below): forward 1.2–1.5× and backward_input
// 1.0–1.3× faster than a loop per tap. backward_weight_quad: see bw_quad_step.
//
// Quad swaps need the quad's 4 lanes in the same loop iterations: every loop bound here is uniform or
// the same within a quad (a split's range, the split being the quad's), which WGSL's uniformity
// analysis cannot see, hence the module's
// `diagnostic(off, subgroup_uniformity)`. No early return before the loops: lanes past the last block
// compute a clamped block again and do not store.

// This lane's block (quad_block.wgsl's place_in_quad) for `splits` splits of the reduction.
fn quad_block(g: u32, splits: u32, side: u32) -> QuadBlock {
  // p.tiles and p.tiles_n count 8×8 blocks; 16×16 ones pair them up.
  let per = side / 8u;
  return place_in_quad(g, (p.tiles / p.tiles_n + per - 1u) / per, (p.tiles_n + per - 1u) / per, splits, side);
}

// One step (4 reduction indices) of an 8×8 quad block: this lane's 4 rows at a4[iv + c4] (ok: inside the
// image, else 0) and its half of the columns from b4[q]: steps 2i, 2i + 1 of 8 columns (q: step 0's first
// column; st: b4's stride between steps), or with B_T columns 4i..4i+3 (q: column 0's 4 indices; st:
// between columns).
fn quad_step(iv: vec4i, ok: vec4<bool>, c4: i32, q: i32, st: i32, i: u32, j: u32) {
  let ha = Half4(row4(iv.x, ok.x, c4), row4(iv.y, ok.y, c4), row4(iv.z, ok.z, c4), row4(iv.w, ok.w, c4));
  var hb: Half4;
  if (B_T) {
    let qi = q + 4 * i32(i) * st;
    hb = Half4(b4[qi], b4[qi + st], b4[qi + 2 * st], b4[qi + 3 * st]);
  } else {
    let qi = q + 2 * i32(i) * st;
    hb = Half4(b4[qi], b4[qi + 1], b4[qi + st], b4[qi + st + 1]);
  }
  let sa = join_halves(true, ha, swap_x(ha), j == 0u);
  let sb = join_halves(B_T, hb, swap_y(hb), i == 0u);
  outer8(sa.l0, sa.h0, sb.l0, sb.h0);
  outer8(sa.l1, sa.h1, sb.l1, sb.h1);
  outer8(sa.l2, sa.h2, sb.l2, sb.h2);
  outer8(sa.l3, sa.h3, sb.l3, sb.h3);
}

// The quad forms walk the reduction (tap, 4 channels) in one flat loop, as matmul's walk k, with running
// counters: a nested loop per tap costs SwiftShader a masked merge of all the lane's accumulators at each
// inner loop's exit, and without padding the walk needs no test at all. In NHWC a kernel row's taps and
// channels are contiguous (kx·Cin + c), so a row's vec4 at step (ky, kx, c4) is its window corner's plus
// `off`, which grows by 1 a step and jumps (in_w − KW)·Cin/4 at each kernel row's end; b4's index q grows
// by s_c a step (4 channels) and jumps (s_tap − Cin·s_c)/4 at each tap's end (0 for the forward's HWIO w).
// With padding (PADDED) each row tests its tap against the image and loads 0 outside.
struct FlatWalk {
  c4: i32,   // channel step within the tap
  kx: i32,
  ky: i32,
  off: i32,  // vec4 offset of (ky, kx, 4·c4) from the window corner
  q: i32,    // b4 index of column n0's (tap, 4·c4), the quad step's q
}

fn flat_start(n0: i32) -> FlatWalk {
  let q = select((p.b_off + n0) >> 2u, (p.b_off + n0 * p.s_n) >> 2u, B_T);
  return FlatWalk(0, 0, 0, 0, q);
}

fn flat_next(w: FlatWalk) -> FlatWalk {
  let cin4 = i32(p.in_c) >> 2u;
  let wrap_c = w.c4 + 1 == cin4;
  let kx = w.kx + select(0, 1, wrap_c);
  let wrap_x = kx == i32(p.k_w);
  let q = w.q + p.s_c + select(0, (p.s_tap - i32(p.in_c) * p.s_c) >> 2u, wrap_c);
  return FlatWalk(select(w.c4 + 1, 0, wrap_c), select(kx, 0, wrap_x), w.ky + select(0, 1, wrap_x),
                  w.off + 1 + select(0, (i32(p.in_w) - i32(p.k_w)) * cin4, wrap_x), q);
}

// This lane's 4 rows of a block (half j): their window corners, where half_ok tests each step's tap.
struct HalfRows {
  y: vec4i, x: vec4i,  // window corner (tap 0), may lie outside the image
  corner: vec4i,       // a4 index of the corner's channel 0 (meaningful where the tap is inside)
}

fn half_rows(r: BlockRows, upper: bool) -> HalfRows {
  let y = select(r.yl, r.yh, upper);
  let x = select(r.xl, r.xh, upper);
  let b = select(r.bl, r.bh, upper);
  return HalfRows(y, x, (((b + y) * i32(p.in_w) + x) * i32(p.in_c)) >> vec4u(2u));
}

fn half_ok(h: HalfRows, w: FlatWalk) -> vec4<bool> {
  if (!PADDED) {
    return vec4<bool>(true);
  }
  let iy = h.y + w.ky;
  let ix = h.x + w.kx;
  return (iy >= vec4i(0)) & (iy < vec4i(i32(p.in_h))) & (ix >= vec4i(0)) & (ix < vec4i(i32(p.in_w)));
}

fn reduce_quad(r: BlockRows, n0: i32, i: u32, j: u32) {
  let h = half_rows(r, j == 1u);
  let st = select(p.s_c, p.s_n, B_T) >> 2u;
  var w = flat_start(n0);
  for (var k = 0u; k < p.k; k += 4u) {
    quad_step(h.corner, half_ok(h, w), w.off, w.q, st, i, j);
    w = flat_next(w);
  }
}

@compute @workgroup_size(WG_REG)
fn conv_quad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let qb = quad_block(gid.x + gid.y * nwg.x * WG_REG, 1u, 8u);
  let r = block_rows(qb.m0);
  zero_block8();
  reduce_quad(r, i32(qb.n0), qb.i, qb.j);
  if (!qb.stores) {
    return;
  }
  finish_block(qb.m0, qb.n0);
}

// quad_step for 16×16 lane blocks: rows 0..7 of the block are iv0's, 8..15 iv1's; this lane loads rows
// 4j..4j+3 of each (rows form) and, of its columns, steps 2i, 2i+1 of 16 columns (steps form) or columns
// 4i..4i+3 and 8+4i..8+4i+3 (B_T, rows form).
fn quad16_step(iv0: vec4i, ok0: vec4<bool>, iv1: vec4i, ok1: vec4<bool>, c4: i32, q: i32, st: i32, i: u32, j: u32) {
  let ha0 = Half4(row4(iv0.x, ok0.x, c4), row4(iv0.y, ok0.y, c4), row4(iv0.z, ok0.z, c4), row4(iv0.w, ok0.w, c4));
  let ha1 = Half4(row4(iv1.x, ok1.x, c4), row4(iv1.y, ok1.y, c4), row4(iv1.z, ok1.z, c4), row4(iv1.w, ok1.w, c4));
  var hb0: Half4;
  var hb1: Half4;
  if (B_T) {
    let qi = q + 4 * i32(i) * st;
    hb0 = Half4(b4[qi], b4[qi + st], b4[qi + 2 * st], b4[qi + 3 * st]);
    let q1 = qi + 8 * st;
    hb1 = Half4(b4[q1], b4[q1 + st], b4[q1 + 2 * st], b4[q1 + 3 * st]);
  } else {
    // Step k's 16 columns are 4 consecutive vec4s.
    let qi = q + 2 * i32(i) * st;
    hb0 = Half4(b4[qi], b4[qi + 1], b4[qi + st], b4[qi + st + 1]);
    hb1 = Half4(b4[qi + 2], b4[qi + 3], b4[qi + st + 2], b4[qi + st + 3]);
  }
  outer16x4(join16(true, ha0, ha1, swap_x(ha0), swap_x(ha1), j == 0u),
            join16(B_T, hb0, hb1, swap_y(hb0), swap_y(hb1), i == 0u));
}

// reduce_quad with 16×16 lane blocks: rows 0..7 of the block are r0's, 8..15 r1's.
fn reduce_quad16(r0: BlockRows, r1: BlockRows, n0: i32, i: u32, j: u32) {
  let h0 = half_rows(r0, j == 1u);
  let h1 = half_rows(r1, j == 1u);
  let st = select(p.s_c, p.s_n, B_T) >> 2u;
  var w = flat_start(n0);
  for (var k = 0u; k < p.k; k += 4u) {
    quad16_step(h0.corner, half_ok(h0, w), h1.corner, half_ok(h1, w), w.off, w.q, st, i, j);
    w = flat_next(w);
  }
}

@compute @workgroup_size(WG_REG)
fn conv_quad16(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let qb = quad_block(gid.x + gid.y * nwg.x * WG_REG, 1u, 16u);
  zero_block16();
  reduce_quad16(block_rows(qb.m0), block_rows(qb.m0 + 8u), i32(qb.n0), qb.i, qb.j);
  if (!qb.stores) {
    return;
  }
  // Columns 8..15 may lie wholly past the edge (store_row8 needs n0 < N); rows past it store_row8 skips.
  let right = qb.n0 + 8u < p.n;
  finish_block(qb.m0, qb.n0);
  block_t_to_r();
  finish_block(qb.m0 + 8u, qb.n0);
  if (right) {
    block_s_to_r();
    finish_block(qb.m0, qb.n0 + 8u);
    block_u_to_r();
    finish_block(qb.m0 + 8u, qb.n0 + 8u);
  }
}

// One output position of backward_weight_quad: per position each lane loads one of its row block's two x
// vectors (half j) and one of its column block's two dy vectors (half i), 2 loads where
// backward_weight_vec4 makes 4, and swaps for the others.
fn bw_quad_step(w: Walk, bt: BlockTap, i: u32, j: u32, n0: u32) {
  let iy = w.oy + bt.ty;
  let ix = w.ox + bt.tx;
  let ok = !PADDED | ((iy >= 0) & (iy < i32(p.in_h)) & (ix >= 0) & (ix < i32(p.in_w)));
  // This lane's x vector (channels 4j..4j+3 of the block) and dy vector (columns 4i..4i+3).
  let xa = select(vec4f(0.0), a4[select(0, (w.xpix + bt.off) >> 2u, ok) + i32(j)], ok);
  let yb = b4[(w.dpix >> 2u) + i32(n0 >> 2u) + i32(i)];
  let xo = quadSwapX(xa);
  let yo = quadSwapY(yb);
  let first_a = j == 0u;
  let first_b = i == 0u;
  outer8(select(xo, xa, first_a), select(xa, xo, first_a), select(yo, yb, first_b), select(yb, yo, first_b));
}

@compute @workgroup_size(WG_REG)
fn backward_weight_quad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let qb = quad_block(gid.x + gid.y * nwg.x * WG_REG, p.splits, 8u);
  let m0 = qb.m0;
  let n0 = qb.n0;
  let bt = block_tap(m0);
  let r_begin = qb.split * p.chunk;
  let r_end = min(p.k, r_begin + p.chunk);
  zero_block8();
  var w = walk_start(r_begin);
  var r = r_begin;
  // Two positions a loop iteration: one position's 64 multiply-adds are small beside SwiftShader's cost
  // of an iteration (a masked merge of every accumulator); cnn conv2d_2 at batch 128 (Node, 4 alternating
  // rounds): 174–230 → 120–154 ms. Four a loop were slower (170–232).
  for (; r + 2u <= r_end; r += 2u) {
    bw_quad_step(w, bt, qb.i, qb.j, n0);
    w = walk_next(w);
    bw_quad_step(w, bt, qb.i, qb.j, n0);
    w = walk_next(w);
  }
  if (r < r_end) {
    bw_quad_step(w, bt, qb.i, qb.j, n0);
  }
  if (!qb.stores) {
    return;
  }
  store_block8(m0, n0, qb.split * p.m * p.n);
}
