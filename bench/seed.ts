/**
 * Fills a tenant with TOKEN secrets for a scenario. Values are random and
 * never printed.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { SecretType } from "../gen/secrets/v1/types_pb.js";
import { forEachConcurrently } from "./concurrent.js";
import type { Clients } from "./service-child.js";

/** `BENCH_<prefix>_000042`-style names, zero-padded so they sort. */
export function secretNames(prefix: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `BENCH_${prefix}_${String(from + i).padStart(6, "0")}`);
}

export function randomTokenValue(): { kind: { case: "token"; value: string } } {
  return { kind: { case: "token", value: randomBytes(24).toString("base64url") } };
}

/**
 * Creates the named secrets through `clients` (several clients spread the
 * load over connections), in order, until all exist or `deadline`
 * (performance.now() time) passes; returns the names created.
 */
export async function createTokenSecrets(
  clients: readonly Clients[],
  names: readonly string[],
  concurrency = 64,
  deadline = Infinity,
): Promise<string[]> {
  const created = await forEachConcurrently(
    names.length,
    concurrency,
    (i) => clients[i % clients.length]!.secrets.createSecret({ name: names[i]!, type: SecretType.TOKEN, value: randomTokenValue() }),
    () => performance.now() > deadline,
  );
  return names.slice(0, created);
}

export function references(names: readonly string[]): string[] {
  return names.map((name) => `$<secret.${name}>`);
}
