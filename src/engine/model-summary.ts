// A model as Keras's model.summary() prints it: each layer's name and type, output shape (with the batch
// axis as None) and parameter count, then the totals. The CLI prints it; the model builder shows its columns.
import { layerParamCount, type ResolvedLayer, type ResolvedModel } from './model';

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
    `Model: "${model.spec.name ?? 'custom'}"`,
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
