#!/usr/bin/env bash
# The whole test suite: set up, then typecheck, lint and test every project, and print the totals
# as one line `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false
bash tools/scripts/setup.sh || exit 1
find . -path ./node_modules -prune -o -name vitest-results.json -path '*/.tmp/*' -print | xargs rm -f
status=0
pnpm exec nx run-many -t typecheck lint --output-style=static || status=1
pnpm exec nx run-many -t test --parallel=1 --output-style=static --skip-nx-cache || status=1
node tools/scripts/totals.mjs || status=1
exit $status
