# lamo-cds: the CDS Hooks service with the shipped model (model/).
# Build: docker build -t lamo-cds .      Run: see docker-compose.yml and README.md.

# ---- build: install with dev dependencies, compile TypeScript, then drop dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling from source when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc tsconfig.json ./
# Only the service's sources: scripts/ (benchmark, table builders) and tests/ are not part of the image.
COPY src ./src
COPY hooks ./hooks
# The SMART app's browser code: `prepare` bundles it into dist/app (served under /app/).
COPY app ./app
# `prepare` compiles to dist/. onnxruntime-node's CPU binaries ship in the package; its install step would
# only download GPU providers, which this image does not use.
RUN npm ci --onnxruntime-node-install=skip --no-audit --no-fund \
 && npm prune --omit=dev --onnxruntime-node-install=skip --no-audit --no-fund

# ---- runtime: compiled service, production dependencies, model and tables; non-root ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    LAMO_VAR_DIR=/app/var
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY fhir-mappings ./fhir-mappings
COPY model ./model
RUN mkdir -p /app/var && chown node:node /app/var
USER node
EXPOSE 8080
VOLUME ["/app/var"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/server/main.js"]
