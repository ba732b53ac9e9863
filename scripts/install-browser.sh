#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/test_classroom_web.py) when missing.
# Playwright's own browser download (`playwright install`) needs a CDN that is often blocked;
# the tests drive the system's chromium instead. Needs root (or password-less sudo); without
# it this only warns, and the browser tests are skipped with the reason.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    apt=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt=(sudo apt-get)
else
    echo "warning: chromium is missing and this user cannot install it; the browser tests" >&2
    echo "will be skipped. Install it with: sudo apt-get install -y chromium" >&2
    exit 0
fi
echo "Installing chromium (Debian package) for the browser tests"
"${apt[@]}" update -qq
DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq chromium >/dev/null
command -v chromium
