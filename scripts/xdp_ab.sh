#!/bin/bash
# Compares builds of the XDP prefilter object, interleaved: each round runs
# every object's xdp/prefilter cases once (3 repetitions), so that all see
# the same phases of a shared machine, whose speed moves by 15% within
# minutes; a comparison of two separate runs would measure those instead.
# Prints, per case and object, the smallest and the median x_pass over the
# rounds, then the fast-phase rounds' (fast: how many; fmed: their median)
# and the slow-phase rounds' (slow, smed, and the highest) (bench/README.md,
# "XDP prefilter").
#
#   sudo scripts/xdp_ab.sh [-r ROUNDS] [-f REGEX] BUILD_DIR OBJ...
#
# The objects must have the maps' layout of BUILD_DIR's sluice-bench (it
# checks, and a case of another layout reports an error).
set -euo pipefail
rounds=3
filter='^xdp/prefilter/'
while getopts r:f: o; do
	case $o in
	r) rounds=$OPTARG ;;
	f) filter=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { echo "usage: $0 [-r ROUNDS] [-f REGEX] BUILD_DIR OBJ..." >&2; exit 2; }
bench=$1/bench/sluice-bench
shift
[ -x "$bench" ] || { echo "$0: no $bench" >&2; exit 2; }
for r in $(seq "$rounds"); do
	for obj in "$@"; do
		SLUICE_BENCH_PREFILTER_OBJ=$obj "$bench" --benchmark_filter="$filter" \
			--benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>&1 |
			awk -v o="$obj" '/_median / { n = $1; sub("_median", "", n);
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^x_pass=/) { x = $i; sub("x_pass=", "", x) }
					if ($i ~ /^pass_ns=/) { p = $i; sub("pass_ns=", "", p) } }
				print n, o, x, p }
				/ERROR OCCURRED/ { print; err = 1 } END { exit err }'
	done
done | sort -k1,1 -k2,2 -k3,3g | awk '
	# A round is of the fast phase when its xdp/pass ran within 30% of the
	# fastest xdp/pass of the whole run; the slow phase reads higher ratios.
	{ k = $1 " " $2; x[k, ++n[k]] = $3; p[k, n[k]] = $4; if (!(k in seen)) { seen[k] = 1; order[++m] = k }
	  if (fastest == "" || $4 < fastest) fastest = $4 }
	# Rows come sorted by x_pass within a case and object: each list below
	# is in order, and its median is its middle entry.
	END { printf "%-36s %-32s %6s %6s %6s %6s %6s %6s %9s\n", "case", "object", "min", "median",
		  "fast", "fmed", "slow", "smed", "slow max";
	      for (i = 1; i <= m; i++) { k = order[i]; split(k, q, " "); nf = 0; ns = 0;
		for (j = 1; j <= n[k]; j++)
			if (p[k, j] <= 1.3 * fastest) f[++nf] = x[k, j];
			else s[++ns] = x[k, j];
		printf "%-36s %-32s %6.2f %6.2f %6d %6s %6d %6s %9s\n", q[1], q[2], x[k, 1],
			x[k, int((n[k] + 1) / 2)], nf, nf ? sprintf("%.2f", f[int((nf + 1) / 2)]) : "-",
			ns, ns ? sprintf("%.2f", s[int((ns + 1) / 2)]) : "-",
			ns ? sprintf("%.2f", s[ns]) : "-" } }'
