// Softmax and a loss on its probabilities, fused with the loss's gradient and the metrics of training
// and evaluation. The loss is chosen when the pipeline is built (override LOSS, Keras's names):
//   0 categorical_crossentropy: loss = −Σ_j y_j log p_j, gradient (p − y) / V
//   1 mean_squared_error:       loss = (1/C) Σ_j (p_j − y_j)², g_j = 2 (p_j − y_j) / C
//   2 categorical_hinge:        pos = Σ_j y_j p_j, neg = max_j (1 − y_j) p_j, loss = max(0, neg − pos + 1),
//                               g_j = −y_j + (1 − y_j) [j = j*] (j* the arg of neg, ties → lowest index)
// where p = softmax(logits) and y = onehot(label)·(1 − α) + α/C, α the label smoothing (the uniform; the
// host allows α > 0 for cross-entropy only, as Keras does). MSE and hinge reach the logits through the
// softmax Jacobian: dL/dz_i = p_i (g_i − Σ_j p_j g_j) / V.
// Per row: m = max_j x_j (argmax, ties → lowest index), s = Σ_j exp(x_j − m), p_j = exp(x_j − m) / s.
// Cross-entropy is formed from the log-sum-exp shifted by the row max, −log p_j = log s + (m − x_j), so
// logits of ±1e4 stay finite and m − x_label is formed directly (one rounding) rather than as
// (m + log s) − x_label, which loses log s to cancellation when the logits are large; with smoothing,
// loss = log s + (1 − α)(m − x_label) + (α/C) Σ_j (m − x_j).
// Top-k: a row counts when fewer than k classes have a logit strictly greater than the label's (ties at
// the boundary count, as tf.math.in_top_k) and every logit of the row is finite.
// Rows whose label is not a class (PADDING_LABEL 0xFFFFFFFF, or any label ≥ classes) are padding: no loss,
// no accuracy, no top-k, no confusion entry, zero gradient. V = number of valid rows of this batch.
//
// ONE workgroup handles the whole batch (B ≤ a few thousand, C small), so the metrics can be accumulated
// across dispatches without float atomics: thread 0 adds the workgroup's reduced sums. The workgroup runs
// over the batch in passes of WG / LANES rows; LANES threads share a row (LANES = 1 for MNIST's C = 10: one
// thread per row; large C uses up to WG lanes that stride over the classes and reduce in workgroup memory).
//
// logits: (B, C) f32   labels: (B) u32   metrics: 8 words (src/engine/metrics-words.ts)   out: (B, C) f32
// metrics: [0] f32 loss sum over valid rows, [1] f32 correct count, [2] f32 valid-row count,
//          [3] u32 first non-finite step (0xFFFFFFFF = none yet; only `train` writes it), [4] f32 top-k
//          correct count; [5..7] other writers' (the regularizer's penalty), left alone here.
//
// train:    bindings 0 logits, 1 labels, 2 metrics, 3 params, 4 out = dlogits = dL/dz / V (0 for padding);
//           a valid row with a non-finite logit or loss makes the batch non-finite: p.step goes to word 3
//           if it still holds 0xFFFFFFFF.
// evaluate: bindings 0–3 as train, 4 out = probs (softmax of every row, padding rows too, so unlabelled
//           inputs can be predicted), 5 confusion (C, C) u32 atomics (row = true label, column = argmax),
//           6 predictions (B) u32 (argmax; 0xFFFFFFFF for padding rows).

override WG: u32 = 256;    // threads of the single workgroup; a power of two
override LANES: u32 = 1;   // threads per row; a power of two dividing WG
override LOSS: u32 = 0u;   // 0 categorical_crossentropy, 1 mean_squared_error, 2 categorical_hinge

const XENT: u32 = 0u;
const MSE: u32 = 1u;
const HINGE: u32 = 2u;
const NONE: u32 = 0xffffffffu;

