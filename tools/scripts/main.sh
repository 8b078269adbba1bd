#!/usr/bin/env bash
# The main job: set up, then run the spectral-bias experiment (E1) on the default backend, writing
# run records under runs/spectral-bias/ and their HTML reports. Extra arguments go to `precond run`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/setup.sh
pnpm exec precond run experiments/spectral-bias "$@"
