#!/usr/bin/env bash
# Lints the Swift files changed against a base with swift-format (in the Swift toolchain) and the checked-in
# .swift-format: 4 spaces, 120 columns. Only changed files, so code untouched since before the format was adopted is
# not reported. Fails on any finding; `swift format format -i FILE` fixes most.
#
#   bash scripts/format-check.sh            # base: origin/main (where it is behind HEAD), else HEAD~1
#   BASE=main bash scripts/format-check.sh  # base: any commit
set -euo pipefail
cd "$(dirname "$0")/.."

if ! swift format --version >/dev/null 2>&1; then
    echo "error: swift format is missing; it ships with Swift 6 toolchains" >&2
    exit 1
fi

base=${BASE:-}
if [ -z "$base" ] && git rev-parse --verify -q origin/main >/dev/null \
    && [ "$(git merge-base origin/main HEAD)" != "$(git rev-parse HEAD)" ]; then
    base=origin/main
fi
if [ -z "$base" ] && git rev-parse --verify -q HEAD~1 >/dev/null; then
    base=HEAD~1
fi
if [ -z "$base" ]; then
    echo "format-check: no base to compare with; nothing to lint"
    exit 0
fi

files=()
while IFS= read -r file; do
    [ -f "$file" ] && files+=("$file")
done < <(git diff --name-only --diff-filter=ACMR "$base" -- '*.swift')
if [ "${#files[@]}" -eq 0 ]; then
    echo "format-check: no Swift file changed since $base"
    exit 0
fi
echo "==> swift format lint: ${#files[@]} Swift files changed since $base"
swift format lint --strict --configuration .swift-format "${files[@]}"
