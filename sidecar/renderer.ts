/**
 * One render: load the configs, resolve every reference in one call
 * (all-or-nothing), register each config's references as a consumer, then
 * write each rendered file atomically. Fails closed: any problem anywhere and
 * nothing is written; the result lists every failing place.
 */
import { relative } from "node:path";
import type { ResolvedValue } from "../gen/secrets/v1/resolver_service_pb.js";
import { secretNameKey } from "../kernel/names.js";
import {
  loadConfigs,
  occurrencesByText,
  referenceTextsOf,
  type EnvReference,
  type LoadedConfig,
  type LoadOptions,
  type Occurrence,
} from "./configs.js";
import { LocalFault } from "./local-files.js";
import { callProblems, consumerIdProblem, roleHint, sortProblems, templateProblems } from "./reference-problems.js";
import { checkedOutputPath, openOutputDirectory, OutputPathError, writeRenderedFile } from "./output-directory.js";
import type { ResolverClient } from "./resolver-client.js";
import { sensitiveTexts, type ResolvedReference } from "./sensitive-texts.js";
import { renderYamlTemplate } from "./yaml-render.js";

/** The service takes at most this many references per call. */
const MAX_REFERENCES_PER_CALL = 1000;

export interface RenderSettings extends LoadOptions {
  outputDir: string;
  env: EnvReference[];
}

export interface RenderedFile {
  path: string;
  changed: boolean;
}

export type RenderResult =
  | {
      ok: true;
      files: RenderedFile[];
      /** Every value this render put in the workload's hands, as plain texts: what output masking hides. */
      sensitive: string[];
      /** Values of the `--env` references, by variable. */
      env: Record<string, string>;
      /** Version rendered per secret (by name key), and the name as written: what watch compares against. */
      versions: Map<string, { name: string; version: bigint }>;
    }
  | { ok: false; problems: string[] };

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size));
  return out;
}

function resolvedReferences(
  values: Map<string, ResolvedValue>,
  configs: readonly LoadedConfig[],
  env: readonly EnvReference[],
): ResolvedReference[] {
  const references = [
    ...configs.flatMap((config) => config.template.references.map((found) => found.reference)),
    ...env.map((entry) => entry.reference),
  ];
  return references.map((reference) => ({ reference, resolved: values.get(reference.source)! }));
}

/** Every path is checked before any file is written, so a refused one leaves the others untouched too. */
async function writeFiles(outputDir: string, files: readonly { path: string; text: string }[]): Promise<RenderedFile[]> {
  const root = await openOutputDirectory(outputDir);
  const targets: string[] = [];
  for (const file of files) targets.push(await checkedOutputPath(root, relative(outputDir, file.path)));
  const written: RenderedFile[] = [];
  for (const [i, file] of files.entries())
    written.push({ path: file.path, changed: await writeRenderedFile(root, targets[i]!, file.text) });
  return written;
}

/** Registers each config's references as its consumer's; the problems, or the local fault that stopped it. */
async function registerConsumers(
  client: ResolverClient,
  configs: readonly LoadedConfig[],
  occurrences: Map<string, Occurrence[]>,
  signal?: AbortSignal,
): Promise<string[] | LocalFault> {
  const problems: string[] = [];
  for (const config of configs) {
    const references = referenceTextsOf(config);
    try {
      await client.setConsumerReferences(config.consumerId, references, signal);
    } catch (error) {
      if (error instanceof LocalFault) return error;
      const consumerProblem = consumerIdProblem(error, config.consumerId, config.displayPath);
      if (consumerProblem !== undefined) problems.push(consumerProblem);
      else problems.push(...callProblems(error, references, occurrences));
    }
  }
  return problems;
}

export async function renderConfigs(client: ResolverClient, settings: RenderSettings, signal?: AbortSignal): Promise<RenderResult> {
  let configs: LoadedConfig[];
  try {
    configs = await loadConfigs(settings);
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] };
  }
  const occurrences = occurrencesByText(configs, settings.env);
  const problems = templateProblems(configs);

  // Resolved even when a file has problems, so that one run reports everything wrong.
  const texts = [...occurrences.keys()];
  const auditConsumer = configs.length === 1 ? configs[0]!.consumerId : "";
  const values = new Map<string, ResolvedValue>();
  for (const batch of chunks(texts, MAX_REFERENCES_PER_CALL)) {
    try {
      const response = await client.resolveSecrets(batch, auditConsumer, signal);
      response.values.forEach((value, i) => {
        values.set(batch[i]!, value);
      });
    } catch (error) {
      if (error instanceof LocalFault) return { ok: false, problems: [error.message] };
      problems.push(...callProblems(error, batch, occurrences));
      const hint = roleHint(error);
      if (hint !== undefined && !problems.includes(hint)) problems.push(hint);
    }
  }
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };

  // The files are rendered in memory while the service registers the consumers; written only after.
  const registration = registerConsumers(client, configs, occurrences, signal);
  const resolvedValue = (text: string): ResolvedValue => values.get(text)!;
  const rendered = configs.map((config) => ({ path: config.outputPath!, text: renderYamlTemplate(config.template, resolvedValue) }));
  const registered = await registration;
  if (registered instanceof LocalFault) return { ok: false, problems: [registered.message] };
  if (registered.length > 0) return { ok: false, problems: sortProblems(registered) };

  let written: RenderedFile[];
  try {
    written = await writeFiles(settings.outputDir, rendered);
  } catch (error) {
    if (error instanceof OutputPathError) return { ok: false, problems: [error.message] };
    throw error;
  }

  const versions = new Map<string, { name: string; version: bigint }>();
  for (const value of values.values()) versions.set(secretNameKey(value.secretName), { name: value.secretName, version: value.version });
  const env = Object.fromEntries(settings.env.map((entry) => [entry.variable, resolvedValue(entry.reference.source).value]));
  return { ok: true, files: written, sensitive: sensitiveTexts(resolvedReferences(values, configs, settings.env)), env, versions };
}
