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
// backward_weight_quad: per output position, each lane loads one of its row block's two x vectors
// (half j) and one of its column block's two dy vectors (half i), 2 loads where backward_weight_vec4
// makes 4, and swaps for the others.
//
// Quad swaps need the quad's 4 lanes in the same loop iterations: every loop bound here is uniform or
// the same within a quad (a tap skipped only when it is outside the image for both row blocks; a split's
// range, the split being the quad's), which WGSL's uniformity analysis cannot see, hence the module's
// `diagnostic(off, subgroup_uniformity)`. No early return before the loops: lanes past the last block
// compute a clamped block again and do not store.

// This lane's block (quad_block.wgsl's place_in_quad) for `splits` splits of the reduction.
fn quad_block(g: u32, splits: u32, side: u32) -> QuadBlock {
  // p.tiles and p.tiles_n count 8×8 blocks; 16×16 ones pair them up.
  let per = side / 8u;
  return place_in_quad(g, (p.tiles / p.tiles_n + per - 1u) / per, (p.tiles_n + per - 1u) / per, splits, side);
}

// reduce_vec4 with quads: the same walk over (tap, 4 channels).
fn reduce_quad(r: BlockRows, n0: i32, i: u32, j: u32) {
  var kb = p.b_off;
  for (var ky = 0; ky < i32(p.k_h); ky++) {
    for (var kx = 0; kx < i32(p.k_w); kx++) {
      let t = tap_rows(r, ky, kx);
      let upper = j == 1u;
      let ok = select(t.okl, t.okh, upper);
      let iv = select(t.il, t.ih, upper) >> vec4u(2u);  // vec4 index of channel 0 of this lane's 4 rows
      // Skipped only if outside the image for all 16 rows of the quad: the other row block's answer by swap.
      let outside = select(0u, 1u, !any(t.okl | t.okh));
      let skip = (outside & quadSwapY(outside)) != 0u;
      for (var c = select(0, i32(p.in_c), skip); c < i32(p.in_c); c += 4) {
        let c4 = c >> 2u;
        let kr = kb + c * p.s_c;  // b index of (tap, c) in column 0
        let ha = Half4(row4(iv.x, ok.x, c4), row4(iv.y, ok.y, c4), row4(iv.z, ok.z, c4), row4(iv.w, ok.w, c4));
        var hb: Half4;
        if (B_T) {
          // Column n's 4 reduction indices are b4[(kr + n·s_n) / 4]: columns n0 + 4i .. n0 + 4i + 3.
          let st = p.s_n >> 2u;
          let q = ((kr + n0 * p.s_n) >> 2u) + 4 * i32(i) * st;
          hb = Half4(b4[q], b4[q + st], b4[q + 2 * st], b4[q + 3 * st]);
        } else {
          // Step k's 8 columns are b4[(kr + k·s_c + n0) / 4] and the next vec4: steps 2i and 2i + 1.
          let st = p.s_c >> 2u;
          let q = ((kr + n0) >> 2u) + 2 * i32(i) * st;
          hb = Half4(b4[q], b4[q + 1], b4[q + st], b4[q + st + 1]);
        }
        let sa = join_halves(true, ha, swap_x(ha), j == 0u);
        let sb = join_halves(B_T, hb, swap_y(hb), i == 0u);
        outer8(sa.l0, sa.h0, sb.l0, sb.h0);
        outer8(sa.l1, sa.h1, sb.l1, sb.h1);
        outer8(sa.l2, sa.h2, sb.l2, sb.h2);
        outer8(sa.l3, sa.h3, sb.l3, sb.h3);
      }
      kb += p.s_tap;
    }
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

// reduce_vec4 with quads and 16×16 lane blocks: the same walk over (tap, 4 channels). Rows 0..7 of the
// block are r0's, 8..15 r1's; this lane loads rows 4j..4j+3 of each (rows form) and, of its columns,
// steps 2i, 2i+1 (steps form) or columns 4i..4i+3 and 8+4i..8+4i+3 (B_T, rows form).
fn reduce_quad16(r0: BlockRows, r1: BlockRows, n0: i32, i: u32, j: u32) {
  var kb = p.b_off;
  let upper = j == 1u;
  for (var ky = 0; ky < i32(p.k_h); ky++) {
    for (var kx = 0; kx < i32(p.k_w); kx++) {
      let t0 = tap_rows(r0, ky, kx);
      let t1 = tap_rows(r1, ky, kx);
      let ok0 = select(t0.okl, t0.okh, upper);
      let ok1 = select(t1.okl, t1.okh, upper);
      let iv0 = select(t0.il, t0.ih, upper) >> vec4u(2u);  // vec4 index of channel 0 of this lane's rows
      let iv1 = select(t1.il, t1.ih, upper) >> vec4u(2u);
      // Skipped only if outside the image for all 32 rows of the quad: the other row block's answer by swap.
      let outside = select(0u, 1u, !any(t0.okl | t0.okh | t1.okl | t1.okh));
      let skip = (outside & quadSwapY(outside)) != 0u;
      for (var c = select(0, i32(p.in_c), skip); c < i32(p.in_c); c += 4) {
        let c4 = c >> 2u;
        let kr = kb + c * p.s_c;  // b index of (tap, c) in column 0
        let ha0 = Half4(row4(iv0.x, ok0.x, c4), row4(iv0.y, ok0.y, c4), row4(iv0.z, ok0.z, c4), row4(iv0.w, ok0.w, c4));
        let ha1 = Half4(row4(iv1.x, ok1.x, c4), row4(iv1.y, ok1.y, c4), row4(iv1.z, ok1.z, c4), row4(iv1.w, ok1.w, c4));
        var hb0: Half4;
        var hb1: Half4;
        if (B_T) {
          // Column n's 4 reduction indices are b4[(kr + n·s_n) / 4].
          let st = p.s_n >> 2u;
          let q = ((kr + n0 * p.s_n) >> 2u) + 4 * i32(i) * st;
          hb0 = Half4(b4[q], b4[q + st], b4[q + 2 * st], b4[q + 3 * st]);
          let q1 = q + 8 * st;
          hb1 = Half4(b4[q1], b4[q1 + st], b4[q1 + 2 * st], b4[q1 + 3 * st]);
        } else {
          // Step k's 16 columns are b4[(kr + k·s_c + n0) / 4] and the next three vec4s.
          let st = p.s_c >> 2u;
          let q = ((kr + n0) >> 2u) + 2 * i32(i) * st;
          hb0 = Half4(b4[q], b4[q + 1], b4[q + st], b4[q + st + 1]);
          hb1 = Half4(b4[q + 2], b4[q + 3], b4[q + st + 2], b4[q + st + 3]);
        }
        outer16x4(join16(true, ha0, ha1, swap_x(ha0), swap_x(ha1), j == 0u),
                  join16(B_T, hb0, hb1, swap_y(hb0), swap_y(hb1), i == 0u));
      }
      kb += p.s_tap;
    }
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

@compute @workgroup_size(WG_REG)
fn backward_weight_quad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let qb = quad_block(gid.x + gid.y * nwg.x * WG_REG, p.splits, 8u);
  let m0 = qb.m0;
  let n0 = qb.n0;
  let ih = i32(p.in_h);
  let iw = i32(p.in_w);
  let bt = block_tap(m0);
  let r_begin = qb.split * p.chunk;
  let r_end = min(p.k, r_begin + p.chunk);
  let first_a = qb.j == 0u;
  let first_b = qb.i == 0u;
  zero_block8();
  var w = walk_start(r_begin);
  for (var r = r_begin; r < r_end; r++) {
    let iy = w.oy + bt.ty;
    let ix = w.ox + bt.tx;
    let ok = !PADDED | ((iy >= 0) & (iy < ih) & (ix >= 0) & (ix < iw));
    // This lane's x vector (channels 4j..4j+3 of the block) and dy vector (columns 4i..4i+3).
    let xa = select(vec4f(0.0), a4[select(0, (w.xpix + bt.off) >> 2u, ok) + i32(qb.j)], ok);
    let yb = b4[(w.dpix >> 2u) + i32(n0 >> 2u) + i32(qb.i)];
    let xo = quadSwapX(xa);
    let yo = quadSwapY(yb);
    outer8(select(xo, xa, first_a), select(xa, xo, first_a), select(yo, yb, first_b), select(yb, yo, first_b));
    w = walk_next(w);
  }
  if (!qb.stores) {
    return;
  }
  store_block8(m0, n0, qb.split * p.m * p.n);
}
