/**
 * Who is signed in: one token per tenant the operator holds (a platform
 * admin gains one per tenant it creates), kept in session storage only, so
 * closing the tab or signing out forgets them. Never in the URL or the DOM.
 */
import { Role } from "../../gen/secrets/v1/types_pb.js";

export interface TenantSession {
  tenantId: string;
  tokenId: string;
  role: Role;
  token: string;
}

export interface Session {
  tenants: TenantSession[];
  currentTenantId: string;
}

const KEY = "secrets-console-session";

export function loadSession(): Session | undefined {
  try {
    const stored = sessionStorage.getItem(KEY);
    const session = stored ? (JSON.parse(stored) as Session) : undefined;
    return session && session.tenants.some((t) => t.tenantId === session.currentTenantId) ? session : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

export function currentTenant(session: Session): TenantSession {
  return session.tenants.find((t) => t.tenantId === session.currentTenantId)!;
}

/** Adds (or replaces) a tenant's token and makes it current. */
export function withTenant(session: Session | undefined, tenant: TenantSession): Session {
  const others = (session?.tenants ?? []).filter((t) => t.tenantId !== tenant.tenantId);
  return { tenants: [...others, tenant], currentTenantId: tenant.tenantId };
}

export const isAdmin = (role: Role) => role === Role.ADMIN || role === Role.PLATFORM_ADMIN;

export const ROLE_WORDS: Record<Role, string> = {
  [Role.UNSPECIFIED]: "unknown",
  [Role.ADMIN]: "admin",
  [Role.VIEWER]: "viewer",
  [Role.WORKLOAD]: "workload",
  [Role.PLATFORM_ADMIN]: "platform admin",
};
