# shellcheck shell=bash
# Shared logic of the host scripts run.sh, start.sh, stop.sh, status.sh and restart.sh (sourced, never run).
# The caller sets ROOT (the repository root), SCRIPT (its own name), USAGE (its --help text) and FLAGS (the
# options it accepts besides --mode and --help), then calls one cmd_* function.
#
# Two ways to run the service:
#   pid mode     the built service (node dist/main.js) in the background, tracked by a PID file
#   docker mode  the compose service "anthropic-proxy" (docker compose v2, or docker-compose v1)
# Settings come from the environment, else from $ROOT/.env, else defaults: the order the service itself uses.

readonly SERVICE=anthropic-proxy
# Used only when package.json has no "engines": {"node": ">=X.Y.Z"}, which is what check_node enforces.
readonly MIN_NODE_FALLBACK=22.19.0
# As in the image and `npm start`: a small young generation keeps peak RSS down under load.
readonly SERVICE_NODE_FLAG=--max-semi-space-size=8

# Exit codes. Actions follow the LSB init-script convention, status.sh the LSB status convention.
readonly EXIT_FAILED=1 EXIT_USAGE=2 EXIT_NOT_INSTALLED=5 EXIT_NOT_CONFIGURED=6
readonly STATUS_OK=0 STATUS_DEAD=1 STATUS_STOPPED=3 STATUS_UNHEALTHY=4

# ---------------------------------------------------------------- output

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
# usable) leaves the status unknown, which is 4.
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

# ---------------------------------------------------------------- small utilities

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

file_bytes() { if [[ -f $1 ]]; then printf '%s' "$(($(wc -c <"$1")))"; else printf '0'; fi; }

size_text() {
  local b=$1
  if (( b < 1024 )); then printf '%s B' "$b"
  elif (( b < 1048576 )); then printf '%s.%s KiB' "$((b / 1024))" "$((b % 1024 * 10 / 1024))"
  else printf '%s.%s MiB' "$((b / 1048576))" "$((b % 1048576 * 10 / 1048576))"
  fi
}

json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# A JSON string, or null when empty.
json_string_or_null() { if [[ -n $1 ]]; then json_string "$1"; else printf 'null'; fi; }
json_number_or_null() { if [[ -n $1 ]]; then printf '%s' "$1"; else printf 'null'; fi; }

# The value of a top-level string field in a flat JSON object, e.g. json_field status '{"status":"ok"}'.
json_field() {
  local pattern="\"$1\":\"([^\"]*)\""
  if [[ $2 =~ $pattern ]]; then printf '%s' "${BASH_REMATCH[1]}"; fi
}

with_timeout() {
  local seconds=$1
  shift
  if command -v timeout >/dev/null 2>&1; then timeout "$seconds" "$@"; else "$@"; fi
}

# ---------------------------------------------------------------- settings

