#!/usr/bin/env bash
# Reports whether anthropic-proxy runs and answers; LSB status exit codes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCRIPT=./status.sh
FLAGS='--quiet --json'
USAGE="$(cat <<'TEXT'
Usage: ./status.sh [--quiet | --json] [--mode docker|pid|auto]

Reports on anthropic-proxy in the mode it is running in.
  pid mode:    PID, command line, start time, uptime, the answer of GET / (status, version, latency),
               readiness (GET /readyz), log files with their sizes
  docker mode: container name, state, health, image, published port, the answers of GET / and /readyz
Healthy means GET /readyz answers 200: a draining service (after SIGTERM) answers 503 and is reported as such.

Options:
  -q, --quiet     print nothing, only set the exit code (for probes)
  --json          print one JSON object
  --mode MODE     docker, pid or auto (default: $PROXY_MODE, else auto: docker when a Docker
                  engine answers and compose is available, else pid)
  -h, --help      show this help

Environment (also read from .env): PROXY_MODE, PORT, HOST, PID_FILE, LOG_DIR.
Exit codes (LSB): 0 running and healthy, 1 dead but the PID file exists, 3 not running,
4 unknown: running but draining, not ready or not answering; also a bad argument or setting, or docker
mode not usable here.
TEXT
)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
cmd_status "$@"
