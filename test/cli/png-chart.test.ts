import { niceTicks, plotArea, renderLineChart, type ChartOptions, type PlotArea } from '../../src/cli/png-chart';
import { assert, assertEqual } from '../util/assert';

type RGB = [number, number, number];
const BLUE: RGB = [31, 119, 180];
const ORANGE: RGB = [255, 127, 14];
const GREEN: RGB = [44, 160, 44];

interface Image { w: number; h: number; px: Uint8ClampedArray }

/** Decodes with the browser's own PNG decoder, untouched by colour management. */
async function decode(bytes: Uint8Array<ArrayBuffer>): Promise<Image> {
  const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }), {
    colorSpaceConversion: 'none', premultiplyAlpha: 'none',
  });
  const canvas = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = canvas.getContext('2d');
  assert(ctx, 'no 2d context');
  ctx.drawImage(bmp, 0, 0);
  return { w: bmp.width, h: bmp.height, px: ctx.getImageData(0, 0, bmp.width, bmp.height).data };
}

function pixel(img: Image, x: number, y: number): number[] {
  const i = (y * img.w + x) * 4;
  return Array.from(img.px.subarray(i, i + 4));
}

const isColor = (img: Image, x: number, y: number, c: RGB, tol = 8): boolean =>
  x >= 0 && y >= 0 && x < img.w && y < img.h && pixel(img, x, y).slice(0, 3).every((v, j) => Math.abs(v - c[j]) <= tol);

function countColor(img: Image, c: RGB, rows: [number, number] = [0, img.h]): number {
  let n = 0;
  for (let y = rows[0]; y < rows[1]; y++) for (let x = 0; x < img.w; x++) if (isColor(img, x, y, c)) n++;
  return n;
}

/** The pixel that data point (x, y) is centred on, from the mapping documented on PlotArea. */
function toPixel(a: PlotArea, x: number, y: number): [number, number] {
  return [
    Math.floor(a.x0 + 0.5 + ((x - a.xMin) / (a.xMax - a.xMin)) * (a.width - 1)),
    Math.floor(a.y0 + 0.5 + ((a.yMax - y) / (a.yMax - a.yMin)) * (a.height - 1)),
  ];
}

function colorNear(img: Image, [px, py]: [number, number], c: RGB, r = 2): boolean {
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (isColor(img, px + dx, py + dy, c)) return true;
  return false;
}

/** CRC-32 (IEEE, reflected) bit by bit: independent of the table-driven one under test. */
function crc32Bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

const epochs = [1, 2, 3, 4, 5, 6, 7, 8];
const lossChart = (extra: Partial<ChartOptions> = {}): ChartOptions => ({
  title: 'Loss', xLabel: 'epoch', yLabel: 'loss',
  series: [
    { label: 'train', x: epochs, y: epochs.map((e) => 2 / e), color: BLUE },
    { label: 'test', x: epochs, y: epochs.map((e) => 1.2 / e + 0.3), color: ORANGE, dashed: true },
  ],
  ...extra,
});

