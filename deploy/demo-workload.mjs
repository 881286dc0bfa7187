// The demo workload: reads its rendered configs and reports their shape (never a value), again on SIGHUP.
import { readFile } from "node:fs/promises";
import { parse } from "yaml";

const files = (process.env.SECRETS_SIDECAR_FILES ?? "").split(":").filter(Boolean);

function shape(node) {
  if (Array.isArray(node)) return node.map(shape);
  if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, shape(v)]));
  return typeof node === "string" ? `<string of ${node.length} characters>` : node;
}

async function load() {
  for (const file of files) console.log(file, JSON.stringify(shape(parse(await readFile(file, "utf8")))));
}

process.on("SIGHUP", () => {
  console.log("SIGHUP: configs changed, reloading");
  void load();
});
process.on("SIGTERM", () => process.exit(0));
await load();
setInterval(() => undefined, 1 << 30);
