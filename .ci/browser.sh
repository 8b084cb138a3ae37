#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/e2e); `playwright install` cannot download browsers here.
# Idempotent: does nothing when chromium is already installed.
set -u
command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
command -v chromium >/dev/null || echo "chromium is not installed: the browser tests (tests/e2e) will fail" >&2
