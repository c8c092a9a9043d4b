// The overfitting verdict's rules (engine/verdict.ts) as the element words them, in both languages; the panel
// under the charts and the advice sentence are verdict-panel.test.ts's.
import { overfittingVerdict, renderVerdict } from '../../src/components/verdict';
import { render } from 'lit';
import { setLocale } from '../../src/components/i18n';
import { overfittingVerdict as engineVerdict, judgeOverfitting } from '../../src/engine/verdict';
import { Rng } from '../../src/engine/random';
import { hist, uses, type Row } from './verdict-fixtures';
import { assert, assertEqual } from '../util/assert';

describe('overfittingVerdict', () => {
  it("is 'none' before any epoch", () => {
    const v = overfittingVerdict(hist([]));
    assertEqual(v.level, 'none', 'level');
    assertEqual(v.suggestDropout, false, 'suggestDropout');
    assert(v.title.length > 0 && v.detail.length > 0, 'has words');
  });

  it("is 'ok' after one healthy epoch, and explains a negative gap", () => {
    const v = overfittingVerdict(hist([[0.3, 0.91, 0.15, 0.955]]));
    assertEqual(v.level, 'ok', 'level');
    assert(v.detail.includes('91.0%') && v.detail.includes('95.5%'), `detail quotes both accuracies: ${v.detail}`);
    assert(v.detail.includes('test is ahead by 4.5 points'), `negative gap explained: ${v.detail}`);
    assert(/after 1 epoch\b(?!s)/.test(v.detail), `singular epoch: ${v.detail}`);
  });

  it('calls a gap that rounds to 0.0 points a gap, not a lead, in both languages of the verdict', () => {
    for (const v of [overfittingVerdict(hist([[0.3, 0.9532, 0.15, 0.9535]])), engineVerdict(hist([[0.3, 0.9532, 0.15, 0.9535]]))]) {
      assert(v.detail.includes('a gap of 0.0 points') && !v.detail.includes('ahead by'), `no lead of 0.0 points: ${v.detail}`);
    }
    assert(engineVerdict(hist([[0.3, 0.9532, 0.15, 0.9545]])).detail.includes('test is ahead by 0.1 points'), 'a rounded lead is still a lead');
  });

  it("is 'watch' (cannot judge) when the last epoch has NaN or infinite numbers", () => {
    for (const row of [[Number.NaN, 0.1, 2.3, 0.1], [0.2, 0.9, Number.POSITIVE_INFINITY, 0.9], [0.2, Number.NaN, 0.2, 0.9]] as Row[]) {
      const v = overfittingVerdict(hist([[0.5, 0.8, 0.4, 0.85], row]));
      assertEqual(v.level, 'watch', `level for ${row}`);
      assert(/not numbers/.test(v.title) && /learning rate/.test(v.detail), `explains divergence: ${v.title} / ${v.detail}`);
      assertEqual(v.suggestDropout, false, 'suggestDropout');
    }
  });

  it('says a model whose train and held-out accuracy are both less than 10 points above chance is not learning, with a lower learning rate as advice', () => {
    // The run that found this (Adam at rate 10, 3,000 images, the command line): test loss fell 34%, which read as "still learning".
    const adam10 = hist([[12.1, 0.098, 11.2, 0.101], [10.2333, 0.1047, 8.69, 0.092], [14.0114, 0.102, 5.7582, 0.1001]]);
    const v = overfittingVerdict(adam10, uses(0.5));
    assertEqual(`${v.level} ${v.title}`, 'watch Not learning', v.detail);
    assertEqual(v.detail, 'Train accuracy 10.2%, test accuracy 10.0% after 3 epochs: close to guessing one of 10 classes (10.0%). Train loss 14.011, test loss 5.758. ' +
      'The usual cause is a learning rate too high for the optimizer: the steps overshoot, and the loss jumps about or explodes (if instead it barely moves, the rate is too low). ' +
      'Try a learning rate ten times lower.', 'the words');
    assertEqual(JSON.stringify(judgeOverfitting(adam10).remedies), '["lower-learning-rate"]', 'one remedy');
    assertEqual(v.suggestDropout, false, 'no dropout for a model that learns nothing');
    const at = (acc: number, valAcc: number, classes?: number) => judgeOverfitting(hist([[2.3, acc, 2.3, valAcc]]), undefined, { classes }).case;
    assertEqual(at(0.199, 0.199), 'not-learning', 'just under 20% of 10 classes');
    assertEqual(at(0.199, 0.201), 'ok', 'held-out above the line: judged as usual');
    assertEqual(at(0.201, 0.19), 'ok', 'train above the line');
    // The page's run that found the line at 5 points too low (Adam at 10, 1,000 images): called "test loss went up".
    assertEqual(judgeOverfitting(hist([[55577, 0.12, 60.17, 0.13], [216.3, 0.198, 67.1, 0.154]])).case, 'not-learning', 'Adam at 10 on the page');
    assertEqual(at(0.59, 0.58, 2), 'not-learning', 'chance is 50% with 2 classes');
    assertEqual(at(0.61, 0.6, 2), 'ok', '2 classes, above the line');
    assertEqual(at(0.12, 0.13, 2), 'not-learning', 'below chance is guessing too');
    const nan = judgeOverfitting(hist([[Number.NaN, 0.1, 2.3, 0.1]]));
    assertEqual(nan.case, 'not-finite', 'NaN is judged first');
  });

  it('says which way the learning rate is off where the loss function is known: far above a guess, or near it', () => {
    const ce = { loss: 'categorical_crossentropy' as const };
    // Adam at 10 on the page: the first epoch's train loss 55,577 against a guess's ln 10 = 2.303.
    const high = hist([[55577, 0.12, 60.17, 0.13], [216.3, 0.198, 67.1, 0.154]]);
    for (const v of [overfittingVerdict(high, undefined, ce), engineVerdict(high, undefined, ce)]) {
      assertEqual(v.detail, 'Train accuracy 19.8%, test accuracy 15.4% after 2 epochs: close to guessing one of 10 classes (10.0%). Train loss 216.300, test loss 67.100; ' +
        'a guess scores 2.303, and the loss has been far above that: the learning rate is too high for the optimizer, so the steps overshoot. Try a learning rate ten times lower.', 'too high');
    }
    // SGD at 1e-5: the loss has not left a guess's.
    const low = hist([[2.31, 0.1, 2.302, 0.11], [2.3, 0.12, 2.296, 0.13]]);
    for (const v of [overfittingVerdict(low, undefined, ce), engineVerdict(low, undefined, ce)]) {
      assert(v.detail.endsWith('Train loss 2.300, test loss 2.296; a guess scores 2.303, and the loss has stayed near that: the steps are too small to move it ' +
        '(a learning rate too low for the optimizer), or the model needs more epochs. Try a learning rate ten times higher or more epochs.'), v.detail);
    }
    assertEqual(JSON.stringify(judgeOverfitting(low, undefined, ce).remedies), '["higher-learning-rate","more-epochs"]', 'higher, and more epochs');
    // Only a loss far above a guess's is an overshoot: 1.5 × (C − 1)/C² for MSE, 1.5 for the hinge.
    const mse = (l: number) => judgeOverfitting(hist([[l, 0.1, l, 0.1]]), undefined, { loss: 'mean_squared_error' }).overshoot;
    assertEqual(`${mse(0.136)} ${mse(0.134)}`, 'true false', 'MSE: 1.5 × 0.09');
    const hinge = (l: number) => judgeOverfitting(hist([[l, 0.1, l, 0.1]]), undefined, { loss: 'categorical_hinge' }).overshoot;
    assertEqual(`${hinge(1.51)} ${hinge(1.49)}`, 'true false', 'hinge: 1.5');
    assertEqual(judgeOverfitting(low).overshoot, undefined, 'a History alone: unknown');
  });

  it('says it is not learning in Russian, and links the learning rate under the charts', async () => {
    const h = hist([[2.4, 0.1, 2.35, 0.098], [2.38, 0.11, 2.34, 0.1]]);
    const revealed: string[] = [];
    const host = document.createElement('div');
    render(renderVerdict(h, uses(0), false, { raiseDropout: () => {}, reveal: (n) => revealed.push(n) }), host);
    const links = [...host.querySelectorAll<HTMLButtonElement>('[part~="remedy"]')];
    assertEqual(links.map((b) => b.textContent).join(), 'Learning rate', 'the field to change');
    links[0].click();
    assertEqual(revealed.join(), 'learningRate', 'revealed');
    assertEqual(host.querySelector('[part~="dropout"]'), null, 'no dropout button');
    await setLocale('ru');
    try {
      const v = overfittingVerdict(h);
      assertEqual(v.title, 'Модель не учится', 'title');
      assert(v.detail.startsWith('Точность на обучающей выборке 11,0\u00a0%, на тестовой выборке 10,0\u00a0% после 2-й эпохи: почти как при угадывании одного из 10 классов (10,0\u00a0%).'), v.detail);
      assert(v.detail.endsWith('Попробуйте скорость обучения в десять раз меньше.'), v.detail);
    } finally {
      await setLocale('en');
    }
  });

  it('ignores a NaN in an earlier epoch', () => {
    const v = overfittingVerdict(hist([[0.5, 0.8, Number.NaN, 0.85], [0.3, 0.9, 0.2, 0.93], [0.2, 0.94, 0.15, 0.95]]));
    assertEqual(v.level, 'ok', 'level');
  });

  it("is 'overfitting' when test loss rose while train loss fell for 2 epochs in a row", () => {
    const v = overfittingVerdict(hist([
      [0.30, 0.920, 0.100, 0.970],
      [0.10, 0.970, 0.080, 0.975], // lowest test loss
      [0.06, 0.980, 0.090, 0.975],
      [0.04, 0.985, 0.100, 0.974],
    ]));
    assertEqual(v.level, 'overfitting', 'level');
    assertEqual(v.suggestDropout, true, 'suggestDropout');
    assert(v.detail.includes('2 epochs in a row'), `streak named: ${v.detail}`);
    assert(v.detail.includes('lowest after epoch 2'), `best epoch named: ${v.detail}`);
    assert(/dropout/i.test(v.detail), 'suggests dropout in words');
  });

  it("is only 'watch' when test loss ticks up once", () => {
    const v = overfittingVerdict(hist([[0.3, 0.92, 0.1, 0.97], [0.1, 0.97, 0.08, 0.975], [0.06, 0.98, 0.09, 0.976]]));
    assertEqual(v.level, 'watch', 'level');
    assert(/loss went up/.test(v.title), v.title);
    assertEqual(v.suggestDropout, false, 'suggestDropout');
  });

  it("is 'watch', not 'overfitting', when test loss rises together with train loss", () => {
    const v = overfittingVerdict(hist([[0.3, 0.92, 0.1, 0.97], [0.35, 0.91, 0.12, 0.96], [0.4, 0.9, 0.14, 0.95]]));
    assertEqual(v.level, 'watch', 'level');
  });

  it('treats loss changes below 0.1% as flat', () => {
    const v = overfittingVerdict(hist([[0.3, 0.92, 0.1, 0.97], [0.1, 0.97, 0.1000001, 0.975], [0.06, 0.975, 0.10000015, 0.975]]));
    assertEqual(v.level, 'ok', 'level');
  });

  it("is 'overfitting' at a gap of >= 3 points once train accuracy is >= 99%, not below either threshold", () => {
    const over = overfittingVerdict(hist([[0.01, 0.999, 0.2, 0.964]]));
    assertEqual(over.level, 'overfitting', 'gap 3.5 at 99.9%');
    assertEqual(over.suggestDropout, true, 'suggestDropout');
    assert(over.detail.includes('3.5 points'), over.detail);
    assertEqual(overfittingVerdict(hist([[0.01, 0.999, 0.1, 0.974]])).level, 'ok', 'gap 2.5 at 99.9%');
    const wide = overfittingVerdict(hist([[0.05, 0.985, 0.2, 0.95]]));
    assertEqual(`${wide.level} ${wide.title}`, 'watch Watch: a wide gap', 'gap 3.5 at 98.5%: not overfitting by the rules, but not "about as well" either');
    assert(wide.detail.startsWith('Train accuracy is 3.5 points above test accuracy: the model does clearly better on its training images than on new ones'), wide.detail);
  });

  it('does not call a model with a wide gap still learning, however fast its held-out loss falls', () => {
    // The screenshot's run that found this: 1,000 images, no dropout, epoch 8: a 9.8-point gap, test loss 0.447 → 0.388.
    const v = overfittingVerdict(hist([[0.15, 0.97, 0.447, 0.87], [0.11, 0.978, 0.388, 0.88]]));
    assertEqual(v.title, 'Watch: a wide gap', v.detail);
  });

  it("is 'overfitting' at a gap of >= 10 points whatever the train accuracy", () => {
    const v = overfittingVerdict(hist([[0.2, 0.9, 0.8, 0.79]]));
    assertEqual(v.level, 'overfitting', 'level');
    assert(v.detail.includes('11.0 points'), v.detail);
  });

  it("is 'watch' when a gap of >= 1.5 points is growing, 'ok' when it shrinks", () => {
    const growing = overfittingVerdict(hist([[0.3, 0.95, 0.2, 0.945], [0.2, 0.97, 0.15, 0.96], [0.1, 0.98, 0.12, 0.96]]));
    assertEqual(growing.level, 'watch', 'growing gap');
    assert(growing.detail.includes('from 1.0 point to 2.0 points'), growing.detail);
    const shrinking = overfittingVerdict(hist([[0.2, 0.98, 0.15, 0.955], [0.1, 0.982, 0.12, 0.962]]));
    assertEqual(shrinking.level, 'ok', 'shrinking gap');
    // A tiny run's: test ahead by 25.8 points after epoch 1, train ahead by 8.6 after epoch 2 ("grew from 25.8" hid the sign).
    const crossed = overfittingVerdict(hist([[2.1, 0.367, 1.9, 0.625], [1.423, 0.711, 1.434, 0.625]]));
    assertEqual(crossed.title, 'Watch: the gap is growing', crossed.detail);
    assert(crossed.detail.startsWith('Train accuracy went from 25.8 points below test accuracy to 8.6 points above it.'), crossed.detail);
  });

  it('uses the shortest metric array when an epoch is half recorded', () => {
    const h = hist([[0.3, 0.92, 0.1, 0.97], [0.1, 0.97, 0.098, 0.975]]);
    h.loss.push(0.05);
    h.accuracy.push(0.99);
    const v = overfittingVerdict(h);
    assertEqual(v.level, 'ok', 'level');
    assert(v.detail.includes('after 2 epochs'), v.detail);
  });

  it('says a model whose held-out loss fell by 5% or more in the last epoch is still learning', () => {
    const at = (valLoss: number) => overfittingVerdict(hist([[0.3, 0.92, 0.1, 0.97], [0.1, 0.97, valLoss, 0.975]]));
    const v = at(0.08);
    assertEqual(v.level, 'ok', 'not a warning');
    assertEqual(v.title, 'No sign of overfitting; still learning', 'title');
    assert(v.detail.endsWith('Test loss fell 20% in the last epoch (0.100 → 0.080): the model has not finished learning (it underfits), so more epochs should help.'), v.detail);
    assertEqual(at(0.095).title, 'No sign of overfitting; still learning', 'exactly 5%');
    assertEqual(at(0.096).title, 'No sign of overfitting', '4%: converging');
    assertEqual(overfittingVerdict(hist([[0.3, 0.92, 0.1, 0.97]])).title, 'No sign of overfitting', 'one epoch: nothing to compare');
    assertEqual(overfittingVerdict(hist([[0.3, 0.92, 0, 0.97], [0.1, 0.97, 0, 0.975]])).title, 'No sign of overfitting', 'a held-out loss at 0 twice (a hinge loss) did not fall');
  });

  it('says it in Russian', async () => {
    await setLocale('ru');
    try {
      const v = overfittingVerdict(hist([[0.3, 0.92, 0.1, 0.97], [0.1, 0.97, 0.08, 0.975]]));
      assertEqual(v.title, 'Признаков переобучения нет; модель ещё учится', 'title');
      assert(v.detail.endsWith('Потери на тестовой выборке за последнюю эпоху снизились на 20\u00a0% (0,100 → 0,080): модель ещё не доучилась (недообучена), и больше эпох должно помочь.'), v.detail);
    } finally {
      await setLocale('en');
    }
  });

  it('says how the gap and held-out loss moved since the last live change, once an epoch has ended after it', () => {
    const rows: Row[] = [[0.30, 0.920, 0.100, 0.970], [0.10, 0.990, 0.080, 0.975], [0.06, 0.995, 0.090, 0.974], [0.09, 0.985, 0.070, 0.980]];
    const h = hist(rows);
    h.live_changes = [{ step: 250, epoch: 2.5, setting: 'dropout', from: 0, to: 0.5 }];
    assertEqual(overfittingVerdict(hist(rows.slice(0, 2))).since, undefined, 'no change: nothing');
    const early = { ...hist(rows.slice(0, 2)), live_changes: h.live_changes };
    assertEqual(overfittingVerdict(early).since, undefined, 'no epoch ended after the change yet');
    assertEqual(overfittingVerdict({ ...h, live_changes: [{ ...h.live_changes[0], step: 50, epoch: 0.5 }] }).since, undefined, 'a change in epoch 1: nothing before it');
    // Epoch 2 (the last before the change): gap 1.5 points, test loss 0.080; epoch 4: gap 0.5 points, test loss 0.070.
    assertEqual(overfittingVerdict(h).since, 'Since epoch 2.5 (dropout 0 → 0.5): the gap between train and test accuracy went from 1.5 points to 0.5 points, test loss from 0.080 to 0.070 '
      + '(epoch 2 → epoch 4). Train accuracy is measured with dropout on, so a dropout change moves it too: test loss is the fairer judge.', 'the sentence');
    const lr = { ...h, live_changes: [{ step: 250, epoch: 2.5, setting: 'learning_rate' as const, from: 0.001, to: 0.0005 }] };
    assert(overfittingVerdict(lr).since?.endsWith('(epoch 2 → epoch 4).'), `a rate change: no dropout caveat: ${overfittingVerdict(lr).since}`);
    const host = document.createElement('div');
    render(renderVerdict(h, uses(0.5), false, { raiseDropout: () => {}, reveal: () => {} }), host);
    assert(host.querySelector('[part="verdict-since"]')?.textContent?.startsWith('Since epoch 2.5'), 'shown under the verdict');
  });

  it('says the since-sentence in Russian', async () => {
    const h = hist([[0.30, 0.920, 0.100, 0.970], [0.10, 0.990, 0.080, 0.975], [0.09, 0.985, 0.070, 0.980]]);
    h.live_changes = [{ step: 250, epoch: 1.25, setting: 'dropout', from: null, to: 0.5 }];
    await setLocale('ru');
    try {
      assertEqual(overfittingVerdict(h).since, 'С эпохи 1,25 (dropout как в модели → 0,5): разрыв между точностью на обучающей и на тестовой выборке изменился с -5,0\u00a0п.\u00a0п. до 0,5\u00a0п.\u00a0п., '
        + 'потери на тестовой выборке — с 0,100 до 0,070 (эпоха 1 → эпоха 3). Точность на обучающей выборке измеряется с включённым dropout, поэтому изменение dropout '
        + 'сдвигает и её: честнее судить по потерям на тестовой выборке.', 'in Russian');
    } finally {
      await setLocale('en');
    }
  });

  it("says 'validation' when val_* is a validation split and 'test' otherwise", () => {
    const rows: Row[] = [[0.3, 0.92, 0.1, 0.97]];
    assert(overfittingVerdict(hist(rows)).detail.includes('test accuracy 97.0%'), 'test wording');
    const v = overfittingVerdict(hist(rows, [[0, 0, 0.11, 0.968]]));
    assert(v.detail.includes('validation accuracy 97.0%'), `validation wording: ${v.detail}`);
  });

  it("words the engine's rules: in English the element's verdict equals the experiments report's, on 400 random histories", () => {
    const rng = new Rng(11);
    const levels = new Set<string>();
    let withSince = 0;
    const remedies = new Set<string>();
    const cases = new Set<string>();
    for (let k = 0; k < 400; k++) {
      const rows: Row[] = [];
      let [loss, acc, vLoss, vAcc] = [rng.floats(1, 0.2, 2)[0], rng.floats(1, 0.5, 0.95)[0], rng.floats(1, 0.2, 2)[0], rng.floats(1, 0.5, 0.95)[0]];
      const epochs = 1 + Math.floor(rng.floats(1, 0, 6)[0]);
      for (let e = 0; e < epochs; e++) {
        const [d] = rng.floats(1, -0.3, 0.2);
        loss = Math.max(0.001, loss * (1 + d));
        vLoss = Math.max(0.001, vLoss * (1 + rng.floats(1, -0.2, 0.25)[0]));
        acc = Math.min(1, Math.max(0, acc + rng.floats(1, -0.02, 0.06)[0]));
        vAcc = Math.min(1, Math.max(0, vAcc + rng.floats(1, -0.05, 0.04)[0]));
        rows.push([loss, acc, vLoss, k % 37 === 0 && e === epochs - 1 ? Number.NaN : vAcc]);
      }
      // One history in 29 guesses (accuracies near 10%): the 'not-learning' case.
      if (k % 29 === 3) rows.forEach((r) => { r[1] = 0.1 + (r[1] - 0.7) / 10; r[3] = 0.1 + (r[3] - 0.7) / 10; });
      const h = k % 3 === 0 ? hist(rows, rows.map(([a, b, c, d]) => [a, b, c * 1.01, d])) : hist(rows);
      // Every other history has live changes somewhere in it (one or two at one step), worded since then.
      if (k % 2 === 1) {
        const epoch = rng.floats(1, 0, epochs)[0];
        h.live_changes = [{ step: Math.round(epoch * 100), epoch: Math.round(epoch * 100) / 100, setting: 'dropout', from: k % 4 === 1 ? null : 0, to: 0.5 }];
        if (k % 5 === 0) h.live_changes.push({ ...h.live_changes[0], setting: 'learning_rate', from: 0.001, to: 0.0005 });
      }
      // Two histories in three judged with a random run's regularizers, so that every remedy's two wordings meet.
      const inUse = k % 3 === 2 ? undefined
        : { dropoutLayers: k % 7 === 0 ? 0 : 1, dropoutRate: [0, 0.1, 0.25, 0.3, 0.5][k % 5], weightPenalty: k % 4 < 2, augmentation: k % 8 < 4, earlyStopping: k % 11 < 5 };
      // Every other one with its loss function known, so that all three wordings of 'not-learning' meet.
      const run = k % 2 === 0 ? { loss: 'categorical_crossentropy' as const } : undefined;
      const element = overfittingVerdict(h, inUse, run);
      if (element.since) withSince++;
      const judged = judgeOverfitting(h, inUse, run);
      for (const r of judged.remedies) remedies.add(r);
      cases.add(judged.case);
      assertEqual(JSON.stringify(element), JSON.stringify(engineVerdict(h, inUse, run)), `history ${k}`);
      levels.add(element.level);
    }
    assert(['ok', 'watch', 'overfitting'].every((l) => levels.has(l)), `every level reached: ${[...levels].join(', ')}`);
    assert(withSince > 50, `the since-sentence compared too (${withSince} histories)`);
    assertEqual(remedies.size, 12, `every remedy worded both ways: ${[...remedies].join(', ')}`);
    assertEqual(cases.size, 10, `every case after the first epoch worded both ways: ${[...cases].join(', ')}`);
  });
});
