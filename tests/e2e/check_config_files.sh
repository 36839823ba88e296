#!/usr/bin/env bash
# tixd --check-config runs the checks tixd runs at start: key files (type, length, mode 0600 of secrets, the right half), allowlists, endpoint syntax, files named; each problem is printed with file:line and key, and tixd -c refuses to start with the same message.
set -uo pipefail
tixd="$1" keygen="$2"
d="$(mktemp -d /tmp/tix-check-files-XXXXXX)"
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
K="$d/keys"
mkdir "$K"
"$keygen" "$K/tixd" > /dev/null || fail "tix-keygen"
"$keygen" "$K/client" > /dev/null || fail "tix-keygen"
grep -v '^#' "$K/client.curve.pub" > "$K/clients.allow"
cp "$K/tixd.sign.key" "$K/loose.sign.key"; chmod 644 "$K/loose.sign.key"
printf '# short\nabc\n' > "$K/short.key"; chmod 600 "$K/short.key"
printf '# allowlist\nxyz\n' > "$K/bad.allow"
# conf SIGNING CURVE ALLOW LINE_A LINE_B RECOVERY METRICS [EXTRA]: publisher keys on lines 5-7.
conf() {
  cat > "$d/x.conf" <<CONF
tiers = ( { id = "A"; } );
mapping = ( { provider = "*"; model = "*"; tier = "A"; } );
fx = { USD = "1"; };
publisher = {
  signing_key = "$1";
  curve_secret = "$2";
  clients_allow = "$3";
  line_a = [ "$4" ];
  line_b = [ "tcp://127.0.0.1:*", "$5" ];
  recovery = "$6";
  metrics = "$7";
};
${8:-}
CONF
}
good() { conf "$K/tixd.sign.key" "$K/tixd.curve.key" "$K/clients.allow" "tcp://127.0.0.1:*" \
  "epgm://127.0.0.1;239.192.7.1:5555" "tcp://127.0.0.1:0" "127.0.0.1:0" "${1:-}"; }
# bad LINE MESSAGE: --check-config prints exactly "x.conf:LINE: MESSAGE" (exit 1), and tixd -c
# refuses to start with the same line.
bad() {
  local want="$d/x.conf:$1: $2" out rc
  out=$("$tixd" --check-config "$d/x.conf" 2>&1); rc=$?
  [ "$rc" -eq 1 ] || fail "exit $rc, want 1, for: $want; got: $out"
  [ "$out" = "$want" ] || fail "got:
$out
want:
$want"
  out=$("$tixd" -c "$d/x.conf" --duration-ms 1 2>&1); rc=$?
  [ "$rc" -eq 1 ] || fail "tixd -c: exit $rc, want 1, for: $want"
  printf '%s\n' "$out" | grep -qxF -- "$want" || fail "tixd -c did not say: $want; got: $out"
}
good
out=$("$tixd" --check-config "$d/x.conf" 2>&1) || fail "good config: $out"
[ "$out" = OK ] || fail "good config: $out"

S="publisher.signing_key" C="publisher.curve_secret" A="publisher.clients_allow"
set_key() { # set_key N PATH: key N (1 signing, 2 curve, 3 allow) of the good config set to PATH
  good; local k=("" "$K/tixd.sign.key" "$K/tixd.curve.key" "$K/clients.allow")
  sed -i "$(( $1 + 4 ))s|\"${k[$1]}\"|\"$2\"|" "$d/x.conf"
}
set_key 1 "$K/nope.key";         bad 5 "$S: $K/nope.key: No such file or directory"
set_key 1 "$K";                  bad 5 "$S: $K: a directory, not a key file"
set_key 1 "$K/loose.sign.key";   bad 5 "$S: $K/loose.sign.key: secret key file has mode 0644, readable by group or others; chmod 600 it"
set_key 1 "$K/tixd.sign.pub";    bad 5 "$S: $K/tixd.sign.pub: a .pub file where a secret key is expected"
set_key 1 "$K/tixd.curve.key";   bad 5 "$S: $K/tixd.curve.key: not an Ed25519 seed (64 hex digits)"
set_key 2 "$K/short.key";        bad 6 "$C: $K/short.key: not a CurveZMQ secret key (40 Z85 characters)"
set_key 2 "$K/tixd.curve.pub";   bad 6 "$C: $K/tixd.curve.pub: a .pub file where a secret key is expected"
set_key 3 "$K/tixd.curve.key";   bad 7 "$A: $K/tixd.curve.key: a secret key where a public key is expected (give the .pub file; and keep the secret from whoever got this path)"
set_key 3 "$K/bad.allow";        bad 7 "$A: $K/bad.allow:2: not a CurveZMQ public key (40 Z85 characters): 'xyz'"
set_key 3 "$K/none.allow";       bad 7 "$A: $K/none.allow: No such file or directory"

