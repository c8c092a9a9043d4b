// Sharing loads within quads of invocations, for the 'register' GEMM kernels' quad forms (matmul_quad.wgsl,
// conv2d_quad.wgsl): a quad (4 consecutive invocations, lane = index & 3) computes a 2×2 square of 8×8
// blocks; lane bit 0 (j) picks the column block, bit 1 (i) the row block. Each lane loads one half of its
// block's left operand (half j) and one half of its right operand (half i) and takes the other halves from
// its neighbours: quadSwapX between the lanes of one row block, quadSwapY between those of one column block.
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
