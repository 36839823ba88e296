#!/usr/bin/env python3
"""Independent reference implementation of METHODOLOGY-v1 (tests only).

Written from /work/shared/METHODOLOGY-v1.md, not from the C sources, so that the golden
expected files are tied to a second implementation.  Standard library only.  Prices are
Python ints scaled 1e-9 (nano-USD per Mtok); volume shares (§9) are Python floats, which
are IEEE-754 doubles, summed one by one in §10's order.

usage: tix_ref.py --config CONF --quotes IN.csv --ticks TICKS.csv --settlements SETTLE.csv
                  [--refusals OUT]
Writes the same two CSV files as tix-replay.  stderr gets, for the first occurrence of each
(provider, reason), a line "LINE: provider P: REASON", then the summary line
"tix-replay: R rows, A accepted, F refused, bad_number N, ...; T ticks, S settlements".
"""

import csv
import re
import sys

INT64_MAX = (1 << 63) - 1
SCALE = 10**9
MS = 10**6  # ns per ms
DAY_MS = 86400000
DAY_NS = DAY_MS * MS
REASONS = ["bad_number", "negative", "no_fx_rate", "missing_field", "unmapped_model"]
HEADER = "recv_ns,provider,model,unit,currency,input,output,cached_input,volume_tokens"


