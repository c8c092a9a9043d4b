// `npm run check:deps` (the first step of `npm test`): the layers of src/ and no import cycles.
// Bottom to top: data (CPU-only IDX parsing and sources) → engine (WebGPU, no DOM, no Lit, no Node) →
// node (Node-only helpers) → cli and bench → components (the element) → demo. An arrow may only point
// down. Type-only imports count too (tsPreCompilationDeps): a layer that names an upper layer's types
// depends on it. WGSL files are imported as text by the engine's ops: leaves, not followed.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle: modules that cannot be understood, tested or loaded one without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'data-is-the-bottom',
      severity: 'error',
      comment: 'src/data is CPU-only parsing, validation and sources: it imports no other layer of ours.',
      from: { path: '^src/data/' },
      to: { path: '^src/(engine|node|cli|bench|components|demo)/' },
    },
    {
      name: 'engine-below-its-users',
      severity: 'error',
      comment: 'src/engine runs in a page, a worker, the test runner and Node: it imports no layer above it, no Lit/uPlot/CSS.',
      from: { path: '^src/engine/' },
      to: { path: ['^src/(node|cli|bench|components|demo)/', 'node_modules/(lit|lit-html|lit-element|@lit|uplot)/', '\\.css'] },
    },
    {
      name: 'engine-and-data-without-node-builtins',
      severity: 'error',
      comment: 'src/engine and src/data also run in the browser: Node built-ins belong in src/node, src/cli or src/bench.',
      from: { path: '^src/(engine|data)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'node-below-cli-and-bench',
      severity: 'error',
      comment: 'src/node holds what the CLI and the bench share: it imports neither.',
      from: { path: '^src/node/' },
      to: { path: '^src/(cli|bench|components|demo)/' },
    },
    {
      name: 'src-not-tests',
      severity: 'error',
      comment: "src/ imports nothing from test/, but for the bench's kernel check, which runs the float64 references (test/reference/) on adapters the test suite never reaches.",
      from: { path: '^src/', pathNot: '^src/bench/kernel-check\\.ts$' },
      to: { path: '^test/' },
    },
    {
      name: 'kernel-check-takes-only-the-references',
      severity: 'error',
      comment: 'The kernel check shares the references with the tests, not their helpers or fixtures.',
      from: { path: '^src/bench/kernel-check\\.ts$' },
      to: { path: '^test/', pathNot: '^test/reference/' },
    },
    {
      name: 'bench-not-cli',
      severity: 'error',
      comment: 'The bench shares Node helpers with the CLI through src/node, not by importing src/cli.',
      from: { path: '^src/bench/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'cli-not-bench-or-components',
      severity: 'error',
      comment: 'The command line runs in Node: it imports neither the bench nor the element.',
      from: { path: '^src/cli/' },
      to: { path: '^src/(bench|components|demo)/' },
    },
    {
      name: 'chart-libraries-in-cli-only',
      severity: 'error',
      comment: 'vega, vega-lite and resvg (a native addon) draw the CLI and experiments charts: devDependencies that the element and the engine must not pull in.',
      from: { pathNot: '^src/cli/' },
      to: { path: 'node_modules/(vega[^/]*|@resvg/[^/]+)/' },
    },
    {
      name: 'components-not-node-side',
      severity: 'error',
      comment: 'The element runs in the browser: it imports nothing from the Node-only layers.',
      from: { path: '^src/components/' },
      to: { path: '^src/(node|cli|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '\\.wgsl$'] },
    exclude: { path: '\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};
