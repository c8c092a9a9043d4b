// Bad input to the import and the exports: each refused with a clear error naming the problem (code
// 'model'). No GPU: models are resolved and given random weights on the CPU.
import { zipSync } from 'fflate';
import { errorCode } from '../../src/engine/errors';
import { importTfjs, importTfjsZip, parseModelJson } from '../../src/engine/export/import-tfjs';
import { modelFileKind } from '../../src/engine/model-file';
import { crc32 } from '../../src/engine/export/zip-crc';
import { decodeOnnx, exportOnnx, ONNX_OPSET } from '../../src/engine/export/onnx';
import { exportTfjs, exportTfjsZip, tfjsFiles, TFJS_WEIGHTS_FILE } from '../../src/engine/export/tfjs';
import { flatParamLayout } from '../../src/engine/graph';
import { resolveModel, type ModelSpec } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import { assert, assertEqual } from '../util/assert';

function randomModel(spec: ModelSpec) {
  const model = resolveModel(spec);
  const params = Float32Array.from({ length: flatParamLayout(model).total }, (_, i) => Math.sin(i * 12.9898) * 0.1);
  return { model, params };
}

function rejects(fn: () => unknown, pattern: RegExp, what: string, code = 'model'): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert(error instanceof Error, `${what}: expected an error matching ${pattern}, nothing was thrown`);
  assert(pattern.test(error.message), `${what}: message "${error.message}" does not match ${pattern}`);
  assertEqual(errorCode(error), code, `${what}: error code`);
}

/** The cnn preset's TF.js export with its first Keras layer's config changed by `edit`. */
function editedCnn(edit: (layers: { class_name: string; config: Record<string, unknown> }[]) => void) {
  const { model, params } = randomModel(PRESETS.cnn);
  const a = exportTfjs(model, params);
  const json = structuredClone(a.modelJson);
  edit(json.modelTopology.config.layers as { class_name: string; config: Record<string, unknown> }[]);
  return { json: json as unknown as Record<string, unknown>, weights: a.weights };
}

