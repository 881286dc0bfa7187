/**
 * A CallPipeline over a stub store that knows a few tokens and collects audit
 * events: enough to check what the pipeline does with the call-policy table
 * without a database or a transport.
 */
import { Writable } from "node:stream";
import { hashApiToken } from "../../services/auth/api-tokens.js";
import type { Role } from "../../services/domain/permissions.js";
import { createLogger } from "../../services/logger.js";
import type { ApiTokenRecord, AuditEventRecord, MetadataStore } from "../../services/ports/metadata-store.js";
import { CallPipeline, type CallStart, type PipelineOptions } from "../../services/rpc/call-pipeline.js";

export const ROLES: readonly Role[] = ["PLATFORM_ADMIN", "ADMIN", "VIEWER", "WORKLOAD"];

export const UNLIMITED: PipelineOptions = {
  rateLimits: { read: 0, write: 0, resolve: 0, stream: 0 },
  streamLimits: { streamsPerToken: 1000, namesPerStream: 1000 },
  callTimeoutMs: 0,
  tokenRecheckMs: 60_000,
  authFailuresPerPeer: 0,
};

export function stubPipeline(options: Partial<PipelineOptions> = {}) {
  const tokens = new Map<string, ApiTokenRecord>();
  const audit: AuditEventRecord[] = [];
  const logLines: string[] = [];
  for (const role of ROLES)
    tokens.set(hashApiToken(`sst_${role}`), {
      tenantId: "t",
      id: `tok_${role}`,
      hash: hashApiToken(`sst_${role}`),
      displayName: role,
      role,
      allowedSecretPatterns: role === "WORKLOAD" ? ["GRANTED_*"] : [],
      createTime: new Date(0),
      createdBy: "",
    });
  const store = {
    findApiTokenByHash: async (hash: string) => tokens.get(hash),
    appendAuditEvents: async (events: readonly AuditEventRecord[]) => void audit.push(...events),
  } as unknown as MetadataStore;
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk, _encoding, callback) {
        logLines.push(String(chunk));
        callback();
      },
    }),
  });
  const pipeline = new CallPipeline(store, logger, { ...UNLIMITED, ...options });
  const start = (method: string, role: Role | undefined, extra: Partial<CallStart> = {}): CallStart => ({
    method,
    authorization: role && `Bearer sst_${role}`,
    signal: new AbortController().signal,
    ...extra,
  });
  return { pipeline, audit, logLines, start, tokens };
}
