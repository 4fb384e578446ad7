"""The hashed lock files agree with their pinned inputs, and everything installs from them.

requirements.txt and requirements-dev.txt are the inputs (one pin per direct dependency);
`make lock` (pip-compile --generate-hashes) writes requirements.lock and
requirements-dev.lock. A pin changed in an input without `make lock` fails here, in CI,
instead of at the next fresh install.
"""

import re
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """name -> version of the `name==version` lines (extras and comments dropped)."""
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\#]+)", line)
        if match:
            found[canonical(match[1])] = match[3]
    return found


def locked(path: Path) -> dict[str, list[str]]:
    """name==version -> its hashes, as pip-compile writes them (a backslash continues)."""
    entries = {}
    for block in re.split(r"\n(?=\S)", path.read_text()):
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", block)
        if match:
            entries[f"{canonical(match[1])}=={match[2]}"] = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
    return entries


@pytest.mark.parametrize(
    ("inputs", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_every_pinned_input_is_in_its_lock_at_the_same_version(inputs, lock):
    wanted = pins(PROJECT / inputs)
    if inputs == "requirements-dev.txt":
        wanted |= pins(PROJECT / "requirements.txt")  # it includes it with -r
    have = pins(PROJECT / lock)
    differ = {
        name: (version, have.get(name)) for name, version in wanted.items() if version != have.get(name)
    }
    assert differ == {}, f"run `make lock`: (input, lock) versions differ for {differ}"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_carries_its_hashes(lock):
    entries = locked(PROJECT / lock)
    assert len(entries) > 20
    assert [entry for entry, hashes in entries.items() if not hashes] == []


def test_the_dev_lock_has_the_runtime_lock_versions():
    # Tests run on what production runs: `make lock` constrains one by the other.
    runtime, dev = pins(PROJECT / "requirements.lock"), pins(PROJECT / "requirements-dev.lock")
    assert {name: version for name, version in runtime.items() if dev.get(name) != version} == {}


def test_make_installs_only_from_the_locks_with_hashes():
    makefile = (PROJECT / "Makefile").read_text()
    installs = re.findall(r"pip install[^\n]*", makefile)
    assert installs, "the Makefile installs nothing?"
    for install in installs:
        assert "--require-hashes" in install, install
        assert re.search(r"-r requirements(-dev)?\.lock\b", install), install
    assert re.search(r"(?m)^lock:", makefile) and "--generate-hashes" in makefile
    assert re.search(r"(?m)^audit:", makefile) and "pip-audit" in makefile
