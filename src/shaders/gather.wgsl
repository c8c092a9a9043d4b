// Batch gather: assembles one training/evaluation batch from the data set kept on the GPU as bytes.
// Row r of the batch is sample s = order[start + r]; its pixels become x[r, i] = (byte / 255 − mean) / std
// and its label y[r]. Positions start + r ≥ count (past the end of the epoch's order) are padding rows:
// x row = 0, y = PADDING (0xFFFFFFFF), which the loss ignores. An order entry naming a sample beyond the
// image or label buffers is also treated as padding, so a bad order cannot read out of bounds.
// Byte k of a packed buffer is (words[k >> 2] >> ((k & 3) * 8)) & 0xFF (little-endian, 4 bytes per u32).
//
// images: (N · S) bytes, packed   labels: (N) bytes, packed   order: (count) u32 sample indices
// x: (B, S) f32                    y: (B) u32                    S = pixels per image, any size ≥ 1
// bindings: 0 images, 1 labels, 2 order, 3 x, 4 y, 5 params
//
// gather: one thread per output element e = r · S + i over the flattened (B, S) output, so the threads of
// a workgroup read consecutive bytes (4 threads per word, a warp covers consecutive words) of the same
// row and write consecutive floats; rows need not start on a word boundary. The thread with i = 0 also
// writes y[r]. The grid may be folded into y (grid1d).

override WG: u32 = 256;

const PADDING: u32 = 0xffffffffu;

struct Params {
  batch: u32,
  count: u32,        // positions in order: the length of the epoch
  image_size: u32,   // S
  start: u32,        // position of row 0 in order
  mean: f32,
  stddev: f32,       // > 0
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
  let k = s * p.image_size + i;
  let pixel = (images[k >> 2u] >> ((k & 3u) * 8u)) & 0xffu;
  x[e] = (f32(pixel) / 255.0 - p.mean) / p.stddev;
  if (i == 0u) {
    y[r] = (labels[s >> 2u] >> ((s & 3u) * 8u)) & 0xffu;
  }
}
