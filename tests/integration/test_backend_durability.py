"""rift-backend keeps everything that matters in the store before it answers: killed with SIGKILL in the
middle of a run (no shutdown code runs), it comes back with the queued task, the run's state, every
acknowledged log line and the result; the agent's retried PushLogs and SubmitResult are idempotent
across the restart, and a live stream resumes from Last-Event-ID. With two processes on the
MongoDB-compatible store, a stream on one sees what the agent reports to the other.
(test_backend_lifecycle.py covers a graceful restart and duplicates within one process.)"""
import json
import signal
import uuid

import pytest

from backend_client import LATENCY_MANIFEST, Team, gql, ok
from fake_infra import FakeInfra
from sse_client import run_stream
from test_backend_lifecycle import GET_RUN, RUN, create_experiment, setup_infra
from test_backend_mongo import mongo_port  # noqa: F401  (module fixture: the MongoDB-compatible server)

LOGS = "query($p: ID!, $r: ID) { getExperimentRun(projectID: $p, experimentRunID: $r) { logs(limit: 100) { seq line } } }"


def kill_and_restart(svc):
    """SIGKILL: no graceful stop, no flush; then the same binary on the same ports and database."""
    svc.proc.send_signal(signal.SIGKILL)
    svc.proc.wait(10)
    svc.proc = None
    svc.start()


def test_sigkill_mid_run_loses_nothing(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth)
    team = Team(auth.url)
    infra, reg = setup_infra(backend, team)
    exp = ok(create_experiment(backend, team, reg["infraID"]))["createChaosExperiment"]
    p = team.project
    run1 = ok(gql(backend.url, team.owner.token, RUN, {"p": p, "e": exp["experimentID"]}))["runChaosExperiment"]
    task = infra.poll(wait_ms=500)[0][0]
    infra.report(task["task_id"])
    assert infra.push_logs(task["task_id"], [(1, "lat", "one"), (2, "lat", "two"), (3, "lat", "three")]) == 3
    run2 = ok(gql(backend.url, team.owner.token, RUN, {"p": p, "e": exp["experimentID"]}))["runChaosExperiment"]

    kill_and_restart(backend)

    q1 = {"p": p, "r": run1["experimentRunID"]}
    assert ok(gql(backend.url, team.viewer.token, GET_RUN, q1))["getExperimentRun"]["phase"] == "Running"
    assert ok(gql(backend.url, team.viewer.token, LOGS, q1))["getExperimentRun"]["logs"] == [
        {"seq": 1, "line": "one"}, {"seq": 2, "line": "two"}, {"seq": 3, "line": "three"}]
    # the agent did not see the answer to its last batch: it sends it again with more lines
    assert infra.push_logs(task["task_id"], [(3, "lat", "three"), (4, "lat", "four")]) == 4
    # a stream opened after the restart resumes after the last line its client had
    s = run_stream(backend, team.viewer.token, p, run1["experimentRunID"], headers={"Last-Event-ID": "2"})
    ev = s.collect(lambda e: e.event == "log" and e.id == 4)
    assert [(e.id, e.data["line"]) for e in ev if e.event == "log"] == [(3, "three"), (4, "four")]
    # the queued run's task survived too, and is delivered once the running one is reported
    tasks = infra.poll(wait_ms=500)[0]
    assert [t["run_id"] for t in tasks] == [run2["experimentRunID"]]
    faults = [{"step": "lat", "verdict": "Pass", "probes": [("up", "Passed", 100)]},
              {"step": "cpu", "verdict": "Pass"}, {"step": "kill", "verdict": "Fail"}]
    first = infra.submit(task["task_id"], "Completed", faults)
    assert first["duplicate"] is False
    ev = s.collect(lambda e: e.event == "end")
    assert ev[-1].data == {"phase": "Completed"}
    s.close()

    kill_and_restart(backend)  # right after the result was acknowledged

    again = infra.submit(task["task_id"], "Completed", faults)  # the agent retries: same answer
    assert again == {"duplicate": True, "score": pytest.approx(first["score"])}
    r = ok(gql(backend.url, team.viewer.token, GET_RUN, q1))["getExperimentRun"]
    assert r["phase"] == "Completed" and r["resiliencyScore"] == pytest.approx(first["score"])
    assert [f["verdict"] for f in r["faults"]] == ["Pass", "Pass", "Fail"]
    # and the second run completes after the restart
    infra.report(tasks[0]["task_id"])
    infra.submit(tasks[0]["task_id"], "Completed", faults)
    q2 = {"p": p, "r": run2["experimentRunID"]}
    assert ok(gql(backend.url, team.viewer.token, GET_RUN, q2))["getExperimentRun"]["phase"] == "Completed"


def test_stream_on_one_backend_sees_logs_pushed_to_another(rift_auth, rift_backend, mongo_port):  # noqa: F811
    auth = rift_auth()
    db = f"mongodb://127.0.0.1:{mongo_port}/backend_{uuid.uuid4().hex[:12]}"
    users = rift_backend(auth, DB_SERVER=db)
    agents = rift_backend(auth, DB_SERVER=db)
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
    run_id = ok(gql(users.url, team.owner.token, RUN, {"p": team.project, "e": exp["experimentID"]}))[
        "runChaosExperiment"]["experimentRunID"]
    s = run_stream(users, team.viewer.token, team.project, run_id)  # on the users' process
    assert s.next().data["phase"] == "Queued"
    tasks = []
    for _ in range(10):
        tasks = infra.poll(wait_ms=1000)[0]
        if tasks:
            break
    infra.report(tasks[0]["task_id"])  # to the agents' process
    assert s.collect(lambda e: e.event == "run")[-1].data["phase"] == "Running"
    infra.push_logs(tasks[0]["task_id"], [(1, "lat", "from the other process"), (2, "cpu", "second")])
    ev = s.collect(lambda e: e.event == "log" and e.id == 2, timeout=5)
    assert [(e.id, e.data["line"]) for e in ev if e.event == "log"] == [(1, "from the other process"), (2, "second")]
    infra.submit(tasks[0]["task_id"], "Completed", [{"step": "lat", "verdict": "Pass", "probes": [("up", "Passed", 100)]},
                                                    {"step": "cpu", "verdict": "Pass"}, {"step": "kill", "verdict": "Pass"}])
    ev = s.collect(lambda e: e.event == "end", timeout=5)
    assert ev[-1].data == {"phase": "Completed"}
    assert [e for e in ev if e.event == "run"][-1].data["resiliencyScore"] == 100
    s.close()
