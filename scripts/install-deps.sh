#!/usr/bin/env bash
# Installs what building and testing mixprec needs on Debian/Ubuntu:
# cmake (3.25 or newer), g++, clang, ninja, make (CMake's default generator, for projects that
# use an installed mixprec), clang-format, doctest, Google Benchmark and OpenBLAS. Missing
# packages are installed with apt-get when running as root or with non-interactive sudo;
# otherwise the exact command is printed and
# the script exits 1.
#
#   bash scripts/install-deps.sh           check, and install what is missing
#   bash scripts/install-deps.sh --check   check only; exit 1 if anything is missing
set -euo pipefail

check_only=0
if [[ "${1:-}" == "--check" ]]; then
  check_only=1
fi

min_cmake=3.25

have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() {
  have_cmd dpkg-query && dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}
have_glob() { compgen -G "$1" >/dev/null; }
version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]; }

missing=()
have_cmd cmake || missing+=(cmake)
have_cmd g++ || missing+=(g++)
have_cmd clang++ || missing+=(clang)
have_cmd ninja || missing+=(ninja-build)
have_cmd make || missing+=(make)
have_cmd clang-format || missing+=(clang-format)
if ! have_pkg doctest-dev && [[ ! -f /usr/include/doctest/doctest.h ]]; then
  missing+=(doctest-dev)
fi
if ! have_pkg libbenchmark-dev &&
  ! have_glob '/usr/lib/*/cmake/benchmark/benchmarkConfig.cmake' &&
  ! have_glob '/usr/local/lib*/cmake/benchmark/benchmarkConfig.cmake'; then
  missing+=(libbenchmark-dev)
fi
# OpenMP for clang++ (g++ brings its own libgomp): the CPU kernels' threads in the clang build.
if ! have_pkg libomp-dev && ! have_glob '/usr/lib/llvm-*/lib/libomp.so'; then
  missing+=(libomp-dev)
fi
# OpenBLAS is an optional benchmark baseline, but installed when possible.
if ! have_pkg libopenblas-dev; then
  missing+=(libopenblas-dev)
fi

if ((${#missing[@]} > 0)); then
  echo "install-deps: missing: ${missing[*]}"
  install_cmd="apt-get install -y --no-install-recommends ${missing[*]}"
  if ((check_only)) || ! have_cmd apt-get; then
    if ! have_cmd apt-get; then
      echo "install-deps: apt-get not found; install the packages above with your package manager" >&2
    else
      echo "install-deps: to install them run: sudo apt-get update && sudo $install_cmd" >&2
    fi
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [[ "$(id -u)" -eq 0 ]]; then
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
  elif have_cmd sudo && sudo -n true 2>/dev/null; then
    sudo apt-get update
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "install-deps: not root and no password-less sudo; run this, then try again:" >&2
    echo "  sudo apt-get update && sudo $install_cmd" >&2
    exit 1
  fi
fi

cmake_version="$(cmake --version | head -n1 | awk '{print $3}')"
if ! version_ge "$cmake_version" "$min_cmake"; then
  echo "install-deps: cmake $cmake_version is too old; mixprec needs $min_cmake or newer" >&2
  echo "  (Debian 12 and Ubuntu 24.04 ship it; elsewhere use Kitware's apt repository or 'pip install cmake')" >&2
  exit 1
fi

echo "install-deps: ok (cmake $cmake_version, $(g++ -dumpfullversion -dumpversion 2>/dev/null | sed 's/^/g++ /'), ninja $(ninja --version), $(clang-format --version | grep -o 'version [0-9.]*' | sed 's/^version /clang-format /'))"
