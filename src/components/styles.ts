// The look of <mnist-trainer>. Public theming hooks: the --mt-* custom properties (inherited into the
// sub-elements, which read the same names through themeStyles in help.ts) and the ::part names listed
// on the element. Light and dark defaults follow prefers-color-scheme; the layout follows the element's
// own width (a container query), not the viewport's, so it also fits a sidebar.
import { css } from 'lit';
import { themeStyles } from './help';

export const trainerStyles = [themeStyles, css`
  :host {
    display: block;
    container-type: inline-size;
    font-family: var(--mt-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: var(--mt-font-size, 15px);
    line-height: 1.4;
    background: var(--_bg);
    border: 1px solid var(--_line);
    border-radius: var(--mt-radius, 10px);
    padding: var(--mt-padding, 1rem);
    box-sizing: border-box;
  }
  :host([hidden]) { display: none; }
  * { box-sizing: border-box; }

  .layout { display: grid; grid-template-columns: minmax(15rem, 19rem) minmax(0, 1fr); gap: 1rem 1.5rem; align-items: start; }
  @container (max-width: 760px) {
    .layout { grid-template-columns: minmax(0, 1fr); }
  }

  form { display: flex; flex-direction: column; gap: 0.75rem; }
  /* The help texts' box: they span their fieldset, so they never reach past the form's column (or the window). */
  fieldset { position: relative; border: 1px solid var(--_line); border-radius: 8px; margin: 0; padding: 0.5rem 0.75rem 0.75rem; min-width: 0; }
  legend { font-weight: 600; padding: 0 0.3em; }
  fieldset.plain { border: 0; padding: 0; margin: 0; }
  .field { display: grid; grid-template-columns: 7.5rem minmax(0, 1fr) auto; align-items: center; gap: 0.3rem 0.5rem; margin: 0.35rem 0; }
  .field > label, .field > .label { font-size: 0.92em; }
  .field > .wide { grid-column: 1 / -1; }
  .field.stacked > select, .field.stacked > input { grid-column: 1 / 3; grid-row: 2; }
  .field.stacked > details.help { grid-column: 3; grid-row: 1; }
  input, select, textarea {
    font: inherit;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid color-mix(in srgb, var(--_fg) 25%, transparent);
    border-radius: 6px;
    padding: 0.2em 0.4em;
    min-width: 0;
    width: 100%;
  }
  input[type='checkbox'] { width: auto; }
  input[type='range'] { padding: 0; accent-color: var(--_accent); }
  textarea { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85em; min-height: 12rem; resize: vertical; }
  input[aria-invalid='true'], textarea[aria-invalid='true'] { border-color: var(--_bad); }
  .inline-error { color: var(--_bad); font-size: 0.88em; margin: 0.2rem 0; white-space: pre-wrap; }
  .note { color: var(--_muted); font-size: 0.85em; margin: 0.2rem 0; }
  pre.summary { font-size: 0.75em; overflow-x: auto; margin: 0.3rem 0 0; color: var(--_muted); }

  details.help { position: static; }
  details.help > summary {
    /* At least 24 × 24 CSS px, a target a finger or an unsteady hand can hit (WCAG 2.5.8). */
    list-style: none; cursor: pointer; width: max(24px, 1.3em); height: max(24px, 1.3em); border-radius: 50%; text-align: center;
    font-size: 0.8em; line-height: max(22px, calc(1.3em - 2px)); color: var(--_muted); border: 1px solid var(--_line); box-sizing: border-box;
  }
  details.help > summary::-webkit-details-marker { display: none; }
  details.help[open] > summary { color: var(--_accent); border-color: var(--_accent); }
  details.help > div {
    position: absolute; left: 0.4rem; right: 0.4rem; z-index: 2; margin-top: 0.3rem; padding: 0.5rem 0.7rem;
    background: var(--_bg); border: 1px solid var(--_line); border-radius: 8px; font-size: 0.88em;
    box-shadow: 0 4px 14px color-mix(in srgb, #000 18%, transparent);
  }
  a { color: var(--_accent); }
  details.editor > summary, details.group > summary { cursor: pointer; font-size: 0.92em; margin: 0.2rem 0; }

  .buttons { display: flex; flex-wrap: wrap; gap: 0.4rem; }
  button.primary { background: var(--_accent); color: var(--_bg); border-color: var(--_accent); font-weight: 600; }
  button:disabled { opacity: 0.5; cursor: default; }

  .status { display: flex; flex-wrap: wrap; align-items: center; gap: 0.2rem 0.9rem; font-size: 0.92em; font-variant-numeric: tabular-nums; }
  .status .adapter, .status .kernels { color: var(--_muted); }
  progress { width: 100%; height: 0.5rem; accent-color: var(--_accent); margin: 0.3rem 0 0.6rem; }
  .message {
    border: 1px solid var(--_bad); background: color-mix(in srgb, var(--_bad) 10%, var(--_bg)); border-radius: 8px;
    padding: 0.5rem 0.75rem; margin: 0 0 0.75rem; white-space: pre-wrap;
  }
  .message p { margin: 0.2rem 0; }
  .verdict { border-left: 4px solid var(--_line); padding: 0.3rem 0.75rem; margin: 0.75rem 0; }
  .verdict.ok { border-color: var(--_good); }
  .verdict.watch { border-color: #bf8700; }
  .verdict.overfitting { border-color: var(--_bad); }
  .verdict p { margin: 0.2rem 0; }
  .verdict strong { display: block; }
  .verdict .remedies button { margin: 0 0.3rem 0.2rem 0; }
  section.block { margin-top: 1rem; }
  section.block > h2 { font-size: 1.05em; margin: 0 0 0.4rem; }
  details.inside > summary { cursor: pointer; }
  details.inside > summary > h2 { display: inline; font-size: 1.05em; margin: 0; }
  .inside-source { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3rem 0.8rem; margin: 0.4rem 0 0.6rem; }
  .inside-source input[type='radio'] { width: auto; }
  .inside-source input[type='number'] { width: 6rem; }
  .muted { color: var(--_muted); }
`];
