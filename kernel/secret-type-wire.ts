/** The one mapping between the domain's secret types and the API's enum, for the service and its clients. */
import { SecretType as ProtoSecretType } from "../gen/secrets/v1/types_pb.js";
import type { SecretType } from "./secret-values.js";

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
