/**
 * The MetadataStore port's contract, written against the port only, so every
 * adapter (SQLite, MongoDB) runs the same suite:
 *
 *   describeMetadataStoreContract("sqlite", async () => ({ store, cleanup }));
 *
 * Each test works in fresh random tenants (and globally unique token hashes
 * and audit ids), so the suite also runs against a shared backend. Change
 * events are awaited rather than assumed synchronous, so an adapter whose feed
 * is asynchronous (change streams) passes too.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, vi } from "vitest";
import type { MetadataStore, NewSecret, SecretChangeEvent, SecretRecord } from "../../services/ports/metadata-store.js";
import { newSecret, sealed, type StoreContract } from "./metadata-store/fixtures.js";
import { describeTenantsContract } from "./metadata-store/tenants.contract.js";
import { describeSecretsContract } from "./metadata-store/secrets.contract.js";
import { describeSecretVersionsContract } from "./metadata-store/secret-versions.contract.js";
import { describeConsumersContract } from "./metadata-store/consumers.contract.js";
import { describeApiTokensContract } from "./metadata-store/api-tokens.contract.js";
import { describeRecordMacsContract } from "./metadata-store/record-macs.contract.js";
import { describeAuditContract } from "./metadata-store/audit.contract.js";
import { describeKeyRotationContract } from "./metadata-store/key-rotation.contract.js";
import { describeChangeFeedContract } from "./metadata-store/change-feed.contract.js";
import { describeTenantIsolationContract } from "./metadata-store/tenant-isolation.contract.js";
import { describeHealthContract } from "./metadata-store/health.contract.js";

export interface MetadataStoreUnderTest {
  store: MetadataStore;
  cleanup: () => Promise<void>;
}

export function describeMetadataStoreContract(name: string, makeStore: () => Promise<MetadataStoreUnderTest>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function create(tenantId: string, secretName: string, extra: Partial<NewSecret> = {}): Promise<SecretRecord> {
      const created = await store.createSecret(newSecret(tenantId, secretName, extra), sealed(1));
      expect(created, `creating ${secretName}`).toBeDefined();
      return created!;
    }

    /** Collects this tenant's change events; `settle` waits until a marker change has come through. */
    function recordChanges(tenantId: string) {
      const events: SecretChangeEvent[] = [];
      const unsubscribe = store.onSecretChange((event) => {
        if (event.tenantId === tenantId) events.push(event);
      });
      const settle = async (): Promise<void> => {
        const marker = await create(tenantId, `MARKER_${randomUUID().replaceAll("-", "_")}`);
        await vi.waitFor(() => expect(events.some((e) => e.nameKey === marker.nameKey)).toBe(true), {
          timeout: 5000,
        });
        events.splice(
          events.findIndex((e) => e.nameKey === marker.nameKey),
          1,
        );
      };
      return { events, unsubscribe, settle };
    }

    const contract: StoreContract = {
      get store() {
        return store;
      },
      create,
      recordChanges,
    };

    describeTenantsContract(contract);
    describeSecretsContract(contract);
    describeSecretVersionsContract(contract);
    describeConsumersContract(contract);
    describeApiTokensContract(contract);
    describeRecordMacsContract(contract);
    describeAuditContract(contract);
    describeKeyRotationContract(contract);
    describeChangeFeedContract(contract);
    describeTenantIsolationContract(contract);
    describeHealthContract(contract);
  });
}
