// The state machine of <mnist-trainer> (src/components/run-states.ts) against the real element: every
// (phase, method) cell of the table is driven and its documented outcome asserted, plus the three bugs
// it fixed (train() from a listener, train() as a run ends, a setting changed while loading).
// Tiny runs: mlp, 64 training images, batch 32 (2 steps per epoch), 100 test images.
import { assert, assertEqual } from '../util/assert';
import type { History } from '../../src/engine/trainer';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import type { MtCompare } from '../../src/components/compare-runs';
import { runRequest } from '../../src/components/run-request';
import { METHODS, PHASES, RUN_STATES, rule, type Method, type Phase } from '../../src/components/run-states';
import { WebGPUUnavailableError } from '../../src/engine/gpu';
import { mount, untilPhase } from './util';

const TINY = { model: 'mlp', 'train-limit': '64', 'test-limit': '100', 'batch-size': '32', epochs: '1', seed: '3' };
const runs = (el: MnistTrainer) => (el.shadowRoot!.querySelector('mt-compare') as MtCompare).runs;
const lastStatus = (el: MnistTrainer) => runs(el)[runs(el).length - 1]?.status;
/** What the next run would be given (the element's own request builder). */
const nextRequest = (el: MnistTrainer) => runRequest(el.settings);

/** Calls `act` synchronously the first time the controller announces `phase` (its requestUpdate). */
function onPhase(el: MnistTrainer, phase: Phase, act: () => void): void {
  const original = el.requestUpdate;
  el.requestUpdate = function (this: MnistTrainer, ...args: Parameters<MnistTrainer['requestUpdate']>) {
    original.apply(this, args);
    if (el.controller.phase === phase) {
      el.requestUpdate = original;
      act();
    }
  };
}

let lr = 0.001;
/** A checkpoint of a TINY run, for load() (made by the first run of the cells' element). */
let checkpoint: Blob = new Blob(['not a checkpoint']);
/** Calls `method` on the element; a setting change sets a fresh learning rate (live) or seed (next run). */
function call(el: MnistTrainer, method: Method): Promise<unknown> | undefined {
  switch (method) {
    case 'setLive': lr = Math.round((lr + 0.0007) * 1e6) / 1e6; el.learningRate = lr; return undefined;
    case 'setNextRun': el.seed = el.seed + 1; return undefined;
    case 'pause': el.pause(); return undefined;
    case 'resume': el.resume(); return undefined;
    case 'load': return el.load(checkpoint);
    default: return el[method]();
  }
}

