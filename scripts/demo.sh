#!/usr/bin/env bash
# Set up triage on a fresh machine and run the self-contained demo:
# creates .venv, installs the package, trains the model if none is current, runs `triage demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh

if [ ! -s models/CURRENT ]; then
  echo "No current model: training one from training_data/ ..."
  .venv/bin/triage train --data training_data --models models
fi

exec .venv/bin/triage demo --models models "$@"
