/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { devCsp } from './csp';

// Wails serves dist/ from the embedded file system; `wails dev` proxies the
// Vite dev server. Tests run in jsdom with the browser build of Svelte.
export default defineConfig({
  plugins: [svelte(), devCsp()],
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The zxcvbn dictionaries are big by nature and lazy-loaded on purpose.
    chunkSizeWarningLimit: 2000,
  },
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.ts'],
    // theme.test.ts reads app.css as text (?raw); other CSS stays unprocessed in tests.
    css: { include: [/app\.css/] },
  },
});
