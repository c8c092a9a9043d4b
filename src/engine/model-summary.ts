// A model as Keras's model.summary() prints it: each layer's name and type, output shape (with the batch
// axis as None) and parameter count, then the totals. The CLI prints it; the model builder shows its columns.
// And a model in one line ("Flatten → Dense 128 relu → Dense 10"): the experiments report's tables and the
// element's comparison table.
import { layerParamCount, modelName, type KernelRegularizerSpec, type LayerSpec, type ModelSpec, type ResolvedLayer, type ResolvedModel } from './model';

/** A layer's output shape as summary() shows it, with Keras's batch axis: "(None, 26, 26, 16)". */
export function outputShapeText(l: ResolvedLayer): string {
  return `(None, ${l.outShape.join(', ')})`;
}

/** A Keras-like summary table: layer (type), output shape, parameter count, and the totals (all, trainable, not). */
export function summary(model: ResolvedModel): string {
  const rows = model.layers.map((l) => [
    `${l.name} (${l.spec.type})`,
    outputShapeText(l),
    String(layerParamCount(l)),
  ]);
  const head = ['Layer (type)', 'Output Shape', 'Param #'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('').trimEnd();
  const rule = '─'.repeat(widths.reduce((a, b) => a + b, 0));
  return [
    `Model: "${modelName(model.spec)}"`,
    rule,
    line(head),
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${model.paramCount.toLocaleString('en-US')}`,
    `Trainable params: ${model.trainableCount.toLocaleString('en-US')}`,
    `Non-trainable params: ${(model.paramCount - model.trainableCount).toLocaleString('en-US')}`,
  ].join('\n');
}

function describeLayer(l: LayerSpec): string {
  const act = (a?: string) => (a && a !== 'linear' ? ` ${a}` : '');
  // A penalty on the kernel changes the model being compared (the L2 row of the overfitting table), so it is named.
  const reg = (r?: KernelRegularizerSpec) => `${r?.l1 ? ` L1 ${r.l1}` : ''}${r?.l2 ? ` L2 ${r.l2}` : ''}`;
  switch (l.type) {
    case 'flatten': return 'Flatten';
    case 'dense': return `Dense ${l.units}${act(l.activation)}${reg(l.kernelRegularizer)}`;
    case 'conv2d': {
      const [kh, kw] = Array.isArray(l.kernelSize) ? l.kernelSize : [l.kernelSize, l.kernelSize];
      return `Conv ${kh}×${kw}×${l.filters}${l.padding === 'same' ? ' same' : ''}${act(l.activation)}${reg(l.kernelRegularizer)}`;
    }
    case 'maxPool2d': return `MaxPool ${l.poolSize ?? 2}`;
    case 'avgPool2d': return `AvgPool ${l.poolSize ?? 2}`;
    case 'dropout': return `Dropout ${l.rate}`;
    case 'activation': return l.activation;
    case 'batchNormalization': return 'BatchNorm';
  }
}

/** "Flatten → Dense 128 relu → Dropout 0.2 → Dense 10"; `dropout`: the rate every dropout layer trained with instead of its own. */
export function describeModel(m: ModelSpec, dropout?: number | null): string {
  return m.layers.map((l) => (l.type === 'dropout' && dropout != null ? { ...l, rate: dropout } : l)).map(describeLayer).join(' → ');
}
