#!/usr/bin/env bash
# Installs (or upgrades) a published Respaldo as a systemd service. Run as root on the server:
#   sudo deploy/install.sh OUT        # OUT: the folder deploy/publish.sh wrote
# What it does, so you can also do it by hand:
#   1. creates the system user respaldo (no login, home /var/lib/respaldo)
#   2. puts OUT in /opt/respaldo, keeping the previous version in /opt/respaldo.previous for a rollback
#   3. installs respaldo.service, respaldo-backup.service and respaldo-backup.timer in /etc/systemd/system
#   4. creates /etc/respaldo/respaldo.env from the AWS example unless it exists (root:respaldo, 0640), and
#      /var/log/respaldo for system-cron mode
#   5. refuses to enable the service while the environment file still holds the example's placeholders (a made-up
#      bucket, endpoint or secret, or listening beyond loopback without an API key: any Urls/ASPNETCORE_URLS host
#      other than 127.x, ::1 and localhost): it names each line to edit
#      and exits 3, with everything else installed
#   6. reloads systemd and restarts the service if it was running (an upgrade); otherwise says how to check and start it
# With DESTDIR=/some/root it installs below that folder and skips the user, ownership and systemctl steps
# (for packaging, and for the test that checks this script).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: install.sh OUT (the folder deploy/publish.sh wrote)}"
root="${DESTDIR:-}"
[ -x "$out/Respaldo" ] || { echo "install.sh: $out/Respaldo is missing; run deploy/publish.sh first" >&2; exit 2; }
owned() { [ -z "$root" ]; }

if owned && ! getent passwd respaldo >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/respaldo --no-create-home --shell /usr/sbin/nologin respaldo
fi

# A new folder swapped in whole: the running process keeps its open executable, and a failed copy changes nothing.
install -d "$root/opt"
rm -rf "$root/opt/respaldo.next"
cp -R "$out" "$root/opt/respaldo.next"
[ -f "$here/../README.md" ] && install -m 0644 "$here/../README.md" "$root/opt/respaldo.next/README.md"
chmod -R go-w "$root/opt/respaldo.next"
if [ -d "$root/opt/respaldo" ]; then
  rm -rf "$root/opt/respaldo.previous"
  mv "$root/opt/respaldo" "$root/opt/respaldo.previous"
fi
mv "$root/opt/respaldo.next" "$root/opt/respaldo"

install -d "$root/etc/systemd/system"
for unit in respaldo.service respaldo-backup.service respaldo-backup.timer; do
  install -m 0644 "$here/$unit" "$root/etc/systemd/system/$unit"
done

install -d -m 0750 "$root/etc/respaldo"
if [ ! -e "$root/etc/respaldo/respaldo.env" ]; then
  install -m 0640 "$here/respaldo.env.aws.example" "$root/etc/respaldo/respaldo.env"
fi
install -d -m 0750 "$root/var/log/respaldo"
if owned; then
  chown root:respaldo /etc/respaldo /etc/respaldo/respaldo.env
  chown respaldo:respaldo /var/log/respaldo
fi

# The examples' placeholders would start a service that takes records and can never back them up (or one open to
# the network without a key): name each line still to edit rather than enable it.
env_file="$root/etc/respaldo/respaldo.env"
placeholders=$(awk '
  /^[[:space:]]*#/ { next }
  /replace-me|my-company-respaldo|\.example[:\/]|example\.com/ { printf "  line %d: %s (a placeholder from the example)\n", NR, $0 }
  # Any host but 127.x, ::1 and localhost listens beyond this machine: Kestrel takes a host name as every address.
  /^[[:space:]]*(export[[:space:]]+)?(Urls|ASPNETCORE_URLS)=/ {
    value = $0; sub(/^[^=]*=/, "", value); gsub(/["\047[:space:]]/, "", value)
    n = split(value, urls, ";")
    for (i = 1; i <= n; i++) {
      url = tolower(urls[i]); sub(/^[a-z]+:\/\//, "", url)
      if (url == "" || url ~ /^unix:/) continue
      if (url ~ /^\[/) { host = url; sub(/\].*/, "]", host) } else { host = url; sub(/[:\/].*/, "", host) }
      if (host !~ /^(127\.[0-9.]+|\[::1\]|localhost)$/) { open = NR; openline = $0 }
    }
  }
  /^Security__ApiKeys__[0-9]+=./ { keys = 1 }
  END { if (open && !keys) printf "  line %d: %s listens beyond this machine without an API key: set Security__ApiKeys__0 (16+ random characters) or listen on 127.0.0.1\n", open, openline }
' "$env_file")
if [ -n "$placeholders" ]; then
  owned && [ -d /run/systemd/system ] && systemctl daemon-reload
  {
    echo "install.sh: installed, but not enabling respaldo: $env_file still has the example's placeholders."
    echo "Edit these lines (sudoedit $env_file):"
    echo "$placeholders"
    echo "Then prove the settings with: sudo -u respaldo sh -c 'set -a; . $env_file; /opt/respaldo/Respaldo check'"
    echo "and run this script again."
  } >&2
  exit 3
fi

if owned && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if systemctl is-active --quiet respaldo; then
    systemctl restart respaldo
    echo "Upgraded and restarted respaldo; the previous version is in /opt/respaldo.previous."
    exit 0
  fi
fi
echo "Check the settings first (settings, spool folder, destination, clock):"
echo "  sudo -u respaldo sh -c 'set -a; . /etc/respaldo/respaldo.env; /opt/respaldo/Respaldo check'"
echo "then start the service:"
echo "  systemctl enable --now respaldo"
echo "For system-cron mode instead of the in-process schedule: set Backup__Schedule=off, then"
echo "  systemctl enable --now respaldo-backup.timer   (or copy $here/crontab.example to /etc/cron.d/respaldo)"
