#!/usr/bin/env bash
# Load test of live chat: builds switchboard and sbload, starts a fresh
# server on loopback (SQLite in a temporary directory, or a fresh
# PostgreSQL database "sbchat" on the local server), makes an agent with a
# password and a token and a chat channel for the server's own origin
# (`switchboard chat add`), and runs sbload in chat mode with N visitors:
# the agent signs in, goes online and follows the event stream, the
# widgets connect at -ramp per second, -chatting of them chat, and the
# agent answers -reply of their messages over the API. sbload samples the
# server's resident memory and CPU from /proc.
#
#   cmd/sbload/chatload.sh sqlite|postgres N [sbload flags...]
#   cmd/sbload/chatload.sh postgres 10000 -chatting 0.1 -interval 10s -duration 60s
#
# Both processes need a file descriptor per visitor (and some): the script
# raises the soft limit to the hard one (ulimit -Hn) and refuses N beyond.
# PostgreSQL: SBLOAD_PG (default postgres://postgres@127.0.0.1:5432) is the
# server; the database "sbchat" on it is dropped and recreated.
# SBLOAD_LOG=FILE keeps the server's log there. With SWITCHBOARD_LOG_LEVEL=debug
# it lists every write transaction over 100 ms (caller, wait, statements,
# commit): match their times with the seconds sbload's "slow:" lines give.
# With GODEBUG=gctrace=1 it holds the garbage collector's trace too.
set -euo pipefail
engine=${1:?usage: chatload.sh sqlite|postgres N [sbload flags...]}
n=${2:?usage: chatload.sh sqlite|postgres N [sbload flags...]}
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/switchboard" ./cmd/switchboard && go build -o "$work/sbload" ./cmd/sbload)

ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((n + 200)) ]; then
  echo "chatload: $n visitors need about $((n + 200)) open files per process; ulimit -Hn is $(ulimit -Hn)" >&2; exit 2
fi
export SWITCHBOARD_HTTP_ADDR=${SBLOAD_ADDR:-127.0.0.1:18080}
export SWITCHBOARD_DATA_DIR=$work/data
url=http://$SWITCHBOARD_HTTP_ADDR
unset SWITCHBOARD_DATABASE_URL SWITCHBOARD_BASE_URL
pg=${SBLOAD_PG:-postgres://postgres@127.0.0.1:5432}
if [ "$engine" = postgres ]; then
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS sbchat" -c "CREATE DATABASE sbchat"
  export SWITCHBOARD_DATABASE_URL="$pg/sbchat?sslmode=disable"
elif [ "$engine" != sqlite ]; then
  echo "engine must be sqlite or postgres" >&2; exit 2
fi
"$work/switchboard" migrate >/dev/null
password=$(head -c 18 /dev/urandom | base64)
printf '%s\n' "$password" | "$work/switchboard" user add --email load@example.com --name "Load Agent" --role agent --password-stdin >/dev/null
token=$("$work/switchboard" token create --email load@example.com)
snippet=$("$work/switchboard" chat add --name "Load test" --origin "$url" --base-url "$url" 2>/dev/null)
key=$(printf '%s' "$snippet" | sed -n 's/.*data-channel="\([^"]*\)".*/\1/p')
"$work/switchboard" serve >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; [ -z "${SBLOAD_LOG:-}" ] || cp "$work/serve.log" "$SBLOAD_LOG"; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "$url/readyz" && break; sleep 0.1; done

echo "== $engine, $n visitors, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, open files $(ulimit -n)"
status=0
printf '%s\n' "$password" | "$work/sbload" -mode chat -url "$url" -token "$token" -key "$key" \
  -email load@example.com -password-stdin -visitors "$n" -pid "$pid" "$@" || status=$?
if grep -qE 'level=(ERROR|WARN)' "$work/serve.log"; then
  echo "server warnings and errors (first 10):"; grep -E 'level=(ERROR|WARN)' "$work/serve.log" | head -10
fi
if [ "$engine" = postgres ]; then
  kill $pid; wait $pid 2>/dev/null || true
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS sbchat"
fi
exit $status
