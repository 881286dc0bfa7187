/**
 * A cipher for unit tests: no secrecy, but the associated data is checked
 * as a real cipher checks it, so a value sealed for another record, version
 * or tenant does not open. Counts its calls, so a test can see batching.
 */
import { DecryptionFailedError, type Cipher, type OpenRequest, type SealRequest, type Sealed } from "../../../services/ports/cipher.js";

export class FakeCipher implements Pick<Cipher, "encrypt" | "decrypt"> {
  readonly calls = { encrypt: 0, decrypt: 0 };

  async encrypt(tenantId: string, requests: readonly SealRequest[]): Promise<Sealed[]> {
    this.calls.encrypt++;
    return requests.map(({ plaintext, associatedData }) => ({ ciphertext: seal(tenantId, associatedData, plaintext), keyVersion: 1 }));
  }

  async decrypt(tenantId: string, requests: readonly OpenRequest[]): Promise<Uint8Array[]> {
    this.calls.decrypt++;
    return requests.map(({ ciphertext, associatedData }) => {
      const { bound, plaintext } = JSON.parse(Buffer.from(ciphertext).toString("utf8")) as { bound: string; plaintext: string };
      if (bound !== binding(tenantId, associatedData)) throw new DecryptionFailedError();
      return new Uint8Array(Buffer.from(plaintext, "base64"));
    });
  }
}

function binding(tenantId: string, associatedData: Uint8Array): string {
  return `${tenantId}|${Buffer.from(associatedData).toString("base64")}`;
}

function seal(tenantId: string, associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const sealed = { bound: binding(tenantId, associatedData), plaintext: Buffer.from(plaintext).toString("base64") };
  return new Uint8Array(Buffer.from(JSON.stringify(sealed), "utf8"));
}
