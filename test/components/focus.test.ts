// Where the keyboard focus goes when the control that had it is disabled or removed by its own action
// (src/components/focus.ts): the run buttons (Train → Stop, Stop and Reset → Train, Pause and Resume one
// button), a comparison row's Remove, "Clear saved runs", the model builder's last layer; and that an action
// taken from code moves no focus. Also: an open help text closes when the focus leaves it.
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import type { MtCompare, RunRecord, LoadedRun } from '../../src/components/compare-runs';
import type { MtModelBuilder } from '../../src/components/model-builder';
import { deepActiveElement, focusDropped } from '../../src/components/focus';
import { emptyHistory } from '../../src/engine/trainer';
import { assert, assertEqual } from '../util/assert';
import { frames, mount, until, untilPhase } from './util';

const LONG = { model: 'mlp', 'train-limit': '256', 'test-limit': '100', 'batch-size': '32', epochs: '50', seed: '3' };
const active = () => deepActiveElement();
const describe_ = (e: Element | null) => (e ? `${e.localName}${e.getAttribute('part') ? `[part=${e.getAttribute('part')}]` : ''} "${e.textContent?.trim().slice(0, 30)}"` : 'null');
/** Takes the focus off everything (the page's body has it). */
const blurAll = () => (active() as HTMLElement | null)?.blur();

function record(id: number): RunRecord {
  const history = emptyHistory();
  history.loss = [0.5];
  history.accuracy = [0.8];
  history.test_loss = [0.6];
  history.test_accuracy = [0.75];
  return { id, label: `Run ${id}`, color: '#8250df', parameters: 100, seconds: 3, history, settings: { model: 'mlp', epochs: 1 }, status: 'finished' };
}

describe('focus after the run buttons', function () {
  this.timeout(240000);
  let el: MnistTrainer;
  const button = (part: string) => el.shadowRoot!.querySelector<HTMLButtonElement>(`[part~="${part}"]`)!;
  before(async () => { el = await mount(LONG); });
  after(async () => {
    await el.reset();
    el.remove();
  });

  it('Train → Stop (Pause when it is enabled); Pause and Resume are one button that keeps the focus; Stop → Train; Reset → Train', async () => {
    const train = button('train');
    train.focus();
    train.click();
    await until(() => active() === button('stop') || active() === button('pause'), `the focus on Stop or Pause after Train (on ${describe_(active())})`, 10000);
    await untilPhase(el, ['training'], 120000);

    const pause = button('pause');
    pause.focus();
    pause.click();
    await el.updateComplete;
    assertEqual(el.controller.phase, 'paused', 'paused');
    assert(button('resume') === pause, 'Resume is the Pause button, its text changed');
    assertEqual(pause.textContent!.trim(), 'Resume', 'its text');
    await frames(2);
    assert(active() === pause, `the focus stays on it (on ${describe_(active())})`);
    pause.click();
    await el.updateComplete;
    assert(button('pause') === pause && active() === pause && el.controller.phase === 'training', 'Resume: the same button, focused, training again');

    const stop = button('stop');
    stop.focus();
    stop.click();
    await until(() => active() === button('train'), `the focus on Train once the run stopped (on ${describe_(active())})`, 60000);
    assert(!button('train').disabled, 'Train enabled');

    const reset = button('reset');
    reset.focus();
    reset.click();
    await until(() => reset.disabled && active() === button('train'), `the focus on Train after Reset (on ${describe_(active())})`, 10000);
  });

  it('train() from code, or a click while the focus is elsewhere, moves no focus', async () => {
    const rate = el.shadowRoot!.querySelector<HTMLInputElement>('#f-learning-rate')!; // live: enabled while a run trains
    rate.focus();
    void el.train();
    await untilPhase(el, ['training'], 120000);
    await el.updateComplete;
    await frames(3);
    assert(active() === rate, `the focus stays in the Learning rate field (on ${describe_(active())})`);
    await el.stop();
    await el.updateComplete;
    blurAll();
    button('train').click(); // not focused: a script's click
    await untilPhase(el, ['loading', 'compiling', 'training'], 10000);
    await el.updateComplete;
    await frames(3);
    assert(active() === null || active() === document.body, `the focus is left where it was (on ${describe_(active())})`);
    await el.stop();
  });
});

