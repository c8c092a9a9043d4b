// matmul_quad: matmul_vec4 (matmul_register.wgsl) with each quad of invocations sharing its loads
// (quad_block.wgsl), for CPU implementations of WebGPU with subgroups (SwiftShader: a subgroup is the 4
// SIMD lanes of one thread). Appended to the register module by src/engine/ops/matmul.ts as the
// 'register:quad' candidate, where the device's subgroups hold at least 4 invocations and matmul_vec4's
// shapes hold: K a multiple of 4; M a multiple of 8 if TRANS_A; N a multiple of 8 unless TRANS_B.
//
// Why: every storage load there is a per-lane gather, and in matmul_vec4 the 4 lanes of a SIMD group,
// computing 8×8 blocks side by side, all gather the same A rows. matmul_quad: a quad computes a 2×2 square
// of 8×8 blocks (row block 2·qm + i, column block 2·qn + j) and each lane loads 4 + 4 vec4s per 4
// reduction steps instead of 8 + 8. SwiftShader (noisy, 2 cores): the mlp's dense_1 forward 28.1 → 19.9 ms
// in the full bench (batch 128); alternating A/B runs in Node at the mlp's shapes 1.0–1.3×.
// matmul_quad16, for large GEMMs (QUAD16_MIN_MACS): the same with 16×16 lane blocks, 8 + 8 vec4 loads for
// 1024 multiply-adds. Against 8×8 lanes (SwiftShader, alternating A/B runs in Node, 6 rounds): 1024³
// 1.09–1.28× faster, the mlp's dense_1 forward (128×128×784) 1.20–1.47×; but each pipeline compiles in
// about 2 s instead of 0.4 s, which small GEMMs never pay back. The 64 accumulators live in memory either
// way (they never fit in 16 vector registers); larger blocks only cut loads.
// A is in rows form (stored (M, K)) or steps form (TRANS_A, stored (K, M)); B in steps form (stored
// (K, N)) or rows form (TRANS_B, stored (N, K)). Rows and columns past the edge are clamped for loading
// in rows form; in steps form (16×16 only) columns past the edge read whatever follows (never stored;
// WGSL's bounds checks keep reads inside the buffer). Lanes whose block lies past the last one still load
// and swap (a quad's swaps need all 4 lanes) but do not store.

// A half in rows form: rows r0, r0+1, r0+2, r0+3 (clamped to `last`) of a (rows, K) matrix read as
// vec4s, at vec4 column kv.
fn half_rows(buf_is_a: bool, r0: u32, last: u32, k4: u32, kv: u32) -> Half4 {
  let q = vec4u(min(r0, last), min(r0 + 1u, last), min(r0 + 2u, last), min(r0 + 3u, last)) * k4 + kv;
  if (buf_is_a) {
    return Half4(a4[q.x], a4[q.y], a4[q.z], a4[q.w]);
  }
  return Half4(b4[q.x], b4[q.y], b4[q.z], b4[q.w]);
}

// A half in steps form: steps k and k+1 of a (K, cols) matrix, 8 columns from vec4 index q (stride s per step).
fn half_steps(buf_is_a: bool, q: u32, s: u32) -> Half4 {
  if (buf_is_a) {
    return Half4(a4[q], a4[q + 1u], a4[q + s], a4[q + s + 1u]);
  }
  return Half4(b4[q], b4[q + 1u], b4[q + s], b4[q + s + 1u]);
}

// This lane's side×side block of C (quad_block.wgsl's place_in_quad).
fn quad_place(g: u32, side: u32) -> QuadBlock {
  return place_in_quad(g, (p.m + side - 1u) / side, (p.n + side - 1u) / side, 1u, side);
}

