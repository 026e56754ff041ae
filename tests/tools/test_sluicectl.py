#!/usr/bin/python3
"""sluicectl keygen and pubkey: the key file and its mode, the printed
public key, refusals (exit 1, one line on stderr naming the file), usage
errors (exit 2) and --help (exit 0).

Env: SLUICE_BUILD_DIR (the build folder)."""
import os
import re
import stat
import subprocess
import sys
import tempfile

from sl_tooltest import BUILD, check, summary

TOOL = os.path.join(BUILD, "control", "sluicectl")
B58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")
# RFC 8032 TEST 1: seed, then its public key; in base58, Solana's form.
RFC_SK = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
                       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC_B58 = "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z"


def run(*args):
    p = subprocess.run([TOOL, *args], capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def write(path, text, mode):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def one_line(err):
    return err.endswith("\n") and err.count("\n") == 1


def keygen_and_pubkey(tmp):
    key = os.path.join(tmp, "relay.json")
    rc, out, err = run("keygen", key)
    pk = out.strip()
    check(rc == 0 and B58.match(pk) and out == pk + "\n" and err == "",
          f"keygen: rc {rc}, stdout {out!r}, stderr {err!r}")
    check(os.path.exists(key) and stat.S_IMODE(os.stat(key).st_mode) == 0o600,
          f"keygen: {key} should exist with mode 0600")
    check(sorted(os.listdir(tmp)) == ["relay.json"], f"keygen left {os.listdir(tmp)}")
    rc, out, err = run("pubkey", key)
    check(rc == 0 and out == pk + "\n", f"pubkey: rc {rc}, {out!r} should be {pk!r}, {err!r}")

    # An existing file: refused and untouched without --force, replaced with it.
    before = open(key).read()
    rc, out, err = run("keygen", key)
    check(rc == 1 and out == "" and one_line(err) and key in err and "--force" in err,
          f"keygen over an existing file: rc {rc}, stdout {out!r}, stderr {err!r}")
    check(open(key).read() == before, "keygen without --force changed the file")
    rc, out, err = run("keygen", key, "--force")
    pk2 = out.strip()
    check(rc == 0 and B58.match(pk2) and pk2 != pk and open(key).read() != before,
          f"keygen --force: rc {rc}, {out!r} (old {pk}), {err!r}")
    rc, out, err = run("pubkey", key)
    check(rc == 0 and out.strip() == pk2, f"pubkey after --force: {out!r} should be {pk2!r}")
    check(stat.S_IMODE(os.stat(key).st_mode) == 0o600, "keygen --force: mode not 0600")
    rc, out, err = run("keygen", "--force", "--", key)
    check(rc == 0 and B58.match(out.strip()), f"keygen --force -- FILE: rc {rc}, {err!r}")


def solana_keyfile(tmp):
    # As solana-keygen writes it: no spaces, no newline.
    key = os.path.join(tmp, "solana.json")
    write(key, "[" + ",".join(str(b) for b in RFC_SK) + "]", 0o600)
    rc, out, err = run("pubkey", key)
    check(rc == 0 and out == RFC_B58 + "\n", f"pubkey of the RFC 8032 key: rc {rc}, {out!r}, {err!r}")


def refusals(tmp):
    good = "[" + ",".join(str(b) for b in RFC_SK) + "]\n"
    cases = {
        "missing.json": (None, None),
        "open.json": (good, 0o644),
        "group.json": (good, 0o640),
        "short.json": ("[" + ",".join(str(b) for b in RFC_SK[:63]) + "]\n", 0o600),
        "letters.json": (good.replace("157", "abc", 1), 0o600),
        "mismatch.json": (good.replace(",26]", ",27]"), 0o600),
        "empty.json": ("", 0o600),
    }
    for name, (text, mode) in cases.items():
        path = os.path.join(tmp, name)
        if text is not None:
            write(path, text, mode)
        rc, out, err = run("pubkey", path)
        check(rc == 1 and out == "" and one_line(err) and path in err,
              f"pubkey {name}: rc {rc}, stdout {out!r}, stderr {err!r}")
    # keygen into a folder that does not exist.
    path = os.path.join(tmp, "nowhere", "key.json")
    rc, out, err = run("keygen", path)
    check(rc == 1 and out == "" and one_line(err) and path in err,
          f"keygen into a missing folder: rc {rc}, stderr {err!r}")


def usage(tmp):
    key = os.path.join(tmp, "u.json")
    for args in [(), ("bogus",), ("--bogus",), ("keygen",), ("pubkey",),
                 ("keygen", key, "--bogus"), ("pubkey", key, "--force"),
                 ("pubkey", key, key), ("keygen", "-x", key)]:
        rc, out, err = run(*args)
        check(rc == 2 and out == "" and one_line(err) and err.startswith("sluicectl: "),
              f"usage error {args}: rc {rc}, stdout {out!r}, stderr {err!r}")
    check(not os.path.exists(key), "a usage error wrote a key file")
    for args, want in [(("--help",), "usage: sluicectl COMMAND"), (("-h",), "usage: sluicectl COMMAND"),
                       (("keygen", "--help"), "usage: sluicectl keygen FILE [--force]"),
                       (("pubkey", "-h"), "usage: sluicectl pubkey FILE"),
                       (("keygen", key, "--help"), "usage: sluicectl keygen")]:
        rc, out, err = run(*args)
        check(rc == 0 and out.startswith(want) and err == "",
              f"{args}: rc {rc}, stdout {out[:60]!r}, stderr {err!r}")
    rc, out, err = run("--help")
    check("keygen" in out and "pubkey" in out, "sluicectl --help lists keygen and pubkey")
    check(not os.path.exists(key), "--help wrote a key file")


def main():
    with tempfile.TemporaryDirectory(prefix="sluicectl-") as tmp:
        for part in (keygen_and_pubkey, solana_keyfile, refusals, usage):
            sub = os.path.join(tmp, part.__name__)
            os.mkdir(sub)
            part(sub)
    return summary("sluicectl")


if __name__ == "__main__":
    sys.exit(main())
