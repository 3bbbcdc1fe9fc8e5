#!/usr/bin/env bash
# Lints the served OpenAPI document with a real consumer (Redocly CLI, from the npm registry):
# starts `palimpsest serve` on a throwaway SQLite database, fetches /api/openapi.json, runs
# `redocly lint` on it. Needs cargo, curl and npx. Usage: ops/openapi-lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=${PALIMPSEST_LINT_PORT:-18437}
cargo build --quiet -p palimpsest --bin palimpsest
bin=$(realpath "${CARGO_TARGET_DIR:-target}/debug/palimpsest")
(cd "$work" && PALIMPSEST_DATABASE_URL="sqlite://$work/lint.db" exec "$bin" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1) &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/api/openapi.json" -o "$work/openapi.json" && break
  sleep 0.2
done
test -s "$work/openapi.json" || { echo "ops/openapi-lint.sh: the service did not answer; see its log:" >&2; cat "$work/serve.log" >&2; exit 1; }
# 2.77.0: the release tested here.
npx --yes @redocly/cli@2.77.0 lint "$work/openapi.json"
