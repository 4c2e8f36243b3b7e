#!/usr/bin/env bash
# Run the test suite in the project's virtualenv (created if missing).
# Arguments go to pytest. "No tests collected" (pytest exit 5) counts as a failure:
# a run that tested nothing must not look green.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install.sh test

status=0
.venv/bin/python -m pytest "$@" || status=$?
if [[ ${status} -eq 5 ]]; then
    echo "test.sh: pytest collected no tests; treating that as a failure" >&2
    exit 1
fi
exit "${status}"
