// The CLI's and the experiments report's charts (src/cli/charts/line-chart.ts): the Vega-Lite spec and the
// SVG that vega renders from it, read back as a document. Runs in the test browser, where vega measures
// text on a canvas; PNG conversion (resvg, Node only) is checked by scripts/cli-smoke.mjs.
import { formatValue, lineChartSpec, lossScale, minimumOf, renderChartSvg, TEST_COLOR, TRAIN_COLOR, type ChartOptions } from '../../src/cli/charts/line-chart';
import { textWidth } from '../../src/cli/charts/text-width';
import { assert, assertEqual } from '../util/assert';

const epochs = [1, 2, 3, 4, 5, 6, 7, 8];
const train = [0.42, 0.2, 0.12, 0.08, 0.05, 0.03, 0.02, 0.012];
const test = [0.45, 0.36, 0.33, 0.31, 0.32, 0.36, 0.41, 0.48]; // a U: lowest at epoch 4

const lossChart = (over: Partial<ChartOptions> = {}): ChartOptions => ({
  title: 'mlp on MNIST: loss', xLabel: 'epoch', yLabel: 'cross-entropy loss',
  series: [{ label: 'train', x: epochs, y: train, color: TRAIN_COLOR }, { label: 'test', x: epochs, y: test, color: TEST_COLOR, dashed: true }],
  markMinimum: [{ series: 'test', name: 'test loss' }],
  ...over,
});

async function render(o: ChartOptions): Promise<Document> {
  const svg = await renderChartSvg(o);
  assert(svg.startsWith('<svg'), `an SVG document: ${svg.slice(0, 80)}`);
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  assert(!doc.querySelector('parsererror'), 'well-formed XML');
  return doc;
}

const texts = (doc: Document) => [...doc.querySelectorAll('text')].map((t) => t.textContent ?? '');
const axis = (doc: Document, name: 'X' | 'Y') => [...doc.querySelectorAll('[aria-roledescription="axis"]')].map((a) => a.getAttribute('aria-label') ?? '').find((l) => l.startsWith(`${name}-axis`)) ?? '';
/** "from 0.3 to 0.5" of an axis description, as numbers. */
const axisRange = (label: string) => (/values from (\S+) to (\S+)$/.exec(label) ?? []).slice(1).map(Number);
/** The line mark of a series: its path element, found by the description vega gives its first point. */
const linePath = (doc: Document, label: string) => [...doc.querySelectorAll('[aria-roledescription="line mark"]')].find((p) => p.getAttribute('aria-label')?.endsWith(`s: ${label}`));
const translate = (el: Element | null | undefined) => (/translate\(([-\d.]+),([-\d.]+)\)/.exec(el?.getAttribute('transform') ?? '') ?? []).slice(1).map(Number);

