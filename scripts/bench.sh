#!/usr/bin/env bash
# Benchmarks (not tests): prints each figure under the command that produced it, and writes
# the whole report to docs/BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib/nats.sh
source scripts/lib/nats.sh
NATS_SERVER_BIN=$(ensure_nats_server "$root")
export NATS_SERVER_BIN

cargo build --release --bins --quiet
mkdir -p docs
exec > >(tee docs/BENCHMARKS.md)

echo "# COMAtching benchmarks"
echo
echo "Written by \`scripts/bench.sh\` on $(date -u +%Y-%m-%d). Machine: $(nproc) cores,"
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB memory."
echo "Versions: $(rustc --version), $("$NATS_SERVER_BIN" --version), sled 0.34, tantivy 0.27."
echo

echo "## Durable points operations"
echo "command: cargo bench -p comatching-server --bench durable_points"
cargo bench --quiet -p comatching-server --bench durable_points
echo

echo "## Matcher engine: scoring, memory-bandwidth floor, file load, CSV export"
echo "command: cargo bench -p comatching-matcher --bench engine"
engine=$(cargo bench --quiet -p comatching-matcher --bench engine)
echo "$engine"
echo

echo "## CSV export beside pandas (the earlier system's tool), same files, same run"
echo "command: python scripts/pandas_csv.py target/bench ROWS:OURS... (pandas in target/bench/venv)"
venv="$root/target/bench/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check pandas
fi
ours=$(echo "$engine" | awk -F'|' '$2 ~ /^ *[0-9]+ *$/ { gsub(/ /, "", $2); gsub(/ /, "", $8); print $2 ":" $8 }')
# shellcheck disable=SC2086
"$venv/bin/python" scripts/pandas_csv.py target/bench $ours
echo

echo "## Training the weights on 100,000 synthetic matches"
echo "command: cargo bench -p comatching-matcher --bench train"
cargo bench --quiet -p comatching-matcher --bench train
echo

echo "## Matcher process: NATS round trip, 8 concurrent clients, resident memory"
echo "command: cargo bench -p comatching-tests --bench matcher_e2e"
cargo bench --quiet -p comatching-tests --bench matcher_e2e
echo

echo "## The whole system over HTTP at 100,000 users"
echo "command: cargo bench -p comatching-tests --bench http_e2e"
cargo bench --quiet -p comatching-tests --bench http_e2e

echo
echo "## Chat at 1,000 open sockets"
echo "command: cargo bench -p comatching-tests --bench chat_e2e"
cargo bench --quiet -p comatching-tests --bench chat_e2e

echo
cat <<'TARGETS'
## Targets
Durable points ≥ 5,000 ops/s and ≥ 10× one flush per operation; `GET /api/me` ≥ 20,000/s;
matches ≥ 1,000/s with p50 ≤ 3 ms and p99 ≤ 10 ms; profile change visible p99 ≤ 50 ms;
server ≤ 128 MB (122 MiB) and matcher ≤ 64 MB resident; on one core ≥ 500 matches/s and
≤ 400 MB (381 MiB) together. A figure on the wrong side of its target is a miss; README's
"Benchmarks" section gives the profile and the reasons.
TARGETS
