# The secrets service, sidecar, CLI and Kubernetes injector in one image (docker-compose.yml runs each from it).
# Node.js 24, the current LTS (the project is tested on Node.js 20 and 24; 20 reached end of life in April 2026).
FROM node:24-bookworm-slim
# better-sqlite3 compiles from source when no prebuilt binary matches; procps gives the injected
# sidecar pkill, for its reload-signal.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ procps && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json buf.yaml buf.gen.yaml ./
COPY proto ./proto
COPY gen ./gen
COPY kernel ./kernel
COPY services ./services
COPY sidecar ./sidecar
COPY cli ./cli
COPY injector ./injector
COPY bin ./bin
COPY scripts ./scripts
COPY deploy ./deploy
COPY examples ./examples
# scripts/build.mjs builds the web console too (into console/dist, served on the Connect listener).
COPY console ./console
# npm ci also builds dist/ (prepare, with the dev dependency esbuild), which the image runs; then drop dev dependencies.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund
# Volumes mounted here start with these owners.
RUN mkdir -p /data /demo && chown node:node /data /demo
USER node
# In a container the listeners bind every interface; what is published, and where, is the host's choice.
ENV SECRETS_LISTEN=0.0.0.0:50051 SECRETS_DATA_DIR=/data SECRETS_METRICS_LISTEN=0.0.0.0:9464 SECRETS_CONNECT_LISTEN=0.0.0.0:8080
# gRPC, Prometheus metrics, and the web console with the Connect API.
EXPOSE 50051 9464 8080
ENTRYPOINT ["node", "bin/secrets-service.js"]
