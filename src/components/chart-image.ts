// A chart of <mt-charts> as a PNG, for a lab report: uPlot draws the plot, its axes and their labels on one
// canvas, but its title and legend are HTML, so the image is that canvas with the title drawn above it and
// the legend (each curve's colour, dash and name) below, on the theme's background, at the screen's pixel
// ratio (sharp on a high-DPI screen).
import type uPlot from 'uplot';

export interface ChartImageStyle {
  /** CSS colours and font family of the page around the chart. */
  background: string;
  foreground: string;
  font: string;
}

/** The curve colour of series `i` (uPlot keeps a colour or a function of the plot). */
function strokeOf(plot: uPlot, i: number): string {
  const s = plot.series[i].stroke as unknown;
  return typeof s === 'function' ? String((s as (u: uPlot, i: number) => unknown)(plot, i)) : String(s ?? '#888888');
}

/** The legend's entries: every shown curve after the x series. */
function legendEntries(plot: uPlot): { label: string; stroke: string; dash?: number[] }[] {
  return plot.series.slice(1).flatMap((s, k) => (s.show === false ? [] : [{ label: String(s.label ?? ''), stroke: strokeOf(plot, k + 1), dash: s.dash }]));
}

/** The chart `plot` titled `title` as a PNG. */
export async function chartPng(plot: uPlot, title: string, style: ChartImageStyle): Promise<Blob> {
  const source = plot.ctx.canvas;
  const scale = source.width / plot.width;
  const pad = 10 * scale;
  const fontSize = 13 * scale;
  const lineHeight = 20 * scale;
  const sample = 22 * scale;
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = `${fontSize}px ${style.font}`;
  // Legend rows: entries flow left to right and wrap at the canvas's width.
  const rows: { x: number; entry: ReturnType<typeof legendEntries>[number] }[][] = [[]];
  let x = pad;
  for (const entry of legendEntries(plot)) {
    const w = sample + 6 * scale + measure.measureText(entry.label).width + 16 * scale;
    if (x + w > source.width - pad && rows[rows.length - 1].length) {
      rows.push([]);
      x = pad;
    }
    rows[rows.length - 1].push({ x, entry });
    x += w;
  }
  const titleHeight = 28 * scale;
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = Math.ceil(titleHeight + source.height + pad + rows.length * lineHeight + pad);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = style.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = style.foreground;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  ctx.font = `600 ${14 * scale}px ${style.font}`;
  ctx.fillText(title, canvas.width / 2, titleHeight / 2);
  ctx.drawImage(source, 0, titleHeight);
  ctx.textAlign = 'left';
  ctx.font = `${fontSize}px ${style.font}`;
  rows.forEach((row, r) => {
    const y = titleHeight + source.height + pad + (r + 0.5) * lineHeight;
    for (const { x: left, entry } of row) {
      ctx.strokeStyle = entry.stroke;
      ctx.lineWidth = 2 * scale;
      ctx.setLineDash((entry.dash ?? []).map((d) => d * scale));
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + sample, y);
      ctx.stroke();
      ctx.fillStyle = style.foreground;
      ctx.fillText(entry.label, left + sample + 6 * scale, y);
    }
  });
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('chartPng: the canvas could not be encoded as PNG'))), 'image/png'));
}
