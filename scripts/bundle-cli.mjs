// Bundles the CLI into a few ESM files (dist/bundle/). Node spends most of a short `kiln build`
// resolving and loading modules; one bundle with lazily loaded chunks per plugin halves that,
// which is what keeps `kiln build` as quick to start as `packer build` (bench/overhead).
import { rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names change with their content: start empty so stale chunks do not pile up.
rmSync("dist/bundle", { recursive: true, force: true });

await build({
  entryPoints: ["cli/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  splitting: true,
  outdir: "dist/bundle",
  sourcemap: true,
  // Native add-ons stay out: ssh2's are optional and it is loaded lazily, only by builds that use
  // ssh; lz4-napi picks its binary package by platform at run time.
  external: ["ssh2", "cpu-features", "koffi", "lz4-napi"],
  // Bundled CommonJS dependencies call require(); give them one in ESM.
  banner: { js: "import { createRequire as __kilnCreateRequire } from 'node:module'; const require = __kilnCreateRequire(import.meta.url);" },
  // Prefer packages' ESM builds: jsonc-parser's UMD main uses a require() esbuild cannot follow.
  mainFields: ["module", "main"],
  logLevel: "warning",
});
