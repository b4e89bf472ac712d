"""Crash tests: rift-agent dies (RIFT_AGENT_CRASH_AT=<point> makes it _exit at a named point, or it gets
SIGKILL) and `rift-agent --recover` must bring the machine back exactly as it was, from the journal."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from agent_env import Agent, NetPair, agent_bin, recover, sh, snapshot

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces, iptables, cgroups)"),
    pytest.mark.skipif(not os.path.exists(agent_bin()), reason="rift-agent not built"),
]

CRASH_EXIT = 77
# points every fault reaches, and later repetitions that some faults reach
ALWAYS = ["after-record", "after-change", "after-inject", "mid-revert"]
SOMETIMES = ["after-record:2", "after-change:2", "after-record:3"]


@pytest.fixture
def np(request):
    pair = NetPair()
    request.addfinalizer(pair.down)
    return pair.up()


@pytest.fixture
def tmp(request):
    d = tempfile.mkdtemp(prefix="rift-agent-crash-")
    request.addfinalizer(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


@pytest.fixture
def victim(request, tmp):
    path = os.path.join(tmp, "riftcrashvic")
    shutil.copy("/bin/sleep", path)
    p = subprocess.Popen([path, "100"])

    def fin():
        p.kill()
        p.wait()
    request.addfinalizer(fin)
    return p


def _state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def specs(np, tmp, victim):
    """(spec, runs in the netns?) for each kind of change the journal knows."""
    return {
        "latency": ({"fault": "linux-network-latency", "duration": "1s",
                     "tunables": {"NETWORK_LATENCY": "30", "DESTINATION_IPS": np.ip_b, "NETWORK_INTERFACES": np.va}}, True),
        "partition": ({"fault": "linux-network-partition", "duration": "1s",
                       "tunables": {"DESTINATION_IPS": np.ip_b}}, True),
        "rate-limit": ({"fault": "linux-network-rate-limit", "duration": "1s",
                        "tunables": {"NETWORK_BANDWIDTH": "1mbit", "NETWORK_INTERFACES": np.va}}, True),
        "cpu-stress": ({"fault": "linux-cpu-stress", "duration": "1s", "tunables": {"LOAD": "20", "WORKERS": "2"}}, False),
        "disk-fill": ({"fault": "linux-disk-fill", "duration": "1s",
                       "tunables": {"FILL_PATH": tmp + "/fill", "FILL_STORAGE": "1m"}}, False),
        "disk-io": ({"fault": "linux-disk-io-stress", "duration": "1s",
                     "tunables": {"VOLUME_MOUNT_PATH": tmp + "/fill", "FILE_SYSTEM_UTILISATION": "2m", "WORKERS": "2"}},
                    False),
        "process-stop": ({"fault": "linux-process-stop", "duration": "1s",
                          "tunables": {"PROCESS_IDS": str(victim.pid)}}, False),
        "dns-error": ({"fault": "linux-dns-error", "duration": "1s",
                       "tunables": {"HOST_NAMES": "blocked.example", "DESTINATION_IPS": np.ip_b}}, True),
    }


def crash_and_recover(np, tmp, victim, kind, point, must_crash):
    os.makedirs(tmp + "/fill", exist_ok=True)
    spec, in_ns = specs(np, tmp, victim)[kind]
    journal = os.path.join(tmp, "journal")
    before = snapshot(np, [tmp + "/fill"])
    agent = Agent(np, spec, journal, env={"RIFT_AGENT_CRASH_AT": point}, netns=in_ns)
    rc = agent.wait(timeout=30)
    if must_crash:
        assert rc == CRASH_EXIT, (rc, agent.stderr())
    else:
        assert rc in (0, CRASH_EXIT), (rc, agent.stderr())
    if point == "after-inject":
        # the crash left the fault in place: only the journal can undo it
        left = snapshot(np, [tmp + "/fill"]) != before
        assert left or (kind == "process-stop" and _state(victim.pid) == "T")
    r = recover(np, journal, netns=in_ns)
    assert r.returncode == 0, r.stderr
    after = snapshot(np, [tmp + "/fill"])
    assert after == before
    if kind == "process-stop":
        for _ in range(100):
            if _state(victim.pid) != "T":
                break
            time.sleep(0.01)
        assert _state(victim.pid) in ("S", "R")
    # replaying again finds nothing to do and changes nothing
    assert recover(np, journal, netns=in_ns).returncode == 0
    assert snapshot(np, [tmp + "/fill"]) == before
    return rc


@pytest.mark.parametrize("point", ALWAYS)
@pytest.mark.parametrize("kind", ["latency", "partition", "rate-limit", "cpu-stress", "disk-fill", "disk-io",
                                  "process-stop", "dns-error"])
def test_crash_point_then_recover(np, tmp, victim, kind, point):
    crash_and_recover(np, tmp, victim, kind, point, must_crash=True)


@pytest.mark.parametrize("point", SOMETIMES)
@pytest.mark.parametrize("kind", ["latency", "partition", "cpu-stress", "disk-fill", "disk-io"])
def test_later_crash_points_then_recover(np, tmp, victim, kind, point):
    crash_and_recover(np, tmp, victim, kind, point, must_crash=False)


def test_sigkill_mid_fault_then_next_inject_recovers_first(np, tmp):
    before = snapshot(np)
    journal = os.path.join(tmp, "journal")
    spec = {"fault": "linux-network-partition", "duration": "60s", "tunables": {"DESTINATION_IPS": np.ip_b}}
    agent = Agent(np, spec, journal)
    assert agent.event()["event"] == "injected"
    agent.proc.send_signal(signal.SIGKILL)
    agent.wait()
    assert np.ping(np.ip_b, 3, wait="0.3")[0] == 100   # still partitioned: nobody reverted
    # the next run replays the journal before anything else, then runs its own fault
    spec2 = {"fault": "linux-network-loss", "duration": "1s",
             "tunables": {"NETWORK_PACKET_LOSS_PERCENTAGE": "1", "DESTINATION_IPS": np.ip_b2}}
    agent2 = Agent(np, spec2, journal)
    ev = agent2.event()
    assert ev["event"] == "injected"
    assert np.ping(np.ip_b, 3)[0] == 0                 # the old partition is gone
    assert agent2.wait() == 0
    assert snapshot(np) == before


def test_torn_journal_tail_is_ignored_by_recover(np, tmp):
    before = snapshot(np)
    journal = os.path.join(tmp, "journal")
    spec = {"fault": "linux-network-partition", "duration": "60s", "tunables": {"DESTINATION_IPS": np.ip_b}}
    agent = Agent(np, spec, journal)
    assert agent.event()["event"] == "injected"
    agent.proc.send_signal(signal.SIGKILL)
    agent.wait()
    with open(os.path.join(journal, "journal"), "a") as f:
        f.write('00000040 deadbeef {"id":99,"kind":"fi')     # a record cut mid-write
    assert recover(np, journal).returncode == 0
    assert snapshot(np) == before
    assert os.path.getsize(os.path.join(journal, "journal")) == 0
