# shellcheck shell=bash
# Settings and arguments. Settings come from the environment, else from $ROOT/.env, else defaults, read by
# the service's own reader through scripts/settings.ts: the shell never parses .env itself. Where no Node
# can run that entry (none installed, too old, dependencies missing), the environment and the defaults
# still drive docker mode; pid mode needs that Node anyway and says so (check_pid_prerequisites).
#
# Globals, each set once before anything acts: the SETTING_* and resolved paths below (load_settings), the
# OPT_* options (parse_args), MODE and MODE_WHY (modes.sh), the docker facts (docker.sh). Everything else is
# handed back on stdout.

abs_path() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$ROOT" "$1" ;; esac; }

# Shown relative to the repository root when inside it.
pretty_path() { case $1 in "$ROOT"/*) printf '%s' "${1#"$ROOT"/}" ;; *) printf '%s' "$1" ;; esac; }

SETTINGS_READ_BY='' SETTINGS_PROBLEM=''
load_settings() {
  local assignments problem
  if assignments=$(cd "$ROOT" && node scripts/settings.ts 2>/dev/null); then
    eval "$assignments"
    SETTINGS_READ_BY=service
  else
    # Asked again for the reason only when it failed: stderr never mixes with the assignments.
    problem=$(cd "$ROOT" && node scripts/settings.ts 2>&1 >/dev/null) || true
    if [[ $problem == 'anthropic-proxy: configuration error: '* ]]; then
      die "$EXIT_NOT_CONFIGURED" "${problem#anthropic-proxy: configuration error: }"
    fi
    # Without a Node that runs the service's reader only the environment counts; .env is left to compose.
    SETTINGS_READ_BY=environment
    local version
    if ! command -v node >/dev/null 2>&1; then
      SETTINGS_PROBLEM='node is not installed'
    elif version=$(node -p 'process.versions.node' 2>/dev/null) && ! version_at_least "$version" "$(node_minimum)"; then
      SETTINGS_PROBLEM="node is $version"
    else
      SETTINGS_PROBLEM=$(grep -m 1 -E 'Error|error' <<<"$problem" || printf '%s' "${problem%%$'\n'*}")
    fi
    [[ -n $SETTINGS_PROBLEM ]] || SETTINGS_PROBLEM='it failed'
    SETTING_PORT=${PORT-5000} SETTING_HOST=${HOST-0.0.0.0} SETTING_LOG_DIR=${LOG_DIR-logs}
    local name
    for name in PROXY_MODE PID_FILE STOP_TIMEOUT START_TIMEOUT; do
      if [[ -n ${!name+set} ]]; then printf -v "SETTING_$name" '%s' "${!name}"; fi
    done
    NODE_FLAGS='' SERVICE_ENV='' VERSION=''
  fi
  SETTING_PORT=${SETTING_PORT//[[:space:]]/}
  SETTING_HOST=${SETTING_HOST//[[:space:]]/}
  readonly SETTING_PORT SETTING_HOST SETTING_LOG_DIR NODE_FLAGS SERVICE_ENV VERSION
  PID_FILE_PATH=$(abs_path "${SETTING_PID_FILE-$SERVICE.pid}")
  # The service writes no files when LOG_DIR is empty; the scripts then keep what it prints in logs/.
  LOG_PATH=$(abs_path "${SETTING_LOG_DIR:-logs}")
  MAIN_LOG="$LOG_PATH/server.log"
  ERROR_LOG="$LOG_PATH/server_error.log"
  STOP_TIMEOUT_S=$(whole_number_setting STOP_TIMEOUT 15)
  readonly PID_FILE_PATH LOG_PATH MAIN_LOG ERROR_LOG STOP_TIMEOUT_S
}

# The settings of pid mode must be the service's own reading; the environment alone is not enough there.
require_service_settings() {
  [[ $SETTINGS_READ_BY == service ]] ||
    die "$EXIT_NOT_INSTALLED" "cannot read the configuration with the service's reader (node scripts/settings.ts: $SETTINGS_PROBLEM)"
}

# whole_number_setting NAME DEFAULT: prints the value, or stops with the variable named.
whole_number_setting() {
  local name="SETTING_$1" value
  value=${!name-$2}
  [[ $value =~ ^[0-9]+$ ]] || die "$EXIT_NOT_CONFIGURED" "$1=\"$value\" is not a whole number of seconds; for example $1=$2"
  printf '%s' "$((10#$value))"
}

# Docker mode passes -t only when asked to: otherwise compose's stop_grace_period (longer than the service's
# drain) applies, and a default of 15 s would cut it short.
stop_timeout_given() { [[ -n ${SETTING_STOP_TIMEOUT:-} ]]; }

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
  if [[ $SETTING_PORT =~ ^[0-9]+$ ]] && (( 10#$SETTING_PORT > 0 && 10#$SETTING_PORT <= 65535 )); then return 0; fi
  die "$EXIT_NOT_CONFIGURED" "PORT=\"$SETTING_PORT\" is not a port the scripts can probe (1 to 65535); for example PORT=5000"
}

# The checkout's version (package.json), read without node: it may be missing or too old.
checkout_version() {
  local text='' pattern='^[[:space:]]*\{[^{]*"version"[[:space:]]*:[[:space:]]*"([^"]*)"'
  if [[ -n $VERSION ]]; then printf '%s' "$VERSION"; return 0; fi
  [[ -f $ROOT/package.json ]] && text=$(<"$ROOT/package.json")
  if [[ $text =~ $pattern ]]; then printf '%s' "${BASH_REMATCH[1]}"; fi
}

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
  readonly OPT_MODE OPT_QUIET OPT_JSON OPT_DOWN OPT_BACKGROUND
}
