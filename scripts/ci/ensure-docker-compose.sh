#!/usr/bin/env bash
# Installs Debian's docker-compose (1.29) when it is missing: the compose suite validates
# docker-compose.yml with `docker-compose config -q`. (Compose v2 is not packaged here.)
# Safe to run again: it does nothing when docker-compose is already there.
set -euo pipefail
if command -v docker-compose >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "ensure-docker-compose: installing Debian's docker-compose" >&2
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq docker-compose >/dev/null
docker-compose version --short >&2
