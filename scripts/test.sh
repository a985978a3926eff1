#!/usr/bin/env bash
# Builds and runs every mixprec check:
#   deps       install missing packages (scripts/install-deps.sh)
#   format     clang-format check of every C++/CUDA source
#   release    Release build, all tests (label `exhaustive` included)
#   asan       Debug build under ASan+UBSan, all tests but label `exhaustive`
#   clang      Release build with clang++ (warnings are errors), tests but label `exhaustive`
#   consumers  find_package() after `cmake --install`, and add_subdirectory()
# A failing phase does not stop the later ones (except deps); the script exits
# non-zero if any phase failed and ends with a one-line summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

jobs=2
results=()
failed=()
start_all=$SECONDS

# phase NAME FUNCTION: runs FUNCTION in a subshell under `set -e` and records its
# result and time. (The subshell is not part of an if/||, where bash would
# ignore errexit; the caller's errexit is off only while it runs.)
phase() {
  local name="$1" fn="$2" rc start=$SECONDS
  echo
  echo "==> [$name]"
  set +e
  (
    set -euo pipefail
    "$fn"
  )
  rc=$?
  set -e
  local secs=$((SECONDS - start))
  if ((rc == 0)); then
    results+=("$name ok ${secs}s")
    echo "==> [$name] ok (${secs}s)"
  else
    results+=("$name FAILED ${secs}s")
    failed+=("$name")
    echo "==> [$name] FAILED (exit $rc, ${secs}s)" >&2
  fi
}

phase_deps() { bash scripts/install-deps.sh; }

phase_format() { bash scripts/check-format.sh; }

phase_release() {
  cmake --preset release
  cmake --build --preset release -j "$jobs"
  ctest --preset release -j "$jobs" --output-on-failure
}

phase_asan() {
  cmake --preset asan
  cmake --build --preset asan -j "$jobs"
  ctest --preset asan -j "$jobs" --output-on-failure
}

phase_clang() {
  if ! command -v clang++ >/dev/null 2>&1; then
    echo "clang: clang++ not found, phase skipped"
    return 0
  fi
  cmake --preset clang
  cmake --build --preset clang -j "$jobs"
  ctest --preset clang -j "$jobs" --output-on-failure
}

phase_consumers() {
  # Runs in its own subshell (see phase), so the EXIT trap cleans up here.
  consumer_tmp="$(mktemp -d)"
  trap 'rm -rf "$consumer_tmp"' EXIT
  local tmp="$consumer_tmp"

  # find_package(mixprec CONFIG) against an installed copy.
  cmake --install build/release --prefix "$tmp/prefix"
  cmake -S tests/consumer/find_package -B "$tmp/find_package" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$tmp/prefix"
  cmake --build "$tmp/find_package" -j "$jobs"
  "$tmp/find_package/consumer"

  # add_subdirectory() of the source tree.
  cmake -S tests/consumer/add_subdirectory -B "$tmp/add_subdirectory" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release
  cmake --build "$tmp/add_subdirectory" -j "$jobs"
  "$tmp/add_subdirectory/consumer"
}

phase deps phase_deps
if ((${#failed[@]} > 0)); then
  echo "test.sh: FAILED: dependencies missing (see above)" >&2
  exit 1
fi
phase format phase_format
phase release phase_release
phase asan phase_asan
phase clang phase_clang
if [[ -f "$root/build/release/cmake_install.cmake" ]]; then
  phase consumers phase_consumers
else
  results+=("consumers FAILED (no release build tree)")
  failed+=(consumers)
fi

summary="$(printf '%s, ' "${results[@]}")"
summary="${summary%, }"
total=$((SECONDS - start_all))
echo
if ((${#failed[@]} == 0)); then
  echo "test.sh: PASSED in ${total}s ($summary)"
else
  echo "test.sh: FAILED [${failed[*]}] in ${total}s ($summary)"
  exit 1
fi
