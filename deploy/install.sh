#!/usr/bin/env bash
# Installs (or upgrades) a published Respaldo as a systemd service. Run as root on the server:
#   sudo deploy/install.sh OUT        # OUT: the folder deploy/publish.sh wrote
# What it does, so you can also do it by hand:
#   1. creates the system user respaldo (no login, home /var/lib/respaldo)
#   2. puts OUT in /opt/respaldo, keeping the previous version in /opt/respaldo.previous for a rollback
#   3. installs respaldo.service, respaldo-backup.service and respaldo-backup.timer in /etc/systemd/system
#   4. creates /etc/respaldo/respaldo.env from the AWS example unless it exists (root:respaldo, 0640), and
#      /var/log/respaldo for system-cron mode
#   5. reloads systemd and restarts the service if it was running (an upgrade); otherwise says how to start it
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
  created_env=1
fi
install -d -m 0750 "$root/var/log/respaldo"
if owned; then
  chown root:respaldo /etc/respaldo /etc/respaldo/respaldo.env
  chown respaldo:respaldo /var/log/respaldo
fi

if owned && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if systemctl is-active --quiet respaldo; then
    systemctl restart respaldo
    echo "Upgraded and restarted respaldo; the previous version is in /opt/respaldo.previous."
    exit 0
  fi
fi
[ -n "${created_env:-}" ] && echo "Edit $root/etc/respaldo/respaldo.env (destination, region, credentials), then:"
echo "  systemctl enable --now respaldo"
echo "For system-cron mode instead of the in-process schedule: set Backup__Schedule=off, then"
echo "  systemctl enable --now respaldo-backup.timer   (or copy $here/crontab.example to /etc/cron.d/respaldo)"
