/**
 * The rules for the parts of a secrets request that are not the secret
 * itself: update masks, etags, and the errors of a lost check-and-set.
 */
import { ServiceError, invalidArgument } from "../domain/errors.js";
import type { SecretType } from "../../kernel/secret-values.js";
import type { SecretOrder, SecretOrderKey, SecretRecord } from "../ports/secret-store.js";

const ORDER_FIELDS: Record<string, SecretOrderKey> = {
  name: "name",
  update_time: "updateTime",
  last_access_time: "lastAccessTime",
  usage_count: "usageCount",
  type: "type",
  state: "state",
};

/** A list request's order_by (AIP-132: one field, then `asc` or `desc`); empty is by name. */
export function secretOrder(orderBy: string): SecretOrder {
  const [field = "name", direction = "asc", ...rest] = orderBy.trim().split(/\s+/).filter(Boolean);
  const key = Object.hasOwn(ORDER_FIELDS, field) ? ORDER_FIELDS[field] : undefined;
  if (!key || rest.length > 0 || (direction !== "asc" && direction !== "desc"))
    throw invalidArgument([
      {
        field: "order_by",
        description: `order_by is one of ${Object.keys(ORDER_FIELDS).join(", ")}, optionally followed by asc or desc`,
        reason: "INVALID_ORDER_BY",
      },
    ]);
  return { key, descending: direction === "desc" };
}

const VALUE_PATHS = ["username_password.username", "username_password.password"] as const;

/** The parts of a username-password value that an update's update_mask leaves as stored. */
export function keptValueParts(type: SecretType, paths: readonly string[]): ("username" | "password")[] {
  if (paths.length === 0) return [];
  if (type !== "USERNAME_PASSWORD" || paths.some((p) => !(VALUE_PATHS as readonly string[]).includes(p)))
    throw invalidArgument([
      {
        field: "update_mask",
        description: `update_mask may name only ${VALUE_PATHS.join(" or ")}, of a username-password secret`,
        reason: "INVALID_UPDATE_MASK",
      },
    ]);
  return (["username", "password"] as const).filter((part) => !paths.includes(`username_password.${part}`));
}

const METADATA_PATHS = ["display_name", "description", "labels"] as const;

export function updateMaskPaths(paths: readonly string[]): Set<string> {
  if (paths.length === 0)
    throw invalidArgument([
      { field: "update_mask", description: "update_mask must name the fields to change", reason: "UPDATE_MASK_REQUIRED" },
    ]);
  if (paths.includes("*")) return new Set(METADATA_PATHS);
  const unknown = paths.filter((p) => !(METADATA_PATHS as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw invalidArgument(
      unknown.map((p) => ({
        field: "update_mask",
        description: `unknown or immutable field "${p}" (allowed: ${METADATA_PATHS.join(", ")})`,
        reason: "INVALID_UPDATE_MASK",
      })),
    );
  return new Set(paths);
}

export function parseEtag(etag: string): number | undefined {
  if (etag === "") return undefined;
  if (!/^[0-9]{1,15}$/.test(etag))
    throw invalidArgument([{ field: "etag", description: "etag is not one this service issued", reason: "INVALID_ETAG" }]);
  return Number(etag);
}

export function etagMismatch(current: SecretRecord): ServiceError {
  return new ServiceError(`secret "${current.name}" changed since the etag was read; read it again`, {
    reason: "ETAG_MISMATCH",
  });
}

export function tooMuchContention(name: string): ServiceError {
  return new ServiceError(`secret "${name}" is changing too fast; retry`, { reason: "CONTENTION" });
}
