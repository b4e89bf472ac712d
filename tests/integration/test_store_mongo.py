"""The document-store suite (tests/unit/test_store.c) against a MongoDB wire-protocol server.

No mongod can be installed on Debian 12, so scripts/mongo-compat.sh runs congodb (a pure-JavaScript
MongoDB-compatible server, in memory) on 127.0.0.1 and a free port. The same cmocka binary that
tests SQLite then runs with RIFT_STORE_URI=mongodb://127.0.0.1:PORT/rifttest; every test must pass
except the two that only apply to a SQLite file, which the binary itself skips.
"""
import os
import pathlib
import re
import socket
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("RIFT_BUILD") or ROOT / "build")
SCRIPT = ROOT / "scripts" / "mongo-compat.sh"
SQLITE_ONLY = {"reopen_keeps_data", "sqlite_file_uses_wal"}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mongo_port():
    port = free_port()
    folder = BUILD / "mongo-compat"
    start = subprocess.run([str(SCRIPT), "start", str(port), str(folder)], capture_output=True, text=True,
                           timeout=600)
    try:
        assert start.returncode == 0, f"mongo-compat start failed:\n{start.stdout}\n{start.stderr}"
        yield port
    finally:
        subprocess.run([str(SCRIPT), "stop", str(port), str(folder)], capture_output=True, timeout=60)


def run_suite(uri):
    binary = BUILD / "tests" / "test_store"
    assert binary.exists(), f"{binary} is not built (make BUILD=... {binary})"
    env = dict(os.environ, RIFT_STORE_URI=uri, CMOCKA_MESSAGE_OUTPUT="stdout")
    return subprocess.run([str(binary)], capture_output=True, text=True, timeout=600, env=env)


def test_store_suite_passes_on_mongodb(mongo_port):
    r = run_suite(f"mongodb://127.0.0.1:{mongo_port}/rifttest")
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    ran = int(re.search(r"\[==========\] (\d+) test\(s\) run", out).group(1))
    passed = int(re.search(r"\[  PASSED  \] (\d+) test", out).group(1))
    skipped = set(re.findall(r"^\[  SKIPPED \] (\w+)$", out, re.M))
    assert "FAILED" not in out, out
    assert skipped == SQLITE_ONLY, out
    assert passed == ran - len(SQLITE_ONLY) and passed >= 16, out


def test_second_run_on_same_database_passes(mongo_port):
    """Collections are named per run, so the suite can run again against the data left behind."""
    r = run_suite(f"mongodb://127.0.0.1:{mongo_port}/rifttest")
    assert r.returncode == 0, r.stdout + r.stderr


def test_stopped_server_is_reported_unavailable(tmp_path):
    """The suite refuses to run (setup fails) rather than pass when the server is gone."""
    port = free_port()  # nothing listens here
    r = run_suite(f"mongodb://127.0.0.1:{port}/rifttest?serverSelectionTimeoutMS=300")
    assert r.returncode != 0
