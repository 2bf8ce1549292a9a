#!/usr/bin/env bash
# package_test.sh BUILD_DIR SOURCE_DIR: builds the Debian package from the
# configured build folder into a temp folder (cpack, as `./dev package` does)
# and checks that it holds the files and control fields an administrator
# relies on (README "Operations", man/loa.8), then that the unit passes
# `systemd-analyze verify` and scores at most 1.5 on
# `systemd-analyze security --offline=true` where those exist.
# Exit 77 (ctest SKIP_RETURN_CODE) when dpkg-deb or cpack is missing.
set -euo pipefail
build=$1
src=$2

for tool in dpkg-deb cpack; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not installed (apt install dpkg cmake); the package is not checked"
    exit 77
  fi
done
[ -x "$build/loa" ] || { echo "FAIL: $build/loa is not built"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}

# Shared-library dependencies need dpkg-shlibdeps (dpkg-dev); without it the
# package is still built and checked, with the listed Depends only.
shlibdeps=ON
command -v dpkg-shlibdeps >/dev/null || shlibdeps=OFF
(cd "$build" && cpack -G DEB -B "$tmp/out" -D CPACK_DEBIAN_PACKAGE_SHLIBDEPS=$shlibdeps \
  >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; echo "FAIL: cpack"; exit 1; }
debs=("$tmp"/out/loa_*_*.deb)
[ -f "${debs[0]}" ] || { ls -R "$tmp/out"; echo "FAIL: no loa_<version>_<arch>.deb"; exit 1; }
deb=${debs[0]}
echo "built $(basename "$deb")"

dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' >"$tmp/contents"
has() {  # has MODE PATH: the package holds PATH with ls-style MODE
  grep -qx -- "$1 root/root ./${2#/}" "$tmp/contents"
}
check "/usr/bin/loa, executable" has -rwxr-xr-x /usr/bin/loa
check "the unit" has -rw-r--r-- /usr/lib/systemd/system/loa.service
check "the sysusers snippet" has -rw-r--r-- /usr/lib/sysusers.d/loa.conf
check "the tmpfiles snippet" has -rw-r--r-- /usr/lib/tmpfiles.d/loa.conf
check "/etc/loa/loa.json, 0640" has -rw-r----- /etc/loa/loa.json
check "/etc/loa/credentials/, 0700" has drwx------ /etc/loa/credentials/
check "the logrotate snippet" has -rw-r--r-- /etc/logrotate.d/loa
check "the man page loa(8)" has -rw-r--r-- /usr/share/man/man8/loa.8
check "the README" has -rw-r--r-- /usr/share/doc/loa/README.md
check "the example config" has -rw-r--r-- /usr/share/doc/loa/examples/loa.example.json

dpkg-deb -f "$deb" >"$tmp/control"
field() { grep -q "^$1: $2" "$tmp/control"; }
check "Package: loa" field Package loa
check "Version: the project's" field Version "$(sed -n 's/^project(loa VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")"
check "Architecture: dpkg's" field Architecture "$(dpkg --print-architecture)"
check "Depends: systemd" field Depends ".*systemd"
if [ "$shlibdeps" = ON ]; then
  for lib in libssl3 libcmark libutf8proc libsystemd0 libsqlite3; do
    check "Depends: $lib" field Depends ".*$lib"
  done
fi
dpkg-deb -e "$deb" "$tmp/control.d"
check "conffile /etc/loa/loa.json" grep -qx /etc/loa/loa.json "$tmp/control.d/conffiles"
check "conffile /etc/logrotate.d/loa" grep -qx /etc/logrotate.d/loa "$tmp/control.d/conffiles"
for script in postinst prerm postrm; do
  check "$script, executable, sh -n" test -x "$tmp/control.d/$script"
  check "$script parses" sh -n "$tmp/control.d/$script"
done

# The unit as packaged, with ExecStart on the binary just built (verify
# checks that the command exists) and without looking up man pages.
dpkg-deb -x "$deb" "$tmp/root"
check "man page renders without warnings" bash -c \
  "! command -v man >/dev/null || [ -z \"\$(MANWIDTH=80 man --warnings -l '$tmp/root/usr/share/man/man8/loa.8' 2>&1 >/dev/null)\" ]"
unit=$tmp/unit/loa.service
mkdir -p "$tmp/unit"
sed "s#^ExecStart=/usr/bin/loa #ExecStart=$(realpath "$build/loa") #" \
  "$tmp/root/usr/lib/systemd/system/loa.service" >"$unit"
grep -q '^RestartPreventExitStatus=2$' "$unit" || { echo "FAIL RestartPreventExitStatus=2"; fail=1; }
grep -q '^WatchdogSec=' "$unit" || { echo "FAIL WatchdogSec="; fail=1; }
if command -v systemd-analyze >/dev/null; then
  check "systemd-analyze verify" systemd-analyze verify --man=no "$unit"
  if score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for loa.service: \([0-9.]*\).*/\1/p') \
     && [ -n "$score" ]; then
    echo "systemd-analyze security --offline=true: $score"
    check "exposure $score <= 1.5" awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }'
  else
    echo "skip security score: systemd-analyze security --offline=true not supported here"
  fi
else
  echo "skip unit checks: systemd-analyze not installed"
fi

exit "$fail"
