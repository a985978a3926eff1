#!/usr/bin/env bash
# Builds and runs every mixprec check:
#   deps       install missing packages (scripts/install-deps.sh)
#   format     clang-format check of every C++/CUDA source
#   release    Release build, all tests (label `exhaustive` included), the instruction-set
#              variants of the fast-path tests, the documentation snippets, the examples, and
#              each benchmark as a short smoke run (label `bench`)
#   asan       -O1 build under ASan+UBSan, all tests but label `exhaustive`
#   clang      Release build with clang++ (warnings are errors), tests but label `exhaustive`
#   consumers  README.md's instructions as written: scripts/demo.sh and the command it ends
#              with, `cmake --install` and a find_package() project; an install from a tree
#              where nothing was built; add_subdirectory()
# A failing phase does not stop the later ones (except deps); the script exits
# non-zero if any phase failed and ends with a one-line summary. Every phase prints
# a line a minute while it runs.
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
  local name="$1" fn="$2" rc start=$SECONDS heartbeat
  echo
  echo "==> [$name]"
  # A line a minute, so that a long compile or test is not mistaken for a hang.
  (
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    while :; do
      sleep 60 >/dev/null 2>&1 &
      nap=$!
      wait "$nap"
      echo "==> [$name] still running ($((SECONDS - start))s)"
    done
  ) &
  heartbeat=$!
  set +e
  (
    set -euo pipefail
    "$fn"
  )
  rc=$?
  set -e
  kill "$heartbeat" 2>/dev/null || true
  wait "$heartbeat" 2>/dev/null || true
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

# The lines of the ```sh block that follows `<!-- test.sh: NAME -->` in README.md.
readme_block() {
  awk -v marker="<!-- test.sh: $1 -->" '
    $0 == marker { found = 1; next }
    found && /^```sh/ { inside = 1; next }
    inside && /^```/ { exit }
    inside { print }
  ' README.md
}

phase_consumers() {
  # Runs in its own subshell (see phase), so the EXIT trap cleans up here.
  consumer_tmp="$(mktemp -d)"
  trap 'rm -rf "$consumer_tmp"' EXIT
  local tmp="$consumer_tmp"

  # README: `bash scripts/demo.sh`, then the command its last line prints.
  bash scripts/demo.sh | tee "$tmp/demo.txt"
  local suggested
  suggested="$(tail -n 1 "$tmp/demo.txt" | sed -n 's/^demo: [^:]*: //p')"
  [[ -n "$suggested" ]] || { echo "consumers: the demo's last line names no command" >&2; exit 1; }
  echo "+ $suggested"
  bash -c "$suggested" >/dev/null

  # README: install, then build and run a find_package() project, as the README writes it.
  local commands
  commands="$(readme_block consumers)"
  [[ -n "$commands" ]] || { echo "consumers: no test.sh: consumers block in README.md" >&2; exit 1; }
  rm -rf build/prefix build/consumer
  bash -euxo pipefail -c "$commands"
  test -x build/prefix/bin/mixprec-explain

  # `cmake --install` of a tree in which nothing has been built yet.
  cmake -S . -B "$tmp/fresh" -G Ninja -DMIXPREC_BUILD_TESTS=OFF -DMIXPREC_BUILD_BENCH=OFF \
    -DMIXPREC_ENABLE_CUDA=OFF >/dev/null
  cmake --install "$tmp/fresh" --prefix "$tmp/fresh-prefix"
  test -f "$tmp/fresh-prefix/include/mixprec/mixprec.hpp"

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
