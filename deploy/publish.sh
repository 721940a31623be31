#!/usr/bin/env bash
# Builds Respaldo as one self-contained executable for linux-x64: the server needs no .NET installed.
#   deploy/publish.sh [OUT]        # default OUT: out/ in the repository
# Then, as root on the server (or here), install it as a systemd service:
#   sudo deploy/install.sh OUT
# OUT holds the executable Respaldo and appsettings.json beside it (the program reads its configuration from
# its own folder); copy the whole folder, not the executable alone.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$repo/out}"

dotnet publish "$repo/src/Respaldo" -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -o "$out" --disable-build-servers

"$out/Respaldo" --version >/dev/null
echo "Published $("$out/Respaldo" --version) to $out ($(du -sh "$out/Respaldo" | cut -f1)). Install with: sudo $repo/deploy/install.sh $out"
