# Production image: `node dist/main.js` (a cluster primary and its workers) under tini.
# Build: docker build -t nest-concurrency-starter:0.1.0 .
# Run:   docker run --rm -p 3000:3000 -p 9000:9000 --cpus 2 nest-concurrency-starter:0.1.0
# deploy/README.md explains the choices; test/deploy.e2e-spec.ts checks them against the app.

# Node 24, the active LTS line: Node 20 reached end of life in April 2026 and gets no security
# fixes, and every service cloned from this starter ships this base. CI runs the whole suite on
# Node 24 as well as 20 (.ci/run, scripts/with-node24.sh).
# Debian, not Alpine: sharp's prebuilt libvips (@img/sharp-linux-x64) is built for glibc, and the
# shipped commands (config/commands.json) need coreutils and gzip, both part of every Debian image.
# Pin a digest (node:24-bookworm-slim@sha256:…) for reproducible builds.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: every dependency, TypeScript to dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: tsc needs none, and a dev tool's native rebuild (@parcel/watcher, for
# `nest start --watch`) would need a compiler this image does not have.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && rm -f dist/.tsbuildinfo

# --- deps: production dependencies only ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency has an install script: sharp and @napi-rs/nice come as prebuilt
# optional packages for this platform, which npm picks from the lockfile.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime ---
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1. The primary handles SIGTERM/SIGINT itself, but PID 1 must also reap orphans:
# a command that leaves a background process behind, or a grandchild whose parent died, is
# re-parented to PID 1, and Node only waits for the children it spawned, so they would stay
# zombies. tini forwards signals to the primary alone (no -g): the primary coordinates its
# workers, and commands run in their own process groups. Kubernetes has no `docker run --init`,
# so the init lives in the image. Debian's package, no download from elsewhere.
# PDF_FONT_PACKAGES adds fonts for scripts DejaVu Sans lacks, for PDF_FONTS to name (README,
# "Fonts and scripts"), e.g. --build-arg PDF_FONT_PACKAGES="fonts-noto-cjk fonts-noto-core".
ARG PDF_FONT_PACKAGES=""
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini ${PDF_FONT_PACKAGES} \
  && rm -rf /var/lib/apt/lists/*

# Production mode: JSON logs even on a terminal.
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, run as node: the service cannot rewrite its own code or configuration.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The command allowlist, found relative to dist/ (COMMANDS_CONFIG overrides it).
COPY config ./config

# The official image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000

# PORT (the API) and HEALTH_PORT (probes and /metrics, served by the primary).
EXPOSE 3000 9000
STOPSIGNAL SIGTERM

# For docker and compose; Kubernetes ignores it and uses the probes in deploy/kubernetes/.
# Node itself makes the request: slim images have no curl or wget.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('node:http').get({ host: '127.0.0.1', port: process.env.HEALTH_PORT || 9000, path: '/health/live', timeout: 2000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1)).on('timeout', function () { this.destroy(); }).on('error', () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
