#!/usr/bin/env bash
# cairnd's memory over a whole run, as a user runs it (built-in defaults, cwd = the repository, so the model and
# ./landmarks.cairnpack are found): an empty catalog, FOLDER reconciled and recognised, then IDLE_S seconds idle.
# Prints VmHWM (peak) and VmRSS every few seconds, the idle figures, and the largest mappings once idle.
#
#   bash scripts/measure-memory.sh [FOLDER] [IDLE_S] [extra cairnd arguments…]
set -euo pipefail
cd "$(dirname "$0")/.."
folder="${1:-../shared/data}"
idle="${2:-20}"
shift $(( $# > 2 ? 2 : $# )) || true
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
.build/release/cairnd --watch "$folder" --catalog "$work/c.sqlite" --log-level warning "$@" 2>"$work/log" &
pid=$!
start=$(date +%s.%N)
field() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' "/proc/$pid/status"; }
queue() { .build/release/cairn status --catalog "$work/c.sqlite" 2>/dev/null | awk '/^Queue:/ { print $2 }'; }
sleep 2
while :; do
    sleep 2
    q=$(queue || true)
    printf '%6.1f s  queue %-6s VmRSS %5s MB  VmHWM %5s MB\n' "$(echo "$(date +%s.%N) - $start" | bc)" "${q:-?}" "$(field VmRSS)" "$(field VmHWM)"
    [ "${q:-x}" = 0 ] && break
done
done_at=$(echo "$(date +%s.%N) - $start" | bc)
sleep "$idle"
echo "queue empty after ${done_at} s; ${idle} s later:"
grep -E 'VmHWM|VmRSS|RssAnon|RssFile|Threads' "/proc/$pid/status"
echo "largest mappings (Rss kB, mapping):"
awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon " $1 "]" : $6) } /^Rss:/ { rss[name] += $2 } END { for (n in rss) if (rss[n] >= 1024) print rss[n], n }' \
    "/proc/$pid/smaps" | sort -rn | head -25
.build/release/cairn status --catalog "$work/c.sqlite" | head -8
grep -ci 'error\|critical' "$work/log" || true
