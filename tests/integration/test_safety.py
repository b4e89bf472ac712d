"""Safety controls on rift-backend with the real rift-auth and a fake infrastructure (fake_infra.py):
blast-radius guards refused at save and at dispatch (each rule named), emergency stop (project and
global, wakes a parked Poll with emergency_stop, cancels queued runs, refuses new ones until released),
dry-run tasks, and the audit trail (who, when, what, from where; Owners only; retention)."""
import json
import threading
import time

import pytest

from auth_client import Api
from backend_client import Team, errors, gql, ok
from fake_infra import FakeInfra, i, parse_task
from pbwire import decode as dec, encode as enc

CREATE_ENV = """mutation($p: ID!, $id: String!) { createEnvironment(projectID: $p,
  request: {environmentID: $id, name: "Prod", type: PROD}) { environmentID } }"""
REGISTER = """mutation($p: ID!, $env: String!) { registerInfra(projectID: $p, request: {name: "box",
  environmentID: $env, infrastructureType: Linux, platformName: "linux"}) { infraID token } }"""
SAVE = """mutation($p: ID!, $req: SaveChaosExperimentRequest!) { saveChaosExperiment(projectID: $p, request: $req) }"""
RUN = "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"
DRY = "mutation($p: ID!, $e: String!) { dryRunChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"
GUARDS = """mutation($p: ID!, $env: ID!, $g: EnvironmentGuardsInput!) {
  setEnvironmentGuards(projectID: $p, environmentID: $env, guards: $g) { allowedFaults maxDuration maxCpuLoad } }"""
GET_RUN = "query($p: ID!, $r: ID) { getExperimentRun(projectID: $p, experimentRunID: $r) { phase message dryRun } }"
ESTOP = """mutation($p: ID!, $why: String) { emergencyStop(projectID: $p, reason: $why)
  { active scope reason stoppedBy runsStopped } }"""
RELEASE = "mutation($p: ID!) { releaseEmergencyStop(projectID: $p) { active } }"
GET_ESTOP = "query($p: ID!) { getEmergencyStop(projectID: $p) { active scope stoppedBy } }"
AUDIT = """query($p: ID!, $f: AuditFilterInput) { listAuditEvents(projectID: $p, filter: $f,
  pagination: {page: 0, limit: 100}) { totalNoOfEvents events { action operation username userID source
  resource outcome detail timeMs service } } }"""


def step(name, fault, duration="10s", **tunables):
    return {"name": name, "fault": fault, "duration": duration, "tunables": tunables}


def manifest(*groups):
    return json.dumps({"groups": [{"steps": list(g)} for g in groups]})


SAFE = manifest([step("lat", "linux-network-latency", NETWORK_LATENCY="100", DESTINATION_IPS="10.1.2.3",
                      DESTINATION_PORTS="8080")])


@pytest.fixture
def world(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, AUDIT_RETENTION="1h")
    team = Team(auth.url)
    ok(gql(backend.url, team.owner.token, CREATE_ENV, {"p": team.project, "id": "prod"}))
    reg = ok(gql(backend.url, team.owner.token, REGISTER, {"p": team.project, "env": "prod"}))["registerInfra"]
    infra = FakeInfra(backend.rpc_url, reg["infraID"])
    infra.register(reg["token"])
    return auth, backend, team, infra


def save(backend, team, infra, text, exp_id="exp-1", token=None):
    req = {"id": exp_id, "name": exp_id, "manifest": text, "infraID": infra.infra_id}
    return gql(backend.url, token or team.owner.token, SAVE, {"p": team.project, "req": req})


def set_guards(backend, team, guards):
    return ok(gql(backend.url, team.owner.token, GUARDS, {"p": team.project, "env": "prod", "g": guards}))


def run(backend, team, exp_id="exp-1"):
    return gql(backend.url, team.executor.token, RUN, {"p": team.project, "e": exp_id})


def poll_raw(infra, wait_ms=2000):
    """Poll returning (tasks with dry_run, emergency_stop)."""
    m = infra.call("Poll", enc([(1, infra.auth()), (2, wait_ms)]), timeout=30)
    tasks = []
    for raw in m.get(1, []):
        t = parse_task(raw)
        t["dry_run"] = bool(i(dec(raw), 9))
        tasks.append(t)
    return tasks, bool(i(m, 3))


