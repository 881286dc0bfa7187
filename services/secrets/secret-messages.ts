/** Conversions between secret records and the API's messages. Nothing here touches a value's plaintext. */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  SecretState as ProtoSecretState,
  type SecretSchema,
  type SecretValue as ProtoSecretValue,
  type SecretVersionSchema,
  type ConsumerSchema,
} from "../../gen/secrets/v1/types_pb.js";
import type { SecretValueInput } from "../../kernel/secret-values.js";
import { secretTypeToProto } from "../../kernel/secret-type-wire.js";
import { WatchEventType } from "../../gen/secrets/v1/resolver_service_pb.js";
import type {
  ConsumerRecord,
  SecretChangeEvent,
  SecretChangeKind,
  SecretRecord,
  SecretState,
  SecretVersionInfo,
} from "../ports/metadata-store.js";
import { oncePerObject } from "../rpc/once-per-object.js";

const STATE_TO_PROTO: Record<SecretState, ProtoSecretState> = {
  ACTIVE: ProtoSecretState.ACTIVE,
  ARCHIVED: ProtoSecretState.ARCHIVED,
};

export function secretStateToProto(state: SecretState): ProtoSecretState {
  return STATE_TO_PROTO[state];
}

export function etagOf(secret: SecretRecord): string {
  return String(secret.revision);
}

export function secretMessage(secret: SecretRecord): MessageInitShape<typeof SecretSchema> {
  return {
    name: secret.name,
    displayName: secret.displayName,
    description: secret.description,
    labels: secret.labels,
    type: secretTypeToProto(secret.type),
    state: STATE_TO_PROTO[secret.state],
    version: BigInt(secret.version),
    createTime: timestampFromDate(secret.createTime),
    updateTime: timestampFromDate(secret.updateTime),
    lastAccessTime: secret.lastAccessTime && timestampFromDate(secret.lastAccessTime),
    usageCount: secret.usageCount,
    etag: etagOf(secret),
    archiveTime: secret.archiveTime && timestampFromDate(secret.archiveTime),
  };
}

export function secretVersionMessage(version: SecretVersionInfo): MessageInitShape<typeof SecretVersionSchema> {
  return {
    version: BigInt(version.version),
    createTime: timestampFromDate(version.createTime),
    createdBy: version.createdBy,
    valueRetained: version.valueRetained,
    keyVersion: version.keyVersion,
  };
}

export function consumerMessage(consumer: ConsumerRecord): MessageInitShape<typeof ConsumerSchema> {
  return {
    id: consumer.id,
    references: consumer.references.map((r) => r.reference),
    updateTime: timestampFromDate(consumer.updateTime),
    ownerTokenId: consumer.owner?.tokenId ?? "",
  };
}

export function secretValueInput(value: ProtoSecretValue | undefined): SecretValueInput {
  switch (value?.kind.case) {
    case "token":
      return { kind: "token", token: value.kind.value };
    case "usernamePassword":
      return { kind: "usernamePassword", username: value.kind.value.username, password: value.kind.value.password };
    case "json":
      return { kind: "json", json: value.kind.value };
    case undefined:
      return { kind: "none" };
  }
}

const CHANGE_EVENT_TYPES: Record<SecretChangeKind, WatchEventType> = {
  CREATED: WatchEventType.CREATED,
  VALUE_UPDATED: WatchEventType.VALUE_UPDATED,
  ARCHIVED: WatchEventType.ARCHIVED,
  RESTORED: WatchEventType.RESTORED,
  DELETED: WatchEventType.DELETED,
  METADATA_UPDATED: WatchEventType.METADATA_UPDATED,
  USAGE_UPDATED: WatchEventType.USAGE_UPDATED,
};

/**
 * One change as a watch stream reports it (WatchSecrets and WatchSecretChanges
 * share the shape): one message per event, shared by all the streams it goes to.
 */
export const secretChangeMessage = oncePerObject((event: SecretChangeEvent) => ({
  type: CHANGE_EVENT_TYPES[event.kind],
  name: event.name,
  version: BigInt(event.version),
  time: timestampFromDate(event.time),
}));
