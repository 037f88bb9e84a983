#!/bin/sh
# One command from a fresh clone: install, build, and run prov on the bundled samples.
set -eu
cd "$(dirname "$0")/.."
. scripts/node-env.sh
if [ ! -d node_modules/better-sqlite3/build ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
node dist/scripts/demo.js scan
