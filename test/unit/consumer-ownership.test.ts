/** The rules of who may create, replace or delete a consumer (services/domain/consumer-ownership.ts). */
import { describe, expect, it } from "vitest";
import { consumerWriteRefusal, ownerAfterWrite, type ConsumerWriter } from "../../services/domain/consumer-ownership.js";

const workload = (tokenId: string, secrets: string[], consumers?: string[]): ConsumerWriter => ({
  tokenId,
  role: "WORKLOAD",
  allowedSecretPatterns: secrets,
  ...(consumers && { allowedConsumerPatterns: consumers }),
});
const admin: ConsumerWriter = { tokenId: "tok_admin", role: "ADMIN", allowedSecretPatterns: [] };
const ownedBy = (ownerTokenId: string, ...referencedNameKeys: string[]) => ({ ownerTokenId, referencedNameKeys });

describe("consumer ownership", () => {
  it("a workload with consumer patterns touches only the ids they cover, matched as written", () => {
    const app = workload("tok_app", ["APP_*"], ["service/app*"]);
    expect(consumerWriteRefusal(app, "service/app-web", undefined)).toBeUndefined();
    expect(consumerWriteRefusal(app, "service/other", undefined)).toEqual({ reason: "CONSUMER_ID_NOT_ALLOWED" });
    expect(consumerWriteRefusal(app, "Service/app", undefined)).toEqual({ reason: "CONSUMER_ID_NOT_ALLOWED" });
  });

  it("a token without consumer patterns registers any free id but never takes an owned one", () => {
    const legacy = workload("tok_old", ["*"]);
    expect(consumerWriteRefusal(legacy, "anything", undefined)).toBeUndefined();
    expect(consumerWriteRefusal(legacy, "svc", ownedBy("tok_old", "app_db"))).toBeUndefined();
    expect(consumerWriteRefusal(legacy, "svc", ownedBy("tok_x", "app_db"))).toEqual({ reason: "CONSUMER_OWNED", ownerTokenId: "tok_x" });
  });

  it("takes over another token's consumer only with patterns covering the id and a grant covering its references", () => {
    const rotated = workload("tok_new", ["APP_*"], ["svc"]);
    expect(consumerWriteRefusal(rotated, "svc", ownedBy("tok_old", "app_db", "app_key"))).toBeUndefined();
    expect(consumerWriteRefusal(rotated, "svc", ownedBy("tok_old", "app_db", "other_db"))).toEqual({
      reason: "CONSUMER_OWNED",
      ownerTokenId: "tok_old",
    });
  });

  it("a consumer from before owners goes to a writer granted its references", () => {
    const app = workload("tok_app", ["APP_*"]);
    expect(consumerWriteRefusal(app, "svc", { referencedNameKeys: ["app_db"] })).toBeUndefined();
    expect(consumerWriteRefusal(app, "svc", { referencedNameKeys: ["other_db"] })).toEqual({ reason: "CONSUMER_REFERENCES_NOT_GRANTED" });
  });

  it("an admin may change any consumer; a workload write makes it the owner, an admin's keeps the owner", () => {
    expect(consumerWriteRefusal(admin, "svc", ownedBy("tok_x", "other_db"))).toBeUndefined();
    expect(ownerAfterWrite(workload("tok_app", ["*"]), ownedBy("tok_x"))).toBe("tok_app");
    expect(ownerAfterWrite(admin, ownedBy("tok_x"))).toBe("tok_x");
    expect(ownerAfterWrite(admin, { referencedNameKeys: [] })).toBeUndefined();
    expect(ownerAfterWrite(admin, undefined)).toBe("tok_admin");
  });
});
