// conv2d ('valid', stride 1) + ReLU + 2×2 max pooling (stride 2) in one op, for a model's first conv layer
// with few input channels (the MNIST convnet's conv2d_1 → maxPool2d_1). Such a conv does little arithmetic
// per output (KH·KW·CIN multiply-adds, 9 for MNIST's) and is bound by its output's traffic: unfused, the
// conv writes (B, OH, OW, COUT) floats, the pooling reads them back, its backward writes their gradient
// (mostly zeros) and the conv's backward_weight reads it. Fused, only the pooled output crosses memory.
//
// forward: x: (B, H, W, CIN), w: (KH, KW, CIN, COUT), bias: (COUT)
//          → y: (B, PH, PW, COUT), code: (B, PH, PW, COUT/4) u32 (forward_store: and conv: (1, OH, OW, COUT))
//   OH = H − KH + 1, PH = ⌊OH / 2⌋ (a trailing odd row/column of the conv output is dropped, as Keras's
//   pooling drops it; width likewise). One invocation per pooled position and 8 output channels (two
//   vec4 quads: each x load serves 8 channels): the four conv outputs of its window (bias + Σ x·w over the
//   taps, in one flat loop), their ReLU, and their maximum: the FIRST maximum in row-major order (strict >,
//   as pool.wgsl), whose window index (0..3: row·2 + column) goes into byte k of `code` for channel
//   4q + k. The backward reads the code instead of recomputing the conv. forward_store also stores image
//   0's four ReLU outputs, into (1, OH, OW, COUT), and forward_edges its outputs the pooling drops: only the
//   inspection's forward ("Inside the model", one image) runs them, to show the whole feature map;
//   training never reads it.
//
// backward_weight: x, dy: (B, PH, PW, COUT), y, code → partials: (S, KH·KW·CIN + 1, COUT)
//   The gradient reaching the conv output is dy at the window's maximum, times ReLU's derivative [y > 0]
//   (y is that maximum), and zero elsewhere. So with g = dy·[y > 0], dw[tap, co] = Σ over pooled positions
//   of g[co]·x[window corner + offset of co's maximum + tap], and db[co] = Σ g[co]. The flat taps and the
//   bias (a tap whose input is 1) are taken 5 at a time: one invocation per (split s, 5 taps, 8 channels)
//   sums a contiguous range of `chunk` pooled positions, loading each position's g and codes once for its
//   five taps, and writes its rows of split s's slice. Each channel picks its x among the window's four
//   with select(), keeping the 4 channels of a quad in one vec4 though their maxima sit at different offsets.
// reduce: partials → dw: (KH·KW·CIN, COUT), and in a second dispatch db: (COUT); one invocation per element,
//   the S slices summed in a fixed order (slice s into sum s mod 8, the tail into sum 0, the eight sums
//   pairwise), so the gradient is the same every run.
// SwiftShader keeps loops as loops and a loop-indexed array in memory, so the kernels use one flat loop
// and named accumulators, never an array of them.
//
// bindings: forward 0 x, 1 w4, 2 bias4, 3 y4, 4 code, 5 params (forward_store, forward_edges: and 6 conv4);
//   backward_weight 0 x, 1 dy4, 2 pooled4 (y), 3 code, 4 partials4, 5 params;
//   reduce 0 partials, 1 sums (dw or db), 2 its params
// overrides: WG (workgroup size), KH, KW, CIN.

override WG: u32 = 64;
override KH: u32 = 3;
override KW: u32 = 3;
override CIN: u32 = 1;

