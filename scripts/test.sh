#!/usr/bin/env bash
# Every test: installs what the tests need when it is missing, checks formatting and lints,
# builds the binaries (crash tests start them as processes), then runs every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib/nats.sh
source scripts/lib/nats.sh

# The browser tests drive Debian's Chromium through chromedriver; Korean needs CJK fonts.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
  || ! fc-list 2>/dev/null | grep -i "noto sans cjk" >/dev/null; then
  echo "installing chromium, chromium-driver and fonts-noto-cjk"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
fi

# The ACME tests run against Debian's Pebble, the ACME test server.
if ! command -v pebble >/dev/null; then
  echo "installing pebble"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pebble >/dev/null
fi

# The API fuzz test runs schemathesis (PyPI, pinned) against the running system.
SCHEMATHESIS_VERSION="4.32.5"
SCHEMATHESIS_BIN="$root/tools/schemathesis/bin/st"
if ! "$SCHEMATHESIS_BIN" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into tools/schemathesis"
  rm -rf "$root/tools/schemathesis"
  if ! python3 -m venv "$root/tools/schemathesis"; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$root/tools/schemathesis"
    python3 -m venv "$root/tools/schemathesis"
  fi
  "$root/tools/schemathesis/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION"
fi
export SCHEMATHESIS_BIN

# The mail tests send through a real SMTP server: aiosmtpd (PyPI, pinned), into a Maildir.
AIOSMTPD_VERSION="1.4.6"
AIOSMTPD_PYTHON="$root/tools/aiosmtpd/bin/python"
if ! "$AIOSMTPD_PYTHON" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
  echo "installing aiosmtpd $AIOSMTPD_VERSION into tools/aiosmtpd"
  rm -rf "$root/tools/aiosmtpd"
  python3 -m venv "$root/tools/aiosmtpd"
  "$root/tools/aiosmtpd/bin/pip" install --quiet --disable-pip-version-check \
    "aiosmtpd==$AIOSMTPD_VERSION"
fi
export AIOSMTPD_PYTHON

# The sign-in tests run against a real OpenID Connect provider: oidc-provider (npm, pinned in
# tests/oidc/package.json and its lock file) under the machine's Node.js, in tests/oidc/node_modules.
OIDC_PROVIDER_VERSION=$(sed -n 's/.*"oidc-provider": *"\([^"]*\)".*/\1/p' "$root/tests/oidc/package.json")
if [ "$(node -p "require('$root/tests/oidc/node_modules/oidc-provider/package.json').version" 2>/dev/null)" \
  != "$OIDC_PROVIDER_VERSION" ]; then
  echo "installing oidc-provider $OIDC_PROVIDER_VERSION into tests/oidc/node_modules"
  npm ci --prefix "$root/tests/oidc" --no-audit --no-fund --loglevel=error
fi
export OIDC_PROVIDER_SCRIPT="$root/tests/oidc/provider.mjs"

# The web audit runs Lighthouse and axe-core (npm, pinned in tests/audit/package.json and its lock
# file) under the machine's Node.js, from tests/audit/node_modules; Lighthouse drives Chromium.
audit_version() {
  node -p "require('$root/tests/audit/node_modules/$1/package.json').version" 2>/dev/null || true
}
pinned_version() {
  sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" "$root/tests/audit/package.json"
}
if [ "$(audit_version lighthouse)" != "$(pinned_version lighthouse)" ] \
  || [ "$(audit_version axe-core)" != "$(pinned_version axe-core)" ]; then
  echo "installing lighthouse $(pinned_version lighthouse) and axe-core $(pinned_version axe-core) into tests/audit/node_modules"
  npm ci --prefix "$root/tests/audit" --no-audit --no-fund --loglevel=error
fi
export AUDIT_DIR="$root/tests/audit"
export CHROME_PATH="${CHROME_PATH:-$(command -v chromium)}"

NATS_SERVER_BIN=$(ensure_nats_server "$root")
export NATS_SERVER_BIN
echo "using $("$NATS_SERVER_BIN" --version)"
# The build takes ~8 GB (target/debug); a linker that runs out of disk dies with SIGBUS.
echo "free on the build's disk: $(df -h --output=avail "${CARGO_TARGET_DIR:-$root}" | tail -1 | tr -d ' ')"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo build --workspace --bins --quiet
cargo test --workspace --quiet "$@"
