#!/usr/bin/env bash
# Builds Respaldo as one Native AOT executable for linux-x64: machine code, no .NET runtime needed on the server
# (it needs glibc, and OpenSSL's libssl3 for hashing and HTTPS, which every Debian/Ubuntu/RHEL install has).
#   deploy/publish.sh [OUT] [--symbols]   # default OUT: out/ in the repository
# --symbols keeps the debug symbols as OUT/Respaldo.dbg (for perf and gdb; ~60 MB, not needed to run it).
# Then, as root on the server (or here), install it as a systemd service:
#   sudo deploy/install.sh OUT
# OUT holds the executable Respaldo and appsettings.json beside it (the program reads its configuration from
# its own folder); copy the whole folder, not the executable alone.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/out"
symbols=0
for arg in "$@"; do
  case "$arg" in
    --symbols) symbols=1 ;;
    -*) echo "publish.sh: unknown option $arg (usage: publish.sh [OUT] [--symbols])" >&2; exit 2 ;;
    *) out="$arg" ;;
  esac
done

# Native AOT links with the platform's C toolchain: clang, lld, llvm-objcopy (strips the symbols) and zlib.
missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)
command -v ld.lld >/dev/null 2>&1 || missing+=(lld)
command -v llvm-objcopy >/dev/null 2>&1 || missing+=(llvm)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} (Debian packages) for the Native AOT build..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "publish.sh: Native AOT needs ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
fi

dotnet publish "$repo/src/Respaldo" -c Release -r linux-x64 -o "$out" --disable-build-servers -nologo -v minimal
# Only what the server needs stays in OUT: install.sh copies the whole folder.
rm -f "$out/Respaldo.staticwebassets.endpoints.json"
[ "$symbols" = 1 ] || rm -f "$out/Respaldo.dbg"

"$out/Respaldo" --version >/dev/null
echo "Published $("$out/Respaldo" --version) to $out ($(du -sh "$out/Respaldo" | cut -f1), Native AOT). Install with: sudo $repo/deploy/install.sh $out"
