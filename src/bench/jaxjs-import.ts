// jax-js as an ES module, for pages built or served by a bundler (bench.html under Vite, the test runner).
// Kept apart from jaxjs.ts so that importing the benchmark does not pull jax-js into a bundle that never runs it.
import type { Jaxjs } from './jaxjs';

export function importJaxjs(): Promise<Jaxjs> {
  return import('@jax-js/jax');
}
