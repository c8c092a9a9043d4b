// The live changes (engine/live-changes.ts) of the current run and the compared runs on <mt-charts>: a dashed
// vertical line where each took effect, labelled "dropout 0 → 0.5" (a compared run's in its colour, after its
// name), drawn on the plot's canvas by a uPlot plugin, so the saved PNG shows them too. The point of marking them: after dropout goes on at epoch 3.4 the training curves
// (measured with dropout on) jump, and the gap to the test curves narrows or does not; the student should see
// where that began. A label that would overlap another (changes close together) goes to the first row where it fits.
import { msg, str } from '@lit/localize';
import type uPlot from 'uplot';
import { labelRow, type LiveChange } from '../engine/live-changes';
import { formatNumber } from './i18n';

/** A change's value in words: a number as the page writes it, or the layers' own dropout rates. */
function valueText(v: number | null): string {
  return v === null ? msg("layers' own") : formatNumber(v, { maximumSignificantDigits: 4 });
}

/** "dropout 0 → 0.5", "learning rate 0.001 → 0.0005". */
export function liveChangeLabel(c: LiveChange): string {
  const name = c.setting === 'dropout' ? msg('dropout') : msg('learning rate');
  return `${name} ${valueText(c.from)} → ${valueText(c.to)}`;
}

/** The changes in words for the charts' text alternative, a compared run's after its name (empty: none). */
export function liveChangesText(changes: readonly LiveChange[] | undefined, run?: string): string {
  return (changes ?? []).map((c) => {
    const [epoch, change] = [formatNumber(c.epoch, { maximumFractionDigits: 2 }), liveChangeLabel(c)];
    // One sentence with the run's name in it (not "Run 1: At epoch…", a capital after a colon in Russian).
    return run ? msg(str`${run}, at epoch ${epoch}: ${change}.`) : msg(str`At epoch ${epoch}: ${change}.`);
  }).join(' ');
}

/** One change to mark: where, in what colour, and its label (a compared run's starts with its name). */
export interface ChangeMark {
  change: LiveChange;
  color: string;
  label: string;
}

/** The marks of a run's changes: the current run's in `color` as they are, a compared run's in its colour after its name. */
export function changeMarks(changes: readonly LiveChange[] | undefined, color: string, run?: string): ChangeMark[] {
  return (changes ?? []).map((change) => ({ change, color, label: run ? `${run}: ${liveChangeLabel(change)}` : liveChangeLabel(change) }));
}

/** The plugin drawing `marks()` (read at each draw: the lists grow in place), its labels on a `halo` of the background. */
export function liveChangeMarkers(marks: () => readonly ChangeMark[], halo: string): uPlot.Plugin {
  return {
    hooks: {
      draw: [(u: uPlot) => {
        const { left, top, width, height } = u.bbox;
        const shown = marks().map((m) => ({ ...m, x: Math.round(u.valToPos(m.change.epoch, 'x', true)) })).filter((m) => m.x >= left && m.x <= left + width);
        if (!shown.length) return;
        const ctx = u.ctx;
        const ratio = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
        const fontSize = 11 * ratio, pad = 3 * ratio;
        ctx.save();
        ctx.lineWidth = ratio;
        ctx.setLineDash([3 * ratio, 3 * ratio]);
        for (const { x, color } of shown) {
          ctx.strokeStyle = color;
          ctx.beginPath();
          ctx.moveTo(x + 0.5, top);
          ctx.lineTo(x + 0.5, top + height);
          ctx.stroke();
        }
        // Each label right of its line (left of it where it would leave the plot), kept inside the plot, in
        // the first row from the top where it overlaps no other label, over a halo of the background.
        ctx.setLineDash([]);
        ctx.font = `${fontSize}px sans-serif`;
        ctx.textAlign = 'left'; // uPlot leaves its axes' alignment on the context
        ctx.textBaseline = 'top';
        ctx.lineJoin = 'round';
        ctx.lineWidth = 3 * ratio;
        ctx.strokeStyle = halo;
        const rows: [number, number][][] = [];
        for (const { x, color, label } of [...shown].sort((a, b) => a.x - b.x)) {
          const w = ctx.measureText(label).width;
          const right = left + width;
          const from = Math.max(left, Math.min(x + pad + w > right ? x - pad - w : x + pad, right - w));
          const y = top + pad + labelRow(rows, from, from + w, 2 * pad) * (fontSize + pad);
          ctx.fillStyle = color;
          ctx.strokeText(label, from, y);
          ctx.fillText(label, from, y);
        }
        ctx.restore();
      }],
    },
  };
}
