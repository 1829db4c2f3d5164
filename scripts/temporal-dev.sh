#!/usr/bin/env bash
# Runs the Temporal dev server (SQLite file, Web UI, our namespace and search attributes).
# SQLite in WAL mode with synchronous=NORMAL, as lab/temporal-dev-server.ts (DEV_SERVER_SQLITE_PRAGMAS): why there.
# Env: METALFLOW_DATA_DIR (.metalflow), TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233),
#      TEMPORAL_NAMESPACE (metalflow), TEMPORAL_IP (127.0.0.1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${METALFLOW_DATA_DIR:-$root/.metalflow}"
mkdir -p "$data"
temporal="$("$root/scripts/ensure-temporal.sh")"
exec "$temporal" server start-dev \
  --db-filename "$data/temporal.sqlite" \
  --sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=NORMAL \
  --ip "${TEMPORAL_IP:-127.0.0.1}" \
  --port "${TEMPORAL_PORT:-7233}" \
  --ui-port "${TEMPORAL_UI_PORT:-8233}" \
  --namespace "${TEMPORAL_NAMESPACE:-metalflow}" \
  --search-attribute BmhName=Keyword \
  --search-attribute BmhNamespace=Keyword \
  --search-attribute BmhState=Keyword \
  --search-attribute BmhOperationalStatus=Keyword \
  --search-attribute BmhErrorType=Keyword \
  --search-attribute BmhPoweredOn=Bool \
  --ui-disable-news-fetch \
  --log-level warn "$@"
