// Builds the web console into console/dist, which the control plane serves under /console/
// (control-plane/console/console-assets.ts). `npm run build` runs it; `npm ci` runs that (prepare).
// For development, `npx vite console` serves it with the RPCs proxied to PALISADE_SERVER.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const controlPlane = process.env.PALISADE_SERVER ?? "http://127.0.0.1:7070";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Every asset a file of its own (no data: URLs): the page's CSP allows only 'self'.
    assetsInlineLimit: 0,
    // The console runs only in current browsers; no polyfill is injected inline.
    target: "es2022",
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    proxy: { "^/(palisade|grpc)\\.": { target: controlPlane, changeOrigin: true } },
  },
});
