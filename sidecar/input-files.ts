/**
 * The configs to render: files named on the command line, and the YAML files
 * (.yaml, .yml) under directories named there. Entries whose name starts with
 * "." are skipped: a Kubernetes ConfigMap volume keeps its data in `..data`
 * and timestamped `..<date>` directories, with the files as symlinks beside
 * them, and each file must be read once.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";

export interface InputFile {
  /** Absolute path. */
  path: string;
  /** Path under the input directory, or the file's name for a file given directly: where it goes in the output. */
  relativePath: string;
}

const YAML_FILE = /\.ya?ml$/i;

async function yamlFilesUnder(root: string, dir: string): Promise<InputFile[]> {
  const entries = (await readdir(dir)).filter((name) => !name.startsWith(".")).sort();
  const found: InputFile[] = [];
  for (const name of entries) {
    const path = join(dir, name);
    const info = await stat(path); // follows symlinks, as ConfigMap volumes need
    if (info.isDirectory()) found.push(...(await yamlFilesUnder(root, path)));
    else if (info.isFile() && YAML_FILE.test(name)) found.push({ path, relativePath: relative(root, path) });
  }
  return found;
}

/** Every input file, in a stable order; throws if two would be written to the same output path. */
export async function collectInputFiles(inputs: readonly string[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const input of inputs) {
    const path = resolve(input);
    const info = await stat(path);
    if (info.isDirectory()) files.push(...(await yamlFilesUnder(path, path)));
    else files.push({ path, relativePath: basename(path) });
  }
  const byOutput = new Map<string, string>();
  for (const file of files) {
    const earlier = byOutput.get(file.relativePath);
    if (earlier !== undefined) throw new Error(`${earlier} and ${file.path} would both be written as ${file.relativePath}`);
    byOutput.set(file.relativePath, file.path);
  }
  if (files.length === 0) throw new Error(`no YAML files (.yaml, .yml) found in ${inputs.join(", ")}`);
  return files;
}
