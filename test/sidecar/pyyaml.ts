/**
 * A YAML 1.1 reader nobody here wrote: PyYAML (Debian's python3-yaml), with
 * libyaml's C parser when present, as the independent check of issue 10 used.
 * Strings, numbers, booleans and null come back as JSON; anything else (a
 * date, binary, infinity) tagged with its Python type, so no value read as
 * something other than a string can pass for one.
 */
import { execFileSync } from "node:child_process";

const SCRIPT = `
import json, math, sys, yaml
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
def plain(node):
    if isinstance(node, str): return node
    if isinstance(node, dict): return {(k if isinstance(k, str) else repr(k)): plain(v) for k, v in node.items()}
    if isinstance(node, list): return [plain(v) for v in node]
    if node is None or isinstance(node, (bool, int)): return node
    if isinstance(node, float) and math.isfinite(node): return node
    return {"pytype": type(node).__name__, "repr": repr(node)}
texts = json.load(sys.stdin)
print(json.dumps([[plain(d) for d in yaml.load_all(t, Loader=Loader)] for t in texts]))
`;

/** The documents of each text, as PyYAML reads them. Throws if PyYAML is missing or refuses a text. */
export function readWithPyYaml(texts: readonly string[]): unknown[][] {
  const out = execFileSync("python3", ["-c", SCRIPT], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out) as unknown[][];
}
