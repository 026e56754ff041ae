#!/usr/bin/python3
"""Every xdp/ benchmark takes its path: sluice-bench's XDP cases each run
their frame through the real prefilter (or their part's program) and report
an error, not a number, when the frame gets another action or moves another
counter than the case's (bench/bench_xdp.c). This runs them all briefly and
fails on any error, so that a change to the prefilter that sends a case's
frame elsewhere shows here and not first in a benchmark run. The lists/
benchmarks (bench/bench_lists.c) too: full lists read, and an idle tick
that must find no work.
Needs root (loading XDP programs); skips (77) without it.
Usage: check_bench_xdp.py SLUICE_BENCH"""
import json
import os
import subprocess
import sys

if os.geteuid() != 0:
    print("skip: loading XDP programs needs root")
    sys.exit(77)
out = subprocess.run([sys.argv[1], "--benchmark_filter=^(xdp|lists)/", "--benchmark_min_time=0.01",
                      "--benchmark_format=json"], capture_output=True, text=True, timeout=240)
if out.returncode != 0:
    sys.exit(f"sluice-bench exited {out.returncode}: {out.stderr}")
runs = json.loads(out.stdout)["benchmarks"]
names = {r["name"] for r in runs}
want = {"xdp/pass"} | {f"xdp/prefilter/{c}" for c in (
    "ingest_redirect", "gossip_redirect", "rate_limited", "blocklisted_v4", "blocklisted_v6",
    "ipv6_ingest", "vlan_ingest", "not_ours_pass", "bad_ipv4")} | {f"xdp/part/{p}" for p in (
    "src_slot", "lpm_lookup", "jiffies", "coarse_clock", "redirect")} | {f"lists/{c}" for c in (
    "read_full", "idle_tick_full", "snapshot_full")}
failed = [f"{r['name']}: {r.get('error_message')}" for r in runs if r.get("error_occurred")]
if want - names:
    failed.append(f"missing: {sorted(want - names)}")
for r in runs:
    if not r.get("error_occurred"):
        print(f"{r['name']}: {r['cpu_time']:.1f} ns an iteration")
if failed:
    sys.exit("FAIL: " + "; ".join(failed))
print(f"ok: all {len(runs)} xdp/ and lists/ benchmarks took their paths")