struct Params {
  height: u32,   // H
  width: u32,    // W
  out_h: u32,    // OH
  out_w: u32,    // OW
  pool_h: u32,   // PH
  pool_w: u32,   // PW
  cout4: u32,    // COUT / 4
  n_pos: u32,    // B·PH·PW
  splits: u32,   // S (backward_weight)
  chunk: u32,    // pooled positions per split
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w4: array<vec4f>;
@group(0) @binding(2) var<storage, read> bias4: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> y4: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> code: array<u32>;
@group(0) @binding(5) var<uniform> p: Params;
@group(0) @binding(6) var<storage, read_write> conv4: array<vec4f>;

// Pooled position `pos` = (b, ph, pw): the index in x of its window's top-left input pixel, channel 0.
fn window_corner(pos: u32) -> u32 {
  let pw = pos % p.pool_w;
  let bph = pos / p.pool_w; // b·PH + ph
  let b = bph / p.pool_h;
  let ph = bph - b * p.pool_h;
  return ((b * p.height + 2u * ph) * p.width + 2u * pw) * CIN;
}

// The four conv outputs of pooled position `pos`'s window for channel quads q and q + 1, after the ReLU.
// Two quads an invocation: each x load serves 8 channels. Written out, not as an array over the quads:
// SwiftShader keeps a loop-indexed array in memory.
struct Window {
  a00: vec4f, // quad q, window row 0, column 0
  a01: vec4f,
  a10: vec4f,
  a11: vec4f,
  b00: vec4f, // quad q + 1
  b01: vec4f,
  b10: vec4f,
  b11: vec4f,
}

fn window_outputs(pos: u32, q: u32) -> Window {
  let row = p.width * CIN;
  let corner = window_corner(pos);
  var a00 = bias4[q];
  var a01 = a00;
  var a10 = a00;
  var a11 = a00;
  var b00 = bias4[q + 1u];
  var b01 = b00;
  var b10 = b00;
  var b11 = b00;
  // One flat loop over (ky, kx, ci), Keras's kernel order: x's offset from the corner advances by 1 and
  // jumps to the next input row after each kernel row; w's row by COUT/4 quads. (A loop per level costs
  // more on SwiftShader than a tap does.)
  var o = corner;
  var wi = q;
  var c = 0u;
  var kx = 0u;
  for (var t = 0u; t < KH * KW * CIN; t++) {
    let x00 = x[o];
    let x01 = x[o + CIN];
    let x10 = x[o + row];
    let x11 = x[o + row + CIN];
    let wa = w4[wi];
    let wb = w4[wi + 1u];
    a00 += x00 * wa;
    a01 += x01 * wa;
    a10 += x10 * wa;
    a11 += x11 * wa;
    b00 += x00 * wb;
    b01 += x01 * wb;
    b10 += x10 * wb;
    b11 += x11 * wb;
    o += 1u;
    wi += p.cout4;
    c += 1u;
    let wrap_c = c == CIN;
    c = select(c, 0u, wrap_c);
    kx += select(0u, 1u, wrap_c);
    let wrap_x = kx == KW;
    kx = select(kx, 0u, wrap_x);
    o += select(0u, row - KW * CIN, wrap_x);
  }
  let z = vec4f(0.0);
  return Window(max(a00, z), max(a01, z), max(a10, z), max(a11, z), max(b00, z), max(b01, z), max(b10, z), max(b11, z));
}

// Writes quad q's window maximum (y index i) and where it is: the first in row-major order, a later
// element winning only when strictly greater. a00..a11: the window's outputs in row-major order.
fn store_pooled(i: u32, a00: vec4f, a01: vec4f, a10: vec4f, a11: vec4f) {
  var best = a00;
  var at = vec4u(0u);
  let g01 = a01 > best;
  best = select(best, a01, g01);
  at = select(at, vec4u(1u), g01);
  let g10 = a10 > best;
  best = select(best, a10, g10);
  at = select(at, vec4u(2u), g10);
  let g11 = a11 > best;
  best = select(best, a11, g11);
  at = select(at, vec4u(3u), g11);
  y4[i] = best;
  code[i] = at.x | (at.y << 8u) | (at.z << 16u) | (at.w << 24u);
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (2u * i >= p.n_pos * p.cout4) { return; }
  let a = window_outputs(2u * i / p.cout4, 2u * i % p.cout4);
  store_pooled(2u * i, a.a00, a.a01, a.a10, a.a11);
  store_pooled(2u * i + 1u, a.b00, a.b01, a.b10, a.b11);
}

// forward, also storing image 0's windows' ReLU outputs into conv: the inspection's forward, which shows
// one image (the pooled output of the others is still written: the layers after read it).
@compute @workgroup_size(WG)
fn forward_store(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (2u * i >= p.n_pos * p.cout4) { return; }
  let pos = 2u * i / p.cout4;
  let q = 2u * i % p.cout4;
  let a = window_outputs(pos, q);
  store_pooled(2u * i, a.a00, a.a01, a.a10, a.a11);
  store_pooled(2u * i + 1u, a.b00, a.b01, a.b10, a.b11);
  if (pos >= p.pool_h * p.pool_w) { return; }
  let ph = pos / p.pool_w;
  let pw = pos - ph * p.pool_w;
  let c00 = (2u * ph * p.out_w + 2u * pw) * p.cout4 + q;
  let c10 = c00 + p.out_w * p.cout4;
  conv4[c00] = a.a00;
  conv4[c00 + 1u] = a.b00;
  conv4[c00 + p.cout4] = a.a01;
  conv4[c00 + p.cout4 + 1u] = a.b01;
  conv4[c10] = a.a10;
  conv4[c10 + 1u] = a.b10;
  conv4[c10 + p.cout4] = a.a11;
  conv4[c10 + p.cout4 + 1u] = a.b11;
}

// Image 0's outputs that the pooling drops (an odd OH's last row, an odd OW's last column), for the
// inspection: one invocation per dropped position and 4 channels, so it shows the whole map.
fn conv_at(oy: u32, ox: u32, q: u32) -> vec4f {
  var a = bias4[q];
  let corner = (oy * p.width + ox) * CIN;
  for (var ky = 0u; ky < KH; ky++) {
    for (var kx = 0u; kx < KW; kx++) {
      for (var ci = 0u; ci < CIN; ci++) {
        a += x[corner + (ky * p.width + kx) * CIN + ci] * w4[((ky * KW + kx) * CIN + ci) * p.cout4 + q];
      }
    }
  }
  return max(a, vec4f(0.0));
}

@compute @workgroup_size(WG)
fn forward_edges(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // The last row when OH is odd (OW positions), then the last column when OW is odd (the rows above).
  let i = gid.x + gid.y * nwg.x * WG;
  let odd_h = p.out_h & 1u;
  let odd_w = p.out_w & 1u;
  let dropped = odd_h * p.out_w + odd_w * (p.out_h - odd_h);
  if (i >= dropped * p.cout4) { return; }
  let q = i % p.cout4;
  let k = i / p.cout4;
  let in_row = k < odd_h * p.out_w;
  let oy = select(k - odd_h * p.out_w, p.out_h - 1u, in_row);
  let ox = select(p.out_w - 1u, k, in_row);
  conv4[(oy * p.out_w + ox) * p.cout4 + q] = conv_at(oy, ox, q);
}

@group(0) @binding(1) var<storage, read> dy4: array<vec4f>;
@group(0) @binding(2) var<storage, read> pooled4: array<vec4f>;
@group(0) @binding(3) var<storage, read> code_in: array<u32>;
@group(0) @binding(4) var<storage, read_write> partials4: array<vec4f>;

// g for a quad of channels at pooled index j: dy where the window's maximum passed the ReLU, else 0.
fn pooled_grad(j: u32) -> vec4f { return select(vec4f(0.0), dy4[j], pooled4[j] > vec4f(0.0)); }

// The window offset (0..3) of each of the quad's maxima, unpacked from its code word.
fn offsets(c: u32) -> vec4u { return vec4u(c & 0xffu, (c >> 8u) & 0xffu, (c >> 16u) & 0xffu, c >> 24u); }

// xs: x at one tap for window offsets 0..3; each channel of g takes the one at its maximum.
fn routed(g: vec4f, at: vec4u, xs: vec4f) -> vec4f {
  return g * select(select(select(vec4f(xs.x), vec4f(xs.y), at == vec4u(1u)), vec4f(xs.z), at == vec4u(2u)), vec4f(xs.w), at == vec4u(3u));
}

// Flat tap t's x offset from a window corner; t = KH·KW·CIN (the bias) and beyond: 0, a valid index.
fn tap_offset(t: u32) -> u32 {
  let tt = select(0u, t, t < KH * KW * CIN);
  return (tt / (CIN * KW)) * p.width * CIN + ((tt / CIN) % KW) * CIN + tt % CIN;
}

// x at window corner + tap for the 4 window offsets, or 1s for the bias (whose "input" is 1 everywhere).
fn tap_inputs(o: u32, bias: bool) -> vec4f {
  let row = p.width * CIN;
  return select(vec4f(x[o], x[o + CIN], x[o + row], x[o + row + CIN]), vec4f(1.0), bias);
}

@compute @workgroup_size(WG)
fn backward_weight(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let pairs = p.cout4 / 2u;
  let taps = KH * KW * CIN;
  let groups = (taps + 1u + 4u) / 5u;
  if (i >= p.splits * groups * pairs) { return; }
  // Invocation (s, group, pair): split s; flat taps t0..t0+4 (t = taps: the bias; past it: nothing);
  // channel quads q and q + 1. Each position's g and codes are loaded once for the five taps.
  let q = 2u * (i % pairs);
  let sg = i / pairs;
  let t0 = 5u * (sg % groups);
  let s = sg / groups;
  let o0 = tap_offset(t0);
  let o1 = tap_offset(t0 + 1u);
  let o2 = tap_offset(t0 + 2u);
  let o3 = tap_offset(t0 + 3u);
  let o4 = tap_offset(t0 + 4u);
  let begin = s * p.chunk;
  let end = min(begin + p.chunk, p.n_pos);
  // (b, ph, pw) of pos, advanced with the loop instead of divided each time.
  var pw = begin % p.pool_w;
  var ph = (begin / p.pool_w) % p.pool_h;
  var b = begin / (p.pool_w * p.pool_h);
  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0); var a4 = vec4f(0.0);
  var b0 = vec4f(0.0); var b1 = vec4f(0.0); var b2 = vec4f(0.0); var b3 = vec4f(0.0); var b4 = vec4f(0.0);
  for (var pos = begin; pos < end; pos++) {
    let j = pos * p.cout4 + q;
    let ga = pooled_grad(j);
    let gb = pooled_grad(j + 1u);
    let ata = offsets(code_in[j]);
    let atb = offsets(code_in[j + 1u]);
    let corner = ((b * p.height + 2u * ph) * p.width + 2u * pw) * CIN;
    let x0 = tap_inputs(corner + o0, t0 == taps);
    let x1 = tap_inputs(corner + o1, t0 + 1u == taps);
    let x2 = tap_inputs(corner + o2, t0 + 2u == taps);
    let x3 = tap_inputs(corner + o3, t0 + 3u == taps);
    let x4 = tap_inputs(corner + o4, t0 + 4u == taps);
    a0 += routed(ga, ata, x0); b0 += routed(gb, atb, x0);
    a1 += routed(ga, ata, x1); b1 += routed(gb, atb, x1);
    a2 += routed(ga, ata, x2); b2 += routed(gb, atb, x2);
    a3 += routed(ga, ata, x3); b3 += routed(gb, atb, x3);
    a4 += routed(ga, ata, x4); b4 += routed(gb, atb, x4);
    pw += 1u;
    let wrap_w = pw == p.pool_w;
    pw = select(pw, 0u, wrap_w);
    ph += select(0u, 1u, wrap_w);
    let wrap_h = ph == p.pool_h;
    ph = select(ph, 0u, wrap_h);
    b += select(0u, 1u, wrap_h);
  }
  // Split s's slice: rows t (taps, then the bias) of COUT; a group's slots past the bias write nothing.
  let out = (s * (taps + 1u) + t0) * p.cout4 + q;
  let rows = taps + 1u - t0;
  partials4[out] = a0; partials4[out + 1u] = b0;
  if (rows > 1u) { partials4[out + p.cout4] = a1; partials4[out + p.cout4 + 1u] = b1; }
  if (rows > 2u) { partials4[out + 2u * p.cout4] = a2; partials4[out + 2u * p.cout4 + 1u] = b2; }
  if (rows > 3u) { partials4[out + 3u * p.cout4] = a3; partials4[out + 3u * p.cout4 + 1u] = b3; }
  if (rows > 4u) { partials4[out + 4u * p.cout4] = a4; partials4[out + 4u * p.cout4 + 1u] = b4; }
}

