"""rift-backend end to end with the real rift-auth and a fake infrastructure (fake_infra.py):
environment -> registerInfra -> RegisterInfra -> experiment -> run -> Poll -> logs -> result -> score."""
import json
import threading
import time

import pytest

from backend_client import LATENCY_MANIFEST, Team, errors, gql, ok
from fake_infra import FakeInfra, TwirpError

REGISTER = """mutation($p: ID!, $env: String!) { registerInfra(projectID: $p, request: {name: "box-1",
  environmentID: $env, infrastructureType: Linux, platformName: "linux"}) { infraID token manifest installCommand } }"""
CREATE_ENV = """mutation($p: ID!, $id: String!) { createEnvironment(projectID: $p,
  request: {environmentID: $id, name: "Staging", type: NON_PROD, tags: ["a"]}) { environmentID name type } }"""
CREATE_EXP = """mutation($p: ID!, $req: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $req)
  { experimentID experimentName } }"""
RUN = "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { notifyID experimentRunID } }"
GET_RUN = """query($p: ID!, $r: ID) { getExperimentRun(projectID: $p, experimentRunID: $r) { phase resiliencyScore
  faultsPassed faultsFailed totalFaults faults { step verdict weight probeSuccessPercentage } infra { infraID } } }"""


@pytest.fixture
def world(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth)
    team = Team(auth.url)
    return auth, backend, team


def setup_infra(backend, team):
    ok(gql(backend.url, team.owner.token, CREATE_ENV, {"p": team.project, "id": "staging"}))
    reg = ok(gql(backend.url, team.owner.token, REGISTER, {"p": team.project, "env": "staging"}))["registerInfra"]
    infra = FakeInfra(backend.rpc_url, reg["infraID"])
    infra.register(reg["token"])
    return infra, reg


def create_experiment(backend, team, infra_id, manifest=LATENCY_MANIFEST, name="exp-1"):
    req = {"experimentName": name, "experimentManifest": json.dumps(manifest), "infraID": infra_id,
           "experimentDescription": "d", "cronSyntax": "", "isCustomExperiment": True, "weightages": []}
    return gql(backend.url, team.owner.token, CREATE_EXP, {"p": team.project, "req": req})


def test_register_gives_install_command_and_key_works_once(world):
    auth, backend, team = world
    infra, reg = setup_infra(backend, team)
    assert reg["installCommand"] == reg["manifest"]
    assert f"--infra-id '{reg['infraID']}'" in reg["installCommand"]
    assert f"printf '%s' '{reg['token']}'" in reg["installCommand"]
    assert f"--endpoint '{backend.rpc_url}'" in reg["installCommand"]
    with pytest.raises(TwirpError) as e:
        FakeInfra(backend.rpc_url, reg["infraID"]).register(reg["token"])
    assert e.value.code == "unauthenticated"
    assert infra.heartbeat()["superseded"] is False
    got = ok(gql(backend.url, team.viewer.token,
                 "query($p: ID!, $i: String!) { getInfra(projectID: $p, infraID: $i) { isActive isInfraConfirmed hostname } }",
                 {"p": team.project, "i": reg["infraID"]}))["getInfra"]
    assert got == {"isActive": True, "isInfraConfirmed": True, "hostname": "host-1"}


