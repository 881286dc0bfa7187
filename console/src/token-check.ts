/**
 * Asks the service who a token is (GetCaller) before the console keeps it:
 * a workload token is refused, since workloads resolve values and people must not.
 */
import { apiFor } from "./api.js";
import type { TenantSession } from "./session.js";
import { Role } from "../../gen/secrets/v1/types_pb.js";

export const WORKLOAD_REFUSAL =
  "This is a workload token: it is for services that resolve secrets, not for people. Sign in with an admin or viewer token.";

/** The token's tenant session; throws an Error with WORKLOAD_REFUSAL for a workload token, or the API's error. */
export async function checkToken(token: string): Promise<TenantSession> {
  const caller = await apiFor(token).admin.getCaller({});
  if (caller.role === Role.WORKLOAD) throw new Error(WORKLOAD_REFUSAL);
  return { tenantId: caller.tenantId, tokenId: caller.tokenId, role: caller.role, token };
}