struct Params {
  batch: u32,
  classes: u32,
  step: u32,        // the training step, recorded when the loss turns non-finite
  top_k: u32,       // k of the top-k count, ≥ 1
  smoothing: f32,   // α in [0, 1)
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> metrics: array<u32, 8>;
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> confusion: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> predictions: array<u32>;

var<workgroup> red_f: array<vec4<f32>, WG>;
var<workgroup> red_u: array<vec4<u32>, WG>;

// Bit test: compilers may assume floats are never NaN/Inf, so comparisons cannot be trusted to detect them.
fn finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

// (bv, bi) beats (av, ai): larger value, or equal value at a lower index. NONE (a lane without classes)
// never wins, so the row's argmax is always a real class even if every logit is NaN or −Inf.
fn better(bv: f32, bi: u32, av: f32, ai: u32) -> bool {
  return bi != NONE && (ai == NONE || bv > av || (bv == av && bi < ai));
}

// The best (value, index) over the LANES lanes of a row, returned to each of them. Every thread of the
// workgroup must call it (workgroup barriers).
fn lanes_best(tid: u32, lane: u32, v: f32, i: u32) -> vec2<u32> {
  if (LANES == 1u) {
    return vec2<u32>(bitcast<u32>(v), i);
  }
  red_f[tid].x = v;
  red_u[tid].x = i;
  workgroupBarrier();
  for (var s = LANES / 2u; s > 0u; s >>= 1u) {
    if (lane < s && better(red_f[tid + s].x, red_u[tid + s].x, red_f[tid].x, red_u[tid].x)) {
      red_f[tid].x = red_f[tid + s].x;
      red_u[tid].x = red_u[tid + s].x;
    }
    workgroupBarrier();
  }
  let first = tid - lane;
  let r = vec2<u32>(bitcast<u32>(red_f[first].x), red_u[first].x);
  workgroupBarrier();
  return r;
}

// Sums of f (floats) and u (counts) over the LANES lanes of a row, returned to each of them. Every
// thread of the workgroup must call it.
struct LaneSums {
  f: vec4<f32>,
  u: vec4<u32>,
}

fn lanes_sum(tid: u32, lane: u32, f: vec4<f32>, u: vec4<u32>) -> LaneSums {
  if (LANES == 1u) {
    return LaneSums(f, u);
  }
  red_f[tid] = f;
  red_u[tid] = u;
  workgroupBarrier();
  for (var s = LANES / 2u; s > 0u; s >>= 1u) {
    if (lane < s) {
      red_f[tid] += red_f[tid + s];
      red_u[tid] += red_u[tid + s];
    }
    workgroupBarrier();
  }
  let first = tid - lane;
  let r = LaneSums(red_f[first], red_u[first]);
  workgroupBarrier();
  return r;
}

struct RowStats {
  m: f32,     // the row max (the logit at arg)
  arg: u32,
  sum: f32,   // Σ exp(x − m)
}

// Max/argmax and Σ exp(x − m) of `row` over its LANES lanes. Every thread of the workgroup must call it;
// threads with live = false contribute nothing.
fn row_stats(tid: u32, lane: u32, row: u32, live: bool) -> RowStats {
  let base = row * p.classes;
  var bv = 0.0;   // irrelevant while bi = NONE
  var bi = NONE;
  if (live) {
    for (var j = lane; j < p.classes; j += LANES) {
      let v = logits[base + j];
      if (better(v, j, bv, bi)) {
        bv = v;
        bi = j;
      }
    }
  }
  let best = lanes_best(tid, lane, bv, bi);
  let m = bitcast<f32>(best.x);
  var sum = 0.0;
  if (live) {
    for (var j = lane; j < p.classes; j += LANES) {
      sum += exp(logits[base + j] - m);
    }
  }
  return RowStats(m, best.y, lanes_sum(tid, lane, vec4<f32>(sum, 0.0, 0.0, 0.0), vec4<u32>()).f.x);
}

// The smoothed one-hot target y_j.
fn y_target(j: u32, label: u32) -> f32 {
  return select(0.0, 1.0 - p.smoothing, j == label) + p.smoothing / f32(p.classes);
}

struct RowLoss {
  loss: f32,
  dot: f32,     // Σ_j p_j g_j, the softmax Jacobian's correction (MSE, hinge)
  hinge: u32,   // j*, the arg of neg (hinge)
  above: bool,  // the hinge is above 0 (hinge)
  top_k: bool,  // the label is among the k largest logits of a finite row
}

// The loss of a valid row and what its gradient needs, returned to each of its lanes. Every thread of
// the workgroup must call it; threads with live = false contribute nothing.
fn row_loss(tid: u32, lane: u32, row: u32, live: bool, st: RowStats) -> RowLoss {
  let base = row * p.classes;
  var label = 0u;
  var xl = 0.0;
  if (live) {   // a row past the batch has no label to read
    label = labels[row];
    xl = logits[base + label];
  }
  var f = vec4<f32>();   // XENT: Σ(m − x_j); MSE: Σ(p − y)², Σ p·g; HINGE: pos
  var u = vec4<u32>();   // logits > the label's, non-finite logits
  var hv = 0.0;
  var hi = NONE;
  if (live) {
    for (var j = lane; j < p.classes; j += LANES) {
      let x = logits[base + j];
      u.x += select(0u, 1u, x > xl);
      u.y += select(0u, 1u, !finite(x));
      if (LOSS == XENT) {   // cross-entropy needs no probabilities here: no exp in its pass
        f.x += st.m - x;
      } else if (LOSS == MSE) {
        let pj = exp(x - st.m) / st.sum;
        let d = pj - y_target(j, label);
        f.x += d * d;
        f.y += pj * 2.0 * d / f32(p.classes);
      } else {
        let pj = exp(x - st.m) / st.sum;
        let y = y_target(j, label);
        f.x += y * pj;
        let v = (1.0 - y) * pj;
        if (better(v, j, hv, hi)) {
          hv = v;
          hi = j;
        }
      }
    }
  }
  let t = lanes_sum(tid, lane, f, u);
  var r = RowLoss(0.0, 0.0, NONE, false, t.u.y == 0u && t.u.x < p.top_k);
  if (LOSS == XENT) {
    // 0 · Σ(m − x) would be NaN for a −Inf logit that plain cross-entropy does not see.
    let spread = select(0.0, p.smoothing / f32(p.classes) * t.f.x, p.smoothing > 0.0);
    r.loss = log(st.sum) + (1.0 - p.smoothing) * (st.m - xl) + spread;
  } else if (LOSS == MSE) {
    r.loss = t.f.x / f32(p.classes);
    r.dot = t.f.y;
  } else {
    let best = lanes_best(tid, lane, hv, hi);
    let neg = bitcast<f32>(best.x);
    let margin = neg - t.f.x + 1.0;
    r.loss = max(0.0, margin);
    r.above = margin > 0.0;
    r.hinge = best.y;
    r.dot = select(0.0, neg - t.f.x, r.above);   // Σ p g = −pos + (1 − y_j*) p_j* = neg − pos
  }
  return r;
}

// dL/dz_j of a valid row (before the 1/V).
fn grad(j: u32, x: f32, label: u32, st: RowStats, rl: RowLoss) -> f32 {
  let pj = exp(x - st.m) / st.sum;
  let y = y_target(j, label);
  if (LOSS == XENT) {
    return pj - y;
  }
  if (LOSS == MSE) {
    return pj * (2.0 * (pj - y) / f32(p.classes) - rl.dot);
  }
  if (!rl.above) {
    return 0.0;
  }
  let g = -y + select(0.0, 1.0 - y, j == rl.hinge);
  return pj * (g - rl.dot);
}

fn is_valid(row: u32) -> bool {
  return row < p.batch && labels[row] < p.classes;
}

// Number of valid rows of the batch, returned to every thread.
fn count_valid(tid: u32) -> u32 {
  var n = 0u;
  for (var r = tid; r < p.batch; r += WG) {
    n += select(0u, 1u, is_valid(r));
  }
  red_u[tid].x = n;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) {
      red_u[tid].x += red_u[tid + s].x;
    }
    workgroupBarrier();
  }
  let total = red_u[0].x;
  workgroupBarrier();
  return total;
}

