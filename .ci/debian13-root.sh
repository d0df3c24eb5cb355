#!/usr/bin/env bash
# Builds (once) and prints the path of a Debian 13 (trixie) root with Debian's own python3-fastapi,
# python3-pydantic, … installed, so the generated FastAPI service can be tested on Debian 13's library
# generation (FastAPI 0.115, pydantic 2) from this Debian 12 machine with `chroot`. No Docker needed.
#
#   root="$(bash .ci/debian13-root.sh)"    # progress goes to stderr; stdout is only the root path
#
# The root lives in $SECURE_STACK_DEBIAN13_ROOT (default /var/cache/secure-stack/debian13). A stamp file
# inside it records the suite, variant and package list; when it matches, the script does nothing. A new
# root is built in a temporary directory beside the final one and renamed into place only after it has
# been verified, so an interrupted or failed build never leaves a root that a later run (or the tests,
# which look for the stamp) would trust.
#
# Environment:
#   SECURE_STACK_DEBIAN13_ROOT   where the root lives (default /var/cache/secure-stack/debian13)
#   SECURE_STACK_DEBIAN_MIRROR   Debian mirror for trixie (default: the host's configured Debian mirror)
set -euo pipefail

SUITE=trixie
VARIANT=minbase
STAMP_NAME=.secure-stack-debian13.stamp
PACKAGES=(
  python3
  python3-fastapi
  python3-pydantic
  python3-jwt
  python3-cryptography
  python3-httpx
  python3-pytest
  python3-psycopg
  python3-psycopg-pool
)

ROOT="${SECURE_STACK_DEBIAN13_ROOT:-/var/cache/secure-stack/debian13}"
ROOT="$(realpath -m -- "$ROOT")"
[ "$ROOT" != / ] || { printf 'debian13-root: error: the root cannot be /\n' >&2; exit 1; }
STAMP="$ROOT/$STAMP_NAME"

