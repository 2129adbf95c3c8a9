# The Cairn tracking server. Build: docker build -t cairn-ml .
# Run:   docker run -p 5000:5000 -e CAIRN_BACKEND_STORE_URI=postgresql://... cairn-ml
# See docs/deploy.md for the settings and deploy/kubernetes/ for a cluster layout.

# --- build: compile the TypeScript sources and the web UI, then drop the dev dependencies ---
FROM node:20-bookworm-slim AS build
WORKDIR /src
# Toolchain for native modules that have no prebuilt binary for this platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Install scripts run only for the packages package.json's allowScripts allows.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY src src
COPY ui ui
RUN npm run build && npm prune --omit=dev

# --- runtime: the compiled server, the built UI and production dependencies only ---
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
  CAIRN_HOST=0.0.0.0 \
  CAIRN_PORT=5000
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/bin bin
COPY --from=build /src/dist/src dist/src
COPY --from=build /src/ui/dist ui/dist
# The image's "node" user (uid 1000): the server never needs root.
USER node
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CAIRN_PORT || 5000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/cairn.js"]
CMD ["server"]
