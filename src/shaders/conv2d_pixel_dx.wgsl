// 2-D convolution's backward_input, pixel-major ('register' variant, quad form), for convs whose dy is
// small beside dx (a 'valid' conv on a small image, the cnn's conv2d_2: 10×10 kept of 13×13). Appended to
// the quad module (conv2d_quad.wgsl's quad_step, quad16_step; quad_block.wgsl's place_in_quad) by
// src/engine/ops/conv2d-pixel-dx.ts, which says where it runs.
//
//   dx[b,y,x,ci] = Σ_{ky,kx,co} dy[b, y+pad_t-ky, x+pad_l-kx, co] · w[ky,kx,ci,co]
//
// The direct GEMM (conv_quad on dy with 'full' padding) multiplies zeros wherever a tap falls outside
// dy, and which taps do differs pixel to pixel, so a block of neighbouring pixels walks the union of
// theirs: 169/100 of the products at conv2d_2. A dense GEMM cols = dy·wᵀ plus col2im computes only real
// products but through a (B·OH·OW, KH·KW·Cin) scratch written and read again. Here the GEMM's rows are ordered
// pixel-major, (y, x, b): a lane block's rows are images at one dx pixel, so they share their taps, and
// the lane walks exactly the taps inside dy, (tap, 4 channels) in one flat loop with no bounds test.
// Each dx element is one dot product, written once; pixels no tap reaches (past a crop) store 0.
//
// A quad (4 lanes, quad_block.wgsl) computes a 2×2 square of side×side lane blocks; a pixel's rows are
// `p.splits` blocks (even, so a quad's blocks share their pixel and its loop bound: quad swaps need the
// quad's lanes in the same iterations), images past B computed clamped and not stored.
//
// Bindings (conv2d.wgsl's): 0 dx (B, H, W, Cin) as vec4, 1 params, 2 dy (B, OH, OW, Cout) as vec4 (a4),
// 3 w (KH, KW, Cin, Cout) as vec4 (b4: a column's 4 consecutive Cout contiguous, B_T's rows form).
// Params: batch B; in_h, in_w, in_c: dy's OH, OW, Cout; out_h, out_w: dx's H, W; n: Cin; k_h, k_w;
// pad_t, pad_l: the forward's pads; splits: lane blocks per pixel; tiles_n: lane-block columns
// (⌈Cin / side⌉); tiles: lane blocks in all (H·W·splits·tiles_n).

@group(0) @binding(0) var<storage, read_write> dx4: array<vec4f>;

// The walk over one pixel's taps inside dy: ky0..ky1 × kx0..kx1, 4 channels (Cout) a step.
struct PixelWalk {
  c4: i32,
  kx: i32,
  off: i32,  // a4 offset of dy[0, y+pad_t-ky, x+pad_l-kx, 4·c4] (each row adds its image's base)
  q: i32,    // b4 index of w[ky, kx, n0, 4·c4] (column n0's 4 channels)
}

struct PixelTaps {
  start: PixelWalk,
  steps: u32,
  kx0: i32,
  kx1: i32,
}

fn pixel_taps(pix: u32, n0: u32) -> PixelTaps {
  let cout4 = i32(p.in_c) >> 2u;
  // dy's row and column at tap 0.
  let oy = i32(pix / p.out_w) + p.pad_t;
  let ox = i32(pix % p.out_w) + p.pad_l;
  let ky0 = max(0, oy - i32(p.in_h) + 1);
  let ky1 = min(i32(p.k_h) - 1, oy);
  let kx0 = max(0, ox - i32(p.in_w) + 1);
  let kx1 = min(i32(p.k_w) - 1, ox);
  let steps = max(0, ky1 - ky0 + 1) * max(0, kx1 - kx0 + 1) * cout4;
  let off = ((oy - ky0) * i32(p.in_w) + ox - kx0) * cout4;
  let q = ((ky0 * i32(p.k_w) + kx0) * i32(p.n) + i32(n0)) * cout4;
  return PixelTaps(PixelWalk(0, kx0, off, q), u32(steps), kx0, kx1);
}

// The next step: the next 4 channels, at a tap's end the next kx (dy's pixel to the left), at a kernel
// row's end kx0 of the next ky (dy's row above).
fn pixel_next(w: PixelWalk, t: PixelTaps) -> PixelWalk {
  let cout4 = i32(p.in_c) >> 2u;
  let wrap_c = w.c4 + 1 == cout4;
  let kx = w.kx + select(0, 1, wrap_c);
  let wrap_x = kx > t.kx1;
  let nkx = t.kx1 - t.kx0 + 1;
  // From channel cout4 - 1 of (ky, kx): to (ky, kx + 1) is −2·cout4 + 1, on to (ky + 1, kx0) (nkx − OW)·cout4 more.
  let off = w.off + 1 + select(0, -2 * cout4, wrap_c) + select(0, (nkx - i32(p.in_w)) * cout4, wrap_x);
  let q = w.q + 1 + select(0, (i32(p.n) - 1) * cout4, wrap_c) + select(0, (i32(p.k_w) - nkx) * i32(p.n) * cout4, wrap_x);
  return PixelWalk(select(w.c4 + 1, 0, wrap_c), select(kx, t.kx0, wrap_x), off, q);
}

