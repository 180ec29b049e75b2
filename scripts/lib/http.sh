# shellcheck shell=bash
# HTTP probes of the service (curl, else node) and what their answers mean.

# http_get URL TIMEOUT_SECONDS: prints "CODE MS" ("000" when nothing answered), then the body on the
# following lines. PROXY_HTTP=node uses node even where curl exists.
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
  seconds=${last#* }
  seconds=${seconds/,/.}
  whole=${seconds%%.*}
  fraction="${seconds#*.}000"
  [[ $seconds == *.* ]] || fraction=000
  printf '%s %s\n%s' "${last%% *}" "$((10#${whole:-0} * 1000 + 10#${fraction:0:3}))" "${out%$'\n'*}"
}

# http_ok URL TIMEOUT_SECONDS: 0 on a 2xx answer.
http_ok() {
  local answer
  answer=$(http_get "$1" "$2")
  [[ $answer == 2??' '* ]]
}

# probe_service BASE_URL (ending in /): a record of GET /readyz (the verdict: 503 from the moment a drain
# starts) and of GET / (the report: answers 200 even while draining, with the version).
probe_service() {
  local ready home ready_code root_code root_head
  ready=$(http_get "${1}readyz" 3)
  home=$(http_get "$1" 3)
  ready_code=${ready%% *}
  root_head=${home%%$'\n'*}
  root_code=${root_head%% *}
  record_line ready_code "$ready_code"
  [[ $ready_code == 000 ]] || record_line ready_status "$(json_field status "${ready#*$'\n'}")"
  record_line root_code "$root_code"
  if [[ $root_code != 000 ]]; then
    record_line root_ms "${root_head#* }"
    record_line root_status "$(json_field status "${home#*$'\n'}")"
    record_line root_version "$(json_field version "${home#*$'\n'}")"
  fi
}

# ready_verdict PROBE: a record of state, code (LSB) and detail from the answer of GET /readyz.
ready_verdict() {
  local code status
  code=$(record_get ready_code "$1")
  status=$(record_get ready_status "$1")
  if [[ $code == 200 ]]; then
    record_line state running; record_line code "$STATUS_OK"; record_line detail 'running and healthy'
  elif [[ $code == 000 || -z $code ]]; then
    record_line state unhealthy; record_line code "$STATUS_UNHEALTHY"
    record_line detail 'running but not answering (no answer from GET /readyz)'
  elif [[ $status == draining ]]; then
    record_line state draining; record_line code "$STATUS_UNHEALTHY"
    record_line detail 'running but draining (GET /readyz -> 503): it is shutting down and refuses new requests'
  else
    record_line state unhealthy; record_line code "$STATUS_UNHEALTHY"
    record_line detail "running but not ready (GET /readyz -> $code${status:+ $status})"
  fi
}

# The lines of status.sh about the two answers, as text and as JSON: BASE_URL PROBE.
ready_text() {
  if [[ $(record_get ready_code "$2") == 000 ]]; then
    printf 'no answer from %sreadyz' "$1"
  else
    printf 'GET %sreadyz -> %s %s' "$1" "$(record_get ready_code "$2")" "$(record_get ready_status "$2")"
  fi
}

ready_json() {
  local code
  code=$(record_get ready_code "$2")
  [[ $code != 000 ]] || code=''
  json_object url s "${1}readyz" http_status 'n?' "${code:+$((10#$code))}" status 's?' "$(record_get ready_status "$2")"
}

health_text() {
  if [[ $(record_get root_code "$2") == 000 ]]; then
    printf 'no answer from %s' "$1"
  else
    printf 'GET %s -> %s %s, version %s, %s ms' "$1" "$(record_get root_code "$2")" "$(record_get root_status "$2")" \
      "$(record_get root_version "$2")" "$(record_get root_ms "$2")"
  fi
}

health_json() {
  local code
  code=$(record_get root_code "$2")
  [[ $code != 000 ]] || code=''
  json_object url s "$1" http_status 'n?' "${code:+$((10#$code))}" status 's?' "$(record_get root_status "$2")" \
    version 's?' "$(record_get root_version "$2")" latency_ms 'n?' "$(record_get root_ms "$2")"
}
