#!/usr/bin/env python3
"""sluicectl peer add/remove/ban/unban, stats and config check against three
sluiced on loopback addresses (127.0.0.1/.2/.3; no dataplane): a knows b from
its config, c is added to a at run time and comes up; a ban cuts it off and
it comes back after the duration; after SIGKILL and a restart of a, c is
still there (the state file), and a malformed state file costs log lines,
not the daemon; peer remove takes c away (and a config peer until SIGHUP);
stats --json has the control counters and the per-peer dataplane counters
(zero: no sluice-dp) and says sluice-dp is absent, or shows what a (fake)
DPDK telemetry socket answers; usage errors exit 2, refusals 1, and a
refused request changes nothing. Over IPv6 (where ::1 can be bound): a
fourth sluiced d, its control port at [::1], with a as an IPv6 peer in its
config, is added to a (its `ip6 = ::1`) at ::1 and both come up; the state
file keeps it across a restart of a; a relay without ip6 refuses an IPv6
peer.

Env: SLUICE_BUILD_DIR (the build folder)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sl_tooltest import BUILD, check, summary

SLUICED = os.path.join(BUILD, "control", "sluiced")
CTL = os.path.join(BUILD, "control", "sluicectl")
TAG = f"p{os.getpid() % 100000}"
PORT = 40000 + os.getpid() % 20000  # control port; test_sluiced.py uses 20000..39999
IPS = {"a": "127.0.0.1", "b": "127.0.0.2", "c": "127.0.0.3", "d": "127.0.0.4"}
IP6 = "::1"  # a's and d's ip6: their control ports differ


def ctl(*args):
    p = subprocess.run([CTL, *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def keygen(path):
    rc, out, err = ctl("keygen", path)
    assert rc == 0, err
    return out.strip()


def ipv6_usable():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind((IP6, 0))
        return True
    except OSError:
        return False


def write_config(tmp, me, key, peers, ip6=None, port=PORT):
    """peers: (name, key) at IPS[name], control port PORT, gossip port 8004; or
    (name, key, ip, control port, gossip port)."""
    path = os.path.join(tmp, f"{me}.ini")
    text = f"""[relay]
