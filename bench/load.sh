#!/usr/bin/env bash
# Load check of the web service on this machine: starts a release build of `kinlink demo` on a
# fresh SQLite database, signs in, and drives a few pages with wrk (Debian's package) over
# loopback. Reports requests per second and latency percentiles, with /healthz (no database) as
# the baseline measured in the same run. Bounded: DURATION seconds per page.
#   bench/load.sh            (DURATION=10 CONNECTIONS=16 DATASET=demo by default)
#   DATASET=england bench/load.sh   the same at national scale (about 2,940 children)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
DATASET=${DATASET:-demo}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -p kinlink --quiet
data=$(mktemp -d)
out=$(mktemp)
target/release/kinlink --data-dir "$data" --log-format json demo --dataset "$DATASET" --listen 127.0.0.1:0 >"$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data" "$out"' EXIT
url=""
for _ in $(seq 1 1200); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$out" | head -n 1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the demo did not start" >&2; exit 1; }

# Signs in as $1 and prints the session cookie's value.
sign_in() {
  local jar csrf
  jar=$(mktemp)
  curl -s -c "$jar" -b "$jar" "${url}sign-in" >/dev/null
  csrf=$(awk '/kinlink_csrf/ {print $7}' "$jar")
  curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "csrf_token=$csrf" \
    --data-urlencode "email=$1" --data-urlencode "password=kinlink-demo-2026" "${url}sign-in"
  awk '/kinlink_session/ {print $7}' "$jar"
  rm -f "$jar"
}
session=$(sign_in agency.admin@northshire.example)
finder=$(sign_in family.finder@northshire.example)
profile=$(curl -s -H "Cookie: kinlink_session=$finder" "${url}search/children" | grep -o 'href="/children/[0-9]*"' | head -n 1 | grep -o '[0-9]*')

printf '%-28s %12s %10s %10s %10s\n' "page" "requests/s" "p50" "p90" "p99"
run() {
  local name=$1 path=$2; shift 2
  local report
  report=$(wrk --latency -t2 -c"$CONNECTIONS" -d"${DURATION}s" "$@" "${url}${path#/}")
  local rps p50 p90 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
  p50=$(awk '$1=="50%" {print $2}' <<<"$report")
  p90=$(awk '$1=="90%" {print $2}' <<<"$report")
  p99=$(awk '$1=="99%" {print $2}' <<<"$report")
  printf '%-28s %12s %10s %10s %10s\n' "$name" "$rps" "$p50" "$p90" "$p99"
}
run "/healthz (baseline)" /healthz
run "/readyz (one query)" /readyz
run "/sign-in (form)" /sign-in
run "/ dashboard, signed in" / -H "Cookie: kinlink_session=$session"
run "/admin/users, signed in" /admin/users -H "Cookie: kinlink_session=$session"
# Searches and profile views are audited (one write each), like every view of a child's profile.
run "/search/children" /search/children -H "Cookie: kinlink_session=$finder"
run "/search/children, filtered" "/search/children?age_max=4&need_trauma_history=medium&text=music&sort=newest" -H "Cookie: kinlink_session=$finder"
run "/children/{id} (published)" "/children/$profile" -H "Cookie: kinlink_session=$finder"
