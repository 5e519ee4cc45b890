#!/usr/bin/env bash
# Shared by run.sh, test.sh and bench.sh: install Azurite from package.json and start its Table
# service. Source this file, then call `start_azurite <port> <data-dir> [log] [azurite options...]`;
# it sets AZURITE_PID and exports GATEWAY_STORAGE_CONNECTION for that port. Azurite's own usage
# telemetry (an Application Insights client it runs by default, a few percent of its CPU under load)
# is always off: nothing here reports to anyone.

AZURITE_ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

ensure_node_modules() {
  if [ ! -x node_modules/.bin/azurite-table ]; then
    echo "==> Installing Azurite (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_azurite() {
  local port="$1" data="$2" log="${3:-/dev/null}"
  shift $(($# < 3 ? $# : 3))
  mkdir -p "$data"
  if port_open "$port"; then
    echo "error: port $port is already in use; set AZURITE_PORT to a free port" >&2
    return 1
  fi
  # AZURITE_OWN_SESSION=1 starts it in a session of its own (setsid), out of reach of the terminal's
  # Ctrl-C: Node stops on SIGINT even when the shell started it with SIGINT ignored, and run.sh must
  # stop its gateways (which write their last rows on the way out) before their storage.
  ${AZURITE_OWN_SESSION:+setsid} node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort "$port" --location "$data" --skipApiVersionCheck --disableTelemetry "$@" >"$log" 2>&1 &
  AZURITE_PID=$!
  for _ in $(seq 1 150); do
    if port_open "$port"; then
      export GATEWAY_STORAGE_CONNECTION="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_ACCOUNT_KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;"
      return 0
    fi
    if ! kill -0 "$AZURITE_PID" 2>/dev/null; then
      echo "error: Azurite exited during start-up; see $log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "error: Azurite did not open port $port within 30 s" >&2
  return 1
}