// a4 index of image b's dy[b, 0, 0, 0] for 4 images from b (clamped to the last).
fn image_bases(b: u32) -> vec4i {
  let img = p.in_h * p.in_w * (p.in_c >> 2u);
  return vec4i(min(vec4u(b) + LO, vec4u(p.batch - 1u)) * img);
}

fn store_dx_row(b: u32, pix: u32, n0: u32, l: vec4f, h: vec4f) {
  if (b >= p.batch) { return; }
  let i = ((b * p.out_h * p.out_w + pix) * p.n + n0) >> 2u;
  dx4[i] = l;
  dx4[i + 1u] = h;
}

// Block r (register_block.wgsl): images b0..b0+7 at pixel pix, channels n0..n0+7.
fn store_dx_block8(b0: u32, pix: u32, n0: u32) {
  store_dx_row(b0, pix, n0, r0l, r0h); store_dx_row(b0 + 1u, pix, n0, r1l, r1h);
  store_dx_row(b0 + 2u, pix, n0, r2l, r2h); store_dx_row(b0 + 3u, pix, n0, r3l, r3h);
  store_dx_row(b0 + 4u, pix, n0, r4l, r4h); store_dx_row(b0 + 5u, pix, n0, r5l, r5h);
  store_dx_row(b0 + 6u, pix, n0, r6l, r6h); store_dx_row(b0 + 7u, pix, n0, r7l, r7h);
}

// This lane's block: its pixel and first image, from the quad's place (rows: pixel-major lane blocks).
struct PixelBlock {
  qb: QuadBlock,
  pix: u32,
  b0: u32,
}

fn pixel_block(gid: vec3u, nwg: vec3u, side: u32) -> PixelBlock {
  let qb = place_in_quad(gid.x + gid.y * nwg.x * WG_REG, p.tiles / p.tiles_n, p.tiles_n, 1u, side);
  let mb = qb.m0 / side;
  return PixelBlock(qb, mb / p.splits, (mb % p.splits) * side);
}

@compute @workgroup_size(WG_REG)
fn dx_pixel(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let pb = pixel_block(gid, nwg, 8u);
  let t = pixel_taps(pb.pix, pb.qb.n0);
  let rows = image_bases(pb.b0 + 4u * pb.qb.j);
  let ok = vec4<bool>(true);
  let st = i32(p.in_c) >> 2u;  // b4's stride between columns
  zero_block8();
  var w = t.start;
  for (var k = 0u; k < t.steps; k++) {
    quad_step(rows, ok, w.off, w.q, st, pb.qb.i, pb.qb.j);
    w = pixel_next(w, t);
  }
  if (!pb.qb.stores) {
    return;
  }
  store_dx_block8(pb.b0, pb.pix, pb.qb.n0);
}

// dx_pixel with 16×16 lane blocks (quad_block.wgsl's r, s, t, u): rows 0..7 of the block are images
// b0..b0+7, rows 8..15 the next 8.
@compute @workgroup_size(WG_REG)
fn dx_pixel16(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let pb = pixel_block(gid, nwg, 16u);
  let n0 = pb.qb.n0;
  let t = pixel_taps(pb.pix, n0);
  let rows0 = image_bases(pb.b0 + 4u * pb.qb.j);
  let rows1 = image_bases(pb.b0 + 8u + 4u * pb.qb.j);
  let ok = vec4<bool>(true);
  let st = i32(p.in_c) >> 2u;
  zero_block16();
  var w = t.start;
  for (var k = 0u; k < t.steps; k++) {
    quad16_step(rows0, ok, rows1, ok, w.off, w.q, st, pb.qb.i, pb.qb.j);
    w = pixel_next(w, t);
  }
  if (!pb.qb.stores) {
    return;
  }
  // Columns 8..15 may lie past Cin (a multiple of 8, not always of 16).
  let right = n0 + 8u < p.n;
  store_dx_block8(pb.b0, pb.pix, n0);
  block_t_to_r();
  store_dx_block8(pb.b0 + 8u, pb.pix, n0);
  if (right) {
    block_s_to_r();
    store_dx_block8(pb.b0, pb.pix, n0 + 8u);
    block_u_to_r();
    store_dx_block8(pb.b0 + 8u, pb.pix, n0 + 8u);
  }
}
