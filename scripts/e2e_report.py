#!/usr/bin/python3
"""What each relay and the sink did in an end-to-end run, and the verdict.

  e2e_report.py --manifest c1.txt [--manifest c2.txt] --sink sink.json
                [--relay a=a.json[:a.log] ...] [--expect-forwarded N]

Expected at the sink: every valid transaction of the manifests (sluice-gen),
each exactly once, and nothing else. Each relay's --stats-json must add up:
rx_packets == forwarded_txns + sum(drop_*). Exit 0 only when all holds.
Each relay's table ends with what its XDP prefilter did (when it ran one):
what it rate limited and blocklisted, the sources it dropped most, the
sources its autoblock blocked (from the sluice-dp log, when given after a
colon), how full its lists are and the autoblock's counters."""
import argparse
import json
import re
import sys


def load_manifest(path):
    """kind -> list of (id, detail), one entry per sent datagram."""
    kinds = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            _seq, kind, txid, _size, detail = line.split()
            kinds.setdefault(kind, []).append((txid, detail))
    return kinds


def prefilter_report(name, stats, log):
    pf = stats.get("prefilter")
    if pf is None:
        return
    print(f"relay {name}: prefilter: redirected {pf['redirected']}, rate limited "
          f"{pf.get('drop_rate_limited', 0)}, blocklisted {pf.get('drop_blocklisted', 0)}")
    top = pf.get("top_sources", {})
    if top:
        print(f"relay {name}:   dropped in XDP by source: "
              + ", ".join(f"{ip} {n}" for ip, n in top.items()))
    if log:
        blocked = {}
        with open(log, errors="replace") as f:
            for line in f:
                m = re.search(r"autoblock: blocked (\S+) for (\d+) s(.*)", line)
                if m:
                    blocked.setdefault(m.group(1), []).append(f"{m.group(2)} s{m.group(3)}")
        for src, why in blocked.items():
            print(f"relay {name}:   blocked {src}: " + "; ".join(why))
    lists = stats.get("prefilter_lists", {})
    if lists:
        print(f"relay {name}:   lists: " + "; ".join(
            f"{lst} {v['ipv4']} IPv4, {v['ipv6']} IPv6 (of {v['capacity']} each)"
            for lst, v in lists.items()))
    ab = stats.get("autoblock")
    if ab is not None:
        print(f"relay {name}: autoblock: " + ", ".join(f"{k} {v}" for k, v in ab.items()))


def relay_report(name, stats, log=None):
    c = stats["counters"]
    drops = {k[len("drop_"):]: v for k, v in c.items() if k.startswith("drop_")}
    total_drops = sum(drops.values())
    rx, fwd = c.get("rx_packets", 0), c.get("forwarded_txns", 0)
    ok = rx == fwd + total_drops
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(drops.items()) if v) or "none"
    print(f"relay {name}: in {rx} packets; forwarded {fwd} transactions "
          f"({c.get('tx_frames', 0)} frames out, {c.get('tx_dropped', 0)} not sent)")
    print(f"relay {name}: dropped {total_drops}: {reasons}")
    shown = {"rx_packets", "forwarded_txns", "tx_frames", "tx_dropped"}
    other = ", ".join(f"{k} {v}" for k, v in sorted(c.items())
                      if v and k not in shown and not k.startswith("drop_"))
    if other:
        print(f"relay {name}: also {other}")
    for peer, p in sorted(stats.get("peers", {}).items()):
        print(f"relay {name}:   peer {peer}: " + ", ".join(f"{k} {v}" for k, v in p.items()))
    for src, n in stats.get("sources", {}).items():
        print(f"relay {name}:   source {src}: " + ", ".join(f"{k} {v}" for k, v in n.items()))
    prefilter_report(name, stats, log)
    if not ok:
        print(f"relay {name}: FAIL: counters do not add up: rx_packets {rx} != "
              f"forwarded_txns {fwd} + drops {total_drops}")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", action="append", required=True)
    ap.add_argument("--sink", required=True)
    ap.add_argument("--relay", action="append", default=[], help="NAME=stats.json[:sluice-dp.log]")
    args = ap.parse_args()

    valid, bad_sig, sent = set(), set(), {}
    for path in args.manifest:
        for kind, entries in load_manifest(path).items():
            sent[kind] = sent.get(kind, 0) + len(entries)
            if kind == "valid":
                valid.update(t for t, _ in entries)
            elif kind == "bad_sig":
                bad_sig.update(t for t, _ in entries)
    print("clients sent: " + ", ".join(f"{k} {v}" for k, v in sorted(sent.items()))
          + f" ({len(valid)} distinct valid transactions)")

    ok = True
    for spec in args.relay:
        name, rest = spec.split("=", 1)
        path, _, log = rest.partition(":")
        with open(path) as f:
            ok &= relay_report(name, json.load(f), log or None)

    with open(args.sink) as f:
        sink = json.load(f)
    got = set(sink["ids"])
    print(f"sink: received {sink['received']}: {sink['unique']} distinct valid, "
          f"{sink['duplicates']} duplicates, {sink['invalid_sig']} invalid signatures, "
          f"{sink['malformed']} malformed")
    missing, extra = valid - got, got - valid
    problems = []
    if missing:
        problems.append(f"{len(missing)} valid transactions missing (e.g. {sorted(missing)[0]})")
    if extra:
        problems.append(f"{len(extra)} transactions no client sent as valid")
    if sink["duplicates"]:
        problems.append(f"{sink['duplicates']} arrived more than once")
    if sink["invalid_sig"] or bad_sig & set(sink["invalid_ids"]):
        problems.append(f"{sink['invalid_sig']} with an invalid signature")
    if sink["malformed"] or sink.get("bad_gossip_header", 0):
        problems.append(f"{sink['malformed']} malformed")
    if problems:
        print("sink: FAIL: " + "; ".join(problems))
        ok = False
    else:
        print(f"sink: every valid transaction arrived exactly once ({len(got & valid)} of {len(valid)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
