#!/bin/sh
# Removes what scripts/install.sh installed, as listed in its manifest, and nothing else. A file that was
# changed since (say an edited systemd unit) is kept and reported. Directories the install created are
# removed when they are empty. Does not stop running pools: unmount them first.
#
# usage: scripts/uninstall.sh [--prefix DIR] [--destdir DIR]    (the same values as for install.sh)
set -eu
prefix=/usr/local destdir=
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --destdir) destdir=$2; shift 2 ;;
    --destdir=*) destdir=${1#*=}; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -z "$destdir" ] || case $destdir in /*) ;; *) destdir=$(pwd)/$destdir ;; esac
manifest=$destdir$prefix/lib/mergerfs-j/install-manifest
[ -f "$manifest" ] || { echo "uninstall.sh: no manifest at $manifest: nothing installed there" >&2; exit 1; }

list=$(mktemp "${TMPDIR:-/tmp}/mergerfs-j-uninstall.XXXXXX")
trap 'rm -f "$list" "$list.dirs"' EXIT
cp "$manifest" "$list"
kept=0
while read -r kind sum path; do
  case $path in /*) ;; *) echo "uninstall.sh: ignoring odd manifest line: $kind $sum $path" >&2; continue ;; esac
  p=$destdir$path
  case $kind in
    f)
      [ -f "$p" ] && [ ! -h "$p" ] || continue
      if [ "$sum" != - ] && [ "$(sha256sum < "$p" | cut -d' ' -f1)" != "$sum" ]; then
        echo "uninstall.sh: keeping $p: changed since it was installed" >&2
        kept=1
        continue
      fi
      rm -f "$p" ;;
    l)
      [ -h "$p" ] && [ "$(readlink "$p")" = "$sum" ] && rm -f "$p" ;;
    d) printf '%s\n' "$p" >> "$list.dirs" ;;
  esac
done < "$list"
# deepest directories first; only empty ones go
if [ -f "$list.dirs" ]; then
  awk '{ print length($0) "\t" $0 }' "$list.dirs" | sort -rn | cut -f2- | while IFS= read -r d; do
    rmdir "$d" 2>/dev/null || true
  done
fi
echo "uninstall.sh: removed mergerfs-j from ${destdir}$prefix"
[ $kept = 0 ] || exit 3
