#!/usr/bin/python3
"""sluice-decode against the transaction corpus, malformed and truncated
input, standard input and usage errors.

Env: SLUICE_BUILD_DIR (the build folder), SLUICE_VECTORS_DIR,
SLUICE_REQUIRE_VECTORS=1 to fail instead of skipping without vectors."""
import json
import os
import struct
import subprocess
import sys
import tempfile

from sl_tooltest import BUILD, VECTORS, check, summary, vectors_absent

TOOL = os.path.join(BUILD, "control", "sluice-decode")


def run(*args, stdin=None):
    p = subprocess.run([TOOL, *args], input=stdin, capture_output=True, timeout=120)
    lines = [json.loads(l) for l in p.stdout.decode().splitlines()]
    return p.returncode, lines, p.stderr.decode()


def usage_errors(tmp):
    rc, out, err = run()
    check(rc == 2 and "usage" in err, f"no FILE: rc {rc}, stderr {err!r}")
    rc, out, err = run("--bogus", "x")
    check(rc == 2 and "--bogus" in err, f"unknown option: rc {rc}, stderr {err!r}")
    missing = os.path.join(tmp, "no-such-file.bin")
    rc, out, err = run(missing)
    check(rc == 2 and missing in err, f"missing file: rc {rc}, stderr {err!r}")
    p = subprocess.run([TOOL, "--help"], capture_output=True, timeout=60)
    check(p.returncode == 0 and p.stdout.startswith(b"usage: sluice-decode"),
          f"--help: rc {p.returncode}")


def web3js(tmp):
    txs = open(os.path.join(VECTORS, "solana-web3js", "txs.bin"), "rb").read()
    manifest = [json.loads(l) for l in open(os.path.join(VECTORS, "solana-web3js", "txs.jsonl"))]
    rc, out, err = run("--verify", "--records", os.path.join(VECTORS, "solana-web3js", "txs.bin"))
    check(rc == 0, f"web3js records: rc {rc}, stderr {err!r}")
    check(len(out) == len(manifest) == 600, f"web3js: {len(out)} lines for {len(manifest)} records")
    for i, (o, m) in enumerate(zip(out, manifest)):
        good = (o["ok"] and o["verified"] and o["index"] == i and o["id"] == m["first_sig_b58"]
                and o["nsig"] == m["nsig"] == len(o["signers"]) and o["version"] == m["version"]
                and 0 < o["msg_len"] < m["len"])
        check(good, f"web3js record {i}: {o} vs {m}")

    # Standard input, records and a single transaction.
    rc, out2, err = run("--records", "-", stdin=txs)
    check(rc == 0 and len(out2) == 600 and all(o["file"] == "<stdin>" for o in out2)
          and [o["id"] for o in out2] == [m["first_sig_b58"] for m in manifest]
          and all("verified" not in o for o in out2),
          f"records on stdin: rc {rc}, {len(out2)} lines")
    first = txs[2:2 + struct.unpack_from("<H", txs, 0)[0]]
    rc, out3, err = run("--verify", "-", stdin=first)
    check(rc == 0 and len(out3) == 1 and out3[0]["id"] == manifest[0]["first_sig_b58"]
          and out3[0]["verified"] and "index" not in out3[0],
          f"one transaction on stdin: rc {rc}, {out3}")

    # Truncated record files: cut inside a record's bytes, and inside a prefix.
    off = 0
    for _ in range(3):
        off += 2 + struct.unpack_from("<H", txs, off)[0]
    for cut, what in ((off + 2 + 10, "inside record 3's bytes"), (off + 1, "inside record 3's length")):
        path = os.path.join(tmp, "truncated.bin")
        open(path, "wb").write(txs[:cut])
        rc, out4, err = run("--records", path)
        check(rc == 2 and len(out4) == 3 and path in err and f"offset {off}" in err,
              f"truncated records ({what}): rc {rc}, {len(out4)} lines, stderr {err!r}")

    # A corrupted copy parses but does not verify.
    bad = bytearray(first)
    bad[-1] ^= 1
    rc, out5, err = run("--verify", "-", stdin=bytes(bad))
    check(rc == 1 and out5[0]["ok"] and out5[0]["verified"] is False,
          f"corrupted transaction: rc {rc}, {out5}")
    return first


def mainnet():
    d = os.path.join(VECTORS, "solana-mainnet")
    names = sorted(f for f in os.listdir(d) if f.endswith(".bin"))
    check(len(names) == 13, f"solana-mainnet: {len(names)} files")
    invalid = {"transaction3.bin", "transaction5.bin"}  # SOURCE.txt
    rc, out, err = run("--verify", *[os.path.join(d, n) for n in names])
    check(rc == 1 and len(out) == len(names), f"mainnet: rc {rc}, {len(out)} lines, {err!r}")
    for n, o in zip(names, out):
        if n in invalid:
            # Refused by the parser or by the verifier, never accepted.
            check(o.get("verified") is False or (not o["ok"] and o["reason"]), f"{n}: {o}")
        else:
            check(o["ok"] and o["verified"] is True, f"{n}: {o}")
    rc, out, err = run("--verify", *[os.path.join(d, n) for n in names if n not in invalid])
    check(rc == 0, f"mainnet valid only: rc {rc}")


def malformed(tmp, first):
    cases = {
        "truncated": first[:-1],
        "trailing_bytes": first + b"\0",
        "no_signatures": b"\0" + first[65:],
        "too_large": first + bytes(1232),
    }
    for reason, data in cases.items():
        path = os.path.join(tmp, f'malformed "{reason}".bin')
        open(path, "wb").write(data)
        rc, out, err = run(path)
        check(rc == 1 and len(out) == 1 and out[0]["ok"] is False and out[0]["reason"] == reason
              and out[0]["file"] == path and "version" not in out[0],
              f"malformed {reason}: rc {rc}, {out}")
    # A bad file among good ones still makes the status 1, all lines printed.
    good = os.path.join(tmp, "good.bin")
    open(good, "wb").write(first)
    rc, out, err = run("--verify", good, os.path.join(tmp, 'malformed "truncated".bin'), good)
    check(rc == 1 and [o["ok"] for o in out] == [True, False, True], f"mixed files: rc {rc}, {out}")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        usage_errors(tmp)
        for sub in ("solana-web3js", "solana-mainnet"):
            if not os.path.isdir(os.path.join(VECTORS, sub)):
                return vectors_absent(os.path.join(VECTORS, sub))
        first = web3js(tmp)
        mainnet()
        malformed(tmp, first)
    return summary("sluice-decode")


if __name__ == "__main__":
    sys.exit(main())
