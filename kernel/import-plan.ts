/**
 * Bulk import over the API, for the console and `secretsctl import` alike:
 * plan (each name is new, or an existing Token secret whose value would be
 * rotated, or refused), then apply with one result per row. Values go only
 * into the create/update requests.
 */
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { SecretsService } from "../gen/secrets/v1/secrets_service_pb.js";
import { SecretState, SecretType } from "../gen/secrets/v1/types_pb.js";
import type { ImportEntry } from "./env-import.js";

export type ImportClient = Pick<Client<typeof SecretsService>, "getSecret" | "createSecret" | "updateSecretValue">;

export interface ImportRowPlan {
  entry: ImportEntry;
  action: "create" | "rotate" | "refuse";
  /** Why a row is refused. */
  reason?: string;
}

export interface ImportRowResult {
  name: string;
  action: ImportRowPlan["action"];
  ok: boolean;
  /** What happened, in words (a version, or the error); never the value. */
  detail: string;
}

const PARALLEL_LOOKUPS = 8;

export async function planImport(client: ImportClient, entries: readonly ImportEntry[]): Promise<ImportRowPlan[]> {
  const plans: ImportRowPlan[] = new Array(entries.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < entries.length; i = next++) plans[i] = await planRow(client, entries[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_LOOKUPS, entries.length) }, worker));
  return plans;
}

async function planRow(client: ImportClient, entry: ImportEntry): Promise<ImportRowPlan> {
  try {
    const { secret } = await client.getSecret({ name: entry.name });
    if (secret?.type !== SecretType.TOKEN) return { entry, action: "refuse", reason: "exists with another type than Token" };
    if (secret.state === SecretState.ARCHIVED) return { entry, action: "refuse", reason: "exists but is archived: restore it first" };
    return { entry, action: "rotate" };
  } catch (error) {
    if (ConnectError.from(error).code === Code.NotFound) return { entry, action: "create" };
    throw error;
  }
}

/** Creates and rotates row by row; waits and retries when the write rate limit says so. */
export async function applyImport(client: ImportClient, plans: readonly ImportRowPlan[]): Promise<ImportRowResult[]> {
  const results: ImportRowResult[] = [];
  for (const { entry, action, reason } of plans) {
    if (action === "refuse") {
      results.push({ name: entry.name, action, ok: false, detail: reason ?? "refused" });
      continue;
    }
    try {
      const value = { kind: { case: "token" as const, value: entry.value } };
      const { secret } = await withRateLimitRetry<{ secret?: { version: bigint } | undefined }>(() =>
        action === "create"
          ? client.createSecret({ name: entry.name, type: SecretType.TOKEN, value })
          : client.updateSecretValue({ name: entry.name, value }),
      );
      results.push({ name: entry.name, action, ok: true, detail: `version ${secret?.version ?? "?"}` });
    } catch (error) {
      results.push({ name: entry.name, action, ok: false, detail: ConnectError.from(error).rawMessage });
    }
  }
  return results;
}

async function withRateLimitRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (ConnectError.from(error).code !== Code.ResourceExhausted || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}
