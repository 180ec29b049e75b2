#!/usr/bin/env bash
# Restarts anthropic-proxy: stop (if running), start, verify.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCRIPT=./restart.sh
FLAGS=''
USAGE="$(cat <<'TEXT'
Usage: ./restart.sh [--mode docker|pid|auto]

Stops anthropic-proxy if it runs (in the mode it runs in), starts it again and waits until it is healthy.

Options:
  --mode MODE     docker, pid or auto (default: $PROXY_MODE, else auto: docker when a Docker
                  engine answers and compose is available, else pid)
  -h, --help      show this help

Environment (also read from .env): PROXY_MODE, PORT, HOST, PID_FILE, LOG_DIR, STOP_TIMEOUT, START_TIMEOUT.
Exit codes: 0 running and healthy again, 1 failed (the reason is printed), 2 bad arguments,
5 something is not installed or built, 6 bad setting.
TEXT
)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
cmd_restart "$@"
