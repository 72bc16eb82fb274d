#!/usr/bin/env bash
# Tests that need Redis read REDIS_URL (default redis://127.0.0.1:6379). When nothing answers
# there, start Debian's redis-server (installing it if needed) so the suite passes anywhere.
set -uo pipefail
url=${REDIS_URL:-redis://127.0.0.1:6379}
hostport=${url#redis://}; hostport=${hostport%%/*}; host=${hostport%%:*}; port=${hostport##*:}
ping() { (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null; }
ping && exit 0
if ! command -v redis-server >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq redis-server) >/dev/null 2>&1 || { echo "ensure-redis: cannot install redis-server" >&2; exit 0; }
fi
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no >/dev/null
for _ in $(seq 50); do ping && exit 0; sleep 0.1; done
echo "ensure-redis: redis did not start on $host:$port" >&2
