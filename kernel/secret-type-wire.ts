/** The one mapping between the domain's secret types and values and the API's, for the service and its clients. */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { SecretType as ProtoSecretType, type SecretValueSchema } from "../gen/secrets/v1/types_pb.js";
import type { SecretType, SecretValueInput } from "./secret-values.js";

const TYPE_TO_PROTO: Record<SecretType, ProtoSecretType> = {
  TOKEN: ProtoSecretType.TOKEN,
  USERNAME_PASSWORD: ProtoSecretType.USERNAME_PASSWORD,
  JSON: ProtoSecretType.JSON,
};

export function secretTypeToProto(type: SecretType): ProtoSecretType {
  return TYPE_TO_PROTO[type];
}

/** The domain type of a requested type, or undefined for UNSPECIFIED and unknown numbers. */
export function secretTypeFromProto(type: ProtoSecretType): SecretType | undefined {
  return (Object.keys(TYPE_TO_PROTO) as SecretType[]).find((key) => TYPE_TO_PROTO[key] === type);
}

/** A value as a request carries it (undefined for no value). */
export function secretValueMessage(input: SecretValueInput): MessageInitShape<typeof SecretValueSchema> | undefined {
  switch (input.kind) {
    case "token":
      return { kind: { case: "token", value: input.token } };
    case "usernamePassword":
      return { kind: { case: "usernamePassword", value: { username: input.username, password: input.password } } };
    case "json":
      return { kind: { case: "json", value: input.json } };
    case "none":
      return undefined;
  }
}
