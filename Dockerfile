# syntax=docker/dockerfile:1
# One image for every service of the pipeline; the service is chosen by the command
# (`fraud scorer`, `fraud sink all`, ...). Multi-stage: dependencies and the console build in
# a builder, a slim runtime with only what runs.

FROM node:20-bookworm AS build
WORKDIR /app
ENV npm_config_onnxruntime_node_install=skip
COPY package.json package-lock.json .npmrc ./
COPY tooling ./tooling
COPY common/package.json common/
COPY schemas/package.json schemas/
COPY model/package.json model/
COPY producers/package.json producers/
COPY scorer/package.json scorer/
COPY sinks/package.json sinks/
COPY retrainer/package.json retrainer/
COPY infra/package.json infra/
COPY cli/package.json cli/
COPY web/package.json web/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build -w @fraud/web && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
# libxgboost0 for the retrainer (training through the XGBoost C API); libgomp comes with it.
RUN apt-get update && apt-get install -y --no-install-recommends libxgboost0 tini \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production OMP_WAIT_POLICY=passive FRAUD_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app /app
RUN useradd --system --uid 10001 fraud && mkdir -p /data && chown fraud /data
USER fraud
VOLUME ["/data"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/fraud.mjs"]
CMD ["--help"]
