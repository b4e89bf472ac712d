"""rift-backend on the MongoDB store (the MongoDB-compatible test server, scripts/mongo-compat.sh): the
run lifecycle with two rift-backend processes sharing one database. The agent talks to one process,
users to the other; nothing that matters is only in memory. A task queued by one process wakes a
poll parked on the other within a fraction of a second (each process looks for recently queued tasks
while it has parked polls)."""
import threading
import json
import subprocess
import time
import uuid

import pytest

from backend_client import LATENCY_MANIFEST, Team, gql, ok
from conftest import BUILD, ROOT, free_port
from fake_infra import FakeInfra


@pytest.fixture(scope="module")
def mongo_port():
    port = free_port()
    folder = BUILD / "mongo-compat"
    script = ROOT / "scripts" / "mongo-compat.sh"
    r = subprocess.run([str(script), "start", str(port), str(folder)], capture_output=True, text=True, timeout=600)
    try:
        if r.returncode != 0:
            pytest.fail(f"mongo-compat start failed:\n{r.stdout}\n{r.stderr}")
        yield port
    finally:
        subprocess.run([str(script), "stop", str(port), str(folder)], capture_output=True, timeout=60)


def test_two_backends_share_the_mongodb_store(rift_auth, rift_backend, mongo_port):
    auth = rift_auth()
    db = f"mongodb://127.0.0.1:{mongo_port}/backend_{uuid.uuid4().hex[:12]}"
    users = rift_backend(auth, DB_SERVER=db, INFRA_POLL_TIMEOUT="30s")
    agents = rift_backend(auth, DB_SERVER=db, INFRA_POLL_TIMEOUT="30s")
    team = Team(auth.url)
    p = {"p": team.project}
    ok(gql(users.url, team.owner.token,
           'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }', p))
    reg = ok(gql(users.url, team.owner.token,
                 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "m", environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID token } }',
                 p))["registerInfra"]
    infra = FakeInfra(agents.rpc_url, reg["infraID"])
    infra.register(reg["token"])
    exp = ok(gql(users.url, team.owner.token,
                 "mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }",
                 {"p": team.project, "r": {"experimentName": "m", "experimentManifest": json.dumps(LATENCY_MANIFEST),
                                           "infraID": reg["infraID"]}}))["createChaosExperiment"]
    got = []
    poller = threading.Thread(target=lambda: got.append(infra.poll(wait_ms=20000)))
    poller.start()
    time.sleep(0.5)  # parked on the agents' process
    t0 = time.monotonic()
    run = ok(gql(users.url, team.executor.token,
                 "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }",
                 {"p": team.project, "e": exp["experimentID"]}))["runChaosExperiment"]
    poller.join(25)
    assert got and time.monotonic() - t0 < 3, "the poll parked on the other process was not woken"
    tasks = got[0][0]
    assert [t["run_id"] for t in tasks] == [run["experimentRunID"]]
    infra.report(tasks[0]["task_id"])
    assert infra.push_logs(tasks[0]["task_id"], [(1, "lat", "a"), (2, "lat", "b")]) == 2
    assert infra.push_logs(tasks[0]["task_id"], [(2, "lat", "b")]) == 2
    res = infra.submit(tasks[0]["task_id"], "Completed",
                       [{"step": "lat", "verdict": "Pass", "probes": [("up", "Passed", 100)]},
                        {"step": "cpu", "verdict": "Pass"}, {"step": "kill", "verdict": "Pass"}])
    assert res["score"] == pytest.approx(100.0)
    q = "query($p: ID!, $r: ID) { getExperimentRun(projectID: $p, experimentRunID: $r) { phase resiliencyScore logs { seq } } }"
    for svc in (users, agents):
        r = ok(gql(svc.url, team.viewer.token, q, {"p": team.project, "r": run["experimentRunID"]}))["getExperimentRun"]
        assert r == {"phase": "Completed", "resiliencyScore": 100, "logs": [{"seq": 1}, {"seq": 2}]}
    got = ok(gql(users.url, team.viewer.token, 'query($p: ID!, $i: String!) { getInfra(projectID: $p, infraID: $i) { isActive hostname } }',
                 {"p": team.project, "i": reg["infraID"]}))["getInfra"]
    assert got == {"isActive": True, "hostname": "host-1"}

    # a stop asked on the users' process reaches a poll parked on the agents' process
    run2 = ok(gql(users.url, team.executor.token,
                  "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }",
                  {"p": team.project, "e": exp["experimentID"]}))["runChaosExperiment"]
    tasks, deadline = [], time.monotonic() + 5
    while not tasks and time.monotonic() < deadline:
        tasks, _ = infra.poll(wait_ms=1000)
    assert [t["run_id"] for t in tasks] == [run2["experimentRunID"]]
    infra.report(tasks[0]["task_id"])
    got = []
    poller = threading.Thread(target=lambda: got.append(infra.poll(wait_ms=20000)))
    poller.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    ok(gql(users.url, team.executor.token,
           "mutation($p: ID!, $e: String!) { stopExperimentRuns(projectID: $p, experimentID: $e) }",
           {"p": team.project, "e": exp["experimentID"]}))
    poller.join(25)
    assert got and time.monotonic() - t0 < 3, "the stop did not reach the poll parked on the other process"
    assert [(t["task_id"], t["kind"]) for t in got[0][0]] == [(tasks[0]["task_id"], "stop")]
