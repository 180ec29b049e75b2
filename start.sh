#!/usr/bin/env bash
# Starts anthropic-proxy in the background and waits until it answers as healthy.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCRIPT=./start.sh
FLAGS=''
USAGE="$(cat <<'TEXT'
Usage: ./start.sh [--mode docker|pid|auto]

Starts anthropic-proxy in the background and waits until it is healthy (exit 0 only then).
  pid mode:    nohup node dist/main.js, PID in anthropic-proxy.pid, waits for GET /healthz; output before
               the logger exists (a configuration error, a crash) lands in logs/server_error.log
  docker mode: docker compose up -d, then waits for the container's healthcheck
Already running: says so and exits 0 (in auto mode a running instance, pid or docker, decides the mode).
A stale PID file is reported and replaced.

Options:
  --mode MODE     docker, pid or auto (default: $PROXY_MODE, else auto: docker when a Docker
                  engine answers and compose is available, else pid)
  -h, --help      show this help

Environment (also read from .env): PROXY_MODE, PORT (5000), HOST, LOG_DIR (logs), PID_FILE
(anthropic-proxy.pid), START_TIMEOUT (seconds: 30 in pid mode, 90 in docker mode).
Exit codes: 0 running and healthy, 1 failed to start (the reason is printed), 2 bad arguments,
5 something is not installed or built (the fix command is printed), 6 bad setting.
TEXT
)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
cmd_start "$@"
