"""What the tool tests share: where the build and the vectors are, and a
tally of checks that names each failure (the exit status is the verdict)."""
import os
import sys

BUILD = os.environ.get("SLUICE_BUILD_DIR", "build")
VECTORS = os.environ.get("SLUICE_VECTORS_DIR", "")
_tally = {"passed": 0, "failed": 0}


def check(cond, what):
    if cond:
        _tally["passed"] += 1
    else:
        _tally["failed"] += 1
        print(f"FAIL: {what}", file=sys.stderr)


def vectors_absent(path):
    """The exit status for a test whose vectors at `path` are absent: fail
    under SLUICE_REQUIRE_VECTORS=1 (CI), else skip (77) unless a check run
    before already failed."""
    if os.environ.get("SLUICE_REQUIRE_VECTORS") == "1":
        print(f"FAIL: {path!r} is absent and SLUICE_REQUIRE_VECTORS=1", file=sys.stderr)
        return 1
    print(f"skip: {path!r} is absent (test vectors from ../shared/vectors)")
    return 1 if _tally["failed"] else 77


def summary(name):
    """Print the closing line and return the exit status."""
    print(f"{name}: {_tally['passed']} passed, {_tally['failed']} failed")
    return 1 if _tally["failed"] else 0
