// 2-D convolution, 'register' variant (see src/engine/kernel-variant.ts), for CPU backends such as
// SwiftShader. Appended to conv2d.wgsl by the TS module: it uses that file's Params, bindings and
// HAS_BIAS and RELU, and reduce_splits for the split-K sum. Same layouts and GEMMs as there.
//
// No workgroup memory, no barriers, no branches inside the loops. On SwiftShader a workgroup's
// invocations are SIMD lanes of one CPU thread: every storage load is a per-lane gather whatever its
// address pattern, every loop-carried value costs a masked merge per iteration, and each barrier a fiber
// switch. What pays there is few loads per multiply-add: each invocation owns an 8×8 block of the GEMM
// output (rows m0..m0+7, columns n0..n0+7) held in sixteen vec4 accumulators, and per reduction step
// loads 8 + 8 operands for 64 multiply-adds, straight from storage. Rows and columns past the edge are
// clamped for loading and skipped at the store. Boolean logic uses `&` and select(), never `&&`:
// short-circuits are branches, and a few dozen of them in a loop make SwiftShader's compile time explode.
// p.tiles counts blocks, p.tiles_n column blocks; one invocation per block (per split for backward_weight).
// Where channel counts are multiples of 4 or 8, conv_vec4 and backward_weight_vec4 load whole vec4s:
// fewer, wider loads for the same multiply-adds.

override WG_REG: u32 = 64;

// conv_vec4 and backward_weight_vec4 read a and b as whole vec4: the same bindings as conv2d.wgsl's
// a and b, viewed as vectors (WGSL allows it since no entry point uses both views).
@group(0) @binding(2) var<storage, read> a4: array<vec4f>;
@group(0) @binding(3) var<storage, read> b4: array<vec4f>;
override FLAT: bool = false;  // conv_register: one flat reduction loop (few gathered channels)
// conv_vec4: b's 4 consecutive reduction indices are contiguous per column (backward_input), else its
// 8 columns are contiguous (forward).
override B_T: bool = false;
// backward_weight_register: the GEMM has one more row, the last, whose left operand is 1 at every output
// position, so that row accumulates db[co] = Σ dy[·, co] in the same pass as dw (p.m = KH·KW·Cin + 1).
override BIAS_ROW: bool = false;
// backward_weight_register: false when every tap of every output position lies inside the input
// ('valid' padding), so the reduction loop skips its bounds tests (a sixth of its work).
override PADDED: bool = true;

// LO, HI, the r<i>l/r<i>h accumulators, outer8 and zero_block8 come from register_block.wgsl.

// Whole rows are eight straight stores; only the last column block loops.
fn store_row8(m: u32, n0: u32, l: vec4f, h: vec4f, base: u32) {
  if (m >= p.m) { return; }
  let o = base + m * p.n + n0;
  if (n0 + 8u <= p.n) {
    out[o] = l.x; out[o + 1u] = l.y; out[o + 2u] = l.z; out[o + 3u] = l.w;
    out[o + 4u] = h.x; out[o + 5u] = h.y; out[o + 6u] = h.z; out[o + 7u] = h.w;
    return;
  }
  let v = array<f32, 8>(l.x, l.y, l.z, l.w, h.x, h.y, h.z, h.w);
  for (var j = 0u; j < p.n - n0; j++) { out[o + j] = v[j]; }
}

fn store_block8(m0: u32, n0: u32, base: u32) {
  store_row8(m0, n0, r0l, r0h, base); store_row8(m0 + 1u, n0, r1l, r1h, base);
  store_row8(m0 + 2u, n0, r2l, r2h, base); store_row8(m0 + 3u, n0, r3l, r3h, base);
  store_row8(m0 + 4u, n0, r4l, r4h, base); store_row8(m0 + 5u, n0, r5l, r5h, base);
  store_row8(m0 + 6u, n0, r6l, r6h, base); store_row8(m0 + 7u, n0, r7l, r7h, base);
}

fn gather4(i: vec4i) -> vec4f { return vec4f(a[i.x], a[i.y], a[i.z], a[i.w]); }
fn gather4b(i: vec4i) -> vec4f { return vec4f(b[i.x], b[i.y], b[i.z], b[i.w]); }

