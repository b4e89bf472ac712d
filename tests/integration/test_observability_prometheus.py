"""A real Prometheus (Debian's, on 127.0.0.1) scrapes rift-auth, rift-backend and rift-exporter after real
runs (fake infrastructures): every PromQL expression of docs/observability/grafana-dashboard.json and
of the alert rules is queried and returns data, the rules load, and `promtool test rules` proves each
alert fires and stays quiet when it should."""
import json
import re
import subprocess

import pytest
import requests

from backend_client import Team, gql, ok
from fake_infra import FakeInfra
from obs_stack import OBS_DOCS, Prometheus, heartbeat, submit, wait_for
from test_observability import CREATE_ENV, CREATE_EXP, MANIFEST, RUN, TOKEN, start_exporter

REGISTER = """mutation($p: ID!, $n: String!) { registerInfra(projectID: $p, request: {name: $n,
  environmentID: "staging", infrastructureType: Linux, platformName: "linux"}) { infraID token } }"""


def dashboard_exprs():
    dash = json.loads((OBS_DOCS / "grafana-dashboard.json").read_text())
    return [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]


def rules():
    import yaml
    doc = yaml.safe_load((OBS_DOCS / "prometheus-rules.yml").read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def register(backend, team, name):
    reg = ok(gql(backend.url, team.owner.token, REGISTER, {"p": team.project, "n": name}))["registerInfra"]
    infra = FakeInfra(backend.rpc_url, reg["infraID"])
    infra.register(reg["token"])
    return infra, reg["infraID"]


def experiment(backend, team, infra_id, name):
    req = {"experimentName": name, "experimentManifest": json.dumps(MANIFEST), "infraID": infra_id,
           "experimentDescription": "", "cronSyntax": "", "isCustomExperiment": True, "weightages": []}
    return ok(gql(backend.url, team.owner.token, CREATE_EXP, {"p": team.project, "req": req}))[
        "createChaosExperiment"]["experimentID"]


def start_run(backend, team, infra, exp):
    ok(gql(backend.url, team.owner.token, RUN, {"p": team.project, "e": exp}))
    task = wait_for(lambda: infra.poll(wait_ms=200)[0], what="task")[0]
    infra.report(task["task_id"], "Running")
    return task


@pytest.fixture
def scraped(tmp_path, services, rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, RESULTS_TOKEN=TOKEN, INFRA_INACTIVITY_TIMEOUT="2s")
    exporter = start_exporter(tmp_path, services, backend)
    team = Team(auth.url)
    ok(gql(backend.url, team.owner.token, CREATE_ENV, {"p": team.project}))
    box1, box1_id = register(backend, team, "box-1")
    box2, _ = register(backend, team, "box-2")
    box2.heartbeat()  # then silent: inactive after 2 s

    counters = {"linux-network-latency": [0, 0, 0, 0], "linux-cpu-stress": [0, 0, 0, 0]}
    heartbeat(box1, counters)  # the series exist (at 0) before anything fails
    done = experiment(backend, team, box1_id, "checkout")
    task = start_run(backend, team, box1, done)
    submit(box1, task["task_id"], "Completed",
           [{"step": "lat", "fault": "linux-network-latency", "verdict": "Pass", "probes": [("up", "Passed", 100)],
             "start_ms": 1, "end_ms": 2001},
            {"step": "cpu", "fault": "linux-cpu-stress", "verdict": "Fail", "start_ms": 1, "end_ms": 2001}])
    start_run(backend, team, box1, experiment(backend, team, box1_id, "still-running"))
    requests.post(auth.url + "/login", json={"username": "admin", "password": "wrong"}, timeout=10)

    prom = Prometheus(tmp_path, {"rift-auth": auth.url.split("://")[1], "rift-backend": backend.url.split("://")[1],
                                 "rift-exporter": exporter.url.split("://")[1]})
    try:
        wait_for(lambda: len([r for r in prom.query('up{job=~"rift-.*"} == 1')]) == 3, timeout=30,
                 what="three targets up")
        # the failure comes after Prometheus saw the counters at 0, as on a real agent
        counters["linux-network-latency"] = [2, 0, 1, 1]
        counters["linux-cpu-stress"] = [1, 0, 1, 0]
        heartbeat(box1, counters)
        yield prom, backend, box1
    finally:
        prom.stop()


def test_every_dashboard_and_rule_expression_returns_data(scraped):
    prom, backend, box1 = scraped
    for expr in dashboard_exprs():
        wait_for(lambda: prom.query(expr), timeout=30, what=f"data for {expr}")
        heartbeat(box1, {})  # keep box-1 active

    by_name = {r["alert"]: r["expr"] for r in rules()}
    assert set(by_name) == {"RiftFaultRevertFailed", "RiftInfrastructureInactive", "RiftRunStuckInRunning"}
    for name, expr in by_name.items():
        left, op, threshold = re.fullmatch(r"(.*\S)\s*(>|<|==)\s*(\S+)", expr).groups()
        got = wait_for(lambda: prom.query(left), timeout=30, what=f"data for {left}")
        assert got, name
    # conditions the run created: a failed revert on box-1 and box-2 gone inactive
    failed = wait_for(lambda: prom.query(by_name["RiftFaultRevertFailed"]), timeout=30, what="failed revert")
    assert [(r["metric"]["infra_name"], r["metric"]["fault"]) for r in failed] == [("box-1", "linux-network-latency")]
    inactive = wait_for(lambda: prom.query(by_name["RiftInfrastructureInactive"]), timeout=30, what="inactive")
    assert [r["metric"]["infra_name"] for r in inactive] == ["box-2"]
    # a run Running for seconds is not stuck
    assert float(prom.query("max(rift_backend_oldest_running_run_age_seconds)")[0]["value"][1]) > 0
    assert prom.query(by_name["RiftRunStuckInRunning"]) == []

    loaded = requests.get(prom.url + "/api/v1/rules", timeout=10).json()["data"]["groups"][0]["rules"]
    assert sorted(r["name"] for r in loaded) == sorted(by_name) and all(r["health"] == "ok" for r in loaded)
    firing = wait_for(lambda: [a for a in requests.get(prom.url + "/api/v1/alerts", timeout=10).json()["data"]["alerts"]
                               if a["labels"]["alertname"] == "RiftFaultRevertFailed" and a["state"] == "firing"],
                      timeout=30, what="RiftFaultRevertFailed firing")
    assert firing[0]["labels"]["infra_name"] == "box-1"


def test_promtool_proves_each_alert_fires_and_stays_quiet():
    p = subprocess.run(["promtool", "check", "rules", str(OBS_DOCS / "prometheus-rules.yml")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    p = subprocess.run(["promtool", "test", "rules", "rules.test.yml"], cwd=OBS_DOCS,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "SUCCESS" in p.stdout, p.stdout + p.stderr
    # every alert has a firing case and a quiet case in the rule tests
    import yaml
    cases = [c for t in yaml.safe_load((OBS_DOCS / "rules.test.yml").read_text())["tests"]
             for c in t["alert_rule_test"]]
    for r in rules():
        mine = [c["exp_alerts"] for c in cases if c["alertname"] == r["alert"]]
        assert [] in mine and any(mine), r["alert"]


def test_dashboard_is_importable_grafana_json():
    dash = json.loads((OBS_DOCS / "grafana-dashboard.json").read_text())
    assert dash["uid"] and dash["schemaVersion"] >= 30
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    titles = " ".join(p["title"] for p in dash["panels"]).lower()
    for topic in ("resilience", "verdict", "duration", "infrastructure"):
        assert topic in titles, topic
    for p in dash["panels"]:
        for t in p.get("targets", []):
            assert t["datasource"]["uid"] == "${DS_PROMETHEUS}" and t["expr"].strip()
