#!/usr/bin/env bash
# Runs the whole test suite on a fresh clone: installs Azurite, starts it on a free port with a
# throw-away data folder, builds everything (warnings are errors), runs every test project, and
# prints one summary line: "N passed, N failed". It also installs the coding-agent CLIs that
# tests/agents/package-lock.json pins (Claude Code, Codex), once, and again only when the lock changes,
# and Debian's chromium for the console's browser tests when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/azurite.sh

# The CLIs the coding-agent tests drive through the gateway. The install is cached in
# tests/agents/node_modules; a copy of the lock it was made from says when it is stale. Claude Code
# declares node>=22 but runs as a native binary, so the engine check must not stop Node 20.
ensure_agent_clis() {
  local dir=tests/agents
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-package-lock.json"; then
    echo "==> Installing the coding-agent CLIs (npm ci in $dir)"
    npm ci --prefix "$dir" --no-audit --no-fund --engine-strict=false --loglevel=error
    cp "$dir/package-lock.json" "$dir/node_modules/.installed-package-lock.json"
  fi
  export GATEWAY_TEST_CLAUDE="$PWD/$dir/node_modules/.bin/claude"
  export GATEWAY_TEST_CODEX="$PWD/$dir/node_modules/.bin/codex"
}

# The console's browser tests drive Debian's Chromium: Playwright's own browser download is not
# available here. Installed once, quietly; present already, nothing is done.
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "==> Installing Chromium (apt-get) for the console's browser tests"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  export GATEWAY_TEST_CHROMIUM=/usr/bin/chromium
}

ensure_node_modules
ensure_agent_clis
ensure_chromium
data="$(mktemp -d)"
results="$(mktemp -d)"
cleanup() {
  [ -n "${AZURITE_PID:-}" ] && kill "$AZURITE_PID" 2>/dev/null || true
  rm -rf "$data" "$results"
}
trap cleanup EXIT

port="${AZURITE_PORT:-$(free_port)}"
echo "==> Starting Azurite (tables) on 127.0.0.1:$port"
# --silent: no access log (a line per storage call), as the data directory is thrown away at the end.
start_azurite "$port" "$data" "$data/azurite.log" --silent
export GATEWAY_TEST_STORAGE="$GATEWAY_STORAGE_CONNECTION"

echo "==> Building"
dotnet build Gateway.sln -c Debug -nologo -clp:ErrorsOnly

echo "==> Testing"
set +e
dotnet test Gateway.sln -c Debug --no-build -nologo --blame-hang-timeout 5m --logger "trx" --results-directory "$results" 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
set -e

# Sum the per-project summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12").
passed=$(grep -Eo 'Passed: +[0-9]+' "$results/console.log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$results/console.log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$results/console.log" | awk '{s+=$2} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The run itself failed (a crash or a build problem) without reporting a failed test.
  failed=1
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
