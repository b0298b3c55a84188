#!/usr/bin/env bash
# Load test of the REST API over HTTP: builds switchboard and sbload, starts
# a fresh server on loopback (SQLite in a temporary directory, or a fresh
# PostgreSQL database "sbload" on the local server), makes an agent and a
# token, and runs sbload in create mode then list mode with 4 clients.
# It also prints the CPU time the server (and PostgreSQL's backends) used
# per request, which stays meaningful on a busy machine.
#
#   cmd/sbload/loadtest.sh sqlite|postgres [DURATION]     e.g. 10s
#
# PostgreSQL: SBLOAD_PG (default postgres://postgres@127.0.0.1:5432) is the
# server; the database "sbload" on it is dropped and recreated.
set -euo pipefail
engine=${1:?usage: loadtest.sh sqlite|postgres [duration]}
dur=${2:-10s}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/switchboard" ./cmd/switchboard && go build -o "$work/sbload" ./cmd/sbload)

export SWITCHBOARD_HTTP_ADDR=${SBLOAD_ADDR:-127.0.0.1:18080}
export SWITCHBOARD_DATA_DIR=$work/data
url=http://$SWITCHBOARD_HTTP_ADDR
unset SWITCHBOARD_DATABASE_URL
pg=${SBLOAD_PG:-postgres://postgres@127.0.0.1:5432}
if [ "$engine" = postgres ]; then
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS sbload" -c "CREATE DATABASE sbload"
  export SWITCHBOARD_DATABASE_URL="$pg/sbload?sslmode=disable"
elif [ "$engine" != sqlite ]; then
  echo "engine must be sqlite or postgres" >&2; exit 2
fi
"$work/switchboard" migrate >/dev/null
"$work/switchboard" user add --email load@example.com --name Load --role agent >/dev/null
token=$("$work/switchboard" token create --email load@example.com)
"$work/switchboard" serve >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "$url/api/v1/openapi.json" && break; sleep 0.1; done

ticks() { local s=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && s=$((s + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$s"; }
pgpids() { if [ "$engine" = postgres ]; then psql -Atq "$pg/postgres" -c "SELECT pid FROM pg_stat_activity WHERE datname = 'sbload'"; fi; }
# pgticks prints "pid ticks" for each PostgreSQL backend of the database.
pgticks() { local p; for p in $(pgpids); do echo "$p $(ticks "$p")"; done; }
phase() {
  local mode=$1; shift
  local s0 s1 pg0 pg1 p n
  s0=$(ticks $pid); pg0=$(pgticks)
  "$work/sbload" -url "$url" -token "$token" -clients 4 -duration "$dur" -mode "$mode" "$@" | tee "$work/out"
  s1=$(ticks $pid); pg1=$(pgticks)
  # CPU of the backends alive at the end (a connection closed mid-run is missed).
  p=$(awk 'NR == FNR { start[$1] = $2; next } { s += $2 - start[$1] } END { print s + 0 }' <(echo "$pg0") <(echo "$pg1"))
  n=$(awk '/^requests:/{print $2}' "$work/out")
  awk -v s=$((s1 - s0)) -v p="$p" -v n="$n" -v e="$engine" 'BEGIN {
    printf "server cpu: %.2fs, %.3f ms/request", s/100, s*10/n
    if (e == "postgres") printf "; postgres backends cpu: %.2fs, %.3f ms/request", p/100, p*10/n
    printf "\n" }'
}
echo "== $engine, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
phase create
if [ "$engine" = postgres ]; then
  # The table grew from empty within seconds; autovacuum would refresh the
  # planner's statistics within a minute. Without them the list query
  # sorts every matching row instead of walking the index.
  psql -q "$pg/sbload" -c "ANALYZE"
fi
phase list -query 'status=new,open&assignee=none&limit=25'
if [ "$engine" = postgres ]; then
  kill $pid; wait $pid 2>/dev/null || true
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS sbload"
fi
