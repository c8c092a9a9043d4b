// PNG from the SVG of ./line-chart.ts, for the CLI's loss.png/accuracy.png: resvg (a Rust SVG renderer,
// prebuilt per platform as npm optional dependencies, no install script) through @resvg/resvg-js. Node
// only. Text needs a font file: DejaVu Sans (Debian's fonts-dejavu-core, installed by .ci/run) when
// present, which then also stands for the chart's font list, so the output is the same on every machine
// that has it; otherwise the system's fonts.
import { Resvg } from '@resvg/resvg-js';
import { existsSync } from 'node:fs';

const DEJAVU = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'];

function fontOptions() {
  const files = DEJAVU.filter((f) => existsSync(f));
  if (files.length === 0) return { loadSystemFonts: true };
  // Helvetica and Arial are not there: their text falls back to sans-serif, which is DejaVu Sans.
  return { loadSystemFonts: false, fontFiles: files, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' };
}

/** PNG bytes of an SVG document at `scale` × its size (2 for sharp text on high-DPI screens). */
export function svgToPng(svg: string, scale = 1): Uint8Array {
  const r = new Resvg(svg, { font: fontOptions(), fitTo: { mode: 'zoom', value: scale }, background: 'white', logLevel: 'error' });
  return r.render().asPng();
}