// The reduction of conv_register over (tap, channel), channel fastest; o holds the columns' b offsets (n·s_n).
// Nested loops check each row's window once per tap; but each loop level costs SwiftShader a masked copy
// of all 64 accumulators per iteration, which dwarfs a one-channel tap, so with few channels (FLAT)
// one flat loop walks (ky, kx, c) with running counters and tests precomputed per-row tap masks.
fn reduce_nested(r: BlockRows, ol: vec4i, oh: vec4i) {
  var kb = p.b_off;
  for (var ky = 0; ky < i32(p.k_h); ky++) {
    for (var kx = 0; kx < i32(p.k_w); kx++) {
      let t = tap_rows(r, ky, kx);
      // Skip a tap outside the image for all 8 rows, as reduce_vec4 does.
      for (var c = select(0, i32(p.in_c), !any(t.okl | t.okh)); c < i32(p.in_c); c++) {
        let kr = vec4i(kb + c * p.s_c);
        let al = select(vec4f(0.0), gather4(t.il + c), t.okl);
        let ah = select(vec4f(0.0), gather4(t.ih + c), t.okh);
        outer8(al, ah, gather4b(kr + ol), gather4b(kr + oh));
      }
      kb += p.s_tap;
    }
  }
}

// Tap (ky, kx) of a block's rows: which rows' input pixel is inside the image, and the a index of
// that pixel's channel 0. Taps outside load element 0 (always there) and select 0 instead: no NaN
// from 0·Inf.
struct TapRows {
  okl: vec4<bool>, okh: vec4<bool>,
  il: vec4i, ih: vec4i,
}

fn tap_rows(r: BlockRows, ky: i32, kx: i32) -> TapRows {
  let ih = i32(p.in_h);
  let iw = i32(p.in_w);
  let iyl = r.yl + ky;
  let iyh = r.yh + ky;
  let ixl = r.xl + kx;
  let ixh = r.xh + kx;
  let okl = (iyl >= vec4i(0)) & (iyl < vec4i(ih)) & (ixl >= vec4i(0)) & (ixl < vec4i(iw));
  let okh = (iyh >= vec4i(0)) & (iyh < vec4i(ih)) & (ixh >= vec4i(0)) & (ixh < vec4i(iw));
  let cin = i32(p.in_c);
  return TapRows(okl, okh, select(vec4i(0), ((r.bl + iyl) * iw + ixl) * cin, okl),
                 select(vec4i(0), ((r.bh + iyh) * iw + ixh) * cin, okh));
}

// wl, wh: a index of each row's window corner (tap 0, channel 0), meaningful where the tap is inside.
fn reduce_flat(yl: vec4i, yh: vec4i, xl: vec4i, xh: vec4i, wl: vec4i, wh: vec4i, ol: vec4i, oh: vec4i) {
  let ih = i32(p.in_h);
  let iw = i32(p.in_w);
  let cin = i32(p.in_c);
  let kw = p.k_w;
  // Bit ky of vy (kx of vx): that tap's input row (column) is inside the image. The TS module keeps
  // kernels within 32 taps a side.
  var vyl = vec4u(0u); var vyh = vec4u(0u); var vxl = vec4u(0u); var vxh = vec4u(0u);
  for (var t = 0; t < i32(p.k_h); t++) {
    let bit = vec4u(1u << u32(t));
    vyl |= select(vec4u(0u), bit, (yl + t >= vec4i(0)) & (yl + t < vec4i(ih)));
    vyh |= select(vec4u(0u), bit, (yh + t >= vec4i(0)) & (yh + t < vec4i(ih)));
  }
  for (var t = 0; t < i32(kw); t++) {
    let bit = vec4u(1u << u32(t));
    vxl |= select(vec4u(0u), bit, (xl + t >= vec4i(0)) & (xl + t < vec4i(iw)));
    vxh |= select(vec4u(0u), bit, (xh + t >= vec4i(0)) & (xh + t < vec4i(iw)));
  }
  var c = 0;
  var kx = 0u;
  var ky = 0u;
  var koff = 0;       // (ky·in_w + kx)·in_c + c: a offset of reduction index k from the window corner
  var kr = p.b_off;   // b index of (tap, c) in column 0
  for (var k = 0u; k < p.k; k++) {
    let okl = ((vyl >> vec4u(ky)) & (vxl >> vec4u(kx)) & vec4u(1u)) != vec4u(0u);
    let okh = ((vyh >> vec4u(ky)) & (vxh >> vec4u(kx)) & vec4u(1u)) != vec4u(0u);
    let al = select(vec4f(0.0), gather4(select(vec4i(0), wl + koff, okl)), okl);
    let ah = select(vec4f(0.0), gather4(select(vec4i(0), wh + koff, okh)), okh);
    outer8(al, ah, gather4b(vec4i(kr) + ol), gather4b(vec4i(kr) + oh));
    // Next (ky, kx, c): within a tap a and b advance by 1 and s_c; at the end of a kernel row the
    // window corner moves down a row; at a new tap b jumps to the next tap's block.
    c += 1;
    koff += 1;
    kr += p.s_c;
    let wrap_c = c == cin;
    c = select(c, 0, wrap_c);
    kx += select(0u, 1u, wrap_c);
    let wrap_x = kx == kw;
    kx = select(kx, 0u, wrap_x);
    ky += select(0u, 1u, wrap_x);
    koff += select(0, (iw - i32(kw)) * cin, wrap_x);
    kr += select(0, p.s_tap - cin * p.s_c, wrap_c);
  }
}

