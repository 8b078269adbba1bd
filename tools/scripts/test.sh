#!/usr/bin/env bash
# The whole test suite: set up, then typecheck, lint and test every project, and print the totals
# as one line `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false
bash tools/scripts/setup.sh || exit 1
# The browser tests drive Debian's Chromium (with Vulkan's loader for WebGPU on SwiftShader).
if ! command -v chromium >/dev/null 2>&1 || ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libvulkan1 >/dev/null || echo "apt-get could not install chromium libvulkan1: the browser tests will fail" >&2
  else
    echo "chromium (and libvulkan1) are missing and this user cannot install them: the browser tests will say so and fail" >&2
  fi
fi
find . -path ./node_modules -prune -o -name vitest-results.json -path '*/.tmp/*' -print | xargs rm -f
status=0
pnpm exec nx run-many -t typecheck lint --output-style=static || status=1
pnpm exec nx run-many -t test --parallel=1 --output-style=static --skip-nx-cache || status=1
node tools/scripts/totals.mjs || status=1
exit $status
