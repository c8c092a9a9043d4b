import { formatSeconds, parseRunsJson, runsCsv, runsJson, varyingSettings, type LoadedRun, type MtCompare, type RunsLoadedDetail, type OverlayChangeDetail, type RemoveRunDetail, type RunRecord } from '../../src/components/compare-runs';
import { emptyHistory } from '../../src/engine/trainer';
import { DEFAULT_SETTINGS } from '../../src/engine/settings';
import { setLocale } from '../../src/components/i18n';
import { assert, assertEqual } from '../util/assert';
import { until } from './util';

function run(id: number, acc: number[], testAcc: number[], extra: Partial<RunRecord> = {}): RunRecord {
  const h = emptyHistory();
  h.accuracy = acc;
  h.loss = acc.map((a) => 1 - a);
  h.test_accuracy = testAcc;
  h.test_loss = testAcc.map((a) => 1.5 - a);
  h.val_accuracy = testAcc;
  h.val_loss = h.test_loss;
  return {
    id, label: `Run ${id}`, color: ['#e41a1c', '#377eb8', '#4daf4a'][id % 3], parameters: 1000 * id + 234, seconds: 75, history: h,
    settings: { model: 'cnn', optimizer: 'adam', lr: 0.001, batch: 64, dropout: 0.25, epochs: acc.length, seed: id }, status: 'finished',
    ...extra,
  };
}