describe('export and import: bad input', () => {
  it('a corrupt or truncated zip, or a zip without model.json', () => {
    const { model, params } = randomModel(PRESETS.mlp);
    const zip = exportTfjsZip(model, params);
    rejects(() => importTfjsZip(new Uint8Array(100).fill(7), { source: 'junk.zip' }), /junk\.zip: not a readable zip file/, 'junk', 'checkpoint');
    rejects(() => importTfjsZip(zip.subarray(0, zip.length >> 1), { source: 'half.zip' }), /half\.zip: not a readable zip file \(corrupt or truncated\?\)/, 'truncated', 'checkpoint');
    rejects(() => importTfjsZip(zipSync({ 'readme.txt': new Uint8Array(3) }), { source: 'other.zip' }), /other\.zip: the zip holds no model\.json/, 'no model.json');
  });

  it('a zip whose unpacked bytes do not match its CRC-32 (a flipped weight byte in a stored shard)', () => {
    assertEqual(crc32(new TextEncoder().encode('123456789')).toString(16), 'cbf43926', 'the CRC-32 check value');
    const { model, params } = randomModel(PRESETS.mlp);
    // A zip of stored (uncompressed) files, as other tools write them: the shard's bytes are in it as they are.
    const files = tfjsFiles(exportTfjs(model, params));
    const zip = zipSync(files, { level: 0 });
    assert(importTfjsZip(zip, { source: 'ok.zip' }).params.length > 0, 'the intact zip loads');
    const shard = files[TFJS_WEIGHTS_FILE];
    const at = Array.from({ length: zip.length - 64 }, (_, i) => i).find((i) => shard.subarray(0, 64).every((b, k) => zip[i + k] === b));
    assert(at !== undefined, 'the shard stored in the zip');
    const flipped = zip.slice();
    flipped[at! + (shard.length >> 1)] ^= 0x10;
    rejects(() => importTfjsZip(flipped, { source: 'flipped.zip' }), /^flipped\.zip: corrupt zip file: group1-shard1of1\.bin does not match the CRC-32 the zip stores for it$/, 'flipped', 'checkpoint');
  });

  it('a truncated model.json, a missing or truncated weights file', () => {
    const { model, params } = randomModel(PRESETS.mlp);
    const files = tfjsFiles(exportTfjs(model, params));
    const text = new TextDecoder().decode(files['model.json']);
    rejects(() => importTfjsZip(zipSync({ 'model.json': new TextEncoder().encode(text.slice(0, 200)), [TFJS_WEIGHTS_FILE]: files[TFJS_WEIGHTS_FILE] }), { source: 'm.zip' }),
      /m\.zip: model\.json: not valid JSON \(corrupt or truncated\?\)/, 'truncated model.json');
    rejects(() => importTfjsZip(zipSync({ 'model.json': files['model.json'] }), { source: 'm.zip' }), /weights file "group1-shard1of1\.bin" named in the manifest is missing/, 'missing shard');
    const w = files[TFJS_WEIGHTS_FILE];
    rejects(() => importTfjsZip(zipSync({ 'model.json': files['model.json'], [TFJS_WEIGHTS_FILE]: w.subarray(0, w.length - 40) }), { source: 'm.zip' }),
      new RegExp(`the weights are ${w.length - 40} bytes, the manifest describes ${w.length}`), 'truncated shard');
  });

  it("files as other tools write them: './' paths and another .json name in a zip, a byte-order mark, prefixed weight names, long model names", () => {
    const { model, params } = randomModel(PRESETS.mlp);
    const a = exportTfjs(model, params);
    const json = structuredClone(a.modelJson) as unknown as { weightsManifest: { paths: string[]; weights: { name: string }[] }[]; modelTopology: { config: { name: string } } };
    json.weightsManifest[0].paths = ['./my-model.weights.bin'];
    const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    // tf.io.browserDownloads('downloads://my-model'): my-model.json beside my-model.weights.bin.
    const downloads = importTfjsZip(zipSync({ 'my-model.json': encode(json), 'my-model.weights.bin': a.weights }), { source: 'd.zip' });
    assertEqual(downloads.params.join(), importTfjsZip(exportTfjsZip(model, params)).params.join(), "the weights found by './' and the one .json");
    rejects(() => importTfjsZip(zipSync({ 'a.json': encode(json), 'b.json': encode(json) }), { source: 'two.zip' }), /^two\.zip: the zip holds no model\.json \(it holds a\.json, b\.json\)$/, 'two .json files');
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(`\n  ${JSON.stringify(a.modelJson)}`)]);
    assertEqual(modelFileKind(bom, 'model.json'), 'tfjs-json', 'a byte-order mark and white space before the {');
    assert(parseModelJson(new TextDecoder().decode(bom)).modelTopology !== undefined, 'parsed past the mark');
    // Keras 3: every weight under the model's name ('sequential/dense_1/kernel'); a name only some share is no prefix.
    const prefixed = structuredClone(json);
    for (const w of prefixed.weightsManifest[0].weights) w.name = `sequential/${w.name}`;
    prefixed.modelTopology.config.name = `a\tmodel ${'x'.repeat(200)}`;
    const keras3 = importTfjs(prefixed as unknown as Record<string, unknown>, a.weights);
    assertEqual(keras3.params.join(), downloads.params.join(), 'the shared prefix');
    assertEqual(keras3.spec.name, `a model ${'x'.repeat(92)}`, 'a name tidied to 100 characters without control characters, not refused');
    prefixed.weightsManifest[0].weights[0].name = 'dense_1/kernel';
    prefixed.weightsManifest[0].weights[1].name = 'other/dense_1/bias';
    rejects(() => importTfjs(prefixed as unknown as Record<string, unknown>, a.weights, { source: 'm.json' }), /^m\.json: layer 2 \(Dense "dense_1"\): weight "dense_1\/bias" is missing from the manifest$/, 'no prefix all share');
    const odd = structuredClone(a.modelJson) as unknown as { modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } };
    odd.modelTopology.config.layers[1].config.name = 'dense\n\u001b[32mok';
    odd.modelTopology.config.layers[1].config.use_bias = false;
    rejects(() => importTfjs(odd as unknown as Record<string, unknown>, a.weights, { source: 'm.json' }), /^m\.json: layer 2 \(Dense "dense\\n\\u001b\[32mok"\): use_bias false/, 'control characters escaped');
  });

  it('class names in userDefinedMetadata that are not one per output', () => {
    const { model, params } = randomModel(PRESETS.mlp);
    const a = exportTfjs(model, params, { dataset: 'Digits', classNames: 'abcdefghij'.split('') });
    const json = structuredClone(a.modelJson);
    json.userDefinedMetadata!.classNames = ['a', 'b'];
    rejects(() => importTfjs(json as unknown as Record<string, unknown>, a.weights, { source: 'm.json' }), /^m\.json: userDefinedMetadata\.classNames must be 10 non-empty names, one per output, got \["a","b"\]$/, 'two names');
    json.userDefinedMetadata!.classNames = [...'abcdefghi'.split(''), ' '];
    rejects(() => importTfjs(json as unknown as Record<string, unknown>, a.weights, { source: 'm.json' }), /userDefinedMetadata\.classNames must be 10 non-empty names/, 'a blank name');
  });

  it('an unknown layer class, another model class, quantized or non-float32 weights', () => {
    let m = editedCnn((l) => { l[1].class_name = 'LSTM'; });
    rejects(() => importTfjs(m.json, m.weights), /layer 2 \(LSTM "maxPool2d_1"\): layer class "LSTM" is not supported \(supported: Dense, Conv2D/, 'LSTM');
    m = editedCnn(() => undefined);
    (m.json.modelTopology as Record<string, unknown>).class_name = 'Functional';
    rejects(() => importTfjs(m.json, m.weights), /model class "Functional" is not supported \(Sequential models only\)/, 'Functional');
    m = editedCnn(() => undefined);
    const manifest = m.json.weightsManifest as { weights: Record<string, unknown>[] }[];
    manifest[0].weights[0].dtype = 'int32';
    rejects(() => importTfjs(m.json, m.weights), /weight "conv2d_1\/kernel": dtype "int32" is not supported \(float32 only\)/, 'dtype');
  });

  it('an unsupported option or activation is refused with its layer and name', () => {
    const cases: [string, (l: { class_name: string; config: Record<string, unknown> }[]) => void, RegExp][] = [
      ['strides', (l) => { l[0].config.strides = [2, 2]; }, /layer 1 \(Conv2D "conv2d_1"\): strides \[2,2\] is not supported/],
      ['use_bias', (l) => { l[6].config.use_bias = false; }, /layer 7 \(Dense "dense_1"\): use_bias false is not supported/],
      ['channels_first', (l) => { l[0].config.data_format = 'channels_first'; }, /data_format "channels_first" is not supported \(this trainer supports "channels_last"\)/],
      ['dilation', (l) => { l[2].config.dilation_rate = [2, 2]; }, /layer 3 \(Conv2D "conv2d_2"\): dilation_rate \[2,2\] is not supported/],
      ['pool padding', (l) => { l[1].config.padding = 'same'; }, /layer 2 \(MaxPooling2D "maxPool2d_1"\): padding "same" is not supported/],
      ['selu', (l) => { l[0].config.activation = 'selu'; }, /activation "selu" is not supported/],
      ['gelu (erf)', (l) => { l[0].config.activation = 'gelu'; }, /activation "gelu" \(the exact erf form\) is not supported/],
      ['LeakyReLU alpha', (l) => { l.splice(1, 0, { class_name: 'LeakyReLU', config: { name: 'lr', alpha: 0.3 } }); }, /layer 2 \(LeakyReLU "lr"\): alpha 0\.3 is not supported \(this trainer's leaky_relu has slope 0\.01\)/],
      ['input shape', (l) => { l[0].config.batch_input_shape = [null, 32, 32, 3]; }, /input shape \[null,32,32,3\] is not supported/],
    ];
    for (const [what, edit, pattern] of cases) {
      const m = editedCnn(edit);
      rejects(() => importTfjs(m.json, m.weights), pattern, what);
    }
  });

  it('a weight of another shape, or a non-finite weight, is named', () => {
    let m = editedCnn((l) => { l[0].config.filters = 16; });
    rejects(() => importTfjs(m.json, m.weights), /layer 1 \(Conv2D "conv2d_1"\): weight "conv2d_1\/kernel" has shape \[3, 3, 1, 32\], the layer needs \[3, 3, 1, 16\]/, 'shape');
    m = editedCnn(() => undefined);
    new DataView(m.weights.buffer, m.weights.byteOffset).setFloat32(8, Number.NaN, true);
    rejects(() => importTfjs(m.json, m.weights), /weight "conv2d_1\/kernel" has a non-finite value \(NaN\) at index 2/, 'NaN');
  });

  it('ONNX: a model too large for one protobuf message is refused (limit injected)', () => {
    const { model, params } = randomModel(PRESETS.mlp);
    rejects(() => exportOnnx(model, params, { maxBytes: 1_000_000 }), /ONNX export: the model needs about 1,455,656 bytes, more than the 1,000,000 one ONNX file can hold/, 'too large');
    assert(exportOnnx(model, params, { maxBytes: 2_000_000 }).length < 2_000_000, 'fits under a larger limit');
  });

  it('ONNX: opset, input and output, transposes around the NCHW part, no dropout', () => {
    const { model, params } = randomModel(PRESETS.cnn);
    const m = decodeOnnx(exportOnnx(model, params)) as {
      opsetImport: { version: number }[];
      graph: { node: { opType: string; attribute?: { name: string; ints?: number[] }[] }[]; input: { name: string }[]; output: { name: string }[] };
    };
    assertEqual(m.opsetImport[0].version, ONNX_OPSET, 'opset');
    assertEqual(m.graph.input.map((i) => i.name).join(), 'input', 'input name');
    assertEqual(m.graph.output.map((o) => o.name).join(), 'probabilities', 'output name');
    const ops = m.graph.node.map((n) => n.opType);
    assertEqual(ops.join(), 'Transpose,Conv,Relu,MaxPool,Conv,Relu,MaxPool,Transpose,Flatten,Gemm,Softmax', 'nodes');
    const perms = m.graph.node.filter((n) => n.opType === 'Transpose').map((n) => n.attribute![0].ints!.join(''));
    assertEqual(perms.join(), '0312,0231', 'NHWC → NCHW before the first conv, back before Flatten');
  });
});
