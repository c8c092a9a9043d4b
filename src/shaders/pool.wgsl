// 2-D max and average pooling over NHWC tensors, padding 'valid' (Keras): windows of pool×pool
// pixels every `stride` pixels; trailing rows/columns that do not fill a window are dropped.
// Windows may overlap (stride < pool).
//
// forward:  x: (B, H, W, C) → y: (B, OH, OW, C),  OH = (H - pool) / stride + 1, OW likewise
//   One invocation per output element. C is the fastest index, so neighbouring invocations read
//   neighbouring floats: every load of a window row is coalesced. Workgroup-memory tiling does not
//   pay here: with stride = pool (the usual case) each input element is read exactly once, and the
//   overlap of stride < pool windows is served by the cache.
//   max: the largest element; avg: the mean of the pool·pool elements (every window is full).
//
// backward: x: (B, H, W, C), dy: (B, OH, OW, C) → dx: (B, H, W, C)
//   Gather formulation: one invocation per dx element loops over the (at most ⌈pool/stride⌉²)
//   windows that contain it and adds the gradient each of them sends to it. No atomics even for
//   overlapping windows, and every dx element is written exactly once (zeros included, e.g. the
//   dropped trailing rows).
//   max: a window sends dy to its FIRST maximum in row-major order, recomputed from x (strict >
//   comparison while scanning), so no argmax indices are stored; ties go to the first element.
//   avg: every window sends dy / (pool·pool) to each of its elements.
//
// bindings: 0 x, 1 out (y forward, dx backward), 2 params, 3 dy (backward only)
// overrides: WG (workgroup size), KIND (0 = max, 1 = avg)

override WG: u32 = 256;
override KIND: u32 = 0;

const KIND_MAX: u32 = 0u;

struct Params {
  batch: u32,
  height: u32,
  width: u32,
  channels: u32,
  out_h: u32,
  out_w: u32,
  pool: u32,
  stride: u32,
  n_out: u32,   // B·OH·OW·C
  n_in: u32,    // B·H·W·C
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@group(0) @binding(3) var<storage, read> dy: array<f32>;

// Index of x at (b, h, w, c) given the flattened (b·H + h) row.
fn x_index(bh: u32, w: u32, c: u32) -> u32 {
  return (bh * p.width + w) * p.channels + c;
}

// Window (oh, ow) of image b, channel c: its max, or its sum.
fn window_reduce(b: u32, oh: u32, ow: u32, c: u32) -> f32 {
  let h0 = b * p.height + oh * p.stride;
  let w0 = ow * p.stride;
  var acc = 0.0;
  if (KIND == KIND_MAX) {
    acc = x[x_index(h0, w0, c)];
  }
  for (var ky = 0u; ky < p.pool; ky++) {
    for (var kx = 0u; kx < p.pool; kx++) {
      let v = x[x_index(h0 + ky, w0 + kx, c)];
      if (KIND == KIND_MAX) {
        acc = max(acc, v);
      } else {
        acc += v;
      }
    }
  }
  return acc;
}

// Position (ky·pool + kx) of the first maximum of window (oh, ow) in row-major order.
fn window_argmax(b: u32, oh: u32, ow: u32, c: u32) -> u32 {
  let h0 = b * p.height + oh * p.stride;
  let w0 = ow * p.stride;
  var best = x[x_index(h0, w0, c)];
  var arg = 0u;
  for (var ky = 0u; ky < p.pool; ky++) {
    for (var kx = 0u; kx < p.pool; kx++) {
      let v = x[x_index(h0 + ky, w0 + kx, c)];
      if (v > best) {
        best = v;
        arg = ky * p.pool + kx;
      }
    }
  }
  return arg;
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n_out) {
    return;
  }
  let c = i % p.channels;
  var t = i / p.channels;
  let ow = t % p.out_w;
  t /= p.out_w;
  let oh = t % p.out_h;
  let b = t / p.out_h;
  var v = window_reduce(b, oh, ow, c);
  if (KIND != KIND_MAX) {
    v /= f32(p.pool * p.pool);
  }
  out[i] = v;
}

// First window index o (along one axis) whose span [o·stride, o·stride + pool) contains pixel h.
fn first_window(h: u32) -> u32 {
  if (h < p.pool) {
    return 0u;
  }
  return (h - p.pool) / p.stride + 1u;
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n_in) {
    return;
  }
  let c = i % p.channels;
  var t = i / p.channels;
  let w = t % p.width;
  t /= p.width;
  let h = t % p.height;
  let b = t / p.height;
  // Windows containing (h, w): o·stride ≤ h < o·stride + pool, clipped to the output grid. Pixels in
  // the dropped trailing rows/columns get an empty range and a zero gradient.
  let oh_end = min(h / p.stride + 1u, p.out_h);
  let ow_end = min(w / p.stride + 1u, p.out_w);
  var acc = 0.0;
  for (var oh = first_window(h); oh < oh_end; oh++) {
    for (var ow = first_window(w); ow < ow_end; ow++) {
      let g = dy[((b * p.out_h + oh) * p.out_w + ow) * p.channels + c];
      if (KIND == KIND_MAX) {
        if (window_argmax(b, oh, ow, c) == (h - oh * p.stride) * p.pool + (w - ow * p.stride)) {
          acc += g;
        }
      } else {
        acc += g;
      }
    }
  }
  if (KIND != KIND_MAX) {
    acc /= f32(p.pool * p.pool);
  }
  out[i] = acc;
}