// Per-thread partial metrics.
struct Acc {
  loss: f32,
  correct: u32,
  valid: u32,
  bad: u32,     // non-finite logits or losses seen in valid rows
  top_k: u32,
}

// The lane-0 bookkeeping of a valid row.
fn add_row(acc: ptr<function, Acc>, st: RowStats, rl: RowLoss, row: u32) {
  (*acc).loss += rl.loss;
  (*acc).correct += select(0u, 1u, st.arg == labels[row]);
  (*acc).valid += 1u;
  (*acc).bad += select(1u, 0u, finite(rl.loss));
  (*acc).top_k += select(0u, 1u, rl.top_k);
}

// Reduces the partials over the workgroup; thread 0 adds them to metrics (the only writer: race-free).
fn finish(tid: u32, acc: Acc, record_step: bool) {
  red_f[tid] = vec4<f32>(acc.loss, 0.0, 0.0, 0.0);
  red_u[tid] = vec4<u32>(acc.correct, acc.valid, acc.bad, acc.top_k);
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) {
      red_f[tid] += red_f[tid + s];
      red_u[tid] += red_u[tid + s];
    }
    workgroupBarrier();
  }
  if (tid == 0u) {
    let loss = red_f[0].x;
    let t = red_u[0];
    metrics[0] = bitcast<u32>(bitcast<f32>(metrics[0]) + loss);
    metrics[1] = bitcast<u32>(bitcast<f32>(metrics[1]) + f32(t.x));
    metrics[2] = bitcast<u32>(bitcast<f32>(metrics[2]) + f32(t.y));
    metrics[4] = bitcast<u32>(bitcast<f32>(metrics[4]) + f32(t.w));
    if (record_step && (t.z != 0u || !finite(loss)) && metrics[3] == NONE) {
      metrics[3] = p.step;
    }
  }
}

