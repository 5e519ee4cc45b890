#!/usr/bin/env bash
# Runs the gateway locally on a fresh clone: installs Azurite, starts it on a data folder kept
# between runs, starts the model simulator (unless real provider keys are given) and the gateway
# all-in-one (silo + front-end), and prints the URL and the admin key. Ctrl-C stops everything.
# A generated admin key is shown once on the terminal only; every log (gateway.log, and this
# script's own output when it is redirected) holds it masked, gwadmin_abcd….
#
#   GATEWAY_PORT       gateway HTTP port                  (default 8080)
#   SIMULATOR_PORT     model simulator port               (default 8090)
#   AZURITE_PORT       Azurite table port                 (default 10002)
#   SILO_PORT          Orleans silo-to-silo port          (default 11111)
#   ORLEANS_GATEWAY_PORT  Orleans client gateway port     (default 30000)
#   A second instance beside the first needs all five ports (and GATEWAY_DATA_DIR) of its own.
#   GATEWAY_DATA_DIR   Azurite data folder                (default ./.data); also holds the generated
#                      audit chain secret (audit-chain.secret) unless Gateway__Audit__ChainSecret is set
#   GATEWAY_DASHBOARD  serve the Orleans Dashboard at /console/dashboard/ (default true here; off in the product's defaults)
#   GATEWAY_ADMIN_KEY  admin key to accept; otherwise one is generated at first start, shown once
#   OPENAI_API_KEY     when set, OpenAI-format requests go to api.openai.com instead of the simulator
#   ANTHROPIC_API_KEY  when set, Anthropic requests go to api.anthropic.com instead of the simulator
#
#   ./run.sh --fleet   a local fleet instead: two silos and two front-ends (plus Azurite and the
#                      simulator), every port picked free, data in .data-fleet (GATEWAY_DATA_DIR);
#                      kill a silo and watch its keys move to the other.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/azurite.sh

FLEET=0
for arg in "$@"; do
  case "$arg" in
    --fleet) FLEET=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option '$arg' (./run.sh [--fleet])" >&2; exit 2 ;;
  esac
done
if [ "$FLEET" = 1 ]; then
  # Every port free, picked now: a fleet never collides with a ./run.sh beside it.
  GATEWAY_PORT="$(free_port)"; SIMULATOR_PORT="${SIMULATOR_PORT:-$(free_port)}"; AZURITE_PORT="$(free_port)"
  SILO_PORT="$(free_port)"; ORLEANS_GATEWAY_PORT="$(free_port)"
  FRONTEND2_PORT="$(free_port)"; SILO2_PORT="$(free_port)"; ORLEANS_GATEWAY2_PORT="$(free_port)"
  SILO_HTTP_PORT="$(free_port)"; SILO2_HTTP_PORT="$(free_port)"
  GATEWAY_DATA_DIR="${GATEWAY_DATA_DIR:-.data-fleet}"
fi

GATEWAY_PORT="${GATEWAY_PORT:-8080}"
SIMULATOR_PORT="${SIMULATOR_PORT:-8090}"
AZURITE_PORT="${AZURITE_PORT:-10002}"
SILO_PORT="${SILO_PORT:-11111}"
ORLEANS_GATEWAY_PORT="${ORLEANS_GATEWAY_PORT:-30000}"
DATA_DIR="${GATEWAY_DATA_DIR:-.data}"
mkdir -p "$DATA_DIR"
DATA_DIR="$(cd "$DATA_DIR" && pwd)"

# The gateway hands a generated admin key over in a file only this user can read, never on its output.
key_dir="$(mktemp -d)"
chmod 700 "$key_dir"
key_file="$key_dir/admin-key"

