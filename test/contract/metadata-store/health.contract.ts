/** The MetadataStore contract: health and closing. */
import { beforeEach, describe, expect, it } from "vitest";
import { BackendUnavailableError } from "../../../services/domain/errors.js";
import type { MetadataStore } from "../../../services/ports/metadata-store.js";
import { newTenantId, type StoreContract } from "./fixtures.js";

export function describeHealthContract(contract: StoreContract): void {
  describe("health", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    it("answers a ping, and reports a closed store as unavailable", async () => {
      await store.ping();
      await store.close();
      await expect(store.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(store.getSecret(newTenantId(), "x")).rejects.toBeInstanceOf(BackendUnavailableError);
    });
  });
}
