// The verdict as the element shows it under the charts (its remedy links, train-on and dropout buttons) and its
// advice sentence; the rules themselves are verdict.test.ts's.
import { overfittingVerdict, renderVerdict } from '../../src/components/verdict';
import { revealField } from '../../src/components/controls';
import { mount, shadow } from './util';
import { render } from 'lit';
import { setLocale } from '../../src/components/i18n';
import type { Regularizers } from '../../src/engine/verdict-remedies';
import type { History } from '../../src/engine/trainer';
import { assert, assertEqual } from '../util/assert';
import { hist, uses } from './verdict-fixtures';

describe('the verdict under the charts', () => {
  const overfit = hist([[0.30, 0.920, 0.100, 0.970], [0.10, 0.970, 0.080, 0.975], [0.06, 0.980, 0.090, 0.975], [0.04, 0.985, 0.100, 0.974]]);
  function shown(h: History, rate: number, layers: number, raise = () => {}, more: Partial<Regularizers> = {}, reveal = (_: string) => {}, limited = false): HTMLElement {
    const host = document.createElement('div');
    render(renderVerdict(h, { ...uses(rate), dropoutLayers: layers, ...more }, limited, { raiseDropout: raise, reveal }), host);
    return host;
  }

  it("links the advice's other remedies to their fields, for the next run", () => {
    const revealed: string[] = [];
    const host = shown(overfit, 0.3, 1, () => {}, { augmentation: true }, (n) => revealed.push(n));
    const links = [...host.querySelectorAll<HTMLButtonElement>('[part~="remedy"]')];
    // 'rising': more dropout (the button), weight decay, early stopping, more data (no limit: no field), a smaller model.
    assertEqual(links.map((b) => b.textContent).join(), 'Weight decay,Early stopping,Model', 'one field per remedy, dropout left to its button');
    links.forEach((b) => b.click());
    assertEqual(revealed.join(), 'weightDecay,earlyStopping,model', 'each reveals its field');
    const limited = shown(overfit, 0.5, 1, () => {}, { weightPenalty: true, earlyStopping: true }, () => {}, true);
    assertEqual([...limited.querySelectorAll('[part~="remedy"]')].map((b) => b.textContent).join(), 'Data augmentation,Train images,Model', 'augmentation, more data where limited');
    assertEqual(shown(hist([[0.3, 0.91, 0.15, 0.955]]), 0, 1).querySelector('[part~="remedy"]'), null, 'no links without advice');
    const learning = shown(hist([[0.3, 0.92, 0.1, 0.97], [0.1, 0.97, 0.08, 0.975]]), 0.5, 1);
    assertEqual([...learning.querySelectorAll('[part~="remedy"]')].map((b) => b.textContent).join(), 'Epochs', 'still learning: the epochs');
  });

  it('offers to train a model still learning on, to twice its epochs, only where it can be (actions.trainOn)', () => {
    const learning = hist([[0.3, 0.92, 0.1, 0.97], [0.1, 0.97, 0.08, 0.975]]);
    let ran = 0;
    const render1 = (h: History, trainOn?: { epochs: number; run(): void }) => {
      const host = document.createElement('div');
      render(renderVerdict(h, uses(0.5), false, { raiseDropout: () => {}, reveal: () => {}, ...(trainOn ? { trainOn } : {}) }), host);
      return host.querySelector<HTMLButtonElement>('[part~="train-on"]');
    };
    const button = render1(learning, { epochs: 4, run: () => ran++ });
    assertEqual(button?.textContent, 'Train on to 4 epochs', 'the button names the epochs it trains to');
    button!.click();
    assertEqual(ran, 1, 'it trains on');
    assertEqual(render1(learning), null, 'not where the element cannot train this model on');
    assertEqual(render1(overfit, { epochs: 8, run: () => ran++ }), null, 'not for an overfitting model');
    assertEqual(render1(hist([[0.3, 0.91, 0.15, 0.955], [0.2, 0.93, 0.149, 0.955]]), { epochs: 4, run: () => ran++ }), null, 'not for one that has stopped learning');
  });

  it('reveals a field in a closed group of the form: opens the group and focuses the field', async () => {
    const el = await mount({});
    try {
      const root = shadow(el);
      const field = root.querySelector<HTMLElement>('#f-early-stopping')!;
      const group = field.closest('details')!;
      assertEqual(group.open, false, 'the callbacks group closed at first');
      revealField(root, 'earlyStopping');
      assert(group.open && root.activeElement === field, 'open, and the field focused');
    } finally {
      el.remove();
    }
  });

  it('offers to turn dropout on, or raise it to 0.5, where the advice includes dropout and the model has a dropout layer', () => {
    let raised = 0;
    const off = shown(overfit, 0, 1, () => raised++);
    assert(off.querySelector('[part~="verdict"].overfitting'), 'the overfitting verdict');
    const button = off.querySelector<HTMLButtonElement>('[part~="dropout"]')!;
    assertEqual(button.textContent, 'Turn dropout on (0.5)', 'from no dropout');
    button.click();
    assertEqual(raised, 1, 'the button raises dropout');
    assertEqual(shown(overfit, 0.3, 1).querySelector('[part~="dropout"]')!.textContent, 'Raise dropout to 0.5', 'from some dropout');
    const enough = shown(overfit, 0.5, 1);
    assert(!enough.querySelector('[part~="dropout"]') && !/dropout/.test(enough.querySelector('p')!.textContent!), 'at 0.5: neither a button nor dropout in the advice');
    const none = shown(overfit, 0, 0);
    assert(!none.querySelector('[part~="dropout"]') && /no dropout layer/.test(none.textContent!), 'without a dropout layer: a note instead');
    assertEqual(shown(hist([[0.3, 0.91, 0.15, 0.955]]), 0, 1).querySelector('[part~="dropout"]'), null, 'no button when the model is fine');
    assertEqual(shown(hist([]), 0, 1).textContent, '', 'nothing before the first epoch');
  });
});

