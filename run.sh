#!/usr/bin/env bash
# Runs anthropic-proxy in the foreground (or hands over to start.sh with --background).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCRIPT=./run.sh
FLAGS='--background'
USAGE="$(cat <<'TEXT'
Usage: ./run.sh [--background] [--mode docker|pid|auto]

Runs anthropic-proxy in the foreground until Ctrl-C.
  pid mode:    checks Node (engines in package.json), dependencies and a current build, then runs node dist/main.js
  docker mode: docker compose up (docker-compose where compose v2 is absent)

Options:
  -b, --background  start in the background instead (same as ./start.sh)
  --mode MODE     docker, pid or auto (default: $PROXY_MODE, else auto: docker when a Docker
                  engine answers and compose is available, else pid)
  -h, --help      show this help

Environment: PROXY_MODE, PORT, HOST, LOG_DIR (also read from .env). Exit codes: 0 ok, 1 failed,
2 bad arguments, 5 something is not installed or built (the fix command is printed).
TEXT
)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
cmd_run "$@"
