#!/usr/bin/python3
"""Interop: transactions built by @solana/web3.js (make_txs.mjs) must all be
accepted by `sluice-decode --verify --records`, and a corrupted copy refused.

Installs the pinned web3.js (package-lock.json) with `npm ci` into
$SLUICE_BUILD_DIR/interop, never into the source tree. Needs node and npm
and the npm registry (or an npm cache that holds the locked packages)."""
import hashlib
import json
import os
import shutil
import subprocess
import sys

SRC = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(os.environ.get("SLUICE_BUILD_DIR", "build"))
TOOL = os.path.join(BUILD, "control", "sluice-decode")
WORK = os.path.join(BUILD, "interop")
COUNT, SEED = 240, 20240601
MTU = 1232


def fail(msg):
    print(f"interop: FAIL: {msg}", file=sys.stderr)
    print("interop: 0 passed, 1 failed")
    sys.exit(1)


def npm_ci():
    """npm ci unless node_modules already matches this exact lock file."""
    for name in ("package.json", "package-lock.json", "make_txs.mjs"):
        shutil.copyfile(os.path.join(SRC, name), os.path.join(WORK, name))
    lock = hashlib.sha256(open(os.path.join(WORK, "package-lock.json"), "rb").read()).hexdigest()
    stamp = os.path.join(WORK, "node_modules", ".sluice-lock-sha256")
    if os.path.exists(stamp) and open(stamp).read() == lock:
        return
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            fail(f"{tool} is not on PATH (scripts/bootstrap.sh installs it)")
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WORK,
                       capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        fail(f"npm ci in {WORK} failed:\n{p.stdout}\n{p.stderr}")
    open(stamp, "w").write(lock)


def decode(path):
    p = subprocess.run([TOOL, "--verify", "--records", path], capture_output=True, text=True,
                       timeout=300)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()], p.stderr


def records(blob):
    off = 0
    while off < len(blob):
        n = int.from_bytes(blob[off:off + 2], "little")
        yield off + 2, n
        off += 2 + n


def blockhash_offset(tx):
    """Offset of the recent blockhash: arbitrary message bytes whose change
    keeps the transaction parseable (counts below 128 take one byte)."""
    nsig = tx[0]
    at = 1 + 64 * nsig
    if tx[at] & 0x80:  # version prefix
        at += 1
    at += 3  # header
    nacct = tx[at]
    return at + 1 + 32 * nacct


def main():
    os.makedirs(WORK, exist_ok=True)
    npm_ci()
    txs, manifest_path = os.path.join(WORK, "txs.bin"), os.path.join(WORK, "txs.jsonl")
    p = subprocess.run(["node", "make_txs.mjs", txs, manifest_path, str(COUNT), str(SEED)],
                       cwd=WORK, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        fail(f"make_txs.mjs failed:\n{p.stdout}\n{p.stderr}")
    manifest = [json.loads(l) for l in open(manifest_path)]
    checks = 0

    # The generator made the mix it promises.
    versions = {m["version"] for m in manifest}
    signers = {m["nsig"] for m in manifest}
    if len(manifest) != COUNT or versions != {"legacy", "v0"} or signers != set(range(1, 13)):
        fail(f"generator mix: {len(manifest)} txs, versions {versions}, signers {sorted(signers)}")
    if max(m["len"] for m in manifest) != MTU or not any(m["lut_addrs"] for m in manifest):
        fail("generator mix: no transaction of 1232 bytes or none loading table addresses")
    checks += 1

    rc, out, err = decode(txs)
    if rc != 0 or len(out) != COUNT:
        fail(f"sluice-decode on web3.js transactions: exit {rc}, {len(out)} lines\n{err}")
    for i, (o, m) in enumerate(zip(out, manifest)):
        if not (o["ok"] and o["verified"] is True and o["index"] == i and o["id"] == m["id"]
                and o["nsig"] == m["nsig"] == len(o["signers"]) and o["version"] == m["version"]):
            fail(f"record {i}: sluice-decode {o}, web3.js {m}")
        checks += 1

    # Corrupted copy: a signature byte in even records, a message byte (the
    # blockhash) in odd ones. Every record still parses and none verifies.
    blob = bytearray(open(txs, "rb").read())
    for i, (off, n) in enumerate(records(bytes(blob))):
        tx = blob[off:off + n]
        at = 1 + 64 * (i % tx[0]) + 5 if i % 2 == 0 else blockhash_offset(tx) + i % 32
        blob[off + at] ^= 0x20
    bad = os.path.join(WORK, "txs-corrupted.bin")
    open(bad, "wb").write(blob)
    rc, out, err = decode(bad)
    if rc != 1 or len(out) != COUNT:
        fail(f"sluice-decode on the corrupted copy: exit {rc}, {len(out)} lines\n{err}")
    for i, o in enumerate(out):
        if not (o["ok"] and o["verified"] is False):
            fail(f"corrupted record {i} not refused: {o}")
        checks += 1

    print(f"interop: {COUNT} web3.js transactions accepted, corrupted copies refused")
    print(f"interop: {checks} passed, 0 failed")


if __name__ == "__main__":
    main()
