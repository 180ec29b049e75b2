#!/usr/bin/env bash
# Stops anthropic-proxy: SIGTERM, a bounded wait for the drain, then SIGKILL.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCRIPT=./stop.sh
FLAGS='--down'
USAGE="$(cat <<'TEXT'
Usage: ./stop.sh [--down] [--mode docker|pid|auto]

Stops anthropic-proxy in the mode it is running in (a live PID file means pid mode, a running compose
service docker mode).
  pid mode:    SIGTERM, waits up to STOP_TIMEOUT seconds for the graceful drain, then SIGKILL; removes the
               PID file (a stale one too)
  docker mode: docker compose stop (docker compose down with --down); -t STOP_TIMEOUT only when it is
               set, else compose waits the stop_grace_period of docker-compose.yml
Nothing running: says so and exits 0.

Options:
  --down          docker mode: remove the containers too (docker compose down)
  --mode MODE     docker, pid or auto (default: $PROXY_MODE, else auto: docker when a Docker
                  engine answers and compose is available, else pid)
  -h, --help      show this help

Environment (also read from .env): PROXY_MODE, PID_FILE (anthropic-proxy.pid), STOP_TIMEOUT (15 in pid mode).
Exit codes: 0 stopped or not running, 1 failed, 2 bad arguments.
TEXT
)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
cmd_stop "$@"