# (guards, manifest that breaks them, words the error must contain)
GUARD_CASES = [
    ({"allowedFaults": ["linux-cpu-stress"]}, SAFE, "guard allowedFaults: groups[0].steps[0] (lat)"),
    ({"forbiddenFaults": ["linux-network-latency"]}, SAFE, "guard forbiddenFaults"),
    ({"maxDuration": "5s"}, SAFE, "guard maxDuration: groups[0].steps[0] (lat): duration 10000 ms exceeds 5000 ms"),
    ({"allowedCIDRs": ["192.168.0.0/16"]}, SAFE, "guard allowedCIDRs: groups[0].steps[0] (lat): DESTINATION_IPS 10.1.2.3"),
    ({"allowedCIDRs": ["10.0.0.0/8"]}, manifest([step("lat", "linux-network-latency", NETWORK_LATENCY="100")]),
     "would hit every destination"),
    ({"allowedHosts": ["db.internal"]},
     manifest([step("lat", "linux-network-latency", NETWORK_LATENCY="1", DESTINATION_HOSTS="api.internal")]),
     "guard allowedHosts: groups[0].steps[0] (lat): DESTINATION_HOSTS api.internal"),
    ({"allowedPorts": ["9000-9100"]}, SAFE, "guard allowedPorts: groups[0].steps[0] (lat): DESTINATION_PORTS 8080"),
    ({"allowedProcessNames": ["nginx"]}, manifest([step("k", "linux-process-kill", PROCESS_NAMES="postgres")]),
     "guard allowedProcessNames: groups[0].steps[0] (k): process postgres"),
    ({"allowedPaths": ["/var/tmp"]}, manifest([step("d", "linux-disk-fill", FILL_PATH="/etc")]),
     "guard allowedPaths: groups[0].steps[0] (d): FILL_PATH /etc"),
    ({"maxCpuLoad": 50}, manifest([step("c", "linux-cpu-stress", LOAD="90")]),
     "guard maxCpuLoad: groups[0].steps[0] (c): LOAD 90% exceeds 50%"),
    ({"maxDiskFill": 20}, manifest([step("d", "linux-disk-fill", FILL_STORAGE="40%")]),
     "guard maxDiskFill: groups[0].steps[0] (d): FILL_STORAGE 40% exceeds 20%"),
    ({"maxConcurrentFaults": 1}, manifest([step("c", "linux-cpu-stress"), step("m", "linux-memory-stress")]),
     "guard maxConcurrentFaults: 2 fault(s) at once plus 0 already running"),
]


@pytest.mark.parametrize("guards,text,words", GUARD_CASES, ids=[next(iter(c[0])) for c in GUARD_CASES])
def test_each_guard_refuses_at_save_and_at_dispatch(world, guards, text, words):
    auth, backend, team, infra = world
    # at save: the guard is set first
    set_guards(backend, team, guards)
    got = errors(save(backend, team, infra, text))
    assert got and words in got[0] and "(environment prod)" in got[0], got
    # at dispatch: saved while allowed, the guard tightened afterwards
    set_guards(backend, team, {})
    ok(save(backend, team, infra, text))
    set_guards(backend, team, guards)
    got = errors(run(backend, team))
    assert got and words in got[0], got
    assert infra.poll(wait_ms=100) == ([], False)  # nothing was dispatched
    set_guards(backend, team, {})
    ok(run(backend, team))


def test_guards_accept_what_they_allow_and_reject_bad_input(world):
    auth, backend, team, infra = world
    set_guards(backend, team, {"allowedCIDRs": ["10.0.0.0/8"], "allowedPorts": ["8000-8100"],
                               "allowedFaults": ["linux-network-latency"], "maxDuration": "1m",
                               "maxConcurrentFaults": 2})
    ok(save(backend, team, infra, SAFE))
    ok(run(backend, team))
    got = ok(gql(backend.url, team.viewer.token, """query($p: ID!) { getEnvironmentGuards(projectID: $p,
        environmentID: "prod") { allowedCIDRs maxDuration maxConcurrentFaults } }""", {"p": team.project}))
    assert got["getEnvironmentGuards"] == {"allowedCIDRs": ["10.0.0.0/8"], "maxDuration": "1m",
                                           "maxConcurrentFaults": 2}
    bad = errors(gql(backend.url, team.owner.token, GUARDS, {"p": team.project, "env": "prod",
                                                            "g": {"maxCpuLoad": 150}}))
    assert bad == ["guards.maxCpuLoad: an integer in 0..100"]
    bad = errors(gql(backend.url, team.owner.token, GUARDS, {"p": team.project, "env": "prod",
                                                            "g": {"maxDuration": "soon"}}))
    assert bad == ["guards.maxDuration: a duration such as 90s or 5m"]
    denied = errors(gql(backend.url, team.executor.token, GUARDS, {"p": team.project, "env": "prod", "g": {}}))
    assert denied and "permission" in denied[0]


