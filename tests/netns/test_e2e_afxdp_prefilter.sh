#!/usr/bin/env bash
# The demo run with the XDP prefilter loaded through xdp_prog (bpf/README.md),
# and one frame of every L2-L4 / gossip-header defect (sluice-gen
# --bad-frames) written onto c1's link for relay A. Verdicts: everything the
# af_xdp e2e asks (every valid transaction reaches the sink exactly once,
# counters add up, relays exit 0); relay A's prefilter dropped each
# malformed frame for its own reason, and each relay's prefilter dropped the
# clients' gossip spam (drop_unknown_peer) and c1's gossip forged from B's
# address (drop_bad_token), so that the dataplanes saw no L2-L4 defect, no
# frame that was not sluice traffic and no gossip that was not a peer's; the
# sockets got only what the prefilter redirected; the top sources by drops
# account for every drop; /sluice/prefilter answered during the run with
# the same figures. Needs root.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"

export SL_XDP_PROG=$build/bpf/sl_prefilter.bpf.o
"$build/bench/sluice-gen" --seed 9 --src "${SL_IP[c1]}" --src-mac "$(sl_mac c1)" \
	--dst "${SL_IP[a]}:$SL_INGEST_PORT" --pcap "$work/bad.pcap" --manifest "$work/bad.txt" \
	--valid 0 --bad-frames --quiet
export SL_E2E_INJECT=$work/bad.pcap
SL_E2E_VALID=200 SL_E2E_TELEMETRY=/sluice/prefilter sl_e2e_run "$work" "$build"
cat "$work/inject.log"

/usr/bin/python3 - "$work" "${SL_IP[b]}" <<'PY'
import json, sys
w, b_ip = sys.argv[1:3]
stats = {r: json.load(open(f"{w}/{r}.json")) for r in ("a", "b")}
lines = lambda n: [l.split() for l in open(f"{w}/{n}.txt") if not l.startswith("#")]
bad = [l[-1] for l in lines("bad")]
# What the prefilter does with each defect (bpf/README.md). Left out: the
# runt (the kernel pads what it sends to an Ethernet header) and the jumbo
# (longer than the veth's MTU: never sent).
drops = {
    "ip_version_6": "drop_bad_version", "ip_ihl_below_5": "drop_bad_ihl",
    "ip_ihl_past_end": "drop_bad_ihl", "ip_total_length_past_end": "drop_bad_total_len",
    "ip_total_length_below_header": "drop_bad_total_len", "ip_bad_checksum": "drop_bad_ip_csum",
    "ip_fragment_first": "drop_fragment", "ip_fragment_later": "drop_fragment",
    "udp_length_past_end": "drop_bad_udp_len", "udp_length_below_8": "drop_bad_udp_len",
    "udp_length_short_of_ip": "drop_bad_udp_len",
    "gossip_header_truncated": "drop_gossip_hdr", "gossip_header_only": "drop_gossip_hdr",
    "gossip_bad_magic": "drop_gossip_hdr", "gossip_bad_version": "drop_gossip_hdr",
    "gossip_bad_kind": "drop_gossip_hdr", "gossip_ttl_0": "drop_gossip_hdr",
    "gossip_from_unknown_peer": "drop_unknown_peer",
    "ip6_payload_length_below_8": "drop_short_udp", "udp6_length_short_of_ip": "drop_bad_udp_len",
    "udp6_zero_checksum": "drop_zero_udp_csum", "vlan_ip_bad_checksum": "drop_bad_ip_csum",
    "vlan_udp6_zero_checksum": "drop_zero_udp_csum", "ip6_short": "drop_short_ipv6",
    "ip6_version_4": "drop_bad_version", "ip6_payload_length_past_end": "drop_bad_total_len",
}
# Not sluice's, passed to the kernel: ARP, QinQ (the switch keeps both
# tags), TCP, UDP behind an IPv6 extension header, and sane frames to
# another address or port. Each adds to its pass counter, which the
# kernel's own traffic may raise further.
to_kernel = {"ethertype_arp": "pass_not_ip", "vlan_qinq": "pass_not_ip",
             "ip_proto_tcp": "pass_not_udp", "ip6_hop_by_hop_udp": "pass_not_udp",
             "wrong_dst_ip": "pass_not_ours", "wrong_dst_port": "pass_not_ours"}
unknown = set(bad) - set(drops) - set(to_kernel) - {"runt_ethernet", "jumbo_9000"}
assert not unknown, f"bad frame kinds this test does not know: {unknown}"

fails = []
pf = {r: stats[r].get("prefilter") for r in ("a", "b")}
for r in ("a", "b"):
    if pf[r] is None:
        fails.append(f"relay {r}: no prefilter counters in its stats")
if fails:
    print("\n".join("FAIL: " + f for f in fails))
    sys.exit(1)
