#!/usr/bin/env bash
# Benchmarks (not tests): prints each figure with the command that produced it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

echo "## Durable points operations"
echo "command: cargo bench -p comatching-server --bench durable_points"
cargo bench --quiet -p comatching-server --bench durable_points
