/**
 * Consumers (a service, integration or provider config) and the secrets they
 * reference: the source of usage counts and of delete refusals.
 * `setConsumerReferences` never stores a reference to a secret that does not
 * exist, atomically with `SecretStore.deleteSecret`: run concurrently, one of
 * them wins and the other sees it.
 */
import type { Page, PageQuery } from "./pages.js";

export interface ConsumerReference {
  /** As written in the config, e.g. `$<secret.DB.password>`. */
  reference: string;
  /** Lower-cased secret name it refers to. */
  nameKey: string;
}

/** The API token a consumer belongs to, with the MAC that binds it to the consumer (services/integrity). */
export interface ConsumerOwner {
  tokenId: string;
  mac?: string;
}

export interface ConsumerRecord {
  tenantId: string;
  id: string;
  references: ConsumerReference[];
  updateTime: Date;
  /** Absent on consumers registered before ownership was recorded. */
  owner?: ConsumerOwner;
}

/**
 * Who a consumer write makes the owner, if the owner is still the expected
 * one: `null` expects no consumer, `""` one without an owner, otherwise the
 * owner's token id. Checked in the same atomic step as the write.
 */
export interface ConsumerOwnership {
  owner: ConsumerOwner;
  expectedOwnerTokenId: string | null;
}

export type SetReferencesResult =
  | { outcome: "OK"; consumer: ConsumerRecord }
  /** These name keys name no secret; nothing was written. */
  | { outcome: "MISSING"; nameKeys: string[] }
  /** The consumer's owner is no longer the expected one; nothing was written. */
  | { outcome: "OWNER_CHANGED" };

export interface ConsumerStore {
  /**
   * Replaces the consumer's references atomically; refuses if any name key
   * names no secret. An empty set deletes the consumer. With `ownership`, also
   * sets the owner, only if the current owner is the expected one; without,
   * the owner is left as it is.
   */
  setConsumerReferences(
    tenantId: string,
    consumerId: string,
    references: readonly ConsumerReference[],
    time: Date,
    ownership?: ConsumerOwnership,
  ): Promise<SetReferencesResult>;
  /** Gives an existing consumer to another token; undefined if there is no such consumer. */
  setConsumerOwner(tenantId: string, consumerId: string, owner: ConsumerOwner, time: Date): Promise<ConsumerRecord | undefined>;
  getConsumer(tenantId: string, consumerId: string): Promise<ConsumerRecord | undefined>;
  /**
   * With `expectedOwnerTokenId` ("" for none), deletes only while that is the
   * owner, checked in the same atomic step; false when nothing was deleted.
   */
  deleteConsumer(tenantId: string, consumerId: string, expectedOwnerTokenId?: string): Promise<boolean>;
  /** Consumers referencing the name key, ordered by id, each with only its references to that name. */
  listSecretConsumers(tenantId: string, nameKey: string, query: PageQuery): Promise<Page<ConsumerRecord>>;
}
