// Inverted dropout. Each element keeps its value with probability 1 - rate, scaled by 1 / (1 - rate),
// so the expected activation is unchanged and evaluation needs no rescaling (dropout is simply off).
// The mask is never stored: keep(i) = rand_uniform(seed, step, i) >= rate is recomputed in the
// backward pass from the same (seed, step, index), so forward and backward use the same mask.
// rate = 0 keeps every element with scale 1: exactly the identity.
// Needs random.wgsl prepended.
//
// forward:  x: (n) → y: (n)         y = keep ? x / (1 - rate) : 0
// backward: dy: (n) → dx: (n)       dx = keep ? dy / (1 - rate) : 0
// bindings: 0 input (x or dy), 1 output (y or dx), 2 params

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
