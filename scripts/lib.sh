# shellcheck shell=bash
# Shared logic of the host scripts run.sh, start.sh, stop.sh, status.sh and restart.sh (sourced, never run).
# The caller sets ROOT (the repository root), SCRIPT (its own name), USAGE (its --help text) and FLAGS (the
# options it accepts besides --mode and --help), then calls one cmd_* function.
#
# Two ways to run the service:
#   pid mode     the built service (node dist/main.js) in the background, tracked by a PID file
#   docker mode  the compose service "anthropic-proxy" (docker compose v2, or docker-compose v1)
# One file per concern under scripts/lib/; functions hand results back on stdout (records.sh).

# shellcheck source=scripts/lib/output.sh
. "$ROOT/scripts/lib/output.sh"
# shellcheck source=scripts/lib/records.sh
. "$ROOT/scripts/lib/records.sh"
# shellcheck source=scripts/lib/settings.sh
. "$ROOT/scripts/lib/settings.sh"
# shellcheck source=scripts/lib/http.sh
. "$ROOT/scripts/lib/http.sh"
# shellcheck source=scripts/lib/pid.sh
. "$ROOT/scripts/lib/pid.sh"
# shellcheck source=scripts/lib/docker.sh
. "$ROOT/scripts/lib/docker.sh"
# shellcheck source=scripts/lib/commands.sh
. "$ROOT/scripts/lib/commands.sh"
