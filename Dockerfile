# syntax=docker/dockerfile:1
# cloud-posture-operator image.
#
#   docker build -t cloud-posture-operator:dev .
#
# Node 24 in both stages: the project pins Node 24 (package.json engines and the `node`
# devDependency that npm scripts run), and the runtime is distroless Node 24.

# --- build: install everything, compile TypeScript, drop dev dependencies -----------
FROM node:24-bookworm-slim AS build
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY operator ./operator
RUN npm run build && npm prune --omit=dev

# --- runtime: distroless Node 24, no shell, no package manager, non-root; the files
# stay owned by root, so the operator (uid 65532) cannot modify its own code ----------
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
USER 65532:65532
EXPOSE 8080
# The image's entrypoint is node: this runs `node dist/operator/src/main.js`.
CMD ["dist/operator/src/main.js"]