def test_full_run_lifecycle_and_score(world):
    auth, backend, team = world
    infra, reg = setup_infra(backend, team)
    exp = ok(create_experiment(backend, team, reg["infraID"]))["createChaosExperiment"]

    got = []
    poller = threading.Thread(target=lambda: got.append(infra.poll(wait_ms=10000)))
    poller.start()
    time.sleep(0.5)  # the poll is parked before the run exists
    t0 = time.monotonic()
    run = ok(gql(backend.url, team.executor.token, RUN, {"p": team.project, "e": exp["experimentID"]}))
    run = run["runChaosExperiment"]
    poller.join(15)
    assert got and time.monotonic() - t0 < 2.0, "the parked poll was not woken by the new task"
    tasks, superseded = got[0]
    assert not superseded and len(tasks) == 1
    task = tasks[0]
    assert task["run_id"] == run["experimentRunID"] and task["kind"] == "run"
    assert [[s["name"] for s in g] for g in task["groups"]] == [["lat", "cpu"], ["kill"]]
    lat = task["groups"][0][0]
    assert lat["tunables"] == {"NETWORK_LATENCY": "200", "JITTER": "10"} and lat["duration_ms"] == 5000
    assert lat["weight"] == 10 and task["groups"][0][1]["weight"] == 30 and lat["probes"] == ["up"]

    q = {"p": team.project, "r": run["experimentRunID"]}
    assert ok(gql(backend.url, team.viewer.token, GET_RUN, q))["getExperimentRun"]["phase"] == "Queued"
    assert infra.report(task["task_id"], "Running")["stop_requested"] is False
    assert ok(gql(backend.url, team.viewer.token, GET_RUN, q))["getExperimentRun"]["phase"] == "Running"

    assert infra.push_logs(task["task_id"], [(1, "lat", "injecting"), (2, "lat", "injected")]) == 2
    assert infra.push_logs(task["task_id"], [(2, "lat", "injected"), (3, "cpu", "x")]) == 3  # retry overlap
    with pytest.raises(TwirpError) as e:
        infra.push_logs(task["task_id"], [(5, "cpu", "gap")])
    assert e.value.code == "invalid_argument" and "next expected seq is 4" in e.value.msg

    faults = [{"step": "lat", "fault": "linux-network-latency", "verdict": "Pass", "probes": [("up", "Passed", 50)]},
              {"step": "cpu", "fault": "linux-cpu-stress", "verdict": "Pass"},
              {"step": "kill", "fault": "linux-process-kill", "verdict": "Fail"}]
    res = infra.submit(task["task_id"], "Completed", faults)
    # (10*50 + 30*100 + 10*0) / 50 = 70
    assert res == {"duplicate": False, "score": pytest.approx(70.0)}
    again = infra.submit(task["task_id"], "Error", [{"step": "lat", "verdict": "Fail"}])
    assert again == {"duplicate": True, "score": pytest.approx(70.0)}

    r = ok(gql(backend.url, team.viewer.token, GET_RUN, q))["getExperimentRun"]
    assert r["phase"] == "Completed" and r["resiliencyScore"] == pytest.approx(70.0)
    logs = ok(gql(backend.url, team.viewer.token,
                  "query($p: ID!, $r: ID) { getExperimentRun(projectID: $p, experimentRunID: $r) { all: logs { seq step line } tail: logs(afterSeq: 1, limit: 1) { seq } } }",
                  q))["getExperimentRun"]
    assert logs["all"] == [{"seq": 1, "step": "lat", "line": "injecting"}, {"seq": 2, "step": "lat", "line": "injected"},
                           {"seq": 3, "step": "cpu", "line": "x"}]
    assert logs["tail"] == [{"seq": 2}]
    assert (r["faultsPassed"], r["faultsFailed"], r["totalFaults"]) == (2, 1, 3)
    assert r["infra"] == {"infraID": reg["infraID"]}
    avg = ok(gql(backend.url, team.viewer.token,
                 "query($p: ID!, $e: String!) { getExperiment(projectID: $p, experimentID: $e) { averageResiliencyScore experimentDetails { name infra { name } } } }",
                 {"p": team.project, "e": exp["experimentID"]}))["getExperiment"]
    assert avg == {"averageResiliencyScore": pytest.approx(70.0), "experimentDetails": {"name": "exp-1", "infra": {"name": "box-1"}}}
    listed = ok(gql(backend.url, team.viewer.token,
                    "query($p: ID!) { listExperiment(projectID: $p, request: {}) { experiments { recentExperimentRunDetails { experimentRunID phase resiliencyScore runSequence } } } }",
                    {"p": team.project}))["listExperiment"]["experiments"]
    assert listed == [{"recentExperimentRunDetails": [{"experimentRunID": run["experimentRunID"], "phase": "Completed",
                                                       "resiliencyScore": pytest.approx(70.0), "runSequence": 1}]}]
    assert infra.poll(wait_ms=200)[0] == []  # nothing left for this infrastructure
    stats = ok(gql(backend.url, team.viewer.token,
                   "query($p: ID!) { getExperimentStats(projectID: $p) { totalExperiments totalExpCategorizedByResiliencyScore { id count } } "
                   "getExperimentRunStats(projectID: $p) { totalExperimentRuns totalCompletedExperimentRuns totalRunningExperimentRuns } }",
                   {"p": team.project}))
    assert stats["getExperimentStats"] == {"totalExperiments": 1, "totalExpCategorizedByResiliencyScore": [
        {"id": 0, "count": 0}, {"id": 40, "count": 1}, {"id": 80, "count": 0}]}
    assert stats["getExperimentRunStats"] == {"totalExperimentRuns": 1, "totalCompletedExperimentRuns": 1,
                                              "totalRunningExperimentRuns": 0}


