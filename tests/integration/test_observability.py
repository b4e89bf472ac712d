"""Observability end to end: rift-backend's ResultService, rift-exporter's litmuschaos_* gauges after
real runs (fake infrastructure), deleted experiments' series disappearing, incremental fetching, and
`promtool check metrics` on every service's /metrics."""
import json
import os
import shutil
import subprocess
import time

import pytest
import requests

from backend_client import Team, gql, ok
from conftest import BUILD, Service, free_port
from fake_infra import FakeInfra
from obs_stack import heartbeat, pick, submit, sync, wait_for

TOKEN = "results-token-for-tests"
REGISTER = """mutation($p: ID!, $env: String!) { registerInfra(projectID: $p, request: {name: "box-1",
  environmentID: $env, infrastructureType: Linux, platformName: "linux"}) { infraID token } }"""
CREATE_ENV = """mutation($p: ID!) { createEnvironment(projectID: $p,
  request: {environmentID: "staging", name: "Staging", type: NON_PROD}) { environmentID } }"""
CREATE_EXP = """mutation($p: ID!, $req: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $req)
  { experimentID } }"""
RUN = "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"
DELETE = "mutation($p: ID!, $e: String!) { deleteChaosExperiment(projectID: $p, experimentID: $e) }"
MANIFEST = {"groups": [{"steps": [
    {"name": "lat", "fault": "linux-network-latency", "duration": "2s", "tunables": {"NETWORK_LATENCY": "100"}},
    {"name": "cpu", "fault": "linux-cpu-stress", "duration": "2s", "tunables": {"LOAD": "50"}}]}]}


def start_exporter(tmp_path, services, backend, **overrides):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HTTP_PORT": str(free_port()),
           "SERVER_ADDR": backend.rpc_url, "RESULTS_TOKEN": TOKEN, "SYNC_INTERVAL": "200ms",
           "TSDB_SCRAPE_INTERVAL": "3s"}
    env.update({k: str(v) for k, v in overrides.items()})
    svc = Service(BUILD / "bin" / "rift-exporter", env, tmp_path / f"rift-exporter-{len(services)}.log",
                  port_var="HTTP_PORT")
    services.append(svc)
    return svc.start()


