// Builds GraphiQL into ../internal/playground/dist, which the gateway embeds
// with go:embed and serves under /playground. Nothing may be inlined as a
// data: URL or fetched from elsewhere: the page runs under a strict
// Content-Security-Policy and with no internet access.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/playground/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: '../internal/playground/dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 8192,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: {
      onwarn(warning, warn) {
        // framer-motion's "use client" markers mean nothing outside React Server Components.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  worker: { format: 'es' },
});
