#!/usr/bin/env bash
# Runs shellcheck on every shell script of the checkout (committed or new, .ci/run included).
#
#   scripts/lint-shell.sh          (npm run lint:shell)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v shellcheck >/dev/null || {
  echo "lint-shell: shellcheck is not on PATH (Debian package shellcheck; scripts/install-deps.sh installs it)" >&2
  exit 1
}
mapfile -d '' scripts < <(git ls-files -z --cached --others --exclude-standard -- '*.sh' .ci/run)
echo "lint-shell: $(shellcheck --version | sed -n 's/^version: //p') on ${#scripts[@]} scripts"
shellcheck --external-sources "${scripts[@]}"
echo "lint-shell: no problems found"
