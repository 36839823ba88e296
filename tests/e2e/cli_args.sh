#!/usr/bin/env bash
# CLI hardening: tix-keygen refuses names that would write hidden or odd files; tixd --duration-ms refuses values that would overflow (UBSan found it), naming the option.
set -uo pipefail
keygen="$1" tixd="$2"
dir="$(mktemp -d /tmp/tix-cli-args-XXXXXX)"
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# tix-keygen BASE: "", "keys/", ".hidden", "keys/.x", "a b" and a control byte are refused
# with exit 1 and a message, and nothing is written.
mkdir "$dir/keys"
cd "$dir" || fail "cd"
for base in "" "keys/" ".hidden" "keys/.x" "keys/a b" "keys/$(printf 'a\001')"; do
  out=$("$keygen" "$base" 2>&1); rc=$?
  [ "$rc" -eq 1 ] || fail "tix-keygen '$base': exit $rc, want 1: $out"
  case $out in "tix-keygen: '"*) ;; *) fail "tix-keygen '$base': message: $out" ;; esac
done
[ -z "$(ls -A "$dir/keys")" ] || fail "files written: $(ls -A "$dir/keys")"
[ -z "$(ls -A "$dir" | grep -v '^keys$')" ] || fail "files written: $(ls -A "$dir")"
"$keygen" keys/good > /dev/null || fail "tix-keygen keys/good failed"
[ -f keys/good.sign.key ] && [ -f keys/good.curve.pub ] || fail "keys/good not written"

# tixd --duration-ms: huge, negative, zero, empty and non-numeric values → exit 2, named.
for v in 9223372036854775807 99999999999999999999 31536000001 -5 0 "" 12x; do
  out=$("$tixd" --check-config /dev/null --duration-ms "$v" 2>&1); rc=$?
  [ "$rc" -eq 2 ] || fail "--duration-ms '$v': exit $rc, want 2: $out"
  [ "$out" = "tixd: --duration-ms: '$v' is not an integer from 1 to 31536000000 (365 days)" ] \
    || fail "--duration-ms '$v': message: $out"
done
echo "OK"
