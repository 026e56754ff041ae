#!/usr/bin/env python3
"""sluiced, two of them on loopback addresses (no dataplane, no namespaces):
refusals at start (key file missing, readable by others, not configured),
the handshake of two relays named by key only, RTT and token rotation seen
through `sluicectl peers`, the peer table written for sluice-dp, strangers'
datagrams dropped and counted by reason, SIGKILL and a restart that takes
the session over without a new handshake, a cut-off by score (invalid
counts written into the table's dataplane area, as sluice-dp would) and the
peer back after it, SIGTERM leaving the table.

Env: SLUICE_BUILD_DIR (the build folder)."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sl_tooltest import BUILD, check, summary

SLUICED = os.path.join(BUILD, "control", "sluiced")
CTL = os.path.join(BUILD, "control", "sluicectl")
DP = os.path.join(BUILD, "tests", "sl_peertab_dp")
TAG = f"t{os.getpid() % 100000}"
PORT = 20000 + os.getpid() % 20000  # control port, unlikely to clash


def keygen(path):
    p = subprocess.run([CTL, "keygen", path], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def write_config(tmp, me, ip, key, peer, peer_ip, peer_key, extra=""):
    path = os.path.join(tmp, f"{me}.ini")
    with open(path, "w") as f:
        f.write(f"""[relay]
name = {TAG}{me}
ip = {ip}
key = {key}
control_port = {PORT}
[control]
socket = {tmp}/{me}.sock
ping_interval_ms = 200
ping_misses = 10
token_rotate_s = 2
token_overlap_s = 1
{extra}
[port]
type = null
[peer {peer}]
kind = relay
ip = {peer_ip}
port = 8004
pubkey = {peer_key}
control_port = {PORT}
""")
    return path


def peers(cfg):
    p = subprocess.run([CTL, "peers", cfg, "--json"], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        return None
    return json.loads(p.stdout)


def wait_up(cfg, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        j = peers(cfg)
        if j and j["peers"] and j["peers"][0]["state"] == "up":
            return j
        time.sleep(0.1)
    return peers(cfg)


def start(cfg, log):
    return subprocess.Popen([SLUICED, "-c", cfg], stdout=log, stderr=subprocess.STDOUT)


def links_no_dpdk():
    """sluiced and sluicectl run beside a relay without DPDK's EAL."""
    for tool in (SLUICED, CTL):
        p = subprocess.run(["ldd", tool], capture_output=True, text=True, timeout=30)
        libs = [l.split()[0] for l in p.stdout.splitlines() if l.strip()]
        check(p.returncode == 0 and libs and not [l for l in libs if "rte_" in l or "dpdk" in l],
              f"{os.path.basename(tool)} links no DPDK: {libs}")


def refusals(tmp, cfg_a, key_a):
    p = subprocess.run([SLUICED], capture_output=True, text=True, timeout=30)
    check(p.returncode == 2 and "usage" in p.stderr, f"no -c: rc {p.returncode}")
    p = subprocess.run([SLUICED, "-c", cfg_a, "--bogus"], capture_output=True, text=True, timeout=30)
    check(p.returncode == 2 and "--bogus" in p.stderr, f"unknown option: rc {p.returncode}")
    p = subprocess.run([SLUICED, "--help"], capture_output=True, text=True, timeout=30)
    check(p.returncode == 0 and p.stdout.startswith("usage: sluiced"), "--help")
    p = subprocess.run([SLUICED, "-c", cfg_a, "--check"], capture_output=True, text=True, timeout=30)
    check(p.returncode == 0 and p.stdout.strip() == "config OK", f"--check: {p.stdout!r} {p.stderr!r}")

    text = open(cfg_a).read()
    for what, body, mode in (("missing", None, None), ("group-readable", "key", 0o640),
                             ("malformed", "[1,2,3]\n", 0o600)):
        bad = os.path.join(tmp, f"bad-{what}.key")
        if body == "key":
            keygen(bad)
            os.chmod(bad, mode)
        elif body is not None:
            open(bad, "w").write(body)
            os.chmod(bad, mode)
        cfg = os.path.join(tmp, f"bad-{what}.ini")
        open(cfg, "w").write(text.replace(f"key = {key_a}", f"key = {bad}"))
        p = subprocess.run([SLUICED, "-c", cfg], capture_output=True, text=True, timeout=30)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 1 and len(lines) == 1 and bad in lines[0],
              f"key file {what}: rc {p.returncode}, stderr {p.stderr!r}")
    cfg = os.path.join(tmp, "no-key.ini")
    open(cfg, "w").write(text.replace(f"key = {key_a}\n", ""))
    p = subprocess.run([SLUICED, "-c", cfg], capture_output=True, text=True, timeout=30)
    check(p.returncode == 1 and "key" in p.stderr and len(p.stderr.strip().splitlines()) == 1,
          f"no [relay] key: rc {p.returncode}, {p.stderr!r}")


