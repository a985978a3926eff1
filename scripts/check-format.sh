#!/usr/bin/env bash
# Fails when a C++ or CUDA source (*.hpp, *.cpp, *.cuh, *.cu) is not formatted
# as .clang-format says. In a git checkout it checks the tracked files and the
# untracked ones git does not ignore; elsewhere every such file outside build/.
#
#   bash scripts/check-format.sh         check (clang-format --dry-run --Werror)
#   bash scripts/check-format.sh --fix   reformat the files in place
#
# CLANG_FORMAT selects the binary (default: clang-format; the style is checked
# with clang-format 14, the version Debian 12 ships).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

clang_format="${CLANG_FORMAT:-clang-format}"
fix=0
if [[ "${1:-}" == "--fix" ]]; then
  fix=1
fi

files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  while IFS= read -r -d '' f; do
    [[ -f "$f" ]] && files+=("$f")  # skip tracked files deleted in the work tree
  done < <(git ls-files -z --cached --others --exclude-standard -- \
    '*.hpp' '*.cpp' '*.cuh' '*.cu' | sort -zu)
else
  while IFS= read -r -d '' f; do
    files+=("$f")
  done < <(find . \( -path ./build -o -path ./.git \) -prune -o -type f \
    \( -name '*.hpp' -o -name '*.cpp' -o -name '*.cuh' -o -name '*.cu' \) -print0 | sort -z)
fi

if ((${#files[@]} == 0)); then
  echo "check-format: no source files"
  exit 0
fi

version="$("$clang_format" --version | grep -o 'version [0-9][0-9.]*' | head -n1 | cut -d' ' -f2)"

if ((fix)); then
  printf '%s\0' "${files[@]}" | xargs -0 -n 32 -P 2 "$clang_format" --style=file -i
  echo "check-format: ${#files[@]} files formatted (clang-format $version)"
  exit 0
fi

# One clang-format per file, two at a time; the diagnostics go to stderr and
# the names of the files that fail to stdout.
mapfile -t bad < <(printf '%s\0' "${files[@]}" |
  xargs -0 -n 1 -P 2 sh -c '"$0" --style=file --dry-run --Werror "$1" >&2 || echo "$1"' \
    "$clang_format" | sort)

if ((${#bad[@]} == 0)); then
  echo "check-format: ${#files[@]} files ok (clang-format $version)"
else
  echo "check-format: ${#bad[@]} of ${#files[@]} files are not formatted (clang-format $version):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "check-format: fix with: bash scripts/check-format.sh --fix" >&2
  exit 1
fi
