# anthropic-proxy image. Multi-stage: production dependencies, TypeScript build, small runtime.
# Builds with BuildKit and with the classic builder (DOCKER_BUILDKIT=0): no RUN --mount, no heredocs,
# no COPY --chmod. NODE_IMAGE lets a machine without registry access build from a local stand-in.
#   docker build -t anthropic-proxy .                          # slim runtime (the default, last stage)
#   docker build --target distroless -t anthropic-proxy:distroless .
ARG NODE_IMAGE=node:24-bookworm-slim
ARG NODE_DISTROLESS_IMAGE=gcr.io/distroless/nodejs24-debian12

# --- production node_modules only (what the runtime ships) ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- compile src/ to dist/ (needs the dev dependencies: typescript, @types/node) ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && mkdir -p /out/logs

# --- optional distroless runtime: no shell, no npm, about half the size; logs to stdout by default ---
# The classic builder builds this stage too when building the default target; BuildKit skips it.
FROM ${NODE_DISTROLESS_IMAGE} AS distroless
ENV NODE_ENV=production HOST=0.0.0.0 PORT=5000 LOG_DIR=
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY docker/healthcheck.ts ./docker/
COPY --from=build --chown=65532:65532 /out/logs ./logs
USER 65532:65532
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["/nodejs/bin/node", "/app/docker/healthcheck.ts"]
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["dist/main.js"]

# --- default runtime: node:24-bookworm-slim, non-root `node` user ---
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=5000 LOG_DIR=/app/logs
WORKDIR /app
# Code stays owned by root (read-only to the service); only the log folder belongs to `node`.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY docker/healthcheck.ts docker/entrypoint.sh ./docker/
COPY --from=build --chown=node:node /out/logs ./logs
USER node
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "/app/docker/healthcheck.ts"]
# The entrypoint only fixes the log folder's ownership when started as root, then execs the CMD as `node`.
# Signals: run with an init (compose `init: true`, `docker run --init`); main.ts drains on SIGTERM anyway.
ENTRYPOINT ["/bin/sh", "/app/docker/entrypoint.sh"]
CMD ["node", "dist/main.js"]
