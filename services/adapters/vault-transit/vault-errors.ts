/**
 * Turns what node-vault throws into the errors the Cipher port promises.
 *
 * Two kinds of thrown things carry request or response bodies that can hold
 * secret material: node-vault's ApiResponseError keeps the response body (a
 * partially failed decrypt batch carries the plaintexts of the items that
 * opened) and axios errors keep the request config (the base64 plaintexts).
 * So no mapped error keeps the original as `cause`, and messages are built
 * only from status codes, error codes and Vault's `errors` strings.
 */
import { BackendMisconfiguredError, BackendUnavailableError } from "../../domain/errors.js";
import { DecryptionFailedError, TenantKeyNotFoundError } from "../../ports/cipher.js";

export type VaultCapability = "create" | "read" | "update";

/** One Vault call, described by what a policy must grant for it. */
export interface VaultCall {
  /** Path below /v1, e.g. `transit/encrypt/secrets-acme`. */
  path: string;
  /** The policy capability the call needs on that path. */
  capability: VaultCapability;
  /** The tenant whose key the call uses, when it uses one. */
  tenantId?: string;
  /** Item errors of a decrypt (or rewrap) batch mean a ciphertext that did not open. */
  opensCiphertexts?: boolean;
}

/** Vault refused the call (HTTP 403): the service's policy lacks a capability, or its token is no longer valid. */
export class VaultPermissionError extends BackendMisconfiguredError {
  override readonly name = "VaultPermissionError";
  constructor(readonly call: VaultCall) {
    super(
      "vault",
      `Vault denied "${call.capability}" on "${call.path}": the service's Vault policy must grant ` +
        `capabilities = ["${call.capability}"] on path "${call.path}" (or the service's token expired or was revoked)`,
    );
  }
}

/** Socket-level failures that mean "Vault cannot be reached now", worth retrying. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

/** 503 is a sealed or standby-without-forwarding Vault; 502/504 a proxy without a Vault behind it; 429 rate limiting. */
const UNAVAILABLE_STATUSES = new Set([429, 502, 503, 504]);

const KEY_NOT_FOUND = /encryption key not found|^key not found|no existing key named|no such key|policy not found/i;

/** Vault's 404 for a path no mounted engine serves (a wrong mount path), unlike a missing key's bare 404. */
const NO_ROUTE = /no handler for route/i;

interface VaultResponseShape {
  statusCode: number;
  body?: { errors?: unknown; data?: { batch_results?: unknown } } | null;
}

/** The HTTP response of a node-vault ApiResponseError, if that is what this is. */
export function vaultResponseOf(error: unknown): VaultResponseShape | undefined {
  const response = (error as { response?: { statusCode?: unknown; body?: unknown } } | null)?.response;
  if (!response || typeof response.statusCode !== "number") return undefined;
  return response as VaultResponseShape;
}

function vaultErrorStrings(response: VaultResponseShape): string[] {
  const errors = response.body?.errors;
  return Array.isArray(errors) ? errors.filter((e): e is string => typeof e === "string").map((e) => e.slice(0, 200)) : [];
}

/**
 * The first failing item of a batch's results. Vault answers 400 when any
 * item fails on most versions and endpoints, but some answer 200 with the
 * item's `error` set (rewrap always; decrypt on older versions).
 */
function firstBatchItemError(results: unknown): { index: number; error: string } | undefined {
  if (!Array.isArray(results)) return undefined;
  for (const [index, item] of results.entries()) {
    const error = (item as { error?: unknown } | null)?.error;
    if (typeof error === "string" && error !== "") return { index, error: error.slice(0, 200) };
  }
  return undefined;
}

/** The error for a batch answered 200 whose results carry an item `error`, or undefined when every item succeeded. */
export function batchItemFailure(results: unknown, call: VaultCall): Error | undefined {
  const itemError = firstBatchItemError(results);
  return itemError && batchItemError(itemError, call);
}

function batchItemError(itemError: { index: number; error: string }, call: VaultCall): Error {
  if (call.tenantId !== undefined && KEY_NOT_FOUND.test(itemError.error)) return new TenantKeyNotFoundError(call.tenantId);
  if (call.opensCiphertexts)
    return new DecryptionFailedError(`ciphertext ${itemError.index} of the batch did not open: ${itemError.error}`);
  return new Error(`Vault call to ${call.path} failed: item ${itemError.index}: ${itemError.error}`);
}

export function isVaultPermissionDenied(error: unknown): boolean {
  return vaultResponseOf(error)?.statusCode === 403;
}

export function mapVaultError(error: unknown, call: VaultCall): Error {
  if (error instanceof BackendUnavailableError || error instanceof VaultPermissionError) return error;
  const response = vaultResponseOf(error);
  if (response) return mapVaultResponse(response, call);

  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return new BackendUnavailableError("vault", `${code} on ${call.path}`);
  const message = error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200);
  return new Error(`Vault call to ${call.path} failed${typeof code === "string" ? ` (${code})` : ""}: ${message}`);
}

function mapVaultResponse(response: VaultResponseShape, call: VaultCall): Error {
  const status = response.statusCode;
  const errors = vaultErrorStrings(response);
  if (UNAVAILABLE_STATUSES.has(status)) {
    const detail = errors.length > 0 ? errors.join("; ") : `HTTP ${status}`;
    return new BackendUnavailableError("vault", `${detail} (HTTP ${status} on ${call.path})`);
  }
  if (status === 403) return new VaultPermissionError(call);
  if (status === 404 && errors.some((e) => NO_ROUTE.test(e)))
    return new BackendMisconfiguredError(
      "vault",
      `Vault serves nothing at "${call.path}": is the transit engine mounted at the configured mount path (--vault-mount), in the configured namespace?`,
    );
  if (call.tenantId !== undefined && (status === 404 || errors.some((e) => KEY_NOT_FOUND.test(e))))
    return new TenantKeyNotFoundError(call.tenantId);

  const itemError = firstBatchItemError(response.body?.data?.batch_results);
  if (itemError && call.opensCiphertexts) return batchItemError(itemError, call);
  const detail = itemError ? `item ${itemError.index}: ${itemError.error}` : errors.join("; ") || "no error text";
  return new Error(`Vault call to ${call.path} failed with HTTP ${status}: ${detail}`);
}
