# shellcheck shell=bash
# Output of the host scripts: colour only where it belongs, messages, the mode line, progress, and the small
# text formats (durations, sizes). Exit codes: actions follow the LSB init-script convention, status.sh the
# LSB status convention.

readonly SERVICE=anthropic-proxy
readonly EXIT_FAILED=1 EXIT_USAGE=2 EXIT_NOT_INSTALLED=5 EXIT_NOT_CONFIGURED=6
readonly STATUS_OK=0 STATUS_DEAD=1 STATUS_STOPPED=3 STATUS_UNHEALTHY=4

# Colour only on a terminal, never with NO_COLOR (https://no-color.org) or TERM=dumb.
colour_wanted() { [[ -t $1 && -z ${NO_COLOR:-} && ${TERM:-} != dumb ]]; }
if colour_wanted 1; then
  BOLD=$'\e[1m' GREEN=$'\e[32m' DIM=$'\e[2m' RESET=$'\e[0m'
else
  BOLD='' GREEN='' DIM='' RESET=''
fi
if colour_wanted 2; then
  ERR_RED=$'\e[31m' ERR_YELLOW=$'\e[33m' ERR_RESET=$'\e[0m'
else
  ERR_RED='' ERR_YELLOW='' ERR_RESET=''
fi

say() { printf '%s\n' "$*"; }
ok() { printf '%s%s%s\n' "$GREEN" "$*" "$RESET"; }
warn() { printf '%swarning:%s %s\n' "$ERR_YELLOW" "$ERR_RESET" "$*" >&2; }
error() { printf '%serror:%s %s\n' "$ERR_RED" "$ERR_RESET" "$*" >&2; }
fix() { printf '  fix: %s\n' "$*" >&2; }

# status.sh keeps to the LSB status codes: whatever stops it early (bad argument, bad setting, docker not
# usable) leaves the status unknown, which is 4. cmd_status sets STATUS_ONLY.
STATUS_ONLY=''
die() { # CODE MESSAGE...
  local code=$1
  shift
  [[ -z $STATUS_ONLY ]] || code=$STATUS_UNHEALTHY
  error "$*"
  exit "$code"
}
usage_error() {
  local code=$EXIT_USAGE
  [[ -z $STATUS_ONLY ]] || code=$STATUS_UNHEALTHY
  error "$*"
  printf 'Run %s --help for the options.\n' "$SCRIPT" >&2
  exit "$code"
}

# The first line of every action: which mode it acts in, and why.
mode_line() { printf '%s%s %s:%s %s mode %s(%s)%s\n' "$BOLD" "$SERVICE" "$1" "$RESET" "$MODE" "$DIM" "$MODE_WHY" "$RESET"; }

# Progress on one line: "waiting for ... .... healthy after 1.2s".
progress() { printf '%s' "$*"; }
progress_end() { printf ' %s\n' "$*"; }

# One row of status.sh's text report; nothing when the value is empty.
field() { [[ -z $2 ]] || printf '  %-10s %s\n' "$1:" "$2"; }

now_ms() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then
    local micros=${EPOCHREALTIME/[.,]/}
    printf '%s' "$((10#$micros / 1000))"
  else
    printf '%s' "$(($(date +%s) * 1000))"
  fi
}

# 1234 -> "1.2s"
seconds_text() { printf '%d.%ds' "$(($1 / 1000))" "$((($1 % 1000) / 100))"; }

# 93784 -> "1d 2h 3m 4s"
duration_text() {
  local s=$1 text=''
  (( s >= 86400 )) && text="$((s / 86400))d "
  (( s >= 3600 )) && text="$text$((s % 86400 / 3600))h "
  (( s >= 60 )) && text="$text$((s % 3600 / 60))m "
  printf '%s%ss' "$text" "$((s % 60))"
}

size_text() {
  local b=$1
  if (( b < 1024 )); then printf '%s B' "$b"
  elif (( b < 1048576 )); then printf '%s.%s KiB' "$((b / 1024))" "$((b % 1024 * 10 / 1024))"
  else printf '%s.%s MiB' "$((b / 1048576))" "$((b % 1048576 * 10 / 1048576))"
  fi
}

file_bytes() { if [[ -f $1 ]]; then printf '%s' "$(($(wc -c <"$1")))"; else printf '0'; fi; }

with_timeout() {
  local seconds=$1
  shift
  if command -v timeout >/dev/null 2>&1; then timeout "$seconds" "$@"; else "$@"; fi
}
