#!/usr/bin/env bash
# Builds and runs the rounding demo (examples/rounding_demo.cpp) in the
# release build tree, installing missing packages first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh

cmake --preset release
cmake --build --preset release --target rounding_demo -j2

demo="$(find build/release -type f -name rounding_demo -perm -u+x -print -quit)"
if [[ -z "$demo" ]]; then
  echo "demo: rounding_demo was not built" >&2
  exit 1
fi
echo "demo: running $demo"
"$demo"
