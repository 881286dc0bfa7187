/**
 * Loads the configs to render: each input file read, parsed as a YAML
 * template, given its consumer id and output path. Problems in a file (bad
 * YAML, malformed placeholders) are listed, not thrown, so every one is
 * reported together.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { parseReference, isReferenceSyntaxError, type Reference } from "../kernel/references.js";
import { consumerIdFor } from "./consumer-id.js";
import { collectInputFiles } from "./input-files.js";
import { decodeUtf8 } from "./utf8-text.js";
import { parseYamlTemplate, type SourcePosition, type YamlTemplate } from "./yaml-render.js";

export interface LoadedConfig {
  /** As shown in messages: relative to the working directory. */
  displayPath: string;
  consumerId: string;
  template: YamlTemplate;
  /** Where the rendered file goes; undefined in plan mode. */
  outputPath?: string;
}

/** A value requested as an environment variable of the workload (`--env NAME=REFERENCE`). */
export interface EnvReference {
  variable: string;
  reference: Reference;
}

/** One place a reference is written, for messages. */
export interface Occurrence {
  where: string;
  text: string;
}

export interface LoadOptions {
  inputs: string[];
  outputDir?: string;
  consumerId?: string;
  consumerPrefix?: string;
}

export function formatWhere(displayPath: string, position: SourcePosition): string {
  return `${displayPath}:${position.line}:${position.column}`;
}

/** Relative to the working directory when the file is under it, else absolute. */
function displayPathOf(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere === "" || fromHere.startsWith("..") || isAbsolute(fromHere) ? path : fromHere;
}

export async function loadConfigs(options: LoadOptions): Promise<LoadedConfig[]> {
  const files = await collectInputFiles(options.inputs);
  return Promise.all(
    files.map(async (file) => {
      const displayPath = displayPathOf(file.path);
      const template = parseYamlTemplate(decodeUtf8(await readFile(file.path), displayPath));
      return {
        displayPath,
        consumerId: consumerIdFor(file.relativePath, template.documents, { ...options, fileCount: files.length }),
        template,
        ...(options.outputDir !== undefined && { outputPath: join(options.outputDir, file.relativePath) }),
      };
    }),
  );
}

/** Parses one `NAME=REFERENCE` flag; throws naming the flag at fault. */
export function parseEnvReference(flag: string): EnvReference {
  const equals = flag.indexOf("=");
  const variable = flag.slice(0, equals);
  if (equals < 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
    throw new Error(`--env ${JSON.stringify(flag)}: expected NAME=REFERENCE, e.g. DB_PASSWORD='$<secret.DB.password>'`);
  const reference = parseReference(flag.slice(equals + 1));
  if (isReferenceSyntaxError(reference)) throw new Error(`--env ${variable}: ${reference.message}`);
  return { variable, reference };
}

/** Every reference of the configs and env flags, by placeholder text, with where each is written. */
export function occurrencesByText(configs: readonly LoadedConfig[], env: readonly EnvReference[]): Map<string, Occurrence[]> {
  const byText = new Map<string, Occurrence[]>();
  const add = (text: string, where: string) => {
    let list = byText.get(text);
    if (!list) {
      list = [];
      byText.set(text, list);
    }
    list.push({ where, text });
  };
  for (const config of configs)
    for (const found of config.template.references) add(found.reference.source, formatWhere(config.displayPath, found.position));
  for (const entry of env) add(entry.reference.source, `--env ${entry.variable}`);
  return byText;
}

/** The distinct placeholder texts of one config, in order of appearance. */
export function referenceTextsOf(config: LoadedConfig): string[] {
  return [...new Set(config.template.references.map((found) => found.reference.source))];
}
