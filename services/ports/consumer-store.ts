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

export interface ConsumerRecord {
  tenantId: string;
  id: string;
  references: ConsumerReference[];
  updateTime: Date;
}

export type SetReferencesResult =
  | { outcome: "OK"; consumer: ConsumerRecord }
  /** These name keys name no secret; nothing was written. */
  | { outcome: "MISSING"; nameKeys: string[] };

export interface ConsumerStore {
  /** Replaces the consumer's references atomically; refuses if any name key names no secret. An empty set deletes the consumer. */
  setConsumerReferences(
    tenantId: string,
    consumerId: string,
    references: readonly ConsumerReference[],
    time: Date,
  ): Promise<SetReferencesResult>;
  getConsumer(tenantId: string, consumerId: string): Promise<ConsumerRecord | undefined>;
  /** Returns false if there was no such consumer. */
  deleteConsumer(tenantId: string, consumerId: string): Promise<boolean>;
  /** Consumers referencing the name key, ordered by id, each with only its references to that name. */
  listSecretConsumers(tenantId: string, nameKey: string, query: PageQuery): Promise<Page<ConsumerRecord>>;
}
