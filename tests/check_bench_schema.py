#!/usr/bin/python3
"""Check that sluice-bench speaks Google Benchmark's output formats.

Runs the harness's own quick benchmarks (harness/*) with repetitions, then
checks the JSON on stdout and in --benchmark_out field by field against
Google Benchmark's json_reporter.cc (keys, key order, types, aggregates), that
it can be consumed the way tools/compare.py does (gbench.util / gbench.report:
load, filter by run_name, sort by family/instance/run_type/repetition, index by
name, numeric real_time/cpu_time, relative differences), and that the console
format and the flag errors behave. Usage: check_bench_schema.py SLUICE_BENCH
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

FILTER = "^harness/"
REPS = 2
AGGREGATES = ("mean", "median", "stddev", "cv")
# json_reporter.cc's PrintRunData order; optional keys are skipped in place.
RUN_KEYS = ("name", "family_index", "per_family_instance_index", "run_name", "run_type",
            "repetitions", "repetition_index", "threads", "aggregate_name", "aggregate_unit",
            "error_occurred", "error_message", "iterations", "real_time", "cpu_time",
            "time_unit")
CONTEXT_KEYS = ("date", "host_name", "executable", "num_cpus", "mhz_per_cpu",
                "cpu_scaling_enabled", "caches", "load_avg", "library_build_type",
                "json_schema_version")
CACHE_KEYS = ("type", "level", "size", "num_sharing")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def run(bench, *args, expect_rc=0):
    p = subprocess.run([bench, *args], capture_output=True, text=True, timeout=300)
    check(p.returncode == expect_rc,
          "%s exited %d, expected %d; stderr:\n%s" % (" ".join(args), p.returncode, expect_rc,
                                                       p.stderr))
    return p


def ordered(pairs):
    """Keep the key order (json.loads would hide duplicates and order)."""
    keys = [k for k, _ in pairs]
    check(len(keys) == len(set(keys)), "duplicate keys in %s" % keys)
    return dict(pairs) | {"__order__": keys}


def check_order(keys, reference, where):
    known = [k for k in keys if k in reference]
    want = [k for k in reference if k in known]
    check(known == want, "%s: key order %s, Google Benchmark's is %s" % (where, known, want))


def check_context(ctx):
    check_order(ctx["__order__"], CONTEXT_KEYS, "context")
    for k in CONTEXT_KEYS[:-1]:
        check(k in ctx, "context lacks %s" % k)
    check(isinstance(ctx.get("date"), str) and
          re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", ctx["date"]) is not None,
          "context.date %r is not ISO 8601 with an offset" % ctx.get("date"))
    check(isinstance(ctx.get("host_name"), str) and ctx["host_name"], "context.host_name")
    check(isinstance(ctx.get("executable"), str) and ctx["executable"], "context.executable")
    check(is_int(ctx.get("num_cpus")) and ctx["num_cpus"] >= 1, "context.num_cpus")
    check(is_int(ctx.get("mhz_per_cpu")) and ctx["mhz_per_cpu"] >= 0, "context.mhz_per_cpu")
    check(isinstance(ctx.get("cpu_scaling_enabled"), bool), "context.cpu_scaling_enabled")
    check(isinstance(ctx.get("caches"), list), "context.caches is a list")
    for c in ctx.get("caches", []):
        check(c["__order__"] == list(CACHE_KEYS), "cache keys %s" % c["__order__"])
        check(c.get("type") in ("Data", "Instruction", "Unified"), "cache type %r" % c.get("type"))
        check(is_int(c.get("level")) and 1 <= c["level"] <= 4, "cache level %r" % c.get("level"))
        check(is_int(c.get("size")) and c["size"] > 0, "cache size %r" % c.get("size"))
        check(is_int(c.get("num_sharing")) and c["num_sharing"] >= 0, "cache num_sharing")
    if os.path.isdir("/sys/devices/system/cpu/cpu0/cache/index0"):
        check(len(ctx.get("caches", [])) > 0, "caches are readable but none reported")
    check(isinstance(ctx.get("load_avg"), list) and all(is_num(x) for x in ctx["load_avg"]),
          "context.load_avg")
    check(ctx.get("library_build_type") in ("release", "debug"), "context.library_build_type")
    if "json_schema_version" in ctx:
        check(ctx["json_schema_version"] == 1, "json_schema_version must be 1 for compare.py")


def check_run(b):
    where = "benchmark %r" % b.get("name")
    check_order(b["__order__"], RUN_KEYS, where)
    for k in ("name", "family_index", "per_family_instance_index", "run_name", "run_type",
              "repetitions", "threads", "iterations", "real_time", "cpu_time", "time_unit"):
        check(k in b, "%s lacks %s" % (where, k))
    check(isinstance(b.get("name"), str) and isinstance(b.get("run_name"), str), where + " names")
    check(is_int(b.get("family_index")) and b["family_index"] >= 0, where + " family_index")
    check(is_int(b.get("per_family_instance_index")) and b["per_family_instance_index"] >= 0,
          where + " per_family_instance_index")
    check(b.get("run_type") in ("iteration", "aggregate"), where + " run_type")
    check(b.get("repetitions") == REPS, where + " repetitions")
    check(b.get("threads") == 1, where + " threads")
    check(is_int(b.get("iterations")) and b["iterations"] > 0, where + " iterations")
    check(isinstance(b.get("real_time"), float) and isinstance(b.get("cpu_time"), float),
          where + " real_time/cpu_time are floats")
    check(b.get("time_unit") == "ns", where + " time_unit")
    if b.get("run_type") == "iteration":
        check(b.get("name") == b.get("run_name"), where + " name == run_name")
        check(is_int(b.get("repetition_index")) and 0 <= b["repetition_index"] < REPS,
              where + " repetition_index")
        check("aggregate_name" not in b and "aggregate_unit" not in b, where + " aggregate keys")
        check(b.get("real_time", 0) > 0 and b.get("cpu_time", -1) >= 0, where + " times > 0")
    else:
        check("repetition_index" not in b, where + " aggregate with repetition_index")
        check(b.get("aggregate_name") in AGGREGATES, where + " aggregate_name")
        check(b.get("name") == "%s_%s" % (b.get("run_name"), b.get("aggregate_name")),
              where + " aggregate name is run_name_aggregate")
        unit = "percentage" if b.get("aggregate_name") == "cv" else "time"
        check(b.get("aggregate_unit") == unit, where + " aggregate_unit")
        check(b.get("iterations") == REPS, where + " aggregate iterations == repetitions")
    if "error_occurred" in b:
        check(b["error_occurred"] is True and isinstance(b.get("error_message"), str),
              where + " error fields")
    for k in b:
        if k not in RUN_KEYS and k != "__order__":
            check(is_num(b[k]), "%s counter %s=%r is not a number" % (where, k, b[k]))


def check_benchmarks(doc):
    benches = doc["benchmarks"]
    check(len(benches) > 0, "no benchmarks in the output")
    for b in benches:
        check_run(b)
    by_run = {}
    for b in benches:
        by_run.setdefault(b["run_name"], []).append(b)
    check(len(by_run) >= 3, "expected the harness/* benchmarks, got %s" % sorted(by_run))
    families = {}
    for run_name, rows in by_run.items():
        ids = {(r["family_index"], r["per_family_instance_index"]) for r in rows}
        check(len(ids) == 1, "%s has several family indexes %s" % (run_name, ids))
        families.setdefault(rows[0]["family_index"], set()).add(rows[0]["per_family_instance_index"])
        its = sorted((r for r in rows if r["run_type"] == "iteration"),
                     key=lambda r: r["repetition_index"])
        aggs = {r["aggregate_name"]: r for r in rows if r["run_type"] == "aggregate"}
        check([r["repetition_index"] for r in its] == list(range(REPS)),
              "%s repetitions %s" % (run_name, [r["repetition_index"] for r in its]))
        check(sorted(aggs) == sorted(AGGREGATES), "%s aggregates %s" % (run_name, sorted(aggs)))
        if len(its) == REPS and "mean" in aggs and "median" in aggs:
            for key in ("real_time", "cpu_time"):
                vals = [r[key] for r in its]
                mean = sum(vals) / len(vals)
                check(math.isclose(aggs["mean"][key], mean, rel_tol=1e-9),
                      "%s mean %s %r != %r" % (run_name, key, aggs["mean"][key], mean))
                check(math.isclose(aggs["median"][key], mean, rel_tol=1e-9),
                      "%s median of two %s" % (run_name, key))
                sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1))
                check(math.isclose(aggs["stddev"][key], sd, rel_tol=1e-6, abs_tol=1e-12),
                      "%s stddev %s" % (run_name, key))
                if mean > 0:
                    check(math.isclose(aggs["cv"][key], sd / mean, rel_tol=1e-6, abs_tol=1e-12),
                          "%s cv %s" % (run_name, key))
    # Family indexes are 0..n-1 and instance indexes within a family 0..m-1.
    check(sorted(families) == list(range(len(families))), "family_index %s" % sorted(families))
    for f, inst in families.items():
        check(sorted(inst) == list(range(len(inst))), "family %d instances %s" % (f, inst))
    noop = by_run.get("harness/noop", [])
    check(all("items_per_second" in r and r["items_per_second"] > 0 for r in noop
              if r.get("aggregate_name") in (None, "mean", "median")),
          "harness/noop reports items_per_second")
    adds = [r for n, rows in by_run.items() if n.startswith("harness/dependent_adds/n:") for r in rows]
    check(adds and all("adds" in r for r in adds), "harness/dependent_adds reports its adds counter")


# ---- compare.py's way of reading results (tools/gbench/util.py, report.py) ----

def load_like_compare(path, benchmark_filter=None):
    with open(path) as f:
        results = json.load(f)
    if "json_schema_version" in results.get("context", {}):
        check(results["context"]["json_schema_version"] == 1, "compare.py rejects the schema version")
    if benchmark_filter is not None:
        results["benchmarks"] = [b for b in results["benchmarks"]
                                 if re.search(benchmark_filter, b.get("run_name") or b["name"])]
    bs = results["benchmarks"]
    bs = sorted(bs, key=lambda b: b.get("repetition_index", -1))
    bs = sorted(bs, key=lambda b: 1 if b.get("run_type") == "aggregate" else 0)
    bs = sorted(bs, key=lambda b: b.get("per_family_instance_index", -1))
    bs = sorted(bs, key=lambda b: b.get("family_index", -1))
    results["benchmarks"] = bs
    return results


def calculate_change(old, new):
    old, new = float(old), float(new)
    if old == 0 and new == 0:
        return 0.0
    if old == 0:
        return float(new - old) / (float(old + new) / 2)
    return float(new - old) / abs(old)


def partition_benchmarks(a, b):
    """As report.partition_benchmarks: group the runs of one name (its
    repetitions) on each side, in the order of the first file."""
    partitions = []
    names = []
    for x in a["benchmarks"]:
        if x["name"] not in names:
            names.append(x["name"])
    for name in names:
        lhs = [x for x in a["benchmarks"] if x["name"] == name]
        rhs = [y for y in b["benchmarks"] if y["name"] == name]
        if lhs and rhs:
            partitions.append((lhs, rhs))
    return partitions


def difference_report(a, b):
    """As report.get_difference_report: pair repetitions by name, time units
    must agree, percentages (cv) are not diffed."""
    rows = []
    for lhs, rhs in partition_benchmarks(a, b):
        check(lhs[0]["time_unit"] == rhs[0]["time_unit"], "time units differ for %s" % lhs[0]["name"])
        if lhs[0].get("aggregate_unit") == "percentage":
            continue
        for x, y in zip(lhs, rhs):
            rows.append((x["name"], calculate_change(x["real_time"], y["real_time"]),
                         calculate_change(x["cpu_time"], y["cpu_time"])))
    return rows


def check_compare(path_a, path_b):
    a = load_like_compare(path_a)
    b = load_like_compare(path_b, benchmark_filter="noop")
    check(b["benchmarks"] and all("noop" in x["run_name"] for x in b["benchmarks"]),
          "compare.py-style filter")
    rows = difference_report(a, load_like_compare(path_b))
    want = len([x for x in a["benchmarks"] if x.get("aggregate_unit") != "percentage"])
    check(len(rows) == want, "%d of %d runs pair up by name" % (len(rows), want))
    for name, dreal, dcpu in rows:
        check(math.isfinite(dreal) and math.isfinite(dcpu), "%s change is not finite" % name)
    # The sort compare.py applies keeps each family together, iterations first.
    keys = [(x["family_index"], x["per_family_instance_index"],
             1 if x["run_type"] == "aggregate" else 0) for x in a["benchmarks"]]
    check(keys == sorted(keys), "compare.py's sort order")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    bench = sys.argv[1]
    # One lcore; EAL logs at info level must stay off stdout (the JSON).
    os.environ["SLUICE_EAL_ARGS"] = os.environ.get("SLUICE_EAL_ARGS", "-l 0") + " --log-level=info"
    with tempfile.TemporaryDirectory() as tmp:
        out_a = os.path.join(tmp, "a.json")
        out_b = os.path.join(tmp, "b.json")
        common = ["--benchmark_filter=" + FILTER, "--benchmark_min_time=0.01",
                  "--benchmark_repetitions=%d" % REPS]
        p = run(bench, "--benchmark_format=json", "--benchmark_out=" + out_a, *common)
        stdout_doc = json.loads(p.stdout, object_pairs_hook=ordered)
        with open(out_a) as f:
            file_doc = json.load(f, object_pairs_hook=ordered)
        for doc, where in ((stdout_doc, "stdout"), (file_doc, "--benchmark_out")):
            check(doc["__order__"] == ["context", "benchmarks"], where + " top-level keys")
            check_context(doc["context"])
            check_benchmarks(doc)
        check([b["name"] for b in stdout_doc["benchmarks"]] ==
              [b["name"] for b in file_doc["benchmarks"]], "stdout and file list the same runs")

        # A console display with a JSON file, then compare the two JSON files.
        p = run(bench, "--benchmark_format=console", "--benchmark_out=" + out_b,
                "--benchmark_out_format=json", *common)
        check_console(p, with_aggregates=True)
        check_compare(out_a, out_b)

        # Console into the file; only aggregates reported.
        out_c = os.path.join(tmp, "c.txt")
        p = run(bench, "--benchmark_filter=^harness/noop$", "--benchmark_min_time=0.01s",
                "--benchmark_out=" + out_c, "--benchmark_out_format=console",
                "--benchmark_repetitions=2", "--benchmark_report_aggregates_only=true")
        with open(out_c) as f:
            text = f.read()
        check("Run on (" in text and "harness/noop_mean" in text, "console file output")
        check(re.search(r"^harness/noop\s", text, re.M) is None,
              "--benchmark_report_aggregates_only still printed iterations")

    p = run(bench, "--benchmark_list_tests", "--benchmark_filter=" + FILTER)
    check(p.stdout.split() == sorted(set(p.stdout.split()), key=p.stdout.split().index) and
          "harness/noop" in p.stdout.split(), "--benchmark_list_tests")
    p = run(bench, "--benchmark_no_such_flag=1", expect_rc=1)
    check("unrecognized" in p.stderr, "unknown --benchmark_ flag message")
    p = run(bench, "--benchmark_format=xml", expect_rc=1)
    p = run(bench, "--help")
    check("--benchmark_filter" in p.stdout, "--help lists the flags")

    if failures:
        for f in failures:
            print("FAIL:", f)
        sys.exit(1)
    print("ok: sluice-bench output matches Google Benchmark's JSON and console formats")


def check_console(p, with_aggregates):
    lines = p.stdout.splitlines()
    header = [i for i, l in enumerate(lines) if re.match(r"^Benchmark\s+Time\s+CPU\s+Iterations", l)]
    check(len(header) == 1, "console header line:\n" + p.stdout)
    if not header:
        return
    i = header[0]
    check(set(lines[i - 1]) == {"-"} and set(lines[i + 1]) == {"-"} and
          len(lines[i - 1]) == len(lines[i]), "console header rules")
    row = re.compile(r"^(\S+)\s+([\d.e+]+) (ns|%)\s+([\d.e+]+) (ns|%)\s+(\d+)( .*)?$")
    rows = [row.match(l) for l in lines[i + 2:]]
    check(all(rows), "console rows:\n" + "\n".join(lines[i + 2:]))
    names = [m.group(1) for m in rows if m]
    check("harness/noop" in names, "console lists harness/noop")
    if with_aggregates:
        check("harness/noop_mean" in names and "harness/noop_cv" in names, "console aggregates")
    check("Run on (" in p.stderr, "console context on stderr")
    # Like Google Benchmark, the cache block is printed only where the kernel
    # reports caches (some VMs have no /sys/devices/system/cpu/cpu0/cache).
    caches = os.path.isdir("/sys/devices/system/cpu/cpu0/cache/index0")
    check(("CPU Caches:" in p.stderr) == caches,
          "console 'CPU Caches:' block %s, caches in sysfs %s" % ("CPU Caches:" in p.stderr, caches))


if __name__ == "__main__":
    main()
