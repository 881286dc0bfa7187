/**
 * The grpc.health.v1.Health service as a @bufbuild/protobuf descriptor, built
 * at run time from its (tiny) definition, so the benchmark can call the
 * health check through the same Connect transport as the API: the empty-RPC
 * baseline. Not generated into gen/ because only the benchmark needs it.
 */
import { create, createFileRegistry, type Message } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type { GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import { FieldDescriptorProto_Label, FieldDescriptorProto_Type, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

export type HealthCheckRequest = Message<"grpc.health.v1.HealthCheckRequest"> & { service: string };
export type HealthCheckResponse = Message<"grpc.health.v1.HealthCheckResponse"> & { status: number };

const healthFile = create(FileDescriptorProtoSchema, {
  name: "grpc/health/v1/health.proto",
  package: "grpc.health.v1",
  syntax: "proto3",
  messageType: [
    {
      name: "HealthCheckRequest",
      field: [
        {
          name: "service",
          number: 1,
          type: FieldDescriptorProto_Type.STRING,
          label: FieldDescriptorProto_Label.OPTIONAL,
          jsonName: "service",
        },
      ],
    },
    {
      name: "HealthCheckResponse",
      field: [
        {
          name: "status",
          number: 1,
          type: FieldDescriptorProto_Type.ENUM,
          typeName: ".grpc.health.v1.HealthCheckResponse.ServingStatus",
          label: FieldDescriptorProto_Label.OPTIONAL,
          jsonName: "status",
        },
      ],
      enumType: [
        {
          name: "ServingStatus",
          value: [
            { name: "UNKNOWN", number: 0 },
            { name: "SERVING", number: 1 },
            { name: "NOT_SERVING", number: 2 },
            { name: "SERVICE_UNKNOWN", number: 3 },
          ],
        },
      ],
    },
  ],
  service: [
    {
      name: "Health",
      method: [{ name: "Check", inputType: ".grpc.health.v1.HealthCheckRequest", outputType: ".grpc.health.v1.HealthCheckResponse" }],
    },
  ],
});

const service = createFileRegistry(healthFile, () => undefined).getService("grpc.health.v1.Health");
if (!service) throw new Error("health descriptor did not build");

/** Typed as protoc-gen-es would type it, so `createClient` gives a typed `check`. */
export const HealthService = service as GenService<{
  check: { methodKind: "unary"; input: GenMessage<HealthCheckRequest>; output: GenMessage<HealthCheckResponse> };
}>;

/** HealthCheckResponse.ServingStatus.SERVING */
export const SERVING = 1;

/** The empty-RPC baseline: one Health/Check of the whole server, failing unless it is SERVING. */
export async function checkServing(client: Client<typeof HealthService>): Promise<void> {
  const response = await client.check({ service: "" });
  if (response.status !== SERVING) throw new Error(`health status ${response.status}`);
}