class Refused(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------- §1 arithmetic

def rdiv(a, b):
    """round(a / b), half away from zero, b > 0, exact integers."""
    assert b > 0
    if a >= 0:
        return (a + b // 2) // b
    return -((-a + b // 2) // b)


def median(xs):
    assert xs
    s = sorted(xs)
    n = len(s)
    if n % 2:
        return s[n // 2]
    return rdiv(s[n // 2 - 1] + s[n // 2], 2)


def fmt_price(p):
    if p is None:
        return ""
    sign = "-" if p < 0 else ""
    p = abs(p)
    return "%s%d.%09d" % (sign, p // SCALE, p % SCALE)


# ---------------------------------------------------------------- a small libconfig reader

_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<c1>\#[^\n]*|//[^\n]*)
  | (?P<c2>/\*.*?\*/)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<num>[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?L?)
  | (?P<bool>(?i:true|false)\b)
  | (?P<name>[A-Za-z*][-A-Za-z0-9_*]*)
  | (?P<punct>[=:;,{}()\[\]])
''', re.X | re.S)


def _lex(text):
    pos = 0
    out = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise SystemExit("tix_ref: config syntax error near %r" % text[pos:pos + 30])
        pos = m.end()
        kind = m.lastgroup
        if kind in ("ws", "c1", "c2"):
            continue
        out.append((kind, m.group(kind)))
    return out


class _Parser:
    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else (None, None)

    def take(self, val=None):
        tok = self.peek()
        if val is not None and tok[1] != val:
            raise SystemExit("tix_ref: config: expected %r, got %r" % (val, tok[1]))
        self.i += 1
        return tok

    def settings(self, end):
        d = {}
        while self.peek()[1] != end:
            kind, name = self.take()
            if kind != "name":
                raise SystemExit("tix_ref: config: expected a setting name, got %r" % name)
            if self.peek()[1] in ("=", ":"):
                self.take()
            d[name] = self.value()
            if self.peek()[1] in (";", ","):
                self.take()
        return d

    def value(self):
        kind, v = self.take()
        if kind == "str":
            s = v[1:-1]
            # adjacent string literals concatenate
            while self.peek()[0] == "str":
                s += self.take()[1][1:-1]
            return s.replace('\\"', '"').replace("\\\\", "\\")
        if kind == "num":
            v = v.rstrip("L")
            return int(v) if re.fullmatch(r"[+-]?\d+", v) else float(v)
        if kind == "bool":
            return v.lower() == "true"
        if v == "{":
            d = self.settings("}")
            self.take("}")
            return d
        if v in ("(", "["):
            close = ")" if v == "(" else "]"
            items = []
            while self.peek()[1] != close:
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.take()
            self.take(close)
            return items
        raise SystemExit("tix_ref: config: unexpected %r" % v)


def parse_decimal(text):
    """Exact decimal text → (negative, numerator, denominator) or None if unparsable.
    Plain decimal or scientific notation; no NaN/inf."""
    m = re.fullmatch(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?", text)
    if not m:
        return None
    sign, ip, fp, ex = m.group(1), m.group(2), m.group(3) or "", m.group(4)
    if not ip and not fp:
        return None
    digits = (ip + fp).lstrip("0") or "0"
    mant = int(digits)
    e = (int(ex) if ex else 0) - len(fp)
    if mant == 0:
        return (sign == "-", 0, 1)
    if e > 400:        # far beyond int64 whatever the scaling: overflow
        return (sign == "-", 10**400, 1)
    if e < -400:       # far below a nano-unit whatever the scaling: rounds to zero
        return (sign == "-", 1, 10**400)
    if e >= 0:
        return (sign == "-", mant * 10**e, 1)
    return (sign == "-", mant, 10**(-e))


class Tier:
    def __init__(self, d):
        self.id = d["id"]
        self.interval_ms = d.get("interval_ms", 1000)
        self.stale_ms = d.get("stale_ms", 180000)
        blend = d.get("blend", {})
        self.w_in = blend.get("input", 3)
        self.w_out = blend.get("output", 1)
        self.weighting = d.get("weighting", "equal")
        self.cap_bp = d.get("cap_bp", 3500)
        self.min_providers = d.get("min_providers", 3)
        self.outlier_k = d.get("outlier_k", 3)
        self.band_bp = d.get("outlier_band_bp", 500)
        st = d.get("settlement", {})
        hh, mm = st.get("time", "08:00").split(":")
        self.settle_ms = (int(hh) * 60 + int(mm)) * 60000
        self.window_min = st.get("window_min", 60)
        self.partitions = st.get("partitions", 12)
        assert self.w_in >= 0 and self.w_out >= 0 and self.w_in + self.w_out > 0
        assert self.window_min % self.partitions == 0
        assert DAY_MS % self.interval_ms == 0 and self.settle_ms % self.interval_ms == 0


class Config:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            root = _Parser(_lex(f.read())).settings(None)
        self.tiers = [Tier(t) for t in root["tiers"]]
        ids = [t.id for t in self.tiers]
        self.mapping = [(r["provider"], r["model"], ids.index(r["tier"])) for r in root["mapping"]]
        self.fx = {}
        for code, v in root["fx"].items():
            if isinstance(v, int):
                self.fx[code] = v * SCALE
                continue
            neg, num, den = parse_decimal(v)
            assert not neg and (num * SCALE) % den == 0, "fx rate with > 9 decimals"
            self.fx[code] = num * SCALE // den


# ---------------------------------------------------------------- §4 fnmatch(3), flags 0

def fnmatch3(pat, s):
    """fnmatch(3) with no flags: '*', '?', bracket expressions ('!' or '^' negation,
    ranges), backslash quoting; case-sensitive; '/' and '.' are ordinary."""
    def bracket(p, c):
        # returns (matched, index after ']') or None if not a valid bracket expression
        i = p + 1
        neg = False
        if i < len(pat) and pat[i] in "!^":
            neg = True
            i += 1
        matched = False
        first = True
        while i < len(pat) and (pat[i] != "]" or first):
            first = False
            lo = pat[i]
            if lo == "\\" and i + 1 < len(pat):
                i += 1
                lo = pat[i]
            i += 1
            if i + 1 < len(pat) and pat[i] == "-" and pat[i + 1] != "]":
                hi = pat[i + 1]
                if hi == "\\" and i + 2 < len(pat):
                    i += 1
                    hi = pat[i + 1]
                i += 2
                if lo <= c <= hi:
                    matched = True
            elif lo == c:
                matched = True
        if i >= len(pat):
            return None
        return (matched != neg, i + 1)

    def m(p, i):
        while p < len(pat):
            ch = pat[p]
            if ch == "*":
                while p < len(pat) and pat[p] == "*":
                    p += 1
                if p == len(pat):
                    return True
                return any(m(p, j) for j in range(i, len(s) + 1))
            if i >= len(s):
                return False
            if ch == "?":
                p += 1
                i += 1
                continue
            if ch == "[":
                r = bracket(p, s[i])
                if r is not None:
                    if not r[0]:
                        return False
                    p = r[1]
                    i += 1
                    continue
            if ch == "\\" and p + 1 < len(pat):
                p += 1
                ch = pat[p]
            if ch != s[i]:
                return False
            p += 1
            i += 1
        return i == len(s)

    return m(0, 0)


# ---------------------------------------------------------------- §3 normalization

UNIT_TOKENS = {"token": 1, "1k": 1000, "1m": 1000000}


def scale_price(text, unit_tokens, rate_e9):
    """§3.1 + §3.2 for one present price text → USD nano-per-Mtok; raises Refused."""
    d = parse_decimal(text)
    if d is None:
        raise Refused("bad_number")
    neg, num, den = d
    if neg and num != 0:
        raise Refused("negative")
    # local = round(raw × 10^6 / unit_tokens × 10^9)
    local = rdiv(num * 10**15, den * unit_tokens)
    if local > INT64_MAX:
        raise Refused("bad_number")
    if rate_e9 is None:
        return None
    usd = rdiv(local * rate_e9, SCALE)
    if usd > INT64_MAX:
        raise Refused("bad_number")
    return usd


def parse_volume(text):
    if re.fullmatch(r"\+?\d+", text):
        v = int(text)
    elif re.fullmatch(r"-\d+", text):
        v = int(text)
        if v != 0:
            raise Refused("negative")
        v = 0
    else:
        d = parse_decimal(text)
        if d is not None and d[0] and d[1] != 0:
            raise Refused("negative")
        raise Refused("bad_number")
    if v > INT64_MAX:
        raise Refused("bad_number")
    return v


def normalize(cfg, row):
    """row: dict of the CSV columns (empty → None). Returns (tier, blended, volume)."""
    for f in ("provider", "model", "unit", "currency"):
        if row[f] is None:
            raise Refused("missing_field")
    if row["unit"] not in UNIT_TOKENS:
        raise Refused("bad_number")
    ut = UNIT_TOKENS[row["unit"]]
    rate = cfg.fx.get(row["currency"])
    usd = {}
    for f in ("input", "output", "cached_input"):
        usd[f] = None if row[f] is None else scale_price(row[f], ut, rate)
    vol = None if row["volume_tokens"] is None else parse_volume(row["volume_tokens"])
    if rate is None:
        raise Refused("no_fx_rate")
    tier = None
    for pglob, mglob, ti in cfg.mapping:
        if fnmatch3(pglob, row["provider"]) and fnmatch3(mglob, row["model"]):
            tier = ti
            break
    if tier is None:
        raise Refused("unmapped_model")
    t = cfg.tiers[tier]
    if t.w_in > 0 and usd["input"] is None:
        raise Refused("missing_field")
    if t.w_out > 0 and usd["output"] is None:
        raise Refused("missing_field")
    num = (t.w_in * usd["input"] if t.w_in else 0) + (t.w_out * usd["output"] if t.w_out else 0)
    blended = rdiv(num, t.w_in + t.w_out)
    if blended > INT64_MAX:
        raise Refused("bad_number")
    return tier, blended, vol


# ---------------------------------------------------------------- §6–§12 one tick

def volume_weights(tier, used):
    """used: list of (obs, name, V) in §10 order → list of float weights, or None for
    equal weights."""
    n = len(used)
    if n * tier.cap_bp < 10000:
        return None
    if sum(v for _, _, v in used) == 0:
        return None
    c = tier.cap_bp / 10000
    capped = [False] * n
    share = [0.0] * n
    ncapped = 0
    while True:
        r = 1.0 - ncapped * c
        tot = 0.0
        for i in range(n):
            if not capped[i]:
                tot += float(used[i][2])
        for i in range(n):
            if not capped[i]:
                share[i] = r * float(used[i][2]) / tot if tot > 0 else 0.0
        added = [i for i in range(n) if not capped[i] and share[i] > c]
        if not added:
            break
        for i in added:
            capped[i] = True
        ncapped += len(added)
    return [c if capped[i] else share[i] for i in range(n)]


def weighted_median(used, weights):
    n = len(used)
    if weights is None:
        weights = [1] * n       # exact integers
    total = 0 if isinstance(weights[0], int) else 0.0
    for w in weights:
        total += w
    cum = 0 if isinstance(weights[0], int) else 0.0
    k = None
    for i in range(n):
        cum += weights[i]
        if 2 * cum >= total:
            k = i
            break
    assert k is not None
    if 2 * cum == total and k < n - 1:
        return rdiv(used[k][0] + used[k + 1][0], 2)
    return used[k][0]


def compute_tick(tier, latest, b_ns):
    """latest: dict (provider, model) → (recv_ns, blended, volume). Returns
    (price or None-if-computed-elsewhere, status, n_used, n_excluded, n_stale, dispersion)."""
    by_vol = tier.weighting == "volume"
    n_stale = 0
    per_prov = {}
    for (prov, _model), (recv, blended, vol) in latest.items():
        if b_ns - recv > tier.stale_ms * MS:
            n_stale += 1
            continue
        if by_vol and vol is None:
            continue
        e = per_prov.setdefault(prov, [[], 0])
        e[0].append(blended)
        e[1] += vol or 0
    obs = [(median(vals), prov, vsum) for prov, (vals, vsum) in per_prov.items()]
    n = len(obs)
    excluded = set()
    if n >= 3:
        M = median([o for o, _, _ in obs])
        D = median([abs(o - M) for o, _, _ in obs])
        thr = max(D * 14826 * tier.outlier_k // 10000, M * tier.band_bp // 10000)
        excluded = {p for o, p, _ in obs if abs(o - M) > thr}
    used = sorted([x for x in obs if x[1] not in excluded],
                  key=lambda x: (x[0], x[1].encode("utf-8")))
    if not used:
        return None, "STALE", 0, len(excluded), n_stale, 0
    weights = volume_weights(tier, used) if by_vol else None
    price = weighted_median(used, weights)
    status = "OK" if len(used) >= tier.min_providers else "LOW"
    disp = median([abs(o - price) for o, _, _ in used])
    return price, status, len(used), len(excluded), n_stale, disp


# ---------------------------------------------------------------- §13 settlement

def civil_date(ns):
    import datetime
    d = datetime.date(1970, 1, 1) + datetime.timedelta(days=ns // DAY_NS)
    return "%04d-%02d-%02d" % (d.year, d.month, d.day)


def settle(tier, ticks, S):
    """ticks: list of (ts, price, status) of this tier in time order."""
    W = tier.window_min * 60 * 10**9
    L = W // tier.partitions
    parts = [[] for _ in range(tier.partitions)]
    for ts, price, status in ticks:
        if status == "OK" and S - W <= ts < S:
            parts[(ts - (S - W)) // L].append(price)
    meds = [median(p) for p in parts if p]
    m = len(meds)
    if m >= -(-tier.partitions // 2):
        return rdiv(sum(meds), m), "OK", m
    oks = [(ts, price) for ts, price, status in ticks if status == "OK" and ts < S]
    if oks:
        return oks[-1][1], "FALLBACK", m
    return None, "NONE", m


# ---------------------------------------------------------------- the replay

def ceil_to(x, step):
    return -((-x) // step) * step


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--quotes", required=True)
    ap.add_argument("--ticks", required=True)
    ap.add_argument("--settlements", required=True)
    a = ap.parse_args(argv)
    cfg = Config(a.config)

    rows = []
    with open(a.quotes, newline="", encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n")
        if header != HEADER:
            raise SystemExit("tix_ref: bad header")
        lineno = 1
        for line in f:
            lineno += 1
            line = line.rstrip("\r\n")
            if not line:
                continue
            fields = next(csv.reader([line]))
            assert len(fields) == 9, "line %d: %d fields" % (lineno, len(fields))
            row = dict(zip(HEADER.split(","), [x if x != "" else None for x in fields]))
            row["recv_ns"] = int(fields[0])
            row["line"] = lineno
            rows.append(row)
    for i in range(1, len(rows)):
        assert rows[i]["recv_ns"] >= rows[i - 1]["recv_ns"], "recv_ns must not decrease"

    counts = {r: 0 for r in REASONS}
    seen = set()
    log = []
    quotes = []   # (recv_ns, tier, provider, model, blended, volume), input order
    for row in rows:
        try:
            tier, blended, vol = normalize(cfg, row)
        except Refused as e:
            counts[e.reason] += 1
            key = (row["provider"] or "", e.reason)
            if key not in seen:
                seen.add(key)
                log.append("%d: provider %s: %s" % (row["line"], row["provider"] or "(none)",
                                                     e.reason))
            continue
        quotes.append((row["recv_ns"], tier, row["provider"], row["model"], blended, vol))

    ticks = []        # (ts, tier index, line)
    settlements = []  # (S, tier index, line)
    if rows:
        first, last = rows[0]["recv_ns"], rows[-1]["recv_ns"]
        for ti, tier in enumerate(cfg.tiers):
            iv = tier.interval_ms * MS
            b0, b1 = ceil_to(first, iv), ceil_to(last, iv)
            tq = [q for q in quotes if q[1] == ti]
            latest = {}
            qi = 0
            last_value = None
            mine = []
            b = b0
            while b <= b1:
                while qi < len(tq) and tq[qi][0] <= b:
                    recv, _, prov, model, blended, vol = tq[qi]
                    latest[(prov, model)] = (recv, blended, vol)  # later row wins on ties
                    qi += 1
                price, status, nu, nx, ns, disp = compute_tick(tier, latest, b)
                if status == "STALE":
                    price = last_value
                else:
                    last_value = price
                mine.append((b, price, status))
                ticks.append((b, ti, "%d,%s,%s,%s,%d,%d,%d,%s" % (
                    b, tier.id, fmt_price(price), status, nu, nx, ns, fmt_price(disp))))
                b += iv
            S = (b0 // DAY_NS) * DAY_NS + tier.settle_ms * MS
            if S < b0:
                S += DAY_NS
            while S <= b1:
                price, status, m = settle(tier, mine, S)
                settlements.append((S, ti, "%s,%s,%d,%s,%s,%d" % (
                    civil_date(S), tier.id, S, fmt_price(price), status, m)))
                S += DAY_NS
    ticks.sort(key=lambda x: (x[0], x[1]))
    settlements.sort(key=lambda x: (x[0], x[1]))
    with open(a.ticks, "w", encoding="utf-8", newline="") as f:
        f.write("ts_ns,tier,price,status,n_used,n_excluded,n_stale,dispersion\n")
        for t in ticks:
            f.write(t[2] + "\n")
    with open(a.settlements, "w", encoding="utf-8", newline="") as f:
        f.write("date,tier,ts_ns,price,status,partitions_used\n")
        for s in settlements:
            f.write(s[2] + "\n")
    for line in log:
        sys.stderr.write(line + "\n")
    sys.stderr.write("tix-replay: %d rows, %d accepted, %d refused, %s; %d ticks, %d settlements\n"
                     % (len(rows), len(quotes), len(rows) - len(quotes),
                        ", ".join("%s %d" % (r, counts[r]) for r in REASONS),
                        len(ticks), len(settlements)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
