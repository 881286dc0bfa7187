/**
 * Issue 9 item 12, the race left open: a value sealed with the tenant's old
 * key version, whose write commits after RotateTenantKey's rewrap has counted
 * what remains below the new version, was stored under a version the rotation
 * then retired: the secret no longer opened. The interleaving is injected
 * through the ports (a write held between sealing and storing, released by
 * the rotation's final count), with no sleeps.
 */
import { afterEach, describe, expect, it } from "vitest";
import { rotateTenantKey, type RotationProgress } from "../../services/admin/key-rotation.js";
import { associatedData } from "../../services/domain/associated-data.js";
import type { ServiceCall } from "../../services/domain/service-call.js";
import type { MetadataStore } from "../../services/ports/metadata-store.js";
import { secretsService } from "../../services/secrets/secrets-service.js";
import { openEmbeddedBackends } from "./embedded-backends.js";

const TENANT = "acme";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open() {
  const backends = await openEmbeddedBackends(TENANT, cleanups);
  await backends.store.createTenant({ id: TENANT, displayName: "Acme", createTime: new Date() });
  return backends;
}

/** A promise and the function that resolves it. */
function signal<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const call: ServiceCall = { tenantId: TENANT, tokenId: "tok_test", role: "ADMIN", allowedSecretPatterns: [], audit: { resources: [] } };

describe("a write sealed with the old key version that commits after the rewrap's final count", () => {
  it("is never left under a retired key version: the secret still opens after the rotation", async () => {
    const { store, cipher } = await open();
    const secrets = secretsService({ store, cipher, keepVersions: 10 });
    await secrets.createSecret(call, {
      name: "DB",
      displayName: "",
      description: "",
      labels: {},
      type: "TOKEN",
      value: { kind: "token", token: "first" },
    });

    // The writer's store holds its first write between sealing (key version 1) and storing.
    const sealed = signal();
    const release = signal();
    let held = false;
    const writerStore: MetadataStore = Object.create(store);
    writerStore.addSecretVersion = async (...args) => {
      if (!held) {
        held = true;
        sealed.resolve();
        await release.promise;
      }
      return store.addSecretVersion(...args);
    };
    const writer = secretsService({ store: writerStore, cipher, keepVersions: 10 });
    const written = writer.updateSecretValue(call, "DB", { kind: "token", token: "second" }, [], undefined);
    await sealed.promise;

    // The rotation's store lets the held write commit just after the final count, before retirement.
    let rewrapDone = false;
    const rotationStore: MetadataStore = Object.create(store);
    rotationStore.listCiphertextsBelow = async (...args) => {
      const batch = await store.listCiphertextsBelow(...args);
      if (batch.length === 0) rewrapDone = true;
      return batch;
    };
    rotationStore.countCiphertextsBelow = async (...args) => {
      const count = await store.countCiphertextsBelow(...args);
      if (rewrapDone) {
        release.resolve();
        await written;
      }
      return count;
    };
    let last: RotationProgress | undefined;
    for await (const progress of rotateTenantKey(rotationStore, cipher, TENANT, new AbortController().signal)) last = progress;
    expect(last).toMatchObject({ keyVersion: 2, done: true });

    const [current] = await store.getSecretsWithCiphertext(TENANT, ["db"]);
    expect(current?.secret.version).toBe(2);
    const [plaintext] = await cipher.decrypt(TENANT, [
      {
        ciphertext: current!.ciphertext,
        associatedData: associatedData({ tenantId: TENANT, secretId: current!.secret.id, nameKey: "db", version: 2 }),
      },
    ]);
    expect(Buffer.from(plaintext!).toString()).toBe("second");
  });
});
