/**
 * A program that makes one call on a gRPC channel to the URL it is given and
 * then just returns from its module: its process must exit on its own
 * (grpc-channel-limits.test.ts).
 */
import { ResolverService } from "../../gen/secrets/v1/resolver_service_pb.js";
import { createGrpcChannel } from "../../sidecar/grpc-channel.js";

const channel = createGrpcChannel({ baseUrl: process.argv[2]!, pingIntervalMs: 15_000 });
const response = await channel.unary(
  ResolverService.method.resolveSecrets,
  { references: ["$<secret.A>"], consumerId: "c" },
  { headers: { "x-scenario": "ok" }, timeoutMs: 30_000 },
);
process.stdout.write(`resolved ${response.values[0]?.secretName}\n`);
