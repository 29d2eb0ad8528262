# The kubesim API server: REST API, dashboard, Swagger UI and the control loops.
#
# `docker compose up --build` (or `docker build -t kubesim-api .`) on a fresh clone installs
# and builds the project here (npm ci runs the build). A project already built on the host
# (`npm ci && npm run build`) is taken as it is, and nothing is installed: so the same file
# builds from the official image and, on a machine without a registry, from a minimal base
# that holds only node and sh (--build-arg NODE_IMAGE=kubesim-base:offline, made by
# scripts/ci/build-offline-base-image.sh).
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE}

WORKDIR /app
# the whole project; .dockerignore keeps local state and history out
COPY . /app/
RUN if [ ! -f dist/src/main.js ] || [ ! -f dist/node-simulator/src/main.js ] || [ ! -d node_modules ]; then \
      npm ci --no-audit --no-fund; \
    fi

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    KUBESIM_DATA_DIR=/var/lib/kubesim

# Runs as root: the Docker runtime talks to the engine through the mounted
# /var/run/docker.sock, whose group differs from host to host.
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