# setting NAME DEFAULT: the environment wins (even when empty), then the last NAME= line of .env, then DEFAULT.
setting() {
  local name=$1 default=${2-} line value='' found=''
  if [[ -n ${!name+set} ]]; then
    printf '%s' "${!name}"
    return 0
  fi
  if [[ -f $ROOT/.env ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
      line=${line%$'\r'}
      if [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*(.*)$ ]] \
        && [[ ${BASH_REMATCH[2]} == "$name" ]]; then
        value=${BASH_REMATCH[3]}
        found=1
      fi
    done <"$ROOT/.env"
  fi
  if [[ -z $found ]]; then
    printf '%s' "$default"
    return 0
  fi
  case $value in
    \"*|\'*)
      local quote=${value:0:1}
      value=${value:1}
      value=${value%%"$quote"*}
      ;;
    *)
      value=${value%%[[:space:]]#*}
      value=${value%"${value##*[![:space:]]}"}
      ;;
  esac
  printf '%s' "$value"
}

abs_path() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$ROOT" "$1" ;; esac; }

# Shown relative to the repository root when inside it.
pretty_path() { case $1 in "$ROOT"/*) printf '%s' "${1#"$ROOT"/}" ;; *) printf '%s' "$1" ;; esac; }

whole_number_setting() { # NAME DEFAULT
  local value
  value=$(setting "$1" "$2")
  [[ $value =~ ^[0-9]+$ ]] || die "$EXIT_NOT_CONFIGURED" "$1=\"$value\" is not a whole number of seconds; for example $1=$2"
  printf '%s' "$((10#$value))"
}

load_settings() {
  PORT_SETTING=$(setting PORT 5000)
  PORT_SETTING=${PORT_SETTING//[[:space:]]/}
  HOST_SETTING=$(setting HOST 0.0.0.0)
  HOST_SETTING=${HOST_SETTING//[[:space:]]/}
  PID_FILE_PATH=$(abs_path "$(setting PID_FILE "$SERVICE.pid")")
  # The service writes no files when LOG_DIR is empty; the scripts then keep what it prints in logs/.
  LOG_DIR_SETTING=$(setting LOG_DIR logs)
  LOG_PATH=$(abs_path "${LOG_DIR_SETTING:-logs}")
  MAIN_LOG="$LOG_PATH/server.log"
  ERROR_LOG="$LOG_PATH/server_error.log"
  STOP_TIMEOUT_S=$(whole_number_setting STOP_TIMEOUT 15)
  # Docker mode passes -t only when asked to: otherwise compose's stop_grace_period (longer than the
  # service's drain) applies, and a default of 15 s would cut it short.
  STOP_TIMEOUT_SET=$(setting STOP_TIMEOUT '')
}

# Where the host reaches the service: a wildcard listen address is probed on loopback.
probe_host() {
  case $1 in
    '' | 0.0.0.0 | :: | '[::]') printf '127.0.0.1' ;;
    \[*) printf '%s' "$1" ;;
    *:*) printf '[%s]' "$1" ;;
    *) printf '%s' "$1" ;;
  esac
}

require_fixed_port() {
  if [[ $PORT_SETTING =~ ^[0-9]+$ ]] && (( 10#$PORT_SETTING > 0 && 10#$PORT_SETTING <= 65535 )); then return 0; fi
  die "$EXIT_NOT_CONFIGURED" "PORT=\"$PORT_SETTING\" is not a port the scripts can probe (1 to 65535); for example PORT=5000"
}

# ---------------------------------------------------------------- HTTP probes (curl, else node)

# http_get URL TIMEOUT_SECONDS: sets HTTP_CODE ("000" when nothing answered), HTTP_BODY and HTTP_MS;
# returns 0 on a 2xx answer. PROXY_HTTP=node uses node even where curl exists.
http_get() {
  local url=$1 timeout=${2:-3} out last seconds whole fraction
  if [[ ${PROXY_HTTP:-} != node ]] && command -v curl >/dev/null 2>&1; then
    out=$(curl --noproxy '*' --silent --max-time "$timeout" --write-out '\n%{http_code} %{time_total}' "$url" 2>/dev/null) || true
  else
    # shellcheck disable=SC2016 # JavaScript, not shell
    out=$(node -e '
      const [url, seconds] = process.argv.slice(1);
      const started = performance.now();
      const took = () => ((performance.now() - started) / 1000).toFixed(6);
      fetch(url, { signal: AbortSignal.timeout(Number(seconds) * 1000) })
        .then(async (res) => { const body = await res.text(); process.stdout.write(`${body}\n${res.status} ${took()}`); })
        .catch(() => process.stdout.write(`\n000 ${took()}`));
    ' "$url" "$timeout" 2>/dev/null) || true
  fi
  [[ $out == *$'\n'* ]] || out=$'\n000 0'
  last=${out##*$'\n'}
  HTTP_BODY=${out%$'\n'*}
  HTTP_CODE=${last%% *}
  seconds=${last#* }
  seconds=${seconds/,/.}
  whole=${seconds%%.*}
  fraction="${seconds#*.}000"
  [[ $seconds == *.* ]] || fraction=000
  HTTP_MS=$((10#${whole:-0} * 1000 + 10#${fraction:0:3}))
  [[ $HTTP_CODE == 2?? ]]
}

# GET /readyz for the verdict, then GET / for the report (status, version): / answers 200 even while the
# service drains, /readyz turns 503 the moment the drain starts. Sets READY_CODE and READY_BODY, and HTTP_*
# from GET / for health_text and health_json.
probe_service() { # BASE_URL (ending in /)
  http_get "${1}readyz" 3 || true
  READY_CODE=$HTTP_CODE READY_BODY=$HTTP_BODY
  http_get "$1" 3 || true
}

# Sets ST_STATE, ST_CODE and ST_DETAIL from the answer of GET /readyz.
ready_verdict() {
  local status
  status=$(json_field status "$READY_BODY")
  if [[ $READY_CODE == 200 ]]; then
    ST_STATE='running' ST_CODE=$STATUS_OK ST_DETAIL='running and healthy'
  elif [[ $READY_CODE == 000 ]]; then
    ST_STATE='unhealthy' ST_CODE=$STATUS_UNHEALTHY ST_DETAIL='running but not answering (no answer from GET /readyz)'
  elif [[ $status == draining ]]; then
    ST_STATE='draining' ST_CODE=$STATUS_UNHEALTHY
    ST_DETAIL='running but draining (GET /readyz -> 503): it is shutting down and refuses new requests'
  else
    ST_STATE='unhealthy' ST_CODE=$STATUS_UNHEALTHY ST_DETAIL="running but not ready (GET /readyz -> $READY_CODE${status:+ $status})"
  fi
}

ready_text() {
  if [[ $READY_CODE == 000 ]]; then
    printf 'no answer from %sreadyz' "$1"
  else
    printf 'GET %sreadyz -> %s %s' "$1" "$READY_CODE" "$(json_field status "$READY_BODY")"
  fi
}

ready_json() {
  if [[ $READY_CODE == 000 ]]; then
    printf '{"url":%s,"http_status":null,"status":null}' "$(json_string "${1}readyz")"
  else
    printf '{"url":%s,"http_status":%s,"status":%s}' "$(json_string "${1}readyz")" "$((10#$READY_CODE))" \
      "$(json_string_or_null "$(json_field status "$READY_BODY")")"
  fi
}

# One line describing the last answer of GET /.
health_text() {
  if [[ $HTTP_CODE == 000 ]]; then
    printf 'no answer from %s' "$1"
  else
    printf 'GET %s -> %s %s, version %s, %s ms' "$1" "$HTTP_CODE" "$(json_field status "$HTTP_BODY")" \
      "$(json_field version "$HTTP_BODY")" "$HTTP_MS"
  fi
}

health_json() {
  if [[ $HTTP_CODE == 000 ]]; then
    printf '{"url":%s,"http_status":null,"status":null,"version":null,"latency_ms":null}' "$(json_string "$1")"
  else
    printf '{"url":%s,"http_status":%s,"status":%s,"version":%s,"latency_ms":%s}' "$(json_string "$1")" \
      "$((10#$HTTP_CODE))" "$(json_string_or_null "$(json_field status "$HTTP_BODY")")" \
      "$(json_string_or_null "$(json_field version "$HTTP_BODY")")" "$HTTP_MS"
  fi
}

# ---------------------------------------------------------------- processes (pid mode)

# Linux answers from /proc without starting a program; elsewhere ps does.
have_proc() { [[ -r /proc/self/stat ]]; }

# Alive and not a zombie (a zombie still answers kill -0).
pid_alive() {
  local state
  if have_proc; then
    read -r state <"/proc/$1/stat" 2>/dev/null || return 1
    state=${state##*) }
    [[ $state != Z* ]]
  elif command -v ps >/dev/null 2>&1; then
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $state != Z* ]]
  else
    kill -0 "$1" 2>/dev/null
  fi
}

pid_command() {
  if have_proc; then
    local part command=''
    [[ -r /proc/$1/cmdline ]] || return 1
    while IFS= read -r -d '' part; do command+="${command:+ }$part"; done <"/proc/$1/cmdline"
    printf '%s' "$command"
  else
    ps -o args= -p "$1" 2>/dev/null
  fi
}

# A live process running the service's entry point from this repository, so that a recycled PID (another
# node program, another checkout) is never signalled. The working directory is compared where /proc shows it.
pid_is_service() {
  local command
  pid_alive "$1" || return 1
  have_proc || command -v ps >/dev/null 2>&1 || return 0
  command=$(pid_command "$1") || return 1
  [[ $command == *node* && ( $command == *dist/main.js* || $command == *src/main.ts* ) ]] || return 1
  if have_proc && [[ -e /proc/$1/cwd ]]; then [[ /proc/$1/cwd -ef $ROOT ]]; fi
}

# Why the PID file's PID is not the service, for the messages about a stale PID file.
stale_reason() { # PID (may be empty)
  if [[ -z $1 ]]; then printf 'it names no PID'
  elif pid_alive "$1"; then printf 'PID %s is another program, not this service' "$1"
  else printf 'PID %s is not running' "$1"
  fi
}

# Prints the PID recorded in the PID file; fails when there is no file. A file without a PID prints "".
pid_from_file() {
  [[ -f $PID_FILE_PATH ]] || return 1
  local pid=''
  read -r pid <"$PID_FILE_PATH" || true
  [[ $pid =~ ^[0-9]+$ ]] || pid=''
  printf '%s' "$pid"
}

# Sets RUNNING_PID when the PID file names the running service; returns 0 then.
find_running_pid() {
  local pid
  RUNNING_PID=''
  pid=$(pid_from_file) || return 1
  [[ -n $pid ]] && pid_is_service "$pid" || return 1
  RUNNING_PID=$pid
}

# The port the running process was given, when it came through its environment (Linux /proc); else the setting.
process_port() {
  local entry value=''
  if [[ -r /proc/$1/environ ]]; then
    while IFS= read -r -d '' entry; do
      if [[ $entry == PORT=* ]]; then value=${entry#PORT=}; fi
    done <"/proc/$1/environ" 2>/dev/null || true
    value=${value//[[:space:]]/}
    if [[ $value =~ ^[0-9]+$ ]]; then
      printf '%s' "$value"
      return 0
    fi
  fi
  printf '%s' "$PORT_SETTING"
}

# "[[dd-]hh:]mm:ss" (ps etime) -> seconds
etime_seconds() {
  local text=$1 days=0 rest h=0 m=0 s=0
  if [[ $text == *-* ]]; then days=${text%%-*}; text=${text#*-}; fi
  IFS=: read -r -a rest <<<"$text"
  case ${#rest[@]} in
    3) h=${rest[0]} m=${rest[1]} s=${rest[2]} ;;
    2) m=${rest[0]} s=${rest[1]} ;;
    *) s=${rest[0]:-0} ;;
  esac
  printf '%s' "$((10#$days * 86400 + 10#$h * 3600 + 10#$m * 60 + 10#$s))"
}

iso_time_of() { # EPOCH_SECONDS
  date -u -d "@$1" '+%Y-%m-%dT%H:%M:%SZ' 2>/dev/null || date -u -r "$1" '+%Y-%m-%dT%H:%M:%SZ' 2>/dev/null || true
}

# ---------------------------------------------------------------- prerequisites (pid mode)

# The minimum of "engines": {"node": ">=X.Y.Z"} in package.json (read without node: it may be the one too old).
node_minimum() {
  local text='' pattern='"node"[[:space:]]*:[[:space:]]*">=[[:space:]]*v?([0-9]+(\.[0-9]+)*)"'
  [[ -f $ROOT/package.json ]] && text=$(<"$ROOT/package.json")
  if [[ $text =~ $pattern ]]; then printf '%s' "${BASH_REMATCH[1]}"; else printf '%s' "$MIN_NODE_FALLBACK"; fi
}

# version_at_least 22.9.1 22.19.0 fails: major, minor and patch compared as numbers (a "-pre" suffix ignored).
version_at_least() { # VERSION MINIMUM
  local have want i a b
  IFS=. read -r -a have <<<"${1%%[!0-9.]*}"
  IFS=. read -r -a want <<<"${2%%[!0-9.]*}"
  for i in 0 1 2; do
    a=${have[i]:-0} b=${want[i]:-0}
    if (( 10#$a != 10#$b )); then (( 10#$a > 10#$b )); return; fi
  done
}

check_node() {
  local minimum version
  minimum=$(node_minimum)
  command -v node >/dev/null 2>&1 || {
    error "Node.js is not installed (pid mode needs Node >= $minimum)"
    fix "install Node $minimum or newer from https://nodejs.org, or with nvm: nvm install ${minimum%%.*}"
    exit "$EXIT_NOT_INSTALLED"
  }
  version=$(node -p 'process.versions.node' 2>/dev/null) || version=0
  version_at_least "$version" "$minimum" || {
    error "Node $version is too old (pid mode needs Node >= $minimum)"
    fix "install Node $minimum or newer from https://nodejs.org, or with nvm: nvm install ${minimum%%.*}"
    exit "$EXIT_NOT_INSTALLED"
  }
}

install_command() { if [[ -f $ROOT/package-lock.json ]]; then printf 'npm ci'; else printf 'npm install'; fi; }

check_dependencies() {
  local missing
  # shellcheck disable=SC2016 # JavaScript, not shell
  missing=$(cd "$ROOT" && node -e '
    const fs = require("fs");
    const deps = Object.keys(JSON.parse(fs.readFileSync("package.json", "utf8")).dependencies || {});
    process.stdout.write(deps.filter((name) => !fs.existsSync(`node_modules/${name}/package.json`)).join(" "));
  ') || missing='(package.json unreadable)'
  [[ -z $missing ]] || {
    error "dependencies are not installed (missing: $missing)"
    fix "cd $ROOT && $(install_command)"
    exit "$EXIT_NOT_INSTALLED"
  }
}

check_build() {
  local main="$ROOT/dist/main.js" newer candidates=() file
  [[ -f $main ]] || {
    error "the service is not built (dist/main.js is missing)"
    fix "cd $ROOT && npm run build"
    exit "$EXIT_NOT_INSTALLED"
  }
  for file in src package.json tsconfig.json; do
    [[ -e $ROOT/$file ]] && candidates+=("$ROOT/$file")
  done
  newer=$(find "${candidates[@]}" -newer "$main" -print -quit 2>/dev/null) || newer=''
  [[ -z $newer ]] || {
    error "the build is out of date ($(pretty_path "$newer") is newer than dist/main.js)"
    fix "cd $ROOT && npm run build"
    exit "$EXIT_NOT_INSTALLED"
  }
}

check_pid_prerequisites() {
  check_node
  check_dependencies
  check_build
}

# ---------------------------------------------------------------- docker

compose_file_present() {
  [[ -n ${COMPOSE_FILE:-} ]] && return 0
  local name
  for name in compose.yaml compose.yml docker-compose.yaml docker-compose.yml; do
    [[ -f $ROOT/$name ]] && return 0
  done
  return 1
}

# Returns 0 when docker mode can work here, setting COMPOSE (the compose command); DOCKER_WHY says why (not).
DOCKER_CHECKED='' DOCKER_OK='' DOCKER_WHY='' COMPOSE=()
docker_available() {
  if [[ -z $DOCKER_CHECKED ]]; then
    DOCKER_CHECKED=1
    if ! command -v docker >/dev/null 2>&1; then
      DOCKER_WHY='docker is not installed'
    elif ! compose_file_present; then
      DOCKER_WHY='no compose file in the repository'
    elif with_timeout 10 docker compose version >/dev/null 2>&1; then
      COMPOSE=(docker compose)
    elif command -v docker-compose >/dev/null 2>&1; then
      COMPOSE=(docker-compose)
    else
      DOCKER_WHY='neither docker compose (v2) nor docker-compose (v1) is installed'
    fi
    if [[ ${#COMPOSE[@]} -gt 0 ]]; then
      if with_timeout 10 docker info >/dev/null 2>&1; then
        DOCKER_OK=1
        DOCKER_WHY="a Docker engine answers and ${COMPOSE[*]} is available"
      else
        DOCKER_WHY='no Docker engine answers (not running, or no permission to use it)'
      fi
    fi
  fi
  [[ -n $DOCKER_OK ]]
}

compose() { (cd "$ROOT" && "${COMPOSE[@]}" "$@"); }

# The id of the service's container (running or not), or nothing.
container_id() {
  local id
  id=$(compose ps -a -q "$SERVICE" 2>/dev/null || compose ps -q "$SERVICE" 2>/dev/null) || true
  printf '%s' "${id%%$'\n'*}"
}

# Sets C_STATE, C_HEALTH ("" without a healthcheck), C_NAME, C_IMAGE, C_EXIT, C_PORT (host side) and C_PORTS.
container_info() {
  local line
  line=$(docker inspect -f '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.Name}}|{{.Config.Image}}|{{.State.ExitCode}}' "$1" 2>/dev/null) || line='missing||||'
  IFS='|' read -r C_STATE C_HEALTH C_NAME C_IMAGE C_EXIT <<<"$line"
  C_NAME=${C_NAME#/}
  C_PORTS=$(docker port "$1" 2>/dev/null | head -n 1) || C_PORTS=''
  C_PORT=''
  if [[ -n $C_PORTS ]]; then C_PORT=${C_PORTS##*:}; fi
}

container_running() {
  local id
  docker_available || return 1
  id=$(container_id)
  [[ -n $id ]] || return 1
  container_info "$id"
  [[ $C_STATE == running || $C_STATE == restarting ]]
}

# ---------------------------------------------------------------- modes

# The mode start/run act in: --mode, else PROXY_MODE, else auto (docker when usable, else pid).
resolve_mode() {
  local wanted=${OPT_MODE:-$(setting PROXY_MODE auto)}
  case $wanted in
    docker | pid | auto) ;;
    *) usage_error "unknown mode \"$wanted\": use docker, pid or auto" ;;
  esac
  if [[ -n $OPT_MODE && $OPT_MODE != auto ]]; then
    MODE=$OPT_MODE MODE_WHY='--mode'
  elif [[ $wanted != auto ]]; then
    MODE=$wanted MODE_WHY="PROXY_MODE=$wanted"
  elif docker_available; then
    MODE=docker MODE_WHY="auto: $DOCKER_WHY"
  else
    MODE=pid MODE_WHY="auto: $DOCKER_WHY"
  fi
}

# The mode stop/status/restart act in: whatever is actually running, else resolve_mode. --mode still wins.
detect_mode() {
  if [[ -n $OPT_MODE && $OPT_MODE != auto ]]; then
    resolve_mode
  elif find_running_pid; then
    MODE=pid MODE_WHY="found: PID file $(pretty_path "$PID_FILE_PATH") names running PID $RUNNING_PID"
  elif container_running; then
    MODE=docker MODE_WHY="found: compose service $SERVICE is $C_STATE"
  elif [[ -f $PID_FILE_PATH ]]; then
    MODE=pid MODE_WHY="found: PID file $(pretty_path "$PID_FILE_PATH") (stale)"
  else
    resolve_mode
  fi
}

# start/run in auto mode: an instance already running decides the mode, so that a pid-mode instance on a
# Docker host is reported rather than a second one started with compose. A stale PID file decides nothing.
start_mode() {
  if [[ ${OPT_MODE:-$(setting PROXY_MODE auto)} != auto ]]; then
    resolve_mode
  elif find_running_pid; then
    MODE=pid MODE_WHY="found: PID file $(pretty_path "$PID_FILE_PATH") names running PID $RUNNING_PID"
  elif container_running; then
    MODE=docker MODE_WHY="found: compose service $SERVICE is $C_STATE"
  else
    resolve_mode
  fi
}

# Called after the mode line, so that it comes first even when docker mode cannot work.
require_docker() { docker_available || die "$EXIT_NOT_INSTALLED" "docker mode is not usable here: $DOCKER_WHY"; }

# ---------------------------------------------------------------- arguments

flag_allowed() { [[ " $FLAGS " == *" $1 "* ]] || usage_error "$SCRIPT does not take $1"; }

parse_args() {
  OPT_MODE='' OPT_QUIET='' OPT_JSON='' OPT_DOWN='' OPT_BACKGROUND=''
  while (($# > 0)); do
    case $1 in
      -h | --help)
        printf '%s\n' "$USAGE"
        exit 0
        ;;
      --mode)
        (($# >= 2)) || usage_error '--mode needs a value: docker, pid or auto'
        OPT_MODE=$2
        shift
        ;;
      --mode=*) OPT_MODE=${1#--mode=} ;;
      -q | --quiet) flag_allowed --quiet && OPT_QUIET=1 ;;
      --json) flag_allowed --json && OPT_JSON=1 ;;
      --down) flag_allowed --down && OPT_DOWN=1 ;;
      -b | --background) flag_allowed --background && OPT_BACKGROUND=1 ;;
      *) usage_error "unknown option: $1" ;;
    esac
    shift
  done
  case $OPT_MODE in
    '' | docker | pid | auto) ;;
    *) usage_error "unknown mode \"$OPT_MODE\": use docker, pid or auto" ;;
  esac
}

# ---------------------------------------------------------------- pid mode actions

# Shows why a start failed: what the process wrote to the error log since OFFSET. Plain lines (what it printed
# before or without its logger) come first; otherwise the messages of the logger's JSON lines.
show_startup_error() { # OFFSET
  local appended plain messages
  appended=$(tail -c +"$(($1 + 1))" "$ERROR_LOG" 2>/dev/null) || appended=''
  plain=$(printf '%s\n' "$appended" | grep -v -e '^{' -e '^[[:space:]]*$' | head -n 20) || true
  messages=$(printf '%s\n' "$appended" | grep '^{' | sed -n 's/.*"msg":"\([^"]*\)".*/\1/p' | head -n 20) || true
  if [[ -n $plain ]]; then
    printf '%s\n' "$plain" | sed 's/^/  | /' >&2
  elif [[ -n $messages ]]; then
    printf '%s\n' "$messages" | sed 's/^/  | /' >&2
  else
    printf '  (nothing in %s)\n' "$(pretty_path "$ERROR_LOG")" >&2
  fi
  printf '  full log: %s\n' "$(pretty_path "$ERROR_LOG")" >&2
}

port_taken() { # HOST PORT: something accepts connections there
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

pid_start() {
  local pid host url timeout_s started elapsed waited=0 offset busy='' out_target=/dev/null
  if find_running_pid; then
    ok "already running (PID $RUNNING_PID) on http://$(probe_host "$HOST_SETTING"):$(process_port "$RUNNING_PID")"
    return 0
  fi
  check_pid_prerequisites
  require_fixed_port
  timeout_s=$(whole_number_setting START_TIMEOUT 30)
  host=$(probe_host "$HOST_SETTING")
  url="http://$host:$PORT_SETTING"
  if pid=$(pid_from_file); then
    warn "stale PID file $(pretty_path "$PID_FILE_PATH") ($(stale_reason "$pid")): replacing it"
    rm -f "$PID_FILE_PATH"
  fi
  # Something else already on the port would answer the health probe for us: then only the outcome of the
  # start (the service stopping with "already in use") is trusted, never a health answer.
  if port_taken "${host//[\[\]]/}" "$PORT_SETTING"; then busy=1; fi

  mkdir -p "$LOG_PATH" "$(dirname "$PID_FILE_PATH")"
  # The service writes its JSON lines to stdout and, with LOG_DIR, to server.log and server_error.log itself:
  # stdout is dropped so no line lands twice. stderr catches what it prints before its logger exists.
  if [[ -z $LOG_DIR_SETTING ]]; then out_target=$MAIN_LOG; fi
  offset=$(file_bytes "$ERROR_LOG")
  (
    cd "$ROOT" || exit
    nohup node "$SERVICE_NODE_FLAG" dist/main.js </dev/null >>"$out_target" 2>>"$ERROR_LOG" &
    printf '%s\n' "$!" >"$PID_FILE_PATH.tmp"
  )
  mv -f "$PID_FILE_PATH.tmp" "$PID_FILE_PATH"
  pid=$(pid_from_file)
  say "started PID $pid; logs in $(pretty_path "$LOG_PATH")/"

  started=$(now_ms)
  progress "waiting up to ${timeout_s}s for $url/healthz:"
  while :; do
    if [[ -z $busy ]] && http_get "$url/healthz" 2 && pid_alive "$pid"; then
      progress_end "healthy after $(seconds_text $(($(now_ms) - started)))"
      ok "running (PID $pid) on $url"
      return 0
    fi
    if ! pid_alive "$pid"; then
      progress_end 'stopped'
      rm -f "$PID_FILE_PATH"
      error "the service stopped during start-up. The error log says:"
      show_startup_error "$offset"
      exit "$EXIT_FAILED"
    fi
    elapsed=$(($(now_ms) - started))
    if (( elapsed >= timeout_s * 1000 )); then
      progress_end 'timed out'
      if [[ -n $busy ]]; then
        error "port $PORT_SETTING on $host was already in use before the start; cannot tell whether PID $pid serves it"
      else
        error "no healthy answer within ${timeout_s}s; PID $pid is still running (stop it with ./stop.sh)"
      fi
      show_startup_error "$offset"
      exit "$EXIT_FAILED"
    fi
    sleep 0.2
    waited=$((waited + 1))
    if (( waited % 5 == 0 )); then progress '.'; fi
  done
}

pid_stop() {
  local pid started elapsed waited=0
  if ! pid=$(pid_from_file); then
    say "not running (no PID file at $(pretty_path "$PID_FILE_PATH"))"
    return 0
  fi
  if [[ -z $pid ]] || ! pid_is_service "$pid"; then
    rm -f "$PID_FILE_PATH"
    say "not running: stale PID file $(pretty_path "$PID_FILE_PATH") ($(stale_reason "$pid")); removed it"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  started=$(now_ms)
  progress "sent SIGTERM to PID $pid; waiting up to ${STOP_TIMEOUT_S}s for it to drain:"
  while pid_alive "$pid"; do
    elapsed=$(($(now_ms) - started))
    if (( elapsed >= STOP_TIMEOUT_S * 1000 )); then
      progress_end 'still running'
      warn "PID $pid did not stop within ${STOP_TIMEOUT_S}s (STOP_TIMEOUT): sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      local tries=0
      while pid_alive "$pid" && (( tries < 50 )); do
        sleep 0.1
        tries=$((tries + 1))
      done
      pid_alive "$pid" && die "$EXIT_FAILED" "PID $pid is still there after SIGKILL"
      rm -f "$PID_FILE_PATH"
      ok "stopped (PID $pid killed)"
      return 0
    fi
    sleep 0.2
    waited=$((waited + 1))
    if (( waited % 5 == 0 )); then progress '.'; fi
  done
  progress_end "stopped after $(seconds_text $(($(now_ms) - started)))"
  rm -f "$PID_FILE_PATH"
  ok "stopped (PID $pid)"
}

# Sets the ST_* fields and returns the LSB status code.
pid_probe() {
  local pid port etime='' times
  ST_STATE='stopped' ST_PID='' ST_COMMAND='' ST_STARTED='' ST_STARTED_ISO='' ST_UPTIME='' ST_URL='' ST_CODE=$STATUS_STOPPED
  if ! pid=$(pid_from_file); then
    ST_DETAIL="not running (no PID file at $(pretty_path "$PID_FILE_PATH"))"
    return 0
  fi
  if [[ -z $pid ]] || ! pid_is_service "$pid"; then
    ST_STATE='dead' ST_PID=$pid ST_CODE=$STATUS_DEAD
    ST_DETAIL="dead: stale PID file $(pretty_path "$PID_FILE_PATH") ($(stale_reason "$pid"))"
    return 0
  fi
  ST_PID=$pid
  ST_COMMAND=$(pid_command "$pid") || true
  times=$(ps -o etime= -o lstart= -p "$pid" 2>/dev/null) || times=''
  read -r etime ST_STARTED <<<"$times" || true
  if [[ $etime =~ ^[0-9:-]+$ ]]; then
    ST_UPTIME=$(etime_seconds "$etime")
    ST_STARTED_ISO=$(iso_time_of "$(($(date +%s) - ST_UPTIME))")
  fi
  port=$(process_port "$pid")
  ST_URL="http://$(probe_host "$HOST_SETTING"):$port/"
  probe_service "$ST_URL"
  ready_verdict
}

log_files_text() {
  local file first=1
  for file in "$MAIN_LOG" "$ERROR_LOG"; do
    [[ -f $file ]] || continue
    [[ -n $first ]] || printf ', '
    first=''
    printf '%s (%s)' "$(pretty_path "$file")" "$(size_text "$(file_bytes "$file")")"
  done
  [[ -z $first ]] || printf 'none in %s' "$(pretty_path "$LOG_PATH")"
}

log_files_json() {
  local file first=1
  printf '['
  for file in "$MAIN_LOG" "$ERROR_LOG"; do
    [[ -f $file ]] || continue
    [[ -n $first ]] || printf ','
    first=''
    printf '{"path":%s,"bytes":%s}' "$(json_string "$file")" "$(file_bytes "$file")"
  done
  printf ']'
}

field() { [[ -z $2 ]] || printf '  %-10s %s\n' "$1:" "$2"; }

pid_status() {
  pid_probe
  if [[ -n $OPT_JSON ]]; then
    printf '{"mode":"pid","mode_reason":%s,"state":"%s","healthy":%s,"exit_code":%s,"detail":%s,"pid_file":%s,"pid":%s,"command":%s,"started":%s,"uptime_s":%s,"health":%s,"ready":%s,"logs":%s}\n' \
      "$(json_string "$MODE_WHY")" "$ST_STATE" "$([[ $ST_CODE == 0 ]] && echo true || echo false)" "$ST_CODE" \
      "$(json_string "$ST_DETAIL")" "$(json_string "$PID_FILE_PATH")" "$(json_number_or_null "$ST_PID")" \
      "$(json_string_or_null "$ST_COMMAND")" "$(json_string_or_null "$ST_STARTED_ISO")" \
      "$(json_number_or_null "$ST_UPTIME")" "$([[ -n $ST_URL ]] && health_json "$ST_URL" || printf 'null')" \
      "$([[ -n $ST_URL ]] && ready_json "$ST_URL" || printf 'null')" "$(log_files_json)"
  else
    mode_line status
    field state "$ST_STATE"
    field PID "$ST_PID"
    field command "$ST_COMMAND"
    field started "$ST_STARTED"
    [[ -n $ST_UPTIME ]] && field uptime "$(duration_text "$ST_UPTIME")"
    [[ -n $ST_URL ]] && field health "$(health_text "$ST_URL")"
    [[ -n $ST_URL ]] && field ready "$(ready_text "$ST_URL")"
    field 'PID file' "$(pretty_path "$PID_FILE_PATH")"
    field logs "$(log_files_text)"
    if [[ $ST_CODE == 0 ]]; then ok "$ST_DETAIL"; else say "$ST_DETAIL"; fi
  fi
  return "$ST_CODE"
}

# ---------------------------------------------------------------- docker mode actions

container_healthy_now() { # sets HEALTH_SEEN; 0 = healthy
  container_info "$1"
  HEALTH_SEEN=$C_STATE${C_HEALTH:+/$C_HEALTH}
  [[ $C_STATE == running ]] || return 1
  if [[ -n $C_HEALTH ]]; then
    [[ $C_HEALTH == healthy ]]
  else
    # No healthcheck in the image: ask the service itself through the published port.
    [[ -n $C_PORT ]] && http_get "http://127.0.0.1:$C_PORT/healthz" 2
  fi
}

docker_start() {
  local id timeout_s started waited=0
  timeout_s=$(whole_number_setting START_TIMEOUT 90)
  id=$(container_id)
  if [[ -n $id ]] && container_healthy_now "$id"; then
    ok "already running (container $C_NAME, $HEALTH_SEEN)"
    return 0
  fi
  say "${COMPOSE[*]} up -d"
  compose up -d || die "$EXIT_FAILED" "${COMPOSE[*]} up -d failed"
  id=$(container_id)
  [[ -n $id ]] || die "$EXIT_FAILED" "compose started no container for the service $SERVICE"
  started=$(now_ms)
  progress "waiting up to ${timeout_s}s for the container to report healthy:"
  while ! container_healthy_now "$id"; do
    if [[ $C_STATE == exited || $C_STATE == dead || $C_STATE == missing ]]; then
      progress_end "$C_STATE"
      error "the container stopped during start-up (exit code ${C_EXIT:-?}). Its last log lines:"
      compose logs --tail 20 "$SERVICE" >&2 || true
      exit "$EXIT_FAILED"
    fi
    if (($(now_ms) - started >= timeout_s * 1000)); then
      progress_end "timed out ($HEALTH_SEEN)"
      error "the container is not healthy after ${timeout_s}s. Its last log lines:"
      compose logs --tail 20 "$SERVICE" >&2 || true
      exit "$EXIT_FAILED"
    fi
    sleep 1
    waited=$((waited + 1))
    progress '.'
  done
  progress_end "healthy after $(seconds_text $(($(now_ms) - started)))"
  ok "running (container $C_NAME${C_PORTS:+, $C_PORTS})"
}

docker_stop() {
  local id timeout=()
  if [[ -n $STOP_TIMEOUT_SET ]]; then timeout=(-t "$STOP_TIMEOUT_S"); fi
  # (${timeout[@]+...}: an empty array is "unbound" to set -u before bash 4.4)
  id=$(container_id)
  if [[ -n $OPT_DOWN ]]; then
    say "${COMPOSE[*]} down${timeout[*]:+ ${timeout[*]}}"
    compose down ${timeout[@]+"${timeout[@]}"} || die "$EXIT_FAILED" "${COMPOSE[*]} down failed"
    ok 'stopped and removed'
    return 0
  fi
  if [[ -z $id ]] || { container_info "$id" && [[ $C_STATE != running && $C_STATE != restarting ]]; }; then
    say "not running (no running container for the compose service $SERVICE)"
    return 0
  fi
  say "${COMPOSE[*]} stop${timeout[*]:+ ${timeout[*]}}"
  compose stop ${timeout[@]+"${timeout[@]}"} || die "$EXIT_FAILED" "${COMPOSE[*]} stop failed"
  ok "stopped (container $C_NAME)"
}

docker_probe() {
  local id
  ST_STATE='stopped' ST_CODE=$STATUS_STOPPED ST_URL='' ST_ID='' C_NAME='' C_STATE='' C_HEALTH='' C_IMAGE='' C_PORTS='' C_EXIT=''
  id=$(container_id)
  if [[ -z $id ]]; then
    ST_DETAIL="not running (no container for the compose service $SERVICE)"
    return 0
  fi
  ST_ID=${id:0:12}
  container_info "$id"
  case $C_STATE in
    running)
      [[ -n $C_PORT ]] && ST_URL="http://127.0.0.1:$C_PORT/"
      if [[ -n $ST_URL ]]; then probe_service "$ST_URL"; fi
      # The healthcheck probes liveness (/healthz), so a draining service stays "healthy": an answer of
      # /readyz other than 200 overrides it. No answer on the host (port not reachable) leaves it to the healthcheck.
      if [[ $READY_CODE != 000 && $READY_CODE != 200 ]]; then
        ready_verdict
      elif [[ $C_HEALTH == healthy || ( -z $C_HEALTH && $READY_CODE == 200 ) ]]; then
        ST_STATE='running' ST_CODE=$STATUS_OK ST_DETAIL='running and healthy'
      else
        ST_STATE='unhealthy' ST_CODE=$STATUS_UNHEALTHY ST_DETAIL="running but not healthy (${C_HEALTH:-no answer})"
      fi
      ;;
    restarting)
      ST_STATE='dead' ST_CODE=$STATUS_DEAD ST_DETAIL='dead: the container keeps restarting'
      ;;
    exited | dead)
      if [[ ${C_EXIT:-0} != 0 ]]; then
        ST_STATE='dead' ST_CODE=$STATUS_DEAD ST_DETAIL="dead: the container exited with code $C_EXIT"
      else
        ST_DETAIL='not running (the container is stopped)'
      fi
      ;;
    *) ST_DETAIL="not running (the container is $C_STATE)" ;;
  esac
}