class Stack:
    def __init__(self, auth, backend, exporter, team, infra, infra_id):
        self.auth, self.backend, self.exporter, self.team = auth, backend, exporter, team
        self.infra, self.infra_id = infra, infra_id

    def until(self, pred, what, timeout=15):
        """The exporter's /metrics text once pred(text) holds."""
        return wait_for(lambda: (lambda t: t if pred(t) else None)(self.metrics()), timeout=timeout, what=what)

    def metrics(self):
        r = requests.get(self.exporter.url + "/metrics", timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return r.text

    def experiment(self, name, manifest=MANIFEST):
        req = {"experimentName": name, "experimentManifest": json.dumps(manifest), "infraID": self.infra_id,
               "experimentDescription": "", "cronSyntax": "", "isCustomExperiment": True, "weightages": []}
        return ok(gql(self.backend.url, self.team.owner.token, CREATE_EXP,
                      {"p": self.team.project, "req": req}))["createChaosExperiment"]["experimentID"]

    def run(self, exp_id, verdicts, probes=None, phase="Completed"):
        """One run through the fake infrastructure: verdicts {step: verdict}; returns (start, end) ms."""
        ok(gql(self.backend.url, self.team.owner.token, RUN, {"p": self.team.project, "e": exp_id}))
        task = wait_for(lambda: self.infra.poll(wait_ms=200)[0], what="the run's task")[0]
        self.infra.report(task["task_id"], "Running")
        start = int(time.time() * 1000)
        faults = [{"step": s, "fault": f, "verdict": verdicts[s], "start_ms": start + 100, "end_ms": start + 2100,
                   "probes": (probes or {}).get(s, [])}
                  for s, f in (("lat", "linux-network-latency"), ("cpu", "linux-cpu-stress"))]
        submit(self.infra, task["task_id"], phase, faults)
        return task


@pytest.fixture
def stack(tmp_path, services, rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, RESULTS_TOKEN=TOKEN)
    team = Team(auth.url)
    ok(gql(backend.url, team.owner.token, CREATE_ENV, {"p": team.project}))
    reg = ok(gql(backend.url, team.owner.token, REGISTER, {"p": team.project, "env": "staging"}))["registerInfra"]
    infra = FakeInfra(backend.rpc_url, reg["infraID"])
    infra.register(reg["token"])
    exporter = start_exporter(tmp_path, services, backend)
    return Stack(auth, backend, exporter, team, infra, reg["infraID"])


def test_result_service_wants_its_token(stack, rift_backend, rift_auth):
    status, body = sync(stack.backend.rpc_url, None)
    assert status == 401 and body["code"] == "unauthenticated"
    status, body = sync(stack.backend.rpc_url, TOKEN + "x")
    assert status == 401 and body["code"] == "unauthenticated"
    status, body = sync(stack.backend.rpc_url, TOKEN, since=5000, until=10)
    assert status == 400 and body["code"] == "invalid_argument"
    assert sync(stack.backend.rpc_url, TOKEN)[0] == 200
    off = rift_backend(rift_auth())  # no RESULTS_TOKEN: the service is off, with a message saying so
    status, body = sync(off.rpc_url, TOKEN)
    assert status == 503 and "RESULTS_TOKEN" in body["msg"]


def test_result_service_is_incremental_and_pages(stack):
    ids = sorted(stack.experiment(f"exp-{i}") for i in range(5))
    full = sync(stack.backend.rpc_url, TOKEN)[1]
    assert [e["id"] for e in full["experiments"]] == ids and full["next"] == ""
    assert all(e["faults"] == [] for e in full["experiments"])  # no run yet
    seen, after, until = [], "", 0
    for _ in range(5):  # pages of two: the same window, every id once
        page = sync(stack.backend.rpc_url, TOKEN, since=0, until=until, after=after, limit=2)[1]
        seen += [e["id"] for e in page["experiments"]]
        until, after = page["until"], page["next"]
        if not after:
            break
    assert seen == ids
    time.sleep(1.2)  # past the settle delay
    since = sync(stack.backend.rpc_url, TOKEN)[1]["until"]
    assert sync(stack.backend.rpc_url, TOKEN, since=since)[1]["experiments"] == []  # nothing changed
    stack.run(ids[2], {"lat": "Pass", "cpu": "Fail"}, probes={"lat": [("up", "Passed", 50)]})
    time.sleep(1.2)
    changed = sync(stack.backend.rpc_url, TOKEN, since=since)[1]["experiments"]
    assert [e["id"] for e in changed] == [ids[2]]
    lat, cpu = changed[0]["faults"]
    assert (lat["step"], lat["verdict"], lat["passed"], lat["failed"], lat["psp"]) == ("lat", "Pass", 1, 0, 50.0)
    assert (cpu["verdict"], cpu["passed"], cpu["failed"]) == ("Fail", 0, 1)
    assert lat["end_ms"] - lat["injected_ms"] == 2000 and lat["start_ms"] > 0
    assert changed[0]["infra_name"] == "box-1" and changed[0]["phase"] == "Completed"


def value(text, name, **labels):
    got = pick(text, name, **labels)
    assert len(got) == 1, f"{name}{labels}: {got}"
    return got[0][1]


def test_exporter_gauges_follow_runs(stack):
    exp = stack.experiment("checkout")
    base = {"chaosresult_namespace": "box-1", "chaosengine_name": "checkout", "chaosengine_context": exp}
    lat = dict(base, chaosresult_name="checkout-lat", fault_name="linux-network-latency")
    cpu = dict(base, chaosresult_name="checkout-cpu", fault_name="linux-cpu-stress")

    # running: both results awaited
    ok(gql(stack.backend.url, stack.team.owner.token, RUN, {"p": stack.team.project, "e": exp}))
    task = wait_for(lambda: stack.infra.poll(wait_ms=200)[0], what="task")[0]
    stack.infra.report(task["task_id"], "Running")
    text = stack.until(lambda t: pick(t, "litmuschaos_awaited_experiments", **lat), "awaited series")
    assert value(text, "litmuschaos_awaited_experiments", workflow_name="checkout", **lat) == 1
    assert value(text, "litmuschaos_experiment_verdict", chaosresult_verdict="Awaited", **lat) == 0
    assert value(text, "litmuschaos_cluster_scoped_awaited_experiments") == 2

    t0 = int(time.time() * 1000)
    submit(stack.infra, task["task_id"], "Completed",
           [{"step": "lat", "fault": "linux-network-latency", "verdict": "Pass", "probes": [("up", "Passed", 50)],
             "start_ms": t0, "end_ms": t0 + 2000},
            {"step": "cpu", "fault": "linux-cpu-stress", "verdict": "Fail", "start_ms": t0, "end_ms": t0 + 2000}])
    text = stack.until(lambda t: pick(t, "litmuschaos_passed_experiments", **lat) and
                       value(t, "litmuschaos_passed_experiments", **lat) == 1, "first verdict")
    assert value(text, "litmuschaos_awaited_experiments", **lat) == 0
    assert value(text, "litmuschaos_failed_experiments", **cpu) == 1
    assert value(text, "litmuschaos_probe_success_percentage", **lat) == 50
    assert value(text, "litmuschaos_experiment_verdict", chaosresult_verdict="Pass",
                 probe_success_percentage="50.000000", app_kind="linux", app_namespace="box-1",
                 workflow_name="checkout", **lat) == 1  # fresh
    assert value(text, "litmuschaos_experiment_chaos_injected_time", **lat) == t0 // 1000
    assert value(text, "litmuschaos_experiment_end_time", **lat) == (t0 + 2000) // 1000
    start = value(text, "litmuschaos_experiment_start_time", **lat)
    assert 0 < start <= t0 // 1000
    assert value(text, "litmuschaos_experiment_total_duration", **lat) == (t0 + 2000) // 1000 - start

    stack.run(exp, {"lat": "Fail", "cpu": "Pass"})
    text = stack.until(lambda t: value(t, "litmuschaos_failed_experiments", **lat) == 1, "second run")
    assert value(text, "litmuschaos_passed_experiments", **lat) == 1
    assert value(text, "litmuschaos_passed_experiments", **cpu) == 1
    assert pick(text, "litmuschaos_experiment_verdict", chaosresult_verdict="Pass", **lat) == []  # replaced
    assert value(text, "litmuschaos_experiment_verdict", chaosresult_verdict="Fail", **lat) == 1
    for scope, labels in (("cluster", {}), ("namespace", {"chaosresult_namespace": "box-1"})):
        assert value(text, f"litmuschaos_{scope}_scoped_passed_experiments", **labels) == 2
        assert value(text, f"litmuschaos_{scope}_scoped_failed_experiments", **labels) == 2
        assert value(text, f"litmuschaos_{scope}_scoped_awaited_experiments", **labels) == 0
        assert value(text, f"litmuschaos_{scope}_scoped_experiments_run_count", **labels) == 4
        assert value(text, f"litmuschaos_{scope}_scoped_experiments_installed_count", **labels) == 2
    # TSDB_SCRAPE_INTERVAL (3 s) later the verdict is no longer fresh
    wait_for(lambda: value(stack.metrics(), "litmuschaos_experiment_verdict", chaosresult_verdict="Fail", **lat) == 0,
             timeout=8, what="verdict back to 0")


def test_deleted_experiment_disappears_and_fetching_is_incremental(stack):
    ids = [stack.experiment(f"e{i}") for i in range(4)]
    for i in ids:
        stack.run(i, {"lat": "Pass", "cpu": "Pass"})
    stack.until(lambda t: [v for _, v in pick(t, "litmuschaos_passed_experiments")] == [1] * 8, "final results")
    time.sleep(1.3)  # past the backend's settle delay: every change so far has been delivered
    text = stack.metrics()
    updates = value(text, "rift_exporter_experiment_updates_total")
    syncs = value(text, "rift_exporter_syncs_total", result="ok")
    time.sleep(1.5)  # several syncs, nothing changed: nothing is fetched again
    text = stack.metrics()
    assert value(text, "rift_exporter_syncs_total", result="ok") >= syncs + 3
    assert value(text, "rift_exporter_experiment_updates_total") == updates

    ok(gql(stack.backend.url, stack.team.owner.token, DELETE, {"p": stack.team.project, "e": ids[1]}))
    text = stack.until(lambda t: value(t, "rift_exporter_experiments") == 3, "the deleted experiment dropped")
    assert value(text, "rift_exporter_experiment_updates_total") == updates + 1  # only the deleted one
    for name in ("litmuschaos_passed_experiments", "litmuschaos_experiment_verdict",
                 "litmuschaos_experiment_start_time", "litmuschaos_awaited_experiments"):
        assert pick(text, name, chaosengine_context=ids[1]) == [], name
        assert len(pick(text, name, chaosengine_context=ids[0])) == 2, name
    assert value(text, "litmuschaos_cluster_scoped_experiments_installed_count") == 6


def test_exporter_restart_rebuilds_from_full_sync(stack):
    exp = stack.experiment("again")
    stack.run(exp, {"lat": "Pass", "cpu": "Fail"})
    wait_for(lambda: pick(stack.metrics(), "litmuschaos_passed_experiments", chaosengine_context=exp), what="series")
    stack.exporter.stop()
    stack.exporter.start()
    text = stack.until(lambda t: pick(t, "litmuschaos_passed_experiments", chaosengine_context=exp), "resync")
    assert value(text, "litmuschaos_failed_experiments", chaosengine_context=exp, chaosresult_name="again-cpu") == 1


def test_exporter_config_errors_are_clear(tmp_path):
    binary = str(BUILD / "bin" / "rift-exporter")
    p = subprocess.run([binary], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=10)
    assert p.returncode != 0 and "RESULTS_TOKEN" in p.stderr + p.stdout
    p = subprocess.run([binary, "--check-config"], env={"PATH": "/usr/bin:/bin", "RESULTS_TOKEN": "s3cret-token"},
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 0 and "server_addr" in p.stdout and "s3cret-token" not in p.stdout + p.stderr
    p = subprocess.run([binary, "--check-config"], env={"PATH": "/usr/bin:/bin", "RESULTS_TOKEN": "t",
                                                        "SYNC_INTERVAL": "0s"},
                       capture_output=True, text=True, timeout=10)
    assert p.returncode != 0 and "SYNC_INTERVAL" in p.stderr + p.stdout


def test_exporter_reports_sync_errors(tmp_path, services, stack):
    bad = start_exporter(tmp_path, services, stack.backend, RESULTS_TOKEN="wrong")
    text = wait_for(lambda: (lambda t: t if pick(t, "rift_exporter_syncs_total", result="error") else None)(
        requests.get(bad.url + "/metrics", timeout=5).text), what="a failed sync")
    assert value(text, "rift_exporter_syncs_total", result="error") >= 1
    wait_for(lambda: value(requests.get(bad.url + "/metrics", timeout=5).text, "rift_exporter_syncs_total",
                           result="error") >= 3, what="three failed syncs")
    # logged once per outage, counted every time; the token never appears
    assert bad.log_text().count("ResultService sync failed") == 1 and "wrong" not in bad.log_text()


PROMTOOL = shutil.which("promtool")
LITMUS_COUNT_NAMES = sorted(f"litmuschaos_{scope}_scoped_experiments_{kind}_count"
                            for scope in ("cluster", "namespace") for kind in ("installed", "run"))


def test_every_metrics_endpoint_passes_promtool(stack):
    stack.run(stack.experiment("lint"), {"lat": "Pass", "cpu": "Fail"})
    wait_for(lambda: pick(stack.metrics(), "litmuschaos_passed_experiments"), what="exporter series")
    for name, url in (("auth", stack.auth.url), ("backend", stack.backend.url), ("exporter", stack.exporter.url)):
        text = requests.get(url + "/metrics", timeout=10).text
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
        remarks = [x for x in (p.stdout + p.stderr).splitlines() if x.strip()]
        if name == "exporter":
            # chaos-exporter's names end in _count; promtool's linter remarks on that (exit 3, not a parse
            # error). Those four names are the compatibility contract: no other remark may appear.
            assert p.returncode in (0, 3) and sorted(r.split()[0] for r in remarks) == LITMUS_COUNT_NAMES, remarks
            assert all('should not have "_count" suffix' in r for r in remarks), remarks
        else:
            assert p.returncode == 0 and remarks == [], f"{name}: {remarks}"
    backend = requests.get(stack.backend.url + "/metrics", timeout=10).text
    assert value(backend, "rift_backend_infrastructures", state="active") == 1
    assert value(backend, "rift_backend_experiment_runs", phase="Completed") == 1
    assert value(backend, "rift_backend_run_duration_seconds_count", phase="Completed") == 1
    assert value(backend, "rift_backend_graphql_operations_total", operation="runChaosExperiment", result="ok") == 1
    assert value(backend, "rift_backend_graphql_request_duration_seconds_count",
                 operation="createChaosExperiment") == 1


def test_agent_counters_survive_restarts_without_replaying(stack):
    labels = {"infra_id": stack.infra_id, "fault": "linux-network-latency", "result": "failed"}

    def failed():
        return value(requests.get(stack.backend.url + "/metrics", timeout=10).text,
                     "rift_agent_fault_reverts_total", **labels)
    heartbeat(stack.infra, {"linux-network-latency": (3, 0, 2, 1)})
    assert failed() == 1
    heartbeat(stack.infra, {"linux-network-latency": (3, 0, 2, 1)})  # the same totals again: nothing new
    assert failed() == 1
    # the backend restarts; the agent (started before it) reports the same totals: only a baseline
    stack.backend.stop()
    stack.backend.start()
    heartbeat(stack.infra, {"linux-network-latency": (3, 0, 2, 1)})
    assert failed() == 0
    heartbeat(stack.infra, {"linux-network-latency": (4, 0, 2, 2)})  # a new failure after the restart
    assert failed() == 1
    # a new agent process (new connection id, started now) counts from 0: all of its totals are new
    fresh = FakeInfra(stack.backend.rpc_url, stack.infra_id, stack.infra.access_key,
                      connection_id=f"{int(time.time() * 1000) + 1000}-fresh")
    heartbeat(fresh, {"linux-network-latency": (1, 0, 0, 1)})
    assert failed() == 2
