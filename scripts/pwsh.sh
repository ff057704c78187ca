#!/usr/bin/env bash
# Runs the repo-local PowerShell 7 (from scripts/install-tools.sh) with the
# repo's .tools/Modules (Pester) first on PSModulePath. Arguments pass through:
#   bash scripts/pwsh.sh -File pester/Invoke-Tests.ps1
#   bash scripts/pwsh.sh -Command '$PSVersionTable'
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PWSH="$ROOT/.tools/pwsh/pwsh"

if [[ ! -x "$PWSH" ]]; then
  echo "pwsh.sh: $PWSH not found; run: bash scripts/install-tools.sh" >&2
  exit 127
fi

# pwsh puts its user, shared and $PSHOME module folders in front of an inherited
# PSModulePath unless the user folder is already in it; naming the user folder
# right after ours keeps .tools/Modules really first.
front="$ROOT/.tools/Modules"
if [[ -n "${XDG_DATA_HOME:-}" || -n "${HOME:-}" ]]; then
  front="$front:${XDG_DATA_HOME:-$HOME/.local/share}/powershell/Modules"
fi
export PSModulePath="$front${PSModulePath:+:$PSModulePath}"
export POWERSHELL_TELEMETRY_OPTOUT=1
export POWERSHELL_UPDATECHECK=Off
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

exec "$PWSH" -NoLogo -NoProfile "$@"
