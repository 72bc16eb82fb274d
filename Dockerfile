# The one `tollgate` image: `tollgate controller`, `tollgate extproc`, `tollgate dataplane`, ...
# (ENTRYPOINT is the CLI; the subcommand is the first argument, as the Helm chart passes it).
#
# Stage 1 builds with the full toolchain (npm ci, then `make build`: generated proto types and
# tsc); stage 2 installs production dependencies only; the runtime stage holds dist/, those
# node_modules, the protos and package.json (lib/protos.ts finds proto/ next to it), and runs
# as the non-root user 65532 the chart's securityContext expects.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The Makefile's install stamp: dependencies are already in place from the layer above.
RUN touch node_modules/.installed && make build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/gen ./gen
COPY package.json ./
COPY proto ./proto
USER 65532:65532
# 18000 ADS (controller), 50051 ext_proc gRPC and 9102 admin (extproc).
EXPOSE 18000 50051 9102
ENTRYPOINT ["node", "dist/cli/main.js"]
