// Counter-based random numbers: rand_u32(seed, stream, index) is a pure function of its three inputs,
// so any invocation can draw its own number without state, and the CPU can reproduce it exactly.
// Each step is lowbias32 (Chris Wellons' 32-bit integer hash), chained over seed, stream and index.
// src/engine/random.ts is the bit-identical TypeScript twin; change both together.
// Streams in use: dropout and augmentation = training step; init = parameter tensor id; shuffle = epoch (CPU only).

fn mix32(x: u32) -> u32 {
  var h = x;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}

fn rand_u32(seed: u32, stream: u32, index: u32) -> u32 {
  return rand_u32_keyed(rand_key(seed, stream), index);
}

// rand_u32 in two parts, for a caller that draws several indices of one (seed, stream): rand_key once,
// then rand_u32_keyed per index (2 hashes instead of 5).
fn rand_key(seed: u32, stream: u32) -> u32 {
  let key = mix32(seed ^ 0x9e3779b9u);
  return mix32(key ^ mix32(stream + 0x632be5abu));
}

fn rand_u32_keyed(key: u32, index: u32) -> u32 {
  return mix32(mix32(key ^ index) + 0x85ebca6bu);
}

fn rand_uniform_keyed(key: u32, index: u32) -> f32 {
  return f32(rand_u32_keyed(key, index) >> 8u) * (1.0 / 16777216.0);
}

// Uniform in [0, 1) with 24 bits: exactly representable in f32, so TS and WGSL agree bit for bit.
fn rand_uniform(seed: u32, stream: u32, index: u32) -> f32 {
  return f32(rand_u32(seed, stream, index) >> 8u) * (1.0 / 16777216.0);
}
