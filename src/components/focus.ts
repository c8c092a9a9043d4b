// Keeping the keyboard focus where the user was when a control they pressed goes away or is disabled by the
// re-render its own action causes (Train, Stop, a table row's Remove, a layer's ✕): the focus would fall back
// to the page's <body>, and a keyboard or screen reader user would have to find their way back from the top.
// The focus moves only where it was on the pressed control and nowhere else since: an action taken from code
// (el.train()) or while the user is elsewhere leaves the focus alone. Smooth scrolling follows the user's
// reduced-motion preference.
import type { ReactiveElement } from 'lit';

/** The focused element, through open shadow roots (document.activeElement stops at the first host). */
export function deepActiveElement(): Element | null {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a;
}

/** Whether `el` has the focus now. */
export const hasFocus = (el: Element): boolean => deepActiveElement() === el;

/**
 * Whether the focus that was on `from` is lost: nothing has it (the page's body), or `from` still has it while
 * disabled or off the page (the browser has not yet moved it to the body).
 */
export function focusDropped(from: Element): boolean {
  const a = deepActiveElement();
  if (a === null || a === document.body || a === document.documentElement) return true;
  return a === from && (!from.isConnected || (from as HTMLButtonElement).disabled === true);
}

/** A focus target that can take the focus: on the page, shown, not disabled. */
export function focusable(el: Element | null | undefined): el is HTMLElement {
  return el instanceof HTMLElement && el.isConnected && !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0;
}

/** The Lit element whose shadow root holds `el` (the one whose render may have taken its focus). */
export function hostOf(el: Element): ReactiveElement | undefined {
  const root = el.getRootNode();
  return root instanceof ShadowRoot ? (root.host as ReactiveElement) : undefined;
}

/** How long refocus() waits for a target to become enabled (a Stop's run to end). */
const WAIT_MS = 10000;

/**
 * After an action taken while `from` had the focus (`focused`, read before the action): waits for `done` and
 * the host's re-render, then, if the focus dropped (focusDropped), gives it to the first focusable of
 * `targets()` (read after each render; a target can be one that becomes enabled later, such as Train
 * after Stop: then it waits for it, while the focus stays dropped, at most WAIT_MS).
 */
export async function refocus(from: Element, focused: boolean, done: unknown, targets: () => (Element | null | undefined)[]): Promise<void> {
  if (!focused) return;
  try {
    await done;
  } catch { /* the action reports its own failure */ }
  const host = hostOf(from);
  const t0 = performance.now();
  for (;;) {
    await host?.updateComplete;
    if (!focusDropped(from)) return;
    const target = targets().find(focusable);
    if (target) {
      target.focus();
      return;
    }
    if (performance.now() - t0 > WAIT_MS) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** 'smooth', or 'auto' where the user asked for reduced motion. */
export function scrollBehavior(): ScrollBehavior {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
}
