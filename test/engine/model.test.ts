import { LAYER_FIELDS, LAYER_TYPES, NEW_LAYERS, inspectModel, modelName, resolveModel, type LayerSpec, type LayerType, type ModelSpec } from '../../src/engine/model';
import { PRESETS, modelSetting, parseModel } from '../../src/engine/model-setting';
import { summary } from '../../src/engine/model-summary';
import { planFusion } from '../../src/engine/fusion';
import { flatParamLayout } from '../../src/engine/graph';
import { assert, assertEqual, assertRejects } from '../util/assert';

const spec = (layers: unknown[]): ModelSpec => ({ layers } as ModelSpec);

describe('model specs', () => {
  it('infers the Keras MNIST convnet shapes and parameter counts', () => {
    const m = resolveModel(PRESETS.cnn);
    const shapes = m.layers.map((l) => l.outShape.join('x'));
    assertEqual(shapes.join(' '), '26x26x32 13x13x32 11x11x64 5x5x64 1600 1600 10', 'output shapes');
    // Keras model.summary(): 320 + 18496 + 16010 = 34826 parameters.
    assertEqual(m.paramCount, 34826, 'cnn parameters');
    assertEqual(resolveModel(PRESETS.mlp).paramCount, 784 * 128 + 128 + 128 * 10 + 10, 'mlp parameters');
    const text = summary(m);
    assert(text.includes('conv2d_1 (conv2d)') && text.includes('(None, 26, 26, 32)') && text.includes('Total params: 34,826'), text);
  });

  it('names a model by its preset when it is one (modelName, modelSetting), however the defaults are spelled', () => {
    const spelled: ModelSpec = { name: 'mlp', layers: [{ type: 'flatten' }, { type: 'dense', units: 128, activation: 'relu' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 10, activation: 'softmax' }] };
    assertEqual(modelSetting(spelled), 'mlp', 'the last layer\'s softmax spelled out');
    assertEqual(modelSetting(PRESETS.cnn), 'cnn', 'a preset');
    const rate = { ...spelled, layers: spelled.layers.map((l) => (l.type === 'dropout' ? { ...l, rate: 0.5 } : l)) };
    assertEqual(modelSetting(rate), JSON.stringify(rate), 'another dropout rate: not the preset');
    assertEqual(modelSetting({ name: 'cnn', layers: [] }), '{"name":"cnn","layers":[]}', 'a spec that does not resolve, as it is');
    assertEqual(`${modelName(PRESETS.mlp)} ${modelName({ layers: [] })}`, 'mlp custom', 'modelName');
  });

  it('infers same padding, strides and average pooling', () => {
    const m = resolveModel(spec([
      { type: 'conv2d', filters: 4, kernelSize: [5, 3], padding: 'same' },
      { type: 'avgPool2d', poolSize: 3, strides: 2 },
      { type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' },
    ]));
    assertEqual(m.layers[0].outShape.join('x'), '28x28x4', 'same padding keeps size');
    assertEqual(m.layers[1].outShape.join('x'), '13x13x4', 'pool 3 stride 2: floor((28-3)/2)+1');
  });

  it('resolves every default once: kernel [h, w], padding, pool size and strides, activations', () => {
    const m = resolveModel(spec([
      { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
      { type: 'maxPool2d' },
      { type: 'conv2d', filters: 4, kernelSize: [2, 3], padding: 'same' },
      { type: 'avgPool2d', poolSize: 3, strides: 1 },
      { type: 'flatten' }, { type: 'dropout', rate: 0.1 }, { type: 'dense', units: 10, activation: 'softmax' },
    ]));
    const settings = m.layers.map(({ type, activation, ...l }) => {
      const { kernelSize, padding, poolSize, strides, rate, units } = l as Record<string, unknown>;
      return JSON.stringify({ type, activation, kernelSize, padding, poolSize, strides, rate, units });
    });
    assertEqual(settings.join('\n'), [
      '{"type":"conv2d","activation":"relu","kernelSize":[3,3],"padding":"valid"}',
      '{"type":"maxPool2d","activation":"linear","poolSize":2,"strides":2}',
      '{"type":"conv2d","activation":"linear","kernelSize":[2,3],"padding":"same"}',
      '{"type":"avgPool2d","activation":"linear","poolSize":3,"strides":1}',
      '{"type":"flatten","activation":"linear"}',
      '{"type":"dropout","activation":"linear","rate":0.1}',
      // The final softmax is the loss's (softmax cross-entropy on the logits).
      '{"type":"dense","activation":"linear","units":10}',
    ].join('\n'), 'resolved settings');
  });

  it('plans the fusions: a first conv with its ReLU and pooling, a conv or dense ReLU in its store, its backward in the next pooling layer or its own op', () => {
    const plan = (s: ModelSpec) => {
      const m = resolveModel(s);
      return planFusion(m).map((f, i) => `${m.layers[i].name}:${f.activation}${f.reluInStore ? ` store/${f.reluBackward}` : ''}${f.reluMask ? ' mask' : ''}${f.pool ? ` pool ${f.pool}` : ''}${f.crop ? ` crop ${f.crop.join('×')}` : ''}`);
    };
    assertEqual(plan(PRESETS.cnn).join(', '), 'conv2d_1:linear pool in-conv, maxPool2d_1:linear pool in-conv, conv2d_2:linear store/next-pool crop 10×10, ' +
      'maxPool2d_2:linear mask, flatten_1:linear, dropout_1:linear, dense_1:linear', 'cnn');
    // Not fused: a conv after a layer with parameters (its dx is needed), 'same' padding, a 3×3 pool, 4 filters.
    const first = (l: ModelSpec['layers'][number], pool: ModelSpec['layers'][number] = { type: 'maxPool2d' }) =>
      plan(spec([l, pool, { type: 'flatten' }, { type: 'dense', units: 10 }])).slice(0, 2).join(', ');
    assertEqual(first({ type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }), 'conv2d_1:linear store/next-pool, maxPool2d_1:linear mask', "'same'");
    assertEqual(first({ type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' }, { type: 'maxPool2d', poolSize: 3 }), 'conv2d_1:linear store/next-pool crop 24×24, maxPool2d_1:linear mask', 'pool 3: 8 windows of 3 read 24 of 26 rows');
    assertEqual(first({ type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' }), 'conv2d_1:linear store/next-pool, maxPool2d_1:linear mask', '4 filters');
    assertEqual(first({ type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' }), 'conv2d_1:linear pool in-conv, maxPool2d_1:linear pool in-conv', '8 filters');
    assertEqual(plan(spec([
      { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }, { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' }, { type: 'maxPool2d' },
      { type: 'flatten' }, { type: 'dense', units: 10 },
    ])).slice(1, 3).join(', '), 'conv2d_2:linear store/next-pool, maxPool2d_1:linear mask', 'a second conv: its dx is needed');
    assertEqual(plan(PRESETS.mlp).join(', '), 'flatten_1:linear, dense_1:linear store/own, dropout_1:linear, dense_2:linear', 'mlp: the dense ReLU in its matmul\'s store');
    assertEqual(plan(PRESETS['cnn-deep']).slice(0, 4).join(', '), 'conv2d_1:linear store/own, conv2d_2:linear store/next-pool, maxPool2d_1:linear mask, ' +
      'conv2d_3:linear store/own', 'cnn-deep');
    assertEqual(plan(spec([
      { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'elu' }, { type: 'maxPool2d' },
      { type: 'flatten' }, { type: 'dense', units: 10, activation: 'tanh' }, { type: 'activation', activation: 'softmax' },
    ])).join(', '), 'conv2d_1:elu, maxPool2d_1:linear, flatten_1:linear, dense_1:tanh, activation_1:linear', 'other activations run as their own ops; a final softmax not at all');
    // Batch normalization reads the conv's output after its ReLU (Keras order): the ReLU's backward is the conv's own,
    // and a pooling layer after batch normalization has no ReLU to mask.
    assertEqual(plan(PRESETS['cnn-bn']).slice(0, 3).join(', '), 'conv2d_1:linear store/own, batchNormalization_1:linear, maxPool2d_1:linear', 'conv2d(relu) → BN → pool');
    assertEqual(plan(spec([
      { type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'batchNormalization' }, { type: 'maxPool2d' }, { type: 'flatten' }, { type: 'dense', units: 10 },
    ])).slice(0, 3).join(', '), 'conv2d_1:linear, batchNormalization_1:linear, maxPool2d_1:linear', 'conv2d → BN → pool');
    assertEqual(plan(spec([
      { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu' }, { type: 'batchNormalization' }, { type: 'flatten' }, { type: 'dense', units: 10 },
    ])).slice(0, 2).join(', '), 'conv2d_1:linear store/own, batchNormalization_1:linear', 'conv2d(relu) → BN');
  });

  it('batch normalization: per-channel gamma, beta (trainable) and moving statistics (not), Keras defaults, the summary\'s three totals', () => {
    const m = resolveModel(PRESETS['cnn-bn']);
    const bn = m.layers[1];
    assert(bn.type === 'batchNormalization', 'layer 2 is batch normalization');
    assertEqual(`${bn.momentum} ${bn.epsilon}`, '0.99 0.001', 'Keras defaults');
    assertEqual(bn.params.map((p) => `${p.name}:${p.shape.join('x')}:${p.init}:${p.trainable}`).join(' '),
      'batchNormalization_1.gamma:32:ones:true batchNormalization_1.beta:32:zeros:true batchNormalization_1.moving_mean:32:zeros:false ' +
      'batchNormalization_1.moving_variance:32:ones:false', 'parameters');
    assertEqual(bn.outShape.join('x'), '26x26x32', 'shape kept');
    // cnn's 34,826 + 4·32 + 4·64, of which 2·32 + 2·64 are moving statistics.
    assertEqual(`${m.paramCount} ${m.trainableCount}`, `${34826 + 4 * 96} ${34826 + 2 * 96}`, 'counts');
    const text = summary(m);
    for (const line of ['batchNormalization_1 (batchNormalization)', 'Total params: 35,210', 'Trainable params: 35,018', 'Non-trainable params: 192']) assert(text.includes(line), `${line} in\n${text}`);
    assert(summary(resolveModel(PRESETS.cnn)).includes('Non-trainable params: 0'), 'no non-trainable parameters in cnn');
    const dense = resolveModel(spec([{ type: 'flatten' }, { type: 'dense', units: 10 }, { type: 'batchNormalization', momentum: 0, epsilon: 1e-5 }]));
    assertEqual(dense.layers[2].params.map((p) => p.shape.join('x')).join(' '), '10 10 10 10', 'per feature after dense');
  });

  it('lays out the trainable parameters first, then the moving statistics, each 256-byte aligned', () => {
    const { layout, total, trainable } = flatParamLayout(resolveModel(PRESETS['cnn-bn']));
    assertEqual(layout.map((e) => `${e.info.name.replace(/^batchNormalization_/, 'bn')}@${e.offset}`).join(' '),
      'conv2d_1.kernel@0 conv2d_1.bias@320 bn1.gamma@384 bn1.beta@448 conv2d_2.kernel@512 conv2d_2.bias@18944 bn2.gamma@19008 bn2.beta@19072 ' +
      'dense_1.kernel@19136 dense_1.bias@35136 bn1.moving_mean@35200 bn1.moving_variance@35264 bn2.moving_mean@35328 bn2.moving_variance@35392', 'layout');
    assertEqual(`${trainable} ${total}`, '35200 35456', 'trainable prefix and total');
    const plain = flatParamLayout(resolveModel(PRESETS.cnn));
    assertEqual(plain.trainable, plain.total, 'no moving statistics: all trainable');
  });

  it('every preset resolves, and the deep preset is the largest', () => {
    for (const [name, s] of Object.entries(PRESETS)) assert(resolveModel(s).paramCount > 0, name);
    assert(resolveModel(PRESETS['cnn-deep']).paramCount > resolveModel(PRESETS.cnn).paramCount, 'cnn-deep > cnn');
  });

  const bad: [string, unknown[], RegExp][] = [
    ['unknown layer', [{ type: 'lstm' }], /layer 1: unknown layer type "lstm"/],
    ['negative units', [{ type: 'flatten' }, { type: 'dense', units: -3 }], /layer 2 \(dense_1\): units must be a positive integer, got -3/],
    ['kernel larger than input', [{ type: 'conv2d', filters: 2, kernelSize: 29 }], /conv2d_1\): kernel 29×29 is larger than its 28×28 input/],
    ['unknown activation', [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'swish' }], /unknown activation "swish"/],
    ['dense on images', [{ type: 'dense', units: 10 }], /needs a flat input .* add a flatten layer/],
    ['wrong output size', [{ type: 'flatten' }, { type: 'dense', units: 7 }], /must end with 10 outputs/],
    ['dropout rate 1', [{ type: 'flatten' }, { type: 'dropout', rate: 1 }, { type: 'dense', units: 10 }], /dropout_1\): rate must be in \[0, 1\)/],
    ['pool too big', [{ type: 'maxPool2d', poolSize: 30 }], /pool 30×30 is larger than its 28×28 input/],
    ['conv after flatten', [{ type: 'flatten' }, { type: 'conv2d', filters: 1, kernelSize: 3 }], /needs an image input/],
    ['too many parameters', [{ type: 'flatten' }, { type: 'dense', units: 100000 }, { type: 'dense', units: 10 }], /parameters is more than/],
    ['no layers', [], /has no layers/],
    ['bad padding', [{ type: 'conv2d', filters: 1, kernelSize: 3, padding: 'full' }], /padding must be "valid" or "same"/],
    ['negative l2', [{ type: 'flatten' }, { type: 'dense', units: 10, kernelRegularizer: { l2: -0.1 } }], /layer 2 \(dense_1\): kernelRegularizer.l2 must be a finite number ≥ 0, got -0.1/],
    ['NaN l1', [{ type: 'conv2d', filters: 1, kernelSize: 3, kernelRegularizer: { l1: Number.NaN } }, { type: 'flatten' }, { type: 'dense', units: 10 }], /layer 1 \(conv2d_1\): kernelRegularizer.l1 must be a finite number ≥ 0, got NaN/],
    ['regularizer as a string', [{ type: 'flatten' }, { type: 'dense', units: 10, kernelRegularizer: 'l2' }], /dense_1\): kernelRegularizer must be an object/],
    ['unknown regularizer key', [{ type: 'flatten' }, { type: 'dense', units: 10, kernelRegularizer: { l3: 1 } }], /dense_1\): kernelRegularizer: unknown key "l3"/],
    ['empty regularizer', [{ type: 'flatten' }, { type: 'dense', units: 10, kernelRegularizer: {} }], /dense_1\): kernelRegularizer needs "l1" and\/or "l2"/],
    ['regularizer on a layer without a kernel', [{ type: 'maxPool2d', kernelRegularizer: { l2: 0.1 } }, { type: 'flatten' }, { type: 'dense', units: 10 }], /layer 1 \(maxPool2d_1\): has no kernel to regularize/],
    ['batch normalization momentum 1', [{ type: 'batchNormalization', momentum: 1 }, { type: 'flatten' }, { type: 'dense', units: 10 }], /layer 1 \(batchNormalization_1\): momentum must be in \[0, 1\), got 1/],
    ['batch normalization epsilon 0', [{ type: 'flatten' }, { type: 'batchNormalization', epsilon: 0 }, { type: 'dense', units: 10 }], /layer 2 \(batchNormalization_1\): epsilon must be a finite number > 0, got 0/],
    ['a layer that is not an object', [[{ type: 'flatten' }], { type: 'dense', units: 10 }], /layer 1: must be an object such as \{"type": "dense", "units": 10\}, got \[\{"type":"flatten"\}\]/],
    ['infinite units', [{ type: 'flatten' }, { type: 'dense', units: Infinity }], /layer 2 \(dense_1\): units must be a positive integer, got Infinity/],
    ['a misspelt key', [{ type: 'flatten' }, { type: 'dense', units: 10, activaton: 'relu' }], /layer 2 \(dense_1\): unknown key "activaton" \(a dense layer takes "type", "units", "activation", "kernelRegularizer"\)/],
    ['a key of another layer type', [{ type: 'maxPool2d', filters: 4 }, { type: 'flatten' }, { type: 'dense', units: 10 }], /layer 1 \(maxPool2d_1\): unknown key "filters" \(a maxPool2d layer takes "type", "poolSize", "strides"\)/],
    // The GPU holds these as f32: what would change meaning there is refused, naming the value it would become.
    ['dropout rate 1 as an f32', [{ type: 'flatten' }, { type: 'dropout', rate: 0.99999999 }, { type: 'dense', units: 10 }], /dropout_1\): rate must be in \[0, 1\) as a 32-bit float, as the GPU uses it; 0.99999999 becomes 1$/],
    ['epsilon 0 as an f32', [{ type: 'flatten' }, { type: 'batchNormalization', epsilon: 1e-50 }, { type: 'dense', units: 10 }], /epsilon must be a finite number > 0 as a 32-bit float.*; 1e-50 becomes 0$/],
    ['epsilon infinite as an f32', [{ type: 'flatten' }, { type: 'batchNormalization', epsilon: 1e39 }, { type: 'dense', units: 10 }], /epsilon must be a finite number > 0 as a 32-bit float.*; 1e\+39 becomes Infinity$/],
    ['momentum 1 as an f32', [{ type: 'batchNormalization', momentum: 0.99999999 }, { type: 'flatten' }, { type: 'dense', units: 10 }], /momentum must be in \[0, 1\) as a 32-bit float.*becomes 1$/],
    ['l2 infinite as an f32', [{ type: 'flatten' }, { type: 'dense', units: 10, kernelRegularizer: { l2: 1e39 } }], /dense_1\): kernelRegularizer.l2 1e\+39 becomes Infinity as a 32-bit float, as the GPU uses it: use a smaller factor$/],
    ['l1 0 as an f32', [{ type: 'flatten' }, { type: 'dense', units: 10, kernelRegularizer: { l1: 1e-50 } }], /dense_1\): kernelRegularizer.l1 1e-50 becomes 0 as a 32-bit float, as the GPU uses it: use 0 for none$/],
    ['a kernel size of three numbers', [{ type: 'conv2d', filters: 1, kernelSize: [3, 3, 3] }, { type: 'flatten' }, { type: 'dense', units: 10 }], /conv2d_1\): kernelSize must be a positive integer or \[h, w\], got \[3,3,3\]/],
    ['a kernel size of one number in a list', [{ type: 'conv2d', filters: 1, kernelSize: [3] }, { type: 'flatten' }, { type: 'dense', units: 10 }], /kernelSize must be a positive integer or \[h, w\], got \[3\]/],
    // The loss's own softmax would follow it: softmax twice.
    ['softmax before the outputs with no kernel after it', [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }, { type: 'dropout', rate: 0.5 }], /layer 2 \(dense_1\): its softmax would be applied twice, as the loss applies softmax to the last layer's outputs/],
    ['a softmax layer before a dropout', [{ type: 'flatten' }, { type: 'dense', units: 10 }, { type: 'activation', activation: 'softmax' }, { type: 'dropout', rate: 0.1 }], /layer 3 \(activation_1\): its softmax would be applied twice/],
    ['batch normalization epsilon text', [{ type: 'flatten' }, { type: 'batchNormalization', epsilon: '1e-3' }, { type: 'dense', units: 10 }], /epsilon must be a finite number > 0, got "1e-3"/],
  ];
  for (const [what, layers, pattern] of bad) {
    it(`rejects: ${what}`, async () => {
      await assertRejects(() => resolveModel(spec(layers)), pattern, what);
    });
  }

  it('accepts a softmax with a dense or conv2d layer after it, and f32 edges that keep their meaning', () => {
    const m = resolveModel(spec([{ type: 'flatten' }, { type: 'dense', units: 16, activation: 'softmax' }, { type: 'dropout', rate: 0.5 }, { type: 'dense', units: 10, activation: 'softmax' }]));
    assertEqual(m.layers.map((l) => l.activation).join(', '), 'linear, softmax, linear, linear', 'the hidden softmax kept, the final one the loss\'s');
    const twice = resolveModel(spec([{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }, { type: 'activation', activation: 'softmax' }]));
    assertEqual(twice.layers.map((l) => l.activation).join(', '), 'linear, softmax, linear', 'two softmaxes written: both computed (the last the loss\'s)');
    const edges = resolveModel(spec([{ type: 'flatten' }, { type: 'batchNormalization', epsilon: 1e-30, momentum: 0.9999 }, { type: 'dense', units: 10, kernelRegularizer: { l1: 0, l2: 1e-30 } }]));
    assertEqual(JSON.stringify([edges.layers[1].spec, edges.layers[2].kernelRegularizer]), '[{"type":"batchNormalization","epsilon":1e-30,"momentum":0.9999},{"l1":0,"l2":1e-30}]', 'kept');
  });

  it('rejects unknown model keys and a name that is not short text', async () => {
    const layers = [{ type: 'flatten' }, { type: 'dense', units: 10 }] as ModelSpec['layers'];
    await assertRejects(() => resolveModel({ layers, nmae: 'x' } as ModelSpec), /model: unknown key "nmae" \(a model takes "layers" and "name"\)/, 'a model key');
    for (const name of [{ deep: 1 }, '', 'x'.repeat(101), 'a\nb']) {
      await assertRejects(() => resolveModel({ layers, name } as unknown as ModelSpec), /model: name must be text of 1 to 100 characters/, JSON.stringify(name));
    }
    assertEqual(resolveModel({ layers, name: 'lab5/v2 — вариант' }).spec.name, 'lab5/v2 — вариант', 'any short text');
  });

  it('resolves kernel regularizers: absent factors 0, none for layers without one', () => {
    const m = resolveModel(spec([
      { type: 'conv2d', filters: 2, kernelSize: 3, kernelRegularizer: { l1: 0.001 } },
      { type: 'flatten' },
      { type: 'dense', units: 10, kernelRegularizer: { l1: 0.01, l2: 0.02 } },
    ]));
    assertEqual(JSON.stringify(m.layers.map((l) => l.kernelRegularizer)), '[{"l1":0.001,"l2":0},null,{"l1":0.01,"l2":0.02}]', 'resolved');
  });

  it('parses presets, JSON objects and bare layer arrays, and names bad text', async () => {
    assertEqual(parseModel('cnn').layers.length, PRESETS.cnn.layers.length, 'preset');
    assertEqual(parseModel('[{"type":"flatten"},{"type":"dense","units":10}]').layers.length, 2, 'array');
    await assertRejects(() => parseModel('{not json'), /neither a preset .* nor valid JSON/, 'bad JSON');
  });

  it('inspects up to the first invalid layer, whose error carries its index (the builder’s rows)', () => {
    const r = inspectModel(spec([{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'dense', units: 10 }, { type: 'flatten' }]));
    assertEqual(r.layers.length, 1, 'layers resolved before the error');
    assertEqual(r.layers[0].outShape.join('x'), '26x26x2', 'their shapes');
    assertEqual(r.error?.layer, 1, 'the error’s layer index');
    assert(/^layer 2 \(dense_1\): needs a flat input/.test(r.error!.message), r.error!.message);
    assertEqual(inspectModel(spec([{ type: 'flatten' }, { type: 'dense', units: 7 }])).error?.layer, 1, 'the output check names the last layer');
    assertEqual(inspectModel(spec([])).error?.layer, undefined, 'a model-wide error has no layer');
    const ok = inspectModel(PRESETS.cnn);
    assertEqual(ok.error, null, 'a valid model');
    assertEqual(ok.model?.paramCount, 34826, 'with the model');
  });

  // A place in a valid model for each type, to try its fields' bounds in.
  const around: Record<LayerType, (l: LayerSpec) => LayerSpec[]> = {
    dense: (l) => [{ type: 'flatten' }, l, { type: 'dense', units: 10 }],
    conv2d: (l) => [l, { type: 'flatten' }, { type: 'dense', units: 10 }],
    maxPool2d: (l) => [l, { type: 'flatten' }, { type: 'dense', units: 10 }],
    avgPool2d: (l) => [l, { type: 'flatten' }, { type: 'dense', units: 10 }],
    flatten: (l) => [l, { type: 'dense', units: 10 }],
    dropout: (l) => [{ type: 'flatten' }, l, { type: 'dense', units: 10 }],
    activation: (l) => [{ type: 'flatten' }, { type: 'dense', units: 10 }, l],
    batchNormalization: (l) => [{ type: 'flatten' }, l, { type: 'dense', units: 10 }],
  };

  it('validates each field by its declared rule (layer-fields.ts): the bounds, the choices, the new layers', async () => {
    for (const type of LAYER_TYPES) {
      const base = NEW_LAYERS[type];
      assert(resolveModel(spec(around[type](base))), `a new ${type} is valid`);
      for (const f of LAYER_FIELDS[type]) {
        const withValue = (v: unknown) => spec(around[type]({ ...base, [f.key]: v } as LayerSpec));
        const where = `${type}.${f.key}`;
        if (f.kind === 'choice') {
          for (const c of f.choices!) if (!(type === 'activation' && c === 'softmax')) resolveModel(withValue(c));
          await assertRejects(() => resolveModel(withValue('nope')), new RegExp(`${f.key}|activation`), `${where} not a choice`);
          continue;
        }
        if (f.min !== undefined) {
          if (!f.minOpen) resolveModel(withValue(f.min));
          const below = f.minOpen ? f.min : f.kind === 'number' ? f.min - 1e-9 : f.min - 1;
          await assertRejects(() => resolveModel(withValue(below)), new RegExp(`${f.key} must be`), `${where} below its minimum`);
        }
        const max = f.max;
        if (max !== undefined) await assertRejects(() => resolveModel(withValue(f.maxOpen ? max : max + 1e-9)), new RegExp(`${f.key} must be`), `${where} above its maximum`);
        if (f.kind !== 'number') await assertRejects(() => resolveModel(withValue(2.5)), new RegExp(`${f.key} must be`), `${where} not whole`);
        if (f.default === undefined && !f.sameAs) await assertRejects(() => resolveModel(withValue(undefined)), new RegExp(`${f.key} must be`), `${where} required`);
      }
    }
  });
});