fn row4(i: i32, ok: bool, c4: i32) -> vec4f { return select(vec4f(0.0), a4[select(0, i + c4, ok)], ok); }

// reduce_nested with the channel loop 4 channels a step (in_c a multiple of 4, p.n of 8, and b's
// strides multiples of 4): per step 8 vec4 loads of a (one per row) and 8 of b, where the scalar loop
// gathers 64 floats one by one. On SwiftShader each storage load is a per-lane gather, so this is
// about 4× fewer loads for the same 256 multiply-adds.
fn reduce_vec4(r: BlockRows, n0: i32) {
  var kb = p.b_off;
  for (var ky = 0; ky < i32(p.k_h); ky++) {
    for (var kx = 0; kx < i32(p.k_w); kx++) {
      let t = tap_rows(r, ky, kx);
      let okl = t.okl;
      let okh = t.okh;
      let il = t.il >> vec4u(2u);  // vec4 index of each row's channel 0
      let ih4 = t.ih >> vec4u(2u);
      // A tap outside the image for all 8 rows (the border of backward_input's 'full' padding) is skipped:
      // 1.24× faster for MNIST conv2's backward_input.
      for (var c = select(0, i32(p.in_c), !any(okl | okh)); c < i32(p.in_c); c += 4) {
        let c4 = c >> 2u;
        let kr = kb + c * p.s_c;  // b index of (tap, c) in column 0
        let r0 = row4(il.x, okl.x, c4); let r1 = row4(il.y, okl.y, c4);
        let r2 = row4(il.z, okl.z, c4); let r3 = row4(il.w, okl.w, c4);
        let r4 = row4(ih4.x, okh.x, c4); let r5 = row4(ih4.y, okh.y, c4);
        let r6 = row4(ih4.z, okh.z, c4); let r7 = row4(ih4.w, okh.w, c4);
        if (B_T) {
          // Column j's 4 reduction indices are b4[(kr + (n0 + j)·s_n) / 4]: transpose to steps.
          let q = (kr + n0 * p.s_n) >> 2u;
          let st = p.s_n >> 2u;
          let c0 = b4[q]; let c1 = b4[q + st]; let c2 = b4[q + 2 * st]; let c3 = b4[q + 3 * st];
          let c4_ = b4[q + 4 * st]; let c5 = b4[q + 5 * st]; let c6 = b4[q + 6 * st]; let c7 = b4[q + 7 * st];
          outer8x4(r0, r1, r2, r3, r4, r5, r6, r7,
                   vec4f(c0.x, c1.x, c2.x, c3.x), vec4f(c4_.x, c5.x, c6.x, c7.x),
                   vec4f(c0.y, c1.y, c2.y, c3.y), vec4f(c4_.y, c5.y, c6.y, c7.y),
                   vec4f(c0.z, c1.z, c2.z, c3.z), vec4f(c4_.z, c5.z, c6.z, c7.z),
                   vec4f(c0.w, c1.w, c2.w, c3.w), vec4f(c4_.w, c5.w, c6.w, c7.w));
        } else {
          // Step k's 8 columns are b4[(kr + k·s_c + n0) / 4] and the next vec4.
          let q = (kr + n0) >> 2u;
          let st = p.s_c >> 2u;
          outer8x4(r0, r1, r2, r3, r4, r5, r6, r7,
                   b4[q], b4[q + 1], b4[q + st], b4[q + st + 1], b4[q + 2 * st], b4[q + 2 * st + 1], b4[q + 3 * st], b4[q + 3 * st + 1]);
        }
      }
      kb += p.s_tap;
    }
  }
}

