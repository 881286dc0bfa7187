/**
 * Which driver errors mean "the cluster cannot serve now" (BackendUnavailableError,
 * UNAVAILABLE to callers, worth retrying) and which mean "that key is taken".
 * Everything else is a bug or a misconfiguration and is rethrown as it is.
 */
import {
  MongoError,
  MongoErrorLabel,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from "mongodb";
import { BackendUnavailableError } from "../../domain/errors.js";

export const BACKEND = "metadata store (MongoDB)";

/** MongoDB's DuplicateKey. */
export const DUPLICATE_KEY = 11000;

/**
 * Server error codes of a node that is shutting down, stepping down or not
 * primary, or of a network failure between nodes: the replica set is electing
 * or unreachable. The driver's retryable set (retryable reads and writes
 * specifications); it has already retried reads and writes once.
 */
export const UNAVAILABLE_SERVER_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10058, // LegacyNotPrimary
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * Labels the server and driver put on errors worth retrying: a transaction
 * that failed for a transient reason (a failover, a write conflict that
 * outlived the retries), a write that may be retried, and a commit whose
 * outcome is unknown (it may or may not have applied; a retry is safe).
 */
export const UNAVAILABLE_ERROR_LABELS: readonly string[] = [
  MongoErrorLabel.TransientTransactionError,
  MongoErrorLabel.RetryableWriteError,
  MongoErrorLabel.UnknownTransactionCommitResult,
];

export function isDuplicateKeyError(error: unknown): boolean {
  // MongoBulkWriteError (insertMany) is a MongoServerError too.
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

export function isUnavailableError(error: unknown): boolean {
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError
  )
    return true;
  if (!(error instanceof MongoError)) return false;
  if (UNAVAILABLE_ERROR_LABELS.some((label) => error.hasErrorLabel(label))) return true;
  return error instanceof MongoServerError && typeof error.code === "number" && UNAVAILABLE_SERVER_CODES.has(error.code);
}

/** The error to throw for a driver failure: BackendUnavailableError when the cluster cannot serve, else the error itself. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof BackendUnavailableError || !isUnavailableError(error)) return error;
  const name = (error as Error).name;
  return new BackendUnavailableError(BACKEND, `${name}: ${(error as Error).message}`, { cause: error });
}