describe('focus after a removed run or layer', function () {
  this.timeout(60000);
  afterEach(() => document.querySelectorAll('mt-compare, mt-model-builder, mnist-trainer').forEach((e) => e.remove()));

  /** A comparison table whose remove-run events remove the row, as <mnist-trainer>'s RunBook does. */
  async function table(n: number): Promise<MtCompare> {
    const el = document.createElement('mt-compare');
    el.runs = Array.from({ length: n }, (_, i) => record(i + 1));
    el.addEventListener('remove-run', (e) => { el.runs = el.runs.filter((r) => r.id !== (e as CustomEvent<{ id: number }>).detail.id); });
    document.body.append(el);
    await el.updateComplete;
    return el;
  }
  const removes = (el: MtCompare) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('td.remove button')];
  const press = async (el: MtCompare, b: HTMLButtonElement) => {
    b.focus();
    b.click();
    await el.updateComplete;
    await frames(2);
  };

  it("a removed row's Remove: the focus goes to the neighbouring row's Remove, then to the \"No runs yet\" text", async () => {
    const el = await table(3);
    await press(el, removes(el)[1]);
    assertEqual(active()?.getAttribute('aria-label'), 'Remove Run 3', 'the next row\'s Remove');
    await press(el, removes(el)[1]); // the last row
    assertEqual(active()?.getAttribute('aria-label'), 'Remove Run 1', 'the row before it, when the last row went');
    await press(el, removes(el)[0]);
    const empty = el.shadowRoot!.querySelector('[part="empty"]');
    assert(empty && active() === empty && empty.getAttribute('tabindex') === '-1', `the "No runs yet" text (on ${describe_(active())})`);
  });

  it('a Remove pressed from code (the focus elsewhere) moves no focus', async () => {
    const el = await table(2);
    blurAll();
    removes(el)[1].click();
    await el.updateComplete;
    await frames(2);
    assert(active() === null || active() === document.body, `no focus taken (on ${describe_(active())})`);
  });

  it('"Clear saved runs": the focus goes to the comparison\'s "No runs yet" text', async () => {
    const el = await mount({ 'persist-runs': '', 'store-name': `test-focus-${Math.random().toString(36).slice(2)}` });
    const compare = el.shadowRoot!.querySelector('mt-compare')!;
    const { id: _i, label: _l, color: _c, ...loaded } = record(1);
    compare.dispatchEvent(new CustomEvent('runs-loaded', { detail: { runs: [loaded as LoadedRun] }, bubbles: true, composed: true }));
    await until(() => el.savedRuns.count === 1, 'the run saved');
    await el.updateComplete;
    const clear = el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="clear-runs"]')!;
    assert(!clear.disabled, 'Clear enabled');
    clear.focus();
    clear.click();
    await until(() => active() === compare.shadowRoot!.querySelector('[part="empty"]'), `the focus on the empty table's text (on ${describe_(active())})`, 10000);
    assert(clear.disabled, 'Clear is disabled');
    await el.savedRuns.settled();
  });

  it("the model builder's last layer removed: the focus goes to the type of the layer to add", async () => {
    const el = document.createElement('mt-model-builder') as MtModelBuilder;
    el.layers = [{ type: 'flatten' }];
    document.body.append(el);
    await el.updateComplete;
    const x = el.shadowRoot!.querySelector<HTMLButtonElement>('[data-action="remove"]')!;
    x.focus();
    x.click();
    await el.updateComplete;
    await frames(2);
    assertEqual(el.layers.length, 0, 'no layers');
    assert(active() === el.shadowRoot!.querySelector('[data-role="add-type"]'), `the Add layer type select (on ${describe_(active())})`);
  });

  it('focusDropped: the body, or a disabled or removed control, has lost it; another control has not', async () => {
    const b = document.createElement('button');
    const other = document.createElement('button');
    document.body.append(b, other);
    try {
      b.focus();
      assert(!focusDropped(b), 'an enabled focused button');
      b.disabled = true;
      assert(focusDropped(b), 'disabled while focused');
      other.focus();
      assert(!focusDropped(b), 'the focus moved on to another control');
      other.blur();
      assert(focusDropped(b), 'nothing has it');
    } finally {
      b.remove();
      other.remove();
    }
  });
});

describe('help texts and the focus', () => {
  afterEach(() => document.querySelectorAll('mnist-trainer').forEach((e) => e.remove()));

  it('an open help text closes when the focus leaves it (Tab to the next field), and stays open while it is inside', async () => {
    const el = await mount({});
    const root = el.shadowRoot!;
    const rate = root.querySelector('#f-learning-rate')!.parentElement!.querySelector<HTMLDetailsElement>('details.help')!;
    const summary = rate.querySelector('summary')!;
    summary.focus();
    summary.click();
    await el.updateComplete;
    assert(rate.open, 'open');
    const text = rate.querySelector<HTMLElement>('div[role="note"]')!;
    text.focus(); // a click in the text (tabindex -1)
    assert(rate.open, 'the focus in its text keeps it open');
    rate.querySelector('a')!.focus();
    assert(rate.open, 'the focus on its link keeps it open');
    root.querySelector<HTMLSelectElement>('#f-lr-schedule')!.focus();
    assert(!rate.open, 'the focus on the next field closes it');
  });
});
