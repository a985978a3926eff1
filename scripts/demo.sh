#!/usr/bin/env bash
# Builds and runs the formats tour (examples/formats_tour.cpp) in the release
# build tree, installing missing packages first: every number format side by
# side, how chosen values round into each under every rounding mode, and the
# spacing of representable values; then the policy tour. It also builds the
# mixprec-explain tool, and its last line is a command to run it (scripts/test.sh
# runs that line as printed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh

cmake --preset release
cmake --build --preset release --target formats_tour policy_tour mixprec_explain -j2

demo="$(find build/release -type f -name formats_tour -perm -u+x -print -quit)"
if [[ -z "$demo" ]]; then
  echo "demo: formats_tour was not built" >&2
  exit 1
fi
echo "demo: running $demo"
"$demo"

tour="$(find build/release -type f -name policy_tour -perm -u+x -print -quit)"
if [[ -z "$tour" ]]; then
  echo "demo: policy_tour was not built" >&2
  exit 1
fi
echo
echo "demo: running $tour"
"$tour"

explain="$(find build/release -type f -name mixprec-explain -perm -u+x -print -quit)"
if [[ -z "$explain" ]]; then
  echo "demo: mixprec-explain was not built" >&2
  exit 1
fi
echo
echo "demo: one value in every format, in every detail: $explain 0.1"
