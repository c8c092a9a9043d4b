// Sharing loads within quads of invocations, for the 'register' GEMM kernels' quad forms (matmul_quad.wgsl,
// conv2d_quad.wgsl): a quad (4 consecutive invocations, lane = index & 3) computes a 2×2 square of lane
// blocks (8×8, or 16×16 in the *_quad16 entry points: four 8×8 blocks, see below); lane bit 0 (j) picks
// the column block, bit 1 (i) the row block. Each lane loads one half of its block's left operand (half j)
// and one half of its right operand (half i) and takes the other halves from its neighbours: quadSwapX
// between the lanes of one row block, quadSwapY between those of one column block.
// Prepended, after `enable subgroups;` and register_block.wgsl (Steps4, steps_of_rows), by the TS modules.
//
// A half is one of two forms, by how the operand is stored:
//   rows form: 4 of the block's 8 rows (columns), each a vec4 of 4 consecutive reduction steps;
//   steps form: 2 of the 4 steps, each step's 8 rows (columns) as two vec4s (l: 0..3, h: 4..7).

// Four vec4s: a half in either form.
struct Half4 {
  v0: vec4f, v1: vec4f, v2: vec4f, v3: vec4f,
}

fn swap_x(h: Half4) -> Half4 {
  return Half4(quadSwapX(h.v0), quadSwapX(h.v1), quadSwapX(h.v2), quadSwapX(h.v3));
}

fn swap_y(h: Half4) -> Half4 {
  return Half4(quadSwapY(h.v0), quadSwapY(h.v1), quadSwapY(h.v2), quadSwapY(h.v3));
}

// The block's 4 steps from this lane's half and its neighbour's; `first`: this lane holds half 0.
fn join_halves(rows_form: bool, mine: Half4, theirs: Half4, first: bool) -> Steps4 {
  let lo = Half4(select(theirs.v0, mine.v0, first), select(theirs.v1, mine.v1, first),
                 select(theirs.v2, mine.v2, first), select(theirs.v3, mine.v3, first));
  let hi = Half4(select(mine.v0, theirs.v0, first), select(mine.v1, theirs.v1, first),
                 select(mine.v2, theirs.v2, first), select(mine.v3, theirs.v3, first));
  if (rows_form) {
    return steps_of_rows(lo.v0, lo.v1, lo.v2, lo.v3, hi.v0, hi.v1, hi.v2, hi.v3);
  }
  return Steps4(lo.v0, lo.v1, lo.v2, lo.v3, hi.v0, hi.v1, hi.v2, hi.v3);
}

// This lane's block in its quad's 2×2 square of side×side blocks, for a GEMM output of tiles_m × tiles_n
// such blocks: quads numbered row-major over the squares and split-major (conv's backward_weight splits
// its reduction) past them; origin (m0, n0) clamped to the last block, and whether the lane stores (a lane
// past the last quad, or whose block lies past the edge, computes a clamped block and does not).
struct QuadBlock {
  m0: u32,
  n0: u32,
  split: u32,
  i: u32,  // row block within the square (lane bit 1)
  j: u32,  // column block within the square (lane bit 0)
  stores: bool,
}

fn place_in_quad(g: u32, tiles_m: u32, tiles_n: u32, splits: u32, side: u32) -> QuadBlock {
  let quads_n = (tiles_n + 1u) / 2u;
  let quads = ((tiles_m + 1u) / 2u) * quads_n;
  let q = min(g >> 2u, quads * splits - 1u);
  let quad = q % quads;
  let j = g & 1u;
  let i = (g >> 1u) & 1u;
  let mb = (quad / quads_n) * 2u + i;
  let nb = (quad % quads_n) * 2u + j;
  return QuadBlock(min(mb, tiles_m - 1u) * side, min(nb, tiles_n - 1u) * side, q / quads, i, j,
                   (g >> 2u) < quads * splits && mb < tiles_m && nb < tiles_n);
}