describe('run states', function () {
  this.timeout(90000); // a hung cell fails on its own instead of stalling the suite
  it('the table defines every method in every phase', () => {
    for (const p of PHASES) for (const m of METHODS) assert(['start', 'ignore', 'queue', 'reject'].includes(RUN_STATES[p][m]?.act), `${p}.${m}`);
  });

  describe('every (phase, method) cell on the real element', () => {
    let el: MnistTrainer;
    before(async () => {
      el = await mount({ ...TINY, 'data-keep': '' });
      assert((await el.train()) !== undefined, 'a first run loads the data set');
      checkpoint = (await el.save())!;
      assert(checkpoint && checkpoint.size > 0, 'a checkpoint to load');
    });
    after(() => el.remove());
    afterEach(async () => {
      await el.reset();
      el.batchSize = 32;
      el.epochs = 1;
    });

    /** Brings the element into `phase`, calling `act` at the moment it gets there; resolves with act's result. */
    async function enter(phase: Phase, act: () => unknown, needsTrainer = true): Promise<{ result: unknown; run?: Promise<History | undefined> }> {
      switch (phase) {
        case 'idle':
          if (needsTrainer) await el.train(); // a finished run: idle, its trainer kept
          return { result: act() };
        case 'loading': {
          const run = el.train();
          assertEqual(el.controller.phase, 'loading', 'a run is loading as soon as it starts');
          return { result: act(), run };
        }
        case 'compiling': {
          let result: unknown;
          onPhase(el, 'compiling', () => { result = act(); });
          const run = el.train();
          await run;
          return { result, run };
        }
        case 'training': case 'paused': {
          el.epochs = 1000;
          const run = el.train();
          await untilPhase(el, ['training'], 60000);
          if (phase === 'paused') el.pause();
          return { result: act(), run };
        }
        case 'evaluating': {
          await el.train();
          const first = el.evaluate();
          assertEqual(el.controller.phase, 'evaluating', 'evaluating');
          return { result: { first, second: act() } };
        }
        case 'error': {
          el.batchSize = 128; // more than the 64 training images: the trainer refuses it
          await el.train();
          assertEqual(el.controller.phase, 'error', 'a failed run');
          el.batchSize = 32;
          return { result: act() };
        }
        default:
          throw new Error(`phase ${phase} is tested on its own element`);
      }
    }

    for (const phase of PHASES.filter((p) => p !== 'unavailable')) {
      for (const method of METHODS) {
        const r = rule(phase, method);
        it(`${phase}.${method}: ${r.act} (${r.does})`, async () => {
          const before = { seed: el.seed };
          let runsAtCall = 0;
          let noticeAtCall = '';
          const act = () => {
            runsAtCall = runs(el).length;
            const out = call(el, method);
            noticeAtCall = el.controller.notice;
            return out;
          };
          const { result, run } = await enter(phase, act, method === 'evaluate' || method === 'setLive' || method === 'save');
          const trainer = el.controller.trainer;
          const phaseAfterCall = el.controller.phase;
          // Only an evaluation is awaited here: the runs of 'training' and 'paused' are stopped by afterEach.
          const settled = async () => { await (result as { first?: Promise<unknown> })?.first; };
          const key = `${phase}.${method}`;
          switch (key) {
            // start
            case 'idle.train': case 'error.train': {
              const h = await (result as Promise<History | undefined>);
              assert(h && h.loss.length === 1, `a new run finished (${el.controller.message})`);
              assertEqual(lastStatus(el), 'finished', 'kept as finished');
              break;
            }
            case 'idle.reset': case 'error.reset':
              await result;
              assertEqual(el.controller.trainer, undefined, 'trainer let go');
              assertEqual(el.controller.phase, 'idle', 'idle');
              assertEqual(el.controller.message, '', 'message cleared');
              break;
            case 'idle.evaluate': case 'paused.evaluate': {
              const e = (await result) as { confusion?: Uint32Array } | undefined;
              assert(e?.confusion?.length === 100, 'an evaluation');
              assertEqual(el.controller.phase, phase, `back to ${phase}`);
              break;
            }
            case 'idle.setLive': case 'training.setLive': case 'paused.setLive': case 'evaluating.setLive':
              assertEqual(trainer!.baseLearningRate, lr, 'the trainer has the new rate at once');
              assertEqual(el.learningRate, lr, 'and the property reads it');
              await settled();
              break;
            case 'error.setLive':
              assertEqual(el.controller.trainer, undefined, 'no trainer after a refused configuration');
              assertEqual(nextRequest(el).config.optimizer.learningRate, lr, 'held for the next run');
              break;
            case 'loading.stop': case 'compiling.stop': case 'loading.reset': case 'compiling.reset':
              await result;
              await run;
              assertEqual(lastStatus(el), 'stopped before training', 'kept as stopped before training');
              assertEqual(el.controller.phase, 'idle', 'idle');
              if (method === 'reset') assertEqual(el.controller.trainer, undefined, 'trainer let go');
              break;
            case 'training.pause':
              assertEqual(el.controller.phase, 'paused', 'paused');
              assert(trainer!.isPaused, 'the trainer is paused');
              break;
            case 'training.stop': case 'paused.stop': case 'training.reset': case 'paused.reset': {
              await result;
              const h = await run;
              assert(h !== undefined, 'the run resolves with its History');
              assert(/^stopped at epoch \d+$/.test(lastStatus(el)), `kept as stopped: ${lastStatus(el)}`);
              assertEqual(el.controller.phase, 'idle', 'idle');
              if (method === 'reset') assertEqual(el.controller.trainer, undefined, 'trainer let go');
              break;
            }
            case 'paused.resume':
              assertEqual(el.controller.phase, 'training', 'training again');
              assert(!trainer!.isPaused, 'the trainer runs');
              break;
            case 'idle.save': case 'paused.save': {
              const blob = (await result) as Blob | undefined;
              assert(blob && blob.size > 1000, `a checkpoint file (${blob?.size} bytes)`);
              assertEqual(el.controller.phase, phase, `still ${phase}`);
              break;
            }
            case 'idle.load': case 'error.load':
              await result;
              assert(el.controller.loaded && el.controller.trainer === el.controller.loaded.trainer, `the loaded trainer (${el.controller.notice})`);
              assertEqual(el.controller.trainer!.epoch, 1, 'its epoch');
              assertEqual(el.controller.phase, 'idle', 'idle');
              break;
            case 'evaluating.save': case 'evaluating.load': {
              const { first, second } = result as { first: Promise<unknown>; second: Promise<unknown> };
              assertEqual(el.controller.phase, 'evaluating', 'waits for the evaluation');
              await first;
              const out = await second;
              if (method === 'save') assert(out instanceof Blob, 'then a checkpoint');
              else assert(el.controller.loaded, 'then the model is loaded');
              assertEqual(el.controller.phase, 'idle', 'idle');
              break;
            }
            case 'loading.save': case 'compiling.save': case 'training.save': case 'error.save':
            case 'loading.load': case 'compiling.load': case 'training.load': case 'paused.load': {
              assertEqual(await result, undefined, 'refused');
              assertEqual(noticeAtCall, r.does, 'the notice says why');
              if (phase !== 'compiling') assertEqual(phaseAfterCall, phase, 'phase unchanged');
              // The run it was refused in ended: the refusal no longer holds, and is no longer shown.
              else assertEqual(el.controller.notice, '', 'gone once the run ended');
              assertEqual(el.controller.loaded, undefined, 'nothing loaded');
              break;
            }
            // ignore
            case 'loading.train': case 'compiling.train': case 'training.train': case 'paused.train':
              assert(result === run, 'the promise of the run under way');
              if (phase !== 'compiling') assertEqual(phaseAfterCall, phase, 'phase unchanged');
              break;
            case 'evaluating.evaluate': {
              const { first, second } = result as { first: Promise<unknown>; second: Promise<unknown> };
              assert(first === second, 'the evaluation under way');
              await first;
              break;
            }
            case 'loading.evaluate': case 'compiling.evaluate': case 'training.evaluate':
              if (phase !== 'compiling') assertEqual(phaseAfterCall, phase, 'phase unchanged');
              assertEqual(await result, undefined, 'nothing evaluated');
              break;
            // reject
            case 'error.evaluate':
              assertEqual(await result, undefined, 'nothing evaluated');
              assertEqual(el.controller.notice, r.does, 'the notice says why');
              assertEqual(el.controller.phase, 'error', 'phase unchanged');
              break;
            // queue
            case 'evaluating.train': {
              const { first, second } = result as { first: Promise<unknown>; second: Promise<History | undefined> };
              assertEqual(el.controller.phase, 'evaluating', 'waits for the evaluation');
              await first;
              const h = await second;
              assert(h && h.loss.length === 1, 'then a new run');
              break;
            }
            case 'evaluating.pause': case 'evaluating.resume': case 'evaluating.stop': case 'evaluating.reset': {
              const { first, second } = result as { first: Promise<unknown>; second: Promise<unknown> };
              assertEqual(el.controller.phase, 'evaluating', 'waits for the evaluation');
              await first;
              await second;
              assertEqual(el.controller.phase, 'idle', 'then as in idle');
              if (method === 'reset') assertEqual(el.controller.trainer, undefined, 'reset after the evaluation');
              else assert(el.controller.trainer, 'the trainer stays');
              break;
            }
            case 'loading.setLive': case 'compiling.setLive':
              await run;
              assertEqual(el.controller.trainer!.config.optimizer.learningRate, lr, 'the run being prepared trains with it');
              break;
            case 'loading.setNextRun': case 'compiling.setNextRun':
              await run;
              assertEqual(el.controller.trainer!.config.seed, before.seed + 1, 'the run being prepared trains with it');
              break;
            case 'idle.setNextRun': case 'training.setNextRun': case 'paused.setNextRun': case 'evaluating.setNextRun': case 'error.setNextRun':
              if (trainer) assert(trainer.config.seed !== el.seed, 'not the trainer under way');
              assertEqual(nextRequest(el).config.seed, el.seed, 'the next run’s');
              await settled();
              break;
            default: {
              // ignore: pause/resume/stop/reset where there is nothing to do
              assertEqual(r.act, 'ignore', `${key} is covered`);
              if (phase !== 'compiling') assertEqual(phaseAfterCall, phase, 'phase unchanged');
              await result;
              if (phase === 'training' || phase === 'paused') assertEqual(el.controller.phase, phase, 'still so');
              if (phase === 'idle' || phase === 'error') assertEqual(runs(el).length, runsAtCall, 'no run added or ended by the call');
            }
          }
          assert(['start', 'ignore', 'queue', 'reject'].includes(r.act), 'act');
        });
      }
    }
  });

  describe('unavailable', () => {
    for (const method of METHODS) {
      const r = rule('unavailable', method);
      it(`unavailable.${method}: ${r.act} (${r.does})`, async () => {
        const el = await mount(TINY, (e) => { e.requestGpu = async () => { throw new WebGPUUnavailableError('no WebGPU (test)'); }; });
        try {
          await untilPhase(el, ['unavailable'], 10000);
          const result = await call(el, method);
          assertEqual(el.controller.phase, 'unavailable', 'still unavailable');
          if (r.act === 'reject') {
            assertEqual(result, undefined, 'resolves undefined');
            assertEqual(el.controller.notice, r.does, 'the notice');
          }
          if (method === 'setLive') assertEqual(nextRequest(el).config.optimizer.learningRate, lr, 'held for a run');
          if (method === 'setNextRun') assertEqual(nextRequest(el).config.seed, el.seed, 'held for a run');
        } finally {
          el.remove();
        }
      });
    }
  });

  describe('the bugs the table fixed', () => {
    let el: MnistTrainer;
    before(async () => { el = await mount({ ...TINY, 'data-keep': '' }); });
    after(() => el.remove());

    it('train() inside a train-end listener starts a new run', async () => {
      let second: Promise<History | undefined> | undefined;
      el.addEventListener('train-end', () => { second = el.train(); }, { once: true });
      const first = el.train();
      await first;
      assert(second && second !== first, 'a new promise');
      assert((await second!)?.loss.length === 1, 'a second finished run');
      assertEqual(runs(el).length, 2, 'two runs');
    });

    it('train() inside an error listener starts a new run', async () => {
      el.batchSize = 128;
      let second: Promise<History | undefined> | undefined;
      el.addEventListener('error', () => { el.batchSize = 32; second = el.train(); }, { once: true });
      assertEqual(await el.train(), undefined, 'the first run fails');
      assert((await second!)?.loss.length === 1, `the listener's run finished (${el.controller.message})`);
    });

    it('train() as a run ends starts a new run', async () => {
      const n = runs(el).length;
      const first = el.train();
      const second = await first.then(() => el.train());
      assert(second?.loss.length === 1, 'a new run');
      assertEqual(runs(el).length, n + 2, 'both kept');
    });

    it('settings changed while loading and while compiling reach the run', async () => {
      const run = el.train();
      el.seed = 41; // loading
      el.dropout = 0.1; // live, but no trainer yet
      onPhase(el, 'compiling', () => { el.batchSize = 16; el.learningRate = 0.004; });
      await untilPhase(el, ['training', 'idle'], 60000);
      const c = el.controller.trainer!.config;
      assertEqual(c.seed, 41, 'seed set while loading');
      assertEqual(c.dropout, 0.1, 'dropout set while loading');
      assertEqual(c.batchSize, 16, 'batch size set while compiling');
      assertEqual(c.optimizer.learningRate, 0.004, 'rate set while compiling');
      await run;
    });
  });
});
