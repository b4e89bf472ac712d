"""rift-agent end to end: real rift-auth + rift-backend on 127.0.0.1 and a real `rift-agent run` inside
a network namespace the test creates (agent_env.NetPair: nsA "the host" <-> nsB serving HTTP).

The agent reaches the backend through a small forwarder owned by this test: its listening socket is
created inside nsA (127.0.0.1 of nsA), and each accepted connection is relayed to the backend's
127.0.0.1 port in the test's own namespace. The agent joins nsA's network namespace only (setns in
the child), so it still sees the machine's cgroup hierarchies. Nothing outside the namespaces and
cgroups the test creates is touched. Root is required."""
import ctypes
import json
import os
import select
import signal
import socket
import ssl
import stat
import subprocess
import threading
import time

import pytest

import agent_env
from agent_env import NetPair, agent_bin, snapshot
from backend_client import Team, gql, ok

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)

REGISTER = """mutation($p: ID!, $env: String!) { registerInfra(projectID: $p, request: {name: "e2e-box",
  environmentID: $env, infrastructureType: Linux, platformName: "linux"}) { infraID token } }"""
CREATE_ENV = """mutation($p: ID!, $id: String!) { createEnvironment(projectID: $p,
  request: {environmentID: $id, name: "E2E", type: NON_PROD, tags: []}) { environmentID } }"""
CREATE_EXP = """mutation($p: ID!, $req: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $req)
  { experimentID } }"""
RUN = "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"
STOP = "mutation($p: ID!, $e: String!) { stopExperimentRuns(projectID: $p, experimentID: $e) }"
GET_RUN = """query($p: ID!, $r: ID) { getExperimentRun(projectID: $p, experimentRunID: $r) { phase resiliencyScore
  faults { step verdict weight probeSuccessPercentage } logs { seq step line } } }"""
FINAL = ("Completed", "Completed_With_Error", "Stopped", "Error", "Timeout")


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


class Forwarder:
    """Listens on 127.0.0.1:port inside netns `ns`; relays each connection to 127.0.0.1:target here.
    With tls (an ssl.SSLContext) it terminates TLS, as an https control plane would."""

    def __init__(self, ns, target, tls=None):
        self.target, self.tls, self.closed = target, tls, False
        own = os.open("/proc/self/ns/net", os.O_RDONLY)
        try:
            setns("/run/netns/" + ns)
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind(("127.0.0.1", 0))
            self.sock.listen(64)
        finally:
            if _libc.setns(own, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
            os.close(own)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(c,), daemon=True).start()

    def _relay(self, c):
        """One thread per connection moves bytes both ways (an SSL socket is used by one thread only)."""
        u = None
        try:
            c.settimeout(10)
            if self.tls:
                c = self.tls.wrap_socket(c, server_side=True)
            c.settimeout(None)
            u = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            u.settimeout(None)
            while not self.closed:
                ready = [c] if self.tls and c.pending() else select.select([c, u], [], [], 1.0)[0]
                for a, b in ((c, u), (u, c)):
                    if a in ready:
                        data = a.recv(65536)
                        if not data:
                            return
                        b.sendall(data)
        except (OSError, ssl.SSLError):
            pass   # backend down or a client that refused our certificate: the connection closes
        finally:
            for x in (c, u):
                if x is not None:
                    x.close()

    def close(self):
        self.closed = True
        self.sock.close()


@pytest.fixture
def np():
    pair = NetPair().up()
    yield pair
    pair.down()


