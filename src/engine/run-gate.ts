// Pause, resume and stop as requests that a training loop answers between steps: pass() returns at once
// while running, waits while paused, and throws Stopped once stop() was called. wake() lets a paused wait
// look again at other reasons to end (a lost device, a GPU error), which `check` throws.

/** Thrown by pass() after stop(): the loop unwinds and the run ends as stopped, not failed. */
export class Stopped extends Error {
  override name = 'Stopped';
}

export class RunGate {
  paused = false;
  stopRequested = false;
  private waiters: (() => void)[] = [];

  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.wake();
  }
  stop(): void {
    this.stopRequested = true;
    this.wake();
  }
  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Before a step: `check` (throws what ends the run), then wait while paused, then Stopped if stopped. */
  async pass(check: () => void): Promise<void> {
    check();
    while (this.paused && !this.stopRequested) {
      await new Promise<void>((r) => this.waiters.push(r));
      check();
    }
    if (this.stopRequested) throw new Stopped();
  }
}
