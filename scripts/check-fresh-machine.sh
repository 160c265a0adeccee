#!/usr/bin/env bash
# scripts/check-fresh-machine.sh — proves the README's two commands work on a
# machine that has nothing but a minimal Debian 12: makes a new root with
# debootstrap (variant minbase, plus git and ca-certificates to clone), clones
# the current commit of this checkout into it, and runs `scripts/setup.sh`
# then `scripts/test.sh` inside it (chroot), as root. Prints how long each
# step took and whether it passed; exits 0 only if both passed.
#
# With --deb FILE, checks the other way to get Flow instead: installs the
# package (scripts/package-deb.sh makes it) with `apt-get install ./FILE` in
# the new root, then builds and runs examples/worker_pool.flow there with the
# installed flowc, and checks that the package depends on no ANTLR, LLVM or
# Java and that neither ANTLR nor Java came with it.
#
# Run it whenever the package list, a find_package or a link library changes.
# Only what is committed is checked (uncommitted changes are reported and
# left out). Needs root, debootstrap (installed if missing) and ~6 GB of disk.
#
#   sudo scripts/check-fresh-machine.sh [--keep] [--root DIR] [--deb FILE]
#     --keep      keep the root afterwards (default: delete it)
#     --root DIR  where to make the root (default: a new directory in /var/tmp)
#     --deb FILE  install this Flow package instead of building from source
#
# The root uses the host's apt sources when they are deb822 Debian sources
# (so it sees the same archive, updates and security suites a real machine
# would), else the host's Debian mirror for bookworm.
set -uo pipefail

ROOT_DIR=""
KEEP=0
DEB=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) KEEP=1 ;;
    --root) ROOT_DIR=${2:?--root needs a directory}; shift ;;
    --deb) DEB=$(realpath "${2:?--deb needs a .deb file}"); shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-fresh-machine: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$(id -u)" -ne 0 ]; then
  echo "check-fresh-machine: must run as root (debootstrap and chroot)" >&2
  exit 2
fi

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMMIT=$(git -C "$REPO" rev-parse HEAD) || exit 2
if [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]; then
  echo "check-fresh-machine: note: uncommitted changes are not part of the check (commit $COMMIT is)"
fi
[ -n "$ROOT_DIR" ] || ROOT_DIR=$(mktemp -d /var/tmp/flow-fresh-root.XXXXXX)
if [ -e "$ROOT_DIR/bin" ]; then
  echo "check-fresh-machine: $ROOT_DIR already holds a system; a fresh check needs an empty directory" >&2
  exit 2
fi
mkdir -p "$ROOT_DIR"

unmount_all() {
  # Deepest mounts first; --rbind'ed /dev brings submounts (pts, shm).
  grep -o " $ROOT_DIR/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
}
cleanup() {
  unmount_all
  if [ "$KEEP" -eq 0 ]; then rm -rf --one-file-system "$ROOT_DIR"; else echo "check-fresh-machine: root kept in $ROOT_DIR"; fi
}
trap cleanup EXIT

now() { date +%s; }
fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# --- 1. a minimal Debian 12 root -------------------------------------------
command -v debootstrap >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
} || { echo "check-fresh-machine: cannot install debootstrap" >&2; exit 2; }
MIRROR=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

t0=$(now)
echo "=== debootstrap bookworm (minbase) into $ROOT_DIR"
if ! debootstrap --variant=minbase --include=git,ca-certificates bookworm "$ROOT_DIR" "$MIRROR" \
       >"$ROOT_DIR.debootstrap.log" 2>&1; then
  tail -5 "$ROOT_DIR.debootstrap.log" >&2
  echo "check-fresh-machine: debootstrap failed (log: $ROOT_DIR.debootstrap.log)" >&2
  exit 2
fi
rm -f "$ROOT_DIR.debootstrap.log"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$ROOT_DIR/etc/apt/sources.list.d/debian.sources"
  rm -f "$ROOT_DIR/etc/apt/sources.list"
fi
cp /etc/resolv.conf "$ROOT_DIR/etc/resolv.conf" 2>/dev/null
mount -t proc proc "$ROOT_DIR/proc"
mount -t sysfs sysfs "$ROOT_DIR/sys"
mount --rbind /dev "$ROOT_DIR/dev" && mount --make-rslave "$ROOT_DIR/dev"
t_root=$(( $(now) - t0 ))

in_root() {
  chroot "$ROOT_DIR" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd /root/flow && $1"
}