async function mount(runs: RunRecord[], selected: number[] = []): Promise<MtCompare> {
  const el = document.createElement('mt-compare');
  el.runs = runs;
  el.selected = selected;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const text = (e: Element) => e.textContent!.replace(/\s+/g, ' ').trim();

describe('<mt-compare>', () => {
  afterEach(() => document.querySelectorAll('mt-compare').forEach((e) => e.remove()));

  it('shows an empty state without runs', async () => {
    const el = await mount([]);
    assert(el.shadowRoot!.querySelector('[part="empty"]'), 'empty text');
    assertEqual(el.shadowRoot!.querySelectorAll('tbody tr').length, 0, 'no rows');
  });

  it('renders one row per run with settings, size, final metrics and time; marks the best test accuracy', async () => {
    const runs = [
      run(1, [0.9, 0.95], [0.93, 0.961]),
      run(2, [0.92, 0.97, 0.985], [0.95, 0.975, 0.9812], { settings: { model: 'mlp', optimizer: 'sgd', lr: 0.05, batch: 128, dropout: 0, epochs: 5, seed: 9 }, seconds: 3725 }),
      run(3, [0.8], [0.85], { seconds: 4.25, status: 'diverged at step 812' }),
    ];
    const el = await mount(runs);
    const rows = [...el.shadowRoot!.querySelectorAll('tbody tr')];
    assertEqual(rows.length, 3, 'rows');
    const r2 = rows[1];
    const setting = (k: string) => text(r2.querySelector(`td[data-setting="${k}"]`)!);
    assertEqual([setting('model'), setting('optimizer'), setting('lr'), setting('batch'), setting('dropout'), setting('seed')].join(' '), 'mlp sgd 0.05 128 0 9', 'settings');
    assertEqual(setting('epochs'), '3/5', 'epochs done of planned');
    const t = text(r2);
    for (const s of ['Run 2', '2,234', '98.50%', '98.12%', '0.0150', '0.5188', '1 h 02 min']) assert(t.includes(s), `row 2 shows ${s}: ${t}`);
    assert(r2.classList.contains('best') && !rows[0].classList.contains('best'), 'best run marked');
    assertEqual(text(rows[0].querySelector('td[data-setting="epochs"]')!), '2', 'complete run shows its epochs');
    assert(text(rows[2]).includes('4.3 s'), 'seconds');
    assertEqual(text(rows[0].querySelector('td[data-status]')!), 'finished', 'a finished run’s status');
    assertEqual(text(rows[2].querySelector('td[data-status]')!), 'diverged at step 812', 'a failed run’s status is shown');
    const swatch = rows[0].querySelector('.swatch') as HTMLElement;
    assertEqual(getComputedStyle(swatch).backgroundColor, 'rgb(55, 126, 184)', 'colour swatch');
  });

  it('leads with the results, marks the settings that differ between runs, and keeps the run\'s name in view', async () => {
    const a = run(1, [0.9], [0.93]);
    const b = run(2, [0.9], [0.95], { settings: { ...a.settings, dropout: 0, seed: 1 } });
    const el = await mount([a, b]);
    const heads = [...el.shadowRoot!.querySelectorAll('thead th')].map(text);
    assertEqual(heads.slice(0, 7).join('|'), 'Overlay|Run|Test acc.|Train acc.|Test loss|Train loss|Status', 'the results come first');
    const bold = [...el.shadowRoot!.querySelectorAll('tbody tr:first-child td.differs')].map((td) => td.getAttribute('data-setting'));
    assertEqual(bold.join(), 'dropout', 'only the setting that differs is marked');
    assertEqual(heads[7], 'Dropout', 'and comes first among the settings, next to the results');
    assertEqual(heads.slice(8, 14).join('|'), 'Model|Optimizer|LR|Batch|Epochs|Seed', 'then the others in their order');
    const cell = el.shadowRoot!.querySelector('td.differs')!;
    assertEqual(getComputedStyle(cell).fontWeight, '600', 'in bold');
    assert(!el.shadowRoot!.querySelector('td[data-setting="seed"].differs'), 'the same seed is not marked');
    el.style.width = '320px';
    await el.updateComplete;
    const scroll = el.shadowRoot!.querySelector<HTMLElement>('.table-scroll')!;
    const name = el.shadowRoot!.querySelector('tbody th.run')!;
    scroll.scrollLeft = scroll.scrollWidth;
    const left = name.getBoundingClientRect().left - scroll.getBoundingClientRect().left;
    assert(scroll.scrollLeft > 100 && Math.abs(left) < 1, `the run's name stays at the left edge when scrolled: ${left} px`);
  });

  it('shows a run\'s live changes of the rate and dropout after its start value, and marks them as a difference', async () => {
    const a = run(1, [0.9, 0.92], [0.93, 0.94]);
    const b = run(2, [0.9, 0.92], [0.93, 0.95], { settings: { ...a.settings, dropout: 0, seed: 1 } });
    b.history.live_changes = [
      { step: 90, epoch: 0.9, setting: 'dropout', from: 0, to: 0.5 }, { step: 120, epoch: 1.2, setting: 'dropout', from: 0.5, to: null },
      { step: 120, epoch: 1.2, setting: 'learning_rate', from: 0.001, to: 0.0005 },
    ];
    const el = await mount([a, b]);
    const cell = (row: number, setting: string) => text(el.shadowRoot!.querySelector(`tbody tr:nth-child(${row}) td[data-setting="${setting}"]`)!);
    assertEqual(`${cell(2, 'dropout')} | ${cell(2, 'lr')}`, "0 → 0.5 → the model's | 0.001 → 0.0005", 'the changed run');
    assertEqual(`${cell(1, 'dropout')} | ${cell(1, 'lr')}`, '0.25 | 0.001', 'the other');
    const bold = [...el.shadowRoot!.querySelectorAll('tbody tr:first-child td.differs')].map((td) => td.getAttribute('data-setting'));
    assertEqual(bold.join(), 'lr,dropout', 'the rate differs by its change alone');
  });

  it('sorts by a result, size or time when its heading is clicked, the other way on a second click, unknown values last', async () => {
    const runs = [run(1, [0.9], [0.93]), run(2, [0.9], [0.97], { seconds: 10 }), run(3, [0.9], [Number.NaN], { seconds: 5 }), run(4, [0.9], [0.95], { seconds: 20 })];
    const el = await mount(runs);
    const order = () => [...el.shadowRoot!.querySelectorAll('tbody tr')].map((tr) => tr.getAttribute('data-id')).join();
    const heading = (label: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>('thead th')].find((th) => text(th).startsWith(label))!;
    const click = async (label: string) => {
      heading(label).querySelector('button')!.click();
      await el.updateComplete;
    };
    assertEqual(order(), '1,2,3,4', 'the order they ended');
    await click('Test acc.');
    assertEqual(`${order()} ${heading('Test acc.').getAttribute('aria-sort')} ${text(heading('Test acc.'))}`, '2,4,1,3 descending Test acc. ▼', 'best first, the unknown last');
    assertEqual(heading('Run').getAttribute('aria-sort'), 'none', 'the other headings say so');
    await click('Test acc.');
    assertEqual(order(), '1,4,2,3', 'the other way, the unknown still last');
    await click('Time');
    assertEqual(`${order()} ${heading('Time').getAttribute('aria-sort')}`, '3,2,4,1 ascending', 'shortest first');
    assert(el.shadowRoot!.querySelector('tbody tr[data-id="2"]')!.classList.contains('best'), 'the best run stays marked wherever it is');
    await click('Run');
    assertEqual(order(), '1,2,3,4', 'back to the table\'s order');
  });

  it('in a narrow element the table scrolls sideways and its caption wraps inside the visible width, staying in view', async () => {
    const el = await mount([run(1, [0.9], [0.93], { status: 'stopped at epoch 1 of 5' })]);
    el.style.width = '320px';
    await el.updateComplete;
    const scroll = el.shadowRoot!.querySelector<HTMLElement>('.table-scroll')!;
    const caption = el.shadowRoot!.querySelector('caption > span')!;
    assert(scroll.scrollWidth > scroll.clientWidth + 100, `the table is wider than the element: ${scroll.scrollWidth} vs ${scroll.clientWidth}`);
    const inView = () => {
      const box = scroll.getBoundingClientRect();
      const c = caption.getBoundingClientRect();
      return c.left >= box.left - 0.5 && c.right <= box.left + scroll.clientWidth + 0.5 && c.height > 2 * parseFloat(getComputedStyle(caption).fontSize);
    };
    assert(inView(), `the caption wraps within the visible ${scroll.clientWidth} px: ${JSON.stringify(caption.getBoundingClientRect())}`);
    scroll.scrollLeft = scroll.scrollWidth;
    assert(scroll.scrollLeft > 0 && inView(), 'and stays in view when the columns scroll');
  });

  it('adds a column for each other setting a run changed (loss, weight decay, augmentation, …), and only then', async () => {
    const defaults = varyingSettings(DEFAULT_SETTINGS);
    const plain = run(1, [0.9], [0.93], { settings: { ...run(1, [0.9], [0.93]).settings, ...defaults } });
    const fixed = ['model', 'optimizer', 'lr', 'batch', 'dropout', 'epochs', 'seed'];
    const headings = (el: MtCompare) => [...el.shadowRoot!.querySelectorAll('thead th[data-setting]')].filter((th) => !fixed.includes(th.getAttribute('data-setting')!)).map(text);
    let el = await mount([plain]);
    assertEqual(headings(el).join(), '', 'every other setting at its default: no extra column');
    el.remove();
    // A run comparing the loss, with weight decay set, shifted images and a training subset; one recorded before the keys were.
    const changed = run(2, [0.9], [0.93], { settings: { ...plain.settings, loss: 'categorical_hinge', weightDecay: 0.01, augmentShift: 2, trainLimit: 1000 } });
    const older = run(3, [0.9], [0.93]);
    el = await mount([plain, changed, older]);
    assertEqual(headings(el).join(), 'Loss,Weight decay,Shift (px),Train images', 'a column per changed setting, in the schema order');
    const cells = (row: number) => [...el.shadowRoot!.querySelectorAll(`tbody tr:nth-child(${row}) td[data-setting]`)]
      .filter((td) => !fixed.includes(td.getAttribute('data-setting')!)).map(text).join(' | ');
    assertEqual(cells(1), "categorical_crossentropy | the optimizer's own | 0 | all", 'the defaults, absent ones in words');
    assertEqual(cells(2), 'categorical_hinge | 0.01 | 2 | 1000', 'the changed values');
    assertEqual(cells(3), '— | — | — | —', 'not recorded');
    el.remove();
    await setLocale('ru');
    el = await mount([plain, changed]);
    assertEqual(headings(el).join(), 'Функция потерь,Затухание весов,Сдвиг (пкс),Число обучающих изображений', 'headings in Russian');
    assertEqual(cells(1), 'categorical_crossentropy | своё у оптимизатора | 0 | все', 'absent values in Russian');
    await setLocale('en');
  });

  it('shows the layers of custom models (a preset is named by its name)', async () => {
    const preset = run(1, [0.9], [0.93], { settings: { ...run(1, [0.9], [0.93]).settings, layers: 'Flatten → Dense 128 relu → Dense 10' } });
    let el = await mount([preset]);
    assert(!el.shadowRoot!.querySelector('[data-setting="layers"]'), 'presets only: no layers column');
    el.remove();
    const custom = run(2, [0.9], [0.93], { settings: { ...preset.settings, model: 'custom', layers: 'Conv 3×3×8 relu → MaxPool 2 → Flatten → Dense 10' } });
    el = await mount([preset, custom]);
    const cells = [...el.shadowRoot!.querySelectorAll('td[data-setting="layers"]')].map(text);
    assertEqual(cells.join(' | '), 'Flatten → Dense 128 relu → Dense 10 | Conv 3×3×8 relu → MaxPool 2 → Flatten → Dense 10', 'every run\'s layers');
    assertEqual(text(el.shadowRoot!.querySelector('th[data-setting="layers"]')!), 'Layers', 'the heading');
    el.remove();
    // Recorded in English ('custom', '0.002 cosine'), shown in the page's language.
    const cosine = run(3, [0.9], [0.93], { settings: { ...custom.settings, lr: '0.002 cosine' } });
    await setLocale('ru');
    try {
      el = await mount([custom, cosine]);
      const cell = (key: string, row: number) => text([...el.shadowRoot!.querySelectorAll(`td[data-setting="${key}"]`)][row]);
      assertEqual(`${cell('model', 0)} | ${cell('lr', 1)}`, 'своя | 0,002 косинусное затухание', 'the model and the schedule in Russian');
    } finally {
      el.remove();
      await setLocale('en');
    }
  });

  it('saves the table as runs.csv (a row per run, every recorded setting) and runs.json (with each History)', async () => {
    const a = run(1, [0.9, 0.95], [0.93, 0.961], { settings: { ...run(1, [0.9], [0.93]).settings, dropout: 'model', ...varyingSettings(DEFAULT_SETTINGS), dataSource: 'https://example.org/a,b/' } });
    const b = run(2, [0.8], [0.85], { status: 'stopped at epoch 1 of 3', parameters: Number.NaN, from: 1 });
    b.history.live_changes = [{ step: 5, epoch: 1 / 3, setting: 'dropout', from: 0.25, to: 0 }, { step: 9, epoch: 0.6, setting: 'learning_rate', from: 0.001, to: 0.002 }];
    const lines = runsCsv([a, b]).split('\n');
    const head = lines[0].split(',');
    assertEqual(head.slice(0, 15).join(), 'run,status,test_accuracy,train_accuracy,test_loss,train_loss,epochs_done,continued_from,model,optimizer,learningRate,batchSize,dropout,epochs,seed', 'the leading columns');
    assertEqual(head.slice(-4).join(), 'layers,parameters,seconds,live_changes', 'the trailing columns');
    assert(head.includes('labelSmoothing') && head.includes('trainLimit'), `every varying setting has a column: ${lines[0]}`);
    // The raw cells of a line, split at the commas outside quotes.
    const split = (line: string) => {
      const cells = [''];
      let quoted = false;
      for (const ch of line) {
        if (ch === '"') quoted = !quoted;
        if (ch === ',' && !quoted) cells.push('');
        else cells[cells.length - 1] += ch;
      }
      return cells;
    };
    const cell = (line: number, name: string) => split(lines[line])[head.indexOf(name)];
    assertEqual(split(lines[1]).length, head.length, 'as many cells as columns');
    assertEqual(cell(1, 'test_accuracy'), '0.961', 'the final test accuracy');
    assertEqual(cell(1, 'epochs_done'), '2', 'epochs done');
    assertEqual(`${cell(1, 'continued_from')}|${cell(2, 'continued_from')}`, '|1', 'the epoch a run continued after: none for a new run');
    assertEqual(cell(1, 'dropout'), '', "the layers' own dropout: empty");
    assertEqual(cell(1, 'dataSource'), '"https://example.org/a,b/"', 'text with a comma is quoted');
    assertEqual(cell(1, 'trainLimit'), '', 'all images: empty');
    assertEqual(cell(1, 'loss'), 'categorical_crossentropy', 'a recorded varying setting');
    assertEqual(cell(2, 'status'), 'stopped at epoch 1 of 3', 'the status');
    assertEqual(cell(2, 'loss'), '', 'not recorded: empty');
    assertEqual(cell(2, 'parameters'), '', 'unknown size: empty');
    assertEqual(`${cell(1, 'live_changes')}|${cell(2, 'live_changes')}`, '|epoch 0.33: dropout 0.25 → 0; epoch 0.6: learning rate 0.001 → 0.002', 'the live changes, none for the first');
    assertEqual(lines.length, 4, 'a header, two rows and a final newline');
    a.history.restored_epoch = 1;
    const restored = runsCsv([a]).split('\n')[1];
    assertEqual(split(restored)[head.indexOf('test_accuracy')], String(a.history.test_accuracy[0]), 'early stopping restored epoch 1: its results are the run\'s');
    delete a.history.restored_epoch;
    const json = JSON.parse(runsJson([a, b]));
    assertEqual(json.map((r: { run: string }) => r.run).join(), 'Run 1,Run 2', 'each run');
    assertEqual(JSON.stringify(json[0].history.test_accuracy), '[0.93,0.961]', 'with its History');
    assertEqual(`${json[0].settings.learningRate} ${json[0].settings.dropout} ${json[1].parameters}`, '0.001 null null', 'schema names, absent values null');
    assertEqual(`${'continued_from' in json[0]} ${json[1].continued_from}`, 'false 1', 'continued_from only where a run continued');

    const clicked: string[] = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) { clicked.push(this.download); };
    try {
      const el = await mount([a, b]);
      for (const button of el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part="downloads"] button')) button.click();
      assertEqual(clicked.join(), 'runs.csv,runs.json', 'the buttons under the table');
    } finally {
      HTMLAnchorElement.prototype.click = click;
    }
  });

  it('reads runs.json back (Load runs…): settings, NaN and unknown sizes as they were; a bad file named with what is wrong', async () => {
    const a = run(1, [0.9, Number.NaN], [0.93, 0.95], { settings: { ...run(1, [0.9], [0.93]).settings, dropout: 'model', ...varyingSettings(DEFAULT_SETTINGS) } });
    const b = run(2, [0.8], [0.85], { status: 'diverged at step 3', parameters: Number.NaN, from: 4 });
    const back = parseRunsJson(runsJson([a, b]));
    assertEqual(`${'from' in back[0]} ${back[1].from}`, 'false 4', 'the epoch a run continued after, back');
    assertEqual(JSON.stringify(back[0].settings), JSON.stringify(a.settings), 'the table\'s keys, the layers\' own dropout');
    assert(Number.isNaN(back[0].history.accuracy[1]) && back[0].history.test_accuracy[1] === 0.95, 'NaN back from null');
    assertEqual(`${back[1].status} ${Number.isNaN(back[1].parameters)} ${back[1].seconds}`, 'diverged at step 3 true 75', 'status, size, time');
    const bad = (text: string) => { try { parseRunsJson(text); return ''; } catch (e) { return (e as Error).message; } };
    assert(bad('{').startsWith('not JSON'), bad('{'));
    assertEqual(bad('{}'), 'expected a list of runs, as runs.json holds', 'not a list');
    assertEqual(bad('[]'), 'the list holds no runs', 'an empty list is named, not read as nothing');
    const broken = JSON.parse(runsJson([a, b]));
    broken[1].history.loss = 'x';
    assertEqual(bad(JSON.stringify(broken)), 'run 2: history.loss must be an array of numbers, got "x"', 'the entry and field');
    broken[1].history.loss = [0.8, 0.7];
    assertEqual(bad(JSON.stringify(broken)), 'run 2: history.accuracy has 1 entries where .loss has 2 (one per epoch)', 'epochs that do not line up');
    broken[1].history.loss = [0.8];
    broken[1].history.restored_epoch = 2;
    assertEqual(bad(JSON.stringify(broken)), 'run 2: history.restored_epoch must be a whole number from 1 to the 1 epochs, got 2', 'an epoch past the History');
    delete broken[1].history.restored_epoch;
    broken[1].history.accuracy = [96.5];
    assertEqual(bad(JSON.stringify(broken)), 'run 2: history.accuracy[0] must be from 0 to 1 or null, got 96.5', 'an accuracy as a percentage');
    broken[1].history.accuracy = [0.965];
    broken[1].continued_from = 0;
    assertEqual(bad(JSON.stringify(broken)), 'run 2: continued_from must be a whole number of at least 1', 'continued_from');
    delete broken[1].continued_from;
    const setting = (name: string, v: unknown) => bad(JSON.stringify([{ ...broken[0], settings: { ...broken[0].settings, [name]: v } }]));
    assertEqual(setting('learningRate', -1), 'run 1: setting learningRate must be a number greater than 0 and at most 10, got -1', 'a rate its rule refuses');
    assertEqual(setting('batchSize', 0), 'run 1: setting batchSize must be a whole number from 1 to 4096, got 0', 'a batch of 0');
    assert(setting('optimizer', 'sgdd').startsWith('run 1: setting optimizer must be one of sgd,'), setting('optimizer', 'sgdd'));
    assert(setting('learningRate', '0.01 sometimes').startsWith('run 1: setting lrSchedule must be one of'), setting('learningRate', '0.01 sometimes'));
    assertEqual(setting('learningRate', '0.01 cosine'), '', 'a rate and its schedule, as the table records them');
    assertEqual(setting('dropout', null) + setting('trainLimit', null) + setting('model', 'custom') + setting('notes', 'mine'), '', "absent values, a model's name, the table's own keys");
    delete broken[1].history;
    assertEqual(bad(JSON.stringify(broken)), 'run 2: history is missing', 'a missing History');

    const el = await mount([a]);
    const loaded: LoadedRun[][] = [];
    el.addEventListener('runs-loaded', (e) => loaded.push((e as CustomEvent<RunsLoadedDetail>).detail.runs));
    const choose = async (file: File) => {
      const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[type=file]')!;
      const list = new DataTransfer();
      list.items.add(file);
      input.files = list.files;
      const [count, error] = [loaded.length, el.loadError];
      input.dispatchEvent(new Event('change'));
      await until(() => loaded.length > count || el.loadError !== error, 'the file read');
      await el.updateComplete;
    };
    await choose(new File(['[1]'], 'notes.json'));
    assertEqual(text(el.shadowRoot!.querySelector('[part="load-error"]')!), 'notes.json is not a runs.json file: run 1: expected an object', 'named under the buttons');
    await choose(new File([runsJson([a, b])], 'runs.json'));
    assertEqual(loaded.map((l) => l.length).join(), '2', 'the runs handed on');
    assert(!el.shadowRoot!.querySelector('[part="load-error"]'), 'the error gone');
  });

  it('fires overlay-change with the ticked ids, in run order', async () => {
    const el = await mount([run(1, [0.9], [0.9]), run(2, [0.9], [0.9]), run(3, [0.9], [0.9])], [3]);
    const boxes = [...el.shadowRoot!.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')];
    assertEqual(boxes.map((b) => b.checked).join(), 'false,false,true', 'initial ticks from .selected');
    assert(boxes[0].getAttribute('aria-label')!.includes('Run 1'), 'checkbox labelled');
    const seen: number[][] = [];
    const listener = (e: Event) => seen.push((e as CustomEvent<OverlayChangeDetail>).detail.ids);
    document.addEventListener('overlay-change', listener); // bubbling and composed: reaches the document
    boxes[0].click();
    await el.updateComplete;
    boxes[2].click();
    await el.updateComplete;
    document.removeEventListener('overlay-change', listener);
    assertEqual(JSON.stringify(seen), JSON.stringify([[1, 3], [1]]), 'ids after tick and untick');
    assertEqual(JSON.stringify(el.selected), '[1]', 'selected follows');
  });

  it('fires remove-run with the row id', async () => {
    const el = await mount([run(4, [0.9], [0.9]), run(7, [0.9], [0.9])]);
    const got = new Promise<RemoveRunDetail>((resolve) => document.addEventListener('remove-run', (e) => resolve((e as CustomEvent<RemoveRunDetail>).detail), { once: true }));
    const button = el.shadowRoot!.querySelectorAll('tbody tr')[1].querySelector('button')!;
    assertEqual(button.getAttribute('aria-label'), 'Remove Run 7', 'button labelled');
    button.click();
    assertEqual((await got).id, 7, 'id');
  });

  it('formats durations', () => {
    assertEqual([formatSeconds(4.25), formatSeconds(42.4), formatSeconds(185), formatSeconds(3725), formatSeconds(Number.NaN)].join('|'), '4.3 s|42 s|3 min 05 s|1 h 02 min|—', 'formats');
  });
});
