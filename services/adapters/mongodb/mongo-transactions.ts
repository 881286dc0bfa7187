/**
 * Runs a multi-document transaction with the retries MongoDB's transactions
 * specification asks for (the whole transaction again on a
 * TransientTransactionError, the commit again on an
 * UnknownTransactionCommitResult), but bounded by the call's deadline rather
 * than the driver's fixed 120 s: a failover or a hot document must end the
 * call with UNAVAILABLE while its caller still waits, not four times later.
 */
import { MongoError, MongoErrorLabel, type ClientSession, type TransactionOptions } from "mongodb";
import { BackendUnavailableError } from "../../domain/errors.js";
import { BACKEND } from "./mongo-errors.js";

/** MongoDB's MaxTimeMSExpired: a commit that ran out of maxCommitTimeMS is not retried. */
const MAX_TIME_MS_EXPIRED = 50;

export type TransactionSession = Pick<ClientSession, "startTransaction" | "commitTransaction" | "abortTransaction">;

export async function runBoundedTransaction<T>(
  session: TransactionSession,
  work: () => Promise<T>,
  options: TransactionOptions & { timeoutMs: number },
  now: () => number = Date.now,
): Promise<T> {
  const { timeoutMs, ...transactionOptions } = options;
  const deadline = now() + timeoutMs;
  const outOfTime = (last: unknown) =>
    new BackendUnavailableError(BACKEND, `a transaction could not commit within ${timeoutMs} ms: ${(last as Error).message}`, {
      cause: last,
    });
  for (;;) {
    session.startTransaction({ ...transactionOptions, maxCommitTimeMS: timeoutMs });
    let result: T;
    try {
      result = await work();
    } catch (error) {
      await session.abortTransaction().catch(() => undefined);
      if (!hasLabel(error, MongoErrorLabel.TransientTransactionError)) throw error;
      if (now() >= deadline) throw outOfTime(error);
      continue;
    }
    const committed = await commit(session, deadline, now);
    if (committed === true) return result;
    if (now() >= deadline) throw outOfTime(committed);
  }
}

/** true once committed; the error when the whole transaction should run again; throws otherwise. */
async function commit(session: TransactionSession, deadline: number, now: () => number): Promise<true | unknown> {
  for (;;) {
    try {
      await session.commitTransaction();
      return true;
    } catch (error) {
      const expired = error instanceof MongoError && error.code === MAX_TIME_MS_EXPIRED;
      if (hasLabel(error, MongoErrorLabel.UnknownTransactionCommitResult) && !expired && now() < deadline) continue;
      if (hasLabel(error, MongoErrorLabel.TransientTransactionError)) return error;
      throw error;
    }
  }
}

function hasLabel(error: unknown, label: string): boolean {
  return error instanceof MongoError && error.hasErrorLabel(label);
}
