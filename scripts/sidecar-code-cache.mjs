// Makes the V8 code cache of the sidecar's bundle (run by build.mjs in a process of its own, as
// `node scripts/sidecar-code-cache.mjs dist/secrets-sidecar.cjs`). The cache holds what a run
// compiled, so the bundle runs a representative render first, under the bin's V8 flags: its
// options, reading and parsing a YAML config with whole and embedded references, and the calls
// against a listener that closes every connection (the render then fails, as expected: no service
// is needed). What it did not compile is compiled lazily at run time, as without a cache.
import "../bin/sidecar-runtime.js";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeCachePathOf, runCodeCachedBundle } from "../bin/code-cached-bundle.js";

const TRAINING_CONFIG = `database:
  password: $<secret.TRAINING_DB_PASSWORD>
  url: postgres://app:$<secret.TRAINING_DB_PASSWORD>@db.internal:5432/app
api:
  - name: payments
    key: $<secret.TRAINING_API_KEY>
`;

const bundlePath = process.argv[2];
const { exports, codeCache } = runCodeCachedBundle(bundlePath, { useCache: false });
const closer = createServer((socket) => socket.destroy());
await new Promise((resolve) => closer.listen(0, "127.0.0.1", resolve));
const work = await mkdtemp(join(tmpdir(), "sidecar-code-cache-"));
try {
  const config = join(work, "app.yaml");
  const tokenFile = join(work, "token");
  await writeFile(config, TRAINING_CONFIG);
  await writeFile(tokenFile, "training-token", { mode: 0o600 });
  const args = ["--address", `127.0.0.1:${closer.address().port}`, "--token-file", tokenFile, "--retries", "0"];
  await exports.runSidecar(["render", config, ...args, "--output-dir", join(work, "out")]);
} finally {
  closer.close();
  await rm(work, { recursive: true, force: true });
}
const cachePath = codeCachePathOf(bundlePath);
await writeFile(`${cachePath}.${process.pid}.partial`, codeCache());
await rename(`${cachePath}.${process.pid}.partial`, cachePath);
process.exit(0);
