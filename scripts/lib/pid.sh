# shellcheck shell=bash
# pid mode: the built service (node dist/main.js) in the background, tracked by a PID file. Its processes,
# its prerequisites (Node, dependencies, a current build) and its actions: start, stop, status.

# Used only when package.json has no "engines": {"node": ">=X.Y.Z"}, which is what check_node enforces.
readonly MIN_NODE_FALLBACK=22.19.0

# Linux answers from /proc without starting a program; elsewhere ps does.
have_proc() { [[ -r /proc/self/stat ]]; }

# Alive and not a zombie (a zombie still answers kill -0).
pid_alive() {
  local state
  if have_proc; then
    { read -r state <"/proc/$1/stat"; } 2>/dev/null || return 1
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

# Prints the PID when the PID file names the running service; fails otherwise.
running_pid() {
  local pid
  pid=$(pid_from_file) || return 1
  [[ -n $pid ]] && pid_is_service "$pid" || return 1
  printf '%s' "$pid"
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
  printf '%s' "$SETTING_PORT"
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

# ---------------------------------------------------------------- prerequisites

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
  require_service_settings
  check_build
}

# ---------------------------------------------------------------- actions

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
  local pid host url timeout_s started elapsed waited=0 offset busy='' out_target=/dev/null flags=()
  if pid=$(running_pid); then
    ok "already running (PID $pid) on http://$(probe_host "$SETTING_HOST"):$(process_port "$pid")"
    return 0
  fi
  check_pid_prerequisites
  require_fixed_port
  timeout_s=$(whole_number_setting START_TIMEOUT 30)
  host=$(probe_host "$SETTING_HOST")
  url="http://$host:$SETTING_PORT"
  if pid=$(pid_from_file); then
    warn "stale PID file $(pretty_path "$PID_FILE_PATH") ($(stale_reason "$pid")): replacing it"
    rm -f "$PID_FILE_PATH"
  fi
  # Something else already on the port would answer the health probe for us: then only the outcome of the
  # start (the service stopping with "already in use") is trusted, never a health answer.
  if port_taken "${host//[\[\]]/}" "$SETTING_PORT"; then busy=1; fi

  mkdir -p "$LOG_PATH" "$(dirname "$PID_FILE_PATH")"
  # The service writes its JSON lines to stdout and, with LOG_DIR, to server.log and server_error.log itself:
  # stdout is dropped so no line lands twice. stderr catches what it prints before its logger exists.
  if [[ -z $SETTING_LOG_DIR ]]; then out_target=$MAIN_LOG; fi
  offset=$(file_bytes "$ERROR_LOG")
  # The service's node flags and environment (package.json), as npm start and the image run it.
  read -r -a flags <<<"$NODE_FLAGS"
  read -r -a service_env <<<"$SERVICE_ENV"
  (
    cd "$ROOT" || exit
    nohup env ${service_env[@]+"${service_env[@]}"} node ${flags[@]+"${flags[@]}"} dist/main.js </dev/null >>"$out_target" 2>>"$ERROR_LOG" &
    printf '%s\n' "$!" >"$PID_FILE_PATH.tmp"
  )
  mv -f "$PID_FILE_PATH.tmp" "$PID_FILE_PATH"
  pid=$(pid_from_file)
  say "started PID $pid; logs in $(pretty_path "$LOG_PATH")/"

  started=$(now_ms)
  progress "waiting up to ${timeout_s}s for $url/healthz:"
  while :; do
    if [[ -z $busy ]] && http_ok "$url/healthz" 2 && pid_alive "$pid"; then
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
        error "port $SETTING_PORT on $host was already in use before the start; cannot tell whether PID $pid serves it"
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

# A record of the pid-mode service: state, code (LSB), detail, and when it runs pid, command, started,
# started_iso, uptime_s, url and the probe's fields (probe_service).
pid_probe() {
  local pid etime='' started='' times uptime url
  if ! pid=$(pid_from_file); then
    record_line state stopped; record_line code "$STATUS_STOPPED"
    record_line detail "not running (no PID file at $(pretty_path "$PID_FILE_PATH"))"
    return 0
  fi
  if [[ -z $pid ]] || ! pid_is_service "$pid"; then
    record_line state dead; record_line code "$STATUS_DEAD"; record_line pid "$pid"
    record_line detail "dead: stale PID file $(pretty_path "$PID_FILE_PATH") ($(stale_reason "$pid"))"
    return 0
  fi
  record_line pid "$pid"
  record_line command "$(pid_command "$pid" || true)"
  times=$(ps -o etime= -o lstart= -p "$pid" 2>/dev/null) || times=''
  read -r etime started <<<"$times" || true
  record_line started "$started"
  if [[ $etime =~ ^[0-9:-]+$ ]]; then
    uptime=$(etime_seconds "$etime")
    record_line uptime_s "$uptime"
    record_line started_iso "$(iso_time_of "$(($(date +%s) - uptime))")"
  fi
  url="http://$(probe_host "$SETTING_HOST"):$(process_port "$pid")/"
  record_line url "$url"
  local probe
  probe=$(probe_service "$url")
  printf '%s\n' "$probe"
  ready_verdict "$probe"
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
  local file items=''
  for file in "$MAIN_LOG" "$ERROR_LOG"; do
    [[ -f $file ]] || continue
    items+="${items:+,}$(json_object path s "$file" bytes 'n?' "$(file_bytes "$file")")"
  done
  printf '[%s]' "$items"
}

pid_status() {
  local r code url
  r=$(pid_probe)
  code=$(record_get code "$r")
  url=$(record_get url "$r")
  if [[ -n $OPT_JSON ]]; then
    json_object mode s pid mode_reason s "$MODE_WHY" state s "$(record_get state "$r")" \
      healthy b "$([[ $code == 0 ]] && echo true)" exit_code 'n?' "$code" detail s "$(record_get detail "$r")" \
      pid_file s "$PID_FILE_PATH" pid 'n?' "$(record_get pid "$r")" command 's?' "$(record_get command "$r")" \
      started 's?' "$(record_get started_iso "$r")" uptime_s 'n?' "$(record_get uptime_s "$r")" \
      health j "$([[ -z $url ]] || health_json "$url" "$r")" ready j "$([[ -z $url ]] || ready_json "$url" "$r")" \
      checkout_version 's?' "$(checkout_version)" logs j "$(log_files_json)"
    printf '\n'
  else
    mode_line status
    field state "$(record_get state "$r")"
    field PID "$(record_get pid "$r")"
    field command "$(record_get command "$r")"
    field started "$(record_get started "$r")"
    [[ -z $(record_get uptime_s "$r") ]] || field uptime "$(duration_text "$(record_get uptime_s "$r")")"
    [[ -z $url ]] || field health "$(health_text "$url" "$r")"
    [[ -z $url ]] || field ready "$(ready_text "$url" "$r")"
    field 'PID file' "$(pretty_path "$PID_FILE_PATH")"
    field logs "$(log_files_text)"
    if [[ $code == 0 ]]; then ok "$(record_get detail "$r")"; else say "$(record_get detail "$r")"; fi
  fi
  return "$code"
}
