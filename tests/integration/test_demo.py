"""The README's first run: scripts/run-local.sh started for real (rift-auth, rift-backend and the demo of
scripts/run.d/30-demo.sh: two network namespaces, a demo HTTP service, a registered rift-agent, a saved
sample experiment), then scripts/demo-run.sh as a user would run it. Ports are free ports, RUN is a
temporary directory and the namespaces have names of their own, so a `make run` of the user's is not
disturbed. SIGTERM to run-local.sh must remove the namespaces and every process it started. Root is
required (namespaces, faults)."""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import BUILD, ROOT, free_port

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces, faults)")

BINS = ("rift-auth", "rift-backend", "rift-agent")


def netns_list():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def session_pids(sid):
    """Processes still in run-local.sh's session (everything it started, zombies included)."""
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid:     # state ppid pgrp session
                pids.append(int(d))
    return pids


@pytest.fixture
def stack(tmp_path):
    missing = [b for b in BINS if not (BUILD / "bin" / b).exists()]
    if missing:
        pytest.skip("not built: " + ", ".join(missing))
    tag = "%d" % (os.getpid() % 100000)
    names = {"DEMO_NS": "rdemo-a" + tag, "DEMO_SVC_NS": "rdemo-b" + tag}
    env = dict(os.environ, BUILD=str(BUILD.resolve()), RUN=str(tmp_path / "run"), DEMO_VETH="rdv" + tag,
               REST_PORT=str(free_port()), RPC_PORT=str(free_port()), BACKEND_HTTP_PORT=str(free_port()),
               BACKEND_RPC_PORT=str(free_port()), **names)
    out = open(tmp_path / "run-local.out", "w+")
    proc = subprocess.Popen([str(ROOT / "scripts" / "run-local.sh")], env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    s = {"proc": proc, "env": env, "run": tmp_path / "run", "names": names, "out": out}
    try:
        yield s
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        for p in session_pids(proc.pid):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for ns in names.values():
            if ns in netns_list():
                subprocess.run(["ip", "netns", "del", ns], timeout=10)
        out.close()


def output(s):
    s["out"].flush()
    with open(s["out"].name) as f:
        return f.read()


def wait_ready(s, timeout=60):
    env_file = s["run"] / "demo.env"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if env_file.exists() and "DEMO_READY" in env_file.read_text().split():
            return
        assert s["proc"].poll() is None, output(s)
        time.sleep(0.2)
    raise AssertionError("demo not ready after %ss:\n%s" % (timeout, output(s)))


def test_make_run_demo_runs_a_real_experiment_and_stops_clean(stack):
    t0 = time.monotonic()
    wait_ready(stack)
    ready = time.monotonic() - t0
    text = output(stack)
    assert "run: demo: experiment \"rift-demo\" saved" in text, text
    assert set(stack["names"].values()) <= netns_list()

    r = subprocess.run([str(ROOT / "scripts" / "demo-run.sh")], env=stack["env"], capture_output=True, text=True,
                       timeout=150)
    out = r.stdout + r.stderr
    total = time.monotonic() - t0
    print(out)
    print("measured: demo ready %.1f s after start, experiment finished %.1f s after start" % (ready, total))
    assert r.returncode == 0, out + output(stack)
    assert "demo-run: phase Completed" in out
    # the fault really happened: the agent's log lines and a measured RTT with 200 ms added
    assert "linux-network-latency injected" in out and "linux-network-latency reverted" in out
    m = re.search(r"measured ping RTT .*: ([\d.]+) ms before, ([\d.]+) ms with the fault", out)
    assert m, out
    before, during = float(m.group(1)), float(m.group(2))
    assert abs(during - before - 200) <= 20, (before, during)
    assert re.search(r"demo-run: probe demo-http: verdict Passed, success 100%", out), out
    assert re.search(r"demo-run: fault latency \(linux-network-latency\): verdict Pass", out), out
    score = re.search(r"demo-run: resilience score ([\d.]+)$", out, re.M)
    assert score and float(score.group(1)) == pytest.approx(100.0), out

    # the agent reaped every worker it started (no zombies left behind by a finished run)
    started = session_pids(stack["proc"].pid)
    zombies = []
    for pid in started:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z":
            zombies.append(pid)
    assert zombies == [], zombies

    # Ctrl-C / SIGTERM: every process and both namespaces go away
    assert len(started) >= 6, started    # run-local, auth, backend, demo service, relay, agent
    stack["proc"].send_signal(signal.SIGTERM)
    stack["proc"].wait(30)
    end = time.monotonic() + 10
    while time.monotonic() < end and session_pids(stack["proc"].pid):
        time.sleep(0.2)
    assert session_pids(stack["proc"].pid) == []
    assert not set(stack["names"].values()) & netns_list()


@pytest.fixture
def nobody_dir():
    """A directory `nobody` can write (pytest's tmp_path sits under root-only 0700 directories)."""
    d = tempfile.mkdtemp(prefix="rift-demo-")
    os.chmod(d, 0o777)
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


def test_without_root_the_demo_is_skipped_with_a_clear_line(nobody_dir):
    """run-local.sh as `nobody`: rift-auth and rift-backend start, the demo says it needs root and
    creates nothing; SIGTERM stops everything."""
    missing = [b for b in BINS if not (BUILD / "bin" / b).exists()]
    if missing:
        pytest.skip("not built: " + ", ".join(missing))
    run = nobody_dir
    ns = "rdemo-n%d" % (os.getpid() % 100000)
    env = dict(os.environ, BUILD=str(BUILD.resolve()), RUN=str(run), DEMO_NS=ns, DEMO_SVC_NS=ns + "s",
               REST_PORT=str(free_port()), RPC_PORT=str(free_port()), BACKEND_HTTP_PORT=str(free_port()),
               BACKEND_RPC_PORT=str(free_port()), HOME="/tmp")
    out_path = run / "out"
    with open(out_path, "w") as out:
        proc = subprocess.Popen([str(ROOT / "scripts" / "run-local.sh")], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, user=65534, group=65534,
                                extra_groups=[])
    try:
        end = time.monotonic() + 30
        while time.monotonic() < end and "stack is up" not in out_path.read_text() and proc.poll() is None:
            time.sleep(0.2)
        text = out_path.read_text()
        assert "run: demo: the demo agent needs root (network namespaces, faults); skipped" in text, text
        assert "rift-backend GraphQL on" in text and "stack is up" in text, text
        assert not {ns, ns + "s"} & netns_list()
        assert not (run / "demo.env").exists()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        end = time.monotonic() + 10
        while time.monotonic() < end and session_pids(proc.pid):
            time.sleep(0.2)
        assert session_pids(proc.pid) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in session_pids(proc.pid):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
