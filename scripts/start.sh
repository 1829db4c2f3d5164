#!/usr/bin/env bash
# Starts the whole stack in the foreground: Temporal dev server (SQLite under .metalflow/, Web UI),
# the host worker, the boot-services worker, and (unless --no-lab) an emulated lab of hosts, some of
# them provisioned.
# Each worker runs under the supervisor (src/supervisor): one that dies is restarted with backoff
# and the restart shown here. Ctrl-C stops everything.
#   --no-lab          start without the emulated lab
#   --lab-hosts N     number of emulated hosts (default 5; METALFLOW_LAB_HOSTS)
#   --lab-bmc KIND    redfish (default: sushy-tools Redfish BMCs, with
#                     simulated agents speaking the Ironic agent protocol) or fake (in-process
#                     fake driver, fastest; METALFLOW_LAB_BMC) or qemu (root: QEMU machines
#                     behind ipmi_sim, network-booted into the stock IPA ramdisk by a boot worker
#                     on a lab bridge, provisioned with the test image; 2 hosts unless --lab-hosts)
#                     or vmedia (root: libvirt + QEMU UEFI machines behind sushy-tools' libvirt
#                     driver, redfish-virtualmedia hosts on a bridge without DHCP; 1 host unless --lab-hosts)
#   --lab-fail LIST   redfish lab only: inject agent failures, e.g. lab-1:inspect,lab-2:clean:2
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
lab=1
lab_hosts="${METALFLOW_LAB_HOSTS:-}"
lab_bmc="${METALFLOW_LAB_BMC:-redfish}"
lab_fail=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-lab) lab=0 ;;
    --lab-hosts) lab_hosts="$2"; shift ;;
    --lab-bmc) lab_bmc="$2"; shift ;;
    --lab-fail) lab_fail="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "$lab_hosts" ]; then if [ "$lab_bmc" = qemu ]; then lab_hosts=2; elif [ "$lab_bmc" = vmedia ]; then lab_hosts=1; else lab_hosts=5; fi; fi

bash scripts/setup.sh
export METALFLOW_DATA_DIR="${METALFLOW_DATA_DIR:-$root/.metalflow}"
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:${TEMPORAL_PORT:-7233}}"
export TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-metalflow}"
mkdir -p "$METALFLOW_DATA_DIR/logs"
temporal="$("$root/scripts/ensure-temporal.sh")"

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo "stopping..." >&2
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if [ -z "${METALFLOW_EXTERNAL_TEMPORAL:-}" ]; then
  bash scripts/temporal-dev.sh >"$METALFLOW_DATA_DIR/logs/temporal.log" 2>&1 &
  pids+=($!)
  echo "==> waiting for Temporal at $TEMPORAL_ADDRESS" >&2
  for _ in $(seq 1 60); do
    if "$temporal" operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then break; fi
    sleep 1
  done
fi

# Sealing keys: created once in the data dir (never overwritten); workers refuse to start without them.
node bin/metalflow.js keys create --if-missing

# The lab's emulated machines wait out BMC power delays: keep backoffs short there.
if [ "$lab" = 1 ]; then export METALFLOW_BACKOFF_UNIT="${METALFLOW_BACKOFF_UNIT:-10s}"; fi
# `node --import tsx`, not `npx tsx`: tsx's CLI re-sends a signal its child has not acknowledged
# within 30 ms and then SIGKILLs it, which under load cut the lab's clean-up (namespaces) short.
# The supervisor appends the worker's output to the log and reports exits and restarts here.
supervise() {
  local name="$1" log="$2"
  shift 2
  node --import tsx src/supervisor/main.ts --name "$name" --log "$log" -- "$@" &
  pids+=($!)
}
# /metrics, /healthz, /readyz of each worker, on loopback (src/config/metrics-settings.ts).
worker_metrics="${METALFLOW_WORKER_METRICS_PORT:-9464}"
boot_metrics="${METALFLOW_BOOT_METRICS_PORT:-9465}"
METALFLOW_METRICS_PORT="$worker_metrics" supervise "host worker" "$METALFLOW_DATA_DIR/logs/worker.log" node --import tsx src/worker/main.ts
echo "==> host worker started (logs: $METALFLOW_DATA_DIR/logs/worker.log)" >&2
export METALFLOW_AGENT_API_HOST="${METALFLOW_AGENT_API_HOST:-127.0.0.1}"
export METALFLOW_AGENT_API_PORT="${METALFLOW_AGENT_API_PORT:-6385}"
METALFLOW_METRICS_PORT="$boot_metrics" supervise "boot services worker" "$METALFLOW_DATA_DIR/logs/boot.log" node --import tsx src/worker/boot-main.ts
echo "==> boot services worker started, agent API on $METALFLOW_AGENT_API_HOST:$METALFLOW_AGENT_API_PORT (logs: $METALFLOW_DATA_DIR/logs/boot.log)" >&2

if [ "$lab" = 1 ]; then
  manifest="$METALFLOW_DATA_DIR/lab.yaml"
  rm -f "$manifest"
  node --import tsx lab/main.ts --hosts "$lab_hosts" --bmc "$lab_bmc" --dir "$METALFLOW_DATA_DIR/lab" --out "$manifest" \
    --port "${METALFLOW_LAB_REDFISH_PORT:-8000}" --agent-api "http://127.0.0.1:$METALFLOW_AGENT_API_PORT" --fail "$lab_fail" \
    2>>"$METALFLOW_DATA_DIR/logs/lab.log" &
  lab_pid=$!
  pids+=($lab_pid)
  # The QEMU lab may first build the agent ramdisk and the test image (minutes, then cached).
  for _ in $(seq 1 1200); do
    [ -s "$manifest" ] && break
    kill -0 "$lab_pid" 2>/dev/null || { echo "the lab did not start (see $METALFLOW_DATA_DIR/logs/lab.log)" >&2; exit 1; }
    sleep 1
  done
  node bin/metalflow.js apply -f "$manifest"
fi

cat <<MSG

metalflow is running.
  Temporal UI:  http://localhost:${TEMPORAL_UI_PORT:-8233}/namespaces/$TEMPORAL_NAMESPACE/workflows
  Hosts:        node bin/metalflow.js get -A        (or: npm run metalflow -- watch -A)
  Filter:       $temporal workflow list -n $TEMPORAL_NAMESPACE --query "BmhState='provisioned'"
  Logs:         $METALFLOW_DATA_DIR/logs/
  Metrics:      http://127.0.0.1:$worker_metrics/metrics (host worker), http://127.0.0.1:$boot_metrics/metrics (boot worker); /healthz, /readyz
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
