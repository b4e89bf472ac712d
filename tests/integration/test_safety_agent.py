"""Safety controls with real rift-agents in network namespaces (root): an emergency stop reverts the
faults of several agents at once and blocks new runs; a dry run changes nothing in the namespace; the
agent's local policy refuses a task the backend allowed and says why; an unsafe policy file stops it."""
import json
import os
import subprocess
import time

import pytest

import agent_env
from agent_env import NetPair, agent_bin, snapshot
from backend_client import Team, errors, gql, ok
from test_agent_e2e import CREATE_ENV, CREATE_EXP, REGISTER, Forwarder, setns

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")

RUN = "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"
DRY = "mutation($p: ID!, $e: String!) { dryRunChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"
GET_RUN = """query($p: ID!, $r: ID) { getExperimentRun(projectID: $p, experimentRunID: $r) { phase message dryRun
  faults { step verdict message } logs(limit: 100) { seq step line } } }"""
ESTOP = "mutation($p: ID!) { emergencyStop(projectID: $p, reason: \"test\") { active runsStopped } }"
FINAL = ("Completed", "Completed_With_Error", "Stopped", "Error", "Timeout")


class Box:
    """One machine: a namespace pair, a registered infrastructure and its rift-agent."""

    def __init__(self, world, name):
        self.np = NetPair().up()
        self.world = world
        reg = world.gql(REGISTER, {"p": world.p, "env": "safety"})["registerInfra"]
        self.infra_id, self.token = reg["infraID"], reg["token"]
        self.fwd = Forwarder(self.np.a, int(world.backend.rpc_url.rsplit(":", 1)[1]))
        self.state = str(world.tmp / ("state-" + name))
        self.log_path = world.tmp / ("agent-" + name + ".log")
        self.agent = None

    def start(self, **env):
        e = dict(os.environ, RIFT_AGENT_CONTROL_PLANE="http://127.0.0.1:%d" % self.fwd.port,
                 RIFT_AGENT_INFRA_ID=self.infra_id, RIFT_AGENT_ACCESS_KEY=self.token,
                 RIFT_AGENT_JOURNAL=self.state, RIFT_AGENT_POLL_WAIT="2s", RIFT_AGENT_HEARTBEAT_INTERVAL="2s")
        e.update(env)
        ns = "/run/netns/" + self.np.a
        log = open(self.log_path, "ab")
        self.agent = subprocess.Popen([agent_bin(), "run"], env=e, stdout=log, stderr=subprocess.STDOUT,
                                      preexec_fn=lambda: setns(ns))
        agent_env._started_agents.append(self.agent.pid)
        return self.agent

    def text(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def wait_registered(self, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end and not os.path.exists(os.path.join(self.state, "access_key")):
            time.sleep(0.1)
        assert os.path.exists(os.path.join(self.state, "access_key")), self.text()

    def close(self):
        if self.agent and self.agent.poll() is None:
            self.agent.terminate()
            try:
                self.agent.wait(20)
            except subprocess.TimeoutExpired:
                self.agent.kill()
                self.agent.wait()
        subprocess.run([agent_bin(), "--recover", "--journal", self.state], capture_output=True, timeout=60,
                       preexec_fn=lambda: setns("/run/netns/" + self.np.a))
        self.fwd.close()
        self.np.down()

    def latency_manifest(self, duration="60s"):
        return {"groups": [{"steps": [{"name": "lat", "fault": "linux-network-latency", "duration": duration,
                                       "tunables": {"NETWORK_LATENCY": "100", "NETWORK_INTERFACES": self.np.va,
                                                    "DESTINATION_IPS": self.np.ip_b}}]}]}

    def rtt(self):
        return self.np.ping(self.np.ip_b, 3, interval="0.1")[1]


class World:
    def __init__(self, tmp_path, rift_auth, rift_backend):
        self.tmp = tmp_path
        self.auth = rift_auth()
        self.backend = rift_backend(self.auth, INFRA_POLL_TIMEOUT="20s")
        self.team = Team(self.auth.url)
        self.p = self.team.project
        self.gql(CREATE_ENV, {"p": self.p, "id": "safety"})
        self.boxes = []

    def gql(self, q, v, token=None):
        return ok(gql(self.backend.url, token or self.team.owner.token, q, v))

    def box(self, name):
        b = Box(self, name)
        self.boxes.append(b)
        return b

    def experiment(self, box, manifest, name):
        req = {"experimentName": name, "experimentManifest": json.dumps(manifest), "infraID": box.infra_id,
               "experimentDescription": "safety", "cronSyntax": "", "isCustomExperiment": True, "weightages": []}
        return self.gql(CREATE_EXP, {"p": self.p, "req": req})["createChaosExperiment"]["experimentID"]

    def get_run(self, run_id):
        return self.gql(GET_RUN, {"p": self.p, "r": run_id})["getExperimentRun"]

    def wait_run(self, run_id, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r = self.get_run(run_id)
            if r["phase"] in FINAL:
                return r
            time.sleep(0.3)
        raise AssertionError("run %s not final: %s" % (run_id, r))


@pytest.fixture
def world(tmp_path, rift_auth, rift_backend):
    w = World(tmp_path, rift_auth, rift_backend)
    yield w
    for b in w.boxes:  # SIGTERM to every agent first, then wait for each
        if b.agent and b.agent.poll() is None:
            b.agent.terminate()
    for b in w.boxes:
        b.close()


def wait_until(cond, timeout, step=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return False


def test_emergency_stop_reverts_every_agent_and_blocks_new_runs(world):
    boxes = [world.box("m%d" % i) for i in range(3)]
    for b in boxes:
        b.start()
    for b in boxes:
        b.wait_registered()
    befores = [snapshot(b.np) for b in boxes]
    runs = []
    for i, b in enumerate(boxes):
        exp = world.experiment(b, b.latency_manifest(), "lat-%d" % i)
        runs.append((exp, world.gql(RUN, {"p": world.p, "e": exp}, world.team.executor.token)
                     ["runChaosExperiment"]["experimentRunID"]))
    for b in boxes:
        assert wait_until(lambda: (b.rtt() or 0) > 50, 20), b.text()
    # any member may press it: the Viewer does
    st = world.gql(ESTOP, {"p": world.p}, world.team.viewer.token)["emergencyStop"]
    assert st == {"active": True, "runsStopped": 3}
    for b, before in zip(boxes, befores):
        assert wait_until(lambda: snapshot(b.np) == before, 15), (snapshot(b.np), before, b.text())
        assert (b.rtt() or 0) < 20
    for (_, rid), b in zip(runs, boxes):
        r = world.wait_run(rid)
        assert r["phase"] == "Stopped", (r, b.text())
        assert "emergency stop" in b.text()
    refused = errors(gql(world.backend.url, world.team.executor.token, RUN, {"p": world.p, "e": runs[0][0]}))
    assert refused and "emergency stop in force" in refused[0]
    events = world.gql("""query($p: ID!) { listAuditEvents(projectID: $p, filter: {action: "emergency_stop"}) {
        events { username outcome } } }""", {"p": world.p})["listAuditEvents"]["events"]
    assert events == [{"username": "viewer", "outcome": "success"}]


def test_dry_run_reports_and_leaves_the_namespace_untouched(world, tmp_path):
    b = world.box("dry")
    sleeper = subprocess.Popen(["ip", "netns", "exec", b.np.a, "sleep", "300"])
    try:
        b.start()
        b.wait_registered()
        before = snapshot(b.np)
        base = b.rtt()
        probe = {"name": "cmd", "type": "cmdProbe", "mode": "SOT",
                 "runProperties": {"probeTimeout": "3s", "interval": "1s", "attempt": 1},
                 "cmdProbe/inputs": {"command": "echo ok", "comparator": {"type": "string", "criteria": "equal",
                                                                          "value": "ok"}}}
        m = b.latency_manifest("20s")
        m["groups"][0]["steps"][0]["probes"] = ["cmd"]
        m["groups"][0]["steps"].append({"name": "cut", "fault": "linux-network-partition", "duration": "20s",
                                        "tunables": {"NETWORK_INTERFACES": b.np.va, "DESTINATION_IPS": b.np.ip_b}})
        m["groups"][0]["steps"].append({"name": "cut6", "fault": "linux-network-partition", "duration": "20s",
                                        "tunables": {"NETWORK_INTERFACES": b.np.va, "DESTINATION_IPS": "fd00:dead::2"}})
        m["groups"].append({"steps": [{"name": "kill", "fault": "linux-process-kill", "duration": "5s",
                                       "tunables": {"PROCESS_IDS": str(sleeper.pid)}}]})
        m["probes"] = [probe]
        exp = world.experiment(b, m, "dry")
        rid = world.gql(DRY, {"p": world.p, "e": exp}, world.team.executor.token)["dryRunChaosExperiment"]
        r = world.wait_run(rid["experimentRunID"], timeout=30)
        lines = "\n".join(l["line"] for l in r["logs"])
        assert r["dryRun"] is True and r["phase"] == "Completed", (r, b.text())
        assert "would inject linux-network-latency for 20000 ms" in lines
        assert "netem available" in lines or "NFQUEUE fallback available" in lines, lines
        assert "iptables usable" in lines and "interface %s exists" % b.np.va in lines, lines
        assert "ip6tables usable" in lines, lines  # the IPv6 target's rules would go through ip6tables
        assert "target processes: 1 matching (pids %d)" % sleeper.pid in lines, lines
        assert "probe cmd ran once: passed" in lines, lines
        assert [f["verdict"] for f in r["faults"]] == ["Pass", "Pass", "Pass", "Pass"]
        # nothing changed: qdiscs, iptables, processes, cgroups; the sleeper lives; no added latency
        assert snapshot(b.np) == before
        assert sleeper.poll() is None
        assert (b.rtt() or 0) < max(20, (base or 0) * 5)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_dry_run_reports_what_is_missing(world):
    b = world.box("miss")
    b.start()
    b.wait_registered()
    m = {"groups": [{"steps": [{"name": "lat", "fault": "linux-network-latency", "duration": "5s",
                                "tunables": {"NETWORK_LATENCY": "10", "NETWORK_INTERFACES": "nope0"}},
                               {"name": "kill", "fault": "linux-process-kill", "duration": "5s",
                                "tunables": {"PROCESS_NAMES": "no-such-proc"}}]}]}
    rid = world.gql(DRY, {"p": world.p, "e": world.experiment(b, m, "miss")})["dryRunChaosExperiment"]
    r = world.wait_run(rid["experimentRunID"], timeout=30)
    assert r["phase"] == "Completed_With_Error"
    verdicts = {f["step"]: (f["verdict"], f["message"]) for f in r["faults"]}
    assert verdicts["lat"] == ("Error", "invalid: NETWORK_INTERFACES: no interface \"nope0\"")
    assert verdicts["kill"][0] == "Error" and "target processes: 0 matching" in verdicts["kill"][1]


def write_policy(tmp_path, text, owner=0, mode=0o644):
    path = tmp_path / "agent.policy"
    path.write_text(text)
    os.chown(path, owner, 0)
    os.chmod(path, mode)
    return str(path)


def test_local_policy_refuses_what_the_backend_allowed(world, tmp_path):
    b = world.box("pol")
    policy = write_policy(tmp_path, "# this machine: short network faults towards nothing but .3\n"
                                    "allowed_cidrs = %s/32\nmax_duration = 30s\n" % b.np.ip_b2)
    b.start(RIFT_AGENT_POLICY=policy)
    b.wait_registered()
    before = snapshot(b.np)
    exp = world.experiment(b, b.latency_manifest("10s"), "pol")  # the backend has no guards: allowed
    rid = world.gql(RUN, {"p": world.p, "e": exp})["runChaosExperiment"]["experimentRunID"]
    r = world.wait_run(rid, timeout=30)
    assert r["phase"] == "Error", (r, b.text())
    assert r["message"].startswith("refused by the agent's local policy: guard allowedCIDRs: groups[0].steps[0] "
                                   "(lat): DESTINATION_IPS %s is outside the allowed CIDRs" % b.np.ip_b), r
    assert any("refused by the local policy %s" % policy in l["line"] for l in r["logs"])
    assert snapshot(b.np) == before
    assert (b.rtt() or 0) < 20


@pytest.mark.parametrize("owner,mode,words", [(65534, 0o644, "must be owned by root"),
                                             (0, 0o666, "not writable by group or others")])
def test_unsafe_or_missing_policy_file_stops_the_agent(world, tmp_path, owner, mode, words):
    b = world.box("bad")
    policy = write_policy(tmp_path, "max_cpu_load = 10\n", owner=owner, mode=mode)
    p = b.start(RIFT_AGENT_POLICY=policy)
    assert p.wait(20) != 0
    assert words in b.text()
    p = b.start(RIFT_AGENT_POLICY=str(tmp_path / "missing.policy"))
    assert p.wait(20) != 0 and "missing.policy" in b.text()
    p = b.start(RIFT_AGENT_POLICY=write_policy(tmp_path, "max_cpu_load = lots\n"))
    assert p.wait(20) != 0 and "line 1: max_cpu_load: invalid value" in b.text()
    env = dict(os.environ, RIFT_AGENT_CONTROL_PLANE="http://127.0.0.1:1", RIFT_AGENT_INFRA_ID="x",
               RIFT_AGENT_POLICY=str(tmp_path / "agent.policy"))
    check = subprocess.run([agent_bin(), "--check-config"], env=env, capture_output=True, text=True, timeout=30)
    assert check.returncode != 0 and "max_cpu_load: invalid value" in check.stderr + check.stdout
