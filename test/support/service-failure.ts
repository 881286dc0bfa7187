/** The ServiceError a service call fails with; fails the test if it resolves or throws anything else. */
import { expect } from "vitest";
import { ServiceError } from "../../services/domain/errors.js";

export async function serviceFailure(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceError);
  return error as ServiceError;
}