describe('png-chart', () => {
  it('writes a well-formed PNG: signature, IHDR (8-bit RGBA), per-chunk CRC-32, IDAT, IEND', async () => {
    const bytes = await renderLineChart(lossChart({ width: 500, height: 300 }));
    assertEqual([...bytes.subarray(0, 8)].join(','), '137,80,78,71,13,10,26,10', 'signature');
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const types: string[] = [];
    for (let off = 8; off < bytes.length;) {
      const len = v.getUint32(off);
      const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
      types.push(type);
      assertEqual(v.getUint32(off + 8 + len), crc32Bitwise(bytes.subarray(off + 4, off + 8 + len)), `${type} CRC`);
      if (type === 'IHDR') {
        assertEqual(len, 13, 'IHDR length');
        assertEqual(v.getUint32(off + 8), 500, 'IHDR width');
        assertEqual(v.getUint32(off + 12), 300, 'IHDR height');
        assertEqual([...bytes.subarray(off + 16, off + 21)].join(','), '8,6,0,0,0', 'depth, colour type, methods');
      }
      if (type === 'IDAT') assertEqual(bytes[off + 8] & 0x0f, 8, 'zlib CM (deflate)');
      off += 12 + len;
    }
    assertEqual(types[0], 'IHDR', 'first chunk');
    assertEqual(types[types.length - 1], 'IEND', 'last chunk');
    assert(types.includes('IDAT'), `no IDAT in ${types}`);
    assertEqual(crc32Bitwise(new TextEncoder().encode('IEND')), 0xae426082, 'reference CRC of IEND');
  });

  it('decodes at the default and requested sizes with a white background', async () => {
    for (const [opts, w, h] of [[{}, 720, 420], [{ width: 500, height: 300 }, 500, 300]] as const) {
      const img = await decode(await renderLineChart(lossChart(opts)));
      assertEqual(img.w, w, 'width');
      assertEqual(img.h, h, 'height');
      for (const [x, y] of [[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]]) {
        assertEqual(pixel(img, x, y).join(','), '255,255,255,255', `corner (${x}, ${y})`);
      }
    }
  });

  it('draws each series in its colour at its points, with text, axes and a legend', async () => {
    const o = lossChart();
    const img = await decode(await renderLineChart(o));
    const a = plotArea(o);
    assert(a.x0 > 0 && a.y0 > 0 && a.x0 + a.width <= img.w && a.y0 + a.height <= img.h, `plot area ${JSON.stringify(a)}`);
    for (const s of o.series) {
      const n = countColor(img, s.color, [a.y0, a.y0 + a.height]);
      assert(n > 200, `${s.label}: only ${n} pixels of its colour in the plot`);
      for (const i of [0, 3, s.x.length - 1]) {
        const p = toPixel(a, s.x[i], s.y[i]);
        assert(colorNear(img, p, s.color), `${s.label}: colour missing near point ${i} at pixel ${p}: ${pixel(img, ...p)}`);
      }
      assert(countColor(img, s.color, [0, a.y0]) > 20, `${s.label}: no legend swatch above the plot`);
    }
    // Dark text above the plot (title, y label) and left of it (tick labels); the y axis is dark too.
    const dark = (x0: number, x1: number, y0: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (pixel(img, x, y)[0] < 80) n++;
      return n;
    };
    assert(dark(0, img.w, 0, a.y0 - 2) > 100, 'no title/label text above the plot');
    assert(dark(0, a.x0 - 6, a.y0, a.y0 + a.height) > 50, 'no y tick labels');
    assert(dark(0, img.w, a.y0 + a.height + 6, img.h) > 100, 'no x tick labels / x label');
    assert(dark(a.x0, a.x0 + 1, a.y0 + 5, a.y0 + a.height - 5) >= a.height - 30, 'no y axis line');
  });

  it('chooses 1-2-5 tick steps, integer ticks for epochs, and an auto y range that covers the data', () => {
    for (const [lo, hi] of [[0, 1], [0.013, 0.087], [-3, 250], [1, 3], [0.9, 0.99]]) {
      const { step, ticks } = niceTicks(lo, hi, 6);
      const m = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      assert([1, 2, 5].some((d) => Math.abs(m - d) < 1e-9), `step ${step} for [${lo}, ${hi}]`);
      assert(ticks.length >= 2 && ticks.length <= 13, `${ticks.length} ticks for [${lo}, ${hi}]`);
      assert(ticks[0] >= lo - 1e-12 && ticks[ticks.length - 1] <= hi + 1e-12, `ticks ${ticks} outside [${lo}, ${hi}]`);
    }
    assertEqual(niceTicks(1, 3, 10, true).ticks.join(','), '1,2,3', 'integer ticks for 3 epochs');
    const a = plotArea(lossChart());
    assert(a.xTicks.every(Number.isInteger) && a.xTicks.length >= 4, `x ticks ${a.xTicks}`);
    assert(a.yMin <= 0.5 && a.yMax >= 2, `y range [${a.yMin}, ${a.yMax}] must cover the data [0.25, 2]`);
    assert(a.yTicks.length >= 3, `y ticks ${a.yTicks}`);
    const fixed = plotArea(lossChart({ yMin: 0, yMax: 3 }));
    assertEqual(`${fixed.yMin},${fixed.yMax}`, '0,3', 'explicit y bounds');
  });

  it('skips NaN/Infinity as gaps and still shows a single point', async () => {
    const o: ChartOptions = {
      title: 'Gaps', xLabel: 'x', yLabel: 'y', yMin: 0, yMax: 2,
      series: [
        { label: 'gappy', x: [0, 1, 2, 3, 4], y: [1, 1, Number.NaN, 1, 1], color: BLUE },
        { label: 'inf', x: [0, Number.POSITIVE_INFINITY, 4], y: [0.5, 0.5, Number.NEGATIVE_INFINITY], color: ORANGE },
        { label: 'single', x: [2], y: [1.5], color: GREEN },
      ],
    };
    const img = await decode(await renderLineChart(o));
    const a = plotArea(o);
    assertEqual(`${a.xMin},${a.xMax}`, '0,4', 'x range from finite points only');
    assert(colorNear(img, toPixel(a, 0.5, 1), BLUE, 1), 'line drawn between finite neighbours');
    assert(!colorNear(img, toPixel(a, 2, 1), BLUE, 2), 'a line was drawn across the NaN gap');
    assert(colorNear(img, toPixel(a, 0, 0.5), ORANGE), 'isolated finite point of the Infinity series not shown');
    assert(!colorNear(img, toPixel(a, 2, 0.5), ORANGE, 2), 'the Infinity series has no segment to draw');
    assert(colorNear(img, toPixel(a, 2, 1.5), GREEN), 'single point not visible');
    assert(countColor(img, GREEN, [a.y0, a.y0 + a.height]) >= 20, 'single point marker too small');
  });

  it('draws dashed series with gaps and solid ones without', async () => {
    const o: ChartOptions = {
      title: 'Dashes', xLabel: 'x', yLabel: 'y', yMin: 0, yMax: 3,
      series: [
        { label: 'solid', x: [0, 10], y: [1, 1], color: BLUE },
        { label: 'dashed', x: [0, 10], y: [2, 2], color: ORANGE, dashed: true },
      ],
    };
    const img = await decode(await renderLineChart(o));
    const a = plotArea(o);
    const runs = (c: RGB, y: number) => {
      const [x0, py] = toPixel(a, 1, y), [x1] = toPixel(a, 9, y);
      let on = 0, transitions = 0, prev = isColor(img, x0, py, c);
      for (let x = x0; x <= x1; x++) {
        const now = isColor(img, x, py, c);
        if (now) on++;
        if (now !== prev) transitions++;
        prev = now;
      }
      return { on, transitions, len: x1 - x0 + 1 };
    };
    const solid = runs(BLUE, 1), dashed = runs(ORANGE, 2);
    assertEqual(solid.transitions, 0, 'solid line transitions');
    assertEqual(solid.on, solid.len, 'solid line coverage');
    assert(dashed.transitions >= 20, `dashed line: only ${dashed.transitions} on/off transitions`);
    assert(dashed.on > dashed.len * 0.3 && dashed.on < dashed.len * 0.9, `dashed line coverage ${dashed.on}/${dashed.len}`);
  });

  it('handles empty, all-NaN, constant and very long series and tiny images', async () => {
    const n = 20000;
    const xs = Array.from({ length: n }, (_, i) => i / 1000);
    const cases: [string, ChartOptions][] = [
      ['no series', { title: 'Empty', xLabel: 'x', yLabel: 'y', series: [] }],
      ['empty arrays', { title: 'Empty', xLabel: 'x', yLabel: 'y', series: [{ label: 'e', x: [], y: [], color: BLUE }] }],
      ['all NaN', { title: 'NaN', xLabel: 'x', yLabel: 'y', series: [{ label: 'n', x: [1, 2], y: [NaN, NaN], color: BLUE }] }],
      ['constant y', { title: 'Flat', xLabel: 'epoch', yLabel: 'acc', series: [{ label: 'c', x: [1, 2, 3], y: [0.5, 0.5, 0.5], color: BLUE }] }],
      ['mismatched lengths', { title: 'M', xLabel: 'x', yLabel: 'y', series: [{ label: 'm', x: [1, 2, 3], y: [1], color: BLUE }] }],
      ['tiny', { ...lossChart(), width: 120, height: 80 }],
      ['per-batch', {
        title: 'Per-batch loss', xLabel: 'epoch', yLabel: 'loss',
        series: [{ label: 'batch', x: xs, y: xs.map((x, i) => 2.3 * Math.exp(-x) + 0.2 * Math.abs(Math.sin(i * 7.1))), color: BLUE }],
      }],
    ];
    for (const [what, o] of cases) {
      const t0 = performance.now();
      const img = await decode(await renderLineChart(o));
      const ms = performance.now() - t0;
      assertEqual(`${img.w}x${img.h}`, `${o.width ?? 720}x${o.height ?? 420}`, `${what}: size`);
      assertEqual(pixel(img, 0, 0).join(','), '255,255,255,255', `${what}: background`);
      assert(ms < 5000, `${what}: took ${ms.toFixed(0)} ms`);
      const a = plotArea(o);
      assert(Number.isFinite(a.yMin) && Number.isFinite(a.yMax) && a.yMin < a.yMax, `${what}: y range [${a.yMin}, ${a.yMax}]`);
      assert(a.xMin < a.xMax, `${what}: x range [${a.xMin}, ${a.xMax}]`);
    }
    const flat = plotArea(cases[3][1]);
    assert(flat.yMin < 0.5 && flat.yMax > 0.5, `constant series padded: [${flat.yMin}, ${flat.yMax}]`);
    const batch = await decode(await renderLineChart(cases[6][1]));
    const a = plotArea(cases[6][1]);
    assert(colorNear(batch, toPixel(a, 0, 2.3), BLUE, 3), 'start of the per-batch curve');
    assert(countColor(batch, BLUE, [a.y0, a.y0 + a.height]) > 2000, 'per-batch curve drawn');
  });
});
