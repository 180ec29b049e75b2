#!/usr/bin/env bash
# `npm run test:docker`: builds the image and proves it end to end with docker-compose, as a user would run
# it: healthy container, real requests through it to a mock upstream container, log files on the host
# owned by the service's user (the host folder does not exist beforehand, as on a fresh clone), a clean
# SIGTERM stop well within the grace period. Traffic goes only to 127.0.0.1 and to containers this test
# started. Needs root (or docker rights) and shared/ beside the repo, or SHARED_DIR pointing at it.
# CHAT_REQUIRED=1 makes a missing POST /v1/chat/completions route a failure instead of a skipped step.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARED_DIR=${SHARED_DIR:-$REPO/../shared}
CHAT_REQUIRED=${CHAT_REQUIRED:-1}
TEST_IMAGE=anthropic-proxy:test
PROJECT=anthropic-proxy-test-$$
SERVER_KEY=sk-docker-test-0123456789
T0=$(date +%s)

say() { printf '[test:docker %3ss] %s\n' $(($(date +%s) - T0)) "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
cd "$REPO"

[[ -f $SHARED_DIR/docker-offline.sh ]] || fail "no docker-offline.sh in SHARED_DIR=$SHARED_DIR"
command -v curl >/dev/null || fail "curl is needed"
say "engine and local base images (docker-offline.sh; the first run builds them)"
# The engine is started on its own first, with stdout on /dev/null: a dockerd started from inside the `env`
# command substitution below inherits that pipe (docker-offline.sh keeps a copy of its stdout on fd 3) and
# holds it open for ever, so `$(...)` would never return on a machine whose engine is not yet running.
# An engine this test started is stopped again at the end: the machine is left as it was found.
ENGINE_WAS_RUNNING=0
docker info >/dev/null 2>&1 && ENGINE_WAS_RUNNING=1
bash "$SHARED_DIR/docker-offline.sh" engine >/dev/null
eval "$(bash "$SHARED_DIR/docker-offline.sh" env)"
if command -v docker-compose >/dev/null; then COMPOSE=(docker-compose); else COMPOSE=(docker compose); fi

WORK=$(mktemp -d /tmp/anthropic-proxy-docker-test.XXXXXX)
export TEST_IMAGE TEST_LOGS=$WORK/logs         # logs/ does not exist yet: the engine will create it as root
HOST_PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
BASE=http://127.0.0.1:$HOST_PORT
# The user's .env: a non-default host PORT, the mock as upstream, a key. Everything else is set nowhere,
# as on a fresh clone, so the image's and the service's defaults must hold (LOG_DIR included).
printf '%s\n' "PORT=$HOST_PORT" "UPSTREAM_BASE=http://mock-upstream:8080" "SERVER_API_KEY=$SERVER_KEY" >"$WORK/test.env"
# The shell's values would win over the env file: keep this test independent of the caller's environment.
while IFS= read -r name; do unset "$name"; done < <(sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' .env.example)
compose() { "${COMPOSE[@]}" -p "$PROJECT" --env-file "$WORK/test.env" -f docker-compose.yml -f test/docker/compose.test.yml "$@"; }

DISTROLESS_CID=
stop_engine() {
  pkill -TERM -x dockerd || return 0
  for _ in $(seq 40); do pgrep -x dockerd >/dev/null || return 0; sleep 0.5; done
  say "dockerd did not stop within 20 s"
}
cleanup() {
  local rc=$?
  set +e
  if ((rc != 0)); then
    say "diagnostics:"; compose ps; compose logs --tail=40
  fi
  [[ -z $DISTROLESS_CID ]] || docker rm -f "$DISTROLESS_CID" >/dev/null 2>&1
  compose down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1
  [[ -z ${USER_COPY:-} ]] || user_compose down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1
  rm -rf "$WORK"
  ((ENGINE_WAS_RUNNING)) || stop_engine
  if ((rc == 0)); then say "PASSED in $(($(date +%s) - T0)) s"; else say "FAILED (exit $rc) after $(($(date +%s) - T0)) s"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits (bounded) until a container's health status is healthy; fails at once if it stops running.
wait_healthy() {
  local cid=$1 limit=$2 status=starting started=$SECONDS
  while ((SECONDS - started < limit)); do
    status=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}} {{.State.Status}}' "$cid")
    [[ $status == "healthy running" ]] && { say "healthy after $((SECONDS - started)) s"; return 0; }
    [[ $status == *running* ]] || fail "container stopped while waiting for health: $status"
    say "waiting for healthy: $status"
    sleep 2
  done
  fail "not healthy within $limit s (status: $status)"
}

# GET/POST with a bounded time; prints the body, fails on an unexpected status.
http() {
  local expect=$1; shift
  local out status
  out=$(curl -sS --noproxy '*' --max-time 20 -w '\n%{http_code}' "$@") || fail "curl $*"
  status=${out##*$'\n'}
  [[ $status == "$expect" ]] || fail "curl $* -> HTTP $status, expected $expect: ${out%$'\n'*}"
  printf '%s' "${out%$'\n'*}"
}
expect_in() { [[ $2 == *"$1"* ]] || fail "expected '$1' in: $2"; }

say "docker build (NODE_IMAGE=$NODE_IMAGE)"
t=$SECONDS
docker build -q --build-arg NODE_IMAGE="$NODE_IMAGE" --build-arg NODE_DISTROLESS_IMAGE="$NODE_DISTROLESS_IMAGE" \
  -t "$TEST_IMAGE" . >/dev/null
say "built in $((SECONDS - t)) s: $(docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$TEST_IMAGE")"

say "${COMPOSE[*]} up -d (host port $HOST_PORT -> container 5000, logs in a new host folder)"
compose up -d --no-build
CID=$(compose ps -q anthropic-proxy)
[[ -n $CID ]] || fail "no anthropic-proxy container"
wait_healthy "$CID" 90

say "configuration: .env values reach the container, PORT inside stays 5000"
env_json=$(docker inspect -f '{{json .Config.Env}}' "$CID")
expect_in '"PORT=5000"' "$env_json"
expect_in '"UPSTREAM_BASE=http://mock-upstream:8080"' "$env_json"
# the route tests below depend on this plumbing: the proxy's container reaches the mock by name
reach=$(compose exec -T anthropic-proxy node -e \
  "fetch('http://mock-upstream:8080/v1/messages',{method:'POST',body:'{}',headers:{'x-api-key':'$SERVER_KEY'},signal:AbortSignal.timeout(5000)}).then(r=>r.text()).then(console.log)")
expect_in 'Hello from the mock upstream' "$reach"

say "node flags: package.json's, in front of a NODE_OPTIONS the container is given"
flags=$(node -p "require('./package.json').config.node_flags")
service_pid=$(docker top "$CID" -eo pid,args | awk '$2 == "node" && $3 == "dist/main.js" {print $1; exit}')
[[ -n $service_pid ]] || fail "no 'node dist/main.js' process in the container: $(docker top "$CID" -eo pid,args)"
service_options=$(tr '\0' '\n' <"/proc/$service_pid/environ" | sed -n 's/^NODE_OPTIONS=//p')
[[ $service_options == "$flags" ]] || fail "the service runs with NODE_OPTIONS='$service_options', expected '$flags'"
combined=$(docker run --rm -e NODE_OPTIONS=--max-old-space-size=192 "$TEST_IMAGE" node -p 'process.env.NODE_OPTIONS + " " + require("v8").getHeapStatistics().heap_size_limit')
[[ $combined == "$flags --max-old-space-size=192 "* ]] || fail "with the container's own NODE_OPTIONS: '$combined'"
heap_mib=$((${combined##* } / 1048576))
((heap_mib < 300)) || fail "the container's --max-old-space-size=192 did not apply (heap limit $heap_mib MiB)"

say "requests through the container"
expect_in '"service":"anthropic-proxy"' "$(http 200 "$BASE/")"
expect_in '"status":"ok"' "$(http 200 "$BASE/healthz")"
expect_in '"status":"ready"' "$(http 200 "$BASE/readyz")"
expect_in '"id":"glm-4.5"' "$(http 200 "$BASE/v1/models")"
openapi=$(http 200 "$BASE/openapi.json")
if [[ $openapi == *'"/v1/chat/completions"'* ]]; then
  say "POST /v1/chat/completions (non-streaming and streaming) through the mock upstream"
  body='{"model":"glm-4.5","messages":[{"role":"user","content":"Hello"}]}'
  answer=$(http 200 "$BASE/v1/chat/completions" -H 'content-type: application/json' -d "$body")
  expect_in '"object":"chat.completion"' "$answer"
  expect_in 'Hello from the mock upstream' "$answer"
  answer=$(http 200 "$BASE/v1/chat/completions" -H 'content-type: application/json' -d "${body%\}},\"stream\":true}")
  expect_in 'Hello from the mock upstream' "$answer"
  expect_in 'data: [DONE]' "$answer"
elif ((CHAT_REQUIRED)); then
  fail "POST /v1/chat/completions is not served (CHAT_REQUIRED=1)"
else
  say "SKIPPED: POST /v1/chat/completions is not in /openapi.json yet (CHAT_REQUIRED=1 makes this a failure)"
fi
if [[ $openapi == *'"/v1/messages"'* ]]; then
  say "POST /v1/messages through the mock upstream"
  answer=$(http 200 "$BASE/v1/messages" -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \
    -d '{"model":"glm-4.5","max_tokens":16,"messages":[{"role":"user","content":"Hello"}]}')
  expect_in 'Hello from the mock upstream' "$answer"
fi
if [[ $openapi == *'"/v1/chat/completions"'* || $openapi == *'"/v1/messages"'* ]]; then
  mock_log=$(compose logs --no-color mock-upstream)
  expect_in '"url":"/v1/messages"' "$mock_log"
  [[ $mock_log != *'"key_ok":false'* ]] || fail "the mock upstream got a request without SERVER_API_KEY from .env"
fi

say "log files on the host"
[[ -s $TEST_LOGS/server.log ]] || fail "$TEST_LOGS/server.log is missing or empty"
expect_in '"url":"/v1/models"' "$(cat "$TEST_LOGS/server.log")"
[[ -f $TEST_LOGS/server_error.log ]] || fail "$TEST_LOGS/server_error.log is missing"
grep -q "$SERVER_KEY" "$TEST_LOGS/server.log" && fail "the server key appears in server.log"
node_uid=$(docker top "$CID" -eo pid,uid,args | awk '$3 == "node" {print $2; exit}')
[[ -n $node_uid && $node_uid != 0 ]] || fail "node runs as uid '${node_uid}', expected a non-root user"
for f in "$TEST_LOGS" "$TEST_LOGS/server.log" "$TEST_LOGS/server_error.log"; do
  owner=$(stat -c %u "$f")
  [[ $owner == "$node_uid" ]] || fail "$f is owned by uid $owner, expected $node_uid (the service's user)"
done
say "server.log has $(wc -l <"$TEST_LOGS/server.log") lines; folder and files owned by uid $node_uid (the service's user)"

say "${COMPOSE[*]} stop (SIGTERM; grace period 20 s)"
t=$(date +%s%N)
compose stop anthropic-proxy >/dev/null
took_ms=$((($(date +%s%N) - t) / 1000000))
code=$(docker inspect -f '{{.State.ExitCode}}' "$CID")
[[ $code == 0 || $code == 143 ]] || fail "exit code $code after SIGTERM, expected 0 (drained) or 143"
# 137 would mean the engine killed it at the end of the grace period; the wall time includes compose itself
((took_ms < 15000)) || fail "stopping took $took_ms ms: not well within the 20 s grace period"
# the service's own drain, from its log: SIGTERM received -> exiting
drain_ms=$(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const at = (m) => Date.parse(lines.find((l) => l.msg.startsWith(m)).time);
  console.log(at("drained, exiting") - at("draining"));' "$TEST_LOGS/server.log") || fail "no drain lines in server.log"
((drain_ms < 2000)) || fail "the idle service took $drain_ms ms to drain"
say "stopped in $took_ms ms (service drain $drain_ms ms) with exit code $code"

say "host scripts in docker mode: status, start, status --json, restart, stop"
# The scripts run plain compose in the repository; these standard compose variables point them at this
# test's project and override file, and the shell provides what test.env provided.
(
  export COMPOSE_PROJECT_NAME=$PROJECT COMPOSE_FILE=docker-compose.yml:test/docker/compose.test.yml
  export PORT=$HOST_PORT UPSTREAM_BASE=http://mock-upstream:8080 SERVER_API_KEY=$SERVER_KEY NO_COLOR=1
  rc=0; ./status.sh --mode docker --quiet || rc=$?
  ((rc == 3)) || fail "status.sh of a stopped container exited $rc, expected 3"
  out=$(./start.sh --mode docker 2>&1) || fail "start.sh --mode docker failed: $out"
  expect_in 'docker mode' "$(head -n 1 <<<"$out")"
  json=$(./status.sh --mode docker --json) || fail "status.sh --json of a healthy container failed: $json"
  expect_in '"healthy":true' "$json"
  expect_in '"state":"running"' "$json"
  out=$(./restart.sh --mode docker 2>&1) || fail "restart.sh --mode docker failed: $out"
  expect_in '"healthy":true' "$(./status.sh --mode docker --json)"
  out=$(./stop.sh --mode docker 2>&1) || fail "stop.sh --mode docker failed: $out"
  rc=0; ./status.sh --mode docker --quiet || rc=$?
  ((rc == 3)) || fail "status.sh after stop.sh exited $rc, expected 3"
) || exit 1
say "host scripts: start, status, restart and stop work in docker mode"

compose down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1
say "${COMPOSE[*]} down: done"

# The README's Quick start (and docs/docker.md), untouched by the override file: a copy of the project (working tree, as git sees it),
# .env from .env.example (only the port, and an upstream on a closed local port: nothing leaves the machine),
# compose's own build with the NODE_IMAGE argument, and the relative ./logs folder created by the engine.
say "as a user: a copy of the project, .env from .env.example, ${COMPOSE[*]} up -d --build"
USER_COPY=$WORK/user-copy
USER_PROJECT=$PROJECT-user
USER_PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
mkdir -p "$USER_COPY"
git ls-files -z --cached --others --exclude-standard | tar --null -cf - -T - | tar -xf - -C "$USER_COPY"
sed -e "s/^PORT=.*/PORT=$USER_PORT/" -e "s#^UPSTREAM_BASE=.*#UPSTREAM_BASE=http://127.0.0.1:9#" .env.example >"$USER_COPY/.env"
user_compose() { (cd "$USER_COPY" && "${COMPOSE[@]}" -p "$USER_PROJECT" "$@"); }
user_compose up -d --build >"$WORK/user-up.log" 2>&1 || { tail -n 30 "$WORK/user-up.log" >&2; fail "${COMPOSE[*]} up -d --build in the copy failed"; }
USER_CID=$(user_compose ps -q anthropic-proxy)
wait_healthy "$USER_CID" 90
expect_in '"status":"ok"' "$(http 200 "http://127.0.0.1:$USER_PORT/healthz")"
expect_in '"glm-4.5"' "$(http 200 "http://127.0.0.1:$USER_PORT/v1/models")"
[[ -s $USER_COPY/logs/server.log ]] || fail "no server.log in the copy's ./logs"
user_compose down --timeout 20 >/dev/null 2>&1 || fail "${COMPOSE[*]} down in the copy failed"
USER_COPY=
say "as a user: built by compose, healthy, served on .env's PORT, logs in ./logs, down cleanly"

say "distroless target: builds (shared cached stages), runs with the node flags, becomes healthy, stops cleanly"
docker build -q --target distroless --build-arg NODE_IMAGE="$NODE_IMAGE" \
  --build-arg NODE_DISTROLESS_IMAGE="$NODE_DISTROLESS_IMAGE" -t "$TEST_IMAGE-distroless" . >/dev/null
distroless_options=$(docker run --rm "$TEST_IMAGE-distroless" -p 'process.env.NODE_OPTIONS')
[[ $distroless_options == "$flags" ]] || fail "the distroless image runs node with NODE_OPTIONS='$distroless_options', expected '$flags'"
DISTROLESS_CID=$(docker run -d --init -p "127.0.0.1::5000" -e UPSTREAM_BASE=http://127.0.0.1:9 "$TEST_IMAGE-distroless")
wait_healthy "$DISTROLESS_CID" 60
expect_in '"status":"ok"' "$(http 200 "http://$(docker port "$DISTROLESS_CID" 5000 | head -n 1)/healthz")"
docker stop -t 20 "$DISTROLESS_CID" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$DISTROLESS_CID")
[[ $code == 0 || $code == 143 ]] || fail "distroless exit code $code after SIGTERM"
say "image sizes: $(docker image ls --format '{{.Tag}}={{.Size}}' anthropic-proxy | grep -E '^test(-distroless)?=' | tr '\n' ' ')"
