// The charts' legends as keyboard controls. uPlot's legend hides or shows a curve on a mouse click on its
// entry only; here each curve's entry (its <th>) is also a toggle button in the tab order (aria-pressed: the
// curve is shown) that Enter or Space toggles through uPlot's own setSeries, as a click does.
import type uPlot from 'uplot';

/** The legend entries of `u` (the <th> of each series' row; index 0 is the x series'). */
const entries = (u: uPlot) => [...u.root.querySelectorAll<HTMLTableRowElement>('.u-legend tr.u-series')].map((row) => row.querySelector('th'));

/** Makes the curves' legend entries of `u` (its series 1…) toggle buttons; `names(i)`: series i's name in words. */
export function keyboardLegend(u: uPlot): void {
  entries(u).forEach((th, i) => {
    if (!th || i === 0) return;
    th.tabIndex = 0;
    th.setAttribute('role', 'button');
    th.setAttribute('aria-pressed', String(u.series[i].show !== false));
    th.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      u.setSeries(i, { show: !u.series[i].show }, true);
    });
  });
}

/** After series `i` of `u` was shown or hidden (a click or a key): its entry's aria-pressed follows. */
export function legendPressed(u: uPlot, i: number): void {
  entries(u)[i]?.setAttribute('aria-pressed', String(u.series[i].show !== false));
}