name = {TAG}{me}
ip = {IPS[me]}
{f"ip6 = {ip6}" if ip6 else ""}
key = {key}
control_port = {port}
[control]
socket = {tmp}/{me}.sock
state_file = {tmp}/state/{me}.peers
ping_interval_ms = 200
ping_misses = 10
retry_min_ms = 200
retry_max_ms = 1000
[port]
type = null
"""
    for name, pk, *at in peers:
        ip, ctl_port, port = at or (IPS[name], PORT, 8004)
        text += f"[peer {name}]\nkind = relay\nip = {ip}\nport = {port}\npubkey = {pk}\ncontrol_port = {ctl_port}\n"
    open(path, "w").write(text)
    return path


def peers(cfg):
    rc, out, _ = ctl("peers", cfg, "--json")
    return {p["name"]: p for p in json.loads(out)["peers"]} if rc == 0 else None


def wait_for(cfg, name, state, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        ps = peers(cfg) or {}
        if (state is None and name not in ps) or (name in ps and ps[name]["state"] == state):
            return True
        time.sleep(0.05)
    return False


def start(cfg, log):
    return subprocess.Popen([SLUICED, "-c", cfg], stdout=log, stderr=subprocess.STDOUT)


def one_line(err):
    return err.endswith("\n") and err.count("\n") == 1


def raw_request(sock, line):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall(line)
    data = b""
    while chunk := s.recv(4096):
        data += chunk
    s.close()
    return data.decode()


def usage_errors(cfg_a, pk_c):
    for args in [("peer",), ("peer", "bogus", cfg_a), ("peer", "add", cfg_a, "c", "--ip", IPS["c"]),
                 ("peer", "add", cfg_a, "c", "--pubkey", pk_c), ("peer", "add", cfg_a, "c", "--pubkey"),
                 ("peer", "add", cfg_a, "c", "--pubkey", pk_c, "--ip", IPS["c"], "--port", "0"),
                 ("peer", "add", cfg_a, "c", "--pubkey", pk_c, "--ip", IPS["c"], "--port", "x1"),
                 ("peer", "add", cfg_a, "c d", "--pubkey", pk_c, "--ip", IPS["c"]),
                 ("peer", "add", cfg_a, "c", "--pubkey", pk_c, "--pubkey", pk_c, "--ip", IPS["c"]),
                 ("peer", "remove", cfg_a), ("peer", "remove", cfg_a, "c", "x"),
                 ("peer", "ban", cfg_a, "c", "--for", "5x"), ("peer", "ban", cfg_a, "c", "--for", "0s"),
                 ("peer", "ban", cfg_a, "c", "--for", "99999999d"), ("peer", "ban", cfg_a, "c", "--json"),
                 ("stats",), ("stats", cfg_a, "--for", "1s"), ("config",), ("config", "check"),
                 ("config", "check", "a", "b")]:
        rc, out, err = ctl(*args)
        check(rc == 2 and out == "" and one_line(err) and err.startswith("sluicectl: "),
              f"usage error {args}: rc {rc}, stdout {out!r}, stderr {err!r}")
    for args, want in [(("peer", "--help"), "usage: sluicectl peer COMMAND"),
                       (("peer", "add", "--help"), "usage: sluicectl peer add CONFIG NAME --pubkey K --ip A [--port P]"),
                       (("peer", "remove", "-h"), "usage: sluicectl peer remove CONFIG NAME"),
                       (("peer", "ban", "--help"), "usage: sluicectl peer ban CONFIG NAME [--for DURATION]"),
                       (("peer", "unban", "--help"), "usage: sluicectl peer unban CONFIG NAME"),
                       (("stats", "--help"), "usage: sluicectl stats CONFIG [--json]"),
                       (("config", "check", "--help"), "usage: sluicectl config check FILE")]:
        rc, out, err = ctl(*args)
        check(rc == 0 and out.startswith(want) and err == "", f"{args}: rc {rc}, {out[:80]!r}, {err!r}")


def refusals(cfg_a, pk_a, pk_b, pk_c, sock_a):
    before = peers(cfg_a)
    for args, why in [
            (("peer", "add", cfg_a, "c", "--pubkey", "notakey0OIl", "--ip", IPS["c"]), "key"),
            (("peer", "add", cfg_a, "c", "--pubkey", pk_c[:-3], "--ip", IPS["c"]), "key"),
            (("peer", "add", cfg_a, "c", "--pubkey", pk_c, "--ip", "127.0.0.300"), "IPv4"),
            (("peer", "add", cfg_a, "b", "--pubkey", pk_c, "--ip", IPS["c"]), "duplicate name"),
            (("peer", "add", cfg_a, "c", "--pubkey", pk_b, "--ip", IPS["c"]), "duplicate key"),
            (("peer", "add", cfg_a, "c", "--pubkey", pk_a, "--ip", IPS["c"]), "this relay"),
            (("peer", "add", cfg_a, "c/1", "--pubkey", pk_c, "--ip", IPS["c"]), "name"),
            (("peer", "remove", cfg_a, "c"), "no peer named"),
            (("peer", "ban", cfg_a, "c", "--for", "1m"), "no peer named"),
            (("peer", "unban", cfg_a, "b"), "not cut off")]:
        rc, out, err = ctl(*args)
        check(rc == 1 and out == "" and one_line(err) and why in err,
              f"refused {args[:2]}: rc {rc}, stdout {out!r}, stderr {err!r} (want {why!r})")
    for line in (b"peer add c\n", b"peer add c " + pk_c.encode() + b" 127.0.0.3 8005 9\n",
                 b"peer ban b 0\n", b"peer ban b -5\n", b"peer ban b 315360001\n", b"peer ban b\n",
                 b"peer remove\n", b"peer remove b c\n", b"peer x\n", b"stats xml\n", b"x" * 255,
                 b"peer remove b\0\n"):
        ans = raw_request(sock_a, line)
        check(ans.startswith("error: ") and ans.count("\n") == 1, f"malformed request {line[:40]!r}: {ans!r}")
    after = peers(cfg_a)
    check(after.keys() == before.keys() and after["b"]["state"] == "up",
          f"refused requests changed nothing: {before.keys()} -> {after.keys()}")


def fake_telemetry(relay, answer):
    """A DPDK telemetry v2 socket as sluice-dp's EAL would open it (root only)."""
    folder = f"/var/run/dpdk/sluice-{relay}"
    os.makedirs(folder, exist_ok=True)
    path = f"{folder}/dpdk_telemetry.v2"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.path.exists(path):
        os.unlink(path)
    srv.bind(path)
    srv.listen(1)
    got = []

    def serve():
        c, _ = srv.accept()
        c.send(json.dumps({"version": "DPDK 22.11", "pid": os.getpid(), "max_output_len": 16384}).encode())
        got.append(c.recv(1024).decode())
        c.send(answer.encode())
        c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return folder, srv, t, got


