#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# vsockctl attach/detach with awkward cgroup paths, as root, against the
# real kernel (docs/hardening.md, "Cgroup paths"): symlinks and '..' are
# resolved to the cgroup they name; paths over PATH_MAX or with a component
# over NAME_MAX, and paths outside cgroup2, get one precise line and leave
# no pins; a cgroup deeper than vs_cgcfg can record is attached and shown
# shortened, by its leaf; a cgroup removed while attached shows as gone,
# cannot be attached again, and is detached by its old path.
set -u
O=${O:-build}
V="$(cd "$(dirname "$O/vsockctl")" && pwd)/vsockctl"
ROOT=/sys/fs/bpf/vsock-test-cgpath-$$
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
B=$CG2/vsock-test-cgpath-$$
LINK=/tmp/vsock-test-cgpath-link-$$
C60=$(printf 'c%.0s' $(seq 1 60))
DEEP=$B/$C60/$C60/$C60/$C60	# 240+ bytes below the mount: more than vs_cgcfg holds
P=(--pin-root "$ROOT")

cleanup() {
	"$V" "${P[@]}" unload --force >/dev/null 2>&1
	rm -rf "$ROOT" 2>/dev/null
	rm -f "$LINK"
	rmdir "$DEEP" "$B/$C60/$C60/$C60" "$B/$C60/$C60" "$B/$C60" "$B/app" "$B/gone" "$B" 2>/dev/null
}
trap cleanup EXIT INT TERM

CASE_PREFIX="cgroup paths: "
. "$(dirname "$0")/clilib.sh"

# "PATH EXISTS" per attached cgroup, from vsockctl -j status
attached() {
	"$V" "${P[@]}" -j status | python3 -c '
import json, sys
d = json.load(sys.stdin)
for c in d.get("attached", []):
    print(c["path"], "yes" if c["exists"] else "no")'
}

no_pins() { [ ! -e "$ROOT" ]; }

mkdir -p "$B/app" "$DEEP"
ln -s "$B/app" "$LINK"

# too long: a precise line (the path shortened), nothing loaded
long=$B; for i in $(seq 1 20); do long=$long/$(printf 'b%.0s' $(seq 1 250)); done
expect_fail "over PATH_MAX" "path of [0-9]+ bytes, longer than PATH_MAX \\(4095\\)" "$V" "${P[@]}" attach "$long"
expect_fail "a component over NAME_MAX" "component '.*' of 300 bytes, longer than NAME_MAX \\(255\\)" \
	"$V" "${P[@]}" attach "$B/$(printf 'a%.0s' $(seq 1 300))"
expect_fail "outside cgroup2 through '..'" "is not a cgroup \\(not on a cgroup2 filesystem\\)" \
	"$V" "${P[@]}" attach "$B/app/../../.."
expect_fail "a symlink to a non-cgroup" "is not a cgroup" "$V" "${P[@]}" attach /proc/self/cwd/
no_pins && ok "refused paths leave no pins" || nok "refused paths leave no pins" "$ROOT exists"

# a symlink and '..' name the cgroup they resolve to
"$V" "${P[@]}" attach "$LINK" >/dev/null
got=$(attached)
[ "$got" = "$B/app yes" ] && ok "a symlink attaches its target" || nok "a symlink attaches its target" "got '$got'"
out=$("$V" "${P[@]}" attach "$B/app/../app/." 2>&1)
[ "$out" = "$B/app/../app/.: already attached" ] && ok "'..' and '.' resolve to the same cgroup" ||
	nok "'..' and '.' resolve to the same cgroup" "got '$out'"
"$V" "${P[@]}" detach "$LINK" >/dev/null 2>&1 && [ -z "$(attached)" ] &&
	ok "detach through the symlink" || nok "detach through the symlink" "still: $(attached)"
expect_fail "detach over PATH_MAX" "longer than PATH_MAX" "$V" "${P[@]}" detach "$long"

# deeper than vs_cgcfg records: attached, shown by its leaf, exists
"$V" "${P[@]}" attach "$DEEP" >/dev/null
got=$(attached)
case $got in
"$CG2/..."*"/$C60/$C60 yes") ok "a deep cgroup is shown shortened, by its leaf" ;;
*) nok "a deep cgroup is shown shortened, by its leaf" "got '$got'" ;;
esac
n=$(bpftool cgroup show "$DEEP" 2>/dev/null | grep -c vsock_)
[ "$n" -gt 0 ] && ok "a deep cgroup has the programs" || nok "a deep cgroup has the programs" "$n"
rmdir "$DEEP"
got=$(attached)
case $got in
*" no") ok "a deep cgroup removed while attached shows as gone" ;;
*) nok "a deep cgroup removed while attached shows as gone" "got '$got'" ;;
esac
"$V" "${P[@]}" detach "$DEEP" >/dev/null 2>&1 && [ -z "$(attached)" ] &&
	ok "a removed deep cgroup is detached by its old path" ||
	nok "a removed deep cgroup is detached by its old path" "still: $(attached)"

# removed while attached: gone in status, not attachable, detached by path
mkdir "$B/gone"
"$V" "${P[@]}" attach "$B/gone" >/dev/null
rmdir "$B/gone"
got=$(attached)
[ "$got" = "$B/gone no" ] && ok "a removed cgroup shows as gone" || nok "a removed cgroup shows as gone" "got '$got'"
expect_fail "attach a removed cgroup" "gone: No such file or directory" "$V" "${P[@]}" attach "$B/gone"
"$V" "${P[@]}" detach "$B/gone" >/dev/null 2>&1 && [ -z "$(attached)" ] &&
	ok "a removed cgroup is detached by its old path" ||
	nok "a removed cgroup is detached by its old path" "still: $(attached)"
expect_fail "detach it again" "no such cgroup, and none attached by that path" \
	"$V" "${P[@]}" detach "$B/gone"
"$V" "${P[@]}" unload --force >/dev/null
no_pins && ok "unload leaves no pins" || nok "unload leaves no pins" "$ROOT exists"

exit $((fails > 0))
