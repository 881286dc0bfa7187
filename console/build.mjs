// Builds the web console into console/dist (called by scripts/build.mjs, so by `npm ci` and the
// test suite's global setup): one hashed JS bundle, one hashed stylesheet, and index.html naming
// them. The new build is written beside dist and swapped in, so a service starting meanwhile
// never reads half of one. Prints the gzipped size of the JavaScript a first load fetches.
import { build } from "esbuild";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL(".", import.meta.url));

export async function buildConsole() {
  const dist = join(root, "dist");
  const partial = join(root, `dist.${process.pid}.partial`);
  await rm(partial, { recursive: true, force: true });
  const result = await build({
    entryPoints: { app: join(root, "src/main.tsx"), style: join(root, "src/style.css") },
    bundle: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    entryNames: "[name]-[hash]",
    outdir: join(partial, "assets"),
    metafile: true,
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs);
  const js = outputs.find((path) => path.endsWith(".js"));
  const css = outputs.find((path) => path.endsWith(".css"));
  const template = await readFile(join(root, "index.html"), "utf8");
  await mkdir(partial, { recursive: true });
  await writeFile(join(partial, "index.html"), template.replace("%JS%", basename(js)).replace("%CSS%", basename(css)));
  await rm(dist, { recursive: true, force: true });
  await rename(partial, dist);
  const gzipped = gzipSync(await readFile(join(dist, "assets", basename(js))), { level: 9 }).length;
  return { script: basename(js), gzippedBytes: gzipped };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { script, gzippedBytes } = await buildConsole();
  console.log(`console: ${script} ${(gzippedBytes / 1024).toFixed(1)} KiB of JavaScript gzipped`);
}
