#!/usr/bin/env bash
# The whole system on 127.0.0.1: nats-server with JetStream (fsyncing every write, as in
# production), the matcher and the server. Data lives under ./data. The first start fills in
# 1,000 demo users (--no-demo skips them) and makes a demo admin (always; its random password
# is kept in ./data). Ctrl-C stops everything.
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
# Where cargo put them: CARGO_TARGET_DIR or a build.target-dir in cargo's config moves them out
# of ./target, so ask cargo; without an answer, the same rule by hand.
target=$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null) \
  || target=""
bin="${target:-${CARGO_TARGET_DIR:-$root/target}}/release"
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

# Production's durability (`sync_interval: always`), which `-js` flags cannot ask for: see the
# config. The store path is relative (we are in $root) because the config reads it unquoted.
NATS_LISTEN="127.0.0.1:$nats_port" NATS_STORE_DIR=data/nats \
  "$nats_server" -c scripts/lib/nats-local.conf >data/nats/nats.log 2>&1 &
pids+=($!)
wait_for_port "$nats_port"

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

"$bin/comatching-matcher" --nats-url "$nats_url" --data-dir data/matcher &
pids+=($!)
"$bin/comatching-server" --nats-url "$nats_url" --data-dir data/server --http-addr "$http_addr" &
pids+=($!)
wait_for_port "${http_addr##*:}"

cat <<MSG

COMAtching is running.
  Open:       http://$http_addr/   (the web app; API under /api, health at /readyz)
  Demo users: demo00000@demo.comatching.kr … password: demo-password
Demo admin: $admin_email password: $admin_password
  Data:       $root/data (delete it to start over)
  Mail:       no SMTP server here: reset links and school codes are written as .eml files
              in $root/data/server/mail/ (set COMATCHING_SMTP_URL to send them)
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