@pytest.fixture
def web(np):
    """HTTP server on nsB's address (the target of the latency fault and of the probe)."""
    port = 18080
    p = subprocess.Popen(["ip", "netns", "exec", np.b, "python3", "-m", "http.server", "--bind", np.ip_b, str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://%s:%d/" % (np.ip_b, port)
    end = time.monotonic() + 10
    while time.monotonic() < end and np.in_a("curl", "-s", "-o", "/dev/null", url, check=False).returncode != 0:
        time.sleep(0.1)
    yield url
    p.kill()
    p.wait()


class World:
    def __init__(self, np, tmp_path, rift_auth, rift_backend):
        self.np, self.tmp = np, tmp_path
        self.auth = rift_auth()
        self.backend = rift_backend(self.auth, INFRA_POLL_TIMEOUT="2s")
        self.team = Team(self.auth.url)
        self.p = self.team.project
        self.gql(CREATE_ENV, {"p": self.p, "id": "e2e"})
        reg = self.gql(REGISTER, {"p": self.p, "env": "e2e"})["registerInfra"]
        self.infra_id, self.token = reg["infraID"], reg["token"]
        self.fwd = Forwarder(np.a, int(self.backend.rpc_url.rsplit(":", 1)[1]))
        self.state = str(tmp_path / "agent-state")
        self.agent = None

    def gql(self, q, v):
        return ok(gql(self.backend.url, self.team.owner.token, q, v))

    def start_agent(self, **env):
        e = dict(os.environ, RIFT_AGENT_CONTROL_PLANE="http://127.0.0.1:%d" % self.fwd.port,
                 RIFT_AGENT_INFRA_ID=self.infra_id, RIFT_AGENT_ACCESS_KEY=self.token,
                 RIFT_AGENT_JOURNAL=self.state, RIFT_AGENT_POLL_WAIT="2s", RIFT_AGENT_HEARTBEAT_INTERVAL="2s")
        e.update(env)
        ns = "/run/netns/" + self.np.a
        self.agent_log = open(self.tmp / "agent.log", "ab")
        self.agent = subprocess.Popen([agent_bin(), "run"], env=e, stdout=self.agent_log, stderr=subprocess.STDOUT,
                                      preexec_fn=lambda: setns(ns))
        agent_env._started_agents.append(self.agent.pid)
        return self.agent

    def agent_text(self):
        with open(self.tmp / "agent.log") as f:
            return f.read()

    def stop_agent(self):
        if self.agent and self.agent.poll() is None:
            self.agent.terminate()
            try:
                self.agent.wait(20)
            except subprocess.TimeoutExpired:
                self.agent.kill()
                self.agent.wait()
        # whatever a killed agent left behind is replayed from its journal
        subprocess.run([agent_bin(), "--recover", "--journal", self.state], capture_output=True, timeout=60,
                       preexec_fn=lambda: setns("/run/netns/" + self.np.a))

    def experiment(self, manifest, name):
        req = {"experimentName": name, "experimentManifest": json.dumps(manifest), "infraID": self.infra_id,
               "experimentDescription": "e2e", "cronSyntax": "", "isCustomExperiment": True, "weightages": []}
        return self.gql(CREATE_EXP, {"p": self.p, "req": req})["createChaosExperiment"]["experimentID"]

    def run(self, exp_id):
        return self.gql(RUN, {"p": self.p, "e": exp_id})["runChaosExperiment"]["experimentRunID"]

    def get_run(self, run_id):
        return self.gql(GET_RUN, {"p": self.p, "r": run_id})["getExperimentRun"]

    def wait_run(self, run_id, phases=FINAL, timeout=90):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r = self.get_run(run_id)
            if r["phase"] in phases:
                return r
            time.sleep(0.5)
        raise AssertionError("run %s not in %s after %ss: %s\n%s" % (run_id, phases, timeout, r, self.agent_text()))


@pytest.fixture
def world(np, tmp_path, rift_auth, rift_backend):
    w = World(np, tmp_path, rift_auth, rift_backend)
    yield w
    w.stop_agent()
    w.fwd.close()


def manifest(np, url, duration="8s", cpu_expect="200"):
    """Two faults in parallel: latency on the veth towards nsB (probe `web`), one CPU core at 100%
    (probe `web-cpu`, whose expected code decides whether it passes)."""
    def probe(name, code):
        return {"name": name, "type": "httpProbe", "mode": "Continuous",
                "runProperties": {"probeTimeout": "3s", "interval": "1s", "probePollingInterval": "1s", "attempt": 1},
                "httpProbe/inputs": {"url": url, "method": {"get": {"criteria": "==", "responseCode": code}}}}
    return {"groups": [{"steps": [
        {"name": "lat", "fault": "linux-network-latency", "duration": duration,
         "tunables": {"NETWORK_LATENCY": "100", "NETWORK_INTERFACES": np.va, "DESTINATION_IPS": np.ip_b},
         "probes": ["web"]},
        {"name": "cpu", "fault": "linux-cpu-stress", "duration": duration,
         "tunables": {"LOAD": "100", "WORKERS": "1", "CPU_CORES": "0"}, "probes": ["web-cpu"]}]}],
        "probes": [probe("web", "200"), probe("web-cpu", cpu_expect)]}


def wait_latency(np, timeout=20):
    """Average RTT to nsB once the latency is in place (None if it never was)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        _, rtt, _ = np.ping(np.ip_b, 3, interval="0.2")
        if rtt and rtt > 50:
            return np.ping(np.ip_b, 10, interval="0.1")[1]
        time.sleep(0.2)
    return None


def wait_clean(np, before, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        now = snapshot(np)
        if now == before:
            return True
        time.sleep(0.2)
    return False


def wait_registered(world, timeout=20):
    key = os.path.join(world.state, "access_key")
    end = time.monotonic() + timeout
    while time.monotonic() < end and not os.path.exists(key):
        time.sleep(0.1)
    assert os.path.exists(key), world.agent_text()
    return key


def test_two_parallel_faults_with_probes_logs_score_and_full_revert(np, web, world):
    _, base, _ = np.ping(np.ip_b, 5, interval="0.1")
    world.start_agent()
    key = wait_registered(world)
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    before = snapshot(np)
    run_id = world.run(world.experiment(manifest(np, web, cpu_expect="500"), "e2e-1"))

    rtt = wait_latency(np)
    assert rtt is not None, world.agent_text()
    print("measured: base RTT %.3f ms, during latency %.3f ms" % (base, rtt))
    assert abs(rtt - base - 100) <= 5, rtt      # 100 ms added within +-5 ms
    during = snapshot(np)
    assert during["iptables"] != before["iptables"] and during["cgroups"] != before["cgroups"]

    r = world.wait_run(run_id)
    # web passes (the service answers 200 through the latency); web-cpu expects 500 and fails
    assert r["phase"] == "Completed_With_Error", r
    faults = {f["step"]: f for f in r["faults"]}
    assert faults["lat"]["verdict"] == "Pass" and faults["lat"]["probeSuccessPercentage"] == 100
    assert faults["cpu"]["verdict"] == "Fail" and faults["cpu"]["probeSuccessPercentage"] == 0
    assert r["resiliencyScore"] == pytest.approx(50.0)   # (10 x 100 + 10 x 0) / 20
    seqs = [l["seq"] for l in r["logs"]]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 6
    text = "\n".join(l["line"] for l in r["logs"])
    assert "linux-network-latency injected" in text and "linux-cpu-stress reverted" in text
    assert "run finished: Completed_With_Error" in text
    assert wait_clean(np, before, 5), (snapshot(np), before)
    _, after, _ = np.ping(np.ip_b, 5, interval="0.1")
    assert after < base + 5

    # restart: the stored key is used, no re-registration (the one-time key is spent)
    world.agent.terminate()
    assert world.agent.wait(20) == 0
    world.start_agent()
    time.sleep(1)
    before = snapshot(np)   # the new agent process is the one in nsA now
    run2 = world.run(world.experiment(manifest(np, web, duration="2s"), "e2e-2"))
    r2 = world.wait_run(run2)
    assert r2["phase"] == "Completed" and r2["resiliencyScore"] == pytest.approx(100.0), r2
    assert "using the stored access key" in world.agent_text()
    assert wait_clean(np, before, 5)


def test_stop_from_the_control_plane_reverts_quickly(np, web, world):
    world.start_agent()
    wait_registered(world)
    before = snapshot(np)
    exp = world.experiment(manifest(np, web, duration="60s"), "e2e-stop")
    run_id = world.run(exp)
    assert wait_latency(np) is not None, world.agent_text()
    t0 = time.monotonic()
    world.gql(STOP, {"p": world.p, "e": exp})
    assert wait_clean(np, before, 10), (snapshot(np), before)
    print("measured: stop -> reverted in %.2f s" % (time.monotonic() - t0))
    r = world.wait_run(run_id, timeout=30)
    assert r["phase"] == "Stopped", r
    assert {f["verdict"] for f in r["faults"]} == {"Stopped"}


def test_backend_gone_agent_reverts_after_unreachable_timeout(np, web, world):
    world.start_agent(RIFT_AGENT_UNREACHABLE_TIMEOUT="3s")
    wait_registered(world)
    before = snapshot(np)
    run_id = world.run(world.experiment(manifest(np, web, duration="60s"), "e2e-down"))
    assert wait_latency(np) is not None, world.agent_text()
    world.backend.stop()
    t0 = time.monotonic()
    assert wait_clean(np, before, 20), (snapshot(np), before)
    took = time.monotonic() - t0
    print("measured: backend down -> reverted in %.2f s (timeout 3 s)" % took)
    # silence is counted from the last answer (a parked Poll answers every 0.5 s during a run)
    assert 2.0 <= took <= 5.5, took
    assert world.agent.poll() is None            # the agent keeps running and reconnects later
    assert "control plane unreachable too long" in world.agent_text()

    # the backend comes back: the agent reconnects (backoff), delivers every log line it kept and the
    # result, which says why the run ended
    world.backend.start()
    r = world.wait_run(run_id, timeout=60)
    assert r["phase"] == "Error", r
    seqs = [l["seq"] for l in r["logs"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert any("run finished: Error" in l["line"] for l in r["logs"]), r["logs"]


def test_sigterm_mid_run_reverts_and_reports_stopped(np, web, world):
    world.start_agent()
    wait_registered(world)
    before = snapshot(np)
    run_id = world.run(world.experiment(manifest(np, web, duration="60s"), "e2e-term"))
    assert wait_latency(np) is not None, world.agent_text()
    t0 = time.monotonic()
    world.agent.send_signal(signal.SIGTERM)
    assert world.agent.wait(20) == 0
    print("measured: SIGTERM -> agent reverted and exited in %.2f s" % (time.monotonic() - t0))
    world.agent = None
    after = snapshot(np)
    before["pids_in_host_ns"] = []          # the agent itself is gone too
    assert after == before, (after, before)
    r = world.wait_run(run_id, timeout=10)
    assert r["phase"] == "Stopped", r


def test_sigkill_mid_run_next_start_recovers_before_anything_else(np, web, world):
    world.start_agent()
    wait_registered(world)
    before = snapshot(np)
    run_id = world.run(world.experiment(manifest(np, web, duration="60s"), "e2e-kill"))
    assert wait_latency(np) is not None, world.agent_text()
    world.agent.kill()
    world.agent.wait()
    # stress workers die with the agent; the shaper's iptables chains stay until the next start
    assert snapshot(np)["iptables"] != before["iptables"]
    world.start_agent()
    end = time.monotonic() + 15
    while time.monotonic() < end and snapshot(np)["iptables"] != before["iptables"]:
        time.sleep(0.2)
    assert snapshot(np)["iptables"] == before["iptables"], world.agent_text()
    assert snapshot(np)["qdisc"] == before["qdisc"]
    assert "recovered leftover chaos" in world.agent_text()
    # the lines the killed agent had spooled, and a result saying what happened, are delivered now
    r = world.wait_run(run_id, timeout=30)
    assert r["phase"] == "Error", r
    seqs = [l["seq"] for l in r["logs"]]
    assert seqs == list(range(1, len(seqs) + 1))
    text = "\n".join(l["line"] for l in r["logs"])
    assert "linux-network-latency injected" in text and "agent restarted during the run" in text
    net = os.path.join(world.state, "net")     # the unprivileged network process keeps its spool there
    end = time.monotonic() + 5
    while time.monotonic() < end and [f for f in os.listdir(net) if f.startswith("spool-")]:
        time.sleep(0.1)
    assert not [f for f in os.listdir(net) if f.startswith("spool-")]


def make_cert(tmp, name):
    cert, key = str(tmp / (name + ".pem")), str(tmp / (name + ".key"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_https_control_plane_is_verified_against_the_pinned_ca(np, world, tmp_path):
    cert, key = make_cert(tmp_path, "server")
    other, _ = make_cert(tmp_path, "other")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    tls = Forwarder(np.a, int(world.backend.rpc_url.rsplit(":", 1)[1]), tls=ctx)
    try:
        url = "https://127.0.0.1:%d" % tls.port
        # a CA that did not sign the server's certificate: refused, the one-time key is not spent
        world.start_agent(RIFT_AGENT_CONTROL_PLANE=url, RIFT_AGENT_CA_FILE=other)
        time.sleep(3)
        assert not os.path.exists(os.path.join(world.state, "access_key"))
        assert "TLS verification of the control plane failed" in world.agent_text()
        world.stop_agent()
        # the pinned CA: registers, and the backend sees the infrastructure confirmed and active
        world.start_agent(RIFT_AGENT_CONTROL_PLANE=url, RIFT_AGENT_CA_FILE=cert)
        wait_registered(world)
        got = world.gql("query($p: ID!, $i: String!) { getInfra(projectID: $p, infraID: $i) { isActive isInfraConfirmed } }",
                        {"p": world.p, "i": world.infra_id})["getInfra"]
        assert got == {"isActive": True, "isInfraConfirmed": True}
    finally:
        tls.close()


# ---- privilege separation: the network process is unprivileged, the injector keeps root ----

def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict((k, v.strip()) for k, _, v in (line.partition(":") for line in f))


def network_process(agent, timeout=10):
    """The agent's child that talks to the control plane (the injector's only child while idle)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open("/proc/%d/task/%d/children" % (agent.pid, agent.pid)) as f:
                kids = [int(x) for x in f.read().split()]
        except FileNotFoundError:
            kids = []
        if kids:
            return kids[0]
        time.sleep(0.1)
    raise AssertionError("no network process under the agent")


def test_network_process_runs_unprivileged_and_the_injector_reverts_when_it_dies(np, web, world):
    import pwd
    nobody = pwd.getpwnam("nobody")
    world.start_agent(RIFT_AGENT_USER="nobody")   # the default is a `rift` user if the machine has one
    key = wait_registered(world)
    net = network_process(world.agent)
    ps, st = proc_status(world.agent.pid), proc_status(net)
    assert ps["Uid"].split() == ["0"] * 4                      # the injector keeps root
    assert st["Uid"].split() == [str(nobody.pw_uid)] * 4, st  # real, effective, saved, fs
    assert st["Gid"].split() == [str(nobody.pw_gid)] * 4, st
    assert st["Groups"] == ""
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(st[cap], 16) == 0, (cap, st[cap])
    assert st["NoNewPrivs"] == "1"
    assert st["Seccomp"] == "2"                               # the filter (privsep_seccomp) is on
    # its own directory (spool) is its; the key and the journal stay root's, 0600/0700
    d = os.stat(os.path.join(world.state, "net"))
    assert d.st_uid == nobody.pw_uid and stat.S_IMODE(d.st_mode) == 0o700
    k = os.stat(key)
    assert k.st_uid == 0 and stat.S_IMODE(k.st_mode) == 0o600

    # a run is injected by the injector on the network process's request ...
    before = snapshot(np)
    world.run(world.experiment(manifest(np, web, duration="60s"), "e2e-privsep"))
    assert wait_latency(np) is not None, world.agent_text()
    # ... and when the network process dies, the injector reverts everything at once and exits
    t0 = time.monotonic()
    os.kill(net, signal.SIGKILL)
    assert world.agent.wait(20) != 0
    took = time.monotonic() - t0
    after = snapshot(np)
    assert (after["iptables"], after["qdisc"], after["cgroups"]) == \
        (before["iptables"], before["qdisc"], before["cgroups"]), (after, before)
    print("measured: network process killed -> injector reverted and exited in %.2f s" % took)
    assert "reverting a fault the network process left in place" in world.agent_text()


# ---- RotateKey ----

def read_key(path):
    with open(path) as f:
        return f.read()


def test_access_key_rotates_atomically_and_the_agent_keeps_working(np, web, world):
    world.start_agent(RIFT_AGENT_KEY_ROTATION="1s")
    key = wait_registered(world)
    seen = [read_key(key)]
    end = time.monotonic() + 15
    while time.monotonic() < end and len(seen) < 3:
        k = read_key(key)
        if k and k != seen[-1]:
            seen.append(k)
        time.sleep(0.05)
    assert len(seen) >= 3, (seen, world.agent_text())          # rotated at least twice
    assert all(len(k) >= 32 for k in seen)                      # never a torn or empty file
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert not os.path.exists(key + ".tmp")
    assert world.agent_text().count("access key rotated") >= 2
    # runs keep working while the key changes under them
    r = world.wait_run(world.run(world.experiment(manifest(np, web, duration="2s"), "e2e-rot")))
    assert r["phase"] == "Completed", r
    # a restart (rotation off) authenticates with the last stored key
    world.agent.terminate()
    assert world.agent.wait(20) == 0
    last = read_key(key)
    world.start_agent(RIFT_AGENT_KEY_ROTATION="0")
    r = world.wait_run(world.run(world.experiment(manifest(np, web, duration="2s"), "e2e-rot2")))
    assert r["phase"] == "Completed", r
    assert read_key(key) == last
    assert "control plane call failed" not in world.agent_text().split("using the stored access key")[-1]


@pytest.mark.parametrize("user", ["root", "no-such-user-rift"])
def test_network_process_user_must_exist_and_not_be_root(tmp_path, user):
    env = dict(os.environ, RIFT_AGENT_CONTROL_PLANE="http://127.0.0.1:9", RIFT_AGENT_INFRA_ID="i",
               RIFT_AGENT_ACCESS_KEY="k", RIFT_AGENT_JOURNAL=str(tmp_path / "state"), RIFT_AGENT_USER=user)
    r = subprocess.run([agent_bin(), "run"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r.stderr
    assert "no unprivileged user for the network process" in r.stderr and "RIFT_AGENT_USER" in r.stderr


def test_probes_run_in_the_network_process_without_root_or_namespaces(np, world):
    """A command probe runs as the network process's user, under its seccomp filter: it cannot create a
    user namespace; the fault itself (process-stop of a root process) is still injected by the injector."""
    import pwd
    nobody = pwd.getpwnam("nobody").pw_uid
    victim = subprocess.Popen(["sleep", "60"])
    try:
        def probe(name, command, criteria, value):
            return {"name": name, "type": "cmdProbe", "mode": "EOT",
                    "runProperties": {"probeTimeout": "5s", "interval": "1s", "attempt": 1},
                    "cmdProbe/inputs": {"command": command,
                                        "comparator": {"type": "int", "criteria": criteria, "value": value}}}
        m = {"groups": [{"steps": [{"name": "stop", "fault": "linux-process-stop", "duration": "2s",
                                    "tunables": {"PROCESS_IDS": str(victim.pid)}, "probes": ["uid", "userns"]}]}],
             "probes": [probe("uid", "id -u", "==", str(nobody)),
                        probe("userns", "unshare -U true 2>/dev/null; echo $?", "!=", "0")]}
        world.start_agent(RIFT_AGENT_USER="nobody")
        wait_registered(world)
        r = world.wait_run(world.run(world.experiment(m, "e2e-probe-user")))
        assert r["phase"] == "Completed", (r, world.agent_text()[-3000:])
        assert r["faults"][0]["probeSuccessPercentage"] == 100
        text = "\n".join(l["line"] for l in r["logs"])
        assert "linux-process-stop injected" in text and "linux-process-stop reverted" in text
    finally:
        victim.kill()
        victim.wait()
