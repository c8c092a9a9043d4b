// `npm run train -- [options]`: trains on the GPU from the command line (Node + the `webgpu` package)
// and writes history.json, metrics.json, the loss and accuracy charts and the gallery of mistakes (SVG and PNG) and
// the checkpoint (kept current after each epoch). See TRAIN_USAGE for options.
import { existsSync, readFileSync } from 'node:fs';
import { nodeGpu } from '../node/gpu';
import { loadNodeDataset } from '../node/data';
import { parseTrainOptions, settingNotes, TRAIN_USAGE, type TrainOptions } from './options';
import { UsageError, usageReport } from '../engine/args';
import { errorDetail } from '../engine/errors';
import { MODEL_INPUT, SETTINGS, settingSpec, type SettingName } from '../engine/settings';
import { resolveModel } from '../engine/model';
import { toKerasLayers } from '../engine/export/keras-layers';
import { trainConfig } from '../engine/settings-config';
import { writeFailedRunFiles, writeRunFiles, type RunInfo } from './run-files';
import { describeKernels, kernelReportRecord } from '../engine/autotune';
import { adapterName } from '../engine/gpu';
import { summary } from '../engine/model-summary';
import { kerasCode } from '../engine/keras-code';
import { emptyHistory, type BatchEvent } from '../engine/trainer';
import { setLive } from '../engine/live-settings';
import type { RecoveryPoint } from '../engine/recovery-point';
import type { Gpu } from '../engine/gpu';
import type { Dataset } from '../data/idx';
import { canonicalDatasetName } from '../data/sources';
import { uploadDataset } from '../engine/gpu-dataset';
import { MODEL_FILES, startTrainer, writeOnnx, writeTfjs } from './model-files';
import { checkInput } from './input-paths';
import { classNamesMismatch, classNamesNotice } from '../engine/export/labels';
import { overfittingVerdict } from '../engine/verdict';
import { ADVISED_DROPOUT, REMEDY_SETTINGS, leavesImagesOut, trainOnEpochs, trainerRegularizers, trainerRunFacts, type Remedy } from '../engine/verdict-remedies';
import { EpochCheckpoints, checkPaths, writeCheckpoint } from './checkpoint-file';
import { loadedRunOptions } from './loaded-settings';
import { mistakesOf, recordedSettings } from '../engine/metrics-file';

const epochs = (n: number | null) => `${n} epoch${n === 1 ? '' : 's'}`;

function bar(e: BatchEvent): string {
  const width = 24;
  const filled = Math.round((e.batch / e.batches) * width);
  // Round to whole seconds first, so 839.6 s reads 14:00, not 13:60.
  const secs = Math.round(e.etaSeconds);
  const eta = Number.isFinite(secs) ? `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}` : '?';
  return `epoch ${e.epoch} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.batch}/${e.batches} ` +
    `loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)}${e.topKAccuracy === undefined ? '' : ` top-k ${e.topKAccuracy.toFixed(4)}`} ` +
    `${Math.round(e.imagesPerSec)} img/s ETA ${eta}`;
}

/** The data, the device and the trainer; a failure here (data, out of memory, ...) still leaves metrics.json with the error. */
async function prepare(given: TrainOptions) {
  let o = given;
  let data: Dataset | undefined;
  let gpu: Gpu | undefined;
  try {
    const loaded = loadedRunOptions(given);
    o = loaded.options;
    const s = o.settings;
    data = await loadNodeDataset(s.dataSource, { timeoutSeconds: s.loadTimeout });
    gpu = await nodeGpu();
    const gdata = uploadDataset(gpu.device, data, { trainLimit: s.trainLimit, testLimit: s.testLimit });
    const trainer = await startTrainer(gpu, gdata, trainConfig(s, o.model), loaded.file).catch((e: unknown) => {
      gdata.destroy();
      throw e;
    });
    // A loaded checkpoint brings its settings; the live ones given on the command line change it as they would in the element.
    if (o.load) for (const n of o.liveGiven) setLive(trainer, n, s[n]);
    return { o, notApplied: loaded.notApplied, imported: loaded.file?.imported, data, gpu, gdata, trainer };
  } catch (e) {
    const info: RunInfo = {
      dataset: data?.name ?? canonicalDatasetName(o.settings.dataSource), classNames: data?.classNames ?? [], model: o.modelName, adapter: gpu ? adapterName(gpu) : '',
      parameters: 0, imagesPerSec: 0, seconds: 0, settings: recordedSettings(o.settings), lang: o.lang,
    };
    const written = await writeFailedRunFiles(o.out, emptyHistory(), e, info);
    console.log(`wrote ${o.out}/${written.join(', ')} (the run failed before training: ${errorDetail(e).code})`);
    gpu?.device.destroy();
    throw e;
  }
}

