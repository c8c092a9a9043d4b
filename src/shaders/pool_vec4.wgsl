// pool.wgsl's 2×2 straight-line paths four channels at a time, where C is a multiple of 4: every load
// and store moves a vec4 of channels. Appended to pool.wgsl by src/engine/ops/pool.ts (its Params, p,
// KIND and RELU_MASK). On CPU backends (SwiftShader) each storage access with a computed index is an
// emulated per-lane gather or scatter, so a quarter of the accesses is most of the cost; on GPUs the
// same bytes move in fewer, wider transactions.
//
// forward_vec4 (pool = 2, any stride): one invocation per 4 channels of an output pixel.
//   x4: (B, H, W, C/4) vec4, out4 = y: (B, OH, OW, C/4) vec4.
// backward_window_vec4 (pool = stride = 2): one invocation per 4 channels of a 2×2 cell, as
//   backward_window (the first maximum per channel, ties to the first, the fused ReLU mask).
//   x4, dy4: (B, OH, OW, C/4), out4 = dx: (B, H, W, C/4).
// The same bindings as pool.wgsl's x, out and dy, viewed as vectors (no entry point uses both views).

@group(0) @binding(0) var<storage, read> x4: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> out4: array<vec4f>;
@group(0) @binding(3) var<storage, read> dy4: array<vec4f>;

@compute @workgroup_size(WG)
fn forward_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let c4 = p.channels / 4u;
  if (i >= p.n_out / 4u) {
    return;
  }
  let c = i % c4;
  var t = i / c4;
  let ow = t % p.out_w;
  t /= p.out_w;
  let oh = t % p.out_h;
  let b = t / p.out_h;
  let i0 = ((b * p.height + oh * p.stride) * p.width + ow * p.stride) * c4 + c;
  let row = p.width * c4;
  let v0 = x4[i0];
  let v1 = x4[i0 + c4];
  let v2 = x4[i0 + row];
  let v3 = x4[i0 + row + c4];
  if (KIND == KIND_MAX) {
    out4[i] = max(max(v0, v1), max(v2, v3));
  } else {
    out4[i] = (((v0 + v1) + v2) + v3) / 4.0; // window_reduce's order, then forward's division
  }
}

// relu_masked for 4 channels.
fn relu_masked4(g: vec4f, xv: vec4f) -> vec4f {
  return select(g, select(vec4f(0.0), g, xv > vec4f(0.0)), RELU_MASK == 1u);
}

@compute @workgroup_size(WG)
fn backward_window_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let c4 = p.channels / 4u;
  if (i >= p.n_cells / 4u) {
    return;
  }
  let c = i % c4;
  var t = i / c4;
  let cw = t % p.cells_w;
  t /= p.cells_w;
  let ch = t % p.cells_h;
  let b = t / p.cells_h;
  let h0 = ch * 2u;
  let w0 = cw * 2u;
  let base = ((b * p.height + h0) * p.width + w0) * c4 + c;
  let i1 = base + c4;
  let i2 = base + p.width * c4;
  let i3 = i2 + c4;
  if ((ch < p.out_h) & (cw < p.out_w)) {
    let g = dy4[((b * p.out_h + ch) * p.out_w + cw) * c4 + c];
    if (KIND == KIND_MAX) {
      let v0 = x4[base];
      let v1 = x4[i1];
      let v2 = x4[i2];
      let v3 = x4[i3];
      // First maximum per channel: later elements win only when strictly greater.
      var best = v0;
      var arg = vec4u(0u);
      arg = select(arg, vec4u(1u), v1 > best);
      best = select(best, v1, v1 > best);
      arg = select(arg, vec4u(2u), v2 > best);
      best = select(best, v2, v2 > best);
      arg = select(arg, vec4u(3u), v3 > best);
      best = select(best, v3, v3 > best);
      let gm = relu_masked4(g, best);
      out4[base] = select(vec4f(0.0), gm, arg == vec4u(0u));
      out4[i1] = select(vec4f(0.0), gm, arg == vec4u(1u));
      out4[i2] = select(vec4f(0.0), gm, arg == vec4u(2u));
      out4[i3] = select(vec4f(0.0), gm, arg == vec4u(3u));
    } else {
      let v = g / 4.0;
      if (RELU_MASK == 1u) {
        out4[base] = relu_masked4(v, x4[base]);
        out4[i1] = relu_masked4(v, x4[i1]);
        out4[i2] = relu_masked4(v, x4[i2]);
        out4[i3] = relu_masked4(v, x4[i3]);
      } else {
        out4[base] = v;
        out4[i1] = v;
        out4[i2] = v;
        out4[i3] = v;
      }
    }
    return;
  }
  // A cell past the last window: in the dropped last row or column, clipped to the image.
  let in_w = w0 + 1u < p.width;
  let in_h = h0 + 1u < p.height;
  out4[base] = vec4f(0.0);
  if (in_w) {
    out4[i1] = vec4f(0.0);
  }
  if (in_h) {
    out4[i2] = vec4f(0.0);
  }
  if (in_w & in_h) {
    out4[i3] = vec4f(0.0);
  }
}