# --- the package instead of the sources ---------------------------------------
if [ -n "$DEB" ]; then
  [ -f "$DEB" ] || { echo "check-fresh-machine: no such package: $DEB" >&2; exit 2; }
  mkdir -p "$ROOT_DIR/root/flow"
  cp "$DEB" "$ROOT_DIR/root/flow/"
  cp "$REPO/examples/worker_pool.flow" "$REPO/examples/sensor_windows.flow" "$REPO/examples/readings.jsonl" \
    "$ROOT_DIR/root/flow/"
  cat >"$ROOT_DIR/root/flow/check-package.sh" <<'CHECK'
set -euo pipefail
flowc --version
flowc fmt --check worker_pool.flow
flowc build worker_pool.flow -o worker_pool
./worker_pool --jobs=20 > out.txt
cat out.txt
test "$(grep -c '^Processed job' out.txt)" -eq 20
# A program that decodes JSON links libsimdjson, and every program -lcurl:
# the package's Depends brought their development files.
flowc build sensor_windows.flow -o sensor_windows
./sensor_windows < readings.jsonl > windows.txt
grep -q '"sensor":"attic"' windows.txt
# Only building flowc needs ANTLR, LLVM and Java: the package names none of
# them, and neither ANTLR nor Java came with it. (LLVM's development files
# may: clang recommends them; that is clang's, not Flow's.)
if dpkg-query -W -f='${Depends} ${Recommends}\n' flow | grep -iE 'antlr|llvm|java|jre|jdk'; then
  echo "the package depends on ANTLR, LLVM or Java" >&2
  exit 1
fi
if dpkg-query -W -f='${Package}\n' | grep -iE 'antlr|jre|jdk|java'; then
  echo "installing the package brought ANTLR or Java" >&2
  exit 1
fi
echo "the package depends on no ANTLR, LLVM or Java; no ANTLR or Java installed"
CHECK
  deb=$(basename "$DEB")
  echo "=== apt-get install ./$deb (in the new root)"
  t=$(now)
  in_root "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./$deb" 2>&1 |
    sed -u 's/^/  | /'
  rc_install=${PIPESTATUS[0]}
  t_install=$(( $(now) - t ))
  rc_run=1
  t_run=0
  if [ "$rc_install" -eq 0 ]; then
    echo "=== flowc build examples/worker_pool.flow and run it (in the new root)"
    t=$(now)
    in_root "bash check-package.sh" 2>&1 | sed -u 's/^/  | /'
    rc_run=${PIPESTATUS[0]}
    t_run=$(( $(now) - t ))
  fi
  echo
  echo "=== fresh-machine check of $deb"
  printf '  %-28s %8s  %s\n' "debootstrap" "$(fmt_secs "$t_root")" "ok"
  printf '  %-28s %8s  %s\n' "apt-get install ./$deb" "$(fmt_secs "$t_install")" \
    "$([ "$rc_install" -eq 0 ] && echo passed || echo "FAILED (exit $rc_install)")"
  printf '  %-28s %8s  %s\n' "build and run worker_pool" "$(fmt_secs "$t_run")" \
    "$([ "$rc_run" -eq 0 ] && echo passed || echo "FAILED (exit $rc_run)")"
  [ "$rc_install" -eq 0 ] && [ "$rc_run" -eq 0 ]
  exit $?
fi

# --- 2. the project, as a user clones it ------------------------------------
git clone -q --no-local "$REPO" "$ROOT_DIR/root/flow" && git -C "$ROOT_DIR/root/flow" checkout -q "$COMMIT" \
  || { echo "check-fresh-machine: cannot clone $REPO" >&2; exit 2; }

# --- 3. the README's two commands -------------------------------------------
declare -A took passed
for cmd in scripts/setup.sh scripts/test.sh; do
  echo "=== $cmd (in the new root)"
  t=$(now)
  in_root "$cmd" 2>&1 | sed -u 's/^/  | /'
  rc=${PIPESTATUS[0]}
  took[$cmd]=$(( $(now) - t ))
  passed[$cmd]=$rc
  [ "$rc" -eq 0 ] || break
done

echo
echo "=== fresh-machine check of $COMMIT"
printf '  %-20s %8s  %s\n' "debootstrap" "$(fmt_secs "$t_root")" "ok"
status=0
for cmd in scripts/setup.sh scripts/test.sh; do
  if [ -z "${passed[$cmd]+x}" ]; then
    printf '  %-20s %8s  %s\n' "$cmd" "-" "not run"; status=1; continue
  fi
  verdict="passed"
  [ "${passed[$cmd]}" -eq 0 ] || { verdict="FAILED (exit ${passed[$cmd]})"; status=1; }
  printf '  %-20s %8s  %s\n' "$cmd" "$(fmt_secs "${took[$cmd]}")" "$verdict"
done
exit $status