# Endpoints, and the metrics address.
ep() { # ep LINE_A LINE_B RECOVERY METRICS [EXTRA]
  conf "$K/tixd.sign.key" "$K/tixd.curve.key" "$K/clients.allow" "$1" "$2" "$3" "$4" "${5:-}"; }
ok_b="epgm://127.0.0.1;239.192.7.1:5555"
ep "tcp://127.0.0.1:99999" "$ok_b" "tcp://127.0.0.1:0" "127.0.0.1:0"
bad 8 "publisher.line_a[0]: tcp://127.0.0.1:99999: the port must be 1 to 65535, or * or 0 for any"
ep "tcp://:7701" "$ok_b" "tcp://127.0.0.1:0" "127.0.0.1:0"
bad 8 "publisher.line_a[0]: tcp://:7701: the host is not a name, an address, [IPv6] or *"
ep "tcp://127.0.0.1:*" "epgm://239.192.7.1:5555" "tcp://127.0.0.1:0" "127.0.0.1:0"
bad 9 "publisher.line_b[1]: epgm://239.192.7.1:5555: pgm needs INTERFACE;GROUP:PORT (127.0.0.1;239.192.7.1:5555)"
ep "tcp://127.0.0.1:*" "epgm://127.0.0.1;10.1.2.3:5555" "tcp://127.0.0.1:0" "127.0.0.1:0"
bad 9 "publisher.line_b[1]: epgm://127.0.0.1;10.1.2.3:5555: the group must be an IPv4 multicast address (224.0.0.0 to 239.255.255.255)"
ep "tcp://127.0.0.1:*" "$ok_b" "udp://127.0.0.1:7703" "127.0.0.1:0"
bad 10 "publisher.recovery: udp://127.0.0.1:7703: not a ZeroMQ endpoint (tcp://, ipc://, inproc://, epgm://, pgm:// or norm://)"
ep "tcp://127.0.0.1:*" "$ok_b" "tcp://127.0.0.1:0" "localhost"
bad 11 "publisher.metrics: localhost needs HOST:PORT (or \"off\")"
ep "ipc://$d/a.sock" "norm://127.0.0.1;239.192.7.2:5556" "inproc://r" "off" \
   'collector = { forward = [ "tcp://127.0.0.1;localhost:5599" ]; };'
out=$("$tixd" --check-config "$d/x.conf" 2>&1) || fail "ipc/norm/inproc/off config: $out"
ep "tcp://127.0.0.1:*" "$ok_b" "tcp://127.0.0.1:0" "off" 'collector = { forward = [ "tcp://127.0.0.1:*" ]; };'
bad 13 "collector.forward[0]: tcp://127.0.0.1:*: the port must be 1 to 65535"
# Providers: a zmq_ingest endpoint and a csv_file path that does not exist.
good 'providers = ( { name = "z"; kind = "zmq_ingest"; url = "tcp://127.0.0.1"; } );'
bad 13 "providers[0].url: tcp://127.0.0.1 needs HOST:PORT"
good "providers = ( { name = \"c\"; kind = \"csv_file\"; path = \"$d/drop\"; } );"
bad 13 "providers[0].path: $d/drop: No such file or directory"
echo "OK"
