# syntax=docker/dockerfile:1
# cloud-posture-operator images, two targets from one build:
#
#   docker build -t cloud-posture-operator:dev .                    # the operator (last stage, the default)
#   docker build --target cli -t cloudposture-cli:dev .             # the `cloudposture` command line
#
# The operator (dist/bundle/main.js, bundled from operator/src/main.ts) never loads the Pulumi SDKs or tsx (enforced by the
# dependency rule main-never-reaches-pulumi-or-tsx); only the CLI's `iac-check` does. So the
# operator image carries the production dependencies without @pulumi/* and tsx (and what only
# they pull in), and the cli image carries all production dependencies.
#
# Node 24 in all stages: the project pins Node 24 (package.json engines and the `node`
# devDependency that npm scripts run), and the runtime is distroless Node 24.

# --- build: install everything, compile TypeScript, drop dev dependencies -----------
FROM node:24-bookworm-slim AS build
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY operator ./operator
# The operator runs from the bundle (operator/bundle.mjs: one script, about 25 MiB less
# resident than ~1,700 modules); the CLI from tsc's output.
RUN npm run build && npm run bundle && npm prune --omit=dev

# --- operator-deps: the production tree without the CLI-only packages. Removing them from
# this stage's package.json and pruning also removes what only they depend on. -----------
FROM build AS operator-deps
RUN npm pkg delete dependencies.@pulumi/pulumi dependencies.@pulumi/aws dependencies.@pulumi/azure-native dependencies.tsx \
 && npm prune --omit=dev

# --- cli: distroless Node 24, all production dependencies; entrypoint `cloudposture` ----
FROM gcr.io/distroless/nodejs24-debian12:nonroot AS cli
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/operator ./dist/operator
USER 65532:65532
# The image's entrypoint is node: `docker run cloudposture-cli:dev iac-check ./infra`.
ENTRYPOINT ["/nodejs/bin/node", "dist/operator/src/cli.js"]

# --- runtime: distroless Node 24, no shell, no package manager, non-root; the files
# stay owned by root, so the operator (uid 65532) cannot modify its own code ----------
FROM gcr.io/distroless/nodejs24-debian12:nonroot AS runtime
WORKDIR /app
# The chart sets the heap cap and these from its values; the same defaults without it.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072 NODE_OPTIONS="--max-old-space-size=384 --max-semi-space-size=8"
COPY --from=operator-deps /src/package.json ./package.json
# The bundle imports only @cloud-copilot/* from node_modules (their data files are read
# relative to their modules); the rest is inside it.
COPY --from=operator-deps /src/node_modules ./node_modules
COPY --from=build /src/dist/bundle ./dist/bundle
# tsc's output too: the CLI's commands that need no Pulumi program (e.g. the iac-check
# pre-sync Job example, `dist/operator/src/cli.js`) run from this image as before.
COPY --from=build /src/dist/operator ./dist/operator
USER 65532:65532
EXPOSE 8080
# The image's entrypoint is node: this runs `node dist/bundle/main.js`.
CMD ["dist/bundle/main.js"]
