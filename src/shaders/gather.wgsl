// Batch gather: assembles one training/evaluation batch from the data set kept on the GPU as bytes.
// Row r of the batch is sample s = order[start + r]; its pixels become x[r, i] = (byte / 255 − mean) / std
// and its label y[r]. Positions start + r ≥ count (past the end of the epoch's order) are padding rows:
// x row = 0, y = PADDING (0xFFFFFFFF), which the loss ignores. An order entry naming a sample beyond the
// image or label buffers is also treated as padding, so a bad order cannot read out of bounds.
// Byte k of a packed buffer is (words[k >> 2] >> ((k & 3) * 8)) & 0xFF (little-endian, 4 bytes per u32).
//
// Augmentation (AUGMENT = true; the training gather only): each row draws its own transform from the
// counter-based generator (random.wgsl, prepended) at (seed, step, 4r + j): shift tx, ty (pixels), angle
// θ (radians) and scale factor k, each uniform in [lo, lo + span). Output pixel (u, v) (column, row; pixel
// centres at integers, centre c = ((W − 1)/2, (H − 1)/2)) reads the source point
//   src = c + k · R(−θ) · ((u, v) − c − (tx, ty)),   R(−θ) = [[cos θ, sin θ], [−sin θ, cos θ]],
// the inverse of "rotate by θ about the centre, scale by 1/k, then shift by (tx, ty)": k > 1 zooms out, as
// Keras's RandomZoom factor does. The value is bilinear between the four pixels around src, a pixel
// outside the image reading 0 (Keras's fill_mode='constant', MNIST's black background); then the same
// normalisation. lo = span = 0 everywhere (θ = 0, k = 1) is exactly the copy; so is an integer shift.
// AUGMENT = false is the plain copy above: the evaluation gathers and unaugmented training never run it.
//
// images: (N · S) bytes, packed   labels: (N) bytes, packed   order: (count) u32 sample indices
// x: (B, S) f32                    y: (B) u32                    S = pixels per image, any size ≥ 1
// (augmenting: S = W · H, row-major)
// bindings: 0 images, 1 labels, 2 order, 3 x, 4 y, 5 params
//
// gather: one thread per output element e = r · S + i over the flattened (B, S) output, so the threads of
// a workgroup read consecutive bytes (4 threads per word, a warp covers consecutive words) of the same
// row and write consecutive floats; rows need not start on a word boundary. The thread with i = 0 also
// writes y[r]. The grid may be folded into y (grid1d). Augmenting, each thread redraws its row's four
// numbers (11 integer hashes: rand_key once, then 2 per draw), cheaper than a second pass or shared
// memory across row boundaries.

override WG: u32 = 256;
override AUGMENT: bool = false;

const PADDING: u32 = 0xffffffffu;

struct Params {
  batch: u32,
  count: u32,        // positions in order: the length of the epoch
  image_size: u32,   // S
  start: u32,        // position of row 0 in order
  mean: f32,
  stddev: f32,       // > 0
  // augmentation only
  width: u32,        // W
  height: u32,       // H
  seed: u32,
  step: u32,         // the training step: the random stream, so each step draws fresh transforms
  shift_x_lo: f32,   // pixels
  shift_x_span: f32,
  shift_y_lo: f32,
  shift_y_span: f32,
  angle_lo: f32,     // radians, |θ| ≤ π/4
  angle_span: f32,
  zoom_lo: f32,      // k > 0
  zoom_span: f32,
}

@group(0) @binding(0) var<storage, read> images: array<u32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;
@group(0) @binding(5) var<uniform> p: Params;

// The sample of batch row r, or PADDING. Written to avoid u32 overflow of start + r.
fn sample_of(r: u32) -> u32 {
  if (p.start >= p.count || r >= p.count - p.start) {
    return PADDING;
  }
  let s = order[p.start + r];
  if (s >= arrayLength(&images) * 4u / p.image_size || s >= arrayLength(&labels) * 4u) {
    return PADDING;
  }
  return s;
}

// The label byte of sample s.
fn label_of(s: u32) -> u32 {
  return (labels[s >> 2u] >> ((s & 3u) * 8u)) & 0xffu;
}

fn image_byte(k: u32) -> f32 {
  return f32((images[k >> 2u] >> ((k & 3u) * 8u)) & 0xffu);
}

// Pixel (col, row) of sample s, 0 outside the image.
fn pixel_or_zero(s: u32, col: f32, row: f32) -> f32 {
  if (col < 0.0 || row < 0.0 || col > f32(p.width - 1u) || row > f32(p.height - 1u)) {
    return 0.0;
  }
  return image_byte(s * p.image_size + u32(row) * p.width + u32(col));
}

