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
// backward: x: (B, H, W, C), dy: (B, OH, OW, C) → dx: (B, H, W, C). Every dx element is written
//   exactly once (zeros included: the dropped trailing rows, the gaps between windows), no atomics.
//   max: a window sends dy to its FIRST maximum in row-major order, recomputed from x (strict >
//   comparison while scanning), so no argmax indices are stored; ties go to the first element.
//   avg: every window sends dy / (pool·pool) to each of its elements.
//   Two entry points:
//   backward_window (stride ≥ pool, non-overlapping windows: every model here): the image is tiled
//     by stride×stride cells, CH = ⌈H / stride⌉ by CW = ⌈W / stride⌉; cell (ch, cw) starts at
//     (ch·stride, cw·stride) and contains window (ch, cw) in its top-left corner when that window
//     exists (ch < OH, cw < OW). One invocation per cell and channel reads the window's pool² x and
//     its one dy once, and writes the whole cell, clipped to the image: the gradient into the window,
//     zeros into the gap (stride > pool) and into cells past the last window. That is
//     (pool² + 1) / stride² loads per dx element where the gather below needs up to
//     ⌈pool/stride⌉²·(pool² + 1): on CPU backends (SwiftShader) every load with a computed index is
//     an emulated gather, so load count is the cost; on GPUs it removes redundant traffic.
//   backward (any stride, needed for stride < pool): gather formulation, one invocation per dx
//     element loops over the (at most ⌈pool/stride⌉²) windows that contain it and adds the gradient
//     each of them sends to it.
//
//   RELU_MASK = 1 fuses the backward of a ReLU that produced x (a conv2d layer's activation): dx is
//   also multiplied by [x > 0], which is ReLU's derivative since x = max(z, 0) > 0 exactly where z > 0.
//   For max pooling that is one test of the window's maximum.
//
// bindings: 0 x, 1 out (y forward, dx backward), 2 params, 3 dy (backward only)
// overrides: WG (workgroup size), KIND (0 = max, 1 = avg), POOL2 (1: pool = 2, and stride = 2 for
//   backward_window; selects straight-line code, since loops with runtime bounds are costly on CPU
//   backends; 0: the general loops).
// Boolean conditions use `&` and select() rather than `&&`/`||`, which compile to branches.

override WG: u32 = 256;
override KIND: u32 = 0;
override POOL2: u32 = 0;
override RELU_MASK: u32 = 0;

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
  cells_h: u32, // ⌈H / stride⌉ (backward_window)
  cells_w: u32, // ⌈W / stride⌉
  n_cells: u32, // B·CH·CW·C
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
  let i0 = x_index(h0, w0, c);
  if (POOL2 == 1u) {
    let row = p.width * p.channels;
    let v0 = x[i0];
    let v1 = x[i0 + p.channels];
    let v2 = x[i0 + row];
    let v3 = x[i0 + row + p.channels];
    if (KIND == KIND_MAX) {
      return max(max(v0, v1), max(v2, v3));
    }
    return ((v0 + v1) + v2) + v3; // the loop's order: same results as the general path
  }
  var acc = 0.0;
  if (KIND == KIND_MAX) {
    acc = x[i0];
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

// g, or 0 where the fused ReLU's output xv is not positive (RELU_MASK).
fn relu_masked(g: f32, xv: f32) -> f32 {
  return select(g, select(0.0, g, xv > 0.0), RELU_MASK == 1u);
}

@compute @workgroup_size(WG)
fn backward_window(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n_cells) {
    return;
  }
  let c = i % p.channels;
  var t = i / p.channels;
  let cw = t % p.cells_w;
  t /= p.cells_w;
  let ch = t % p.cells_h;
  let b = t / p.cells_h;
  let h0 = ch * p.stride;
  let w0 = cw * p.stride;
  let base = ((b * p.height + h0) * p.width + w0) * p.channels + c;
  let row = p.width * p.channels;
  let has_window = (ch < p.out_h) & (cw < p.out_w);
  let o = ((b * p.out_h + ch) * p.out_w + cw) * p.channels + c;

  if (POOL2 == 1u) {
    // pool = stride = 2: a cell past the last window lies in the dropped last row or column and
    // may stick out of the image by one pixel; a window cell is exactly its window.
    let i1 = base + p.channels;
    let i2 = base + row;
    let i3 = i2 + p.channels;
    if (has_window) {
      var g = dy[o];
      if (KIND == KIND_MAX) {
        let v0 = x[base];
        let v1 = x[i1];
        let v2 = x[i2];
        let v3 = x[i3];
        // First maximum: later elements win only when strictly greater.
        var best = v0;
        var arg = 0u;
        arg = select(arg, 1u, v1 > best);
        best = select(best, v1, v1 > best);
        arg = select(arg, 2u, v2 > best);
        best = select(best, v2, v2 > best);
        arg = select(arg, 3u, v3 > best);
        best = select(best, v3, v3 > best);
        g = relu_masked(g, best);
        out[base] = select(0.0, g, arg == 0u);
        out[i1] = select(0.0, g, arg == 1u);
        out[i2] = select(0.0, g, arg == 2u);
        out[i3] = select(0.0, g, arg == 3u);
      } else {
        let v = g / 4.0;
        if (RELU_MASK == 1u) {
          out[base] = relu_masked(v, x[base]);
          out[i1] = relu_masked(v, x[i1]);
          out[i2] = relu_masked(v, x[i2]);
          out[i3] = relu_masked(v, x[i3]);
        } else {
          out[base] = v;
          out[i1] = v;
          out[i2] = v;
          out[i3] = v;
        }
      }
    } else {
      let in_w = w0 + 1u < p.width;
      let in_h = h0 + 1u < p.height;
      out[base] = 0.0;
      if (in_w) {
        out[i1] = 0.0;
      }
      if (in_h) {
        out[i2] = 0.0;
      }
      if (in_w & in_h) {
        out[i3] = 0.0;
      }
    }
    return;
  }

  // General stride ≥ pool. Single loops with wrapping (ky, kx) counters: nested loops cost more.
  var g = 0.0;
  var arg = 0u;
  if (has_window) {
    g = dy[o];
    if (KIND == KIND_MAX) {
      var best = x[base];
      var ky = 0u;
      var kx = 1u;
      let n = p.pool * p.pool;
      for (var k = 1u; k < n; k++) {
        let wrap = kx == p.pool;
        ky += select(0u, 1u, wrap);
        kx = select(kx, 0u, wrap);
        let v = x[base + ky * row + kx * p.channels];
        arg = select(arg, k, v > best);
        best = select(best, v, v > best);
        kx++;
      }
      g = relu_masked(g, best);
    } else {
      g /= f32(p.pool * p.pool);
    }
  }
  // The cell clipped to the image: every write is in bounds.
  let rows = min(p.stride, p.height - h0);
  let cols = min(p.stride, p.width - w0);
  let n = rows * cols;
  var ky = 0u;
  var kx = 0u;
  for (var k = 0u; k < n; k++) {
    let in_window = has_window & (ky < p.pool) & (kx < p.pool);
    var hit = in_window;
    if (KIND == KIND_MAX) {
      hit = in_window & (ky * p.pool + kx == arg);
    }
    let idx = base + ky * row + kx * p.channels;
    var v = select(0.0, g, hit);
    if ((KIND != KIND_MAX) & (RELU_MASK == 1u)) {
      v = relu_masked(v, x[idx]);
    }
    out[idx] = v;
    kx++;
    let wrap = kx == cols;
    ky += select(0u, 1u, wrap);
    kx = select(kx, 0u, wrap);
  }
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
  out[i] = relu_masked(acc, x[i]);
}
