#!/usr/bin/env bash
# The whole test suite, on SQLite and PostgreSQL, then the pages in a headless browser.
# Usage: ops/test.sh [extra cargo test args]
#
# PostgreSQL: uses PALIMPSEST_TEST_POSTGRES_URL when set; else a server on 127.0.0.1:5432
# (user postgres, trust auth); else starts a throwaway cluster from the local PostgreSQL
# binaries and stops it afterwards. Fails (never skips) when none of these is possible.
set -euo pipefail
cd "$(dirname "$0")/.."

cleanup() { :; }
trap 'cleanup' EXIT

pg_ready() { # URL
  if command -v psql >/dev/null 2>&1; then
    psql "$1" -Atqc 'select 1' >/dev/null 2>&1
  else
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
  fi
}

if [ -z "${PALIMPSEST_TEST_POSTGRES_URL:-}" ]; then
  default_url="postgres://postgres@127.0.0.1:5432/postgres"
  if pg_ready "$default_url"; then
    export PALIMPSEST_TEST_POSTGRES_URL="$default_url"
  else
    initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$initdb" ]; then
      echo "ops/test.sh: no PostgreSQL on 127.0.0.1:5432 and no initdb to start one." >&2
      echo "  Install it (Debian: apt-get install postgresql) or set PALIMPSEST_TEST_POSTGRES_URL." >&2
      exit 1
    fi
    bindir=$(dirname "$initdb")
    pgdir=$(mktemp -d /tmp/palimpsest-pg.XXXXXX)
    port=54329
    as_pg=()
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
      chown postgres "$pgdir"
      as_pg=(runuser -u postgres --)
    fi
    echo "ops/test.sh: starting a throwaway PostgreSQL cluster in $pgdir on port $port" >&2
    "${as_pg[@]}" "$bindir/initdb" -D "$pgdir/data" -U postgres --auth=trust >/dev/null
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$pgdir/data" -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1" -l "$pgdir/log" -w start >/dev/null
    cleanup() { "${as_pg[@]}" "$bindir/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
    export PALIMPSEST_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  fi
fi
echo "ops/test.sh: PostgreSQL tests use $PALIMPSEST_TEST_POSTGRES_URL" >&2

# The independent verifier (tests/verifier, Python) needs blake3 and cryptography from PyPI.
if ! python3 -c 'import blake3, cryptography' >/dev/null 2>&1; then
  echo "ops/test.sh: installing the Python verifier's packages (blake3, cryptography)" >&2
  python3 -m pip install --quiet blake3 cryptography \
    || { echo "ops/test.sh: pip install blake3 cryptography failed; the independent verifier cannot run" >&2; exit 1; }
fi

cargo test --workspace --locked "$@"

# The pages in a real headless browser with axe-core (installs chromium and the npm packages
# when missing; fails, never skips, when it cannot).
bash ops/browser-test.sh

# The OpenAPI document through a real consumer (Redocly CLI from the npm registry).
bash ops/openapi-lint.sh