docker_status() {
  HTTP_CODE=000 READY_CODE=000 READY_BODY=''
  docker_probe
  if [[ -n $OPT_JSON ]]; then
    printf '{"mode":"docker","mode_reason":%s,"state":"%s","healthy":%s,"exit_code":%s,"detail":%s,"container":%s,"container_id":%s,"container_state":%s,"container_health":%s,"image":%s,"port":%s,"health":%s,"ready":%s}\n' \
      "$(json_string "$MODE_WHY")" "$ST_STATE" "$([[ $ST_CODE == 0 ]] && echo true || echo false)" "$ST_CODE" \
      "$(json_string "$ST_DETAIL")" "$(json_string_or_null "$C_NAME")" "$(json_string_or_null "$ST_ID")" \
      "$(json_string_or_null "$C_STATE")" "$(json_string_or_null "$C_HEALTH")" "$(json_string_or_null "$C_IMAGE")" \
      "$(json_string_or_null "$C_PORTS")" "$([[ -n $ST_URL ]] && health_json "$ST_URL" || printf 'null')" \
      "$([[ -n $ST_URL ]] && ready_json "$ST_URL" || printf 'null')"
  else
    mode_line status
    field container "${C_NAME:+$C_NAME ($ST_ID)}"
    field state "$C_STATE"
    field health "${C_HEALTH:-${C_NAME:+no healthcheck}}"
    field image "$C_IMAGE"
    field port "$C_PORTS"
    [[ -n $ST_URL ]] && field answer "$(health_text "$ST_URL")"
    [[ -n $ST_URL ]] && field ready "$(ready_text "$ST_URL")"
    if [[ $ST_CODE == 0 ]]; then ok "$ST_DETAIL"; else say "$ST_DETAIL"; fi
  fi
  return "$ST_CODE"
}

