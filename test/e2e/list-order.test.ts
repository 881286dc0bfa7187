/**
 * ListSecrets' order_by: the service sorts and keyset-pages in each column's
 * order, refuses an unknown order, and a page token only continues the order
 * it was made for.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { errorOf } from "../support/call-status.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({ args: ["--read-rate-limit", "0", "--write-rate-limit", "0"] });
});

afterAll(async () => {
  await svc?.cleanup();
});

describe("ListSecrets order_by", () => {
  it("pages by last update, newest first, and by usage, ties by name", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    for (const name of ["O_A", "O_B", "O_C"])
      await admin.secrets.createSecret({ name, type: SecretType.TOKEN, value: { kind: { case: "token", value: `v-${name}` } } });
    await admin.secrets.updateSecretMetadata({ name: "O_A", description: "touched", updateMask: { paths: ["description"] } });
    await admin.resolver.setConsumerReferences({ consumerId: "svc/order", references: ["$<secret.O_C>"] });

    const names = async (orderBy: string) => {
      const seen: string[] = [];
      let pageToken = "";
      do {
        const page = await admin.secrets.listSecrets({ pageSize: 1, pageToken, namePrefix: "O_", orderBy });
        seen.push(...page.secrets.map((s) => s.name));
        pageToken = page.nextPageToken;
      } while (pageToken);
      return seen;
    };
    expect((await names("update_time desc"))[0]).toBe("O_A");
    // Ties follow the direction too: by name, descending.
    expect(await names("usage_count desc")).toEqual(["O_C", "O_B", "O_A"]);
    expect(await names("usage_count")).toEqual(["O_A", "O_B", "O_C"]);
    expect(await names("name desc")).toEqual(["O_C", "O_B", "O_A"]);
  });

  it("refuses an unknown order, and a page token used with another order", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    const bad = await errorOf(admin.secrets.listSecrets({ orderBy: "value desc" }));
    expect(bad?.code).toBe(Code.InvalidArgument);
    expect(bad?.rawMessage).toContain("order_by");
    const first = await admin.secrets.listSecrets({ pageSize: 1, namePrefix: "O_", orderBy: "usage_count" });
    expect(first.nextPageToken).not.toBe("");
    const mixed = await errorOf(
      admin.secrets.listSecrets({ pageSize: 1, namePrefix: "O_", orderBy: "type", pageToken: first.nextPageToken }),
    );
    expect(mixed?.code).toBe(Code.InvalidArgument);
  });
});
