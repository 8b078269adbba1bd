#!/usr/bin/env bash
# Set up a fresh machine (Node 20 + npm): pnpm, the workspace's dependencies, and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v | cut -d. -f1)" != "12" ]; then
  npm install -g pnpm@12.21.0 >/dev/null
fi
pnpm install --frozen-lockfile
pnpm exec nx run-many -t build --output-style=static