def stats(cfg_a):
    rc, out, err = ctl("stats", cfg_a, "--json")
    check(rc == 0, f"stats --json: rc {rc}, {err!r}")
    try:
        j = json.loads(out)
    except ValueError:
        check(False, f"stats --json is not JSON: {out!r}")
        return
    ctlc = j.get("control", {})
    check(ctlc.get("accepted", 0) > 0 and "truncated" in ctlc.get("drops", {}) and
          ctlc.get("rx", {}).get("ping", 0) > 0 and ctlc.get("tx", {}).get("pong", 0) > 0,
          f"stats: control counters: {ctlc}")
    dp_keys = {"frames_in", "first_deliveries", "duplicates", "invalid", "malformed", "frames_out"}
    ps = {p["name"]: p for p in j.get("peers", [])}
    check(set(ps) == {"b", "c"} and all(set(p["dp"]) == dp_keys and not any(p["dp"].values())
                                        for p in ps.values()),
          f"stats: per-peer dataplane counters, all zero: {ps}")
    check(all(p["state"] == "up" and p["srtt_ms"] > 0 and p["token_age_s"] >= 0 and
              p["rx"]["pong"] > 0 for p in ps.values()), f"stats: peers' state, RTT, token age: {ps}")
    check(j.get("dataplane", {}).get("written") is False and j.get("sluice_dp", {}).get("running") is False,
          f"stats: no sluice-dp: {j.get('dataplane')}, {j.get('sluice_dp')}")
    rc, out, err = ctl("stats", cfg_a)
    check(rc == 0 and "sluice-dp: not running" in out and "frames_in" in out and "\nc " in out,
          f"stats text: rc {rc}, {out!r}")
    if os.getuid() != 0:
        return
    folder, srv, t, got = fake_telemetry(
        f"{TAG}a", json.dumps({"/sluice/stats": {"relay": f"{TAG}a", "counters": {"rx_packets": 5}}}))
    try:
        rc, out, err = ctl("stats", cfg_a, "--json")
        t.join(5)
        j = json.loads(out) if rc == 0 else {}
        check(got == ["/sluice/stats"] and j.get("sluice_dp", {}).get("running") is True and
              j["sluice_dp"]["stats"]["counters"]["rx_packets"] == 5,
              f"stats with a telemetry socket: sent {got}, got {j.get('sluice_dp')} ({err!r})")
    finally:
        srv.close()
        shutil.rmtree(folder, ignore_errors=True)


def config_check(tmp, cfg_a):
    rc, out, err = ctl("config", "check", cfg_a)
    check(rc == 0 and out == "config OK\n" and err == "", f"config check: rc {rc}, {out!r}, {err!r}")
    bad = os.path.join(tmp, "bad.ini")
    text = open(cfg_a).read().replace("ping_misses = 10", "ping_misses = ten")
    open(bad, "w").write(text + "[bogus]\n")
    rc, out, err = ctl("config", "check", bad)
    lines = out.splitlines()
    misses = 1 + text.splitlines().index("ping_misses = ten")
    check(rc == 1 and f"{bad}:{misses}: ping_misses" in out and
          f"{bad}:{len(text.splitlines()) + 1}:" in out and "config OK" not in out and
          all(ln.startswith(f"{bad}:") for ln in lines),
          f"config check of a bad file: rc {rc}, {out!r}, {err!r}")
    rc, out, err = ctl("config", "check", os.path.join(tmp, "missing.ini"))
    check(rc == 1 and "missing.ini:0:" in out, f"config check of a missing file: rc {rc}, {out!r}")


