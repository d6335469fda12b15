// Builds the viewer's page (viewer/) into dist/viewer/, shipped in the package and served by
// `deepblink view` (src/view/server.ts). Relative asset URLs (base './'): the page lives under
// a per-run token path. onnxruntime-web runs from its own files in ort/ (its WebAssembly binary
// and the loader its worker threads start from: a worker must not start from the page's own
// script); the page points ort.env.wasm.wasmPaths there. Nothing is fetched from elsewhere.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const ortDist = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

/** Copies onnxruntime-web's WebAssembly build (binary + loader) to ort/. */
function ortFiles(): Plugin {
  return {
    name: 'deepblink-ort-files',
    generateBundle() {
      for (const f of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs']) {
        this.emitFile({ type: 'asset', fileName: `ort/${f}`, source: readFileSync(path.join(ortDist, f)) });
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  publicDir: false,
  plugins: [ortFiles()],
  // the build of onnxruntime-web that loads its WebAssembly from ort/ instead of embedding the loader
  resolve: { alias: { 'onnxruntime-web/wasm': path.join(ortDist, 'ort.wasm.min.mjs') } },
  build: {
    outDir: path.join(here, '..', 'dist', 'viewer'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    assetsInlineLimit: 0,
  },
});
