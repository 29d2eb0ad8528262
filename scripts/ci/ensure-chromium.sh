#!/usr/bin/env bash
# Installs Debian's Chromium for the browser suite when it is missing (playwright-core
# drives it; it cannot download a browser of its own here).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  /usr/bin/chromium --version
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