def table_entry(name):
    """The first slot of the relay's peer table (common/sl_peertab.h)."""
    data = open(f"/dev/shm/sluice-{TAG}{name}.peers", "rb").read()
    magic = int.from_bytes(data[0:8], "little")
    state = data[32]
    return magic, state, len(data)


def dp_counters(name, slot, first, dup, invalid, malformed):
    subprocess.run([DP, f"{TAG}{name}", str(slot), str(first), str(dup), str(invalid),
                    str(malformed)], check=True, timeout=30)


def wait_state(cfg, state, seconds):
    end = time.time() + seconds
    while time.time() < end:
        j = peers(cfg)
        if j and j["peers"][0]["state"] == state:
            return j
        time.sleep(0.05)
    return peers(cfg)


def score_cut_off(cfg_a, log_a):
    """a's scores of b from fake dataplane counters: a base, then three
    invalid signatures (-150, under -100): cut off for cutoff_s (2 s), then
    a new handshake; counters going back (sluice-dp restarted) cost nothing."""
    slot = peers(cfg_a)["peers"][0]["slot"]
    dp_counters("a", slot, 100, 50, 0, 0)
    time.sleep(1.5)  # one scoring pass takes the base
    pa = peers(cfg_a)["peers"][0]
    check(pa["state"] == "up" and pa["score"] == 0 and pa["cutoffs"] == 0, f"scored, base: {pa}")
    dp_counters("a", slot, 110, 60, 3, 0)
    t0 = time.time()
    pa = wait_state(cfg_a, "cut_off", 2.5)["peers"][0]
    check(pa["state"] == "cut_off" and pa["cutoffs"] == 1 and pa["offences"] == 1,
          f"invalid counts cut b off within {time.time() - t0:.1f} s: {pa}")
    log_a.seek(0)
    check("peer b: score -140.0 under -100.0: cut off for 2 s (offence 1)" in log_a.read(),
          "cut-off logged")
    pa = wait_state(cfg_a, "up", 10)["peers"][0]
    check(pa["state"] == "up" and pa["score"] == 0, f"b back up after the cut: {pa}")
    dp_counters("a", slot, 0, 0, 0, 0)
    time.sleep(1.5)
    pa = peers(cfg_a)["peers"][0]
    check(pa["state"] == "up" and pa["score"] == 0 and pa["cutoffs"] == 1,
          f"counters going back cost nothing: {pa}")
    p = subprocess.run([CTL, "peers", cfg_a], capture_output=True, text=True, timeout=30)
    check(p.returncode == 0 and "score" in p.stdout.splitlines()[0], f"peers shows scores: {p.stdout!r}")


