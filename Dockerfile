# The kubesim API server: REST API, dashboard, Swagger UI and the control loops.
#
# The image takes the project as built on the host; nothing is installed or compiled here,
# so build it first:
#   npm ci && npm run build         (or, with Docker only: docker compose run --rm builder)
#   npm prune --omit=dev            (optional: leaves only what the server needs, for a
#                                    smaller image; run npm ci again to develop)
# then `docker compose up --build`, or `docker build -t kubesim-api .` by hand.
#
# The same file builds from the official image and, on a machine without a registry, from a
# minimal base that holds only node and sh (--build-arg NODE_IMAGE=kubesim-base:offline,
# made by scripts/ci/build-offline-base-image.sh).
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE}

ENV NODE_ENV=production \
    PORT=3000 \
    KUBESIM_DATA_DIR=/var/lib/kubesim

WORKDIR /app
COPY package.json /app/
COPY node_modules/ /app/node_modules/
COPY dist/ /app/dist/
COPY web/ /app/web/
# The API builds the node image from here (its Dockerfile and compiled agent) when missing.
COPY node-simulator/ /app/node-simulator/

# Runs as root: the Docker runtime talks to the engine through the mounted
# /var/run/docker.sock, whose group differs from host to host.
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