log() { printf 'debian13-root: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Unmounts anything mounted under a directory, deepest first (debootstrap mounts /proc and /sys in the
# tree while it runs and normally unmounts them; a killed run may not). Trees are then removed with
# `rm --one-file-system`, which never crosses into another filesystem.
unmount_under() {
  local dir="$1" mounts
  mounts="$(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r)"
  if [ -n "$mounts" ]; then
    while IFS= read -r m; do umount -l "$m" 2>/dev/null || true; done <<<"$mounts"
  fi
}

expected_stamp() {
  printf 'suite=%s\nvariant=%s\npackages=%s\n' "$SUITE" "$VARIANT" "$(printf '%s\n' "${PACKAGES[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
}
EXPECTED="$(expected_stamp)"

stamp_matches() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$EXPECTED" ]
}

# Fast path: a cached root with the same package list. Nothing is run, not even chroot.
if stamp_matches; then
  log "cached root with the same package list at $ROOT"
  printf '%s\n' "$ROOT"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "building the root needs root (debootstrap and chroot)"
[ "$(uname -s)" = Linux ] || die "needs Linux"

PARENT="$(dirname "$ROOT")"
mkdir -p "$PARENT"

# One builder at a time (other sessions may share this machine); the waiter then finds the stamp.
exec 9>"$PARENT/.$(basename "$ROOT").lock"
if ! flock -n 9; then
  log "another build holds $PARENT/.$(basename "$ROOT").lock; waiting for it"
  flock 9
fi
if stamp_matches; then
  log "root was built by another run at $ROOT"
  printf '%s\n' "$ROOT"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive

if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap on the host"
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends debootstrap >&2
fi
[ -e /usr/share/debootstrap/scripts/"$SUITE" ] || die "this debootstrap does not know $SUITE; upgrade debootstrap"

# The host's configured Debian mirror (deb822 or one-line sources, whatever apt reads), for the host's own
# release; its security archive likewise. Fallback: deb.debian.org.
host_codename="$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | tr -d '"' || true)"
# shellcheck disable=SC2016 # $(…) here is apt's format syntax, not the shell's
targets="$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null | sort -u || true)"
mirror="${SECURE_STACK_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ] && [ -n "$host_codename" ]; then
  mirror="$(awk -v rel="$host_codename" '$2 == rel { print $1; exit }' <<<"$targets")"
fi
if [ -z "$mirror" ]; then
  mirror="$(awk '$1 ~ /\/debian\/?$/ && $2 !~ /-/ { print $1; exit }' <<<"$targets")"
fi
mirror="${mirror:-http://deb.debian.org/debian}"
mirror="${mirror%/}"
security="$(awk '$2 ~ /-security$/ { print $1; exit }' <<<"$targets")"
security="${security:-http://deb.debian.org/debian-security}"
security="${security%/}"
log "mirror $mirror, security $security"

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
keyring_args=()
[ -f "$KEYRING" ] && keyring_args=(--keyring="$KEYRING")

# Leftovers of a run that was killed outright (SIGKILL, power loss): safe to remove, we hold the lock.
for stale in "$PARENT/.$(basename "$ROOT")".build.* "$PARENT/.$(basename "$ROOT")".old.*; do
  [ -d "$stale" ] || continue
  log "removing leftover $stale"
  unmount_under "$stale"
  rm -rf --one-file-system "$stale"
done

BUILD="$(mktemp -d "$PARENT/.$(basename "$ROOT").build.XXXXXX")"
LOG="$(mktemp "${TMPDIR:-/tmp}/debian13-root.XXXXXX.log")"

cleanup() {
  local status=$?
  if [ -n "${BUILD:-}" ] && [ -d "$BUILD" ]; then
    unmount_under "$BUILD"
    rm -rf --one-file-system "$BUILD"
  fi
  if [ "$status" -ne 0 ] && [ -s "${LOG:-}" ]; then
    log "failed (exit $status); last lines of $LOG:"
    tail -n 40 "$LOG" >&2 || true
  else
    rm -f "${LOG:-}"
  fi
  if [ -n "${OLD:-}" ] && [ -d "$OLD" ]; then rm -rf --one-file-system "$OLD"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_root() {
  chroot "$BUILD" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

started=$SECONDS
log "debootstrap --variant=$VARIANT $SUITE into $BUILD (log: $LOG)"
debootstrap --variant="$VARIANT" --components=main "${keyring_args[@]}" "$SUITE" "$BUILD" "$mirror" >>"$LOG" 2>&1
unmount_under "$BUILD"
log "debootstrap done in $((SECONDS - started))s"

cat >"$BUILD/etc/apt/sources.list" <<EOF
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
deb $security $SUITE-security main
EOF
# No daemons may start from package scripts; no docs, man pages or translations (space).
printf '#!/bin/sh\nexit 101\n' >"$BUILD/usr/sbin/policy-rc.d"
chmod 755 "$BUILD/usr/sbin/policy-rc.d"
cat >"$BUILD/etc/dpkg/dpkg.cfg.d/01-secure-stack-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
cat >"$BUILD/etc/apt/apt.conf.d/01-secure-stack" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Dpkg::Use-Pty "false";
quiet "2";
EOF

step=$SECONDS
log "apt-get install ${PACKAGES[*]}"
{
  in_root apt-get update -qq
  in_root apt-get dist-upgrade -y -qq -o Dpkg::Options::=--force-confold
  in_root apt-get install -y -qq -o Dpkg::Options::=--force-confold "${PACKAGES[@]}"
  in_root apt-get clean
} >>"$LOG" 2>&1
rm -rf "$BUILD"/var/lib/apt/lists/* "$BUILD"/var/cache/apt/*.bin "$BUILD"/var/log/apt/* "$BUILD"/tmp/*
unmount_under "$BUILD"
log "packages installed in $((SECONDS - step))s"

# Verify: the libraries the generated service and its tests import, and Debian 13's FastAPI generation.
versions="$(in_root python3 -c 'import fastapi, pydantic; print(fastapi.__version__, pydantic.VERSION)')"
in_root python3 - <<'EOF' >>"$LOG" 2>&1 || die "the root's Python libraries failed to import"
import fastapi, pydantic, jwt, cryptography, httpx, pytest, psycopg, psycopg_pool
major, minor = (int(x) for x in fastapi.__version__.split(".")[:2])
assert (major, minor) >= (0, 115), fastapi.__version__
assert pydantic.VERSION.startswith("2."), pydantic.VERSION
EOF
log "fastapi pydantic: $versions"
# shellcheck disable=SC2016 # ${…} here is dpkg-query's format syntax
in_root dpkg-query -W -f '${Package} ${Version}\n' "${PACKAGES[@]}" >&2

chmod 755 "$BUILD"
printf '%s\n' "$EXPECTED" >"$BUILD/$STAMP_NAME"

# Publish: move any previous root (another package list, or a stampless leftover) aside, then rename.
if [ -e "$ROOT" ] || [ -L "$ROOT" ]; then
  unmount_under "$ROOT"
  OLD="$(mktemp -d "$PARENT/.$(basename "$ROOT").old.XXXXXX")"
  mv "$ROOT" "$OLD/"
fi
mv "$BUILD" "$ROOT"
BUILD=""
log "root ready at $ROOT in $((SECONDS - started))s ($(du -sh "$ROOT" 2>/dev/null | cut -f1))"
printf '%s\n' "$ROOT"