// The 16×16 lane block of matmul_quad16 and conv_quad16 (large GEMMs: QUAD16_MIN_MACS, kernel-variant.ts):
// four 8×8 blocks, r (register_block.wgsl: rows 0..7, columns 0..7), s (rows 0..7, columns 8..15),
// t (rows 8..15, columns 0..7) and u (rows 8..15, columns 8..15). 8 + 8 vec4 loads per lane for 1024
// multiply-adds where the 8×8 form makes 4 + 4 for 256; SwiftShader compiles such a pipeline in about 2 s
// (the 8×8 form: 0.4 s), so only GEMMs large enough to pay that back in a few steps take it.
var<private> s0l: vec4f; var<private> s0h: vec4f; var<private> s1l: vec4f; var<private> s1h: vec4f;
var<private> s2l: vec4f; var<private> s2h: vec4f; var<private> s3l: vec4f; var<private> s3h: vec4f;
var<private> s4l: vec4f; var<private> s4h: vec4f; var<private> s5l: vec4f; var<private> s5h: vec4f;
var<private> s6l: vec4f; var<private> s6h: vec4f; var<private> s7l: vec4f; var<private> s7h: vec4f;
var<private> t0l: vec4f; var<private> t0h: vec4f; var<private> t1l: vec4f; var<private> t1h: vec4f;
var<private> t2l: vec4f; var<private> t2h: vec4f; var<private> t3l: vec4f; var<private> t3h: vec4f;
var<private> t4l: vec4f; var<private> t4h: vec4f; var<private> t5l: vec4f; var<private> t5h: vec4f;
var<private> t6l: vec4f; var<private> t6h: vec4f; var<private> t7l: vec4f; var<private> t7h: vec4f;
var<private> u0l: vec4f; var<private> u0h: vec4f; var<private> u1l: vec4f; var<private> u1h: vec4f;
var<private> u2l: vec4f; var<private> u2h: vec4f; var<private> u3l: vec4f; var<private> u3h: vec4f;
var<private> u4l: vec4f; var<private> u4h: vec4f; var<private> u5l: vec4f; var<private> u5h: vec4f;
var<private> u6l: vec4f; var<private> u6h: vec4f; var<private> u7l: vec4f; var<private> u7h: vec4f;

fn outer8s(al: vec4f, ah: vec4f, bl: vec4f, bh: vec4f) {
  s0l += al.x * bl; s0h += al.x * bh; s1l += al.y * bl; s1h += al.y * bh;
  s2l += al.z * bl; s2h += al.z * bh; s3l += al.w * bl; s3h += al.w * bh;
  s4l += ah.x * bl; s4h += ah.x * bh; s5l += ah.y * bl; s5h += ah.y * bh;
  s6l += ah.z * bl; s6h += ah.z * bh; s7l += ah.w * bl; s7h += ah.w * bh;
}

fn outer8t(al: vec4f, ah: vec4f, bl: vec4f, bh: vec4f) {
  t0l += al.x * bl; t0h += al.x * bh; t1l += al.y * bl; t1h += al.y * bh;
  t2l += al.z * bl; t2h += al.z * bh; t3l += al.w * bl; t3h += al.w * bh;
  t4l += ah.x * bl; t4h += ah.x * bh; t5l += ah.y * bl; t5h += ah.y * bh;
  t6l += ah.z * bl; t6h += ah.z * bh; t7l += ah.w * bl; t7h += ah.w * bh;
}

fn outer8u(al: vec4f, ah: vec4f, bl: vec4f, bh: vec4f) {
  u0l += al.x * bl; u0h += al.x * bh; u1l += al.y * bl; u1h += al.y * bh;
  u2l += al.z * bl; u2h += al.z * bh; u3l += al.w * bl; u3h += al.w * bh;
  u4l += ah.x * bl; u4h += ah.x * bh; u5l += ah.y * bl; u5h += ah.y * bh;
  u6l += ah.z * bl; u6h += ah.z * bh; u7l += ah.w * bl; u7h += ah.w * bh;
}

