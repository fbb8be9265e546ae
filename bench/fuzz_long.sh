#!/usr/bin/env sh
# The long fuzz run of issue 6: >= 10 000 generated messages through the core and every
# renderer (tests/fuzz).  The normal test run does a few hundred.  Takes several minutes.
#
#   bench/fuzz_long.sh                      # 10 000 examples
#   FUZZ_EXAMPLES=50000 bench/fuzz_long.sh  # more
#   bench/fuzz_long.sh -x --hypothesis-seed=1   # extra pytest arguments pass through
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-10000}" exec "$PYTHON" -m pytest tests/fuzz -q --hypothesis-show-statistics "$@"
