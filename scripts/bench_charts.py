#!/usr/bin/python3
"""PNG charts from `sluice-bench --benchmark_format=json` output.

    bench_charts.py [-o DIR] [--markdown] BENCH.json|-

Writes to DIR (default .), each only when the JSON holds its benchmarks:

  bench-verify-backends.png  signatures/s: libsodium (the baseline), OpenSSL,
                             ours singly and in batches of 64, the sodium backend
  bench-verify-batch.png     signatures/s of verify/batch/N by batch size N
  bench-verify-invalid.png   signatures/s of batches of 64 by invalid share
  bench-pipeline.png         pipeline/* packets/s as ratios to pipeline/io_forward
  bench-dedup.png            dedup/insert_burst against rte_hash, by capacity

Each figure is items_per_second of the run's median aggregate (with
--benchmark_repetitions), else its mean, else the mean of its iterations.
A partial file works: a run cut short (a truncated JSON) is read up to its
last whole benchmark, and a chart without data is skipped with a line on
stderr saying why. --markdown prints the ratios as a Markdown table.
Exit 0 when at least one chart was written, 1 when none, 2 on bad input.
Needs matplotlib (Debian: python3-matplotlib); scripts/bootstrap.sh installs it.
"""
import argparse
import json
import os
import re
import sys

NAME = "bench_charts"
VERIFY_BASE = "verify/libsodium"
PIPE_BASE = "pipeline/io_forward"
# (run name, label) of the backends chart, in order.
BACKENDS = (
    ("verify/libsodium", "libsodium\n(baseline)"),
    ("verify/openssl", "OpenSSL 3"),
    ("verify/single", "sluice\nsingle"),
    ("verify/batch/64", "sluice\nbatch 64"),
    ("verify/sodium_rule/invalid_pct:0", "sodium backend\nbatch 64"),
)
PIPELINE = ("pipeline/io_forward", "pipeline/dup_drop", "pipeline/malformed_drop",
            "pipeline/verify_forward", "pipeline/verify_only", "pipeline/fanout_copy",
            "pipeline/fanout_indirect")


def note(msg):
    print("%s: %s" % (NAME, msg), file=sys.stderr)


def load(path):
    """The JSON document; a truncated one is cut after its last whole run."""
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    try:
        return json.loads(text), False
    except json.JSONDecodeError:
        pass
    # Runs are written as "    {\n ... \n    }" (cbench_report.c, Google
    # Benchmark's layout): keep every run that closed, then close the file.
    end = text.rfind("\n    }")
    if '"benchmarks": [' not in text:
        raise ValueError("no \"benchmarks\" array: not sluice-bench JSON output")
    if end < text.find('"benchmarks": ['):
        return json.loads(text[:text.find('"benchmarks": [')] + '"benchmarks": []}'), True
    return json.loads(text[:end + len("\n    }")] + "\n  ]\n}\n"), True


def figures(doc):
    """run_name -> (items_per_second, how it was taken); and failed runs."""
    by_run, failed = {}, set()
    for b in doc.get("benchmarks", []):
        name = b.get("run_name", b.get("name"))
        if b.get("error_occurred"):
            failed.add(name)
            continue
        v = b.get("items_per_second")
        if not isinstance(v, (int, float)):
            continue
        r = by_run.setdefault(name, {"iter": []})
        if b.get("run_type") == "aggregate":
            r[b.get("aggregate_name")] = v
        else:
            r["iter"].append(v)
    out = {}
    for name, r in by_run.items():
        if "median" in r:
            out[name] = (r["median"], "median")
        elif "mean" in r:
            out[name] = (r["mean"], "mean")
        elif r["iter"]:
            out[name] = (sum(r["iter"]) / len(r["iter"]),
                         "one run" if len(r["iter"]) == 1 else "mean of %d" % len(r["iter"]))
    return out, failed - set(out)


def ratio(r):
    return "%.2f" % r if r >= 0.1 else "%.2g" % r


def human(v):
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return "%.3g%s" % (v / div, unit)
    return "%.3g" % v