fn zero_block16() {
  zero_block8();
  s0l = vec4f(); s0h = vec4f(); s1l = vec4f(); s1h = vec4f(); s2l = vec4f(); s2h = vec4f(); s3l = vec4f(); s3h = vec4f();
  s4l = vec4f(); s4h = vec4f(); s5l = vec4f(); s5h = vec4f(); s6l = vec4f(); s6h = vec4f(); s7l = vec4f(); s7h = vec4f();
  t0l = vec4f(); t0h = vec4f(); t1l = vec4f(); t1h = vec4f(); t2l = vec4f(); t2h = vec4f(); t3l = vec4f(); t3h = vec4f();
  t4l = vec4f(); t4h = vec4f(); t5l = vec4f(); t5h = vec4f(); t6l = vec4f(); t6h = vec4f(); t7l = vec4f(); t7h = vec4f();
  u0l = vec4f(); u0h = vec4f(); u1l = vec4f(); u1h = vec4f(); u2l = vec4f(); u2h = vec4f(); u3l = vec4f(); u3h = vec4f();
  u4l = vec4f(); u4h = vec4f(); u5l = vec4f(); u5h = vec4f(); u6l = vec4f(); u6h = vec4f(); u7l = vec4f(); u7h = vec4f();
}

// An operand's 16 rows (columns) at 4 steps: a holds rows 0..7, b rows 8..15.
struct Steps4x2 {
  a: Steps4,
  b: Steps4,
}

// From this lane's halves of rows (columns) 0..7 (mine0) and 8..15 (mine1) and its neighbour's (theirs0,
// theirs1): join_halves for each, in either form; `first`: this lane holds half 0.
fn join16(rows_form: bool, mine0: Half4, mine1: Half4, theirs0: Half4, theirs1: Half4, first: bool) -> Steps4x2 {
  return Steps4x2(join_halves(rows_form, mine0, theirs0, first), join_halves(rows_form, mine1, theirs1, first));
}

// block16 += a ⊗ b over 4 steps.
fn outer16x4(a: Steps4x2, b: Steps4x2) {
  outer8(a.a.l0, a.a.h0, b.a.l0, b.a.h0); outer8s(a.a.l0, a.a.h0, b.b.l0, b.b.h0); outer8t(a.b.l0, a.b.h0, b.a.l0, b.a.h0); outer8u(a.b.l0, a.b.h0, b.b.l0, b.b.h0);
  outer8(a.a.l1, a.a.h1, b.a.l1, b.a.h1); outer8s(a.a.l1, a.a.h1, b.b.l1, b.b.h1); outer8t(a.b.l1, a.b.h1, b.a.l1, b.a.h1); outer8u(a.b.l1, a.b.h1, b.b.l1, b.b.h1);
  outer8(a.a.l2, a.a.h2, b.a.l2, b.a.h2); outer8s(a.a.l2, a.a.h2, b.b.l2, b.b.h2); outer8t(a.b.l2, a.b.h2, b.a.l2, b.a.h2); outer8u(a.b.l2, a.b.h2, b.b.l2, b.b.h2);
  outer8(a.a.l3, a.a.h3, b.a.l3, b.a.h3); outer8s(a.a.l3, a.a.h3, b.b.l3, b.b.h3); outer8t(a.b.l3, a.b.h3, b.a.l3, b.a.h3); outer8u(a.b.l3, a.b.h3, b.b.l3, b.b.h3);
}

// Move block s, t or u into r (register_block.wgsl), whose store functions the kernels share.
fn block_s_to_r() {
  r0l = s0l; r0h = s0h; r1l = s1l; r1h = s1h; r2l = s2l; r2h = s2h; r3l = s3l; r3h = s3h;
  r4l = s4l; r4h = s4h; r5l = s5l; r5h = s5h; r6l = s6l; r6h = s6h; r7l = s7l; r7h = s7h;
}
fn block_t_to_r() {
  r0l = t0l; r0h = t0h; r1l = t1l; r1h = t1h; r2l = t2l; r2h = t2h; r3l = t3l; r3h = t3h;
  r4l = t4l; r4h = t4h; r5l = t5l; r5h = t5h; r6l = t6l; r6h = t6h; r7l = t7l; r7h = t7h;
}
fn block_u_to_r() {
  r0l = u0l; r0h = u0h; r1l = u1l; r1h = u1h; r2l = u2l; r2h = u2h; r3l = u3l; r3h = u3h;
  r4l = u4l; r4h = u4h; r5l = u5l; r5h = u5h; r6l = u6l; r6h = u6h; r7l = u7l; r7h = u7h;
}
