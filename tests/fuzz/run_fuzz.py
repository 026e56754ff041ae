#!/usr/bin/env python3
"""Run one libFuzzer target for SLUICE_FUZZ_SECONDS (default 60; 0 replays the
seeds only), seeded with a corpus written to a temporary folder from the
shared vectors. Exit status 1 when the fuzzer finds anything; the offending
inputs are kept in $SLUICE_BUILD_DIR/fuzz-artifacts/.

usage: run_fuzz.py FUZZER SEED_KIND     (SEED_KIND: solana-txns | sluice-configs | frames | cidrs |
                                         pfstates | statefiles | top-answers | none)"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def solana_txns(vectors: Path, out: Path) -> int:
    """Every web3js record and every mainnet transaction, one file each."""
    n = 0
    data = (vectors / "solana-web3js" / "txs.bin").read_bytes()
    at = 0
    while at + 2 <= len(data):
        size = int.from_bytes(data[at:at + 2], "little")
        at += 2
        (out / f"web3js-{n:04d}").write_bytes(data[at:at + size])
        at += size
        n += 1
    for f in sorted((vectors / "solana-mainnet").glob("*.bin")):
        (out / f"mainnet-{f.name}").write_bytes(f.read_bytes())
        n += 1
    return n


def sluice_configs(vectors: Path, out: Path) -> int:
    """The example sluice-dp configs of the source tree (not in vectors)."""
    src = Path(os.environ.get("SLUICE_SOURCE_DIR", ".")) / "tests" / "configs"
    n = 0
    for f in sorted(src.glob("*.ini")):
        (out / f.name).write_bytes(f.read_bytes())
        n += 1
    return n


def ip4_udp(payload: bytes) -> bytes:
    """IPv4 (checksum filled in) + UDP 40000 -> 8003, 10.99.0.1 -> 10.99.0.11."""
    udp = (40000).to_bytes(2, "big") + (8003).to_bytes(2, "big") + \
        (8 + len(payload)).to_bytes(2, "big") + b"\0\0" + payload
    ip = bytearray(b"\x45\0" + (20 + len(udp)).to_bytes(2, "big") + b"\0\0\x40\0\x40\x11\0\0" +
                   bytes([10, 99, 0, 1, 10, 99, 0, 11]))
    s = sum(int.from_bytes(ip[i:i + 2], "big") for i in range(0, 20, 2))
    s = (s & 0xffff) + (s >> 16)
    ip[10:12] = ((~((s & 0xffff) + (s >> 16))) & 0xffff).to_bytes(2, "big")
    return bytes(ip) + udp


def ip6(next_hdr: int, body: bytes) -> bytes:
    """IPv6 2001:db8::1 -> 2001:db8::b carrying body."""
    addr = lambda last: bytes.fromhex("20010db8") + bytes(11) + bytes([last])
    return b"\x60\0\0\0" + len(body).to_bytes(2, "big") + bytes([next_hdr, 64]) + addr(1) + addr(11) + body


def udp6(payload: bytes) -> bytes:
    return ip6(17, (40000).to_bytes(2, "big") + (8003).to_bytes(2, "big") +
               (8 + len(payload)).to_bytes(2, "big") + b"\x12\x34" + payload)


def eth(*types_and_body) -> bytes:
    """MACs, then each EtherType or tag (TPID, TCI) in turn, then the body."""
    *tags, body = types_and_body
    return b"\x02" * 12 + b"".join(t.to_bytes(2, "big") for t in tags) + body


def frames(vectors: Path, out: Path) -> int:
    """The raw Ethernet frames of xdp-frames, each seeded twice: as it is
    (first byte 0) and with the target fixing the IPv4 checksum (first byte 1),
    the two modes of fuzz_pkt; and built here, the frames the vectors lack:
    IPv6 (UDP, ICMPv6, a hop-by-hop header), 802.1Q-tagged IPv4 and IPv6,
    and QinQ."""
    gossip = b"SLC1\x01\x01\x04\0" + bytes(range(8)) + bytes(64)
    built = {
        "udp6": eth(0x86dd, udp6(gossip)),
        "udp6_vlan": eth(0x8100, 0x0064, 0x86dd, udp6(gossip)),
        "udp4_vlan": eth(0x8100, 0x2064, 0x0800, ip4_udp(gossip)),
        "udp4_qinq": eth(0x88a8, 0x0010, 0x8100, 0x0064, 0x0800, ip4_udp(gossip)),
        "udp6_two_tags": eth(0x8100, 0x0010, 0x8100, 0x0064, 0x86dd, udp6(gossip)),
        "icmp6_ns": eth(0x86dd, ip6(58, bytes([135]) + bytes(23))),
        "mld_hbh": eth(0x86dd, ip6(0, bytes([58, 0, 5, 2, 0, 0, 1, 0, 143]) + bytes(19))),
    }
    n = 0
    files = [(f.stem, f.read_bytes()) for f in sorted((vectors / "xdp-frames").glob("*.bin"))]
    for stem, frame in files + sorted(built.items()):
        for mode in (0, 1):
            (out / f"{stem}-{mode}").write_bytes(bytes([mode]) + frame)
            n += 1
    return n


def cidrs(vectors: Path, out: Path) -> int:
    """The prefixes of tests/fuzz/cidrs.txt (good, bad and edge cases), one a
    line (not in vectors)."""
    src = Path(os.environ.get("SLUICE_SOURCE_DIR", ".")) / "tests" / "fuzz" / "cidrs.txt"
    n = 0
    for n, line in enumerate(src.read_text().splitlines(), 1):
        (out / f"cidr-{n:03d}").write_text(line)
    return n


def pfstates(vectors: Path, out: Path) -> int:
    """sluice-dp's prefilter state files: tests/fuzz/pfstate.txt (good and bad
    lines, CRLF) whole and each of its lines alone, and each prefix of
    tests/fuzz/cidrs.txt in a block and an allow line (not in vectors)."""
    src = Path(os.environ.get("SLUICE_SOURCE_DIR", ".")) / "tests" / "fuzz"
    whole = (src / "pfstate.txt").read_bytes()
    seeds = [whole] + whole.splitlines(keepends=True)
    for c in (src / "cidrs.txt").read_text().splitlines():
        seeds += [f"block {c} 1700000000\n".encode(), f"allow {c}\n".encode()]
    for n, seed in enumerate(seeds):
        (out / f"pfstate-{n:03d}").write_bytes(seed)
    return len(seeds)


def statefiles(vectors: Path, out: Path) -> int:
    """sluiced's state files: a peer line at each address (or prefix, to be
    refused) of tests/fuzz/cidrs.txt, IPv4 and IPv6 (not in vectors)."""
    src = Path(os.environ.get("SLUICE_SOURCE_DIR", ".")) / "tests" / "fuzz" / "cidrs.txt"
    n = 0
    for n, c in enumerate(src.read_text().splitlines(), 1):
        (out / f"statefile-{n:03d}").write_text(f"peer p{n} 11111111111111111111111111111112 {c} 8005\n")
    return n


def top_answers(vectors: Path, out: Path) -> int:
    """What fuzz_top takes: columns, rows and flags, then the answers of
    sluice-dp's /sluice/stats, /sluice/prefilter, /sluice/sources and
    /sluice/peers and sluiced's `stats json` as sluicectl top gets them,
    split at NUL bytes; at a few screen sizes and with each answer alone or
    unwrapped (not in vectors)."""
    counters = {"rx_packets": 1000, "forwarded_txns": 600, "drop_duplicate": 300,
                "drop_invalid_sig": 100, "drop_parse_too_short": 7, "verify_sigs": 700}
    dp_peer = {"frames_in": 30, "first_deliveries": 20, "duplicates": 0, "invalid": 10,
               "malformed": 0, "frames_out": 40}
    answers = [
        {"/sluice/stats": {"relay": "a", "counters": counters, "dedup_window_ns": 5}},
        {"/sluice/prefilter": {"relay": "a", "counters": {"redirected": 9, "drop_rate_limited": 4},
                               "top_sources": ["10.99.3.1", "2001:db8:aaaa:bbbc::/64"],
                               "top_drops": [70, 7], "blocklist_ipv4": 3, "blocklist_ipv6": 1,
                               "blocklist_capacity": 16384, "allowlist_ipv4": 0,
                               "allowlist_ipv6": 2, "allowlist_capacity": 1024}},
        {"/sluice/sources": {"relay": "a", "sources": ["10.99.0.1", "2001:db8:aaaa:bbbb::/64"],
                             "malformed": [3, 0], "invalid_sig": [0, 2]}},
        {"/sluice/peers": {"sink": dict(dp_peer), "b": dict(dp_peer)}},
        {"relay": "a", "control": {"accepted": 5}, "dataplane": {"written": True},
         "peers": [{"name": "b", "slot": 0, "state": "up", "rtt_ms": 0.5, "srtt_ms": 0.25,
                    "dp": dp_peer},
                   {"name": "c", "slot": 1, "state": "cut_off", "srtt_ms": 1.5, "dp": dp_peer}]},
    ]
    texts = [json.dumps(a).encode() for a in answers]
    unwrapped = [json.dumps(next(iter(a.values())) if len(a) == 1 else a).encode() for a in answers]
    seeds = []
    for cols, rows, flags in ((80, 24, 1), (250, 200, 6), (30, 8, 2), (0, 0, 0)):
        seeds.append(bytes([cols, rows, flags]) + b"\0".join(texts))
    seeds.append(bytes([100, 40, 1]) + b"\0".join(unwrapped))
    for i, t in enumerate(texts):  # each answer alone, the others empty
        seeds.append(bytes([120, 50, 1]) + b"\0" * i + t)
    for n, seed in enumerate(seeds):
        (out / f"top-{n:02d}").write_bytes(seed)
    return len(seeds)


SEEDS = {"solana-txns": solana_txns, "sluice-configs": sluice_configs, "frames": frames,
         "cidrs": cidrs, "pfstates": pfstates, "statefiles": statefiles,
         "top-answers": top_answers, "none": None}
# The vector folders each kind of seed is read from.
SEED_VECTORS = {"solana-txns": ("solana-web3js", "solana-mainnet"), "frames": ("xdp-frames",)}


def main() -> int:
    fuzzer, kind = sys.argv[1], sys.argv[2]
    name = Path(fuzzer).name
    seconds = int(os.environ.get("SLUICE_FUZZ_SECONDS", "60"))
    vectors = Path(os.environ.get("SLUICE_VECTORS_DIR", "/nonexistent"))
    with tempfile.TemporaryDirectory(prefix=f"sluice-{name}-") as tmp:
        corpus = Path(tmp) / "corpus"
        artifacts = Path(tmp) / "artifacts"
        corpus.mkdir()
        artifacts.mkdir()
        absent = [d for d in SEED_VECTORS.get(kind, ()) if not (vectors / d).is_dir()]
        if SEEDS[kind] is not None and not absent:
            print(f"{name}: {SEEDS[kind](vectors, corpus)} seeds from {vectors}")
        elif absent and os.environ.get("SLUICE_REQUIRE_VECTORS") == "1":
            print(f"{name}: vectors {absent} absent from {vectors} and SLUICE_REQUIRE_VECTORS=1")
            return 1
        elif absent:
            print(f"{name}: vectors {absent} absent from {vectors}; fuzzing without seeds")
        bound = [f"-max_total_time={seconds}"] if seconds > 0 else ["-runs=0"]
        cmd = [fuzzer, *bound, "-timeout=10", "-rss_limit_mb=2048", "-max_len=4096",
               "-print_final_stats=1", f"-artifact_prefix={artifacts}/", str(corpus)]
        print(" ".join(cmd), flush=True)
        rc = subprocess.call(cmd)
        found = sorted(artifacts.iterdir())
        if rc == 0 and not found:
            return 0
        keep = Path(os.environ.get("SLUICE_BUILD_DIR", ".")) / "fuzz-artifacts"
        keep.mkdir(parents=True, exist_ok=True)
        for f in found:
            shutil.copy(f, keep / f"{name}-{f.name}")
            print(f"{name}: finding kept as {keep / (name + '-' + f.name)}: {f.read_bytes().hex()}")
        print(f"{name}: fuzzer exit status {rc}, {len(found)} finding(s)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
