/**
 * The Cipher contract against a real Vault, when one is configured:
 * VAULT_ADDR and VAULT_TOKEN (optionally VAULT_CACERT, VAULT_NAMESPACE,
 * VAULT_TRANSIT_MOUNT). Keys are created with deletion_allowed=false, so each
 * run leaves its test tenants' keys behind: point it at a test Vault.
 */
import { describe } from "vitest";
import { VaultTransitCipher } from "../../services/adapters/vault-transit/vault-transit-cipher.js";
import { describeCipherContract } from "./cipher.contract.js";

const address = process.env.VAULT_ADDR;
const token = process.env.VAULT_TOKEN;
const missing = !address ? "VAULT_ADDR" : !token ? "VAULT_TOKEN" : undefined;
if (missing) console.log(`skipped: ${missing} not set (Vault transit cipher contract)`);

describe.skipIf(missing !== undefined)(`Vault transit cipher (skipped: ${missing ?? "none"} not set)`, () => {
  describeCipherContract("Vault transit", async () => {
    const cipher = await VaultTransitCipher.connect({
      address: address!,
      auth: { method: "token", token: token! },
      mountPath: process.env.VAULT_TRANSIT_MOUNT,
      namespace: process.env.VAULT_NAMESPACE,
      caFile: process.env.VAULT_CACERT,
    });
    return { cipher, cleanup: () => cipher.close() };
  });
});
