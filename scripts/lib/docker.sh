# shellcheck shell=bash
# docker mode: the compose service "anthropic-proxy" (docker compose v2, or docker-compose v1). Whether it
# can work here, its container, and its actions: start (always from an image built from this checkout),
# stop, status.

compose_file_present() {
  [[ -n ${COMPOSE_FILE:-} ]] && return 0
  local name
  for name in compose.yaml compose.yml docker-compose.yaml docker-compose.yml; do
    [[ -f $ROOT/$name ]] && return 0
  done
  return 1
}

# Returns 0 when docker mode can work here. Asked once: COMPOSE (the compose command) and DOCKER_WHY (why
# docker mode can or cannot work) are facts of the machine, kept for the rest of the run.
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

# Called after the mode line, so that it comes first even when docker mode cannot work.
require_docker() {
  docker_available || die "$EXIT_NOT_INSTALLED" "docker mode is not usable here: $DOCKER_WHY"
  if [[ $SETTINGS_READ_BY != service && -f $ROOT/.env ]]; then
    warn "the scripts read only the environment, not .env (its reader needs Node >= $(node_minimum) with the dependencies installed: $SETTINGS_PROBLEM); compose still reads .env for the container"
  fi
}

compose() { (cd "$ROOT" && "${COMPOSE[@]}" "$@"); }

# The id of the service's container (running or not), or nothing.
container_id() {
  local id
  id=$(compose ps -a -q "$SERVICE" 2>/dev/null || compose ps -q "$SERVICE" 2>/dev/null) || true
  printf '%s' "${id%%$'\n'*}"
}

# A record of the container: state, health ("" without a healthcheck), name, image, exit, ports (as
# `docker port` shows the first) and port (its host side).
container_info() {
  local line state health name image exit_code ports
  line=$(docker inspect -f '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.Name}}|{{.Config.Image}}|{{.State.ExitCode}}' "$1" 2>/dev/null) || line='missing||||'
  IFS='|' read -r state health name image exit_code <<<"$line"
  ports=$(docker port "$1" 2>/dev/null | head -n 1) || ports=''
  record_line state "$state"
  record_line health "$health"
  record_line name "${name#/}"
  record_line image "$image"
  record_line exit "$exit_code"
  record_line ports "$ports"
  [[ -z $ports ]] || record_line port "${ports##*:}"
}

# Prints the container's state when it runs (or keeps restarting); fails otherwise.
container_running() {
  local id state
  docker_available || return 1
  id=$(container_id)
  [[ -n $id ]] || return 1
  state=$(record_get state "$(container_info "$id")")
  [[ $state == running || $state == restarting ]] || return 1
  printf '%s' "$state"
}

# container_health INFO: "state/health" as docker reports them, for the messages.
container_health() {
  local health
  health=$(record_get health "$1")
  printf '%s%s' "$(record_get state "$1")" "${health:+/$health}"
}

# container_healthy INFO: 0 when healthy (by its healthcheck, else by GET /healthz through the published port).
container_healthy() {
  local health port
  [[ $(record_get state "$1") == running ]] || return 1
  health=$(record_get health "$1")
  if [[ -n $health ]]; then
    [[ $health == healthy ]]
  else
    port=$(record_get port "$1")
    [[ -n $port ]] && http_ok "http://127.0.0.1:$port/healthz" 2
  fi
}

# Always `up --build`: the image is rebuilt from this checkout (quickly, from the layer cache, when nothing
# changed), and compose recreates the container only when the image changed. So a running container is
# kept as it is when the checkout is what it runs, and replaced when the code changed since.
docker_start() {
  local before='' before_healthy='' id info timeout_s started
  timeout_s=$(whole_number_setting START_TIMEOUT 90)
  before=$(container_id)
  if [[ -n $before ]] && container_healthy "$(container_info "$before")"; then before_healthy=1; fi
  say "${COMPOSE[*]} up -d --build"
  compose up -d --build || die "$EXIT_FAILED" "${COMPOSE[*]} up -d --build failed"
  id=$(container_id)
  [[ -n $id ]] || die "$EXIT_FAILED" "compose started no container for the service $SERVICE"
  info=$(container_info "$id")
  if [[ -n $before_healthy && $id == "$before" ]] && container_healthy "$info"; then
    ok "already running (container $(record_get name "$info"), $(container_health "$info"))"
    say "the image is up to date with the checkout (version $(checkout_version))"
    return 0
  fi
  [[ -z $before || $id == "$before" ]] || say "the container was recreated: the image built from the checkout had changed"
  started=$(now_ms)
  progress "waiting up to ${timeout_s}s for the container to report healthy:"
  while ! container_healthy "$info"; do
    case $(record_get state "$info") in
      exited | dead | missing)
        progress_end "$(record_get state "$info")"
        error "the container stopped during start-up (exit code $(record_get exit "$info" | sed 's/^$/?/')). Its last log lines:"
        compose logs --tail 20 "$SERVICE" >&2 || true
        exit "$EXIT_FAILED"
        ;;
    esac
    if (($(now_ms) - started >= timeout_s * 1000)); then
      progress_end "timed out ($(container_health "$info"))"
      error "the container is not healthy after ${timeout_s}s. Its last log lines:"
      compose logs --tail 20 "$SERVICE" >&2 || true
      exit "$EXIT_FAILED"
    fi
    sleep 1
    progress '.'
    info=$(container_info "$id")
  done
  progress_end "healthy after $(seconds_text $(($(now_ms) - started)))"
  local ports
  ports=$(record_get ports "$info")
  ok "running (container $(record_get name "$info")${ports:+, $ports})"
}