print("prefilter a:", {k: v for k, v in pf["a"].items() if v})
print("prefilter b:", {k: v for k, v in pf["b"].items() if v})
# Every prefilter drop is explained: A's by the bad frames and the gossip
# forged from B's address with tokens B was not issued and, at both, the
# clients' oversize transactions (sluice-gen --malformed) and their gossip
# spam, which the dataplane therefore never sees.
oversize = {r: sum(1 for l in lines(cl) if l[1] == "malformed" and l[-1] == "oversize")
            for r, cl in (("a", "c1"), ("b", "c2"))}
spam = {r: sum(1 for l in lines(cl) if l[1] == "gossip_spam") for r, cl in (("a", "c1"), ("b", "c2"))}
spoofed = len(lines("spoof"))
if not (spam["a"] and spam["b"] and spoofed):
    fails.append(f"no gossip spam or forged gossip sent: {spam}, {spoofed}")
for r in ("a", "b"):
    want = {"drop_oversize": oversize[r], "drop_unknown_peer": spam[r]}
    if r == "a":
        want["drop_bad_token"] = spoofed
    for k in bad if r == "a" else []:
        if k in drops:
            want[drops[k]] = want.get(drops[k], 0) + 1
    got = {k: v for k, v in pf[r].items() if k.startswith("drop_")}
    passed = {}
    for k in bad if r == "a" else []:
        if k in to_kernel:
            passed[to_kernel[k]] = passed.get(to_kernel[k], 0) + 1
    for slot, n in passed.items():
        if pf[r].get(slot, 0) < n:
            fails.append(f"relay {r}: prefilter {slot} {pf[r].get(slot, 0)}, want at least {n}")
    for reason in set(got) | set(want):
        if got.get(reason) != want.get(reason, 0):
            fails.append(f"relay {r}: prefilter {reason} {got.get(reason)}, want {want.get(reason, 0)}")
    # Fewer sources than the top list holds: it has every one of them.
    top = pf[r]["top_sources"]
    print(f"prefilter {r} top sources:", top)
    if sum(top.values()) != sum(got.values()):
        fails.append(f"relay {r}: top sources {top} do not add up to the drops {sum(got.values())}")
    if r == "a" and top.get(b_ip) != spoofed:
        fails.append(f"relay a: B's address {b_ip} has {top.get(b_ip)} drops, not the {spoofed} forged frames")
    # Asked while the relay ran, after the traffic: the same figures.
    replies = [json.loads(l) for l in open(f"{w}/{r}.telemetry") if l.startswith("{")]
    tel = next((x["/sluice/prefilter"] for x in replies if "/sluice/prefilter" in x), None)
    if not tel:
        fails.append(f"relay {r}: no /sluice/prefilter answer: {replies}")
        continue
    tel_top = dict(zip(tel["top_sources"], tel["top_drops"]))
    tel_got = {k: v for k, v in tel["counters"].items() if k.startswith("drop_")}
    if tel_got != got or tel_top != top:
        fails.append(f"relay {r}: /sluice/prefilter {tel} differs from its stats {pf[r]}")
    # The lists' entries, in both (exact counts: tests/bpf/test_prefilter_pin.c).
    lists = stats[r].get("prefilter_lists", {})
    for name, cap in (("blocklist", 16384), ("allowlist", 1024)):
        for fam in ("ipv4", "ipv6"):
            n, t = lists.get(name, {}).get(fam), tel.get(f"{name}_{fam}")
            if not isinstance(n, int) or not isinstance(t, int) or not 0 <= n <= cap or not 0 <= t <= cap:
                fails.append(f"relay {r}: {name} {fam}: stats {n}, telemetry {t}, capacity {cap}")
        if lists.get(name, {}).get("capacity") != cap:
            fails.append(f"relay {r}: {name} capacity {lists.get(name)}, want {cap}")

for relay, client, other in (("a", "c1", "b"), ("b", "c2", "a")):
    c = stats[relay]["counters"]
    l24 = {k: c.get(k, 0) for k in ("drop_l2", "drop_l3", "drop_l4", "drop_not_for_us",
                                     "drop_unknown_peer", "drop_bad_token")}
    if any(l24.values()):
        fails.append(f"relay {relay}: frames the prefilter should have kept out reached the dataplane: {l24}")
    sent = len(lines(client)) - oversize[relay] - spam[relay]
    gossip_in = stats[other]["peers"][relay]["frames_out"]
    if c["rx_packets"] != sent + gossip_in:
        fails.append(f"relay {relay}: rx_packets {c['rx_packets']}, not {sent} from {client} "
                     f"+ {gossip_in} from {other}")
    if c["rx_packets"] + c.get("rx_missed", 0) != pf[relay]["redirected"]:
        fails.append(f"relay {relay}: rx_packets {c['rx_packets']} + rx_missed "
                     f"{c.get('rx_missed', 0)} != prefilter redirected {pf[relay]['redirected']}")
for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
PY
echo "e2e af_xdp with the prefilter: ok"
