import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The marketers' UI: built into web/dist, which `cdp serve` serves (with an SPA fallback, so
 * client-side routes load on refresh). `npm run build` runs this from the repository root.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // `npx vite --config web/vite.config.ts` in development: the API runs in `cdp serve` on :3000.
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
