import {
  LOSSES, NO_STEP, PADDING_LABEL, createSoftmaxXentEvaluate, createSoftmaxXentTrain, lanesPerRow, metricsInit, readMetrics, type LossOptions,
} from '../../src/engine/ops/softmax_xent';
import { Rng } from '../../src/engine/random';
import { xentBackward, xentForward, type LossReferenceOptions, type XentReference } from '../reference/softmax_xent';
import { assert, assertBitEqual, assertClose, assertEqual, assertRejects } from '../util/assert';
import { checkGradient } from '../util/gradcheck';
import { output, readF32, readU32, run, testDevice, upload } from '../util/gpu';

// Probabilities: f32 exp is accurate to a few ulp for arguments near 0 (WGSL allows 3 + 2|x| ulp), and
// the sum adds ≤ 1000 terms: 2e-5 relative, 1e-6 absolute for the tiny ones.
const PROB_TOL = { atol: 1e-6, rtol: 2e-5 };
// Loss sums: per-row f32 log/exp error (~1e-6 relative) plus a tree sum over ≤ 1000 rows.
const LOSS_TOL = { atol: 1e-5, rtol: 2e-5 };

interface Case { batch: number; classes: number; logits: Float32Array; labels: Uint32Array }

/** Random logits in [-spread, spread) and labels, with `padding` rows marked at random positions. */
function makeCase(batch: number, classes: number, padding: number, seed: number, spread = 4): Case {
  const rng = new Rng(seed, 1);
  const logits = rng.floats(batch * classes, -spread, spread);
  const labels = Uint32Array.from({ length: batch }, () => rng.int(0, classes - 1));
  for (let k = 0; k < padding; k++) labels[rng.int(0, batch - 1)] = PADDING_LABEL;
  return { batch, classes, logits, labels };
}

function gradTol(ref: XentReference) {
  // dlogits = (p − onehot) / V: the probability tolerance scaled by 1/V.
  return { atol: PROB_TOL.atol / Math.max(ref.valid, 1), rtol: PROB_TOL.rtol };
}

function checkMetrics(words: Uint32Array, refs: XentReference[], what: string, step: number | null = null): void {
  const m = readMetrics(words);
  const sum = (f: (r: XentReference) => number) => refs.reduce((s, r) => s + f(r), 0);
  assertClose([m.lossSum], [sum((r) => r.lossSum)], LOSS_TOL, `${what}: loss sum`);
  assertEqual(m.correct, sum((r) => r.correct), `${what}: correct count`);
  assertEqual(m.count, sum((r) => r.valid), `${what}: valid count`);
  assertEqual(m.topKCorrect, sum((r) => r.topKCorrect), `${what}: top-k count`);
  assertEqual(m.nonFiniteStep, step, `${what}: non-finite step`);
}

async function train(device: GPUDevice, c: Case, o: LossOptions = {}) {
  const logits = upload(device, c.logits);
  const labels = upload(device, c.labels);
  const dlogits = output(device, c.batch * c.classes);
  const metrics = upload(device, metricsInit());
  const op = await createSoftmaxXentTrain(device, {
    label: 'xent', shape: c, logits: logits.buffer, labels: labels.buffer, dlogits: dlogits.buffer, metrics: metrics.buffer, ...o,
  });
  return { op, logits, labels, dlogits, metrics };
}

async function evaluate(device: GPUDevice, c: Case, o: LossOptions = {}) {
  const logits = upload(device, c.logits);
  const labels = upload(device, c.labels);
  const metrics = upload(device, metricsInit());
  const confusion = upload(device, new Uint32Array(c.classes * c.classes));
  const predictions = upload(device, new Uint32Array(c.batch).fill(12345));
  const probs = output(device, c.batch * c.classes);
  const { dispatches } = await createSoftmaxXentEvaluate(device, {
    label: 'xent', shape: c, logits: logits.buffer, labels: labels.buffer, metrics: metrics.buffer,
    confusion: confusion.buffer, predictions: predictions.buffer, probs: probs.buffer, ...o,
  });
  return { dispatches, metrics, confusion, predictions, probs };
}

async function checkEvaluate(device: GPUDevice, c: Case, what: string, o: LossOptions = {}) {
  const ev = await evaluate(device, c, o);
  await run(device, ev.dispatches);
  const ref = xentForward(c.logits, c.labels, c.batch, c.classes, o);
  assertClose(await readF32(device, ev.probs), ref.probs, PROB_TOL, `${what}: probs`);
  assertBitEqual(await readU32(device, ev.predictions), ref.predictions, `${what}: predictions`);
  assertBitEqual(await readU32(device, ev.confusion), ref.confusion, `${what}: confusion`);
  checkMetrics(await readU32(device, ev.metrics), [ref], `${what}: metrics`);
  return ref;
}