describe('svg-chart', () => {
  it('draws titles, axis titles and a legend as text, in the element\'s train/test colours, test dashed', async () => {
    const doc = await render(lossChart());
    const t = texts(doc);
    for (const s of ['mlp on MNIST: loss', 'epoch', 'cross-entropy loss', 'train', 'test']) assert(t.includes(s), `text "${s}" in ${t.join(' | ')}`);
    const font = doc.querySelector('text')?.getAttribute('font-family') ?? '';
    assert(/Helvetica.*Arial.*sans-serif/.test(font), `font list: ${font}`);
    const trainLine = linePath(doc, 'train'), testLine = linePath(doc, 'test');
    assertEqual(trainLine?.getAttribute('stroke'), TRAIN_COLOR, 'train colour');
    assertEqual(testLine?.getAttribute('stroke'), TEST_COLOR, 'test colour');
    assert(!trainLine?.getAttribute('stroke-dasharray') || trainLine.getAttribute('stroke-dasharray') === '1,0', 'train solid');
    assertEqual(testLine?.getAttribute('stroke-dasharray'), '6,4', 'test dashed');
  });

  it('marks the test-loss minimum with a dot on the curve and "min test loss <v> at epoch <n>"', async () => {
    assertEqual(JSON.stringify(minimumOf({ label: 'test', x: epochs, y: test, color: '' })), '{"x":4,"y":0.31}', 'the minimum');
    const doc = await render(lossChart());
    assert(texts(doc).includes('min test loss 0.31 at epoch 4'), texts(doc).join(' | '));
    // The dot sits on the test curve's 4th vertex (both in the plot's coordinates).
    const vertices = [...(linePath(doc, 'test')?.getAttribute('d') ?? '').matchAll(/[ML]([-\d.]+),([-\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assertEqual(vertices.length, 8, 'test vertices');
    const dots = [...doc.querySelectorAll('[aria-roledescription="point"]')].filter((p) => p.getAttribute('fill') === TEST_COLOR && p.getAttribute('stroke'));
    assertEqual(dots.length, 1, 'one outlined minimum marker');
    const [dx, dy] = translate(dots[0]);
    assert(Math.abs(dx - vertices[3][0]) < 0.01 && Math.abs(dy - vertices[3][1]) < 0.01, `marker at (${dx}, ${dy}), 4th vertex at ${vertices[3]}`);
    assertEqual(texts(await render(lossChart({ markMinimum: undefined }))).some((s) => s.startsWith('min ')), false, 'no label unless asked');
  });

  it('marks live changes with a dashed rule and its label at the plot\'s top, the x axis widened to hold them', async () => {
    const markers = [{ x: 0.5, text: 'dropout 0 → 0.5' }, { x: 0.6, text: 'learning rate 0.001 → 0.0005' }, { x: 7.5, text: 'dropout 0.5 → 0' }];
    const spec = JSON.stringify(lineChartSpec(lossChart({ markers })));
    assert(spec.includes('"domain":[0.5,8]'), `the x domain starts at the first marker: ${spec.slice(0, 200)}`);
    const doc = await render(lossChart({ markers }));
    for (const m of markers) assertEqual(texts(doc).filter((t) => t === m.text).length, 2, `"${m.text}" over its halo`);
    const rules = [...doc.querySelectorAll('[aria-roledescription="rule mark"]')];
    assertEqual(rules.length, 3, 'a rule per marker');
    assert(rules.every((r) => r.getAttribute('stroke-dasharray') === '3,3'), 'dashed');
    // Close markers' labels go one row apart; the one near the right edge ends left of its line.
    const label = (t: string) => [...doc.querySelectorAll('text')].filter((e) => e.textContent === t).at(-1)!;
    const [first, second, last] = markers.map((m) => label(m.text));
    assert(translate(second)[1] > translate(first)[1], `the second label below the first: ${translate(first)} / ${translate(second)}`);
    assertEqual(last.getAttribute('text-anchor'), 'end', 'the last label ends at its line');
    assertEqual(rules.map((r) => r.getAttribute('aria-label')).join(' | '), markers.map((m) => m.text).join(' | '), 'described by their labels');
    assertEqual((await render(lossChart())).querySelectorAll('[aria-roledescription="rule mark"]').length, 0, 'none without markers');
  });

  it('in Russian: decimal commas on the axes and in the minimum\'s label', async () => {
    const doc = await render(lossChart({ locale: 'ru', xLabel: 'эпоха', markMinimum: [{ series: 'test', name: 'потери на тесте' }] }));
    const all = texts(doc);
    assert(all.includes('минимум (потери на тесте) 0,31, эпоха 4'), `the minimum: ${all.join(' | ')}`);
    assert(all.some((t) => /^0,\d+$/.test(t)) && !all.some((t) => /^0\.\d+$/.test(t)), `axis labels with commas: ${all.join(' | ')}`);
  });

  it('keeps two minimum labels apart', () => {
    const spec = lineChartSpec(lossChart({
      series: [{ label: 'a', x: epochs, y: test, color: '#000000' }, { label: 'b', x: epochs, y: test.map((v) => v + 0.002), color: '#111111' }],
      markMinimum: [{ series: 'a', name: 'a loss' }, { series: 'b', name: 'b loss' }],
    }));
    const layers = (spec as { layer: { mark: { type: string; dy?: number } }[] }).layer;
    const dys = layers.filter((l) => l.mark.type === 'text').map((l) => l.mark.dy);
    assertEqual(dys.length, 4, 'halo and text for each');
    assert(dys[0] === dys[2] && dys[1] === dys[3] && dys[0] !== dys[1], `labels at different heights: ${dys.join()}`);
  });

  it('fits the y axis to the data, so a U-shaped test loss fills the plot instead of a 0–2.5 axis', async () => {
    const doc = await render(lossChart({ series: [{ label: 'test', x: epochs, y: test, color: TEST_COLOR }] }));
    const [lo, hi] = axisRange(axis(doc, 'Y'));
    assert(lo > 0.2 && lo <= 0.31 && hi >= 0.48 && hi < 0.6, `y axis ${lo}–${hi} for a test loss in 0.31–0.48: ${axis(doc, 'Y')}`);
    const [x0, x1] = axisRange(axis(doc, 'X'));
    assert(x0 === 1 && x1 === 8, `x axis from the first to the last epoch: ${axis(doc, 'X')}`);
    const fixed = await render(lossChart({ yMin: 0, yMax: 1 }));
    assertEqual(axisRange(axis(fixed, 'Y')).join(), '0,1', 'fixed ends');
  });

  it('uses a log axis when asked (losses decades apart) and picks it only for such losses', async () => {
    assertEqual(lossScale([0.3, 0.6]), 'linear', 'one range');
    assertEqual(lossScale([2.3, 0.5, 0.01, 0.003]), 'log', 'decades apart');
    assertEqual(lossScale([2.3, 0, 0.003]), 'linear', 'a zero cannot go on a log axis');
    assertEqual(lossScale([NaN, Infinity, 0.3, 0.2]), 'linear', 'non-finite values ignored');
    const doc = await render(lossChart({ yScale: 'log', series: [{ label: 'a', x: epochs, y: [2.3, 1, 0.5, 0.2, 0.1, 0.05, 0.01, 0.003], color: '#000000' }] }));
    const y = axis(doc, 'Y');
    assert(y.includes('log scale'), y);
    const [lo, hi] = axisRange(y);
    assert(lo <= 0.003 && lo > 0.001 && hi >= 2.3 && hi < 3, `log axis ends at the data, not whole decades: ${y}`);
  });

  it('breaks a line at NaN/Infinity and keeps them out of the axis range; clips at a fixed end', async () => {
    const y = [0.5, 0.4, NaN, 0.3, Infinity, 0.25, 0.2, 0.18];
    const doc = await render(lossChart({ series: [{ label: 'a', x: epochs, y, color: '#000000' }] }));
    const d = linePath(doc, 'a')?.getAttribute('d') ?? '';
    assertEqual((d.match(/M/g) ?? []).length, 3, `three runs of finite points: ${d}`);
    const [lo, hi] = axisRange(axis(doc, 'Y'));
    assert(lo <= 0.18 && hi >= 0.5 && hi < 1, `finite range: ${axis(doc, 'Y')}`);
    const diverged = await render(lossChart({ yMax: 2.5, series: [{ label: 'a', x: epochs, y: [2.3, 50, 1e6, 1e30, NaN, NaN, NaN, NaN], color: '#000000' }, { label: 'b', x: epochs, y: train, color: '#111111' }] }));
    assertEqual(axisRange(axis(diverged, 'Y'))[1], 2.5, 'capped');
    assert(diverged.querySelector('clipPath'), 'lines clipped to the plot');
    const nothing = await render(lossChart({ series: [{ label: 'test', x: [1, 2], y: [NaN, Infinity], color: TEST_COLOR }] }));
    assert(texts(nothing).includes('test') && !texts(nothing).some((t) => t.startsWith('min ')), 'a series without a finite point: legend, no minimum');
  });

  it('puts the legend below the plot, in as many columns as fit', async () => {
    const doc = await render(lossChart());
    const plot = doc.querySelector('path.background')?.getAttribute('d') ?? '';
    const plotHeight = Number(/v([\d.]+)/.exec(plot)?.[1]);
    const legend = doc.querySelector('[aria-roledescription="legend"] > g');
    const [, top] = translate(legend);
    assert(plotHeight > 200 && top > plotHeight, `legend at y ${top}, plot ${plotHeight} high`);
    const many = (n: number, len: number) => lineChartSpec(lossChart({ markMinimum: [], series: Array.from({ length: n }, (_, i) => ({ label: `${i}`.padEnd(len, 'x'), x: epochs, y: test, color: '#000000' })) }));
    const columns = (spec: ReturnType<typeof lineChartSpec>) => JSON.stringify(spec).match(/"columns":(\d+)/)?.[1];
    assertEqual(columns(many(2, 5)), '2', 'two short labels side by side');
    assertEqual(columns(many(12, 5)), String(Math.floor((720 - 36 + 20) / (24 + 6 + textWidth('0xxxx', 12) + 20))), 'short labels: many columns');
    assertEqual(columns(many(12, 60)), '1', 'long labels: one column');
  });

  it('rejects two series with one label, and formats labelled values to 3 significant digits', () => {
    let threw = false;
    try {
      lineChartSpec(lossChart({ series: [{ label: 'a', x: [1], y: [1], color: '#000000' }, { label: 'a', x: [1], y: [2], color: '#000000' }] }));
    } catch (e) {
      threw = /labels must be unique/.test(String(e));
    }
    assert(threw, 'duplicate labels rejected');
    assertEqual([0.0712345, 0.31, 2.302585, 12, 1.5e-5].map(formatValue).join(' '), '0.0712 0.31 2.3 12 0.0000150', 'formatted');
  });
});
