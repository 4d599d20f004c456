#!/usr/bin/env bash
# The whole system on 127.0.0.1: nats-server with JetStream (fsyncing every write, as in
# production), the matcher and the server. Data lives under ./data. The first start fills in
# 1,000 demo users (--no-demo skips them) and makes a demo admin (always; its random password
# is kept in ./data). --cluster runs a three-node NATS cluster instead (client ports 4222-4224,
# routes 6222-6224; the USERS stream in three copies) and two matchers. Ctrl-C stops everything.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib/nats.sh
source scripts/lib/nats.sh

demo=1
cluster=0
for arg in "$@"; do
  case "$arg" in
    --no-demo) demo=0 ;;
    --cluster) cluster=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
  esac
done

http_addr=${COMATCHING_HTTP_ADDR:-127.0.0.1:8080}
nats_port=${COMATCHING_NATS_PORT:-4222}
nats_url="nats://127.0.0.1:$nats_port"
# --cluster: nodes nats-1..3 on client ports $nats_port.. +2 and route ports 2000 above those,
# each with its own store (data/nats-N); the services get all three URLs.
nodes=(1 2 3)
if [ "$cluster" = 1 ]; then
  nats_url=""
  for n in "${nodes[@]}"; do nats_url+="${nats_url:+,}nats://127.0.0.1:$((nats_port + n - 1))"; done
  server_had_data=0
  [ -n "$(ls -A data/server 2>/dev/null)" ] && server_had_data=1
fi

nats_server=$(ensure_nats_server "$root")
cargo build --release --bins
# Where cargo put them: CARGO_TARGET_DIR or a build.target-dir in cargo's config moves them out
# of ./target, so ask cargo; without an answer, the same rule by hand.
target=$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null) \
  || target=""
bin="${target:-${CARGO_TARGET_DIR:-$root/target}}/release"
if [ "$cluster" = 1 ]; then
  mkdir -p data/nats-1 data/nats-2 data/nats-3 data/server data/matcher-1 data/matcher-2
else
  mkdir -p data/nats data/server data/matcher
fi

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

# Production's durability (`sync_interval: always`), which `-js` flags cannot ask for: see the
# config. GOMEMLIMIT as in deploy/: the Go runtime collects sooner near it (a soft limit).
# The store path is relative (we are in $root) because the config reads it unquoted.
export GOMEMLIMIT=${GOMEMLIMIT:-48MiB}
if [ "$cluster" = 1 ]; then
  # The same node config three times (scripts/lib/nats-cluster-local.conf: nats-local.conf plus
  # a name and routes to the other two), told apart by the environment.
  for n in "${nodes[@]}"; do
    routes=()
    for m in "${nodes[@]}"; do
      [ "$m" = "$n" ] || routes+=("nats://127.0.0.1:$((nats_port + 2000 + m - 1))")
    done
    NATS_SERVER_NAME="nats-$n" NATS_LISTEN="127.0.0.1:$((nats_port + n - 1))" \
      NATS_STORE_DIR="data/nats-$n" NATS_CLUSTER_LISTEN="127.0.0.1:$((nats_port + 2000 + n - 1))" \
      NATS_ROUTE_A="${routes[0]}" NATS_ROUTE_B="${routes[1]}" \
      "$nats_server" -c scripts/lib/nats-cluster-local.conf >"data/nats-$n/nats.log" 2>&1 &
    pids+=($!)
  done
  for n in "${nodes[@]}"; do wait_for_port "$((nats_port + n - 1))"; done
else
  NATS_LISTEN="127.0.0.1:$nats_port" NATS_STORE_DIR=data/nats \
    "$nats_server" -c scripts/lib/nats-local.conf >data/nats/nats.log 2>&1 &
  pids+=($!)
  wait_for_port "$nats_port"
fi

if [ "$demo" = 1 ]; then
  "$bin/comatching-server" demo --data-dir data/server --users 1000
fi

admin_email="admin@demo.comatching.kr"
admin_file="data/demo-admin-password"
if [ ! -s "$admin_file" ]; then
  password=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
  printf '%s\n' "$password" | "$bin/comatching-server" admin create \
    --email "$admin_email" --password-stdin --data-dir data/server
  (umask 077 && printf '%s\n' "$password" >"$admin_file.tmp") && mv "$admin_file.tmp" "$admin_file"
fi
admin_password=$(cat "$admin_file")

if [ "$cluster" = 1 ]; then
  if [ "$server_had_data" = 1 ]; then
    # The cluster's USERS stream may lack users the server already has (a new cluster, or
    # changes made since in the one-node mode, which has a stream of its own): republish them
    # all, queued in the stopped server's outbox and published once it runs. Harmless to
    # repeat: the matchers keep only newer versions.
    "$bin/comatching-server" resync --data-dir data/server
  fi
  # Two matchers, each with its own durable consumer and table, sharing match requests.
  for n in 1 2; do
    "$bin/comatching-matcher" --nats-url "$nats_url" --data-dir "data/matcher-$n" \
      --instance "local-$n" --metrics-addr "127.0.0.1:$((9101 + n))" &
    pids+=($!)
  done
  "$bin/comatching-server" --nats-url "$nats_url" --data-dir data/server --http-addr "$http_addr" \
    --stream-replicas 3 &
  pids+=($!)
else
  "$bin/comatching-matcher" --nats-url "$nats_url" --data-dir data/matcher &
  pids+=($!)
  "$bin/comatching-server" --nats-url "$nats_url" --data-dir data/server --http-addr "$http_addr" &
  pids+=($!)
fi
wait_for_port "${http_addr##*:}"

if [ "$cluster" = 1 ]; then
  running="COMAtching is running on a three-node NATS cluster.
  NATS:       $nats_url (nodes nats-1..3, logs in data/nats-N/nats.log)
  Matchers:   local-1 and local-2 (data/matcher-1, data/matcher-2), USERS in three copies"
else
  running="COMAtching is running."
fi
cat <<MSG

$running
  Open:       http://$http_addr/   (the web app; API under /api, health at /readyz)
  Demo users: demo00000@demo.comatching.kr … password: demo-password
Demo admin: $admin_email password: $admin_password
  Data:       $root/data (delete it to start over)
  Mail:       no SMTP server here: reset links and school codes are written as .eml files
              in $root/data/server/mail/ (set COMATCHING_SMTP_URL to send them)
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
