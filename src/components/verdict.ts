// The overfitting verdict lives in the engine (pure, no DOM), so the experiments report can use it too.
export * from '../engine/verdict';
