import { defineConfig } from 'vite';

// Relative asset URLs: the same build works at / and under any sub-path (the pages route with the hash).
export default defineConfig({
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: process.env.RIFT_WEB_OUT || 'dist',
    emptyOutDir: true,
    target: 'es2020',
    reportCompressedSize: false,
  },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
} as any);