describe("the verdict's advice", () => {
  // Held-out loss rising for 3 epochs while train loss falls ('rising'), and a 10-point gap ('gap-severe').
  const rising = hist([[0.30, 0.920, 0.100, 0.970], [0.10, 0.970, 0.080, 0.975], [0.06, 0.980, 0.090, 0.975], [0.04, 0.985, 0.100, 0.974]]);
  const gap = hist([[0.2, 0.9, 0.8, 0.79]]);
  const advice = (h: History, inUse?: Regularizers) => / Try (.*)$/.exec(overfittingVerdict(h, inUse).detail)?.[1];

  it("is the lab's without knowing the run, and names only what the run does not use yet", () => {
    assertEqual(advice(rising), 'dropout (0.2–0.5), fewer epochs, more training data or a smaller model.', 'unknown run, rising');
    assertEqual(advice(gap), 'dropout (0.2–0.5), more training data or a smaller model.', 'unknown run, a gap');
    assertEqual(advice(rising, uses(0)), 'dropout (0.2–0.5), weight decay, augmentation (random shifts and rotations), early stopping, more training data or a smaller model.', 'nothing in use');
    assertEqual(advice(gap, uses(0.3, { augmentation: true })), 'more dropout (0.5 rather than 0.3), weight decay, more training data or a smaller model.', 'some dropout, augmentation');
    assertEqual(advice(rising, uses(0.5, { weightPenalty: true, earlyStopping: true })), 'augmentation (random shifts and rotations), more training data or a smaller model.',
      'dropout 0.5, weight decay, early stopping');
    assertEqual(advice(gap, { ...uses(0), dropoutLayers: 0, weightPenalty: true, augmentation: true }), 'a dropout layer (rate 0.2–0.5), more training data or a smaller model.', 'no dropout layer');
    assertEqual(overfittingVerdict(gap, uses(0.5)).suggestDropout, false, 'no dropout button at 0.5');
    assertEqual(overfittingVerdict(gap, uses(0.1)).suggestDropout, true, 'below 0.2: turn it on');
  });

  it('says the advice in Russian', async () => {
    await setLocale('ru');
    try {
      assertEqual(advice(gap), undefined, 'not the English sentence');
      const detail = overfittingVerdict(rising, uses(0.25, { weightPenalty: true })).detail;
      assert(detail.endsWith('Меньше всего потери на тестовой выборке были после 2-й эпохи. Попробуйте более сильный dropout (0,5 вместо 0,25), '
        + 'аугментацию (случайные сдвиги и повороты), раннюю остановку, больше обучающих данных или модель поменьше.'), detail);
    } finally {
      await setLocale('en');
    }
  });
});
