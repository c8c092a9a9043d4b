// 2-D convolution's backward_input as a dense GEMM and col2im, for the 'register' variant's quad form
// where the direct GEMM's 'full' padding would multiply many zeros (src/engine/ops/conv2d-col2im.ts
// says when). Appended to conv2d.wgsl: its Params and binding numbers. The matmul module first computes
//   cols[(b,oy,ox), (ky,kx,ci)] = Σ_co dy[b,oy,ox,co] · w[ky,kx,ci,co]     cols: (B·OH·OW, KH·KW·Cin)
// (dy · wᵀ: w, HWIO, is already (KH·KW·Cin, Cout)), every product a real one; col2im then sums each dx
// element's taps, in a fixed order (deterministic, no atomics):
//   dx[b,iy,ix,ci] = Σ_{ky,kx} cols[(b, iy-ky+pad_t, ix-kx+pad_l), (ky,kx,ci)]  over the taps inside dy.
// One invocation per 4 channels of a dx pixel (Cin a multiple of 4): 4-wide loads and store.
//
// Bindings: 0 dx (B, H, W, Cin) as vec4, 1 params, 2 cols as vec4.
// Params: in_h, in_w, in_c: dx's H, W, Cin; out_h, out_w: dy's OH, OW; k_h, k_w; pad_t, pad_l: the forward's.

override WG_C: u32 = 64;

// conv2d.wgsl's out and a, viewed as vectors (no entry point uses both views).
@group(0) @binding(0) var<storage, read_write> dx4: array<vec4f>;
@group(0) @binding(2) var<storage, read> cols4: array<vec4f>;

// Grid (⌈W·Cin/4 / WG_C⌉, H, B): the pixel's row and image come from the grid, not from divisions (a
// CPU adapter pays a real division per lane for each).
@compute @workgroup_size(WG_C)
fn col2im(@builtin(global_invocation_id) gid: vec3u) {
  let c4n = p.in_c / 4u;
  if (gid.x >= p.in_w * c4n) {
    return;
  }
  let c4 = i32(gid.x % c4n);
  let ix = i32(gid.x / c4n);
  let iy = i32(gid.y);
  let b = i32(gid.z);
  let i = (gid.z * p.in_h + gid.y) * p.in_w * c4n + gid.x;  // this vec4 of dx
  let oh = i32(p.out_h);
  let ow = i32(p.out_w);
  let row = i32(p.k_h * p.k_w * c4n);  // vec4s per cols row
  var s = vec4f(0.0);
  for (var ky = 0; ky < i32(p.k_h); ky++) {
    let oy = iy - ky + p.pad_t;
    for (var kx = 0; kx < i32(p.k_w); kx++) {
      let ox = ix - kx + p.pad_l;
      let ok = (oy >= 0) & (oy < oh) & (ox >= 0) & (ox < ow);
      let at = ((b * oh + oy) * ow + ox) * row + (ky * i32(p.k_w) + kx) * i32(c4n) + c4;
      s += select(vec4f(0.0), cols4[select(0, at, ok)], ok);
    }
  }
  dx4[i] = s;
}
