#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine: installs Debian's docker.io when
# dockerd is missing, starts dockerd in the background (log: $DOCKERD_LOG) and waits
# for `docker info`. Safe to run again: it does nothing when the engine already answers.
set -euo pipefail

LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
WAIT_S="${DOCKERD_WAIT_S:-60}"

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

if engine_answers; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: dockerd missing, installing docker.io" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q docker.io
fi
if ! command -v docker >/dev/null 2>&1; then
  echo "ensure-docker: the docker client is missing after installing docker.io" >&2
  exit 1
fi

# A dockerd that is already starting (or jammed) is waited for, never doubled.
if pgrep -x dockerd >/dev/null 2>&1; then
  echo "ensure-docker: dockerd is running but not answering yet; waiting" >&2
else
  echo "ensure-docker: starting dockerd (log: $LOG)" >&2
  $SUDO sh -c "nohup setsid dockerd >>'$LOG' 2>&1 </dev/null &"
fi

for _ in $(seq 1 "$WAIT_S"); do
  if engine_answers; then
    echo "ensure-docker: engine $(docker version --format '{{.Server.Version}}' 2>/dev/null) ready" >&2
    exit 0
  fi
  sleep 1
done

echo "ensure-docker: the Docker engine did not answer within ${WAIT_S} s; last lines of $LOG:" >&2
tail -n 40 "$LOG" >&2 || true
exit 1