/**
 * Ctrl-C (SIGINT) or SIGTERM while training: the first stops the run after its current step, and the run's
 * files are written as usual (the checkpoint too, to continue with --load), since hours of
 * training should not vanish with one key press; a second quits at once. Returns the handlers' remover.
 */
function stopOnSignal(stop: (signal: NodeJS.Signals) => void): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) process.exit(signalExitCode(signal)); // nodeGpu destroys the device on exit
    received = true;
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** A failed run's recovery point, written where the run's checkpoint goes (--save, else model.mntc in --out). */
async function saveRecoveryPoint(o: TrainOptions, point: RecoveryPoint | undefined): Promise<RunInfo['recovered']> {
  if (!point || !o.save) return undefined;
  await writeCheckpoint(o.save, point.bytes);
  return { epoch: point.epoch, step: point.step, checkpoint: o.save };
}

/** A shell's exit status for a process ended by `signal`: 128 + its number (130 for Ctrl-C). */
const signalExitCode = (signal: NodeJS.Signals) => 128 + (signal === 'SIGINT' ? 2 : 15);

/** Trains and writes the run's files; resolves with the exit status (0, or 130/143 when a signal stopped it). */
export async function train(o: TrainOptions): Promise<number> {
  await checkPaths(o);
  const prepared = await prepare(o);
  try {
    // An export the model cannot have (TF.js has no GELU of ours) is refused before the training, not after it.
    if (prepared.o.exportTfjs) toKerasLayers(resolveModel(prepared.o.model, MODEL_INPUT.shape, MODEL_INPUT.classes));
    return await trainPrepared(prepared.o, prepared);
  } finally {
    // A failed run too: the trainer's and the data set's buffers, then the device.
    prepared.trainer.destroy();
    prepared.gdata.destroy();
    prepared.gpu.device.destroy();
  }
}