def test_poll_times_out_empty_and_other_infra_cannot_touch_task(world):
    auth, backend, team = world
    infra, reg = setup_infra(backend, team)
    t0 = time.monotonic()
    assert infra.poll(wait_ms=500) == ([], False)
    assert 0.4 < time.monotonic() - t0 < 3
    other_reg = ok(gql(backend.url, team.owner.token,
                       REGISTER.replace("box-1", "box-2"), {"p": team.project, "env": "staging"}))["registerInfra"]
    other = FakeInfra(backend.rpc_url, other_reg["infraID"])
    other.register(other_reg["token"])
    exp = ok(create_experiment(backend, team, reg["infraID"]))["createChaosExperiment"]
    ok(gql(backend.url, team.owner.token, RUN, {"p": team.project, "e": exp["experimentID"]}))
    assert other.poll(wait_ms=200) == ([], False)
    tasks, _ = infra.poll(wait_ms=200)
    with pytest.raises(TwirpError) as e:
        other.submit(tasks[0]["task_id"], "Completed", [])
    assert e.value.code == "not_found"
    with pytest.raises(TwirpError) as e:
        FakeInfra(backend.rpc_url, reg["infraID"], access_key="wrong").heartbeat()
    assert e.value.code == "unauthenticated"
    with pytest.raises(TwirpError) as e:
        FakeInfra(backend.rpc_url, reg["infraID"], access_key=infra.access_key, major=2).heartbeat()
    assert e.value.code == "unimplemented" and "major version 2" in e.value.msg


def test_newest_connection_wins_and_restart_keeps_state(world):
    auth, backend, team = world
    infra, reg = setup_infra(backend, team)
    old = FakeInfra(backend.rpc_url, reg["infraID"], infra.access_key, connection_id="1000-old")
    new = FakeInfra(backend.rpc_url, reg["infraID"], infra.access_key, connection_id="2000-new")
    got = []
    t = threading.Thread(target=lambda: got.append(old.poll(wait_ms=10000)))
    t.start()
    time.sleep(0.5)
    assert new.heartbeat()["superseded"] is False
    t.join(5)
    assert got == [([], True)], "the older connection's parked poll was not told it is superseded"
    assert old.heartbeat()["superseded"] is True

    exp = ok(create_experiment(backend, team, reg["infraID"]))["createChaosExperiment"]
    run = ok(gql(backend.url, team.owner.token, RUN, {"p": team.project, "e": exp["experimentID"]}))["runChaosExperiment"]
    backend.stop()
    backend.start()
    # the agent restarts too: same stored key, newer connection id, no re-registration
    restarted = FakeInfra(backend.rpc_url, reg["infraID"], infra.access_key, connection_id="3000-restarted")
    tasks, sup = restarted.poll(wait_ms=500)
    assert not sup and [x["run_id"] for x in tasks] == [run["experimentRunID"]]
    restarted.report(tasks[0]["task_id"])
    restarted.submit(tasks[0]["task_id"], "Completed", [{"step": "lat", "verdict": "Pass"}])
    r = ok(gql(backend.url, team.viewer.token, GET_RUN, {"p": team.project, "r": run["experimentRunID"]}))
    assert r["getExperimentRun"]["phase"] == "Completed"


def test_rotate_key_keeps_old_key_for_overlap(world):
    auth, backend, team = world
    infra, reg = setup_infra(backend, team)
    old_key = infra.rotate()
    assert old_key != infra.access_key
    assert infra.heartbeat()["superseded"] is False
    FakeInfra(backend.rpc_url, reg["infraID"], old_key, connection_id=infra.connection_id).heartbeat()


def test_stop_queued_run(world):
    auth, backend, team = world
    infra, reg = setup_infra(backend, team)
    exp = ok(create_experiment(backend, team, reg["infraID"]))["createChaosExperiment"]
    run = ok(gql(backend.url, team.executor.token, RUN, {"p": team.project, "e": exp["experimentID"]}))["runChaosExperiment"]
    assert ok(gql(backend.url, team.executor.token,
                  "mutation($p: ID!, $e: String!) { stopExperimentRuns(projectID: $p, experimentID: $e) }",
                  {"p": team.project, "e": exp["experimentID"]})) == {"stopExperimentRuns": True}
    r = ok(gql(backend.url, team.viewer.token, GET_RUN, {"p": team.project, "r": run["experimentRunID"]}))
    assert r["getExperimentRun"]["phase"] == "Stopped"
    assert infra.poll(wait_ms=200) == ([], False)


def test_stop_running_run_reaches_agent(world):
    auth, backend, team = world
    infra, reg = setup_infra(backend, team)
    exp = ok(create_experiment(backend, team, reg["infraID"]))["createChaosExperiment"]
    ok(gql(backend.url, team.executor.token, RUN, {"p": team.project, "e": exp["experimentID"]}))
    task = infra.poll(wait_ms=200)[0][0]
    infra.report(task["task_id"])
    ok(gql(backend.url, team.executor.token,
           "mutation($p: ID!, $e: String!) { stopExperimentRuns(projectID: $p, experimentID: $e) }",
           {"p": team.project, "e": exp["experimentID"]}))
    tasks, _ = infra.poll(wait_ms=200)
    assert [(x["task_id"], x["kind"]) for x in tasks] == [(task["task_id"], "stop")]
    assert infra.report(task["task_id"])["stop_requested"] is True


