/**
 * What the sidecar scenarios run against: a service child holding 200 secrets,
 * a workload token file, and a generated 300-line YAML referencing them all.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTokenSecrets, references, secretNames } from "./seed.js";
import { REPO_ROOT, withServiceChild, type ServiceChild } from "./service-child.js";
import type { BenchSettings } from "./settings.js";

export const SIDECAR_ENTRY = join(REPO_ROOT, "bin/secrets-sidecar.js");
export const REFERENCE_COUNT = 200;

export interface SidecarFixture {
  service: ServiceChild;
  /** Scratch directory, the cwd of the sidecar processes. */
  work: string;
  input: string;
  inputLines: number;
  tokenFile: string;
  outputDir: string;
  /** --address, --token-file, --output-dir */
  connectionArgs: string[];
}

/**
 * 300 lines, 200 references: integrations, each with an API key (a whole
 * scalar) and a DSN with the password inside a longer string.
 */
export function renderInputYaml(names: readonly string[]): string {
  const refs = references(names);
  const lines = ["integrations:"];
  for (let i = 0; i < refs.length / 2; i++) {
    // The first entry opens on its first key, so the file is exactly 300 lines.
    if (i > 0) lines.push(`  - name: integration-${i}`);
    lines.push(`${i > 0 ? "    " : "  - "}api_key: ${refs[2 * i]}`);
    lines.push(`    dsn: postgres://app:${refs[2 * i + 1]}@db-${i}.internal:5432/app`);
  }
  return `${lines.join("\n")}\n`;
}

export function sidecarMissing(): string | undefined {
  return existsSync(SIDECAR_ENTRY) ? undefined : "sidecar not present (bin/secrets-sidecar.js)";
}

export function withSidecarFixture<T>(settings: BenchSettings, body: (fixture: SidecarFixture) => Promise<T>): Promise<T> {
  return withServiceChild({ ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) }, async (service) => {
    const names = secretNames("RENDER", REFERENCE_COUNT);
    await createTokenSecrets([service.clients(service.adminToken)], names);
    const work = await mkdtemp(join(tmpdir(), "bench-sidecar-"));
    try {
      const input = join(work, "integrations.yaml");
      const outputDir = join(work, "out");
      const tokenFile = join(work, "token");
      const yaml = renderInputYaml(names);
      await writeFile(input, yaml);
      await writeFile(tokenFile, await service.createWorkloadToken(), { mode: 0o600 });
      const connectionArgs = ["--address", service.address, "--token-file", tokenFile, "--output-dir", outputDir];
      return await body({ service, work, input, inputLines: yaml.trimEnd().split("\n").length, tokenFile, outputDir, connectionArgs });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}