struct ReduceParams {
  n_grad: u32,   // (KH·KW·CIN + 1)·COUT: one split's slice
  splits: u32,   // S
  offset: u32,   // the first element of the slice this dispatch sums (0: dw; KH·KW·CIN·COUT: db)
  count: u32,    // how many
}

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> sums: array<f32>;
@group(0) @binding(2) var<uniform> pr: ReduceParams;

@compute @workgroup_size(WG)
fn reduce(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= pr.count) { return; }
  // Eight slices an iteration into eight sums, so that a GPU has eight loads in flight rather than one: the
  // cnn's S = 512 summed one at a time took 0.1 ms on an H200, a sixth of its whole training step.
  let stride = pr.n_grad;
  var at = pr.offset + i;
  var s0 = 0.0; var s1 = 0.0; var s2 = 0.0; var s3 = 0.0; var s4 = 0.0; var s5 = 0.0; var s6 = 0.0; var s7 = 0.0;
  var s = 0u;
  for (; s + 8u <= pr.splits; s += 8u) {
    s0 += partials[at]; s1 += partials[at + stride]; s2 += partials[at + 2u * stride]; s3 += partials[at + 3u * stride];
    s4 += partials[at + 4u * stride]; s5 += partials[at + 5u * stride]; s6 += partials[at + 6u * stride]; s7 += partials[at + 7u * stride];
    at += 8u * stride;
  }
  for (; s < pr.splits; s++) { s0 += partials[at]; at += stride; }
  sums[i] = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}