def test_liveness_goes_inactive_and_records_events(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, INFRA_INACTIVITY_TIMEOUT="1s")
    team = Team(auth.url)
    infra, reg = setup_infra(backend, team)
    infra.heartbeat()
    q = "query($p: ID!, $i: String!) { getInfra(projectID: $p, infraID: $i) { isActive lastHeartbeat } }"
    v = {"p": team.project, "i": reg["infraID"]}
    assert ok(gql(backend.url, team.viewer.token, q, v))["getInfra"]["isActive"] is True
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline and ok(gql(backend.url, team.viewer.token, q, v))["getInfra"]["isActive"]:
        time.sleep(0.2)
    assert ok(gql(backend.url, team.viewer.token, q, v))["getInfra"]["isActive"] is False
    infra.heartbeat()
    assert ok(gql(backend.url, team.viewer.token, q, v))["getInfra"]["isActive"] is True
    log = backend.log_text()
    assert log.count("event=inactive") >= 1 and log.count("event=active") >= 2


def test_running_run_times_out_and_agent_is_told_to_stop(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, RUN_TIMEOUT_GRACE="500ms")
    team = Team(auth.url)
    infra, reg = setup_infra(backend, team)
    short = {"groups": [{"steps": [{"name": "cpu", "fault": "linux-cpu-stress", "duration": "1s"}]}]}
    exp = ok(create_experiment(backend, team, reg["infraID"], manifest=short))["createChaosExperiment"]
    run = ok(gql(backend.url, team.owner.token, RUN, {"p": team.project, "e": exp["experimentID"]}))["runChaosExperiment"]
    task = infra.poll(wait_ms=200)[0][0]
    t0 = time.monotonic()
    infra.report(task["task_id"])  # deadline: 1 s of faults + 0.5 s grace
    q = {"p": team.project, "r": run["experimentRunID"]}
    phase = "Running"
    while phase == "Running" and time.monotonic() - t0 < 10:
        time.sleep(0.1)
        phase = ok(gql(backend.url, team.viewer.token, GET_RUN, q))["getExperimentRun"]["phase"]
    assert phase == "Timeout" and time.monotonic() - t0 >= 1.4
    assert infra.report(task["task_id"])["stop_requested"] is True
    assert [(x["task_id"], x["kind"]) for x in infra.poll(wait_ms=200)[0]] == [(task["task_id"], "stop")]
    late = infra.submit(task["task_id"], "Completed", [{"step": "cpu", "verdict": "Pass"}])
    assert late["duplicate"] is True
    assert ok(gql(backend.url, team.viewer.token, GET_RUN, q))["getExperimentRun"]["phase"] == "Timeout"


def test_agent_disconnect_mid_run_then_reconnect_completes(rift_auth, rift_backend):
    """The agent goes silent mid-run (infrastructure inactive), then comes back with its stored key
    and a newer connection: it finishes the run it had, nothing is re-registered."""
    auth = rift_auth()
    backend = rift_backend(auth, INFRA_INACTIVITY_TIMEOUT="500ms")
    team = Team(auth.url)
    infra, reg = setup_infra(backend, team)
    exp = ok(create_experiment(backend, team, reg["infraID"]))["createChaosExperiment"]
    run = ok(gql(backend.url, team.owner.token, RUN, {"p": team.project, "e": exp["experimentID"]}))["runChaosExperiment"]
    task = infra.poll(wait_ms=200)[0][0]
    infra.report(task["task_id"])
    q = "query($p: ID!, $i: String!) { getInfra(projectID: $p, infraID: $i) { isActive } }"
    v = {"p": team.project, "i": reg["infraID"]}
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and ok(gql(backend.url, team.viewer.token, q, v))["getInfra"]["isActive"]:
        time.sleep(0.1)
    assert ok(gql(backend.url, team.viewer.token, q, v))["getInfra"]["isActive"] is False
    back = FakeInfra(backend.rpc_url, reg["infraID"], infra.access_key,
                     connection_id=f"{int(time.time() * 1000) + 1}-back")
    assert back.report(task["task_id"])["stop_requested"] is False
    assert back.push_logs(task["task_id"], [(1, "lat", "resumed")]) == 1
    back.submit(task["task_id"], "Completed", [{"step": "lat", "verdict": "Pass"}, {"step": "cpu", "verdict": "Pass"},
                                               {"step": "kill", "verdict": "Pass"}])
    r = ok(gql(backend.url, team.viewer.token, GET_RUN, {"p": team.project, "r": run["experimentRunID"]}))["getExperimentRun"]
    assert r["phase"] == "Completed" and r["resiliencyScore"] == pytest.approx(100.0)
    assert ok(gql(backend.url, team.viewer.token, q, v))["getInfra"]["isActive"] is True
