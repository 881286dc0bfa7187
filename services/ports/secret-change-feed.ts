/** Committed changes to secrets, for watch streams. */

/**
 * What changed. METADATA_UPDATED: display name, description or labels;
 * USAGE_UPDATED: the usage count (a consumer's references) or the last access
 * time. Neither changes what a resolve returns.
 */
export type SecretChangeKind = "CREATED" | "VALUE_UPDATED" | "ARCHIVED" | "RESTORED" | "DELETED" | "METADATA_UPDATED" | "USAGE_UPDATED";

/** Emitted after a change to a secret has committed (by any replica, where the adapter can see them). */
export interface SecretChangeEvent {
  tenantId: string;
  nameKey: string;
  name: string;
  kind: SecretChangeKind;
  /** The secret's version after the change. */
  version: number;
  time: Date;
}

export interface SecretChangeFeed {
  /** Calls `listener` after each committed change to any secret; returns the unsubscribe function. */
  onSecretChange(listener: (event: SecretChangeEvent) => void): () => void;
}
