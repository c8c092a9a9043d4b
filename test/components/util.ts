// Helpers for the component tests: mount an element, wait for events, states and animation frames.
import '../../src/components/index';
import { requestGpu, type Gpu } from '../../src/engine/gpu';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import type { Phase } from '../../src/components/trainer-controller';

// The element's `error` events bubble to window, where mocha would take them for uncaught exceptions.
document.addEventListener('error', (e) => {
  if (e instanceof CustomEvent && (e.target as Element).localName === 'mnist-trainer') e.stopPropagation();
});

let shared: Promise<Gpu> | undefined;
/**
 * One device lent (borrowed) to every element a test file mounts, as a page sharing its device would:
 * pipelines are cached per device, so elements with devices of their own compiled the model's kernels
 * again, most of an element test's time. Removing an element leaves the device alive (buffers-owned.test
 * counts what an element leaves on it: nothing). A loss (a test destroying it) makes the next mount
 * request a new one.
 */
function sharedGpu(): Promise<Gpu> {
  shared ??= requestGpu().then((gpu) => {
    void gpu.lost.then(() => { shared = undefined; });
    return { ...gpu, borrowed: true };
  });
  return shared;
}

/**
 * A <mnist-trainer> with `attrs`, on the shared device (sharedGpu) unless `setup` sets its own
 * requestGpu (`undefined`: the element requests and owns its device, as on a page).
 */
export async function mount(attrs: Record<string, string>, setup?: (el: MnistTrainer) => void): Promise<MnistTrainer> {
  const el = document.createElement('mnist-trainer');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.requestGpu = sharedGpu;
  setup?.(el);
  document.body.append(el);
  await el.updateComplete;
  return el;
}

/** Resolves when `pred` holds, polling every 20 ms; rejects with `what` after `ms`. */
export async function until(pred: () => boolean, what: string, ms = 30000): Promise<void> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function untilPhase(el: MnistTrainer, phases: Phase[], ms?: number): Promise<void> {
  return until(() => phases.includes(el.controller.phase), `phase ${phases.join(' or ')} (now ${el.controller.phase}: ${el.controller.message})`, ms);
}

export function frames(n = 2): Promise<void> {
  return new Promise((resolve) => {
    const step = (left: number) => (left === 0 ? resolve() : requestAnimationFrame(() => step(left - 1)));
    step(n);
  });
}

/** Collects the details of every `type` event the element fires. */
export function record<T>(el: EventTarget, type: string): T[] {
  const out: T[] = [];
  el.addEventListener(type, (e) => out.push((e as CustomEvent<T>).detail));
  return out;
}

export function shadow(el: MnistTrainer): ShadowRoot {
  return el.shadowRoot!;
}
