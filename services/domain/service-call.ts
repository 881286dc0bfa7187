/**
 * What a transport-free service needs of a call: who makes it (as their
 * token established: tenant, token, role and grants), and the note its audit
 * record is written from (filled in as the call goes, so a failed call is
 * recorded with what it was about).
 */
import type { Role } from "./permissions.js";

export interface ServiceCall {
  tenantId: string;
  /** The caller's API token id: the writer of what the call writes. */
  tokenId: string;
  role: Role;
  allowedSecretPatterns: readonly string[];
  /** Empty or absent: a token made without consumer patterns. */
  allowedConsumerPatterns?: readonly string[];
  audit: { resources: string[]; version?: number; consumerId?: string };
}