def ipv6_peer(tmp, cfg_a, state_a, procs, logs, keys, pk):
    """d at [::1]:PORT+1 added to a at ::1; both up; kept across a restart of a."""
    # a's gossip port in d's config is not d's own: both are at ::1
    cfg_d = write_config(tmp, "d", keys["d"], [("a", pk["a"], IP6, PORT, 8014)], ip6=IP6, port=PORT + 1)
    logs["d"] = open(os.path.join(tmp, "d.log"), "w+")
    procs["d"] = start(cfg_d, logs["d"])
    rc, out, err = ctl("peer", "add", cfg_a, "d", "--pubkey", pk["d"], "--ip", IP6, "--port", str(PORT + 1))
    check(rc == 0 and "peer d added" in out, f"peer add d at {IP6}: rc {rc}, {out!r}, {err!r}")
    check(wait_for(cfg_a, "d", "up") and wait_for(cfg_d, "a", "up"),
          f"a and d up over IPv6: {peers(cfg_a)}, {peers(cfg_d)}")
    ps = peers(cfg_a)
    check(ps.get("d", {}).get("ip") == IP6 and ps["d"]["control_port"] == PORT + 1, f"a's d: {ps.get('d')}")
    check(peers(cfg_d).get("a", {}).get("ip") == IP6, f"d's a: {peers(cfg_d).get('a')}")
    rc, out, _ = ctl("peers", cfg_a)
    check(rc == 0 and any(l.split()[:1] == ["d"] and IP6 in l.split() for l in out.splitlines()),
          f"sluicectl peers shows d at {IP6}: {out!r}")
    st = open(state_a).read()
    check(f"peer d {pk['d']} {IP6} {PORT + 1}\n" in st, f"state file has d at {IP6}: {st!r}")
    procs["a"].send_signal(signal.SIGKILL)
    procs["a"].wait(timeout=10)
    procs["a"] = start(cfg_a, logs["a"])
    check(wait_for(cfg_a, "d", "up"), f"after a restart, d up again from the state file: {peers(cfg_a)}")
    rc, out, err = ctl("peer", "remove", cfg_a, "d")
    check(rc == 0 and wait_for(cfg_a, "d", None, 2), f"peer remove d: rc {rc}, {err!r}")


