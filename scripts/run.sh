#!/usr/bin/env bash
# The whole system on 127.0.0.1: nats-server with JetStream, the matcher and the server.
# Data lives under ./data. The first start fills in 1,000 demo users (--no-demo skips them).
# Ctrl-C stops everything.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib/nats.sh
source scripts/lib/nats.sh

demo=1
for arg in "$@"; do
  case "$arg" in
    --no-demo) demo=0 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
  esac
done

http_addr=${COMATCHING_HTTP_ADDR:-127.0.0.1:8080}
nats_port=${COMATCHING_NATS_PORT:-4222}
nats_url="nats://127.0.0.1:$nats_port"

nats_server=$(ensure_nats_server "$root")
cargo build --release --bins
bin="$root/target/release"
mkdir -p data/nats data/server data/matcher

pids=()
stop_all() {
  trap - INT TERM EXIT
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

wait_for_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2; return 1
}

"$nats_server" -js -a 127.0.0.1 -p "$nats_port" -sd data/nats >data/nats/nats.log 2>&1 &
pids+=($!)
wait_for_port "$nats_port"

if [ "$demo" = 1 ]; then
  "$bin/comatching-server" demo --data-dir data/server --users 1000
fi

"$bin/comatching-matcher" --nats-url "$nats_url" --data-dir data/matcher &
pids+=($!)
"$bin/comatching-server" --nats-url "$nats_url" --data-dir data/server --http-addr "$http_addr" &
pids+=($!)
wait_for_port "${http_addr##*:}"

cat <<MSG

COMAtching is running.
  API:        http://$http_addr/api/catalog   (health: http://$http_addr/readyz)
  Demo users: demo00000@demo.comatching.kr … password: demo-password
  Data:       $root/data (delete it to start over)
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
