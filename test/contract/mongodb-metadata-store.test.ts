/**
 * The MetadataStore contract against a real MongoDB replica set, when one is
 * configured: MONGODB_URI (e.g. mongodb://localhost:27017/?replicaSet=rs0).
 * Each test gets its own database, dropped afterwards.
 */
import { randomUUID } from "node:crypto";
import { MongoClient } from "mongodb";
import { describe } from "vitest";
import { MongoMetadataStore } from "../../services/adapters/mongodb/mongo-metadata-store.js";
import { describeMetadataStoreContract } from "./metadata-store.contract.js";

const uri = process.env.MONGODB_URI;
if (!uri) console.log("skipped: MONGODB_URI not set (MongoDB metadata store contract)");

describe.skipIf(!uri)("MongoDB metadata store (skipped: MONGODB_URI not set)", () => {
  describeMetadataStoreContract("MongoDB", async () => {
    const database = `secrets_contract_${randomUUID().replaceAll("-", "")}`;
    const store = await MongoMetadataStore.connect({ uri: uri!, database, startupTimeoutMs: 10_000 });
    return {
      store,
      cleanup: async () => {
        await store.close();
        const admin = new MongoClient(uri!);
        try {
          await admin.db(database).dropDatabase();
        } finally {
          await admin.close();
        }
      },
    };
  });
});
