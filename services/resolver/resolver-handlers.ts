/**
 * ResolverService on the wire: what workloads (the sidecar) call. Each RPC
 * maps its request to the resolver service (resolver-service.ts, where the
 * rules are) and its results to messages; watch streams follow the change
 * feed through the watch hub.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ValueKind,
  WatchEventType,
  type ResolverService,
  type WatchSecretsResponseSchema,
} from "../../gen/secrets/v1/resolver_service_pb.js";
import { secretNameKey } from "../../kernel/names.js";
import { MAX_REFERENCES_PER_CALL } from "../domain/batch-limits.js";
import { authorizeSecretNames, serviceCallOf } from "../rpc/call-context.js";
import type { ServiceHandlers } from "../rpc/handlers.js";
import { consumerMessage, secretChangeMessage, secretStateToProto } from "../secrets/secret-messages.js";
import { resolverService, type ResolverServiceDependencies } from "./resolver-service.js";
import { followChanges } from "./change-stream.js";
import { resolveChangesOnly, type WatchHub } from "./watch-hub.js";

export interface ResolverDependencies extends ResolverServiceDependencies {
  watchHub: WatchHub;
  /** Aborted when the server shuts down: watch streams then end cleanly. */
  shutdown: AbortSignal;
}

export function resolverHandlers(deps: ResolverDependencies): ServiceHandlers<typeof ResolverService> {
  const resolver = resolverService(deps);
  return {
    async setConsumerReferences(request, ctx) {
      const consumer = await resolver.setConsumerReferences(serviceCallOf(ctx), request.consumerId, request.references);
      return { consumer: consumerMessage(consumer) };
    },

    async deleteConsumer(request, ctx) {
      await resolver.deleteConsumer(serviceCallOf(ctx), request.consumerId);
      return {};
    },

    async resolveSecrets(request, ctx) {
      const values = await resolver.resolveSecrets(serviceCallOf(ctx), request.consumerId, request.references);
      return {
        values: values.map((v) => ({ ...v, version: BigInt(v.version), kind: v.kind === "JSON" ? ValueKind.JSON : ValueKind.STRING })),
      };
    },

    watchSecrets(request, ctx) {
      const call = serviceCallOf(ctx);
      const nameKeys = resolver.watchedNameKeys(call, request.names, ctx.streamLimits?.maxNames ?? MAX_REFERENCES_PER_CALL);
      authorizeSecretNames(ctx, request.names);
      return followChanges<MessageInitShape<typeof WatchSecretsResponseSchema>>(
        (listener) => deps.watchHub.subscribe(call.tenantId, nameKeys, resolveChangesOnly(listener)),
        [ctx.signal, deps.shutdown],
        async () => {
          const current = await resolver.currentSecrets(call, nameKeys);
          return {
            type: WatchEventType.SUBSCRIBED,
            time: timestampFromDate(new Date()),
            snapshot: nameKeys.map((key) => {
              const secret = current.get(key);
              return secret
                ? { name: secret.name, version: BigInt(secret.version), state: secretStateToProto(secret.state) }
                : { name: request.names.find((n) => secretNameKey(n) === key)!, version: 0n };
            }),
          };
        },
        secretChangeMessage,
      );
    },
  };
}