@compute @workgroup_size(WG)
fn train(@builtin(local_invocation_index) tid: u32) {
  // V is needed before the first gradient is written, hence a pass over the labels first.
  let inv_v = 1.0 / f32(max(count_valid(tid), 1u));
  let lane = tid % LANES;
  var acc = Acc(0.0, 0u, 0u, 0u, 0u);
  for (var r0 = 0u; r0 < p.batch; r0 += WG / LANES) {
    let row = r0 + tid / LANES;
    let valid = is_valid(row);
    let st = row_stats(tid, lane, row, valid);
    let rl = row_loss(tid, lane, row, valid, st);
    if (row < p.batch) {
      let base = row * p.classes;
      let label = select(NONE, labels[row], valid);
      for (var j = lane; j < p.classes; j += LANES) {
        var g = 0.0;
        if (valid) {
          let x = logits[base + j];
          acc.bad += select(1u, 0u, finite(x));
          g = grad(j, x, label, st, rl) * inv_v;
        }
        out[base + j] = g;
      }
      if (valid && lane == 0u) {
        add_row(&acc, st, rl, row);
      }
    }
  }
  finish(tid, acc, true);
}

@compute @workgroup_size(WG)
fn evaluate(@builtin(local_invocation_index) tid: u32) {
  let lane = tid % LANES;
  var acc = Acc(0.0, 0u, 0u, 0u, 0u);
  for (var r0 = 0u; r0 < p.batch; r0 += WG / LANES) {
    let row = r0 + tid / LANES;
    let valid = is_valid(row);
    let st = row_stats(tid, lane, row, row < p.batch);
    let rl = row_loss(tid, lane, row, valid, st);
    if (row < p.batch) {
      let base = row * p.classes;
      for (var j = lane; j < p.classes; j += LANES) {
        out[base + j] = exp(logits[base + j] - st.m) / st.sum;
      }
      if (lane == 0u) {
        var pred = NONE;
        if (valid) {
          add_row(&acc, st, rl, row);
          pred = st.arg;
          atomicAdd(&confusion[labels[row] * p.classes + pred], 1u);
        }
        predictions[row] = pred;
      }
    }
  }
  finish(tid, acc, false);
}
