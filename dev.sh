#!/usr/bin/env bash
# Set up lrnn on a fresh machine and run one job:
#   bash dev.sh main    train the shipped default model (the main job)
#   bash dev.sh test    lint, run the test suite, the quick benchmarks and the notebooks
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}

setup() {
    # A CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
    if ! "$PYTHON" -c "import torch" 2>/dev/null; then
        "$PYTHON" -m pip install -q "torch==2.13.0"
    fi
    "$PYTHON" -m pip install -q -e ".[dev,notebooks]"
}

case "${1:-}" in
    main)
        setup
        shift
        "$PYTHON" -m lrnn train "$@"
        ;;
    test)
        setup
        "$PYTHON" -m ruff check .
        "$PYTHON" -m pytest -m "not slow" "${@:2}"
        ;;
    *)
        echo "usage: bash dev.sh main|test" >&2
        exit 2
        ;;
esac
