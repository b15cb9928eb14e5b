import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/** The dashboard is served under `/dashboard/` both locally and behind CloudFront. */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/dashboard/",
  // Everything is bundled: the build works offline and needs no CDN at run time.
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", assetsInlineLimit: 0 },
  logLevel: "warn",
});
