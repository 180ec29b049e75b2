# shellcheck shell=bash
# Which mode an action acts in, and the commands the root scripts run (cmd_run, cmd_start, cmd_stop,
# cmd_restart, cmd_status).

# The mode start/run act in: --mode, else PROXY_MODE, else auto (docker when usable, else pid).
resolve_mode() {
  local wanted=${OPT_MODE:-${SETTING_PROXY_MODE:-auto}}
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
  local pid state
  if [[ -n $OPT_MODE && $OPT_MODE != auto ]]; then
    resolve_mode
  elif pid=$(running_pid); then
    MODE=pid MODE_WHY="found: PID file $(pretty_path "$PID_FILE_PATH") names running PID $pid"
  elif state=$(container_running); then
    MODE=docker MODE_WHY="found: compose service $SERVICE is $state"
  elif [[ -f $PID_FILE_PATH ]]; then
    MODE=pid MODE_WHY="found: PID file $(pretty_path "$PID_FILE_PATH") (stale)"
  else
    resolve_mode
  fi
}

# start/run in auto mode: an instance already running decides the mode, so that a pid-mode instance on a
# Docker host is reported rather than a second one started with compose. A stale PID file decides nothing.
start_mode() {
  local pid state
  if [[ ${OPT_MODE:-${SETTING_PROXY_MODE:-auto}} != auto ]]; then
    resolve_mode
  elif pid=$(running_pid); then
    MODE=pid MODE_WHY="found: PID file $(pretty_path "$PID_FILE_PATH") names running PID $pid"
  elif state=$(container_running); then
    MODE=docker MODE_WHY="found: compose service $SERVICE is $state"
  else
    resolve_mode
  fi
}

cmd_run() {
  local pid flags=()
  parse_args "$@"
  if [[ -n $OPT_BACKGROUND ]]; then
    exec "$ROOT/start.sh" ${OPT_MODE:+--mode "$OPT_MODE"}
  fi
  load_settings
  start_mode
  mode_line run
  if [[ $MODE == docker ]]; then
    require_docker
    say "${COMPOSE[*]} up --build (Ctrl-C stops it)"
    cd "$ROOT" || exit
    exec "${COMPOSE[@]}" up --build
  fi
  check_pid_prerequisites
  if pid=$(running_pid); then
    die "$EXIT_FAILED" "already running in the background (PID $pid); stop it first with ./stop.sh"
  fi
  say "node dist/main.js in the foreground (Ctrl-C stops it); logs also in $(pretty_path "$LOG_PATH")/"
  cd "$ROOT" || exit
  # The service's node flags and environment (package.json), as npm start and the image run it.
  read -r -a flags <<<"$NODE_FLAGS"
  read -r -a service_env <<<"$SERVICE_ENV"
  exec env ${service_env[@]+"${service_env[@]}"} node ${flags[@]+"${flags[@]}"} dist/main.js
}

start_in_mode() { if [[ $MODE == docker ]]; then require_docker; docker_start; else pid_start; fi; }

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
