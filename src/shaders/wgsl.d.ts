// WGSL sources are imported as strings: Vite, the test runner and esbuild all load `.wgsl` as text.
declare module '*.wgsl' {
  const source: string;
  export default source;
}
