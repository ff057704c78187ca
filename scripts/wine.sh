#!/usr/bin/env bash
# Runs a Windows program under Debian's wine64 with the repo's Wine prefix (from scripts/install-tools.sh):
#   bash scripts/wine.sh path/to/node.exe -e "..."
# Let the Windows process write its output to files: its stdout into a pipe read by Linux gave EBADF.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
export WINEPREFIX="$ROOT/.tools/wine/prefix"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
[[ -f "$WINEPREFIX/.alteryxbackup-win10" ]] || { echo "wine.sh: no Wine prefix; run: bash scripts/install-tools.sh" >&2; exit 127; }
exec /usr/lib/wine/wine64 "$@"
