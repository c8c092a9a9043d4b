// Dense matrix multiply C = op(A)·op(B) [+ bias broadcast over rows] [then ReLU], and the bias gradient.
// A dense layer y = x·W + b with W stored (in, out) uses three variants of one kernel:
// forward x·W + b, backward input dX = dY·Wᵀ (TRANS_B), backward weight dW = Xᵀ·dY (TRANS_A).
// Row-major f32 throughout; transposes are in how A and B are stored, never materialised.
//
// matmul_tiled, matmul_register: C(M, N) = op(A)·op(B) [+ bias]
//   a: (M, K), or (K, M) if TRANS_A      b: (K, N), or (N, K) if TRANS_B
//   c: (M, N)                            bias: (N), read only if HAS_BIAS (else any read-only buffer)
//   bindings: 0 a, 1 b, 2 c, 3 bias, 4 params
//   Each matmul_tiled thread owns RM × RN blocks of 4×4 of C (RM, RN: 1 or 2), held in vec4f accumulators
//   (one per row of 4 consecutive columns), so a workgroup of WG_X × WG_Y threads covers a
//   (4·RM·WG_Y) × (4·RN·WG_X) tile of C. A thread's blocks lie 4·WG_Y rows (4·WG_X columns) apart, so
//   neighbouring threads read neighbouring slab slots (the layout of the fastest GEMMs: 8×8 per thread
//   in 4×4 pieces). Two pieces per axis double the multiply-adds per workgroup-memory read (16 per two
//   vec4 reads for one piece, 64 per four for 2×2): on a real GPU the slabs' bandwidth, not arithmetic,
//   bounds a 4×4 block.
//   matmul_tiled steps K by TK: the workgroup stages a (4·RM·WG_Y)×TK slab of op(A) and a TK×(4·RN·WG_X)
//   slab of op(B) in workgroup memory with coalesced loads (consecutive threads read consecutive
//   addresses in whichever layout A and B are stored), so each global element is read once per tile
//   instead of once per thread. This is the variant for real GPUs. matmul_tiled_vec4 loads the slabs as
//   whole vec4s where the shapes allow it.
//   matmul_register (matmul_register.wgsl, appended to this file) skips workgroup memory and reads A and B straight from storage, one 8×8 block of C
//   per invocation (see its comment): on CPU backends (SwiftShader) barriers cost more than the reuse saves.
//
//   Split K (SPLIT_K, the autotuner's `tiled:8x8x32s`): a product with few tiles of C and a long K (the cnn's
//   dense_1.forward, 128×10 from K = 1600: 4 workgroups each walking all of K) gives its K to workgroup_id.z
//   in ranges of p.k_split (a multiple of TK), each writing its partial C, bias and ReLU left out, to slice z of
//   c: (S, M, N); matmul_split_sum then sums the S slices, adds the bias and applies the ReLU.
//
// matmul_split_sum: c(M, N) = [ReLU](Σ_s partials(S, M, N)[s] [+ bias]), S = ⌈K / k_split⌉, slices summed in a
//   fixed order (slice s into sum s mod 4, the tail into sum 0): the same result every run.
//   bindings: 0 partials (as a), 1 unused (partials again), 2 c, 3 bias, 4 params
//
// column_sums: dst(chunks, cols)[chunk, j] = Σ_{rows of chunk} src(rows, cols)[i, j]
//   The bias gradient db[j] = Σ_i dY[i, j]. Without float atomics, tall inputs take two passes:
//   pass 1 sums chunks of rows_per_chunk rows into a (chunks, cols) scratch, pass 2 runs the same
//   entry point on the scratch with one chunk. Within a workgroup, WG_X threads cover consecutive
//   columns (coalesced row reads), BG_WG_Y threads stride over the chunk's rows, and the BG_WG_Y
//   partial sums are tree-reduced in workgroup memory. column_sums_register (matmul_register.wgsl) does
//   the same per chunk without workgroup memory (one invocation per chunk and 4 columns), for CPU backends.
//   bindings: 0 src, 1 dst, 2 params

override WG_X: u32 = 16;         // matmul threads along N
override WG_Y: u32 = 16;         // matmul threads along M
override TK: u32 = 16;           // K step staged in workgroup memory (matmul_tiled)
override RM: u32 = 1;            // 4×4 pieces per matmul_tiled thread along M (1 or 2)
override RN: u32 = 1;            // ... and along N (1 or 2)
override A_SLOTS: u32 = RM * WG_Y; // vec4 slots of slab_a per K step: the tile's rows / 4
override B_SLOTS: u32 = RN * WG_X; // vec4 slots of slab_b per K step: the tile's columns / 4
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override RELU: bool = false;     // a fused epilogue: C = max(0, op(A)·op(B) + bias), one pass fewer than a separate ReLU
override SPLIT_K: bool = false;  // matmul_tiled(_vec4): workgroup_id.z's range of K into slice z of c, no epilogue