def main():
    for n in "abcd":
        if os.path.exists(f"/dev/shm/sluice-{TAG}{n}.peers"):
            os.unlink(f"/dev/shm/sluice-{TAG}{n}.peers")
    procs = {}
    with tempfile.TemporaryDirectory() as tmp:
        keys = {n: os.path.join(tmp, f"{n}.key") for n in "abcd"}
        pk = {n: keygen(keys[n]) for n in "abcd"}
        v6 = ipv6_usable()
        if not v6:
            print(f"skip: the IPv6 part ({IP6} cannot be bound here)")
        cfg = {"a": write_config(tmp, "a", keys["a"], [("b", pk["b"])], ip6=IP6 if v6 else None),
               "b": write_config(tmp, "b", keys["b"], [("a", pk["a"])]),
               "c": write_config(tmp, "c", keys["c"], [("a", pk["a"])])}
        cfg_a, sock_a, state_a = cfg["a"], os.path.join(tmp, "a.sock"), os.path.join(tmp, "state", "a.peers")
        logs = {n: open(os.path.join(tmp, f"{n}.log"), "w+") for n in "abc"}
        try:
            for n in "abc":
                procs[n] = start(cfg[n], logs[n])
            check(wait_for(cfg_a, "b", "up"), f"a sees b up: {peers(cfg_a)}")
            usage_errors(cfg_a, pk["c"])
            refusals(cfg_a, pk["a"], pk["b"], pk["c"], sock_a)
            check(not os.path.exists(state_a), "no state file before a peer is added")

            # peer add: c comes up on both sides, and is in the state file.
            rc, out, err = ctl("peer", "add", cfg_a, "c", "--pubkey", pk["c"], "--ip", IPS["c"],
                               "--port", str(PORT))
            check(rc == 0 and "peer c added" in out and err == "", f"peer add c: rc {rc}, {out!r}, {err!r}")
            check(wait_for(cfg_a, "c", "up"), f"a sees c up: {peers(cfg_a)}")
            check(wait_for(cfg["c"], "a", "up"), f"c sees a up: {peers(cfg['c'])}")
            ps = peers(cfg_a)
            check(ps["c"]["key"] == pk["c"] and ps["c"]["control_port"] == PORT and ps["b"]["state"] == "up",
                  f"a's peers after the add: {ps}")
            st = open(state_a).read() if os.path.exists(state_a) else ""
            check(f"peer c {pk['c']} {IPS['c']} {PORT}\n" in st, f"state file: {st!r}")
            check(not [f for f in os.listdir(os.path.dirname(state_a)) if ".tmp-" in f], "no temp file left")
            rc, out, err = ctl("peer", "add", cfg_a, "c2", "--pubkey", pk["c"], "--ip", IPS["c"])
            check(rc == 1 and "duplicate key" in err, f"peer add of c's key again: rc {rc}, {err!r}")

            # A config peer removed at run time can be added back by hand: a
            # config peer again, not in the state file.
            rc, out, err = ctl("peer", "remove", cfg_a, "b")
            check(rc == 0 and "b" not in peers(cfg_a), f"peer remove b: rc {rc}, {err!r}")
            rc, out, err = ctl("peer", "add", cfg_a, "b", "--pubkey", pk["b"], "--ip", IPS["b"],
                               "--port", str(PORT))
            check(rc == 0 and "peer b added" in out, f"peer add b back: rc {rc}, {out!r}, {err!r}")
            check(wait_for(cfg_a, "b", "up"), f"b up again: {peers(cfg_a)}")
            st = open(state_a).read()
            check(f"peer b " not in st, f"the config's peer b is not in the state file: {st!r}")

            time.sleep(0.5)
            stats(cfg_a)

            # peer ban: cut off, back after the duration.
            rc, out, err = ctl("peer", "ban", cfg_a, "c", "--for", "2s")
            check(rc == 0 and "cut off for 2 s" in out, f"peer ban c --for 2s: rc {rc}, {out!r}, {err!r}")
            ps = peers(cfg_a)
            check(ps["c"]["state"] == "cut_off" and ps["b"]["state"] == "up", f"c cut off: {ps}")
            time.sleep(1.2)
            check(peers(cfg_a)["c"]["state"] == "cut_off", "c still cut off within the 2 s")
            t0 = time.time()
            check(wait_for(cfg_a, "c", "up", 10), f"c back up after the ban: {peers(cfg_a)}")
            check(time.time() - t0 < 8, f"c back within {time.time() - t0:.1f} s")
            # Without --for: until unban.
            rc, out, err = ctl("peer", "ban", cfg_a, "c")
            check(rc == 0 and peers(cfg_a)["c"]["state"] == "cut_off", f"peer ban c: rc {rc}, {err!r}")
            time.sleep(1)
            check(peers(cfg_a)["c"]["state"] == "cut_off", "a ban without --for lasts")
            rc, out, err = ctl("peer", "unban", cfg_a, "c")
            check(rc == 0 and wait_for(cfg_a, "c", "up"), f"peer unban c: rc {rc}, {err!r}, {peers(cfg_a)}")

            # SIGKILL a, restart: c is back from the state file.
            procs["a"].send_signal(signal.SIGKILL)
            procs["a"].wait(timeout=10)
            procs["a"] = start(cfg_a, logs["a"])
            check(wait_for(cfg_a, "c", "up") and wait_for(cfg_a, "b", "up"),
                  f"after SIGKILL and restart, c and b up: {peers(cfg_a)}")
            check(peers(cfg_a)["c"]["slot"] == ps["c"]["slot"], "c kept its slot")

            # A malformed state file: log lines naming file:line, the rest kept.
            with open(state_a, "a") as f:
                f.write("peer broken notakey 1.2.3.4 1\n")
                f.write(f"peer b2 {pk['b']} {IPS['b']} {PORT}\n")
                f.write("garbage\x01\xff\n")
            nlines = len(open(state_a).read().splitlines())
            procs["a"].send_signal(signal.SIGKILL)
            procs["a"].wait(timeout=10)
            logs["a"].seek(0, 2)
            mark = logs["a"].tell()
            procs["a"] = start(cfg_a, logs["a"])
            check(wait_for(cfg_a, "c", "up"), f"a malformed state file: c still added: {peers(cfg_a)}")
            logs["a"].seek(mark)
            log = logs["a"].read()
            check(f"state file {state_a}:{nlines - 2}:" in log and f"state file {state_a}:{nlines}:" in log,
                  f"bad state lines logged with file:line: {log!r}")
            check("peer b2 skipped: the config has its key as peer b" in log, f"config clash logged: {log!r}")
            check(procs["a"].poll() is None and set(peers(cfg_a)) == {"b", "c"}, f"a runs: {peers(cfg_a)}")

            # peer remove: c for good; b (config) until a reload.
            rc, out, err = ctl("peer", "remove", cfg_a, "c")
            check(rc == 0 and "peer c removed" in out, f"peer remove c: rc {rc}, {out!r}, {err!r}")
            check(wait_for(cfg_a, "c", None, 2), f"c gone: {peers(cfg_a)}")
            st = open(state_a).read()
            check(f"peer c " not in st, f"c gone from the state file: {st!r}")
            rc, out, err = ctl("peer", "remove", cfg_a, "b")
            check(rc == 0 and "config peer" in out and "b" not in peers(cfg_a), f"peer remove b: {out!r}")
            procs["a"].send_signal(signal.SIGHUP)
            check(wait_for(cfg_a, "b", "up"), f"b back after SIGHUP: {peers(cfg_a)}")
            # a reload that moves the control port: logged as waiting for a
            # restart, the sessions kept where they are
            text = open(cfg_a).read()
            open(cfg_a, "w").write(text.replace(f"control_port = {PORT}\n[control]", f"control_port = {PORT + 2}\n[control]"))
            logs["a"].seek(0, 2)
            mark = logs["a"].tell()
            procs["a"].send_signal(signal.SIGHUP)
            end = time.time() + 5
            while time.time() < end and "control_port changed" not in open(logs["a"].name).read()[mark:]:
                time.sleep(0.05)
            log = open(logs["a"].name).read()[mark:]
            check("reload: [relay] ip, ip6 or control_port changed: the control port stays where it is" in log,
                  f"a reload moving the control port is logged: {log!r}")
            open(cfg_a, "w").write(text)
            check(peers(cfg_a)["b"]["state"] == "up", f"b still up after that reload: {peers(cfg_a)}")
            procs["a"].send_signal(signal.SIGKILL)
            procs["a"].wait(timeout=10)
            procs["a"] = start(cfg_a, logs["a"])
            check(wait_for(cfg_a, "b", "up") and "c" not in peers(cfg_a), f"after restart, no c: {peers(cfg_a)}")

            # an IPv6 peer for a relay without ip6: refused
            rc, out, err = ctl("peer", "add", cfg["b"], "d", "--pubkey", pk["d"], "--ip", "::2")
            check(rc == 1 and one_line(err) and "needs 'ip6'" in err, f"b refuses an IPv6 peer: rc {rc}, {err!r}")
            if v6:
                ipv6_peer(tmp, cfg_a, state_a, procs, logs, keys, pk)

            config_check(tmp, cfg_a)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            rc = [proc.wait(timeout=10) for proc in procs.values()]
            for n in "abcd":
                if os.path.exists(f"/dev/shm/sluice-{TAG}{n}.peers"):
                    os.unlink(f"/dev/shm/sluice-{TAG}{n}.peers")
        check(rc and not any(rc), f"SIGTERM: exit {rc}")
        for n, log in logs.items():  # shown by meson when a check failed
            log.seek(0)
            sys.stderr.write(log.read())
    return summary("sluicectl_peers")


if __name__ == "__main__":
    sys.exit(main())
