#!/bin/sh
# tixd --check-config from the command line: shipped configs print exactly "OK" (exit 0); a
# typo'd key prints file:line and the suggested key (exit 1).
#   check_config.sh TIXD ok FILE [TIX-KEYGEN]   (with var/keys/ made by TIX-KEYGEN if FILE names it)
#   check_config.sh TIXD typo
set -u
tixd=$1
mode=$2

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

case $mode in
ok)
    conf=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
    keygen=${4:-}
    # The files a shipped config names (var/keys/..., relative to the working directory, as
    # tools/run-demo makes them) must exist for OK: make them in a scratch directory.
    dir=$(mktemp -d "${TMPDIR:-/tmp}/tix-check-config-XXXXXX") || fail "mktemp"
    trap 'rm -rf "$dir"' EXIT
    cd "$dir" || fail "cd $dir"
    if [ -n "$keygen" ] && grep -q 'var/keys/' "$conf"; then
        mkdir -p var/keys
        "$keygen" var/keys/tixd > /dev/null && "$keygen" var/keys/client > /dev/null || fail "tix-keygen"
        grep -v '^#' var/keys/client.curve.pub > var/keys/clients.allow
    fi
    out=$("$tixd" --check-config "$conf" 2>&1)
    rc=$?
    [ "$rc" -eq 0 ] || fail "$conf: exit $rc, want 0; output:
$out"
    [ "$out" = "OK" ] || fail "$conf: output is not exactly OK:
$out"
    ;;
typo)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/tix-check-config-XXXXXX") || fail "mktemp"
    trap 'rm -rf "$dir"' EXIT
    cat >"$dir/typo.conf" <<'CONF'
tiers = ( { id = "A";
            name = "tier A";
            intervl_ms = 1000; } );
mapping = ( { provider = "*"; model = "*"; tier = "A"; } );
fx = { USD = "1"; };
CONF
    out=$("$tixd" --check-config "$dir/typo.conf" 2>&1)
    rc=$?
    want="$dir/typo.conf:3: tiers[0].intervl_ms: unknown key 'intervl_ms' (did you mean 'interval_ms'?)"
    [ "$rc" -eq 1 ] || fail "exit $rc, want 1; output:
$out"
    [ "$out" = "$want" ] || fail "output:
$out
want:
$want"
    ;;
*)
    fail "unknown mode '$mode'"
    ;;
esac
echo "PASS"
