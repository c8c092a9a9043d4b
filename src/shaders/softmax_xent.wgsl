// Softmax cross-entropy fused with the metrics of training and evaluation.
// Per row: m = max_j x_j (argmax, ties → lowest index), s = Σ_j exp(x_j − m), softmax p_j = exp(x_j − m) / s,
// loss = log s + (m − x_label): the log-sum-exp shifted by the row max, so logits of ±1e4 stay finite and
// m − x_label is formed directly (one rounding) rather than as (m + log s) − x_label, which loses log s
// to cancellation when the logits are large.
// Rows whose label is not a class (PADDING_LABEL 0xFFFFFFFF, or any label ≥ classes) are padding: no loss,
// no accuracy, no confusion entry, zero gradient. V = number of valid rows of this batch.
//
// ONE workgroup handles the whole batch (B ≤ a few thousand, C small), so the metrics can be accumulated
// across dispatches without float atomics: thread 0 adds the workgroup's reduced sums. The workgroup runs
// over the batch in passes of WG / LANES rows; LANES threads share a row (LANES = 1 for MNIST's C = 10: one
// thread per row; large C uses up to WG lanes that stride over the classes and reduce in workgroup memory).
//
// logits: (B, C) f32   labels: (B) u32   metrics: 8 words (src/engine/metrics-words.ts)   out: (B, C) f32
// metrics: [0] f32 loss sum over valid rows, [1] f32 correct count, [2] f32 valid-row count,
//          [3] u32 first non-finite step (0xFFFFFFFF = none yet; only `train` writes it); [4..7] other
//          writers' (top-k correct, the regularizer's penalty), left alone here.
//
// train:    bindings 0 logits, 1 labels, 2 metrics, 3 params, 4 out = dlogits = (p − onehot) / V (0 for padding);
//           a valid row with a non-finite logit or loss makes the batch non-finite: p.step goes to word 3
//           if it still holds 0xFFFFFFFF.
// evaluate: bindings 0–3 as train, 4 out = probs (softmax of every row, padding rows too, so unlabelled
//           inputs can be predicted), 5 confusion (C, C) u32 atomics (row = true label, column = argmax),
//           6 predictions (B) u32 (argmax; 0xFFFFFFFF for padding rows).

override WG: u32 = 256;    // threads of the single workgroup; a power of two
override LANES: u32 = 1;   // threads per row; a power of two dividing WG

const NONE: u32 = 0xffffffffu;

struct Params {
  batch: u32,
  classes: u32,
  step: u32,   // the training step, recorded when the loss turns non-finite
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> metrics: array<u32, 8>;
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> confusion: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> predictions: array<u32>;

var<workgroup> red_f: array<f32, WG>;
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

struct RowStats {
  m: f32,     // the row max (the logit at arg)
  arg: u32,
  sum: f32,   // Σ exp(x − m)
}

// Max/argmax and Σ exp(x − m) of `row` over its LANES lanes. Every thread of the workgroup must call it
// (workgroup barriers); threads with live = false contribute nothing.
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
  let first = tid - lane;
  if (LANES > 1u) {
    red_f[tid] = bv;
    red_u[tid].x = bi;
    workgroupBarrier();
    for (var s = LANES / 2u; s > 0u; s >>= 1u) {
      if (lane < s && better(red_f[tid + s], red_u[tid + s].x, red_f[tid], red_u[tid].x)) {
        red_f[tid] = red_f[tid + s];
        red_u[tid].x = red_u[tid + s].x;
      }
      workgroupBarrier();
    }
    bv = red_f[first];
    bi = red_u[first].x;
    workgroupBarrier();
  }
  var sum = 0.0;
  if (live) {
    for (var j = lane; j < p.classes; j += LANES) {
      sum += exp(logits[base + j] - bv);
    }
  }
  if (LANES > 1u) {
    red_f[tid] = sum;
    workgroupBarrier();
    for (var s = LANES / 2u; s > 0u; s >>= 1u) {
      if (lane < s) {
        red_f[tid] += red_f[tid + s];
      }
      workgroupBarrier();
    }
    sum = red_f[first];
    workgroupBarrier();
  }
  return RowStats(bv, bi, sum);
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
  bad: u32,   // non-finite logits or losses seen in valid rows
}

// The lane-0 bookkeeping of a valid row; returns the row's argmax.
fn add_row(acc: ptr<function, Acc>, st: RowStats, row: u32) -> u32 {
  let label = labels[row];
  let loss = log(st.sum) + (st.m - logits[row * p.classes + label]);
  (*acc).loss += loss;
  (*acc).correct += select(0u, 1u, st.arg == label);
  (*acc).valid += 1u;
  (*acc).bad += select(1u, 0u, finite(loss));
  return st.arg;
}

// Reduces the partials over the workgroup; thread 0 adds them to metrics (the only writer: race-free).
fn finish(tid: u32, acc: Acc, record_step: bool) {
  red_f[tid] = acc.loss;
  red_u[tid] = vec4<u32>(acc.correct, acc.valid, acc.bad, 0u);
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) {
      red_f[tid] += red_f[tid + s];
      red_u[tid] += red_u[tid + s];
    }
    workgroupBarrier();
  }
  if (tid == 0u) {
    let loss = red_f[0];
    let t = red_u[0];
    metrics[0] = bitcast<u32>(bitcast<f32>(metrics[0]) + loss);
    metrics[1] = bitcast<u32>(bitcast<f32>(metrics[1]) + f32(t.x));
    metrics[2] = bitcast<u32>(bitcast<f32>(metrics[2]) + f32(t.y));
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
  var acc = Acc(0.0, 0u, 0u, 0u);
  for (var r0 = 0u; r0 < p.batch; r0 += WG / LANES) {
    let row = r0 + tid / LANES;
    let valid = is_valid(row);
    let st = row_stats(tid, lane, row, valid);
    if (row < p.batch) {
      let base = row * p.classes;
      let label = select(NONE, labels[row], valid);
      for (var j = lane; j < p.classes; j += LANES) {
        var g = 0.0;
        if (valid) {
          let x = logits[base + j];
          acc.bad += select(1u, 0u, finite(x));
          g = (exp(x - st.m) / st.sum - select(0.0, 1.0, j == label)) * inv_v;
        }
        out[base + j] = g;
      }
      if (valid && lane == 0u) {
        add_row(&acc, st, row);
      }
    }
  }
  finish(tid, acc, true);
}

@compute @workgroup_size(WG)
fn evaluate(@builtin(local_invocation_index) tid: u32) {
  let lane = tid % LANES;
  var acc = Acc(0.0, 0u, 0u, 0u);
  for (var r0 = 0u; r0 < p.batch; r0 += WG / LANES) {
    let row = r0 + tid / LANES;
    let st = row_stats(tid, lane, row, row < p.batch);
    if (row < p.batch) {
      let base = row * p.classes;
      let valid = is_valid(row);
      for (var j = lane; j < p.classes; j += LANES) {
        out[base + j] = exp(logits[base + j] - st.m) / st.sum;
      }
      if (lane == 0u) {
        var pred = NONE;
        if (valid) {
          pred = add_row(&acc, st, row);
          atomicAdd(&confusion[labels[row] * p.classes + pred], 1u);
        }
        predictions[row] = pred;
      }
    }
  }
  finish(tid, acc, false);
}