pids=()
cleanup() {
  trap - INT TERM EXIT
  rm -rf "$key_dir"
  echo
  echo "==> Stopping"
  # Newest first: the gateway leaves the cluster while its storage is still there.
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    pid="${pids[$i]}"
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup INT TERM EXIT

# Every port this run listens on must be free: a silo on a taken Orleans port would fail, or find
# another instance's cluster, instead of starting one of its own.
for setting in GATEWAY_PORT SILO_PORT ORLEANS_GATEWAY_PORT; do
  if port_open "${!setting}"; then
    echo "error: port ${!setting} ($setting) is already in use, perhaps by another ./run.sh; set $setting to a free port" >&2
    exit 1
  fi
done
if { [ -z "${OPENAI_API_KEY:-}" ] || [ -z "${ANTHROPIC_API_KEY:-}" ]; } && port_open "$SIMULATOR_PORT"; then
  echo "error: port $SIMULATOR_PORT (SIMULATOR_PORT) is already in use, perhaps by another ./run.sh; set SIMULATOR_PORT to a free port" >&2
  exit 1
fi

ensure_node_modules
echo "==> Building (Release)"
dotnet build src/Gateway.Host -c Release -nologo -clp:ErrorsOnly -v:q
dotnet build src/Gateway.Simulator -c Release -nologo -clp:ErrorsOnly -v:q

echo "==> Starting Azurite on 127.0.0.1:$AZURITE_PORT (data in $DATA_DIR/azurite)"
AZURITE_OWN_SESSION=1 start_azurite "$AZURITE_PORT" "$DATA_DIR/azurite" "$DATA_DIR/azurite.log"
pids+=("$AZURITE_PID")

upstream_args=()
simulator_url="http://127.0.0.1:$SIMULATOR_PORT"
if [ -z "${OPENAI_API_KEY:-}" ] || [ -z "${ANTHROPIC_API_KEY:-}" ]; then
  echo "==> Starting the model simulator on $simulator_url"
  dotnet src/Gateway.Simulator/bin/Release/net10.0/Gateway.Simulator.dll --urls "$simulator_url" >"$DATA_DIR/simulator.log" 2>&1 &
  pids+=("$!")
fi
if [ -n "${OPENAI_API_KEY:-}" ]; then
  upstream_args+=(--Gateway:Upstreams:OpenAI:BaseUrl https://api.openai.com)
  openai_upstream="OpenAI (api.openai.com)"
else
  upstream_args+=(--Gateway:Upstreams:OpenAI:BaseUrl "$simulator_url")
  openai_upstream="model simulator ($simulator_url)"
fi
if [ -n "${ANTHROPIC_API_KEY:-}" ]; then
  upstream_args+=(--Gateway:Upstreams:Anthropic:BaseUrl https://api.anthropic.com)
  anthropic_upstream="Anthropic (api.anthropic.com)"
else
  upstream_args+=(--Gateway:Upstreams:Anthropic:BaseUrl "$simulator_url")
  anthropic_upstream="model simulator ($simulator_url)"
fi

# One gateway process: <log name> <role> <http port> [more arguments]; its output goes to its log.
start_gateway() {
  local name="$1" role="$2" port="$3"
  shift 3
  GATEWAY_STORAGE="$GATEWAY_STORAGE_CONNECTION" dotnet src/Gateway.Host/bin/Release/net10.0/Gateway.Host.dll \
    --urls "http://127.0.0.1:$port" --role "$role" "$@" \
    --Gateway:Audit:ChainSecretFile "$DATA_DIR/audit-chain.secret" \
    --Gateway:Console:Dashboard "${GATEWAY_DASHBOARD:-true}" \
    > >(tee "$DATA_DIR/$name.log") 2>&1 &
  pids+=("$!")
  last_pid="$!"
}

# Waits for <url> to answer 200; names <log> when it does not within a minute.
wait_ready() {
  for _ in $(seq 1 300); do
    if curl -fs "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "error: $1 did not become ready; see $2" >&2
  exit 1
}

if [ "$FLEET" = 1 ]; then
  cluster=(--Gateway:Cluster:ClusterId gateway-fleet)
  echo "==> Starting two silos (silo ports $SILO_PORT, $SILO2_PORT)"
  start_gateway silo1 silo "$SILO_HTTP_PORT" "${cluster[@]}" --Gateway:Cluster:SiloPort "$SILO_PORT" --Gateway:Cluster:GatewayPort "$ORLEANS_GATEWAY_PORT"
  silo1_pid="$last_pid"
  start_gateway silo2 silo "$SILO2_HTTP_PORT" "${cluster[@]}" --Gateway:Cluster:SiloPort "$SILO2_PORT" --Gateway:Cluster:GatewayPort "$ORLEANS_GATEWAY2_PORT"
  silo2_pid="$last_pid"
  wait_ready "http://127.0.0.1:$SILO_HTTP_PORT/healthz" "$DATA_DIR/silo1.log"
  wait_ready "http://127.0.0.1:$SILO2_HTTP_PORT/healthz" "$DATA_DIR/silo2.log"
  echo "==> Starting two front-ends on http://127.0.0.1:$GATEWAY_PORT and http://127.0.0.1:$FRONTEND2_PORT"
  # The first front-end makes the admin key if there is none; the second starts once it has.
  start_gateway frontend1 frontend "$GATEWAY_PORT" "${cluster[@]}" --Gateway:AdminKeyFile "$key_file" "${upstream_args[@]}" --Gateway:Frontend:InstanceId fe-1
  wait_ready "http://127.0.0.1:$GATEWAY_PORT/readyz" "$DATA_DIR/frontend1.log"
  start_gateway frontend2 frontend "$FRONTEND2_PORT" "${cluster[@]}" "${upstream_args[@]}" --Gateway:Frontend:InstanceId fe-2
  wait_ready "http://127.0.0.1:$FRONTEND2_PORT/readyz" "$DATA_DIR/frontend2.log"
else
  echo "==> Starting the gateway (all-in-one) on http://127.0.0.1:$GATEWAY_PORT"
  start_gateway gateway all "$GATEWAY_PORT" --Gateway:AdminKeyFile "$key_file" "${upstream_args[@]}" \
    --Gateway:Cluster:SiloPort "$SILO_PORT" --Gateway:Cluster:GatewayPort "$ORLEANS_GATEWAY_PORT"
  wait_ready "http://127.0.0.1:$GATEWAY_PORT/readyz" "$DATA_DIR/gateway.log"
fi

# What a log may show of a key: the prefix and four characters of a generated one.
mask() {
  if [[ "$1" == gwadmin_* ]] && [ "${#1}" -ge 40 ]; then printf '%s…' "${1:0:12}"; else printf '…'; fi
}

if [ -n "${GATEWAY_ADMIN_KEY:-}" ]; then
  admin_line="$(mask "$GATEWAY_ADMIN_KEY") (from GATEWAY_ADMIN_KEY)"
elif [ -s "$key_file" ]; then
  generated="$(head -n1 "$key_file")"
  rm -f "$key_file"
  if [ -t 1 ]; then
    # This output is the terminal itself: the banner shows the key.
    admin_line="$generated (generated now, shown this once: only its hash is stored)"
  elif { printf '\n  Admin key (shown once; only its hash is stored, so save it now):\n    %s\n\n' "$generated" >/dev/tty; } 2>/dev/null; then
    admin_line="$(mask "$generated") (generated now; shown once on the terminal, not in this output)"
  else
    # No terminal at all (CI, a service): the key stays in a file only this user can read.
    (umask 077 && printf '%s\n' "$generated" >"$DATA_DIR/admin-key")
    admin_line="$(mask "$generated") (generated now; no terminal to show it on, so it is in $DATA_DIR/admin-key, mode 600: store it, then delete the file)"
  fi
  unset generated
else
  admin_line="generated at an earlier start and shown then (only its hash is stored); set GATEWAY_ADMIN_KEY to choose one"
fi

if [ "$FLEET" = 1 ]; then
  cat <<FLEET

  Front-ends http://127.0.0.1:$GATEWAY_PORT  and  http://127.0.0.1:$FRONTEND2_PORT   (either serves any key)
  Silos      silo1 pid $silo1_pid (silo port $SILO_PORT), silo2 pid $silo2_pid (silo port $SILO2_PORT); logs in $DATA_DIR
  Failover   kill $silo1_pid   then   gatewayctl keys show <keyId>   (its grain reactivates on silo2)
  Metrics    http://127.0.0.1:$SILO_HTTP_PORT/metrics  and  http://127.0.0.1:$SILO2_HTTP_PORT/metrics  (each silo's grains; Bearer <admin key>)
FLEET
fi

cat <<BANNER

  Gateway    http://127.0.0.1:$GATEWAY_PORT   (OpenAI base URL: http://127.0.0.1:$GATEWAY_PORT/v1)
  Admin key  $admin_line
  OpenAI     -> $openai_upstream
  Anthropic  -> $anthropic_upstream
  Storage    Azurite on 127.0.0.1:$AZURITE_PORT, data in $DATA_DIR/azurite

  Mint a key:  GATEWAY_ADMIN_KEY=<admin key> gatewayctl keys create --user alice --create-user --cap 20
  (gatewayctl, once: dotnet pack src/Gateway.Cli -o artifacts && dotnet tool install -g --add-source artifacts Gateway.Cli)
  Ctrl-C stops everything.

BANNER
wait
