"""rift-backend's hard limits, at their edges: the largest valid PushLogs batch passes (500 lines of
4 KiB, about 2 MiB on the wire) and one line or one byte more is refused naming the limit; an
InfraService body over 4 MiB is 413; manifests over 256 KiB, result faults over 64, page sizes over 100,
log pages over 100 and names over 128 bytes are errors naming the field. (The /query body cap and the
live stream limits are in test_backend_api.py and test_backend_sse.py.)"""
import json

import pytest
import requests

from backend_client import Team, errors, gql, ok
from fake_infra import SERVICE, TwirpError
from test_backend_lifecycle import RUN, create_experiment, setup_infra

SHORT = {"groups": [{"steps": [{"name": "cpu", "fault": "linux-cpu-stress", "duration": "1s"}]}]}


@pytest.fixture
def world(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth)
    team = Team(auth.url)
    infra, reg = setup_infra(backend, team)
    return backend, team, infra, reg


def running_task(backend, team, infra, reg):
    exp = ok(create_experiment(backend, team, reg["infraID"], manifest=SHORT))["createChaosExperiment"]
    run = ok(gql(backend.url, team.owner.token, RUN, {"p": team.project, "e": exp["experimentID"]}))["runChaosExperiment"]
    task = infra.poll(wait_ms=500)[0][0]
    infra.report(task["task_id"])
    return task, run


def test_push_logs_edges(world):
    backend, team, infra, reg = world
    task, run = running_task(backend, team, infra, reg)
    line = "y" * 4096
    assert infra.push_logs(task["task_id"], [(i, "cpu", line) for i in range(1, 501)]) == 500  # the largest batch
    with pytest.raises(TwirpError) as e:
        infra.push_logs(task["task_id"], [(i, "cpu", "z") for i in range(501, 1002)])
    assert e.value.code == "resource_exhausted" and "at most 500" in e.value.msg
    with pytest.raises(TwirpError) as e:
        infra.push_logs(task["task_id"], [(501, "cpu", line + "y")])
    assert e.value.code == "resource_exhausted" and "lines[0]" in e.value.msg
    assert infra.push_logs(task["task_id"], [(501, "cpu", "after")]) == 501  # nothing was stored meanwhile
    r = requests.post(infra.url + SERVICE + "PushLogs", data=b"\0" * (4 * 1024 * 1024 + 1),
                      headers={"Content-Type": "application/protobuf"}, timeout=30)
    assert r.status_code == 413
    # a log page is at most 100 lines
    q = "query($p: ID!, $r: ID, $n: Int!) { getExperimentRun(projectID: $p, experimentRunID: $r) { logs(limit: $n) { seq } } }"
    v = {"p": team.project, "r": run["experimentRunID"]}
    assert len(ok(gql(backend.url, team.viewer.token, q, dict(v, n=100)))["getExperimentRun"]["logs"]) == 100
    for n in (0, 101):
        assert "limit in 1..100" in " ".join(errors(gql(backend.url, team.viewer.token, q, dict(v, n=n))))


def test_result_and_request_edges(world):
    backend, team, infra, reg = world
    task, _ = running_task(backend, team, infra, reg)
    with pytest.raises(TwirpError) as e:
        infra.submit(task["task_id"], "Completed", [{"step": f"s{i}", "verdict": "Pass"} for i in range(65)])
    assert e.value.code == "resource_exhausted" and "at most 64" in e.value.msg
    assert infra.submit(task["task_id"], "Completed", [{"step": "cpu", "verdict": "Pass"}])["duplicate"] is False

    big = dict(SHORT, padding="p" * (256 * 1024))
    msgs = errors(create_experiment(backend, team, reg["infraID"], manifest=big, name="big"))
    assert msgs and "larger than 262144 bytes" in msgs[0]
    p = {"p": team.project}
    for field in ("listInfras", "listExperimentRun"):
        q = "query($p: ID!) { %s(projectID: $p, request: {pagination: {page: 0, limit: 101}}) { __typename } }" % field
        assert "limit in 1..100" in " ".join(errors(gql(backend.url, team.viewer.token, q, p))), field
    reg_q = """mutation($p: ID!, $n: String!) { registerInfra(projectID: $p, request: {name: $n, environmentID: "staging",
      infrastructureType: Linux, platformName: "l"}) { infraID } }"""
    assert ok(gql(backend.url, team.owner.token, reg_q, dict(p, n="n" * 128)))
    assert errors(gql(backend.url, team.owner.token, reg_q, dict(p, n="n" * 129)))[0].startswith("request.name")
    # the SSE endpoint refuses ids longer than any stored one without touching the store
    r = requests.get(f"{backend.url}/sse/runs/{'r' * 65}?projectID={team.project}",
                     headers={"Authorization": f"Bearer {team.viewer.token}"}, timeout=10)
    assert r.status_code == 404 and json.loads(r.text)["error"] == "not_found"