// forward and backward_input: the gather GEMM of gather_gemm (rows: output positions of the gathered
// tensor a, reduction over (tap, channel)), with the right-hand operand addressed through the strides.
// Row i's window starts at input row y_i and column x_i of image b_i (b_i·in_h in b).
struct BlockRows {
  yl: vec4i, yh: vec4i,
  xl: vec4i, xh: vec4i,
  bl: vec4i, bh: vec4i,
}

fn block_rows(m0: u32) -> BlockRows {
  let ml = min(vec4u(m0) + LO, vec4u(p.m - 1u));
  let mh = min(vec4u(m0) + HI, vec4u(p.m - 1u));
  let ql = ml / p.out_w;
  let qh = mh / p.out_w;
  return BlockRows(vec4i(ql % p.out_h) - p.pad_t, vec4i(qh % p.out_h) - p.pad_t,
                   vec4i(ml % p.out_w) - p.pad_l, vec4i(mh % p.out_w) - p.pad_l,
                   vec4i((ql / p.out_h) * p.in_h), vec4i((qh / p.out_h) * p.in_h));
}

// Bias, ReLU and the store of a finished block.
fn finish_block(m0: u32, n0: u32) {
  if (HAS_BIAS) {
    let cl = min(vec4u(n0) + LO, vec4u(p.n - 1u));
    let ch = min(vec4u(n0) + HI, vec4u(p.n - 1u));
    let zl = vec4f(bias[cl.x], bias[cl.y], bias[cl.z], bias[cl.w]);
    let zh = vec4f(bias[ch.x], bias[ch.y], bias[ch.z], bias[ch.w]);
    outer8(vec4f(1.0), vec4f(1.0), zl, zh);
  }
  if (RELU) { relu_block8(); }
  store_block8(m0, n0, 0u);
}

@compute @workgroup_size(WG_REG)
fn conv_register(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = gid.x + gid.y * nwg.x * WG_REG;
  if (blk >= p.tiles) { return; }
  let m0 = (blk / p.tiles_n) * 8u;
  let n0 = (blk % p.tiles_n) * 8u;
  let iw = i32(p.in_w);
  let cin = i32(p.in_c);
  let r = block_rows(m0);
  let ol = vec4i(min(vec4u(n0) + LO, vec4u(p.n - 1u))) * p.s_n;
  let oh = vec4i(min(vec4u(n0) + HI, vec4u(p.n - 1u))) * p.s_n;
  zero_block8();
  if (FLAT) {
    reduce_flat(r.yl, r.yh, r.xl, r.xh, ((r.bl + r.yl) * iw + r.xl) * cin, ((r.bh + r.yh) * iw + r.xh) * cin, ol, oh);
  } else {
    reduce_nested(r, ol, oh);
  }
  finish_block(m0, n0);
}

// The same with reduce_vec4: the gathered tensor's channels a multiple of 4, p.n of 8, b's strides of 4.
@compute @workgroup_size(WG_REG)
fn conv_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = gid.x + gid.y * nwg.x * WG_REG;
  if (blk >= p.tiles) { return; }
  let m0 = (blk / p.tiles_n) * 8u;
  let n0 = (blk % p.tiles_n) * 8u;
  let r = block_rows(m0);
  zero_block8();
  reduce_vec4(r, i32(n0));
  finish_block(m0, n0);
}

