// Shared by the bins: runs a program's JavaScript build in dist/ (made by `npm run build`, which
// `npm ci` runs). With SECRETS_RUN_SOURCES=1 it runs the TypeScript sources through tsx instead
// (a development dependency), for working on the code without rebuilding.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * @param {string} build the build's path from the repository root
 * @param {string} typescriptEntry the entry's path from the repository root
 */
export async function importEntry(build, typescriptEntry) {
  if (runsSources()) {
    const { register } = await import("tsx/esm/api");
    register();
    return import(pathToFileURL(`${root}${typescriptEntry}`).href);
  }
  return import(pathToFileURL(builtFile(build)).href);
}

/** Whether SECRETS_RUN_SOURCES=1 asks for the TypeScript sources rather than the build. */
export function runsSources() {
  return process.env.SECRETS_RUN_SOURCES === "1";
}

/**
 * The absolute path of a file of the build; exits with what to do when it is missing.
 * @param {string} build the build's path from the repository root
 */
export function builtFile(build) {
  if (!existsSync(`${root}${build}`)) {
    process.stderr.write(`${build} is missing: run \`npm run build\` first (or set SECRETS_RUN_SOURCES=1 to run the sources with tsx)\n`);
    process.exit(1);
  }
  return `${root}${build}`;
}
