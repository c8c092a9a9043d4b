// Inverted dropout. Each element keeps its value with probability 1 - rate, scaled by 1 / (1 - rate),
// so the expected activation is unchanged and evaluation needs no rescaling (dropout is simply off).
// The mask is never stored: keep(i) = rand_uniform(seed, step, i) >= rate is recomputed in the
// backward pass from the same (seed, step, index), so forward and backward use the same mask.
// rate = 0 keeps every element with scale 1: exactly the identity.
// Needs random.wgsl prepended.
//
// forward:  x: (n) → y: (n)         y = keep ? x / (1 - rate) : 0
// backward: dy: (n) → dx: (n)       dx = keep ? dy / (1 - rate) : 0
// bindings: 0 input (x or dy), 1 output (y or dx), 2 params (apply_vec4: the same, viewed as vec4)

override WG: u32 = 256;

struct Params {
  n: u32,
  seed: u32,
  step: u32,    // the training step: the random stream, so each step draws a fresh mask
  rate: f32,    // in [0, 1)
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

fn scaled(i: u32, v: f32) -> f32 {
  if (rand_uniform(p.seed, p.step, i) < p.rate) {
    return 0.0;
  }
  return v / (1.0 - p.rate);
}

// Forward and backward are the same map: multiply by the scaled mask.
@compute @workgroup_size(WG)
fn apply(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  dst[i] = scaled(i, src[i]);
}

// apply, 4 elements an invocation where n is a multiple of 4: vec4 loads and stores, and the (seed, step)
// key hashed once for the 4 draws (rand_key; 2 hashes a draw instead of 5). The same draws, so the same
// mask, as apply.
@group(0) @binding(0) var<storage, read> src4: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> dst4: array<vec4f>;

@compute @workgroup_size(WG)
fn apply_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n / 4u) {
    return;
  }
  let key = rand_key(p.seed, p.step);
  let k = 4u * i;
  let u = vec4f(rand_uniform_keyed(key, k), rand_uniform_keyed(key, k + 1u), rand_uniform_keyed(key, k + 2u), rand_uniform_keyed(key, k + 3u));
  dst4[i] = select(vec4f(0.0), src4[i] / (1.0 - p.rate), u >= vec4f(p.rate));
}
