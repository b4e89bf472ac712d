"""Emergency stop with N real rift-agents running faults (root): each agent runs in its own network
namespace pair (as the tests do) with a linux-network-partition fault (iptables) on its veth; the
emergencyStop mutation is sent and we measure, from the moment it is sent, when each agent logged
"... reverted" (the agents' own timestamps, pushed with the run logs), and check every namespace's
iptables is back to what it was. Prints one line per round and the medians.

usage: bench.py [N agents, default 50] [rounds, default 3] [fault: rate-limit (tc, default) | partition
(iptables)]   (RIFT_BUILD=build dir, default build)"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

import agent_env  # noqa: E402
from agent_env import NetPair, agent_bin, iptables_state, snapshot  # noqa: E402
from backend_client import Team, gql, ok  # noqa: E402
from conftest import AUTH_ADMIN, BUILD, Service, free_port  # noqa: E402
from test_agent_e2e import CREATE_ENV, CREATE_EXP, REGISTER, Forwarder, setns  # noqa: E402

RUN = "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"
RUNS = """query($p: ID!, $ids: [ID]) { listExperimentRun(projectID: $p, request: {experimentRunIDs: $ids,
  pagination: {page: 0, limit: 100}}) { experimentRuns { experimentRunID phase logs(limit: 100) { timeMs line } } } }"""
ESTOP = "mutation($p: ID!) { emergencyStop(projectID: $p, reason: \"bench\") { active runsStopped } }"
RELEASE = "mutation($p: ID!) { releaseEmergencyStop(projectID: $p) { active } }"


def start_services(tmp):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ADMIN_USERNAME": AUTH_ADMIN[0],
           "ADMIN_PASSWORD": AUTH_ADMIN[1], "DB_SERVER": f"sqlite://{tmp}/auth.db", "REST_PORT": str(free_port()),
           "RPC_PORT": str(free_port()), "PASSWORD_HASH_MEMORY": "64k", "PASSWORD_HASH_OPS": "1"}
    auth = Service(BUILD / "bin" / "rift-auth", env, f"{tmp}/auth.log")
    auth.start()
    rpc = env["RPC_PORT"]
    benv = {"PATH": env["PATH"], "HTTP_PORT": str(free_port()), "RPC_PORT": str(free_port()),
            "DB_SERVER": f"sqlite://{tmp}/backend.db", "AUTH_RPC_ADDR": f"127.0.0.1:{rpc}",
            "INFRA_POLL_TIMEOUT": "20s", "AUTH_CACHE_TTL": "30s"}
    backend = Service(BUILD / "bin" / "rift-backend", benv, f"{tmp}/backend.log", port_var="HTTP_PORT")
    backend.start()
    backend.rpc_url = f"http://127.0.0.1:{benv['RPC_PORT']}"
    return auth, backend


class Box:
    def __init__(self, i, backend, team, tmp, fault):
        self.np = NetPair().up()
        reg = ok(gql(backend.url, team.owner.token, REGISTER, {"p": team.project, "env": "bench"}))["registerInfra"]
        self.infra_id = reg["infraID"]
        self.fwd = Forwarder(self.np.a, int(backend.rpc_url.rsplit(":", 1)[1]))
        self.state = f"{tmp}/state-{i}"
        e = dict(os.environ, RIFT_AGENT_CONTROL_PLANE="http://127.0.0.1:%d" % self.fwd.port,
                 RIFT_AGENT_INFRA_ID=self.infra_id, RIFT_AGENT_ACCESS_KEY=reg["token"], RIFT_AGENT_JOURNAL=self.state,
                 RIFT_AGENT_POLL_WAIT="10s", RIFT_AGENT_HEARTBEAT_INTERVAL="10s")
        ns = "/run/netns/" + self.np.a
        self.log = open(f"{tmp}/agent-{i}.log", "ab")
        self.agent = subprocess.Popen([agent_bin(), "run"], env=e, stdout=self.log, stderr=subprocess.STDOUT,
                                      preexec_fn=lambda: setns(ns))
        agent_env._started_agents.append(self.agent.pid)
        tunables = {"NETWORK_INTERFACES": self.np.va, "DESTINATION_IPS": self.np.ip_b}
        if fault == "rate-limit":
            tunables["NETWORK_BANDWIDTH"] = "1mbit"
        manifest = {"groups": [{"steps": [{"name": "f", "fault": "linux-network-" + fault, "duration": "120s",
                                           "tunables": tunables}]}]}
        req = {"experimentName": f"cut-{i}", "experimentManifest": json.dumps(manifest), "infraID": self.infra_id,
               "experimentDescription": "bench", "cronSyntax": "", "isCustomExperiment": True, "weightages": []}
        self.exp = ok(gql(backend.url, team.owner.token, CREATE_EXP, {"p": team.project, "req": req}))[
            "createChaosExperiment"]["experimentID"]
        self.clean = None

    def close(self):
        if self.agent.poll() is None:
            self.agent.terminate()  # usually done already by main's cleanup, all at once
            try:
                self.agent.wait(20)
            except subprocess.TimeoutExpired:
                self.agent.kill()
                self.agent.wait()
        subprocess.run([agent_bin(), "--recover", "--journal", self.state], capture_output=True, timeout=60,
                       preexec_fn=lambda: setns("/run/netns/" + self.np.a))
        self.fwd.close()
        self.np.down()


def state(np):
    """What the faults change: the namespace's qdiscs and iptables."""
    return snapshot(np)["qdisc"], iptables_state(np)


