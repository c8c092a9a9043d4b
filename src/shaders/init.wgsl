// Weight initialisation from the counter-based generator (random.wgsl, prepended), so the CPU
// (randUniform in src/engine/random.ts) reproduces any initial weight exactly and a seed reproduces
// a whole model. The stream tells parameter tensors apart; the index is the element's position in
// the bound range, so a tensor draws the same values wherever it sits in the flat parameter buffer.
//
//   uniform (He / Glorot):  w[i] = (2·rand_uniform(seed, stream, i) - 1) · limit
//   zeros:                  w[i] = 0
//   ones:                   w[i] = 1   (batch normalization's gamma and moving variance)
// 2u - 1 is exact in f32 (24-bit u), so w[i] is the product rounded once: the same value whether or
// not the compiler fuses it into an fma. The limit (√(6/fan_in), √(6/(fan_in + fan_out))) is computed
// on the CPU in float64.
//
// w: (n) written;  bindings: 0 w, 1 params
// fill: writes w[0..n).

override WG: u32 = 256;
// 0 uniform in [-limit, limit), 1 zeros, 2 ones (validated by the TS module).
override KIND: u32;

const ZEROS: u32 = 1u;
const ONES: u32 = 2u;

struct Params {
  n: u32,
  seed: u32,
  stream: u32,
  limit: f32,
}

@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  if (KIND == ZEROS) {
    w[i] = 0.0;
  } else if (KIND == ONES) {
    w[i] = 1.0;
  } else {
    w[i] = (2.0 * rand_uniform(p.seed, p.stream, i) - 1.0) * p.limit;
  }
}
