// The activation functions by name, with no shader attached: model.ts validates layer specs against
// this list, ops/activation.ts maps each name to its kernel (the shader's ACT id is the index here).

export type ActivationName = 'linear' | 'relu' | 'leaky_relu' | 'elu' | 'sigmoid' | 'tanh' | 'gelu' | 'softmax';
export const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'leaky_relu', 'elu', 'sigmoid', 'tanh', 'gelu', 'softmax'];

/** Default α: leaky_relu slope (PyTorch's 0.01; Keras's LeakyReLU uses 0.3) and elu scale (Keras 1.0). */
export const DEFAULT_ALPHA: Partial<Record<ActivationName, number>> = { leaky_relu: 0.01, elu: 1.0 };

export function isActivationName(s: string): s is ActivationName {
  return (ACTIVATIONS as readonly string[]).includes(s);
}
