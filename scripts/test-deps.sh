#!/usr/bin/env bash
# System packages the test suite needs, installed from Debian when missing (CI starts from a bare machine).
# Called by jest's global set-up (tests/global-setup.js), so `npm test` and `npx jest …` both get them.
# With CI=true a package that cannot be installed fails the run; elsewhere it is reported and the tests
# that need it fail with its name.
set -uo pipefail

missing=()
# PostgreSQL server binaries (initdb, pg_ctl): tests/support/postgres.ts starts a throw-away cluster.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# Chromium: the SMART app's browser tests (tests/app) drive it with puppeteer-core (tests/support/browser.ts).
# CHROME_PATH names another Chrome/Chromium binary instead.
if [ -z "${CHROME_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "[test-deps] installing: ${missing[*]}" >&2
if [ "$(id -u)" != 0 ]; then
  echo "[test-deps] not root: install ${missing[*]} (apt-get install ${missing[*]}) and run the tests again" >&2
  [ "${CI:-}" = true ] && exit 1
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2; then
  echo "[test-deps] apt-get could not install ${missing[*]}" >&2
  [ "${CI:-}" = true ] && exit 1
fi
exit 0