def wait_for(cond, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    raise RuntimeError("timed out waiting for " + what)


def runs_state(backend, team, ids):
    out = []
    for k in range(0, len(ids), 100):
        out += ok(gql(backend.url, team.owner.token, RUNS, {"p": team.project, "ids": ids[k:k + 100]}))[
            "listExperimentRun"]["experimentRuns"]
    return out


def one_round(backend, team, boxes):
    ids = [ok(gql(backend.url, team.executor.token, RUN, {"p": team.project, "e": b.exp}))["runChaosExperiment"][
        "experimentRunID"] for b in boxes]
    wait_for(lambda: all(any("injected" in l["line"] for l in r["logs"]) for r in runs_state(backend, team, ids))
             and len(runs_state(backend, team, ids)) == len(ids), 120, "every fault injected")
    assert all(state(b.np) != b.clean for b in boxes), "a fault is not in place"
    t0 = time.time() * 1000
    st = ok(gql(backend.url, team.viewer.token, ESTOP, {"p": team.project}))["emergencyStop"]
    answered = time.time() * 1000 - t0
    runs = wait_for(lambda: (lambda rs: rs if all(r["phase"] == "Stopped" for r in rs) else None)(
        runs_state(backend, team, ids)), 120, "every run Stopped")
    reverts = []
    for r in runs:
        t = [l["timeMs"] for l in r["logs"] if l["line"].endswith(" reverted") or " reverted in " in l["line"]]
        assert t, ("no revert line", r)
        reverts.append(t[0] - t0)
    dirty = [b.np.a for b in boxes if state(b.np) != b.clean]
    assert not dirty, ("qdiscs or iptables not restored", dirty)
    ok(gql(backend.url, team.owner.token, RELEASE, {"p": team.project}))
    return st["runsStopped"], answered, sorted(reverts)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    fault = sys.argv[3] if len(sys.argv) > 3 else "rate-limit"
    assert fault in ("rate-limit", "partition"), fault
    tmp = tempfile.mkdtemp(prefix="rift-estop-")
    auth = backend = None
    boxes = []
    try:
        auth, backend = start_services(tmp)
        team = Team(auth.url)
        ok(gql(backend.url, team.owner.token, CREATE_ENV, {"p": team.project, "id": "bench"}))
        for i in range(n):
            boxes.append(Box(i, backend, team, tmp, fault))
        wait_for(lambda: all(os.path.exists(b.state + "/access_key") for b in boxes), 120, "agents registered")
        for b in boxes:
            b.clean = state(b.np)
        print(f"estop bench: {n} agents (one namespace pair each), linux-network-{fault} on each, {rounds} rounds")
        lasts, answers = [], []
        for k in range(rounds):
            stopped, answered, rev = one_round(backend, team, boxes)
            lasts.append(rev[-1])
            answers.append(answered)
            print(f"round {k + 1}: runs stopped {stopped}, mutation answered {answered:.0f} ms, reverted: first "
                  f"{rev[0]:.0f} ms, median {statistics.median(rev):.0f} ms, last {rev[-1]:.0f} ms")
            time.sleep(1)
        print(f"median over rounds: mutation answered {statistics.median(answers):.0f} ms, last fault reverted "
              f"{statistics.median(lasts):.0f} ms after the mutation was sent (target < 2000 ms)")
    finally:
        for b in boxes:  # SIGTERM to all first: each may be inside a 10 s long poll
            if b.agent.poll() is None:
                b.agent.terminate()
        for b in boxes:
            try:
                b.close()
            except Exception as e:  # keep cleaning the others
                print("cleanup:", e, file=sys.stderr)
        for s in (backend, auth):
            if s:
                s.stop()


if __name__ == "__main__":
    main()
