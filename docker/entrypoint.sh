#!/bin/sh
# Image entrypoint: applies the service's node flags, makes the log folder usable, then execs the command
# (node dist/main.js) as `node`.
#
# Why: a bind mount whose host folder does not exist yet (./logs on a fresh clone) is created by the
# engine as root, and the non-root service could not write to it. docker-compose.yml therefore starts
# the container as root; this script gives the folder to `node` when `node` cannot write to it, and
# drops to `node` (setpriv, from util-linux) before running anything else. Started as non-root (the
# image default, Kubernetes), it changes nothing: the service itself falls back to stdout-only logging,
# with a warning, when LOG_DIR is not writable.
#
# The flags (package.json "config": {"node_flags"}, written to /app/node-options.env by the build) go in
# front of a NODE_OPTIONS the container is given, so that both apply (Kubernetes' --max-old-space-size, say)
# and the container's own win where they name the same flag.
set -eu

if [ -r /app/node-options.env ]; then
  flags=''
  IFS= read -r flags </app/node-options.env || true
  flags=${flags#NODE_OPTIONS=}
  NODE_OPTIONS="$flags${NODE_OPTIONS:+ $NODE_OPTIONS}"
  export NODE_OPTIONS
fi

# Unset means the image's default. Compose v1 passes a name listed in `environment:` but set nowhere as a
# bare "LOG_DIR", which hides the image's ENV value; an empty LOG_DIR (stdout only) is kept as it is.
LOG_DIR=${LOG_DIR-/app/logs}
export LOG_DIR

if [ "$(id -u)" != 0 ]; then
  exec "$@"
fi

# The usage records' folder (DATA_DIR, docs/client-keys.md), a named volume in compose: created by the engine as root.
DATA_DIR=${DATA_DIR-/app/data}
export DATA_DIR

# Never fatal: if a folder cannot be made usable (read-only filesystem, a mount that refuses chown), the
# service says so: it logs to stdout only, and keeps usage records in the process.
for dir in "$LOG_DIR" "$DATA_DIR"; do
  if [ -n "$dir" ] && mkdir -p "$dir" 2>/dev/null &&
    ! setpriv --reuid=node --regid=node --init-groups test -w "$dir"; then
    echo "entrypoint: $dir is not writable by node (uid $(id -u node)): giving it to node" >&2
    chown -R node:node "$dir" || echo "entrypoint: could not give $dir to node" >&2
  fi
done
exec setpriv --reuid=node --regid=node --init-groups --inh-caps=-all --bounding-set=-all "$@"
