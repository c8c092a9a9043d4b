// The one contract of every op factory in ops/: an op is the ordered dispatches of one operation plus
// everything it allocated for them (uniforms, scratch, partials, placeholders, state), which its
// destroy() frees. The buffers an op is given (inputs, outputs) belong to the caller and stay.
// Owner collects what a builder allocates, so a failure half-way frees the part already built.
import type { Tensor } from './buffers';
import type { Dispatch } from './dispatch';

export interface Destroyable {
  destroy(): void;
}

export interface GpuOp extends Destroyable {
  /** The label its dispatches' labels start with. */
  readonly label: string;
  /** Encoded in this order, in one compute pass. */
  readonly dispatches: readonly Dispatch[];
}

/** Destroys what it was given, last first, once; destroying it again does nothing. */
export class Owner implements Destroyable {
  private items: Destroyable[] = [];

  add<T extends Destroyable>(item: T): T {
    this.items.push(item);
    return item;
  }

  tensor(t: Tensor): Tensor {
    this.add(t.buffer);
    return t;
  }

  destroy(): void {
    const items = this.items.reverse();
    this.items = [];
    for (const item of items) item.destroy();
  }
}

/**
 * Runs `build` with a fresh Owner: when it throws, everything added so far is destroyed and the error
 * rethrown; otherwise the Owner is returned with the result, for the caller's destroy().
 */
export async function owning<T>(build: (owner: Owner) => Promise<T>): Promise<{ owner: Owner; value: T }> {
  const owner = new Owner();
  try {
    return { owner, value: await build(owner) };
  } catch (e) {
    owner.destroy();
    throw e;
  }
}

/**
 * An op from `build`, which allocates through the Owner it gets and returns the dispatches (and any
 * per-step methods); the op's destroy() frees what was allocated, as does a failure inside `build`.
 */
export async function createOp<E extends object>(
  label: string,
  build: (owner: Owner) => Promise<E & { dispatches: readonly Dispatch[] }>,
): Promise<GpuOp & E> {
  const { owner, value } = await owning(build);
  return { ...value, label, destroy: () => owner.destroy() };
}