docker_stop() {
  local id info state timeout=()
  if stop_timeout_given; then timeout=(-t "$STOP_TIMEOUT_S"); fi
  # (${timeout[@]+...}: an empty array is "unbound" to set -u before bash 4.4)
  if [[ -n $OPT_DOWN ]]; then
    say "${COMPOSE[*]} down${timeout[*]:+ ${timeout[*]}}"
    compose down ${timeout[@]+"${timeout[@]}"} || die "$EXIT_FAILED" "${COMPOSE[*]} down failed"
    ok 'stopped and removed'
    return 0
  fi
  id=$(container_id)
  [[ -z $id ]] || { info=$(container_info "$id"); state=$(record_get state "$info"); }
  if [[ -z $id || ( $state != running && $state != restarting ) ]]; then
    say "not running (no running container for the compose service $SERVICE)"
    return 0
  fi
  say "${COMPOSE[*]} stop${timeout[*]:+ ${timeout[*]}}"
  compose stop ${timeout[@]+"${timeout[@]}"} || die "$EXIT_FAILED" "${COMPOSE[*]} stop failed"
  ok "stopped (container $(record_get name "$info"))"
}

# A record of the compose service: state, code (LSB), detail; with a container its id and the fields of
# container_info prefixed container_; when it runs, url and the probe's fields (probe_service).
docker_probe() {
  local id info url='' probe='' ready_code health exit_code
  id=$(container_id)
  if [[ -z $id ]]; then
    record_line state stopped; record_line code "$STATUS_STOPPED"
    record_line detail "not running (no container for the compose service $SERVICE)"
    return 0
  fi
  record_line id "${id:0:12}"
  info=$(container_info "$id")
  printf '%s\n' "$info" | sed 's/^/container_/'
  health=$(record_get health "$info")
  exit_code=$(record_get exit "$info")
  case $(record_get state "$info") in
    running)
      if [[ -n $(record_get port "$info") ]]; then
        url="http://127.0.0.1:$(record_get port "$info")/"
        probe=$(probe_service "$url")
        record_line url "$url"
        printf '%s\n' "$probe"
      fi
      ready_code=$(record_get ready_code "$probe")
      # The healthcheck probes liveness (/healthz), so a draining service stays "healthy": an answer of
      # /readyz other than 200 overrides it. No answer on the host (port not reachable) leaves it to the healthcheck.
      if [[ -n $ready_code && $ready_code != 000 && $ready_code != 200 ]]; then
        ready_verdict "$probe"
      elif [[ $health == healthy || ( -z $health && $ready_code == 200 ) ]]; then
        record_line state running; record_line code "$STATUS_OK"; record_line detail 'running and healthy'
      else
        record_line state unhealthy; record_line code "$STATUS_UNHEALTHY"
        record_line detail "running but not healthy (${health:-no answer})"
      fi
      ;;
    restarting)
      record_line state dead; record_line code "$STATUS_DEAD"; record_line detail 'dead: the container keeps restarting'
      ;;
    exited | dead)
      if [[ ${exit_code:-0} != 0 ]]; then
        record_line state dead; record_line code "$STATUS_DEAD"
        record_line detail "dead: the container exited with code $exit_code"
      else
        record_line state stopped; record_line code "$STATUS_STOPPED"; record_line detail 'not running (the container is stopped)'
      fi
      ;;
    *)
      record_line state stopped; record_line code "$STATUS_STOPPED"
      record_line detail "not running (the container is $(record_get state "$info"))"
      ;;
  esac
}

# What the container serves next to what the checkout holds: "0.1.0 (checkout 0.1.0)", with a pointer to
# ./restart.sh when they differ.
version_text() { # SERVED CHECKOUT
  if [[ -z $1 ]]; then
    printf 'unknown (no answer); checkout %s' "$2"
  elif [[ $1 == "$2" ]]; then
    printf '%s (checkout %s)' "$1" "$2"
  else
    printf '%s, but the checkout is %s: out of date, ./restart.sh rebuilds the image' "$1" "$2"
  fi
}

docker_status() {
  local r code url name health
  r=$(docker_probe)
  code=$(record_get code "$r")
  url=$(record_get url "$r")
  name=$(record_get container_name "$r")
  health=$(record_get container_health "$r")
  if [[ -n $OPT_JSON ]]; then
    # The container's state under "container_state": "state" is the service's (running, draining, ...).
    json_object mode s docker mode_reason s "$MODE_WHY" state s "$(record_get state "$r")" \
      healthy b "$([[ $code == 0 ]] && echo true)" exit_code 'n?' "$code" detail s "$(record_get detail "$r")" \
      container 's?' "$name" container_id 's?' "$(record_get id "$r")" \
      container_state 's?' "$(record_get container_state "$r")" container_health 's?' "$health" \
      image 's?' "$(record_get container_image "$r")" port 's?' "$(record_get container_ports "$r")" \
      version 's?' "$(record_get root_version "$r")" checkout_version 's?' "$(checkout_version)" \
      health j "$([[ -z $url ]] || health_json "$url" "$r")" ready j "$([[ -z $url ]] || ready_json "$url" "$r")"
    printf '\n'
  else
    mode_line status
    field container "${name:+$name ($(record_get id "$r"))}"
    field state "$(record_get container_state "$r")"
    field health "${health:-${name:+no healthcheck}}"
    field image "$(record_get container_image "$r")"
    field port "$(record_get container_ports "$r")"
    [[ -z $url ]] || field version "$(version_text "$(record_get root_version "$r")" "$(checkout_version)")"
    [[ -z $url ]] || field answer "$(health_text "$url" "$r")"
    [[ -z $url ]] || field ready "$(ready_text "$url" "$r")"
    if [[ $code == 0 ]]; then ok "$(record_get detail "$r")"; else say "$(record_get detail "$r")"; fi
  fi
  return "$code"
}
