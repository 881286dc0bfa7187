// Container health check: asks the service's grpc.health.v1 endpoint; exit 0 only when SERVING.
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const protoDir = join(dirname(require.resolve("grpc-health-check/package.json")), "proto/health/v1");
const {
  grpc: {
    health: { v1 },
  },
} = grpc.loadPackageDefinition(loadSync(join(protoDir, "health.proto"), { enums: String }));
const client = new v1.Health(process.argv[2] ?? "127.0.0.1:50051", grpc.credentials.createInsecure());
client.check({ service: "" }, { deadline: Date.now() + 3000 }, (error, response) => {
  process.exit(!error && response.status === "SERVING" ? 0 : 1);
});
