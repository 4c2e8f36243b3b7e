#!/usr/bin/env bash
# Create .venv if missing and install triage into it, with the extras named in $1
# (e.g. "test"). Used by scripts/demo.sh and scripts/test.sh.
#
# torch is installed first, pinned: PyPI's newer Linux releases are CUDA builds of
# several GB, while 2.13.0 is the CPU build this kind of machine keeps on disk. The
# sentence encoder (triage.embedding) only needs the CPU.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

extras="${1:-}"
if [[ ! -x .venv/bin/python ]]; then
    python_bin="${PYTHON:-$(command -v python3.11 || command -v python3)}"
    echo "creating .venv with ${python_bin}" >&2
    "${python_bin}" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
fi
if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    .venv/bin/python -m pip install --quiet 'torch==2.13.0'
fi
if [[ -n "${extras}" ]]; then
    .venv/bin/python -m pip install --quiet -e ".[${extras}]"
else
    .venv/bin/python -m pip install --quiet -e .
fi