def test_max_concurrent_faults_counts_running_runs_at_dispatch(world):
    auth, backend, team, infra = world
    two = manifest([step("c", "linux-cpu-stress"), step("m", "linux-memory-stress")])
    set_guards(backend, team, {"maxConcurrentFaults": 3})
    ok(save(backend, team, infra, two, "exp-a"))
    ok(save(backend, team, infra, two, "exp-b"))
    ok(run(backend, team, "exp-a"))
    tasks, _ = infra.poll(wait_ms=1000)
    infra.report(tasks[0]["task_id"], "Running")
    got = errors(run(backend, team, "exp-b"))
    assert got and "guard maxConcurrentFaults: 2 fault(s) at once plus 2 already running" in got[0], got


def test_emergency_stop_wakes_agent_cancels_and_blocks_until_released(world):
    auth, backend, team, infra = world
    ok(save(backend, team, infra, SAFE))
    ok(save(backend, team, infra, SAFE, "exp-2"))
    first = ok(run(backend, team))["runChaosExperiment"]["experimentRunID"]
    tasks, _ = infra.poll(wait_ms=1000)
    infra.report(tasks[0]["task_id"], "Running")

    got = []
    poller = threading.Thread(target=lambda: got.append(poll_raw(infra, wait_ms=2500)))
    poller.start()
    time.sleep(0.5)  # the poll is parked: nothing is queued for this infrastructure
    t0 = time.monotonic()
    st = ok(gql(backend.url, team.viewer.token, ESTOP, {"p": team.project, "why": "pager"}))["emergencyStop"]
    poller.join(10)
    assert st == {"active": True, "scope": "project", "reason": "pager", "stoppedBy": "viewer", "runsStopped": 1}
    assert got, "poll not answered"
    tasks, estop = got[0]
    assert estop, "the parked poll did not carry emergency_stop"
    assert time.monotonic() - t0 < 2.0
    assert [(t["run_id"], t["kind"]) for t in tasks] == [(first, "stop")]
    # new runs are refused, and later polls keep saying so
    refused = errors(run(backend, team, "exp-2"))
    assert refused and "emergency stop in force (this project, by viewer)" in refused[0]
    assert poll_raw(infra, wait_ms=100)[1] is True
    # a Viewer cannot release; the Owner can
    assert errors(gql(backend.url, team.viewer.token, RELEASE, {"p": team.project}))
    assert ok(gql(backend.url, team.owner.token, RELEASE, {"p": team.project}))["releaseEmergencyStop"] == \
        {"active": False}
    assert ok(gql(backend.url, team.viewer.token, GET_ESTOP, {"p": team.project}))["getEmergencyStop"]["active"] \
        is False
    # a queued run (never received by the agent) is Stopped at once by the next stop
    queued = ok(run(backend, team, "exp-2"))["runChaosExperiment"]["experimentRunID"]
    ok(gql(backend.url, team.executor.token, ESTOP, {"p": team.project, "why": "again"}))
    q = ok(gql(backend.url, team.viewer.token, GET_RUN, {"p": team.project, "r": queued}))["getExperimentRun"]
    assert q["phase"] == "Stopped" and q["message"] == "emergency stop"
    assert poll_raw(infra, wait_ms=100) == ([], True)  # the cancelled task is never delivered
    ok(gql(backend.url, team.owner.token, RELEASE, {"p": team.project}))
    ok(run(backend, team, "exp-2"))
    tasks, estop = poll_raw(infra, wait_ms=1000)
    assert estop is False and [t["kind"] for t in tasks] == ["run"]


