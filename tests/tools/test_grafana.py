#!/usr/bin/env python3
"""contrib/grafana/sluice.json: the dashboard parses, picks its Prometheus
data source through a variable, and every metric its queries name is a
family sluice-dp's endpoint serves (a full rendering from test_metrics
--dump, every family declared by # TYPE).

    test_grafana.py TEST_METRICS"""
import json
import os
import re
import subprocess
import sys
import tempfile


def exprs(node):
    """Every PromQL text in the dashboard: targets' expr, variables' query."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("expr", "definition") and isinstance(v, str):
                yield v
            elif k == "query" and isinstance(v, str) and "(" in v:
                yield v
            else:
                yield from exprs(v)
    elif isinstance(node, list):
        for v in node:
            yield from exprs(v)


def main():
    src = os.environ.get("SLUICE_SOURCE_DIR", ".")
    dash = json.load(open(os.path.join(src, "contrib/grafana/sluice.json")))
    with tempfile.TemporaryDirectory() as d:
        dump = os.path.join(d, "metrics.txt")
        subprocess.run([sys.argv[1], "--dump", dump], check=True)
        text = open(dump).read()
    served = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    assert "sluice_drops_total" in served, served

    variables = dash["templating"]["list"]
    ds = [v for v in variables if v["type"] == "datasource"]
    assert len(ds) == 1 and ds[0]["query"] == "prometheus", ds
    ds_ref = "${%s}" % ds[0]["name"]
    assert dash["panels"], "no panels"
    for p in dash["panels"]:
        assert p["datasource"]["uid"] == ds_ref, (p["title"], p["datasource"])
        assert p["targets"], p["title"]
        for t in p["targets"]:
            assert t["datasource"]["uid"] == ds_ref, (p["title"], t)

    used = set()
    for e in exprs(dash):
        used |= set(re.findall(r"\b(sluice_[a-z0-9_]+)", e))
    unknown = sorted(used - served)
    assert not unknown, f"the dashboard queries metrics the endpoint does not serve: {unknown}"
    # the panels the issue asks for
    titles = " ".join(p["title"].lower() for p in dash["panels"])
    for want in ("throughput", "drops by reason", "verify", "dedup window", "peers", "top sources"):
        assert want in titles, f"no panel on {want}"
    print(f"grafana: {len(dash['panels'])} panels, {len(used)} metrics, all served")


if __name__ == "__main__":
    main()
