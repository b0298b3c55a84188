#!/usr/bin/env bash
# Throughput of `switchboard mail ingest`, the MTA pipe: builds switchboard,
# makes a fresh database (SQLite in a temporary directory, or a fresh
# PostgreSQL database "sbingest" on the local server) with one mailbox, and
# pipes N distinct messages through `mail ingest`, one process per message
# as Postfix or Exim would run it, P at a time. Prints messages per second
# end to end into tickets.
#
#   cmd/sbload/ingestbench.sh sqlite|postgres [N] [P]      defaults 500 4
#
# PostgreSQL: SBLOAD_PG (default postgres://postgres@127.0.0.1:5432) is the
# server; the database "sbingest" on it is dropped and recreated.
set -euo pipefail
engine=${1:?usage: ingestbench.sh sqlite|postgres [N] [P]}
n=${2:-500}
par=${3:-4}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/switchboard" ./cmd/switchboard)
export SWITCHBOARD_DATA_DIR=$work/data
unset SWITCHBOARD_DATABASE_URL
pg=${SBLOAD_PG:-postgres://postgres@127.0.0.1:5432}
if [ "$engine" = postgres ]; then
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS sbingest" -c "CREATE DATABASE sbingest"
  export SWITCHBOARD_DATABASE_URL="$pg/sbingest?sslmode=disable"
elif [ "$engine" != sqlite ]; then
  echo "engine must be sqlite or postgres" >&2; exit 2
fi
"$work/switchboard" migrate >/dev/null
"$work/switchboard" mailbox add support@bench.example --name Bench >/dev/null
mkdir "$work/mail"
for i in $(seq 1 "$n"); do
  printf 'From: Customer %d <c%d@example.com>\r\nTo: support@bench.example\r\nSubject: Question %d\r\nMessage-ID: <bench-%d@example.com>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe printer on floor %d prints blank pages since this morning.\r\n' \
    "$i" "$((i % 300))" "$i" "$i" "$i" >"$work/mail/$i.eml"
done
start=$(date +%s.%N)
ls "$work/mail" | xargs -P "$par" -I{} sh -c '"$0" mail ingest --to support@bench.example "$1" >/dev/null' "$work/switchboard" "$work/mail/{}"
end=$(date +%s.%N)
stored=$(SWITCHBOARD_LOG_LEVEL=error "$work/switchboard" mail ingest --to support@bench.example "$work/mail/1.eml")
awk -v n="$n" -v s="$start" -v e="$end" -v p="$par" -v eng="$engine" \
  'BEGIN { printf "%s: %d messages through mail ingest, %d at a time: %.2f s, %.0f msgs/s\n", eng, n, p, e - s, n / (e - s) }'
echo "redelivery of the first: $stored"
