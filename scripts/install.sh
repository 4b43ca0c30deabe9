#!/bin/sh
# Installs mergerfs-j like a system daemon and records every file it wrote in a manifest, so
# scripts/uninstall.sh can remove exactly those files.
#
# usage: scripts/install.sh [--prefix DIR] [--destdir DIR] [--sbindir DIR] [--systemd-unit] [--no-cds]
#
#   PREFIX/bin/mergerfs-j                       launcher
#   PREFIX/lib/mergerfs-j/mergerfs-j.jar        the daemon (+ mergerfs-j.jsa, its AppCDS archive)
#   PREFIX/lib/mergerfs-j/install-manifest      what was installed
#   SBINDIR/mount.mergerfs-j                    mount(8) helper (SBINDIR defaults to /sbin)
#   SBINDIR/mount.fuse.mergerfs-j               same helper, for type fuse.mergerfs-j
#   PREFIX/share/man/man1/mergerfs-j.1          man page
#   PREFIX/share/doc/mergerfs-j/                example systemd unit and the docs
#   /etc/systemd/system/mergerfs-j.service      only with --systemd-unit
#
# DESTDIR is for packaging: files go under it, but every recorded and embedded path is the final one.
# The AppCDS archive names the jar by its final path, so it is built only when DESTDIR is empty.
set -eu
prefix=/usr/local destdir= sbindir=/sbin unit=0 cds=1
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --destdir) destdir=$2; shift 2 ;;
    --destdir=*) destdir=${1#*=}; shift ;;
    --sbindir) sbindir=$2; shift 2 ;;
    --sbindir=*) sbindir=${1#*=}; shift ;;
    --systemd-unit) unit=1; shift ;;
    --no-cds) cds=0; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $prefix in /*) ;; *) echo "install.sh: --prefix must be absolute" >&2; exit 2 ;; esac
case $sbindir in /*) ;; *) echo "install.sh: --sbindir must be absolute" >&2; exit 2 ;; esac
[ -z "$destdir" ] || case $destdir in /*) ;; *) destdir=$(pwd)/$destdir ;; esac

src=$(cd "$(dirname "$0")/.." && pwd)
jar=$src/target/mergerfs-j.jar

# Build when there is no jar or a source file is newer than it.
if [ ! -f "$jar" ] || [ -n "$(find "$src/src/main" "$src/pom.xml" -newer "$jar" -type f 2>/dev/null | head -n 1)" ]; then
  echo "install.sh: building $jar"
  (cd "$src" && { mvn -B -q -o package -DskipTests || mvn -B -q package -DskipTests; }) || {
    echo "install.sh: the build failed" >&2; exit 1; }
fi

libdir=$prefix/lib/mergerfs-j
docdir=$prefix/share/doc/mergerfs-j
mandir=$prefix/share/man/man1
manifest=$libdir/install-manifest
new_manifest=$(mktemp "${TMPDIR:-/tmp}/mergerfs-j-manifest.XXXXXX")
trap 'rm -f "$new_manifest" "$new_manifest.old"' EXIT

# Manifest lines: "d - PATH" (a directory this install created), "f SHA256 PATH", "l TARGET PATH".
mkdirs() {  # records the directories that did not exist yet, outermost first
  missing= p=$1
  while [ ! -d "$destdir$p" ]; do missing="$p${missing:+
$missing}"; p=$(dirname "$p"); done
  [ -n "$missing" ] || return 0
  mkdir -p "$destdir$1"
  printf '%s\n' "$missing" | while IFS= read -r d; do printf 'd - %s\n' "$d" >> "$new_manifest"; done
}

put() {  # put MODE SOURCE FINAL-PATH
  mkdirs "$(dirname "$3")"
  rm -f "$destdir$3"
  cp "$2" "$destdir$3.tmp.$$"
  chmod "$1" "$destdir$3.tmp.$$"
  mv -f "$destdir$3.tmp.$$" "$destdir$3"
  printf 'f %s %s\n' "$(sha256sum < "$destdir$3" | cut -d' ' -f1)" "$3" >> "$new_manifest"
}

link() {  # link TARGET FINAL-PATH
  mkdirs "$(dirname "$2")"
  rm -f "$destdir$2"
  ln -s "$1" "$destdir$2"
  printf 'l %s %s\n' "$1" "$2" >> "$new_manifest"
}

put 0644 "$jar" "$libdir/mergerfs-j.jar"
put 0755 "$src/bin/mergerfs-j" "$prefix/bin/mergerfs-j"

helper=$(mktemp "${TMPDIR:-/tmp}/mount.mergerfs-j.XXXXXX")
sed "s|^installed_launcher=\$|installed_launcher=$prefix/bin/mergerfs-j|" "$src/bin/mount.mergerfs-j" > "$helper"
grep -q "^installed_launcher=$prefix/bin/mergerfs-j\$" "$helper" || { echo "install.sh: cannot set the helper's launcher path" >&2; exit 1; }
put 0755 "$helper" "$sbindir/mount.mergerfs-j"
rm -f "$helper"
link mount.mergerfs-j "$sbindir/mount.fuse.mergerfs-j"

put 0644 "$src/docs/mergerfs-j.1" "$mandir/mergerfs-j.1"
unitfile=$(mktemp "${TMPDIR:-/tmp}/mergerfs-j.service.XXXXXX")
sed "s|/usr/local/bin/mergerfs-j|$prefix/bin/mergerfs-j|g" "$src/docs/mergerfs-j.service" > "$unitfile"
put 0644 "$unitfile" "$docdir/mergerfs-j.service"
for d in "$src"/docs/*.md "$src/README.md"; do
  [ -f "$d" ] && put 0644 "$d" "$docdir/$(basename "$d")"
done
if [ $unit = 1 ]; then
  put 0644 "$unitfile" "/etc/systemd/system/mergerfs-j.service"
fi
rm -f "$unitfile"

if [ $cds = 1 ] && [ -z "$destdir" ]; then
  if MERGERFSJ_LAUNCHER=$prefix/bin/mergerfs-j sh "$src/scripts/build-cds.sh" "$libdir/mergerfs-j.jar" >/dev/null 2>&1; then
    printf 'f %s %s\n' "$(sha256sum < "$libdir/mergerfs-j.jsa" | cut -d' ' -f1)" "$libdir/mergerfs-j.jsa" >> "$new_manifest"
  else
    echo "install.sh: note: no AppCDS archive (the training mount failed); start-up is slower but works" >&2
  fi
fi

# Keep entries of an earlier install that this one did not rewrite (e.g. an /etc unit), if still there.
mkdirs "$libdir"
if [ -f "$destdir$manifest" ]; then
  while read -r kind sum path; do
    grep -q " $path\$" "$new_manifest" && continue
    if [ -e "$destdir$path" ] || [ -h "$destdir$path" ]; then printf '%s %s %s\n' "$kind" "$sum" "$path"; fi
  done < "$destdir$manifest" > "$new_manifest.old"
  cat "$new_manifest.old" >> "$new_manifest"
fi
printf 'f - %s\n' "$manifest" >> "$new_manifest"
cp "$new_manifest" "$destdir$manifest"
chmod 0644 "$destdir$manifest"

echo "install.sh: installed mergerfs-j into ${destdir}$prefix (helper in ${destdir}$sbindir); manifest: ${destdir}$manifest"
if [ $unit = 1 ] && [ -z "$destdir" ] && [ -d /run/systemd/system ]; then
  echo "install.sh: edit /etc/systemd/system/mergerfs-j.service, then: systemctl daemon-reload && systemctl enable --now mergerfs-j"
fi
