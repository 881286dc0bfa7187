/**
 * Listing secrets, a secret's versions and its consumers: filters and order
 * checked, and page tokens bound to the request they were made for.
 */
import type { FieldViolation } from "../../kernel/field-violation.js";
import { throwIfInvalid } from "../domain/errors.js";
import { encodePageToken, requestedPage, type ListedPage, type PageRequest } from "../domain/pagination.js";
import { checkLabels } from "../domain/secret-metadata.js";
import type { ServiceCall } from "../domain/service-call.js";
import type { ConsumerRecord, ConsumerStore } from "../ports/consumer-store.js";
import type { SecretRecord, SecretStore, SecretVersionInfo } from "../ports/secret-store.js";
import { secretOrder } from "./secret-requests.js";

export function secretListings(
  store: Pick<SecretStore, "listSecrets" | "listSecretVersions"> & Pick<ConsumerStore, "listSecretConsumers">,
  /** The named secret or NOT_FOUND, noted for the audit (secrets-service.ts). */
  findSecret: (call: ServiceCall, name: string) => Promise<SecretRecord>,
) {
  return {
    async listSecrets(
      call: ServiceCall,
      request: PageRequest & { namePrefix: string; labels: Record<string, string>; includeArchived: boolean; orderBy: string },
    ): Promise<ListedPage<SecretRecord>> {
      const violations: FieldViolation[] = [];
      checkLabels("labels", request.labels, violations);
      throwIfInvalid(violations);
      const order = secretOrder(request.orderBy);
      const byName = order.key === "name" && !order.descending;
      // Another order is part of what a page token was made for, like the filters.
      const filters = {
        prefix: request.namePrefix.toLowerCase(),
        labels: request.labels,
        archived: request.includeArchived,
        ...(!byName && { order }),
      };
      const page = await store.listSecrets(call.tenantId, {
        ...requestedPage(request, filters),
        ...(!byName && { order }),
        ...(filters.prefix !== "" && { nameKeyPrefix: filters.prefix }),
        ...(Object.keys(request.labels).length > 0 && { labels: request.labels }),
        includeArchived: request.includeArchived,
      });
      return { items: page.items, nextPageToken: encodePageToken(page.nextCursor, filters) };
    },

    async listSecretVersions(call: ServiceCall, name: string, request: PageRequest): Promise<ListedPage<SecretVersionInfo>> {
      const secret = await findSecret(call, name);
      const filters = { secret: secret.id };
      const page = await store.listSecretVersions(call.tenantId, secret.id, requestedPage(request, filters));
      return { items: page.items, nextPageToken: encodePageToken(page.nextCursor, filters) };
    },

    async listSecretConsumers(call: ServiceCall, name: string, request: PageRequest): Promise<ListedPage<ConsumerRecord>> {
      const secret = await findSecret(call, name);
      const filters = { secret: secret.nameKey };
      const page = await store.listSecretConsumers(call.tenantId, secret.nameKey, requestedPage(request, filters));
      return { items: page.items, nextPageToken: encodePageToken(page.nextCursor, filters) };
    },
  };
}
