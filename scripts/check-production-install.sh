#!/usr/bin/env bash
# What the Dockerfile's runtime stage does, without Docker: in an empty directory, package.json,
# package-lock.json and the built dist/, the same production install (read from the Dockerfile's
# PRODUCTION_INSTALL line), then `node dist/main.js` with no provider keys, until /health/live
# answers 200. Fails when the app cannot start from that install, e.g. because dist/ imports a
# package that is only in devDependencies. Needs `npm run build` first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

[ -f dist/main.js ] || { echo "dist/main.js is missing: run npm run build first" >&2; exit 1; }

# The line after the marker, from `npm ci` up to the first `&&` (the cache clean-up that follows
# matters in an image layer only).
install_line="$(awk '/^# PRODUCTION_INSTALL:/ { getline; print; exit }' Dockerfile)"
install_command="$(sed -E 's/^RUN +//; s/ *&&.*$//' <<<"$install_line")"
case "$install_command" in
  "npm ci "*--omit=dev*) ;;
  *) echo "Dockerfile: no 'RUN npm ci --omit=dev ...' line after '# PRODUCTION_INSTALL:' (found: '$install_line')" >&2; exit 1 ;;
esac
read -r -a install_args <<<"$install_command"

# The image's Node major (ARG NODE_IMAGE=node:NN-...) may differ from the one running this check.
image_node="$(sed -nE 's/^ARG NODE_IMAGE=node:([0-9]+).*/\1/p' Dockerfile)"
local_node="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$image_node" != "$local_node" ]; then
  echo "note: the image runs Node $image_node, this check runs Node $local_node"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/gateway-production-install.XXXXXX")"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Exactly what the runtime stage copies (test/e2e/deploy/manifests.spec.ts holds the two together).
cp package.json package-lock.json "$work/"
cp -R dist "$work/dist"

echo "$ ${install_args[*]}   (in $work)"
(cd "$work" && "${install_args[@]}")

port="$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
log="$work/server.log"
# A clean environment, as in a container: no provider keys, no REDIS_URL or MODELS_FILE from the
# CI machine, no .env (the working directory is the fresh one).
(cd "$work" && exec env -i PATH="$PATH" HOME="$work" NODE_ENV=production HOST=127.0.0.1 PORT="$port" \
  node dist/main.js >"$log" 2>&1) &
server=$!

fail() {
  echo "FAILED: $1" >&2
  echo "--- server output ---" >&2
  cat "$log" >&2 || true
  exit 1
}

status=0
deadline=$((SECONDS + 20))
while [ "$status" != 200 ]; do
  kill -0 "$server" 2>/dev/null || fail "node dist/main.js exited before /health/live answered"
  [ "$SECONDS" -lt "$deadline" ] || fail "/health/live did not answer 200 within 20 s (last status: $status)"
  sleep 0.25
  status="$(node -e "fetch('http://127.0.0.1:$port/health/live').then((r) => console.log(r.status), () => console.log(0))")"
done
echo "/health/live answered 200 on port $port"

# An orchestrator's stop: SIGTERM, and the process must be gone well before a SIGKILL would come.
kill -TERM "$server"
for _ in $(seq 1 40); do
  kill -0 "$server" 2>/dev/null || break
  sleep 0.25
done
kill -0 "$server" 2>/dev/null && fail "still running 10 s after SIGTERM"
code=0
wait "$server" || code=$?
server=""
# 0, or 143 (128 + SIGTERM) when the process re-raises the signal after closing.
[ "$code" = 0 ] || [ "$code" = 143 ] || fail "exited with $code after SIGTERM"
echo "stopped on SIGTERM (exit $code); the production install starts and answers /health/live"