// sin and cos by their Taylor series to θ^9 and θ^10: error < 1e-8 for |θ| ≤ π/4, on every device (WGSL
// only promises 2^-11 absolute for sin and cos, which would move a corner pixel by ~0.01), and exactly
// (0, 1) at θ = 0.
fn sin_cos(t: f32) -> vec2f {
  let t2 = t * t;
  let s = t * (1.0 - t2 / 6.0 * (1.0 - t2 / 20.0 * (1.0 - t2 / 42.0 * (1.0 - t2 / 72.0))));
  let c = 1.0 - t2 / 2.0 * (1.0 - t2 / 12.0 * (1.0 - t2 / 30.0 * (1.0 - t2 / 56.0 * (1.0 - t2 / 90.0))));
  return vec2f(s, c);
}

// The augmented byte value (0..255, bilinear) of output pixel i of row r, sample s.
fn augmented(s: u32, r: u32, i: u32) -> f32 {
  let key = rand_key(p.seed, p.step);
  let tx = p.shift_x_lo + p.shift_x_span * rand_uniform_keyed(key, 4u * r);
  let ty = p.shift_y_lo + p.shift_y_span * rand_uniform_keyed(key, 4u * r + 1u);
  let sc = sin_cos(p.angle_lo + p.angle_span * rand_uniform_keyed(key, 4u * r + 2u));
  let k = p.zoom_lo + p.zoom_span * rand_uniform_keyed(key, 4u * r + 3u);
  let row = i / p.width;
  let cx = f32(p.width - 1u) * 0.5;
  let cy = f32(p.height - 1u) * 0.5;
  let dx = f32(i - row * p.width) - cx - tx;
  let dy = f32(row) - cy - ty;
  let sx = cx + k * (sc.y * dx + sc.x * dy);
  let sy = cy + k * (sc.y * dy - sc.x * dx);
  let x0 = floor(sx);
  let y0 = floor(sy);
  let fx = sx - x0;
  let fy = sy - y0;
  let top = (1.0 - fx) * pixel_or_zero(s, x0, y0) + fx * pixel_or_zero(s, x0 + 1.0, y0);
  let bottom = (1.0 - fx) * pixel_or_zero(s, x0, y0 + 1.0) + fx * pixel_or_zero(s, x0 + 1.0, y0 + 1.0);
  return (1.0 - fy) * top + fy * bottom;
}

@compute @workgroup_size(WG)
fn gather(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = gid.x + gid.y * nwg.x * WG;
  if (e >= p.batch * p.image_size) {
    return;
  }
  let r = e / p.image_size;
  let i = e - r * p.image_size;
  let s = sample_of(r);
  if (s == PADDING) {
    x[e] = 0.0;
    if (i == 0u) {
      y[r] = PADDING;
    }
    return;
  }
  var value: f32;
  if (AUGMENT) {
    value = augmented(s, r, i);
  } else {
    value = image_byte(s * p.image_size + i);
  }
  x[e] = (value / 255.0 - p.mean) / p.stddev;
  if (i == 0u) {
    y[r] = label_of(s);
  }
}

// gather_vec4 (the plain copy where S is a multiple of 4): one thread per 4 pixels, so each thread
// reads one whole word of 4 bytes (4q .. 4q+3 of a row start on a word boundary when S is a multiple of 4)
// and writes one vec4: a quarter of the loads and stores, which on CPU backends (SwiftShader: every
// access with a computed index is a per-lane gather or scatter) is most of the cost. Bit-identical to
// gather: the same arithmetic per pixel. x4 is x viewed as vectors (no entry point uses both views).
// x4: (B, S/4) vec4
@group(0) @binding(3) var<storage, read_write> x4: array<vec4f>;

@compute @workgroup_size(WG)
fn gather_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = gid.x + gid.y * nwg.x * WG;
  let s4 = p.image_size / 4u;
  if (e >= p.batch * s4) {
    return;
  }
  let r = e / s4;
  let q = e - r * s4;
  let s = sample_of(r);
  if (s == PADDING) {
    x4[e] = vec4f(0.0);
    if (q == 0u) {
      y[r] = PADDING;
    }
    return;
  }
  let w = images[s * s4 + q];
  let value = vec4f((vec4u(w) >> vec4u(0u, 8u, 16u, 24u)) & vec4u(0xffu));
  x4[e] = (value / 255.0 - p.mean) / p.stddev;
  if (q == 0u) {
    y[r] = label_of(s);
  }
}
