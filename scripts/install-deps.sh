#!/usr/bin/env bash
# Installs what building and testing mergerfs-j needs on Debian 12. Idempotent; quick when all is there.
set -u
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in libfuse2 fuse mergerfs python3-pytest python3-hypothesis attr acl util-linux; do
  have_pkg "$p" || need+=("$p")
done
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing ${need[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  for i in 1 2 3; do apt-get update -qq && break; echo "install-deps: apt-get update failed (try $i)" >&2; sleep 5; done
  ok=0
  for i in 1 2 3; do
    if apt-get install -y -qq --no-install-recommends "${need[@]}"; then ok=1; break; fi
    echo "install-deps: apt-get install failed (try $i)" >&2; sleep 5
  done
  [ $ok = 1 ] || { echo "install-deps: could not install ${need[*]}" >&2; exit 1; }
fi
# FUSE device: present on most machines; create it if the kernel has fuse but no node exists.
if [ ! -e /dev/fuse ]; then
  modprobe fuse 2>/dev/null || true
  mknod -m 0666 /dev/fuse c 10 229 2>/dev/null || true
fi
[ -e /dev/fuse ] || { echo "install-deps: /dev/fuse is missing and could not be created" >&2; exit 1; }
# allow_other for non-root test users
if [ -f /etc/fuse.conf ] && ! grep -q '^user_allow_other' /etc/fuse.conf; then
  echo user_allow_other >> /etc/fuse.conf 2>/dev/null || true
fi
exit 0