describe('softmax cross-entropy', () => {
  it('reference gradient matches finite differences of the mean loss (with padding rows)', () => {
    for (const [batch, classes, padding] of [[5, 7, 2], [1, 3, 0], [4, 40, 1]]) {
      const c = makeCase(batch, classes, padding, 7 + batch);
      const x = Float64Array.from(c.logits);
      checkGradient(`xent ${batch}×${classes}`, x, (v) => [xentForward(v, c.labels, batch, classes).meanLoss], [1],
        xentBackward(x, c.labels, batch, classes));
    }
  });

  const cases: [number, number, number][] = [[1, 10, 0], [3, 10, 1], [128, 10, 0], [300, 10, 7], [1000, 10, 24], [2, 1000, 0], [5, 1000, 2], [300, 37, 3]];
  for (const [batch, classes, padding] of cases) {
    it(`GPU train and evaluate match the reference (B=${batch}, C=${classes}, ${padding} padding, ${lanesPerRow(classes)} lanes/row)`, async () => {
      const device = await testDevice();
      const c = makeCase(batch, classes, padding, batch * 31 + classes);
      const t = await train(device, c);
      t.op.setStep(3);
      await run(device, t.op.dispatches);
      const ref = xentForward(c.logits, c.labels, batch, classes);
      assertClose(await readF32(device, t.dlogits), xentBackward(c.logits, c.labels, batch, classes), gradTol(ref), 'dlogits');
      checkMetrics(await readU32(device, t.metrics), [ref], 'train metrics');
      await checkEvaluate(device, c, 'evaluate');
    });
  }

  it('labels ≥ C and an all-padding batch count as padding', async () => {
    const device = await testDevice();
    const c = makeCase(9, 10, 0, 3);
    c.labels[4] = 10;
    c.labels[8] = 1000;
    const t = await train(device, c);
    await run(device, t.op.dispatches);
    const ref = xentForward(c.logits, c.labels, 9, 10);
    assertEqual(ref.valid, 7, 'reference valid rows');
    assertClose(await readF32(device, t.dlogits), xentBackward(c.logits, c.labels, 9, 10), gradTol(ref), 'dlogits');
    checkMetrics(await readU32(device, t.metrics), [ref], 'metrics');
    await checkEvaluate(device, c, 'evaluate');
    const empty = makeCase(300, 10, 0, 4);
    empty.labels.fill(PADDING_LABEL);
    const e = await train(device, empty);
    await run(device, e.op.dispatches);
    assertBitEqual(await readF32(device, e.dlogits), new Float32Array(3000), 'all-padding dlogits are zero');
    checkMetrics(await readU32(device, e.metrics), [xentForward(empty.logits, empty.labels, 300, 10)], 'all-padding metrics');
  });

  for (const classes of [10, 1000]) {
    it(`huge logits (±1e4) stay finite (C=${classes})`, async () => {
      const device = await testDevice();
      const c = makeCase(classes === 10 ? 200 : 3, classes, 1, 99, 1e4);
      const t = await train(device, c);
      t.op.setStep(1);
      await run(device, t.op.dispatches);
      const ref = xentForward(c.logits, c.labels, c.batch, classes);
      assert(Number.isFinite(ref.lossSum) && ref.lossSum > 1e3, `reference loss sum ${ref.lossSum} is large and finite`);
      const grad = await readF32(device, t.dlogits);
      assert(grad.every(Number.isFinite), 'dlogits are finite');
      assertClose(grad, xentBackward(c.logits, c.labels, c.batch, classes), gradTol(ref), 'dlogits');
      checkMetrics(await readU32(device, t.metrics), [ref], 'metrics');
      await checkEvaluate(device, c, 'evaluate');
    });
  }

  it('accumulates over consecutive dispatches into one metrics buffer and confusion matrix', async () => {
    const device = await testDevice();
    const a = makeCase(300, 10, 5, 11);
    const b = makeCase(300, 10, 0, 12);
    const refs = [xentForward(a.logits, a.labels, 300, 10), xentForward(b.logits, b.labels, 300, 10)];
    const ta = await train(device, a);
    const tb = await train(device, b);
    const shared = ta.metrics.buffer;
    const opB = await createSoftmaxXentTrain(device, { label: 'xent.b', shape: b, logits: tb.logits.buffer, labels: tb.labels.buffer, dlogits: tb.dlogits.buffer, metrics: shared });
    await run(device, [...ta.op.dispatches, ...opB.dispatches]);
    checkMetrics(await readU32(device, ta.metrics), refs, 'train: two batches');
    await run(device, ta.op.dispatches);
    checkMetrics(await readU32(device, ta.metrics), [refs[0], refs[1], refs[0]], 'train: a third dispatch');

    const ea = await evaluate(device, a);
    const eb = await evaluate(device, b);
    const evalB = await createSoftmaxXentEvaluate(device, {
      label: 'xent.b', shape: b, logits: upload(device, b.logits).buffer, labels: upload(device, b.labels).buffer,
      metrics: ea.metrics.buffer, confusion: ea.confusion.buffer, predictions: eb.predictions.buffer, probs: eb.probs.buffer,
    });
    await run(device, [...ea.dispatches, ...evalB.dispatches]);
    checkMetrics(await readU32(device, ea.metrics), refs, 'evaluate: two batches');
    assertBitEqual(await readU32(device, ea.confusion), refs[0].confusion.map((v, i) => v + refs[1].confusion[i]), 'confusion of two batches');
  });

  it('records the first non-finite step and never overwrites it', async () => {
    const device = await testDevice();
    const c = makeCase(20, 10, 0, 5);
    c.labels[3] = PADDING_LABEL;
    const t = await train(device, c);
    const step = async (s: number, logits: Float32Array) => {
      device.queue.writeBuffer(t.logits.buffer, 0, new Float32Array(logits));
      t.op.setStep(s);
      await run(device, t.op.dispatches);
      return readMetrics(await readU32(device, t.metrics)).nonFiniteStep;
    };
    const withValue = (row: number, col: number, v: number) => {
      const x = c.logits.slice();
      x[row * 10 + col] = v;
      return x;
    };
    assertEqual(await step(5, c.logits), null, 'finite batch');
    assertEqual(await step(6, withValue(3, 2, Number.NaN)), null, 'NaN in a padding row only');
    assertEqual(xentForward(withValue(17, 4, Number.NaN), c.labels, 20, 10).nonFinite, true, 'reference flags the NaN');
    assertEqual(await step(7, withValue(17, 4, Number.NaN)), 7, 'NaN logit in a valid row');
    assertEqual(await step(9, withValue(0, 0, Number.NaN)), 7, 'a later NaN batch keeps the first step');
    assertEqual(await step(10, c.logits), 7, 'a later finite batch keeps it too');
    device.queue.writeBuffer(t.metrics.buffer, 0, metricsInit());
    assertEqual(await step(12, withValue(1, c.labels[1], Number.POSITIVE_INFINITY)), 12, '+Inf logit in a valid row');
    device.queue.writeBuffer(t.metrics.buffer, 0, metricsInit());
    assertEqual(await step(13, withValue(19, 9, Number.NEGATIVE_INFINITY)), 13, '−Inf logit in a valid row');
    // wide rows (several lanes per row) detect it too
    const w = makeCase(3, 1000, 0, 6);
    w.logits[1 * 1000 + 777] = Number.NaN;
    const tw = await train(device, w);
    tw.op.setStep(42);
    await run(device, tw.op.dispatches);
    assertEqual(readMetrics(await readU32(device, tw.metrics)).nonFiniteStep, 42, 'NaN in a 1000-class row');
  });

  it('argmax ties go to the lowest index, across lanes too', async () => {
    const device = await testDevice();
    const small = makeCase(4, 10, 0, 8, 1);
    small.logits.fill(0.5, 0, 10); // all equal → 0
    small.logits[10 + 2] = 3; small.logits[10 + 7] = 3; small.labels[1] = 2; // tie → 2: correct
    small.logits[20 + 4] = 3; small.logits[20 + 9] = 3; small.labels[2] = 9; // tie → 4: wrong
    small.logits.fill(-2, 30, 40); small.logits[30 + 9] = -1; // unique max at the end
    const r = await checkEvaluate(device, small, 'C=10 ties');
    assertBitEqual(r.predictions, Uint32Array.of(0, 2, 4, 9), 'tie predictions by construction');
    const wide = makeCase(2, 1000, 0, 9, 1);
    for (const j of [999, 900, 130, 131]) wide.logits[j] = 5; // several lanes hold the max
    wide.logits.fill(0.25, 1000, 2000);
    const rw = await checkEvaluate(device, wide, 'C=1000 ties');
    assertBitEqual(rw.predictions, Uint32Array.of(130, 0), 'tie predictions by construction');
  });

  it('rejects bad shapes, small buffers and bad steps', async () => {
    const device = await testDevice();
    const c = makeCase(4, 10, 0, 1);
    const t = await train(device, c);
    const args = { label: 'x', logits: t.logits.buffer, labels: t.labels.buffer, dlogits: t.dlogits.buffer, metrics: t.metrics.buffer };
    await assertRejects(() => createSoftmaxXentTrain(device, { ...args, shape: { batch: 0, classes: 10 } }), /softmax_xent: batch must be a positive integer, got 0/, 'batch 0');
    await assertRejects(() => createSoftmaxXentTrain(device, { ...args, shape: { batch: 4, classes: 2.5 } }), /classes must be a positive integer/, 'fractional classes');
    await assertRejects(() => createSoftmaxXentTrain(device, { ...args, shape: { batch: 5, classes: 10 } }), /logits holds 160 bytes, needs 200/, 'logits too small');
    await assertRejects(() => createSoftmaxXentTrain(device, { ...args, shape: c, metrics: { buffer: t.metrics.buffer, size: 8 } }), /metrics holds 8 bytes, needs 32/, 'metrics range too small');
    await assertRejects(() => createSoftmaxXentEvaluate(device, {
      label: 'x', shape: c, logits: t.logits.buffer, labels: t.labels.buffer, metrics: t.metrics.buffer,
      confusion: upload(device, new Uint32Array(90)).buffer, predictions: t.labels.buffer, probs: t.dlogits.buffer,
    }), /confusion holds 368 bytes, needs 400/, 'confusion too small');
    await assertRejects(() => t.op.setStep(-1), /step must be an integer/, 'negative step');
    await assertRejects(() => t.op.setStep(NO_STEP), /step must be an integer/, 'the sentinel step');
  });
});

