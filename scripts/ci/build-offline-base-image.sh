#!/usr/bin/env bash
# Builds a node base image from this machine's own Node.js, for machines without a
# registry (FROM node:20-bookworm-slim cannot be pulled there):
#   scripts/ci/build-offline-base-image.sh [NAME=kubesim-base:offline]
# then build the node image with --build-arg NODE_IMAGE=NAME (KUBESIM_NODE_BASE_IMAGE=NAME).
# The image holds node, the libraries it links, /bin/sh and the few tools the node
# image's Dockerfile runs, with a root and a node (uid 1000) user as the official image has.
set -euo pipefail

NAME="${1:-kubesim-base:offline}"
NODE_BIN="${NODE_BIN:-$(command -v node)}"

if timeout 30 docker image inspect "$NAME" >/dev/null 2>&1; then
  exit 0
fi

ROOTFS="$(mktemp -d /tmp/kubesim-base-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
chmod 755 "$ROOTFS"

# Keep the host's merged-/usr layout (/bin -> usr/bin ...) so paths ldd prints resolve alike.
for d in bin lib lib64 sbin; do
  if [ -L "/$d" ]; then
    target="$(readlink "/$d")"
    mkdir -p "$ROOTFS/$target"
    ln -s "$target" "$ROOTFS/$d"
  else
    mkdir -p "$ROOTFS/$d"
  fi
done

# (cp --parents of coreutils 9.1 trips over some parent folders: made by hand instead)
copy_one() {
  mkdir -p "$ROOTFS$(dirname "$1")"
  cp -a "$1" "$ROOTFS$1"
}

# Copies a file with its path, following a chain of symlinks and copying each link.
copy_path() {
  local path="$1" hops=0
  # directories in the path are taken canonical: only the last component may be a link
  path="$(readlink -f "$(dirname "$path")")/$(basename "$path")"
  while [ -L "$path" ] && [ "$hops" -lt 10 ]; do
    copy_one "$path"
    local target
    target="$(readlink "$path")"
    case "$target" in
      /*) path="$target" ;;
      *) path="$(dirname "$path")/$target" ;;
    esac
    path="$(readlink -f "$(dirname "$path")")/$(basename "$path")"
    hops=$((hops + 1))
  done
  copy_one "$(readlink -f "$path")"
}

# Each program with the libraries (and the dynamic loader) ldd lists for it.
copy_program() {
  local program="$1"
  copy_path "$program"
  ldd "$program" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
    copy_path "$lib"
  done
}

copy_program "$NODE_BIN"
if [ "$(readlink -f "$NODE_BIN")" != /usr/bin/node ] && [ ! -e "$ROOTFS/usr/bin/node" ]; then
  mkdir -p "$ROOTFS/usr/bin"
  ln -s "$(readlink -f "$NODE_BIN")" "$ROOTFS/usr/bin/node"
fi
copy_program /bin/dash
ln -sf dash "$ROOTFS/bin/sh"
# what the node image's Dockerfile RUN lines call, and the usual few for debugging
for tool in mkdir cp chown chmod rm ls cat ln mv touch env id true; do
  path="$(command -v "$tool" || true)"
  if [ -n "$path" ] && [ -x "$path" ]; then copy_program "$path"; fi
done

mkdir -p "$ROOTFS/etc" "$ROOTFS/tmp" "$ROOTFS/home/node" "$ROOTFS/root" "$ROOTFS/usr/local/bin"
chmod 1777 "$ROOTFS/tmp"
chown 1000:1000 "$ROOTFS/home/node"
cat >"$ROOTFS/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000::/home/node:/bin/sh
PASSWD
cat >"$ROOTFS/etc/group" <<'GROUP'
root:x:0:
node:x:1000:
GROUP

tar -C "$ROOTFS" -c . | timeout 300 docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  - "$NAME" >/dev/null

version="$(timeout 60 docker run --rm --network none "$NAME" node -e 'console.log(process.version)')"
echo "build-offline-base-image: $NAME runs node $version" >&2