async function trainPrepared(o: TrainOptions, { data, gpu, trainer, notApplied, imported }: Awaited<ReturnType<typeof prepare>>): Promise<number> {
  const s = o.settings;
  const log = (s: string) => console.log(s);
  log(`adapter: ${adapterName(gpu)}; ${describeKernels(trainer.kernels)}`);
  log(`data: ${data.name}: ${trainer.trainCount} training images, ${trainer.testCount} test images`);
  log(summary(trainer.model));
  const tty = process.stdout.isTTY && !o.quiet;
  const started = performance.now();
  let images = 0;
  const info = (imagesPerSec: number, seconds: number): RunInfo => ({
    dataset: data.name, classNames: data.classNames, model: o.modelName, adapter: adapterName(gpu),
    parameters: trainer.model.paramCount, imagesPerSec, seconds,
    settings: recordedSettings(o.settings), liveChanges: trainer.history.live_changes, topK: trainer.reportsTopK, kernels: kernelReportRecord(trainer.kernels), testSet: data.test, lang: o.lang,
  });
  const given = o.liveGiven.map((n) => `--${SETTINGS[n].flag} ${s[n] ?? 'model'}`);
  if (o.load) log(`loaded ${o.load}${trainer.epoch ? ` (${epochs(trainer.epoch)} trained)` : ''}${given.length ? `; ${given.join(', ')} from the command line` : ''}`);
  if (notApplied.length) log(`not applied to the loaded checkpoint, which keeps its own settings: ${notApplied.join(', ')}`);
  const names = classNamesMismatch(imported?.classNames, data);
  if (names && o.load) log(`note: ${classNamesNotice(o.load, names, data.name)}`);
  if (!o.load) for (const note of settingNotes(o)) log(`note: ${note}`);
  if (!o.evaluateOnly) for (const note of imported?.notes ?? []) log(`note: ${note}`);
  let interrupted: NodeJS.Signals | null = null;
  const stopHandling = o.evaluateOnly ? () => undefined : stopOnSignal((signal) => {
    interrupted = signal;
    if (tty) process.stdout.write('\r\x1b[K');
    log(`${signal}: stopping after the current step; the run's files will be written (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again quits at once)`);
    trainer.stop();
  });
  // The checkpoint file follows the epochs, for a run killed without a chance to save (checkpoint-file.ts).
  const epochFiles = new EpochCheckpoints(o.save, (m) => console.error(m));
  // Training continues to --epochs in all (a checkpoint's epochs count); --evaluate-only trains nothing.
  const fitting = o.evaluateOnly ? Promise.resolve(trainer.history) : trainer.fit({
    onBatch: (e) => {
      if (tty) process.stdout.write(`\r${bar(e)}\x1b[K`);
      else if (!o.quiet) log(bar(e));
    },
    onEpochEnd: (e) => {
      images += trainer.trainCount;
      epochFiles.keep(trainer.recoveryPoint);
      if (tty) process.stdout.write('\r\x1b[K');
      // Keras's names, as in the History; the top-k ones with the top_k_accuracy metric only.
      const k = (name: string, v: number | undefined) => (v === undefined ? '' : ` ${name} ${v.toFixed(4)}`);
      const val = s.validationSplit ? ` val_loss ${e.val_loss.toFixed(4)} val_accuracy ${e.val_accuracy.toFixed(4)}${k('val_top_k_accuracy', e.val_top_k_accuracy)}` : '';
      log(`epoch ${e.epoch}/${s.epochs}: loss ${e.loss.toFixed(4)} accuracy ${e.accuracy.toFixed(4)}${k('top_k_accuracy', e.top_k_accuracy)}${val} ` +
        `test_loss ${e.test_loss.toFixed(4)} test_accuracy ${e.test_accuracy.toFixed(4)}${k('test_top_k_accuracy', e.test_top_k_accuracy)} (${e.seconds.toFixed(1)} s)`);
      if (e.reducedLearningRate !== undefined) log(`epoch ${e.epoch}: ${s.monitor} did not improve for ${epochs(s.reduceLrPatience)}: learning rate reduced to ${e.reducedLearningRate.toPrecision(3)}`);
      if (e.stopped) {
        const best = e.stopped.bestEpoch === null ? 'no epoch improved' : `best epoch ${e.stopped.bestEpoch}`;
        log(`early stopping after epoch ${e.epoch}: ${s.monitor} did not improve for ${epochs(s.earlyStopping)} (${best}${e.stopped.restored ? ', its weights restored' : ''})`);
      }
    },
  }, undefined, s.epochs);
  // A failed run (divergence, device loss) still leaves its files: the History so far, the error, and
  // the model after its last finished epoch as a checkpoint (its recovery point) to continue from.
  const history = await fitting.catch(async (e: unknown) => {
    if (tty) process.stdout.write('\r\x1b[K');
    await epochFiles.settled();
    const recovered = await saveRecoveryPoint(o, trainer.recoveryPoint);
    const written = await writeFailedRunFiles(o.out, trainer.history, e, { ...info(0, (performance.now() - started) / 1000), recovered }, trainer.lastEvaluation);
    log(`wrote ${o.out}/${written.join(', ')} (the failed run's ${epochs(trainer.history.loss.length)} and its error)`);
    if (recovered) {
      const lower = errorDetail(e).code === 'divergence' ? ', with a lower --learning-rate' : '';
      log(`saved the model after epoch ${recovered.epoch} (step ${recovered.step}) to ${recovered.checkpoint}: --load ${recovered.checkpoint} continues from there${lower}`);
    }
    throw e;
  });
  await epochFiles.settled();
  const seconds = (performance.now() - started) / 1000;
  const trainSeconds = history.epoch_seconds.reduce((a, b) => a + b, 0);
  // A stop inside an epoch trained the weights past the last epoch's evaluation: the files describe the weights kept.
  const evaluation = (!interrupted && trainer.lastEvaluation) || (await trainer.evaluate());
  const imagesPerSec = images / Math.max(trainSeconds, 1e-9);
  const topK = trainer.reportsTopK ? ` top-${s.topK} accuracy ${(evaluation.topKAccuracy * 100).toFixed(2)}%` : '';
  log(`test: loss ${evaluation.loss.toFixed(4)} accuracy ${(evaluation.accuracy * 100).toFixed(2)}%${topK} ` +
    `macro F1 ${evaluation.macro.f1.toFixed(4)}; ${images > 0 ? `${Math.round(imagesPerSec)} images/s (epochs incl. evaluation), ` : ''}${seconds.toFixed(1)} s in all`);
  const wrong = mistakesOf(evaluation, info(0, 0));
  const sure = wrong?.surest[0];
  if (wrong && sure) log(`mistakes: ${wrong.count} of ${evaluation.predictions.length} test images; the surest: test image ${sure.index} (true ${data.classNames[sure.label]}, predicted ${data.classNames[sure.predicted]}, ${(sure.probability * 100).toFixed(1)}%)`);
  // The element's overfitting verdict (and, after a live change, what it did), for the lab's "detect overfitting" step.
  const verdict = overfittingVerdict(history, trainerRegularizers(trainer), trainerRunFacts(trainer));
  if (verdict.level !== 'none') log(`verdict: ${verdict.title}. ${verdict.detail}${verdict.since ? ` ${verdict.since}` : ''}`);
  const flags = adviceFlags(verdict.remedies, leavesImagesOut(s.trainLimit, data.train.count), trainer.learningRateSetting);
  if (flags.length) log(`  the flags for it: ${flags.join(', ')}`);
  // The run's checkpoint can go on where it stopped: --load continues to --epochs in all (said once it is saved).
  const onTo = verdict.remedies.includes('more-epochs') && o.save ? trainOnEpochs(trainer.epoch) : undefined;
  // A signal during the last epoch's evaluation (or once early stopping had ended the run) cut nothing short.
  const cut = interrupted !== null && trainer.epoch < s.epochs && history.stopped_epoch === undefined;
  const stopped = cut ? { signal: interrupted!, epochs: history.loss.length, step: trainer.step } : undefined;
  const written = await writeRunFiles(o.out, history, evaluation, { ...info(imagesPerSec, seconds), interrupted: stopped });
  log(`wrote ${o.out}/${written.join(', ')}`);
  if (o.save) {
    await writeCheckpoint(o.save, await trainer.save(data.name));
    log(`saved checkpoint ${o.save}${stopped ? ` (step ${stopped.step}; --load ${o.save} continues from there)` : ''}`);
    // Said once the file holds this epoch (a full disk can have kept an earlier one, or none).
    if (onTo) log(`  --load ${o.save} --epochs ${onTo} trains this model on from epoch ${trainer.epoch}`);
  }
  if (o.exportTfjs) log(`exported TF.js Layers model: ${(await writeTfjs(o.exportTfjs, trainer)).join(', ')}`);
  if (o.exportOnnx) {
    await writeOnnx(o.exportOnnx, trainer);
    log(`exported ONNX model: ${o.exportOnnx}`);
  }
  stopHandling();
  if (!stopped) return 0;
  log(`stopped by ${stopped.signal} after ${epochs(stopped.epochs)} (step ${stopped.step} of ${s.epochs * trainer.stepsPerEpoch})`);
  return signalExitCode(stopped.signal);
}

