#!/usr/bin/env python3
"""Run one libFuzzer target for SLUICE_FUZZ_SECONDS (default 60; 0 replays the
seeds only), seeded with a corpus written to a temporary folder from the
shared vectors. Exit status 1 when the fuzzer finds anything; the offending
inputs are kept in $SLUICE_BUILD_DIR/fuzz-artifacts/.

usage: run_fuzz.py FUZZER SEED_KIND     (SEED_KIND: solana-txns | sluice-configs | frames | none)"""
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


def frames(vectors: Path, out: Path) -> int:
    """The raw Ethernet frames of xdp-frames, each seeded twice: as it is
    (first byte 0) and with the target fixing the IPv4 checksum (first byte 1),
    the two modes of fuzz_pkt."""
    n = 0
    for f in sorted((vectors / "xdp-frames").glob("*.bin")):
        for mode in (0, 1):
            (out / f"{f.stem}-{mode}").write_bytes(bytes([mode]) + f.read_bytes())
            n += 1
    return n


SEEDS = {"solana-txns": solana_txns, "sluice-configs": sluice_configs, "frames": frames,
         "none": None}
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
