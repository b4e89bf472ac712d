"""rift-agent faults, measured for real inside network namespaces, cgroups and temp dirs the tests
create: each fault must happen while injected and leave the namespace exactly as before afterwards."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from agent_env import Agent, NetPair, TcpSinks, agent_bin, cgroup_of, rate_limit_spec, send_for, sh, snapshot

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces, iptables, cgroups)"),
    pytest.mark.skipif(not os.path.exists(agent_bin()), reason="rift-agent not built"),
]


@pytest.fixture
def np(request):
    pair = NetPair()
    request.addfinalizer(pair.down)
    return pair.up()


@pytest.fixture
def tmp(request):
    d = tempfile.mkdtemp(prefix="rift-agent-test-")
    request.addfinalizer(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


def run_fault(np, tmp, spec, during, env=None, args=(), netns=True):
    """Injects spec, runs during(event) while it is active, waits for the revert; returns (result, rc)."""
    agent = Agent(np, spec, os.path.join(tmp, "journal"), env=env, args=args, netns=netns)
    try:
        ev = agent.event()
        assert ev and ev["event"] == "injected", (ev, agent.proc.poll(), agent.stderr())
        result = during(ev)
        rc = agent.wait(timeout=spec_duration(spec) + 30)
        return result, rc
    finally:
        agent.kill()


def spec_duration(spec):
    d = spec.get("duration", "30s")
    return float(d[:-1]) if d.endswith("s") else 30


def test_latency_hits_target_only_and_reverts(np, tmp):
    before = snapshot(np)
    _, base, _ = np.ping(np.ip_b, 10)
    spec = {"fault": "linux-network-latency", "duration": "6s",
            "tunables": {"NETWORK_LATENCY": "100", "DESTINATION_IPS": np.ip_b, "NETWORK_INTERFACES": np.va}}

    def during(ev):
        assert ev["shaper"] == "nfqueue" or ev["netem_available"]
        return np.ping(np.ip_b, 20, interval="0.05"), np.ping(np.ip_b2, 20, interval="0.05")

    ((loss, rtt, _), (loss2, rtt2, _)), rc = run_fault(np, tmp, spec, during)
    print("measured: latency base=%.3f ms target=%.3f ms other=%.3f ms" % (base, rtt, rtt2))
    assert rc == 0
    assert loss == 0 and loss2 == 0
    assert abs(rtt - base - 100) <= 5, rtt   # +100 ms within +-5 ms
    assert rtt2 < 5, rtt2                    # the other address is untouched
    assert snapshot(np) == before


def test_jitter_spreads_rtt(np, tmp):
    spec = {"fault": "linux-network-latency", "duration": "6s",
            "tunables": {"NETWORK_LATENCY": "50", "JITTER": "20", "DESTINATION_IPS": np.ip_b}}
    out, rc = run_fault(np, tmp, spec, lambda ev: np.in_a("ping", "-n", "-c", "30", "-i", "0.05", np.ip_b,
                                                             check=False, timeout=30).stdout)
    rtts = [float(x) for x in re.findall(r"time=([\d.]+)", out)]
    assert rc == 0 and len(rtts) >= 28
    assert min(rtts) >= 29 and max(rtts) <= 75
    assert max(rtts) - min(rtts) >= 10        # spread, not a constant delay
    assert 40 <= sum(rtts) / len(rtts) <= 60


def test_loss_rate(np, tmp):
    before = snapshot(np)
    spec = {"fault": "linux-network-loss", "duration": "12s",
            "tunables": {"NETWORK_PACKET_LOSS_PERCENTAGE": "30", "DESTINATION_IPS": np.ip_b}}
    (loss, _, _), rc = run_fault(np, tmp, spec, lambda ev: np.ping(np.ip_b, 400, interval="0.01", wait="0.5"))
    print("measured: loss %.1f%% (asked 30%%)" % loss)
    assert rc == 0
    assert 22 <= loss <= 38, loss             # 400 packets: 30% +- 8 points (about 3.5 sigma)
    assert snapshot(np) == before


def test_corruption_breaks_checksums(np, tmp):
    spec = {"fault": "linux-network-corruption", "duration": "12s",
            "tunables": {"NETWORK_PACKET_CORRUPTION_PERCENTAGE": "50", "DESTINATION_IPS": np.ip_b}}
    # a corrupted echo request fails the peer's ICMP checksum and gets no reply
    (loss, _, _), rc = run_fault(np, tmp, spec, lambda ev: np.ping(np.ip_b, 400, interval="0.01", wait="0.5"))
    print("measured: corruption -> ping loss %.1f%% (asked 50%%)" % loss)
    assert rc == 0
    assert 41 <= loss <= 59, loss


def test_duplication(np, tmp):
    before = snapshot(np)
    spec = {"fault": "linux-network-duplication", "duration": "6s",
            "tunables": {"NETWORK_PACKET_DUPLICATION_PERCENTAGE": "100", "DESTINATION_IPS": np.ip_b}}
    (loss, _, dups), rc = run_fault(np, tmp, spec, lambda ev: np.ping(np.ip_b, 50, interval="0.02"))
    assert rc == 0 and loss == 0
    assert dups >= 48, dups                   # every request sent twice -> a duplicate reply each
    assert snapshot(np) == before


def test_partition_blocks_target_keeps_ssh_and_others(np, tmp):
    before = snapshot(np)
    srv = subprocess.Popen(["ip", "netns", "exec", np.b, "/usr/bin/python3", "-c",
                            "import socket,time\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                            "s.bind(('0.0.0.0',22));s.listen(8)\nend=time.time()+30\n"
                            "while time.time()<end:\n c,_=s.accept();c.close()"])
    try:
        time.sleep(0.3)
        spec = {"fault": "linux-network-partition", "duration": "5s", "tunables": {"DESTINATION_IPS": np.ip_b}}

        def during(ev):
            ssh = np.in_a("/usr/bin/python3", "-c", "import socket;socket.create_connection(('%s',22),2)" % np.ip_b,
                          check=False)
            return np.ping(np.ip_b, 10, wait="0.3"), np.ping(np.ip_b2, 10), ssh.returncode

        ((loss, _, _), (loss2, _, _), ssh_rc), rc = run_fault(np, tmp, spec, during)
    finally:
        srv.kill()
        srv.wait()
    assert rc == 0
    assert loss == 100 and loss2 == 0
    assert ssh_rc == 0                        # SSH (22) is excluded by default
    assert np.ping(np.ip_b, 3)[0] == 0
    assert snapshot(np) == before


def test_control_plane_is_never_cut(np, tmp):
    spec = {"fault": "linux-network-loss", "duration": "5s",
            "tunables": {"NETWORK_PACKET_LOSS_PERCENTAGE": "100", "DESTINATION_IPS": "10.200.%d.0/24" % np.n}}
    ((l_cp, _, _), (l_other, _, _)), rc = run_fault(
        np, tmp, spec, lambda ev: (np.ping(np.ip_b, 10), np.ping(np.ip_b2, 10, wait="0.3")),
        args=("--control-plane", np.ip_b))
    assert rc == 0 and l_cp == 0 and l_other == 100


def test_rate_limit_throughput(np, tmp):
    before = snapshot(np)
    with TcpSinks(np, ("0.0.0.0", 5201)) as sinks:
        def during(ev):
            qd = np.in_a("tc", "qdisc", "show", "dev", np.va).stdout
            send_for(np, np.ip_b, 5201, 4)
            return qd, sinks.bps(0)

        (qd, bps), rc = run_fault(np, tmp, rate_limit_spec(np, np.ip_b), during)
    print("measured: rate limit %.0f bit/s (asked 1mbit)" % bps)
    assert rc == 0
    assert "htb 5254:" in qd and "tbf" in qd
    assert 0.8e6 <= bps <= 1.15e6, bps       # 1 Mbit/s (+ the last burst)
    assert snapshot(np) == before


def test_rate_limit_refuses_foreign_root_qdisc(np, tmp):
    np.in_a("tc", "qdisc", "add", "dev", np.va, "root", "handle", "1:", "htb")
    before = snapshot(np)
    spec = {"fault": "linux-network-rate-limit", "duration": "5s",
            "tunables": {"NETWORK_BANDWIDTH": "1mbit", "NETWORK_INTERFACES": np.va}}
    agent = Agent(np, spec, os.path.join(tmp, "journal"))
    ev = agent.event()
    assert agent.wait() == 1
    assert ev["event"] == "inject_failed" and "refusing" in ev["error"]
    assert snapshot(np) == before             # the user's htb 1: is untouched


def test_netem_detection_and_fallback(np, tmp):
    probe = sh("unshare", "-n", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms", check=False)
    has_netem = probe.returncode == 0
    before = snapshot(np)
    spec = {"fault": "linux-network-latency", "duration": "2s",
            "tunables": {"NETWORK_LATENCY": "20", "NETWORK_INTERFACES": np.va, "SHAPER": "netem"}}
    agent = Agent(np, spec, os.path.join(tmp, "journal"))
    ev = agent.event()
    rc = agent.wait()
    if has_netem:
        assert rc == 0 and ev["shaper"] == "netem"
    else:
        assert rc == 1 and ev["event"] == "inject_failed" and "netem" in ev["error"]
    assert snapshot(np) == before
    spec["tunables"]["SHAPER"] = "auto"
    ev, rc = run_fault(np, tmp, spec, lambda e: e)
    assert rc == 0 and ev["netem_available"] == has_netem
    assert ev["shaper"] == ("netem" if has_netem else "nfqueue")


def test_sigterm_reverts_early(np, tmp):
    before = snapshot(np)
    spec = {"fault": "linux-network-latency", "duration": "60s", "tunables": {"NETWORK_LATENCY": "50"}}
    agent = Agent(np, spec, os.path.join(tmp, "journal"))
    try:
        assert agent.event()["event"] == "injected"
        assert snapshot(np) != before
        t0 = time.monotonic()
        # the agent runs under `ip netns exec`, which execs it: same pid
        agent.proc.send_signal(signal.SIGTERM)
        assert agent.wait(timeout=15) == 0
        assert time.monotonic() - t0 < 10
    finally:
        agent.kill()
    assert snapshot(np) == before


def _cpu_ns(cg):
    with open(os.path.join(cg, "cpuacct.usage")) as f:
        return int(f.read())


@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/cpuacct"), reason="needs cgroup v1 cpuacct")
def test_cpu_stress_half_a_core(np, tmp):
    before = snapshot(np)
    spec = {"fault": "linux-cpu-stress", "duration": "8s",
            "tunables": {"LOAD": "50", "WORKERS": "1", "CPU_CORES": "0"}}

    def during(ev):
        assert ev["cgroup"].startswith("/sys/fs/cgroup/cpuacct/")
        assert os.path.dirname(ev["cgroup"]) == cgroup_of(os.getpid(), "cpuacct").rstrip("/")  # below ours
        assert cgroup_of(ev["workers"][0], "cpuacct") == ev["cgroup"]
        time.sleep(1)                          # let the first periods settle
        c0, t0 = _cpu_ns(ev["cgroup"]), time.monotonic()
        time.sleep(5)
        return (_cpu_ns(ev["cgroup"]) - c0) / ((time.monotonic() - t0) * 1e9) * 100

    load, rc = run_fault(np, tmp, spec, during, netns=False)
    print("measured: cpu load %.2f%% of one core (asked 50%%)" % load)
    assert rc == 0
    assert abs(load - 50) <= 3, load
    assert snapshot(np) == before


@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/memory"), reason="needs cgroup v1 memory")
def test_memory_stress_charges_cgroup(np, tmp):
    before = snapshot(np)
    spec = {"fault": "linux-memory-stress", "duration": "5s", "tunables": {"MEMORY": "64m", "WORKERS": "2"}}

    def during(ev):
        path = os.path.join(ev["cgroup"], "memory.usage_in_bytes")
        used = 0
        for _ in range(40):                   # up to 4 s for the pages to be touched
            with open(path) as f:
                used = int(f.read())
            if used >= 64 << 20:
                break
            time.sleep(0.1)
        return used

    used, rc = run_fault(np, tmp, spec, during, netns=False)
    print("measured: memory cgroup usage %d bytes (asked 64 MiB)" % used)
    assert rc == 0
    assert 64 << 20 <= used <= 72 << 20, used
    assert snapshot(np) == before


def test_disk_fill_on_tmpfs(np, tmp):
    mnt = os.path.join(tmp, "mnt")
    os.mkdir(mnt)
    sh("mount", "-t", "tmpfs", "-o", "size=64m", "rift-test", mnt)
    try:
        before = snapshot(np, [mnt])  # noqa: the agent runs outside the netns for this one
        spec = {"fault": "linux-disk-fill", "duration": "3s", "tunables": {"FILL_PATH": mnt, "FILL_STORAGE": "50%"}}

        def during(ev):
            st = os.statvfs(mnt)
            return ev["file"], os.stat(ev["file"]).st_blocks * 512, (st.f_blocks - st.f_bfree) * st.f_frsize

        (path, allocated, used), rc = run_fault(np, tmp, spec, during, netns=False)
        assert rc == 0
        assert allocated == 32 << 20 and used >= 32 << 20
        assert not os.path.exists(path)
        assert snapshot(np, [mnt]) == before
        too_big = dict(spec, tunables={"FILL_PATH": mnt, "FILL_STORAGE": "1G"})
        agent = Agent(np, too_big, os.path.join(tmp, "journal"), netns=False)
        ev = agent.event()
        assert agent.wait() == 2
        assert ev["event"] == "invalid" and "FILL_STORAGE" in ev["error"]
    finally:
        sh("umount", mnt, check=False)


def _victim(tmp, name):
    """A copy of sleep with its own name, so name matching cannot hit anything else."""
    path = os.path.join(tmp, name)
    shutil.copy("/bin/sleep", path)
    return path


def _wait_running(name):
    for _ in range(200):                      # up to 2 s for the respawner to start the victim
        if sh("pgrep", "-x", name, check=False).stdout.strip():
            return
        time.sleep(0.01)
    raise AssertionError("victim %s never started" % name)


def _respawner(tmp, victim, pause):
    """Restarts `victim 100` whenever it dies (bounded); its own command line does not name the victim."""
    script = os.path.join(tmp, "respawn.sh")
    with open(script, "w") as f:
        f.write("for i in $(seq 1 200); do \"$V\" 100; sleep %s; done\n" % pause)
    return subprocess.Popen(["/bin/sh", script], env=dict(os.environ, V=victim))


def test_process_kill_rekills_respawns(np, tmp):
    victim = _victim(tmp, "riftvictim%d" % (os.getpid() % 1000))
    name = os.path.basename(victim)[:15]
    loop = _respawner(tmp, victim, "0.3")
    try:
        _wait_running(name)
        spec = {"fault": "linux-process-kill", "duration": "3s",
                "tunables": {"PROCESS_NAMES": name, "FORCE_KILL": "true"}}
        _, rc = run_fault(np, tmp, spec, lambda ev: None, netns=False)
        assert rc == 0
        # respawned during the fault and killed again: several kills; after the fault one stays alive
        time.sleep(1)
        alive = sh("pgrep", "-x", name, check=False).stdout.split()
        assert len(alive) == 1
    finally:
        loop.kill()
        sh("pkill", "-x", name, check=False)
        loop.wait()


def test_process_kill_counts(np, tmp):
    victim = _victim(tmp, "riftvic2%d" % (os.getpid() % 1000))
    loop = _respawner(tmp, victim, "0.2")
    _wait_running(os.path.basename(victim)[:15])
    agent = Agent(np, {"fault": "linux-process-kill", "duration": "4s",
                       "tunables": {"PROCESS_COMMAND": victim + " 100", "SIGNAL": "SIGKILL"}},
                  os.path.join(tmp, "journal"), netns=False)
    try:
        assert agent.event()["event"] == "injected"
        done = agent.event(timeout=20)
        assert agent.wait() == 0
        assert done["signals_sent"] >= 3, done
    finally:
        agent.kill()
        loop.kill()
        loop.wait()


def _state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def test_process_stop_and_continue(np, tmp):
    victim = subprocess.Popen([_victim(tmp, "riftstopme"), "100"])
    try:
        spec = {"fault": "linux-process-stop", "duration": "3s", "tunables": {"PROCESS_IDS": str(victim.pid)}}

        def during(ev):
            assert ev["stopped"] == [victim.pid]
            for _ in range(100):              # SIGSTOP takes effect asynchronously
                if _state(victim.pid) == "T":
                    break
                time.sleep(0.01)
            return _state(victim.pid)

        st, rc = run_fault(np, tmp, spec, during, netns=False)
        assert rc == 0 and st == "T"
        assert _state(victim.pid) in ("S", "R")
    finally:
        victim.kill()
        victim.wait()


@pytest.mark.parametrize("spec,needle", [
    ({"fault": "linux-cpu-stress", "tunables": {"LOAD": "101"}}, "LOAD"),
    ({"fault": "linux-cpu-stress", "tunables": {"WORKERS": "zero"}}, "WORKERS"),
    ({"fault": "linux-network-latency", "tunables": {"NETWORK_LATENCY": "-5"}}, "NETWORK_LATENCY"),
    ({"fault": "linux-network-loss", "tunables": {"DESTINATION_IPS": "10.0.0.300"}}, "DESTINATION_IPS"),
    ({"fault": "linux-network-loss", "tunables": {"DESTINATION_PORTS": "70000"}}, "DESTINATION_PORTS"),
    ({"fault": "linux-network-rate-limit", "tunables": {"NETWORK_BANDWIDTH": "fast"}}, "NETWORK_BANDWIDTH"),
    ({"fault": "linux-network-rate-limit", "tunables": {}}, "NETWORK_INTERFACES"),
    ({"fault": "linux-memory-stress", "tunables": {"MEMORY": "150%"}}, "MEMORY"),
    ({"fault": "linux-disk-fill", "tunables": {"FILL_PATH": "relative/dir"}}, "FILL_PATH"),
    ({"fault": "linux-process-kill", "tunables": {}}, "PROCESS_IDS"),
    ({"fault": "linux-process-kill", "tunables": {"PROCESS_IDS": "2", "SIGNAL": "SIGFOO"}}, "SIGNAL"),
    ({"fault": "linux-nothing"}, "unknown fault"),
    ({"fault": "linux-cpu-stress", "duration": "2 weeks"}, "duration"),
])
def test_check_rejects_bad_tunables_by_name(tmp, spec, needle):
    path = os.path.join(tmp, "spec.json")
    with open(path, "w") as f:
        f.write(json.dumps(spec))
    r = sh(agent_bin(), "check", "--spec", path, check=False)
    assert r.returncode == 2
    assert needle in r.stdout, r.stdout


def _wchar(pid):
    with open("/proc/%d/io" % pid) as f:
        return int(next(l for l in f if l.startswith("wchar:")).split()[1])


def test_disk_io_stress_writes_and_cleans_up(np, tmp):
    mnt = os.path.join(tmp, "io")
    os.mkdir(mnt)
    sh("mount", "-t", "tmpfs", "-o", "size=64m", "rift-io-test", mnt)
    try:
        before = snapshot(np, [mnt])
        spec = {"fault": "linux-disk-io-stress", "duration": "4s",
                "tunables": {"VOLUME_MOUNT_PATH": mnt, "FILE_SYSTEM_UTILISATION": "16m", "WORKERS": "2"}}

        def during(ev):
            assert len(ev["files"]) == 2 and all(f.startswith(mnt + "/rift-io-") for f in ev["files"])
            w0 = [_wchar(p) for p in ev["workers"]]
            time.sleep(1.5)
            present = sorted(os.listdir(mnt))
            return [_wchar(p) - w for p, w in zip(ev["workers"], w0)], present

        (written, present), rc = run_fault(np, tmp, spec, during, netns=False)
        print("measured: disk io %s bytes written per worker in 1.5 s" % written)
        assert rc == 0
        assert len(present) == 2
        assert all(w >= 16 << 20 for w in written), written   # each rewrote its 8 MiB file at least twice
        assert snapshot(np, [mnt]) == before
    finally:
        sh("umount", mnt, check=False)


def test_user_exclusion_and_ports(np, tmp):
    """A "!" entry is never hit, even inside an included CIDR; a host|port entry hits only that port."""
    srv = subprocess.Popen(["ip", "netns", "exec", np.b, "/usr/bin/python3", "-c",
                            "import socket,threading,time\n"
                            "def serve(p):\n s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                            " s.bind(('0.0.0.0',p));s.listen(8)\n while True:\n  c,_=s.accept();c.close()\n"
                            "for p in (8080,8081): threading.Thread(target=serve,args=(p,),daemon=True).start()\n"
                            "time.sleep(30)"])
    connect = "import socket;socket.create_connection(('%s',%d),1.5)"
    try:
        time.sleep(0.3)
        spec = {"fault": "linux-network-loss", "duration": "4s",
                "tunables": {"NETWORK_PACKET_LOSS_PERCENTAGE": "100",
                             "DESTINATION_IPS": "10.200.%d.0/24,!%s" % (np.n, np.ip_b2)}}
        (l_b, l_b2), rc = run_fault(np, tmp, spec, lambda ev: (np.ping(np.ip_b, 5, wait="0.3")[0],
                                                              np.ping(np.ip_b2, 5)[0]))
        assert rc == 0 and l_b == 100 and l_b2 == 0

        spec["tunables"]["DESTINATION_IPS"] = "%s|8080" % np.ip_b

        def during(ev):
            return [np.in_a("/usr/bin/python3", "-c", connect % (np.ip_b, p), check=False).returncode
                    for p in (8080, 8081)], np.ping(np.ip_b, 5)[0]

        ((rc_8080, rc_8081), l_ping), rc = run_fault(np, tmp, spec, during)
    finally:
        srv.kill()
        srv.wait()
    assert rc == 0
    assert rc_8080 != 0 and rc_8081 == 0 and l_ping == 0


def test_revert_releases_held_packets(np, tmp):
    """Stopping a latency fault early lets every delayed packet go: no loss across the revert."""
    spec = {"fault": "linux-network-latency", "duration": "60s",
            "tunables": {"NETWORK_LATENCY": "300", "DESTINATION_IPS": np.ip_b}}
    agent = Agent(np, spec, os.path.join(tmp, "journal"))
    try:
        assert agent.event()["event"] == "injected"
        ping = subprocess.Popen(["ip", "netns", "exec", np.a, "ping", "-n", "-c", "40", "-i", "0.05", "-W", "3",
                                 np.ip_b], stdout=subprocess.PIPE, text=True)
        time.sleep(1)                          # about 6 echo requests are held by the shaper now
        agent.proc.send_signal(signal.SIGTERM)
        assert agent.wait(timeout=15) == 0
        out = ping.communicate(timeout=30)[0]
    finally:
        agent.kill()
    loss = float(re.search(r"([\d.]+)% packet loss", out).group(1))
    assert loss == 0, out
