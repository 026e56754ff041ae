#!/usr/bin/python3
"""sluice-sigcheck on the SUPERCOP sign.input vectors (all valid) and
variants with a bit flipped in R, S, A or M (all invalid): singly and with
--batch N for several N, both backends, the same verdicts in order; then
malformed lines (an error naming the line, the verdicts before it kept) and
usage errors.

Env: SLUICE_BUILD_DIR, SLUICE_VECTORS_DIR, SLUICE_REQUIRE_VECTORS=1 to fail
instead of skipping without vectors."""
import os
import random
import subprocess
import sys

from sl_tooltest import BUILD, VECTORS, check, summary, vectors_absent

TOOL = os.path.join(BUILD, "control", "sluice-sigcheck")


def run(*args, stdin=""):
    p = subprocess.run([TOOL, *args], input=stdin.encode(), capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode().split(), p.stderr.decode()


def flip(hexs, byte, bit):
    b = bytearray(bytes.fromhex(hexs))
    b[byte] ^= 1 << bit
    return b.hex()


def load_lines():
    path = os.path.join(VECTORS, "supercop", "sign.input")
    if not os.path.exists(path):
        sys.exit(vectors_absent(path))
    rows = []
    for line in open(path):
        _, pk, msg, sigmsg = line.strip().split(":")[:4]
        rows.append((pk, sigmsg[:128], msg))
    return rows


def main():
    rows = load_lines()[:300]
    rng = random.Random(7)
    lines, want = [], []
    for i, (pk, sig, msg) in enumerate(rows):
        lines.append(f"{pk} {sig} {msg}")
        want.append("ok")
        what = i % 4
        if what == 0:
            bad = (pk, flip(sig, rng.randrange(32), rng.randrange(8)), msg)
        elif what == 1:
            bad = (pk, flip(sig, 32 + rng.randrange(31), rng.randrange(8)), msg)
        elif what == 2:
            bad = (flip(pk, rng.randrange(32), rng.randrange(8)), sig, msg)
        else:
            bad = (pk, sig, flip(msg, 0, 0) if msg else "00")
        lines.append(" ".join(bad))
        want.append("bad")
    stdin = "\n".join(lines) + "\n"
    for backend in ("sluice", "sodium"):
        rc, out, err = run("--backend", backend, stdin=stdin)
        check(rc == 0 and out == want, f"single {backend}: rc {rc}, {sum(a != b for a, b in zip(out, want))} wrong, {err!r}")
        for n in (1, 7, 64, 256):
            rc, out, err = run("--batch", str(n), "--backend", backend, stdin=stdin)
            check(rc == 0 and out == want, f"--batch {n} {backend}: rc {rc}, {err!r}")

    # An empty message (two fields), and tabs / CRLF.
    pk, sig, msg = rows[0]
    check(msg == "", "sign.input line 1 has an empty message")
    rc, out, err = run(stdin=f"{pk}\t{sig}\r\n")
    check(rc == 0 and out == ["ok"], f"empty message: rc {rc} out {out} {err!r}")

    # Malformed lines: the error names the line; verdicts before it stay.
    good = f"{pk} {sig} {msg}\n"
    cases = [
        ("zz " + sig, "public key"),
        (f"{pk[:-2]} {sig}", "public key"),
        (f"{pk} {sig[:-1]}g", "signature"),
        (f"{pk} {sig} abc", "odd number"),
        (f"{pk} {sig} 0x", "not hex"),
        (f"{pk} {sig} 00 11", "more than 3"),
        ("", "found 0 fields"),
        (pk, "found 1 field"),
    ]
    for bad, why in cases:
        for args in ((), ("--batch", "4")):
            rc, out, err = run(*args, stdin=good + good + bad + "\n" + good)
            check(rc == 1 and out == ["ok", "ok"] and "line 3" in err and why in err,
                  f"malformed {bad[:20]!r} {args}: rc {rc} out {out} err {err!r}")

    # Usage errors.
    for args in (("--batch", "0"), ("--batch", "257"), ("--batch", "x"), ("--backend", "no"), ("--bogus",)):
        rc, out, err = run(*args, stdin=good)
        check(rc == 2 and err, f"usage {args}: rc {rc} {err!r}")
    rc, out, err = run(stdin="")
    check(rc == 0 and out == [], f"empty input: rc {rc} {out}")

    sys.exit(summary("sluice-sigcheck"))


main()