def test_global_emergency_stop_is_for_admins_and_covers_every_project(world):
    auth, backend, team, infra = world
    ok(save(backend, team, infra, SAFE))
    denied = errors(gql(backend.url, team.owner.token, "mutation { emergencyStopAll(reason: \"x\") { active } }"))
    assert denied and "only a global admin" in denied[0]
    admin = Api(auth.url)
    admin.token = admin.login("admin", "Admin@12345")["accessToken"]
    got = []
    poller = threading.Thread(target=lambda: got.append(poll_raw(infra, wait_ms=2500)))
    poller.start()
    time.sleep(0.5)  # parked
    t0 = time.monotonic()
    st = ok(gql(backend.url, admin.token, "mutation { emergencyStopAll(reason: \"x\") { active scope } }"))
    poller.join(10)
    assert st["emergencyStopAll"] == {"active": True, "scope": "global"}
    assert got == [([], True)] and time.monotonic() - t0 < 2.0  # every infrastructure hears it at once
    assert ok(gql(backend.url, team.viewer.token, GET_ESTOP, {"p": team.project}))["getEmergencyStop"] == \
        {"active": True, "scope": "global", "stoppedBy": "admin"}
    refused = errors(run(backend, team))
    assert refused and "emergency stop in force (every project, by admin)" in refused[0]
    # a project release does not lift the global stop
    ok(gql(backend.url, team.owner.token, RELEASE, {"p": team.project}))
    assert errors(run(backend, team))
    ok(gql(backend.url, admin.token, "mutation { releaseEmergencyStopAll { active } }"))
    ok(run(backend, team))


def test_dry_run_task_carries_the_flag(world):
    auth, backend, team, infra = world
    ok(save(backend, team, infra, SAFE))
    rid = ok(gql(backend.url, team.executor.token, DRY, {"p": team.project, "e": "exp-1"}))
    rid = rid["dryRunChaosExperiment"]["experimentRunID"]
    tasks, _ = poll_raw(infra, wait_ms=1000)
    assert [t["dry_run"] for t in tasks] == [True] and tasks[0]["run_id"] == rid
    assert ok(gql(backend.url, team.viewer.token, GET_RUN, {"p": team.project, "r": rid}))["getExperimentRun"][
        "dryRun"] is True
    denied = errors(gql(backend.url, team.viewer.token, DRY, {"p": team.project, "e": "exp-1"}))
    assert denied and "permission" in denied[0]
    # guards apply to dry runs too
    set_guards(backend, team, {"maxDuration": "1s"})
    assert "guard maxDuration" in errors(gql(backend.url, team.executor.token, DRY,
                                            {"p": team.project, "e": "exp-1"}))[0]


def test_audit_trail_records_who_what_when_where_for_owners_only(world):
    auth, backend, team, infra = world
    t0 = time.time() * 1000
    ok(save(backend, team, infra, SAFE))
    ok(run(backend, team))
    ok(gql(backend.url, team.executor.token, """mutation($p: ID!) { stopExperimentRuns(projectID: $p,
        experimentID: "exp-1") }""", {"p": team.project}))
    ok(gql(backend.url, team.viewer.token, ESTOP, {"p": team.project, "why": "drill"}))
    ok(gql(backend.url, team.owner.token, RELEASE, {"p": team.project}))
    errors(save(backend, team, infra, "{not json", "exp-bad"))
    ok(gql(backend.url, team.owner.token, """mutation($p: ID!) { deleteChaosExperiment(projectID: $p,
        experimentID: "exp-1") }""", {"p": team.project}))
    events = ok(gql(backend.url, team.owner.token, AUDIT, {"p": team.project}))["listAuditEvents"]["events"]
    seen = {(e["operation"], e["username"], e["outcome"]) for e in events}
    for want in [("createEnvironment", "owner", "success"), ("registerInfra", "owner", "success"),
                 ("saveChaosExperiment", "owner", "success"), ("runChaosExperiment", "executor", "success"),
                 ("stopExperimentRuns", "executor", "success"), ("emergencyStop", "viewer", "success"),
                 ("releaseEmergencyStop", "owner", "success"), ("saveChaosExperiment", "owner", "failure"),
                 ("deleteChaosExperiment", "owner", "delete" and "success")]:
        assert want in seen, (want, seen)
    by_op = {e["operation"]: e for e in events if e["outcome"] == "success"}
    assert by_op["emergencyStop"]["action"] == "emergency_stop"
    assert by_op["deleteChaosExperiment"]["action"] == "delete"
    assert by_op["runChaosExperiment"]["action"] == "run" and "experimentID=exp-1" in by_op["runChaosExperiment"]["resource"]
    assert all(e["source"] == "127.0.0.1" and e["userID"] and e["service"] == "backend" for e in events)
    assert all(t0 - 1000 <= e["timeMs"] <= time.time() * 1000 + 1000 for e in events)
    times = [e["timeMs"] for e in events]
    assert times == sorted(times, reverse=True)
    fail = [e for e in events if e["outcome"] == "failure"][0]
    assert fail["detail"]  # the error the caller saw
    only = ok(gql(backend.url, team.owner.token, AUDIT, {"p": team.project, "f": {"action": "emergency_stop"}}))
    assert [e["username"] for e in only["listAuditEvents"]["events"]] == ["viewer"]
    for who in (team.executor, team.viewer, team.stranger):
        assert errors(gql(backend.url, who.token, AUDIT, {"p": team.project}))
    # a refused mutation is recorded with who tried
    assert errors(gql(backend.url, team.stranger.token, ESTOP, {"p": team.project, "why": "x"}))
    denied = ok(gql(backend.url, team.owner.token, AUDIT, {"p": team.project, "f": {"username": "stranger"}}))
    assert [(e["operation"], e["outcome"]) for e in denied["listAuditEvents"]["events"]] == \
        [("emergencyStop", "failure")]


