#!/usr/bin/env bash
# The nightly run (not CI): every property test with hypothesis's `slow` profile (2,000
# examples each, the fuzzing of the parsers included), the tests marked `slow`, and the
# statistics of each property. Run from an environment where `bash .ci/run` passed.
set -euo pipefail
cd "$(dirname "$0")/.."
HYPOTHESIS_PROFILE=slow python -m pytest -q -p no:cacheprovider --hypothesis-show-statistics tests "$@"