// backward_weight: rows (tap, ci), columns co, reduction over the output positions r of split s,
// walked with running (b, oy, ox) counters instead of divisions. Each row's tap is a fixed offset
// from the output position, so its x index is the position's plus a per-row constant.
struct Walk {
  ox: i32,
  oy: i32,
  xpix: i32,  // x index of (b, oy, ox, 0)
  dpix: i32,  // dy index of (b, oy, ox, 0)
}

fn walk_start(r: u32) -> Walk {
  let q = r / p.out_w;
  let oy = i32(q % p.out_h);
  let ox = i32(r % p.out_w);
  return Walk(ox, oy, ((i32(q / p.out_h) * i32(p.in_h) + oy) * i32(p.in_w) + ox) * i32(p.in_c), i32(r * p.n));
}

// The next position: past the last column to the next row, past the last row to the next image.
fn walk_next(w: Walk) -> Walk {
  let ih = i32(p.in_h);
  let iw = i32(p.in_w);
  let oh = i32(p.out_h);
  let ow = i32(p.out_w);
  let cin = i32(p.in_c);
  let wrap_x = w.ox + 1 == ow;
  let oy = w.oy + select(0, 1, wrap_x);
  let wrap_y = oy == oh;
  return Walk(select(w.ox + 1, 0, wrap_x), select(oy, 0, wrap_y),
              w.xpix + cin + select(0, (iw - ow) * cin, wrap_x) + select(0, (ih - oh) * iw * cin, wrap_y),
              w.dpix + i32(p.n));
}

// dy, dx: each row's tap offset from the output position; off: its x index offset; c: the columns;
// onel, oneh: the rows whose operand is 1 (BIAS_ROW's bias row); masked: test each tap against the
// input's bounds (a constant at each call, so the tests fold away where it is false).
fn walk_rows(begin: u32, end: u32, dyl: vec4i, dyh: vec4i, dxl: vec4i, dxh: vec4i, offl: vec4i, offh: vec4i, cl: vec4i, ch: vec4i,
             onel: vec4<bool>, oneh: vec4<bool>, masked: bool) {
  let ih = i32(p.in_h);
  let iw = i32(p.in_w);
  var w = walk_start(begin);
  for (var r = begin; r < end; r++) {
    let iyl = vec4i(w.oy) + dyl;
    let iyh = vec4i(w.oy) + dyh;
    let ixl = vec4i(w.ox) + dxl;
    let ixh = vec4i(w.ox) + dxh;
    let okl = ((iyl >= vec4i(0)) & (iyl < vec4i(ih)) & (ixl >= vec4i(0)) & (ixl < vec4i(iw))) | vec4<bool>(!masked);
    let okh = ((iyh >= vec4i(0)) & (iyh < vec4i(ih)) & (ixh >= vec4i(0)) & (ixh < vec4i(iw))) | vec4<bool>(!masked);
    let al = select(select(vec4f(0.0), gather4(select(vec4i(0), vec4i(w.xpix) + offl, okl)), okl), vec4f(1.0), onel);
    let ah = select(select(vec4f(0.0), gather4(select(vec4i(0), vec4i(w.xpix) + offh, okh)), okh), vec4f(1.0), oneh);
    outer8(al, ah, gather4b(vec4i(w.dpix) + cl), gather4b(vec4i(w.dpix) + ch));
    w = walk_next(w);
  }
}

// backward_weight invocation lin's split s and block origin (m0, n0): blocks run fastest, then splits.
fn weight_block(lin: u32) -> vec3u {
  let blk = lin % p.tiles;
  return vec3u(lin / p.tiles, (blk / p.tiles_n) * 8u, (blk % p.tiles_n) * 8u);
}

