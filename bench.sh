#!/usr/bin/env bash
# Runs the gateway benchmark from a fresh clone: installs Azurite if needed, starts it unless one is
# already listening on 10002, and passes every argument on to the benchmark (try --help).
# BENCH_PRIVATE_AZURITE=1 starts a private Azurite even then: a test suite sharing the one on 10002
# competes for it, and may wipe or stop it in the middle of a run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

if [[ ! -x node_modules/.bin/azurite-table ]]; then
  echo "Installing Azurite (npm ci)…" >&2
  npm ci --no-audit --no-fund >&2
fi

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  # Port 0 asks the kernel; the port is released again before Azurite binds it, a race we accept locally.
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

azurite_pid=""
azurite_dir=""
bench_pid=""
cleanup() {
  if [[ -n "$bench_pid" ]] && kill -0 "$bench_pid" 2>/dev/null; then
    # dotnet run does not pass SIGTERM on to the program it started, so the program is told directly.
    pkill -TERM -P "$bench_pid" 2>/dev/null || true
    kill -TERM "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  if [[ -n "$azurite_pid" ]]; then
    kill "$azurite_pid" 2>/dev/null || true
    wait "$azurite_pid" 2>/dev/null || true
  fi
  if [[ -n "$azurite_dir" ]]; then
    rm -rf "$azurite_dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ "${BENCH_PRIVATE_AZURITE:-0}" == 1 ]] || { [[ -z "${GATEWAY_TEST_STORAGE:-}" ]] && ! port_open 10002; }; then
  port="$(free_port)"
  azurite_dir="$(mktemp -d -t gateway-bench-azurite.XXXXXX)"
  echo "Starting Azurite on 127.0.0.1:$port ($([[ "${BENCH_AZURITE_ON_DISK:-0}" == 1 ]] && echo "data in $azurite_dir" || echo "data in memory"))…" >&2
  # A session of its own, so a Ctrl+C reaches the benchmark but not the storage it is still shutting down against.
  # Azurite keeps the benchmark's tables in memory only (they are thrown away anyway): its periodic
  # save of the whole database to disk, which Azure Table Storage has no equivalent of, would
  # otherwise compete with the gateway for the same two cores. BENCH_AZURITE_ON_DISK=1 keeps it.
  if [[ "${BENCH_AZURITE_ON_DISK:-0}" == 1 ]]; then
    storage_args=(--location "$azurite_dir")
  else
    storage_args=(--inMemoryPersistence)
  fi
  setsid node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort "$port" "${storage_args[@]}" \
    --skipApiVersionCheck --silent --disableTelemetry >"$azurite_dir/azurite.log" 2>&1 &
  azurite_pid=$!
  # The benchmark reads this process's CPU time to print what storage spent per response.
  export BENCH_AZURITE_PID="$azurite_pid"
  for _ in $(seq 1 150); do
    if port_open "$port"; then break; fi
    if ! kill -0 "$azurite_pid" 2>/dev/null; then
      echo "Azurite exited before it listened:" >&2
      cat "$azurite_dir/azurite.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  if ! port_open "$port"; then
    echo "Azurite did not listen on $port within 15 s." >&2
    exit 1
  fi
  # The well-known Azurite development account; only the table endpoint moves.
  export GATEWAY_TEST_STORAGE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$port/devstoreaccount1;"
fi

# In the background and waited for, so that a signal to this script runs the trap at once instead of
# after the benchmark; not exec, because the trap has to outlive the benchmark to stop Azurite.
dotnet run -c Release --project bench/Gateway.Benchmarks -- "$@" &
bench_pid=$!
wait "$bench_pid"
