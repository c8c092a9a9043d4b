// The frameworks our numbers are compared with, on the same adapter in the same run: TensorFlow.js (its
// WebGPU backend, Keras-style layers and trainOnBatch) and jax-js (jitted JAX-style steps on its WebGPU
// device). Each is loaded by the page (never in Node) and started here; one that fails to start costs
// only its columns, with a note saying why.
import type { Timing } from '../engine/gpu-timer';
import { initJaxjs, jaxjsMatmul, jaxjsStepper, type JaxjsLoader } from './jaxjs';
import { initTfjs, tfjsMatmul, tfjsStepper, type TfjsLoader } from './tfjs';
import type { Stepper } from './training';
import type { BenchModel, PeerId, StepBudget, TimingMethod } from './types';

export interface Peer {
  id: PeerId;
  /** As tables print it. */
  name: string;
  version: string;
  backend: string;
  /** How its matmul was timed (the last one). */
  timing: TimingMethod;
  matmul(n: number, budget: StepBudget): Promise<Timing>;
  stepper(model: BenchModel, batch: number): Stepper & { dispose(): void };
}

export interface PeerLoaders {
  tfjs?: TfjsLoader;
  jaxjs?: JaxjsLoader;
}

/** Loads and starts each peer given a loader, in a fixed order (TF.js, jax-js); notes say which did not run and why. */
export async function startPeers(loaders: PeerLoaders, log: (s: string) => void, notes: string[]): Promise<Peer[]> {
  const peers: Peer[] = [];
  const start = async (name: string, make: () => Promise<Peer>) => {
    try {
      const p = await make();
      peers.push(p);
      log(`${name} ${p.version} on ${p.backend}`);
    } catch (e) {
      notes.push(`${name} skipped: ${(e as Error).message}`);
      log(`${name} skipped: ${(e as Error).message}`);
    }
  };
  if (loaders.tfjs) {
    const load = loaders.tfjs;
    await start('TF.js', async () => {
      const tf = await load();
      const info = await initTfjs(tf);
      const peer: Peer = {
        id: 'tfjs', name: 'TF.js', version: info.version, backend: info.backend, timing: 'wall',
        matmul: async (n, budget) => {
          const t = await tfjsMatmul(tf, n, budget);
          peer.timing = t.method;
          return t;
        },
        stepper: (model, batch) => tfjsStepper(tf, model, batch),
      };
      return peer;
    });
  } else {
    notes.push('TF.js not run (Node, or --no-tfjs): its fields are null');
  }
  if (loaders.jaxjs) {
    const load = loaders.jaxjs;
    await start('jax-js', async () => {
      const jax = await load();
      const info = await initJaxjs(jax);
      return {
        id: 'jaxjs', name: 'jax-js', version: info.version, backend: info.device, timing: 'wall',
        matmul: (n, budget) => jaxjsMatmul(jax, n, budget),
        stepper: (model, batch) => jaxjsStepper(jax, model, batch),
      };
    });
  } else {
    notes.push('jax-js not run (Node, or --no-jaxjs): its fields are null');
  }
  return peers;
}