@compute @workgroup_size(WG_REG)
fn backward_weight_register(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let lin = gid.x + gid.y * nwg.x * WG_REG;
  if (lin >= p.tiles * p.splits) { return; }
  let wb = weight_block(lin);
  let s = wb.x;
  let m0 = wb.y;
  let n0 = wb.z;
  let iw = i32(p.in_w);
  let cin = i32(p.in_c);
  let cl = vec4i(min(vec4u(n0) + LO, vec4u(p.n - 1u)));
  let ch = vec4i(min(vec4u(n0) + HI, vec4u(p.n - 1u)));
  let r_begin = s * p.chunk;
  let r_end = min(p.k, r_begin + p.chunk);
  let ml = min(vec4u(m0) + LO, vec4u(p.m - 1u));
  let mh = min(vec4u(m0) + HI, vec4u(p.m - 1u));
  let tl = ml / p.in_c;
  let th = mh / p.in_c;
  let dxl = vec4i(tl % p.k_w) - p.pad_l;
  let dxh = vec4i(th % p.k_w) - p.pad_l;
  let tyl = vec4i(tl / p.k_w) - p.pad_t;
  let tyh = vec4i(th / p.k_w) - p.pad_t;
  // The bias row is no tap: its row offset is made OUTSIDE the image, so it never loads from x.
  let bias_row = vec4u(p.m - 1u);
  let onel = (ml == bias_row) & vec4<bool>(BIAS_ROW);
  let oneh = (mh == bias_row) & vec4<bool>(BIAS_ROW);
  let offl = (tyl * iw + dxl) * cin + vec4i(ml % p.in_c);
  let offh = (tyh * iw + dxh) * cin + vec4i(mh % p.in_c);
  zero_block8();
  // Only the block holding the bias row pays for its selects: elsewhere the masks are constant false.
  if (any(onel | oneh)) {
    walk_rows(r_begin, r_end, select(tyl, vec4i(OUTSIDE), onel), select(tyh, vec4i(OUTSIDE), oneh), dxl, dxh, offl, offh, cl, ch, onel, oneh, true);
  } else {
    walk_rows(r_begin, r_end, tyl, tyh, dxl, dxh, offl, offh, cl, ch, vec4<bool>(false), vec4<bool>(false), PADDED);
  }
  store_block8(m0, n0, s * p.m * p.n);
}

// backward_weight_vec4: the same GEMM when Cin and Cout are multiples of 8 (MNIST conv2: 32 → 64). A
// block's 8 rows are then 8 consecutive channels of one tap and its 8 columns 8 consecutive output
// channels, so each reduction step reads two aligned vec4 of x and two of dy: 4 vector loads per 64
// multiply-adds instead of 16 scalar gathers, and one bounds test per step instead of one per row.

// The tap of a block whose 8 rows are 8 channels of one tap (backward_weight_vec4, backward_weight_quad):
// its offset (ty, tx) from the output position, and the x index of the block's first channel at that tap
// from the output position's.
struct BlockTap {
  ty: i32,
  tx: i32,
  off: i32,
}

fn block_tap(m0: u32) -> BlockTap {
  let tap = m0 / p.in_c;
  let ty = i32(tap / p.k_w) - p.pad_t;
  let tx = i32(tap % p.k_w) - p.pad_l;
  return BlockTap(ty, tx, (ty * i32(p.in_w) + tx) * i32(p.in_c) + i32(m0 % p.in_c));
}

@compute @workgroup_size(WG_REG)
fn backward_weight_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let lin = gid.x + gid.y * nwg.x * WG_REG;
  if (lin >= p.tiles * p.splits) { return; }
  let wb = weight_block(lin);
  let s = wb.x;
  let m0 = wb.y;
  let n0 = wb.z;
  let ih = i32(p.in_h);
  let iw = i32(p.in_w);
  let bt = block_tap(m0);
  let r_begin = s * p.chunk;
  let r_end = min(p.k, r_begin + p.chunk);
  zero_block8();
  var w = walk_start(r_begin);
  for (var r = r_begin; r < r_end; r++) {
    let iy = w.oy + bt.ty;
    let ix = w.ox + bt.tx;
    let ok = !PADDED | ((iy >= 0) & (iy < ih) & (ix >= 0) & (ix < iw));
    let xi = select(0, (w.xpix + bt.off) >> 2u, ok);
    let di = (w.dpix >> 2u) + i32(n0 >> 2u);
    outer8(select(vec4f(0.0), a4[xi], ok), select(vec4f(0.0), a4[xi + 1], ok), b4[di], b4[di + 1]);
    w = walk_next(w);
  }
  store_block8(m0, n0, s * p.m * p.n);
}