def test_audit_retention_expires_events(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, AUDIT_RETENTION="2s")
    team = Team(auth.url)
    ok(gql(backend.url, team.owner.token, CREATE_ENV, {"p": team.project, "id": "prod"}))
    n = ok(gql(backend.url, team.owner.token, AUDIT, {"p": team.project}))["listAuditEvents"]["totalNoOfEvents"]
    assert n == 1
    time.sleep(2.5)
    n = ok(gql(backend.url, team.owner.token, AUDIT, {"p": team.project}))["listAuditEvents"]["totalNoOfEvents"]
    assert n == 0


def test_auth_audit_records_logins_and_role_changes(rift_auth):
    auth = rift_auth()
    team = Team(auth.url)
    bad = Api(auth.url).post("/login", {"username": "owner", "password": "Wrong@12345"}, token="")
    assert bad.status_code == 401
    viewer_uid = team.viewer.uid
    r = team.owner.post("/update_member_role", {"projectID": team.project, "userID": viewer_uid, "role": "Executor"})
    assert r.status_code == 200, r.text
    admin = Api(auth.url)
    admin.token = admin.login("admin", "Admin@12345")["accessToken"]
    got = admin.get("/audit_events")
    assert got.status_code == 200, got.text
    events = got.json()["events"]
    logins = [(e["username"], e["outcome"]) for e in events if e["action"] == "login"]
    assert ("owner", "failure") in logins and ("owner", "success") in logins and ("admin", "success") in logins
    assert all(e["source"] == "127.0.0.1" and e["service"] == "auth" and e["timeMs"] > 0 for e in events)
    roles = team.owner.get(f"/audit_events?projectID={team.project}").json()["events"]
    assert [(e["action"], e["username"], e["detail"]) for e in roles] == \
        [("role_change", "owner", f"user {viewer_uid} is now Executor")]
    # not for others: a Viewer of the project, anyone without projectID
    assert team.executor.get(f"/audit_events?projectID={team.project}").status_code == 403
    assert team.owner.get("/audit_events").status_code == 403


def test_a_task_delivered_before_the_stop_is_told_to_stop_when_reported(world):
    auth, backend, team, infra = world
    ok(save(backend, team, infra, SAFE))
    ok(run(backend, team))
    tasks, _ = infra.poll(wait_ms=1000)  # delivered, not yet reported Running
    st = ok(gql(backend.url, team.viewer.token, ESTOP, {"p": team.project}))["emergencyStop"]
    assert st["runsStopped"] == 1
    assert infra.report(tasks[0]["task_id"], "Running") == {"stop_requested": True}
    rid = tasks[0]["run_id"]
    assert ok(gql(backend.url, team.viewer.token, GET_RUN, {"p": team.project, "r": rid}))["getExperimentRun"][
        "phase"] == "Stopped"
