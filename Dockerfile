# anthropic-proxy image. Multi-stage: production dependencies, TypeScript build, then one of two runtimes that
# share those stages (one cache, no copies to drift apart):
#   docker build -t anthropic-proxy .                                   # node:24-bookworm-slim (the last stage)
#   docker build --target distroless -t anthropic-proxy:distroless .    # distroless Node: no shell, no npm
# Builds with BuildKit and with the classic builder (DOCKER_BUILDKIT=0): no RUN --mount, no heredocs, no
# COPY --chmod. The classic builder builds every stage before the one asked for, so it fetches the distroless
# base for the default image too; BuildKit skips stages the target does not need. NODE_IMAGE and
# NODE_DISTROLESS_IMAGE let a machine without registry access build from local stand-ins.
ARG NODE_IMAGE=node:24-bookworm-slim
ARG NODE_DISTROLESS_IMAGE=gcr.io/distroless/nodejs24-debian12

# --- production node_modules only (what the runtime ships) ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- what the runtime ships: gpt-tokenizer carries every encoding in three module formats (30 MB); the
# service loads only the ESM cl100k_base one. The import check fails the build if an update moves files.
FROM deps AS shipped
RUN cd node_modules/gpt-tokenizer \
 && rm -rf cjs src data esm/fixtures esm/bpeRanks/o200k_base.js esm/bpeRanks/p50k_base.js esm/bpeRanks/r50k_base.js \
 && find . \( -name '*.map' -o -name '*.d.ts' \) -delete \
 && cd /app && node --input-type=module -e "const t = await import('gpt-tokenizer/encoding/cl100k_base'); if (t.countTokens('hello world') !== 2) process.exit(1)"

# --- compile src/ to dist/ ---
# On top of the production tree, only the compiler, Node's types and json-schema-to-ts (the request types
# are derived from the JSON schemas; a type-only import) are added, at the versions the lock file pins,
# instead of `npm ci` of every dev dependency (test runner, SDKs, schemas): several times faster.
FROM deps AS build
RUN npm install --prefix /opt/tsc --no-save --no-audit --no-fund $(node -p \
      "const p = require('./package-lock.json').packages; \
       ['typescript', '@types/node', 'json-schema-to-ts'].map((n) => n + '@' + p['node_modules/' + n].version).join(' ')") \
 && mkdir -p node_modules/@types && ln -s /opt/tsc/node_modules/@types/node node_modules/@types/node \
 && ln -s /opt/tsc/node_modules/json-schema-to-ts node_modules/json-schema-to-ts
ENV PATH=/opt/tsc/node_modules/.bin:$PATH
COPY tsconfig.json ./
COPY src ./src
# The service's node flags are kept once, in package.json ("config": {"node_flags"}); both runtimes read
# them from this file, written as NODE_OPTIONS for node's --env-file (distroless) and the entrypoint.
RUN npm run build && mkdir -p /out/logs \
 && node -p "'NODE_OPTIONS=' + require('./package.json').config.node_flags" > /out/node-options.env

# --- distroless runtime: non-root (65532), no shell, node runs directly (with --init from docker) and logs to
# stdout by default. A NODE_OPTIONS given to the container replaces the flags of node-options.env.
FROM ${NODE_DISTROLESS_IMAGE} AS distroless
# MALLOC_ARENA_MAX: the service's environment (package.json "config": {"service_env"}; the test of this file
# checks they agree). glibc reads it before node starts, so it cannot come from node-options.env.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=5000 LOG_DIR= MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json ./
COPY --from=shipped /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /out/node-options.env ./
COPY docker/healthcheck.ts ./docker/
# a log folder the service can write to, for LOG_DIR=/app/logs (a mounted folder must be writable by 65532)
COPY --from=build --chown=65532:65532 /out/logs ./logs
USER 65532:65532
EXPOSE 5000
HEALTHCHECK --interval=5s --timeout=3s --start-period=15s --retries=3 \
  CMD ["/nodejs/bin/node", "/app/docker/healthcheck.ts"]
ENTRYPOINT ["/nodejs/bin/node", "--env-file=/app/node-options.env"]
CMD ["dist/main.js"]

# --- default runtime (last: what `docker build .` gives): node:24-bookworm-slim, non-root `node` user ---
FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX: as in the distroless runtime.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=5000 LOG_DIR=/app/logs MALLOC_ARENA_MAX=2
WORKDIR /app
# Code stays owned by root (read-only to the service); only the log folder belongs to `node`.
COPY package.json ./
COPY --from=shipped /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /out/node-options.env ./
COPY docker/healthcheck.ts docker/entrypoint.sh ./docker/
COPY --from=build --chown=node:node /out/logs ./logs
USER node
EXPOSE 5000
HEALTHCHECK --interval=5s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "/app/docker/healthcheck.ts"]
# The entrypoint puts the service's node flags (node-options.env) in front of any NODE_OPTIONS the container
# is given, fixes the log folder's ownership when started as root, then execs the CMD as `node`.
# Signals: run with an init (compose `init: true`, `docker run --init`); main.ts drains on SIGTERM anyway.
ENTRYPOINT ["/bin/sh", "/app/docker/entrypoint.sh"]
CMD ["node", "dist/main.js"]