class Charts:
    def __init__(self, doc, outdir, source):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        self.plt = plt
        self.fig, self.failed = figures(doc)
        self.outdir = outdir
        self.source = source
        ctx = doc.get("context", {})
        stats = sorted({how for _, how in self.fig.values()})
        self.footer = "%s, %s CPUs, %s; %s; %s" % (
            ctx.get("host_name", "?"), ctx.get("num_cpus", "?"), ctx.get("date", "?")[:10],
            ", ".join(stats) or "no runs", ctx.get("sluice_eal_memory", "EAL memory ?"))
        self.written, self.skipped, self.rows = [], [], []

    def get(self, name):
        return self.fig[name][0] if name in self.fig else None

    def skip(self, png, why):
        self.skipped.append(png)
        note("skipped %s: %s" % (png, why))

    def save(self, fig, png, title):
        fig.suptitle(title, fontsize=11)
        fig.text(0.99, 0.01, self.footer, ha="right", va="bottom", fontsize=7, color="0.4")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        path = os.path.join(self.outdir, png)
        fig.savefig(path, dpi=90)
        self.plt.close(fig)
        self.written.append(path)

    def bars(self, png, title, labels, values, ylabel, base=None, horizontal=False):
        fig, ax = self.plt.subplots(figsize=(7.5, 3.6))
        pos = range(len(values))
        colors = ["0.6" if base is not None and v == base and i == 0 else "tab:blue"
                  for i, v in enumerate(values)]
        if horizontal:
            ax.barh(pos, values, color=colors)
            ax.set_yticks(list(pos), labels, fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel(ylabel)
        else:
            ax.bar(pos, values, color=colors)
            ax.set_xticks(list(pos), labels, fontsize=8)
            ax.set_ylabel(ylabel)
        top, low = max(values), min(values)
        # Paths that differ by orders of magnitude (verify vs forwarding): log.
        log = low > 0 and top / low > 50
        for i, v in enumerate(values):
            text = human(v) if base is None else "%s (%sx)" % (human(v), ratio(v / base))
            if horizontal:
                ax.text(v * 1.1 if log else v + top * 0.01, i, text, va="center", fontsize=8)
            else:
                ax.text(i, v + top * 0.01, text, ha="center", va="bottom", fontsize=8)
        if horizontal and log:
            ax.set_xscale("log")
            ax.set_xlim(low / 2, top * 30)
            ax.set_xlabel(ylabel + " (log scale)")
        elif horizontal:
            ax.set_xlim(0, top * 1.3)
        else:
            ax.set_ylim(0, top * 1.18)
        ax.grid(axis="x" if horizontal else "y", alpha=0.3)
        self.save(fig, png, title)

    def verify_backends(self):
        png = "bench-verify-backends.png"
        have = [(n, label) for n, label in BACKENDS if n in self.fig]
        if not have:
            return self.skip(png, "no verify/libsodium, verify/openssl, verify/single, "
                                  "verify/batch/64 or verify/sodium_rule runs")
        base = self.get(VERIFY_BASE)
        for n, _ in have:
            if n != VERIFY_BASE and base:
                self.rows.append(("verify", n, self.get(n), base, VERIFY_BASE))
        self.bars(png, "Ed25519 verifications per second by backend" +
                  ("" if base else " (no verify/libsodium: no ratios)"),
                  [label for _, label in have], [self.get(n) for n, _ in have],
                  "signatures / CPU second", base)

    def verify_batch(self):
        png = "bench-verify-batch.png"
        pts = sorted((int(m.group(1)), v[0]) for n, v in self.fig.items()
                     if (m := re.fullmatch(r"verify/batch/(\d+)", n)))
        if not pts:
            return self.skip(png, "no verify/batch/N runs")
        fig, ax = self.plt.subplots(figsize=(7.5, 3.6))
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label="sluice, batch of N")
        base = self.get(VERIFY_BASE)
        if base:
            ax.axhline(base, color="0.5", ls="--", label="libsodium, one at a time")
        for n, v in pts:
            ax.annotate(human(v) + ("" if not base else " (%sx)" % ratio(v / base)), (n, v),
                        textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
        ax.set_xscale("log", base=2)
        ax.set_xticks([p[0] for p in pts], [str(p[0]) for p in pts])
        ax.set_xlabel("batch size (signatures)")
        ax.set_ylabel("signatures / CPU second")
        ax.set_ylim(0, max([p[1] for p in pts] + [base or 0]) * 1.2)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
        self.save(fig, png, "Batch verification by batch size")

    def verify_invalid(self):
        png = "bench-verify-invalid.png"
        ours = sorted((int(m.group(1)), v[0]) for n, v in self.fig.items()
                      if (m := re.fullmatch(r"verify/batch/64/invalid_pct:(\d+)", n)))
        if ours and "verify/batch/64" in self.fig:
            ours.insert(0, (0, self.get("verify/batch/64")))
        sodium = sorted((int(m.group(1)), v[0]) for n, v in self.fig.items()
                        if (m := re.fullmatch(r"verify/sodium_rule/invalid_pct:(\d+)", n)))
        torsion = self.get("verify/sodium_rule_torsion/invalid_pct:50")
        if not ours and not sodium and torsion is None:
            return self.skip(png, "no verify/batch/64/invalid_pct or verify/sodium_rule runs")
        fig, ax = self.plt.subplots(figsize=(7.5, 3.6))
        if ours:
            ax.plot([p[0] for p in ours], [p[1] for p in ours], "o-", label="sluice backend")
        if sodium:
            ax.plot([p[0] for p in sodium], [p[1] for p in sodium], "s-", label="sodium backend")
        if torsion is not None:
            ax.plot([50], [torsion], "x", ms=9, color="tab:red",
                    label="sodium backend, invalid with torsion")
        base = self.get(VERIFY_BASE)
        if base:
            ax.axhline(base, color="0.5", ls="--", label="libsodium, one at a time")
        for n, v in ours + sodium:
            ax.annotate(human(v), (n, v), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=8)
        ax.set_xlabel("invalid signatures in the batch of 64 (%)")
        ax.set_ylabel("signatures / CPU second")
        ax.set_ylim(0, max([p[1] for p in ours + sodium] + [torsion or 0, base or 0]) * 1.2)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        if base:
            for n, v in ours[1:]:
                self.rows.append(("verify", "verify/batch/64/invalid_pct:%d" % n, v, base,
                                  VERIFY_BASE))
        self.save(fig, png, "Batches of 64 by share of invalid signatures")

    def pipeline(self):
        png = "bench-pipeline.png"
        have = [n for n in PIPELINE if n in self.fig]
        have += sorted(n for n in self.fig if n.startswith("pipeline/") and n not in PIPELINE)
        if not have:
            return self.skip(png, "no pipeline/* runs")
        base = self.get(PIPE_BASE)
        if base is None:
            note("%s: no %s in the file: absolute packets/s, no ratios" % (png, PIPE_BASE))
        for n in have:
            if n != PIPE_BASE and base:
                self.rows.append(("pipeline", n, self.get(n), base, PIPE_BASE))
        # verify_forward's own baseline: sl_verify_batch alone on the same txns.
        if "pipeline/verify_forward" in self.fig and "pipeline/verify_only" in self.fig:
            self.rows.append(("pipeline", "pipeline/verify_forward", self.get("pipeline/verify_forward"),
                              self.get("pipeline/verify_only"), "pipeline/verify_only"))
        self.bars(png, "Pipeline paths, items per CPU second" +
                  (" and ratio to io_forward" if base else ""),
                  [n.split("/", 1)[1] for n in have], [self.get(n) for n in have],
                  "items / CPU second", base, horizontal=True)

    def dedup(self):
        png = "bench-dedup.png"
        caps = {}
        for n, v in self.fig.items():
            m = re.fullmatch(r"(dedup/insert_burst|rte_hash/dedup_insert_burst)/capacity:(\d+)", n)
            if m:
                caps.setdefault(int(m.group(2)), {})[m.group(1).split("/")[0]] = v[0]
        if not caps:
            return self.skip(png, "no dedup/insert_burst or rte_hash/dedup_insert_burst runs")
        fig, ax = self.plt.subplots(figsize=(7.5, 3.6))
        order = sorted(caps)
        width = 0.38
        top = max(v for c in caps.values() for v in c.values())
        for k, (key, label, color) in enumerate((("rte_hash", "rte_hash (baseline)", "0.6"),
                                                  ("dedup", "sl_dedup", "tab:blue"))):
            xs = [i + (k - 0.5) * width for i, c in enumerate(order) if key in caps[c]]
            vs = [caps[c][key] for c in order if key in caps[c]]
            ax.bar(xs, vs, width, label=label, color=color)
            for x, c, v in zip(xs, [c for c in order if key in caps[c]], vs):
                r = caps[c].get("rte_hash")
                text = human(v) + (" (%sx)" % ratio(v / r) if key == "dedup" and r else "")
                ax.text(x, v + top * 0.01, text, ha="center", va="bottom", fontsize=8)
        for c in order:
            if "dedup" in caps[c] and "rte_hash" in caps[c]:
                self.rows.append(("dedup", "dedup/insert_burst/capacity:%d" % c, caps[c]["dedup"],
                                  caps[c]["rte_hash"], "rte_hash/dedup_insert_burst/capacity:%d" % c))
        ax.set_xticks(range(len(order)), ["capacity 2^%d" % (c.bit_length() - 1)
                                          if c & (c - 1) == 0 else str(c) for c in order])
        ax.set_ylabel("tags / CPU second")
        ax.set_ylim(0, top * 1.2)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
        self.save(fig, png, "Dedup: sl_dedup against rte_hash, bursts of 32, half new")

    def markdown(self):
        print("| benchmark | items/s | baseline | ratio |")
        print("|---|---:|---|---:|")
        for _, name, v, base, base_name in self.rows:
            print("| `%s` | %s | `%s` %s | %s |" % (name, human(v), base_name, human(base),
                                                 ratio(v / base)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", help="sluice-bench JSON output, or - for stdin")
    ap.add_argument("-o", "--outdir", default=".", help="where the PNGs go (default .)")
    ap.add_argument("--markdown", action="store_true", help="print the ratios as a Markdown table")
    a = ap.parse_args()
    try:
        doc, truncated = load(a.json)
    except (OSError, ValueError) as e:
        note("%s: %s" % (a.json, e))
        return 2
    if truncated:
        note("%s is truncated: read its %d whole runs" % (a.json, len(doc["benchmarks"])))
    try:
        c = Charts(doc, a.outdir, a.json)
    except ImportError as e:
        note("needs matplotlib (Debian: apt-get install python3-matplotlib): %s" % e)
        return 2
    os.makedirs(a.outdir, exist_ok=True)
    for chart in (c.verify_backends, c.verify_batch, c.verify_invalid, c.pipeline, c.dedup):
        chart()
    for n in sorted(c.failed):
        note("%s reported an error: not charted" % n)
    for p in c.written:
        print("wrote %s" % p, file=sys.stderr)
    if a.markdown:
        c.markdown()
    return 0 if c.written else 1


if __name__ == "__main__":
    sys.exit(main())
