/**
 * SecretsService on the wire: each RPC maps its request to the secrets
 * service (secrets-service.ts, where the rules are) and the records it
 * returns to messages. Write-only: nothing here returns a value.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { WatchEventType } from "../../gen/secrets/v1/resolver_service_pb.js";
import type { SecretsService, WatchSecretChangesResponseSchema } from "../../gen/secrets/v1/secrets_service_pb.js";
import { secretTypeFromProto } from "../../kernel/secret-type-wire.js";
import { serviceCallOf } from "../rpc/call-context.js";
import type { ServiceHandlers } from "../rpc/handlers.js";
import { followChanges } from "../resolver/change-stream.js";
import type { WatchHub } from "../resolver/watch-hub.js";
import { consumerMessage, secretChangeMessage, secretMessage, secretValueInput, secretVersionMessage } from "./secret-messages.js";
import { secretsService, type SecretsServiceDependencies } from "./secrets-service.js";

export interface SecretsDependencies extends SecretsServiceDependencies {
  watchHub: WatchHub;
  /** Aborted at shutdown, ending watch streams. */
  shutdown: AbortSignal;
}

export function secretsHandlers(deps: SecretsDependencies): ServiceHandlers<typeof SecretsService> {
  const secrets = secretsService(deps);
  return {
    async createSecret(request, ctx) {
      const created = await secrets.createSecret(serviceCallOf(ctx), {
        name: request.name,
        displayName: request.displayName,
        description: request.description,
        labels: request.labels,
        type: secretTypeFromProto(request.type),
        value: secretValueInput(request.value),
      });
      return { secret: secretMessage(created) };
    },

    async getSecret(request, ctx) {
      return { secret: secretMessage(await secrets.readSecret(serviceCallOf(ctx), request.name)) };
    },

    async listSecrets(request, ctx) {
      const page = await secrets.listSecrets(serviceCallOf(ctx), request);
      return { secrets: page.items.map(secretMessage), nextPageToken: page.nextPageToken };
    },

    async updateSecretValue(request, ctx) {
      const value = secretValueInput(request.value);
      const paths = request.updateMask?.paths ?? [];
      const updated = await secrets.updateSecretValue(serviceCallOf(ctx), request.name, value, paths, request.expectedVersion);
      return { secret: secretMessage(updated) };
    },

    async rollbackSecret(request, ctx) {
      const updated = await secrets.rollbackSecret(serviceCallOf(ctx), request.name, request.version, request.expectedVersion);
      return { secret: secretMessage(updated) };
    },

    async updateSecretMetadata(request, ctx) {
      const paths = request.updateMask?.paths ?? [];
      const updated = await secrets.updateSecretMetadata(serviceCallOf(ctx), request.name, request.etag, paths, request);
      return { secret: secretMessage(updated) };
    },

    async listSecretVersions(request, ctx) {
      const page = await secrets.listSecretVersions(serviceCallOf(ctx), request.name, request);
      return { versions: page.items.map(secretVersionMessage), nextPageToken: page.nextPageToken };
    },

    async archiveSecret(request, ctx) {
      return { secret: secretMessage(await secrets.setSecretState(serviceCallOf(ctx), request.name, request.etag, "ARCHIVED")) };
    },

    async restoreSecret(request, ctx) {
      return { secret: secretMessage(await secrets.setSecretState(serviceCallOf(ctx), request.name, request.etag, "ACTIVE")) };
    },

    async deleteSecret(request, ctx) {
      await secrets.deleteSecret(serviceCallOf(ctx), request.name, request.etag);
      return {};
    },

    async listSecretConsumers(request, ctx) {
      const page = await secrets.listSecretConsumers(serviceCallOf(ctx), request.name, request);
      return { consumers: page.items.map(consumerMessage), nextPageToken: page.nextPageToken };
    },

    watchSecretChanges(_request, ctx) {
      const tenantId = ctx.caller.tenantId;
      return followChanges<MessageInitShape<typeof WatchSecretChangesResponseSchema>>(
        (listener) => deps.watchHub.subscribeTenant(tenantId, listener),
        [ctx.signal, deps.shutdown],
        async () => ({ type: WatchEventType.SUBSCRIBED, time: timestampFromDate(new Date()) }),
        secretChangeMessage,
      );
    },
  };
}