async function main(): Promise<number> {
  let options: TrainOptions;
  try {
    options = parseTrainOptions(process.argv.slice(2), (p) => {
      if (!existsSync(p)) return undefined;
      checkInput('model', p, 'a JSON file of the layers');
      return readFileSync(p, 'utf8');
    });
  } catch (e) {
    if (e instanceof UsageError) {
      const { text, status } = usageReport(e, TRAIN_USAGE);
      console.error(text);
      process.exit(status);
    }
    throw e;
  }
  if (options.kerasCode) {
    // With --load: the program for the model and settings that run would train (the file's), not the defaults.
    if (options.load) checkInput('load', options.load, MODEL_FILES);
    const { options: o } = loadedRunOptions(options);
    process.stdout.write(kerasCode(o.settings, o.model));
    return 0;
  }
  return train(options);
}

main().then(
  (status) => process.exit(status),
  (e: unknown) => {
    const { code, message } = errorDetail(e);
    console.error(`\nerror (${code}): ${message}`);
    process.exit(1);
  },
);

/**
 * The command line's flags for the verdict's advice (dropout with the advised rate, a learning rate a tenth of the one
 * trained with, or ten times it where the loss has barely moved); --train-limit only where the run left images out.
 */
function adviceFlags(remedies: readonly Remedy[], limited: boolean, learningRate: number): string[] {
  const names = new Set(remedies.flatMap((r) => REMEDY_SETTINGS[r]).filter((n) => n !== 'trainLimit' || limited));
  const rate = remedies.includes('higher-learning-rate') ? Math.min(learningRate * 10, SETTINGS.learningRate.range.max) : learningRate / 10;
  const value = (n: SettingName) => (n === 'dropout' ? ADVISED_DROPOUT : n === 'learningRate' ? Number(rate.toPrecision(3)) : settingSpec(n).metavar);
  return [...names].map((n) => `--${settingSpec(n).flag} ${value(n)}`);
}
