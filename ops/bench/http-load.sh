#!/usr/bin/env bash
# HTTP read figures under a concurrent load generator (wrk), on the real imported data.
#
# Usage: ops/bench/http-load.sh [SECONDS per route, default 20] [CONNECTIONS, default 32]
#
# Builds the release binary, imports the bundled data (République numérique, La Fabrique de la
# Loi, Pol.is) into a fresh SQLite database, serves it on a free loopback port, and runs wrk
# against each route in turn (2 wrk threads: the machine has 2 cores, shared with the server).
# Prints one line per route: requests per second and latency percentiles, with the command
# that reproduces it. Never part of the tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
connections=${2:-32}

command -v wrk >/dev/null || { echo "http-load: wrk is missing (Debian: apt-get install wrk)" >&2; exit 1; }
cargo build --release --locked -p palimpsest >&2
bin=target/release/palimpsest

dir=$(mktemp -d /tmp/palimpsest-load.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" keygen --out "$dir/key" >/dev/null
"$bin" demo --database-url "sqlite://$dir/db.sqlite" --signing-key "$dir/key" \
  --listen "127.0.0.1:$port" >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fs "$base/healthz" >/dev/null || { echo "http-load: the server did not come up" >&2; exit 1; }

# The République numérique bill: the one with the most amendments.
bill=$(curl -fs "$base/api/v1/bills?limit=500" | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
print(max(items, key=lambda b: b["amendments"])["id"])')
events=$(curl -fs "$base/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["log_size"])')

routes=(
  "timeline (JSON, first page)|/api/v1/bills/$bill/timeline"
  "bill (JSON)|/api/v1/bills/$bill"
)
# The bill page (HTML), when the service serves pages.
if curl -fs -o /dev/null "$base/bills/$bill"; then
  routes=("bill page (HTML)|/bills/$bill" "${routes[@]}")
fi

echo "Palimpsest HTTP read load: wrk -t2 -c$connections -d${seconds}s --latency, release build, SQLite, $events events imported"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); server and wrk share it"
printf '%-30s %12s %10s %10s %10s\n' route "requests/s" "p50" "p99" "errors"
for entry in "${routes[@]}"; do
  name=${entry%%|*}
  path=${entry#*|}
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$base$path")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx responses/ {print $5} /Socket errors/ {print $0}' <<<"$out" | tr '\n' ' ')
  printf '%-30s %12s %10s %10s %10s\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
done
echo "reproduce: ops/bench/http-load.sh $seconds $connections"
