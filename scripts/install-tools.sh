#!/usr/bin/env bash
# Installs the project's test tooling into <repo>/.tools (git-ignored), and unzip + 7zz + chromium when missing:
#   - PowerShell 7 (the .NET tool "PowerShell")  -> .tools/pwsh/pwsh
#   - Pester 5 (NuGet package "Pester")          -> .tools/Modules/Pester/<version>/
# Idempotent: a second run only checks what is there and prints one summary line.
# Works from any cwd, on a bare machine (CI: root, CI=true, no stdin); needs
# `dotnet` on PATH and the NuGet registry.
set -euo pipefail

PWSH_VERSION=7.6.9
PESTER_VERSION=5.7.1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
TOOLS="$ROOT/.tools"
PWSH_DIR="$TOOLS/pwsh"
PWSH="$PWSH_DIR/pwsh"
MODULES="$TOOLS/Modules"
PESTER_DIR="$MODULES/Pester/$PESTER_VERSION"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_GENERATE_ASPNET_CERTIFICATE=false
export DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=true
export POWERSHELL_TELEMETRY_OPTOUT=1
export POWERSHELL_UPDATECHECK=Off
# dotnet/NuGet want a home directory for their caches and config.
if [[ -z "${HOME:-}" ]]; then
  export HOME="$TOOLS/home"
  mkdir -p "$HOME"
fi

start_ms=$(date +%s%3N)
elapsed() { local ms=$(( $(date +%s%3N) - start_ms )); printf '%d.%01ds' $((ms / 1000)) $(((ms % 1000) / 100)); }
say() { printf 'install-tools: %s\n' "$*"; }
die() { printf 'install-tools: ERROR: %s\n' "$*" >&2; exit 1; }

# Run a command quietly; on failure show its output and stop.
quiet() {
  local out
  if ! out="$("$@" 2>&1 </dev/null)"; then
    printf '%s\n' "$out" >&2
    die "command failed: $*"
  fi
}

pwsh_ok() {
  [[ -x "$PWSH" ]] && [[ "$("$PWSH" --version 2>/dev/null </dev/null || true)" == "PowerShell $PWSH_VERSION" ]]
}
pester_ok() {
  [[ -f "$PESTER_DIR/Pester.psd1" ]]
}

# Independent ZIP readers the tests use (Info-ZIP's unzip, 7-Zip's 7zz for AES-256 archives): Debian
# packages, installed when missing and this is root with apt-get (CI is); otherwise say what to install.
missing_pkgs=()
command -v unzip >/dev/null 2>&1 || missing_pkgs+=(unzip)
command -v 7zz >/dev/null 2>&1 || missing_pkgs+=(7zip)
# Headless Chromium for the dashboard tests (test/report.chromium.test.ts, driven by puppeteer-core).
command -v chromium >/dev/null 2>&1 || missing_pkgs+=(chromium)
if (( ${#missing_pkgs[@]} )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    quiet apt-get update -qq
    DEBIAN_FRONTEND=noninteractive quiet apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}"
    say "installed Debian packages: ${missing_pkgs[*]}"
  else
    die "missing ${missing_pkgs[*]}: install them (e.g. sudo apt-get install ${missing_pkgs[*]})"
  fi
fi

# Fast path: everything present, no lock, no dotnet.
if pwsh_ok && pester_ok; then
  say "pwsh $PWSH_VERSION and Pester $PESTER_VERSION already in .tools ($(elapsed))"
  exit 0
fi

command -v dotnet >/dev/null 2>&1 || die "dotnet not found on PATH (the .NET SDK is needed to install PowerShell and Pester)"
mkdir -p "$TOOLS"

# Serialize concurrent runs (e.g. two test runs started at once).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/.install.lock"
  flock 9
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/install-tools.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
# Work inside the temp dir so no global.json / NuGet.Config of the cwd applies.
cd "$TMP"

done_pwsh=present
if ! pwsh_ok; then
  rm -rf "$PWSH_DIR"
  quiet dotnet tool install PowerShell --version "$PWSH_VERSION" --tool-path "$PWSH_DIR"
  pwsh_ok || die "pwsh installed in $PWSH_DIR but '$PWSH --version' does not print 'PowerShell $PWSH_VERSION'"
  done_pwsh=installed
fi

done_pester=present
if ! pester_ok; then
  sdk_major="$(dotnet --version 2>/dev/null </dev/null | cut -d. -f1)"
  [[ "$sdk_major" =~ ^[0-9]+$ ]] || die "cannot read the .NET SDK version from 'dotnet --version'"
  mkdir -p "$TMP/proj" "$TMP/packages"
  cat >"$TMP/proj/download.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net${sdk_major}.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Pester" Version="[$PESTER_VERSION]" />
  </ItemGroup>
</Project>
EOF
  quiet dotnet restore "$TMP/proj/download.csproj" --packages "$TMP/packages"
  # The package is Chocolatey-style: the module (Pester.psd1, .psm1, bin/, ...) is under tools/.
  psd1="$(find "$TMP/packages/pester/$PESTER_VERSION" -name Pester.psd1 -print -quit 2>/dev/null || true)"
  [[ -n "$psd1" ]] || die "Pester.psd1 not found in the restored Pester $PESTER_VERSION package"
  grep -Eq "ModuleVersion[[:space:]]*=[[:space:]]*'$PESTER_VERSION'" "$psd1" \
    || die "$psd1 is not Pester $PESTER_VERSION"
  mkdir -p "$MODULES/Pester"
  rm -rf "$PESTER_DIR" "$PESTER_DIR.partial"
  cp -R "$(dirname "$psd1")" "$PESTER_DIR.partial"
  # NuGet extracts with odd modes (rwxr--r--); make them plain readable files.
  chmod -R u=rwX,go=rX "$PESTER_DIR.partial"
  find "$PESTER_DIR.partial" -type f -exec chmod a-x {} +
  mv "$PESTER_DIR.partial" "$PESTER_DIR"
  done_pester=installed
fi

# Check that pwsh, through the repo's wrapper, loads this Pester from .tools/Modules.
EXPECTED_PESTER_DIR="$PESTER_DIR" quiet bash "$ROOT/scripts/pwsh.sh" -NonInteractive -Command '
    $ErrorActionPreference = "Stop"
    $m = Import-Module Pester -RequiredVersion '"$PESTER_VERSION"' -PassThru
    if ($m.ModuleBase -ne $env:EXPECTED_PESTER_DIR) { throw "Pester was loaded from $($m.ModuleBase), not $env:EXPECTED_PESTER_DIR" }'

say "pwsh $PWSH_VERSION ($done_pwsh), Pester $PESTER_VERSION ($done_pester) in .tools ($(elapsed))"