def main():
    for n in "ab":
        try:
            os.unlink(f"/dev/shm/sluice-{TAG}{n}.peers")
        except FileNotFoundError:
            pass
    with tempfile.TemporaryDirectory() as tmp:
        key_a, key_b = os.path.join(tmp, "a.key"), os.path.join(tmp, "b.key")
        pk_a, pk_b = keygen(key_a), keygen(key_b)
        cfg_a = write_config(tmp, "a", "127.0.0.1", key_a, "b", "127.0.0.2", pk_b,
                             "[score]\ncutoff_s = 2\ncutoff_max_s = 8\n")
        cfg_b = write_config(tmp, "b", "127.0.0.2", key_b, "a", "127.0.0.1", pk_a)
        links_no_dpdk()
        refusals(tmp, cfg_a, key_a)

        log_a = open(os.path.join(tmp, "a.log"), "w+")
        log_b = open(os.path.join(tmp, "b.log"), "w+")
        a, b = start(cfg_a, log_a), start(cfg_b, log_b)
        try:
            ja, jb = wait_up(cfg_a), wait_up(cfg_b)
            check(ja is not None and ja["peers"][0]["state"] == "up" and ja["peers"][0]["key"] == pk_b,
                  f"a sees b up: {ja}")
            check(jb is not None and jb["peers"][0]["state"] == "up" and jb["peers"][0]["key"] == pk_a,
                  f"b sees a up: {jb}")
            time.sleep(2.5)  # pings, and one token rotation
            ja = peers(cfg_a)
            pa = ja["peers"][0]
            check(pa["rtt_ms"] > 0 and pa["srtt_ms"] > 0, f"rtt measured: {pa}")
            check(0 <= pa["token_age_s"] < 2.5, f"token rotated (age {pa['token_age_s']})")
            check(pa["handshakes"] == 1 and pa["downs"] == 0, f"one session: {pa}")
            p = subprocess.run([CTL, "peers", cfg_a], capture_output=True, text=True, timeout=30)
            check(p.returncode == 0 and "up" in p.stdout and pk_b in p.stdout, f"peers table: {p.stdout!r}")
            magic, state, size = table_entry("a")
            check(magic == 0x3142415452454550 and state == 2, f"peer table: magic {magic:x}, state {state}")

            # Strangers: garbage, a truncated message, an oversize one.
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for payload in (b"", b"x" * 10, b"SLCC" + bytes(179), bytes(185), b"SLCC" + bytes(180)):
                s.sendto(payload, ("127.0.0.1", PORT))
            time.sleep(0.5)
            drops = peers(cfg_a)["drops"]
            check(drops["truncated"] == 3 and drops["oversize"] == 1 and drops["malformed"] == 1,
                  f"strangers' datagrams counted by reason: {drops}")
            check(a.poll() is None, "sluiced alive after strangers' datagrams")

            # SIGKILL a, restart it: the session is taken over from the table.
            a.send_signal(signal.SIGKILL)
            a.wait(timeout=10)
            a = start(cfg_a, log_a)
            ja = wait_up(cfg_a, 5)
            time.sleep(1)
            ja, jb = peers(cfg_a), peers(cfg_b)
            log_a.seek(0)
            check("taken over" in log_a.read(), "restarted sluiced says it took the session over")
            check(ja["peers"][0]["state"] == "up" and ja["peers"][0]["handshakes"] == 0,
                  f"a: up again without a handshake: {ja['peers'][0]}")
            check(jb["peers"][0]["handshakes"] == 1 and jb["peers"][0]["downs"] == 0,
                  f"b: never lost the session: {jb['peers'][0]}")
            score_cut_off(cfg_a, log_a)
        finally:
            for proc in (a, b):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            rc = [proc.wait(timeout=10) for proc in (a, b)]
        check(rc == [0, 0], f"SIGTERM: exit {rc}")
        check(not os.path.exists(os.path.join(tmp, "a.sock")), "socket removed at exit")
        check(os.path.exists(f"/dev/shm/sluice-{TAG}a.peers"), "the peer table stays for sluice-dp")
        for n in "ab":
            os.unlink(f"/dev/shm/sluice-{TAG}{n}.peers")
        for log in (log_a, log_b):  # shown by meson when a check failed
            log.seek(0)
            sys.stderr.write(log.read())
    return summary("sluiced")


if __name__ == "__main__":
    sys.exit(main())