# ---------------------------------------------------------------- commands

cmd_run() {
  parse_args "$@"
  if [[ -n $OPT_BACKGROUND ]]; then
    exec "$ROOT/start.sh" ${OPT_MODE:+--mode "$OPT_MODE"}
  fi
  load_settings
  start_mode
  mode_line run
  if [[ $MODE == docker ]]; then
    require_docker
    say "${COMPOSE[*]} up (Ctrl-C stops it)"
    cd "$ROOT" || exit
    exec "${COMPOSE[@]}" up
  fi
  check_pid_prerequisites
  if find_running_pid; then
    die "$EXIT_FAILED" "already running in the background (PID $RUNNING_PID); stop it first with ./stop.sh"
  fi
  say "node dist/main.js in the foreground (Ctrl-C stops it); logs also in $(pretty_path "$LOG_PATH")/"
  cd "$ROOT" || exit
  exec node "$SERVICE_NODE_FLAG" dist/main.js
}

start_in_mode() {
  if [[ $MODE == docker ]]; then
    require_docker
    docker_start
  else
    pid_start
  fi
}

stop_in_mode() { if [[ $MODE == docker ]]; then require_docker; docker_stop; else pid_stop; fi; }

cmd_start() {
  parse_args "$@"
  load_settings
  start_mode
  mode_line start
  start_in_mode
}

cmd_stop() {
  parse_args "$@"
  load_settings
  detect_mode
  mode_line stop
  stop_in_mode
}

cmd_restart() {
  parse_args "$@"
  load_settings
  detect_mode
  mode_line restart
  stop_in_mode
  start_in_mode
}

cmd_status() {
  STATUS_ONLY=1
  parse_args "$@"
  [[ -z $OPT_QUIET ]] || exec >/dev/null 2>&1
  load_settings
  detect_mode
  if [[ $MODE == docker ]] && ! docker_available; then
    [[ -n $OPT_JSON ]] || mode_line status
    require_docker
  fi
  if [[ $MODE == docker ]]; then docker_status; else pid_status; fi
}
