#!/usr/bin/env node
// Runs a TypeScript entry point of ours in Node on WebGPU (the `webgpu` package, Dawn):
// bundles it with esbuild (.wgsl as text) into node_modules/.cache, then runs it in a child
// process whose environment points Dawn at a Vulkan driver. SwiftShader from Debian's chromium is
// the fallback when no GPU driver is configured, as on CI machines.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-node.mjs <entry.ts> [args...]');
  process.exit(2);
}
const outDir = resolve('node_modules/.cache/mnist-trainer');
mkdirSync(outDir, { recursive: true });
const outfile = resolve(outDir, basename(entry).replace(/\.ts$/, '.mjs'));
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  loader: { '.wgsl': 'text' },
  // Native addons stay outside the bundle: webgpu (Dawn) and @resvg/resvg-js (loads its platform's .node file).
  external: ['webgpu', '@resvg/resvg-js'],
  logLevel: 'error',
  // WebGPU's globals (GPUBufferUsage, ...) must exist before any engine module is evaluated.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);\n" +
      "import { globals as __webgpuGlobals } from 'webgpu'; Object.assign(globalThis, __webgpuGlobals);",
  },
});

const env = { ...process.env };
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && existsSync(swiftshader) && env.MNIST_TRAINER_GPU !== 'system') {
  env.VK_ICD_FILENAMES = swiftshader;
}
// Debian's chromium ships libvulkan.so.1 beside SwiftShader; use it when the system has no loader.
if (existsSync('/usr/lib/chromium/libvulkan.so.1') && !existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1')) {
  env.LD_LIBRARY_PATH = ['/usr/lib/chromium', env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}
const child = spawn(process.execPath, [outfile, ...args], { stdio: 'inherit', env });
// Ctrl-C reaches the child from the terminal (one process group), and the child decides what it means (the CLI
// stops training and writes its files first): this process only waits for it, so the shell's prompt does not
// come back while the child still writes. A SIGTERM sent to this process alone is passed on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