struct Params {
  m: u32,
  n: u32,
  k: u32,
  k_split: u32,  // K per workgroup_id.z under SPLIT_K (a multiple of TK; else at least K)
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
// The same A and B read as whole vec4s, by the entry points whose shapes allow it (matmul_tiled_vec4 here,
// matmul_vec4 in matmul_register.wgsl); an entry point uses one view of a binding or the other, never both.
@group(0) @binding(0) var<storage, read> a4: array<vec4f>;
@group(0) @binding(1) var<storage, read> b4: array<vec4f>;

// op(A)[m, k] and op(B)[k, n]; callers keep indices in range.
fn a_at(m: u32, k: u32) -> f32 {
  if (TRANS_A) {
    return a[k * p.m + m];
  }
  return a[m * p.k + k];
}

fn b_at(k: u32, n: u32) -> f32 {
  if (TRANS_B) {
    return b[n * p.k + k];
  }
  return b[k * p.n + n];
}

const IOTA4 = vec4u(0u, 1u, 2u, 3u);

// Rows and columns past the edge of C are clamped to the last one: loads need no bounds checks, and
// the duplicated results are never stored. K past the edge must add nothing, so those loads give 0
// (on both sides, so that an edge value of ±Inf cannot turn into NaN).

// op(A)[m .. m+3, k]
fn a_col4(m: u32, k: u32) -> vec4f {
  let rows = min(vec4u(m) + IOTA4, vec4u(p.m - 1u));
  let kc = min(k, p.k - 1u);
  let v = vec4f(a_at(rows.x, kc), a_at(rows.y, kc), a_at(rows.z, kc), a_at(rows.w, kc));
  return select(vec4f(0.0), v, k < p.k);
}

// op(B)[k, n .. n+3]
fn b_row4(k: u32, n: u32) -> vec4f {
  let cols = min(vec4u(n) + IOTA4, vec4u(p.n - 1u));
  let kc = min(k, p.k - 1u);
  let v = vec4f(b_at(kc, cols.x), b_at(kc, cols.y), b_at(kc, cols.z), b_at(kc, cols.w));
  return select(vec4f(0.0), v, k < p.k);
}

// A thread's accumulators: acc[2·r + j] holds its row r (0 .. 4·RM) at its columns' piece j (0 .. RN),
// sized for the largest blocks (8×8); with fewer pieces the rest is never touched.
alias Block = array<vec4f, 16>;

// Stores the thread's blocks: piece (i, j) starts at row tile_row0 + 4·(lid.y + i·WG_Y), column
// tile_col0 + 4·(lid.x + j·WG_X).
fn store_block(lid: vec2u, tile_row0: u32, tile_col0: u32, slice: u32, acc: Block) {
  let base = slice * p.m * p.n;
  for (var i = 0u; i < RM; i++) {
    for (var r = 0u; r < 4u; r++) {
      let m = tile_row0 + 4u * (lid.y + i * WG_Y) + r;
      if (m >= p.m) {
        return; // rows only grow from here
      }
      for (var j = 0u; j < RN; j++) {
        for (var q = 0u; q < 4u; q++) {
          let n = tile_col0 + 4u * (lid.x + j * WG_X) + q;
          if (n < p.n) {
            var v = acc[2u * (4u * i + r) + j][q];
            if (HAS_BIAS && !SPLIT_K) {
              v += bias[n];
            }
            if (RELU && !SPLIT_K) {
              v = max(v, 0.0);
            }
            c[base + m * p.n + n] = v;
          }
        }
      }
    }
  }
}

// Slabs of op(A) and op(B) for one K step, stored k-major as vec4s of 4 rows (A) or 4 columns (B):
// the inner loop then reads one vec4 of each piece per k, and every slot is written whole by one thread.
var<workgroup> slab_a: array<vec4f, TK * A_SLOTS>;
var<workgroup> slab_b: array<vec4f, TK * B_SLOTS>;

// acc += this K step's share of the thread's blocks: slab_a's rows of the thread times slab_b's columns.
fn multiply_slabs(lid: vec2u, acc: ptr<function, Block>) {
  for (var kk = 0u; kk < TK; kk++) {
    var bv: array<vec4f, 2>;
    for (var j = 0u; j < RN; j++) {
      bv[j] = slab_b[kk * B_SLOTS + lid.x + j * WG_X];
    }
    for (var i = 0u; i < RM; i++) {
      let av = slab_a[kk * A_SLOTS + lid.y + i * WG_Y];
      for (var j = 0u; j < RN; j++) {
        (*acc)[8u * i + j] += av.x * bv[j];
        (*acc)[8u * i + 2u + j] += av.y * bv[j];
        (*acc)[8u * i + 4u + j] += av.z * bv[j];
        (*acc)[8u * i + 6u + j] += av.w * bv[j];
      }
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn matmul_tiled(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let row0 = wid.y * A_SLOTS * 4u;
  let col0 = wid.x * B_SLOTS * 4u;
  let t = lid.y * WG_X + lid.x;
  let threads = WG_X * WG_Y;
  var acc: Block;
  let k_end = min(p.k, (wid.z + 1u) * p.k_split);
  for (var k0 = wid.z * p.k_split; k0 < k_end; k0 += TK) {
    // The fastest-varying slot index follows the stored layout's contiguous axis, so neighbouring
    // threads load neighbouring addresses.
    for (var s = t; s < TK * A_SLOTS; s += threads) {
      var kk: u32;
      var g: u32;
      if (TRANS_A) {
        kk = s / A_SLOTS;
        g = s % A_SLOTS;
      } else {
        kk = s % TK;
        g = s / TK;
      }
      slab_a[kk * A_SLOTS + g] = a_col4(row0 + 4u * g, k0 + kk);
    }
    for (var s = t; s < TK * B_SLOTS; s += threads) {
      var kk: u32;
      var g: u32;
      if (TRANS_B) {
        kk = s % TK;
        g = s / TK;
      } else {
        kk = s / B_SLOTS;
        g = s % B_SLOTS;
      }
      slab_b[kk * B_SLOTS + g] = b_row4(k0 + kk, col0 + 4u * g);
    }
    workgroupBarrier();
    multiply_slabs(lid.xy, &acc);
    workgroupBarrier();
  }
  store_block(lid.xy, row0, col0, wid.z, acc);
}

// matmul_tiled_vec4: matmul_tiled loading its slabs as whole vec4s, where the shapes allow it (the TS
// module checks, matmulTiledVec4): K a multiple of 4, and M (TRANS_A) or N (not TRANS_B) a multiple of 4,
// so every vector is aligned and lies within one row. One load then brings 4 values instead of 4 gathers
// (what the fastest WebGPU GEMMs do). Where the stored row runs along the slab's 4-wide axis (A stored
// (K, M), B stored (K, N)) the vector is a slot as it is; where it runs along K (A stored (M, K), B stored
// (N, K)) a thread loads 4 rows' vectors and transposes them in registers into 4 slots. Consecutive
// threads take consecutive vectors of the stored row either way. The slabs, inner loop and store are
// matmul_tiled's.

// Steps k .. k+3 of stored rows r0 .. r0+3 (clamped to the last of `count`) of a4 (is_a) or b4, each row
// K long: a 4×4 block, row i in v[i]; zeros when k is past K.
fn rows4(is_a: bool, r0: u32, count: u32, k: u32) -> array<vec4f, 4> {
  let idx = min(vec4u(r0) + IOTA4, vec4u(count - 1u)) * (p.k >> 2u) + (min(k, p.k - 4u) >> 2u);
  var v: array<vec4f, 4>;
  if (k < p.k) {
    for (var i = 0u; i < 4u; i++) {
      if (is_a) {
        v[i] = a4[idx[i]];
      } else {
        v[i] = b4[idx[i]];
      }
    }
  }
  return v;
}

// Column j of a 4×4 block held as rows: the block's step j across its 4 rows.
fn column_of(v: array<vec4f, 4>, j: u32) -> vec4f {
  return vec4f(v[0][j], v[1][j], v[2][j], v[3][j]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn matmul_tiled_vec4(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let row0 = wid.y * A_SLOTS * 4u;
  let col0 = wid.x * B_SLOTS * 4u;
  let t = lid.y * WG_X + lid.x;
  let threads = WG_X * WG_Y;
  var acc: Block;
  let k_end = min(p.k, (wid.z + 1u) * p.k_split);
  for (var k0 = wid.z * p.k_split; k0 < k_end; k0 += TK) {
    if (TRANS_A) {
      // a: (K, M); slot (kk, g) is a4[(k·M + m) / 4], m = row0 + 4g (clamped to the last vector).
      for (var s = t; s < TK * A_SLOTS; s += threads) {
        let kk = s / A_SLOTS;
        let g = s % A_SLOTS;
        let k = k0 + kk;
        let m = min(row0 + 4u * g, p.m - 4u);
        slab_a[kk * A_SLOTS + g] = select(vec4f(0.0), a4[(min(k, p.k - 1u) * p.m + m) >> 2u], k < p.k);
      }
    } else {
      // a: (M, K); unit (q, g) loads rows row0 + 4g .. + 3 at steps k0 + 4q .. + 3 and writes 4 slots.
      for (var s = t; s < (TK / 4u) * A_SLOTS; s += threads) {
        let q = s % (TK / 4u);
        let g = s / (TK / 4u);
        let k = k0 + 4u * q;
        let v = rows4(true, row0 + 4u * g, p.m, k);
        for (var j = 0u; j < 4u; j++) {
          slab_a[(4u * q + j) * A_SLOTS + g] = column_of(v, j);
        }
      }
    }
    if (TRANS_B) {
      // b: (N, K); unit (q, g) loads columns col0 + 4g .. + 3 at steps k0 + 4q .. + 3 and writes 4 slots.
      for (var s = t; s < (TK / 4u) * B_SLOTS; s += threads) {
        let q = s % (TK / 4u);
        let g = s / (TK / 4u);
        let k = k0 + 4u * q;
        let v = rows4(false, col0 + 4u * g, p.n, k);
        for (var j = 0u; j < 4u; j++) {
          slab_b[(4u * q + j) * B_SLOTS + g] = column_of(v, j);
        }
      }
    } else {
      // b: (K, N); slot (kk, g) is b4[(k·N + n) / 4], n = col0 + 4g (clamped to the last vector).
      for (var s = t; s < TK * B_SLOTS; s += threads) {
        let kk = s / B_SLOTS;
        let g = s % B_SLOTS;
        let k = k0 + kk;
        let n = min(col0 + 4u * g, p.n - 4u);
        slab_b[kk * B_SLOTS + g] = select(vec4f(0.0), b4[(min(k, p.k - 1u) * p.n + n) >> 2u], k < p.k);
      }
    }
    workgroupBarrier();
    multiply_slabs(lid.xy, &acc);
    workgroupBarrier();
  }
  store_block(lid.xy, row0, col0, wid.z, acc);
}

override BG_WG_X: u32 = 32;      // column_sums threads along columns
override BG_WG_Y: u32 = 8;       // column_sums threads along rows (a power of two for the tree)

struct ColumnSumsParams {
  rows: u32,
  cols: u32,
  rows_per_chunk: u32,
}

@group(0) @binding(0) var<storage, read> bg_src: array<f32>;
@group(0) @binding(1) var<storage, read_write> bg_dst: array<f32>;
@group(0) @binding(2) var<uniform> bg: ColumnSumsParams;

var<workgroup> bg_partial: array<f32, BG_WG_X * BG_WG_Y>;

// Grid: (ceil(cols / BG_WG_X), chunks); workgroup (x, chunk) writes dst[chunk, x·BG_WG_X ..].
@compute @workgroup_size(BG_WG_X, BG_WG_Y)
fn column_sums(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let col = wid.x * BG_WG_X + lid.x;
  let chunk = wid.y;
  let start = chunk * bg.rows_per_chunk;
  let end = min(start + bg.rows_per_chunk, bg.rows);
  var s = 0.0;
  if (col < bg.cols) {
    for (var r = start + lid.y; r < end; r += BG_WG_Y) {
      s += bg_src[r * bg.cols + col];
    }
  }
  bg_partial[lid.y * BG_WG_X + lid.x] = s;
  workgroupBarrier();
  for (var h = BG_WG_Y / 2u; h > 0u; h /= 2u) {
    if (lid.y < h) {
      bg_partial[lid.y * BG_WG_X + lid.x] += bg_partial[(lid.y + h) * BG_WG_X + lid.x];
    }
    workgroupBarrier();
  }
  if (lid.y == 0u && col < bg.cols) {
    bg_dst[chunk * bg.cols + col] = bg_partial[lid.x];
  }
}

@compute @workgroup_size(WG_REG)
fn matmul_split_sum(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG_REG;
  let mn = p.m * p.n;
  if (i >= mn) {
    return;
  }
  let splits = (p.k + p.k_split - 1u) / p.k_split;
  var s0 = 0.0;
  var s1 = 0.0;
  var s2 = 0.0;
  var s3 = 0.0;
  var at = i;
  var s = 0u;
  for (; s + 4u <= splits; s += 4u) {
    s0 += a[at];
    s1 += a[at + mn];
    s2 += a[at + 2u * mn];
    s3 += a[at + 3u * mn];
    at += 4u * mn;
  }
  for (; s < splits; s++) {
    s0 += a[at];
    at += mn;
  }
  var v = (s0 + s1) + (s2 + s3);
  if (HAS_BIAS) {
    v += bias[i % p.n];
  }
  if (RELU) {
    v = max(v, 0.0);
  }
  c[i] = v;
}
