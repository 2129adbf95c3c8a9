import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into ui/dist and served by `cairn server` at `/`. Assets get content hashes so the server
// can cache them forever; the API is proxied in dev (`npx vite ui`) to a local server.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/ajax-api': 'http://127.0.0.1:5000',
      '/api': 'http://127.0.0.1:5000',
      '/get-artifact': 'http://127.0.0.1:5000',
    },
  },
});