/** Every loss, and cross-entropy with label smoothing. */
const LOSS_CASES: LossOptions[] = [...LOSSES.map((loss) => ({ loss })), { loss: 'categorical_crossentropy', labelSmoothing: 0.1 }];
const lossName = (o: LossOptions) => `${o.loss}${o.labelSmoothing ? ` α=${o.labelSmoothing}` : ''}`;

describe('losses on the softmax and top-k accuracy', () => {
  it('reference gradients match finite differences of each mean loss (with padding rows)', () => {
    for (const o of LOSS_CASES) {
      for (const [batch, classes, padding] of [[5, 7, 2], [1, 3, 0], [4, 40, 1]]) {
        const c = makeCase(batch, classes, padding, 17 + batch);
        const x = Float64Array.from(c.logits);
        const ref = o as LossReferenceOptions;
        checkGradient(`${lossName(o)} ${batch}×${classes}`, x, (v) => [xentForward(v, c.labels, batch, classes, ref).meanLoss], [1],
          xentBackward(x, c.labels, batch, classes, ref));
      }
    }
  });

  it('the reference matches the formulas on a hand-worked row', () => {
    // logits ln(1), ln(2), ln(1): p = (0.25, 0.5, 0.25); label 0.
    const x = [0, Math.log(2), 0];
    const f = (o: LossReferenceOptions) => xentForward(x, [0], 1, 3, o).lossSum;
    assertClose([f({})], [-Math.log(0.25)], { atol: 1e-12, rtol: 0 }, 'cross-entropy');
    // α = 0.3: y = (0.8, 0.1, 0.1)
    assertClose([f({ labelSmoothing: 0.3 })], [-(0.8 * Math.log(0.25) + 0.1 * Math.log(0.5) + 0.1 * Math.log(0.25))], { atol: 1e-12, rtol: 0 }, 'smoothed');
    assertClose([f({ loss: 'mean_squared_error' })], [(0.75 ** 2 + 0.5 ** 2 + 0.25 ** 2) / 3], { atol: 1e-12, rtol: 0 }, 'mse');
    assertClose([f({ loss: 'categorical_hinge' })], [0.5 - 0.25 + 1], { atol: 1e-12, rtol: 0 }, 'hinge');
  });

  // The loss and the lanes per row are override constants: each pair is a pipeline (~3.5 s to compile on
  // SwiftShader). Every loss runs on one lane per row and on several (8: the lanes' reductions, shared by all
  // losses); 64 and 128 lanes are the cross-entropy's, above.
  const cases: [number, number, number][] = [[300, 10, 7], [1, 10, 0], [257, 37, 3]];
  for (const o of LOSS_CASES) {
    for (const [batch, classes, padding] of cases) {
      it(`${lossName(o)}: GPU train and evaluate match the reference (B=${batch}, C=${classes}, ${padding} padding, ${lanesPerRow(classes)} lanes/row)`, async () => {
        const device = await testDevice();
        const c = makeCase(batch, classes, padding, batch * 7 + classes);
        const t = await train(device, c, o);
        await run(device, t.op.dispatches);
        const ref = xentForward(c.logits, c.labels, batch, classes, o as LossReferenceOptions);
        assertClose(await readF32(device, t.dlogits), xentBackward(c.logits, c.labels, batch, classes, o as LossReferenceOptions), gradTol(ref), 'dlogits');
        checkMetrics(await readU32(device, t.metrics), [ref], 'train metrics');
        await checkEvaluate(device, c, 'evaluate', o);
      });
    }
  }

  it('top-k: k = 1 is accuracy; ties at the boundary count; non-finite rows never count; k ≥ C counts every finite row', async () => {
    const device = await testDevice();
    for (const classes of [10, 300]) {
      const c = makeCase(300, classes, 5, classes);
      for (const topK of [1, 2, 5, classes]) {
        const ref = await checkEvaluate(device, c, `C=${classes} k=${topK}`, { topK });
        if (topK === 1) assertEqual(ref.topKCorrect, ref.correct, 'k = 1 counts the argmax hits');
        if (topK === classes) assertEqual(ref.topKCorrect, ref.valid, 'k = C counts every row');
      }
    }
    const c = makeCase(4, 10, 0, 21, 1);
    c.labels.set([3, 3, 3, 3]);
    c.logits.fill(0, 0, 10); // row 0: all tied: 0 greater → counts for k = 1 (argmax is 0, not 3: not correct)
    c.logits.fill(0, 10, 20); c.logits[10 + 3] = 1; c.logits[10 + 5] = 2; c.logits[10 + 6] = 2; // row 1: 2 greater
    c.logits[20 + 7] = Number.NaN; // row 2: non-finite: never counts
    c.logits.fill(-1, 30, 40); c.logits[30 + 3] = 1; c.logits[30 + 9] = Number.POSITIVE_INFINITY; // row 3 too
    for (const [topK, expected] of [[1, 1], [2, 1], [3, 2], [10, 2]]) {
      // (the NaN rows make the loss sums NaN, so only the counts are compared here)
      assertEqual(xentForward(c.logits, c.labels, 4, 10, { topK }).topKCorrect, expected, `reference top-${topK}`);
      const ev = await evaluate(device, c, { topK });
      await run(device, ev.dispatches);
      assertEqual(readMetrics(await readU32(device, ev.metrics)).topKCorrect, expected, `evaluate top-${topK}`);
      const t = await train(device, c, { topK });
      await run(device, t.op.dispatches);
      assertEqual(readMetrics(await readU32(device, t.metrics)).topKCorrect, expected, `train top-${topK}`);
    }
  });

  it('huge logits (±1e4) stay finite for every loss', async () => {
    const device = await testDevice();
    for (const o of LOSS_CASES) {
      const c = makeCase(50, 10, 1, 98, 1e4);
      const t = await train(device, c, o);
      await run(device, t.op.dispatches);
      const ref = xentForward(c.logits, c.labels, c.batch, 10, o as LossReferenceOptions);
      const grad = await readF32(device, t.dlogits);
      assert(grad.every(Number.isFinite), `${lossName(o)}: dlogits are finite`);
      assertClose(grad, xentBackward(c.logits, c.labels, c.batch, 10, o as LossReferenceOptions), gradTol(ref), `${lossName(o)}: dlogits`);
      checkMetrics(await readU32(device, t.metrics), [ref], `${lossName(o)}: metrics`);
    }
  });

  it('rejects an unknown loss, smoothing outside [0, 1) or with another loss, and a bad k', async () => {
    const device = await testDevice();
    const c = makeCase(4, 10, 0, 1);
    for (const [o, pattern] of [
      [{ loss: 'hinge' }, /loss must be one of categorical_crossentropy, mean_squared_error, categorical_hinge, got hinge/],
      [{ labelSmoothing: 1 }, /label smoothing must be in \[0, 1\), got 1/],
      [{ labelSmoothing: -0.1 }, /label smoothing must be in \[0, 1\)/],
      [{ loss: 'mean_squared_error', labelSmoothing: 0.1 }, /label smoothing applies to categorical_crossentropy only, not mean_squared_error/],
      [{ topK: 0 }, /topK must be a whole number ≥ 1, got 0/],
      [{ topK: 1.5 }, /topK must be a whole number/],
    ] as [LossOptions, RegExp][]) {
      await assertRejects(() => train(device, c, o), pattern, JSON.stringify(o));
      await assertRejects(() => evaluate(device, c, o), pattern, `evaluate ${JSON.stringify(o)}`);
    }
  });
});
