/**
 * RecordMacs: MACs made through the cipher port, checks remembered once
 * they succeed (a remembered check costs no HMAC), and a record that differs
 * in any covered field, or in its MAC, never taken for a remembered one.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RecordMacs } from "../../services/integrity/record-macs.js";
import type { Cipher } from "../../services/ports/cipher.js";
import type { SecretRecord } from "../../services/ports/metadata-store.js";

/** Only `mac` is used: a fixed key, counting the messages MACed. */
function countingCipher() {
  const counter = { messages: 0 };
  const cipher = {
    mac: async (_tenantId: string, messages: readonly Uint8Array[]) => {
      counter.messages += messages.length;
      return messages.map((m) => createHmac("sha256", "test-key").update(m).digest());
    },
  } as unknown as Cipher;
  return { cipher, counter };
}

async function signedSecret(macs: RecordMacs, id: string): Promise<SecretRecord> {
  const identity = { tenantId: "acme", id, name: id.toUpperCase(), nameKey: id, type: "TOKEN" as const };
  return {
    ...identity,
    displayName: "",
    description: "",
    labels: {},
    state: "ACTIVE",
    version: 1,
    revision: 1,
    createTime: new Date(0),
    updateTime: new Date(0),
    usageCount: 0,
    macs: await macs.secret(identity, "ACTIVE", 1),
  };
}

describe("RecordMacs", () => {
  it("remembers a check that held, and checks afresh anything that differs", async () => {
    const { cipher, counter } = countingCipher();
    const macs = new RecordMacs(cipher);
    // Signed by another instance (another replica): this one has checked nothing yet.
    const secret = await signedSecret(new RecordMacs(cipher), "db");
    counter.messages = 0;

    expect(await macs.checkSecrets("acme", [secret])).toEqual([undefined]);
    expect(counter.messages).toBe(3);
    expect(await macs.checkSecrets("acme", [secret])).toEqual([undefined]);
    expect(counter.messages).toBe(3);

    expect(await macs.checkSecrets("acme", [{ ...secret, version: 2 }])).toEqual(["version"]);
    expect(await macs.checkSecrets("acme", [{ ...secret, name: "OTHER" }])).toEqual(["identity"]);
    expect(await macs.checkSecrets("acme", [{ ...secret, state: "ARCHIVED" }])).toEqual(["state"]);
    expect(await macs.checkSecrets("acme", [{ ...secret, macs: { ...secret.macs!, version: secret.macs!.state } }])).toEqual(["version"]);
    const { macs: _dropped, ...unsigned } = secret;
    expect(await macs.checkSecrets("acme", [unsigned])).toEqual(["missing"]);
    // Remembered under the tenant whose key checked it: another tenant's check is its own.
    const before = counter.messages;
    await macs.checkSecrets("globex", [secret]);
    expect(counter.messages).toBe(before + 3);
  });

  it("remembers the MACs it made for a write, so the write's read-back check costs no HMAC", async () => {
    const { cipher, counter } = countingCipher();
    const macs = new RecordMacs(cipher);
    const secret = await signedSecret(macs, "db");
    const versionMac = await macs.secretVersion("acme", secret.id, 2);
    counter.messages = 0;
    expect(await macs.checkSecrets("acme", [secret, { ...secret, version: 2, macs: { ...secret.macs!, version: versionMac } }])).toEqual([
      undefined,
      undefined,
    ]);
    expect(counter.messages).toBe(0);
  });

  it("reports every record of a batch that holds, even when the memory fills up during it", async () => {
    const { cipher } = countingCipher();
    const macs = new RecordMacs(cipher);
    const secrets = await Promise.all(Array.from({ length: 3400 }, (_, i) => signedSecret(macs, `s${i}`)));
    // 3 checks each: 10 200 remembered checks, past the bound of 10 000, within one batch.
    const failures = await macs.checkSecrets("acme", secrets);
    expect(failures.filter((f) => f !== undefined)).toEqual([]);
    expect(await macs.checkSecrets("acme", secrets.slice(0, 5))).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
