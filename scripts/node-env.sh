# Sourced by .ci/run and scripts/quickstart.sh.
# better-sqlite3 compiles from source here, and node-gyp must not try to download Node's
# headers (the machine reaches only the npm and Debian registries): point it at the
# headers of the Node that is running, which Debian's and the official builds install.
if [ -z "${npm_config_nodedir:-}" ]; then
  node_prefix=$(dirname "$(dirname "$(node -p 'process.execPath')")")
  if [ -f "$node_prefix/include/node/node.h" ]; then
    export npm_config_nodedir="$node_prefix"
  fi
fi