@compute @workgroup_size(WG_REG)
fn matmul_quad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // No early return before the swaps: a whole quad past the end computes the last quad again, unstored.
  let at = quad_place(gid.x + gid.y * nwg.x * WG_REG, 8u);
  let i = at.i;
  let j = at.j;
  let m0 = at.m0;
  let n0 = at.n0;
  let k4 = p.k >> 2u;
  zero_block8();
  for (var k = 0u; k < p.k; k += 4u) {
    let kv = k >> 2u;
    var ha: Half4;
    var hb: Half4;
    if (TRANS_A) {
      ha = half_steps(true, ((k + 2u * j) * p.m + m0) >> 2u, p.m >> 2u);
    } else {
      ha = half_rows(true, m0 + 4u * j, p.m - 1u, k4, kv);
    }
    if (TRANS_B) {
      hb = half_rows(false, n0 + 4u * i, p.n - 1u, k4, kv);
    } else {
      hb = half_steps(false, ((k + 2u * i) * p.n + n0) >> 2u, p.n >> 2u);
    }
    let sa = join_halves(!TRANS_A, ha, swap_x(ha), j == 0u);
    let sb = join_halves(TRANS_B, hb, swap_y(hb), i == 0u);
    outer8(sa.l0, sa.h0, sb.l0, sb.h0);
    outer8(sa.l1, sa.h1, sb.l1, sb.h1);
    outer8(sa.l2, sa.h2, sb.l2, sb.h2);
    outer8(sa.l3, sa.h3, sb.l3, sb.h3);
  }
  if (!at.stores) {
    return;
  }
  let cl = min(vec4u(n0) + LO, vec4u(p.n - 1u));
  let ch = min(vec4u(n0) + HI, vec4u(p.n - 1u));
  store_block8(m0, n0, cl, ch);
}

@compute @workgroup_size(WG_REG)
fn matmul_quad16(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // No early return before the swaps: a whole quad past the end computes the last quad again, unstored.
  let at = quad_place(gid.x + gid.y * nwg.x * WG_REG, 16u);
  let i = at.i;
  let j = at.j;
  let m0 = at.m0;
  let n0 = at.n0;
  let k4 = p.k >> 2u;
  zero_block16();
  for (var k = 0u; k < p.k; k += 4u) {
    let kv = k >> 2u;
    var sa: Steps4x2;
    var sb: Steps4x2;
    if (TRANS_A) {
      let q = ((k + 2u * j) * p.m + m0) >> 2u;
      let h0 = half_steps(true, q, p.m >> 2u);
      let h1 = half_steps(true, q + 2u, p.m >> 2u);
      sa = join16(false, h0, h1, swap_x(h0), swap_x(h1), j == 0u);
    } else {
      let h0 = half_rows(true, m0 + 4u * j, p.m - 1u, k4, kv);
      let h1 = half_rows(true, m0 + 8u + 4u * j, p.m - 1u, k4, kv);
      sa = join16(true, h0, h1, swap_x(h0), swap_x(h1), j == 0u);
    }
    if (TRANS_B) {
      let h0 = half_rows(false, n0 + 4u * i, p.n - 1u, k4, kv);
      let h1 = half_rows(false, n0 + 8u + 4u * i, p.n - 1u, k4, kv);
      sb = join16(true, h0, h1, swap_y(h0), swap_y(h1), i == 0u);
    } else {
      let q = ((k + 2u * i) * p.n + n0) >> 2u;
      let h0 = half_steps(false, q, p.n >> 2u);
      let h1 = half_steps(false, q + 2u, p.n >> 2u);
      sb = join16(false, h0, h1, swap_y(h0), swap_y(h1), i == 0u);
    }
    outer16x4(sa, sb);
  }
  if (!at.stores) {
    return;
  }
  // Columns 8..15 may lie wholly past the edge (store_row8 needs n0 < N); rows past it store_row8 skips.
  let right = n0 + 8u < p.n;
  let cl = min(vec4u(n0) + LO, vec4u(p.n - 1u));
  let ch = min(vec4u(n0) + HI, vec4u(p.n - 1u));
  let dl = min(vec4u(n0 + 8u) + LO, vec4u(p.n - 1u));
  let dh = min(vec4u(n0 + 8u) + HI, vec4u(p.n - 1u));
  store_block8(m0, n0, cl, ch);
  if (right) {
    block_s_to_r();
    store_block8(m0, n0 + 8u, dl, dh);
  }
  block_t_to_r();
  store_block8(m0 + 8u, n0, cl, ch);
  if (right) {
    block_u_to_r();
    store_block8(m0 + 8u, n0 + 8u, dl, dh);
  }
}
