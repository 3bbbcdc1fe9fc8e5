#!/usr/bin/env bash
# The pages in a real headless browser, with axe-core accessibility checks (tests/browser).
# Usage: ops/browser-test.sh
#
# Needs Debian's chromium (installed here with apt-get when missing and run as root; otherwise
# it fails saying so: never a silent skip) and Node.js with npm (the packages pinned in
# tests/browser/package-lock.json are installed with `npm ci`). Builds the server, imports the
# bundled real data into a throwaway SQLite database, serves it on a free loopback port, issues
# a citizen and an official token, and runs tests/browser/pages.mjs against it. Screenshots of
# every page go to target/browser-screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ops/browser-test.sh: installing Debian's chromium for the browser tests" >&2
    apt-get install -y -qq chromium >/dev/null \
      || { echo "ops/browser-test.sh: apt-get install chromium failed" >&2; exit 1; }
  else
    echo "ops/browser-test.sh: no browser at $chromium; install Debian's chromium (apt-get install chromium) or set CHROMIUM" >&2
    exit 1
  fi
fi
command -v npm >/dev/null || { echo "ops/browser-test.sh: Node.js and npm are needed (Debian: apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/axe-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) \
    || { echo "ops/browser-test.sh: npm ci in tests/browser failed" >&2; exit 1; }
fi

cargo build --locked -p palimpsest >&2
bin=target/debug/palimpsest

dir=$(mktemp -d /tmp/palimpsest-browser.XXXXXX)
db="sqlite://$dir/db.sqlite"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" keygen --out "$dir/key" >/dev/null
"$bin" demo --database-url "$db" --signing-key "$dir/key" --listen "127.0.0.1:$port" \
  --write-limit-per-token 0 --write-limit-per-address 0 >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 1200); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { echo "ops/browser-test.sh: the server stopped:" >&2; cat "$dir/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fs "$base/healthz" >/dev/null || { echo "ops/browser-test.sh: the server did not come up in 10 minutes" >&2; exit 1; }

citizen=$("$bin" token issue --database-url "$db" --participant u0browser01 --role citizen --label browser-citizen)
official=$("$bin" token issue --database-url "$db" --participant gouvernement --role official --label browser-official)
# The audit page shows the latest signed checkpoint: sign one now rather than wait for the timer.
curl -fs -X POST -H "authorization: Bearer $official" "$base/api/v1/log/checkpoints" >/dev/null

mkdir -p target/browser-screenshots
PALIMPSEST_BASE=$base PALIMPSEST_CITIZEN_TOKEN=$citizen PALIMPSEST_OFFICIAL_TOKEN=$official \
  PALIMPSEST_SCREENSHOTS=$PWD/target/browser-screenshots CHROMIUM=$chromium \
  node tests/browser/pages.mjs
