#!/usr/bin/python3
"""scripts/bench_charts.py on real sluice-bench output.

Runs a few short benchmarks of every charted family from this build
(--benchmark_min_time=0.05), charts them, and checks that each PNG is a PNG
(signature, IHDR size) of some substance; then that a truncated JSON and a
JSON without any charted benchmark are handled (charts of what is there, a
line per chart skipped). Skips (77) without matplotlib.
Usage: test_bench_charts.py SLUICE_BENCH
"""
import os
import struct
import subprocess
import sys
import tempfile

SRC = os.environ.get("SLUICE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
SCRIPT = os.path.join(SRC, "scripts", "bench_charts.py")
PY = "/usr/bin/python3"
# One or two instances per chart, the quick ones.
FILTER = ("^(verify/libsodium|verify/single|verify/batch/(8|64)|verify/batch/64/invalid_pct:50"
          "|verify/sodium_rule/invalid_pct:0|pipeline/(io_forward|dup_drop|malformed_drop)"
          "|dedup/insert_burst/capacity:1048576|rte_hash/dedup_insert_burst/capacity:1048576"
          "|harness/noop)$")
CHARTS = ("bench-verify-backends.png", "bench-verify-batch.png", "bench-verify-invalid.png",
          "bench-pipeline.png", "bench-dedup.png")
PNG_SIG = b"\x89PNG\r\n\x1a\n"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def charts(json_path, outdir, *extra):
    return subprocess.run([PY, SCRIPT, "-o", outdir, *extra, json_path], capture_output=True,
                          text=True, timeout=120)


def check_png(path):
    data = open(path, "rb").read()
    if data[:8] != PNG_SIG or data[12:16] != b"IHDR":
        fail("%s is not a PNG (starts %r)" % (path, data[:16]))
    w, h = struct.unpack(">II", data[16:24])
    if w < 300 or h < 200 or len(data) < 8000:
        fail("%s is trivial: %dx%d, %d bytes" % (path, w, h, len(data)))
    if len(data) > 100_000:
        fail("%s is %d bytes: more than 100 KB" % (path, len(data)))
    return w, h, len(data)


def main():
    if subprocess.run([PY, "-c", "import matplotlib"], capture_output=True).returncode != 0:
        print("SKIP: /usr/bin/python3 has no matplotlib (Debian: python3-matplotlib)")
        return 77
    bench = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        full = os.path.join(work, "bench.json")
        with open(full, "w") as out:
            p = subprocess.run([bench, "--benchmark_filter=" + FILTER, "--benchmark_min_time=0.05",
                                "--benchmark_format=json"], stdout=out, stderr=subprocess.PIPE,
                               text=True, timeout=600)
        if p.returncode != 0:
            fail("sluice-bench exited %d: %s" % (p.returncode, p.stderr[-2000:]))

        outdir = os.path.join(work, "all")
        r = charts(full, outdir, "--markdown")
        if r.returncode != 0:
            fail("bench_charts.py exited %d: %s" % (r.returncode, r.stderr))
        for png in CHARTS:
            path = os.path.join(outdir, png)
            if not os.path.exists(path):
                fail("%s was not written: %s" % (png, r.stderr))
            w, h, size = check_png(path)
            print("%s: %dx%d, %d bytes" % (png, w, h, size))
        for row in ("`verify/batch/64` |", "`pipeline/dup_drop` |",
                    "`dedup/insert_burst/capacity:1048576` |"):
            if row not in r.stdout:
                fail("no %s row in the Markdown table:\n%s" % (row, r.stdout))
        if "skipped" in r.stderr:
            fail("a chart was skipped on a full file: %s" % r.stderr)

        # Cut inside verify/batch/8, as a killed run leaves it (sluice-bench
        # runs dedup/*, then verify/*, then pipeline/*: file order).
        text = open(full).read()
        cut = os.path.join(work, "cut.json")
        open(cut, "w").write(text[:text.index('"name": "verify/batch/8"') + 40])
        outdir = os.path.join(work, "cut")
        r = charts(cut, outdir)
        if r.returncode != 0 or "truncated" not in r.stderr:
            fail("truncated file: exit %d, %s" % (r.returncode, r.stderr))
        got = sorted(os.listdir(outdir))
        if got != ["bench-dedup.png", "bench-verify-backends.png"]:
            fail("truncated file: wrote %s; stderr %s" % (got, r.stderr))
        for png in ("bench-pipeline.png", "bench-verify-batch.png", "bench-verify-invalid.png"):
            if "skipped " + png not in r.stderr:
                fail("truncated file: the skip of %s is not said: %s" % (png, r.stderr))
        for png in got:
            check_png(os.path.join(outdir, png))
        print("truncated file: wrote %s" % ", ".join(got))

        # Nothing chartable: exit 1, every chart's skip said, no file.
        only = os.path.join(work, "harness.json")
        with open(only, "w") as out:
            subprocess.run([bench, "--benchmark_filter=^harness/noop$",
                            "--benchmark_min_time=0.01", "--benchmark_format=json"], stdout=out,
                           stderr=subprocess.DEVNULL, check=True, timeout=120)
        outdir = os.path.join(work, "none")
        r = charts(only, outdir)
        if r.returncode != 1 or os.listdir(outdir) or r.stderr.count("skipped") != len(CHARTS):
            fail("no charted runs: exit %d, files %s, %s" % (r.returncode, os.listdir(outdir),
                                                             r.stderr))
        if charts(os.path.join(work, "missing.json"), outdir).returncode != 2:
            fail("a missing file is not exit 2")
        print("partial files: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
