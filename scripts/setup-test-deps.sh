#!/usr/bin/env bash
# Installs the system packages the test suite drives (Chromium for the Playground UI,
# Dovecot as the IMAP source peer, NSD as the DNS peer, openssl for test certificates).
# Idempotent: on a machine that already has them it only runs a few dpkg-query calls.
# Debian 12; needs root or passwordless sudo. Without either it warns and exits 0 so
# the tests themselves decide whether to skip or fail.
set -euo pipefail

PACKAGES=(chromium dovecot-imapd nsd openssl)

say() { printf 'setup-test-deps: %s\n' "$*"; }

# A package counts as present when dpkg has it installed, or when its binary is on the
# machine anyway (installed some other way).
present() {
  local pkg=$1
  if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" = "install ok installed" ]; then
    return 0
  fi
  case "$pkg" in
    chromium) command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] ;;
    dovecot-imapd) { command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; } && [ -x /usr/lib/dovecot/imap ] ;;
    nsd) command -v nsd >/dev/null 2>&1 || [ -x /usr/sbin/nsd ] ;;
    openssl) command -v openssl >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  present "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  say "all present (${PACKAGES[*]}); nothing to do"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    cat >&2 <<EOF
##########################################################################
setup-test-deps: NOT ROOT and no passwordless sudo: cannot install
  missing packages: ${missing[*]}
  Install them yourself:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}
  Tests that need them will skip (or fail when CI=true).
##########################################################################
EOF
    exit 0
  fi
fi

if ! command -v apt-get >/dev/null 2>&1; then
  say "WARNING: no apt-get (not Debian?); install yourself: ${missing[*]}" >&2
  exit 0
fi

# Debian packages start their daemons on install (nsd would grab port 53 on every
# interface). A policy-rc.d that exits 101 tells invoke-rc.d not to; if the machine
# already has one (containers usually do) leave it as it is.
POLICY=/usr/sbin/policy-rc.d
own_policy=0
cleanup() {
  if [ "$own_policy" -eq 1 ]; then
    "${SUDO[@]}" rm -f "$POLICY"
    say "removed temporary $POLICY"
  fi
}
trap cleanup EXIT
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# temporary, written by scripts/setup-test-deps.sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  own_policy=1
  say "wrote temporary $POLICY (exit 101) so no service starts during install"
fi

export DEBIAN_FRONTEND=noninteractive
# Other engineers' shells may be running apt at the same time: wait for the lock.
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
start=$(date +%s)
# apt and debconf chatter goes to a log, shown only when something fails.
APT_LOG=$(mktemp -t setup-test-deps.XXXXXX.log)
apt() {
  if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" "$@" >>"$APT_LOG" 2>&1; then
    say "ERROR: apt-get $* failed; log follows" >&2
    tail -n 40 "$APT_LOG" >&2
    exit 1
  fi
}
say "missing: ${missing[*]}; running apt-get update"
apt update -qq
say "installing: ${missing[*]}"
apt install -y -qq --no-install-recommends "${missing[@]}"
rm -f "$APT_LOG"
say "installed ${missing[*]} in $(( $(date +%s) - start )) s"

# Tests run their own dovecot/nsd instances on free loopback ports; a system service
# would hold 143/53 and read /etc config we never use. Stop and disable only the system
# service (init script / unit), never other processes that happen to be dovecot or nsd.
for svc in dovecot nsd; do
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-active --quiet "$svc" 2>/dev/null || systemctl is-enabled --quiet "$svc" 2>/dev/null; then
      "${SUDO[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || true
      say "stopped and disabled system service $svc"
    fi
  elif [ -x "/etc/init.d/$svc" ]; then
    if "/etc/init.d/$svc" status >/dev/null 2>&1; then
      "${SUDO[@]}" "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
      say "stopped system service $svc"
    fi
    # No systemd running (container): still disable the unit and rc links the
    # package enabled, so a later boot with systemd does not start them.
    if command -v update-rc.d >/dev/null 2>&1; then
      "${SUDO[@]}" update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
    if command -v systemctl >/dev/null 2>&1; then
      "${SUDO[@]}" systemctl disable "$svc" >/dev/null 2>&1 || true
    fi
    say "disabled system service $svc (not started: policy-rc.d)"
  fi
done

still=()
for pkg in "${PACKAGES[@]}"; do
  present "$pkg" || still+=("$pkg")
done
if [ ${#still[@]} -gt 0 ]; then
  say "ERROR: still missing after install: ${still[*]}" >&2
  exit 1
fi
say "done"
