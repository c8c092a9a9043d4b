// The live changes of the current run (engine/live-changes.ts) on <mt-charts>: a dashed vertical line where
// each took effect, labelled "dropout 0 → 0.5", drawn on the plot's canvas by a uPlot plugin, so the saved
// PNG shows them too. The point of marking them: after dropout goes on at epoch 3.4, the training curve
// drops below where it was and the gap to the test curve narrows, and the student should see where that began.
// Labels that would overlap (changes close together) go one row lower.
import { msg, str } from '@lit/localize';
import type uPlot from 'uplot';
import type { LiveChange } from '../engine/live-changes';
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

/** The changes in words for the charts' text alternative (empty: none). */
export function liveChangesText(changes: readonly LiveChange[] | undefined): string {
  return (changes ?? []).map((c) => msg(str`At epoch ${formatNumber(c.epoch, { maximumFractionDigits: 2 })}: ${liveChangeLabel(c)}.`)).join(' ');
}

/** The plugin drawing `changes()` (read at each draw: the list grows in place) in `color`. */
export function liveChangeMarkers(changes: () => readonly LiveChange[] | undefined, color: string): uPlot.Plugin {
  return {
    hooks: {
      draw: [(u: uPlot) => {
        const list = changes();
        if (!list?.length) return;
        const ctx = u.ctx;
        const { left, top, width, height } = u.bbox;
        const ratio = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
        const fontSize = 11 * ratio;
        ctx.save();
        ctx.beginPath();
        ctx.rect(left, top, width, height);
        ctx.clip();
        ctx.strokeStyle = color;
        ctx.fillStyle = color;
        ctx.lineWidth = ratio;
        ctx.setLineDash([3 * ratio, 3 * ratio]);
        ctx.font = `${fontSize}px sans-serif`;
        ctx.textBaseline = 'top';
        let row = 0;
        let lastEnd = -Infinity;
        for (const c of list) {
          const x = Math.round(u.valToPos(c.epoch, 'x', true));
          if (x < left || x > left + width) continue;
          ctx.beginPath();
          ctx.moveTo(x + 0.5, top);
          ctx.lineTo(x + 0.5, top + height);
          ctx.stroke();
          const label = liveChangeLabel(c);
          const w = ctx.measureText(label).width;
          // Right of the line, or left of it near the plot's right edge.
          const textX = x + 3 * ratio + w > left + width ? x - 3 * ratio - w : x + 3 * ratio;
          row = textX < lastEnd ? row + 1 : 0;
          lastEnd = textX + w + 6 * ratio;
          ctx.fillText(label, textX, top + 2 * ratio + row * (fontSize + 2 * ratio));
        }
        ctx.restore();
      }],
    },
  };
}
