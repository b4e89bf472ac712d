"""Cron experiments on rift-backend with the real rift-auth: cronSyntax validated on create/save/update,
a slot starts exactly one run even with two backends on one store, a slot missed while no backend ran is
recorded as a Skipped run (not run late), updateCronExperimentState pauses and resumes, and a Queued run
that no infrastructure picks up becomes Timeout. The backends' wall clock is moved through the test-only
RIFT_TEST_CLOCK_OFFSET_FILE (the machine's clock is never touched)."""
import json
import sqlite3
import time
import uuid

import pytest

from backend_client import LATENCY_MANIFEST, Team, errors, gql, ok
from test_backend_mongo import mongo_port  # noqa: F401  (the MongoDB-compatible server, module-scoped)

CREATE = """mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r)
  { experimentID cronSyntax } }"""
UPDATE = """mutation($p: ID!, $r: ChaosExperimentRequest!) { updateChaosExperiment(projectID: $p, request: $r)
  { experimentID } }"""
SAVE = "mutation($p: ID!, $r: SaveChaosExperimentRequest!) { saveChaosExperiment(projectID: $p, request: $r) }"
STATE = """mutation($p: ID!, $e: String!, $d: Boolean!) { updateCronExperimentState(projectID: $p,
  experimentID: $e, disable: $d) }"""
GET = """query($p: ID!, $e: String!) { getExperiment(projectID: $p, experimentID: $e) { experimentDetails {
  cronSyntax schedule { cronSyntax disabled nextSlotMs lastSlotMs } } } }"""
RUNS = """query($p: ID!, $e: [ID]) { listExperimentRun(projectID: $p, request: {experimentIDs: $e}) {
  experimentRuns { experimentRunID phase message createdBy { username } } } }"""
RUN = "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"
GET_RUN = "query($p: ID!, $r: ID) { getExperimentRun(projectID: $p, experimentRunID: $r) { phase message } }"


class Clock:
    """The backends' wall clock: real time plus the offset in a file they read."""

    def __init__(self, path):
        self.path = path
        self.set_offset(0)

    def set_offset(self, ms):
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(str(int(ms)))
        tmp.replace(self.path)

    def move_to(self, epoch_ms):
        self.set_offset(epoch_ms - time.time() * 1000)
        time.sleep(0.15)  # read again at most every 100 ms


@pytest.fixture
def world(rift_auth, rift_backend, tmp_path):
    auth = rift_auth()
    clock = Clock(tmp_path / "clock-offset")
    env = {"AUTH_CACHE_TTL": "0s", "RIFT_TEST_CLOCK_OFFSET_FILE": str(tmp_path / "clock-offset")}
    backend = rift_backend(auth, **env)
    team = Team(auth.url)
    p = team.project
    ok(gql(backend.url, team.owner.token, 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }', {"p": p}))
    infra = ok(gql(backend.url, team.owner.token, 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "b", environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID } }', {"p": p}))["registerInfra"]["infraID"]
    return auth, backend, team, infra, clock, env


def create(backend, team, infra, cron, name="cron-exp"):
    req = {"experimentName": name, "experimentManifest": json.dumps(LATENCY_MANIFEST), "infraID": infra,
           "cronSyntax": cron}
    return gql(backend.url, team.owner.token, CREATE, {"p": team.project, "r": req})


def schedule(backend, team, exp):
    d = ok(gql(backend.url, team.viewer.token, GET, {"p": team.project, "e": exp}))["getExperiment"]
    return d["experimentDetails"]["schedule"]


def runs(backend, team, exp):
    return ok(gql(backend.url, team.viewer.token, RUNS, {"p": team.project, "e": [exp]}))[
        "listExperimentRun"]["experimentRuns"]


def wait_runs(backend, team, exp, n, timeout=8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = runs(backend, team, exp)
        if len(got) >= n:
            return got
        time.sleep(0.2)
    return runs(backend, team, exp)


def test_cron_syntax_is_validated_on_create_save_update(world):
    auth, backend, team, infra, clock, env = world
    assert errors(create(backend, team, infra, "61 * * * *")) == ["request.cronSyntax: minute: 61 is out of range 0-59"]
    assert errors(create(backend, team, infra, "* * *")) == [
        "request.cronSyntax: expected five fields (minute hour day-of-month month day-of-week), got fewer"]
    exp = ok(create(backend, team, infra, "*/10 * * * *"))["createChaosExperiment"]
    assert exp["cronSyntax"] == "*/10 * * * *"
    req = {"experimentID": exp["experimentID"], "experimentName": "x", "infraID": infra,
           "experimentManifest": json.dumps(LATENCY_MANIFEST), "cronSyntax": "* * * JUNE *"}
    assert errors(gql(backend.url, team.owner.token, UPDATE, {"p": team.project, "r": req})) == [
        'request.cronSyntax: month: "JUNE" is not a value, range, list or step']
    save = {"id": "saved", "name": "s", "manifest": json.dumps(LATENCY_MANIFEST), "infraID": infra,
            "cronSyntax": "0 0 31 4 *"}
    assert errors(gql(backend.url, team.owner.token, SAVE, {"p": team.project, "r": save})) == [
        "request.cronSyntax: day of month: no selected month has such a day, the schedule never runs"]
    save["cronSyntax"] = "@daily"
    assert ok(gql(backend.url, team.owner.token, SAVE, {"p": team.project, "r": save}))
    nxt = schedule(backend, team, "saved")["nextSlotMs"]
    assert nxt % 86400000 == 0 and 0 < nxt - time.time() * 1000 <= 86400000
    # saving again without cronSyntax removes the schedule; a plain experiment has none
    del save["cronSyntax"]
    assert ok(gql(backend.url, team.owner.token, SAVE, {"p": team.project, "r": save}))
    assert schedule(backend, team, "saved") is None
    assert errors(gql(backend.url, team.owner.token, STATE, {"p": team.project, "e": "saved", "d": True})) == [
        "experimentID: not a cron experiment (it has no cronSyntax)"]


def test_a_slot_runs_once_with_two_backends_on_one_store(world, rift_backend):
    auth, backend, team, infra, clock, env = world
    other = rift_backend(auth, **env)  # same SQLite file, same clock
    exp = ok(create(backend, team, infra, "*/5 * * * *"))["createChaosExperiment"]["experimentID"]
    slot = schedule(backend, team, exp)["nextSlotMs"]
    assert slot % 300000 == 0
    clock.move_to(slot - 1500)
    got = wait_runs(backend, team, exp, 1)
    time.sleep(2.5)  # both backends ticked past the slot at least twice
    got = runs(other, team, exp)
    assert len(got) == 1, got
    assert got[0]["phase"] == "Queued" and got[0]["createdBy"]["username"] == "scheduler"
    s = schedule(other, team, exp)
    assert s["lastSlotMs"] == slot and s["nextSlotMs"] == slot + 300000
    claimed = [b for b in (backend, other) if "scheduled run queued" in b.log_text()]
    assert len(claimed) == 1


def test_a_slot_runs_once_with_two_backends_on_mongodb(rift_auth, rift_backend, mongo_port, tmp_path):  # noqa: F811
    auth = rift_auth()
    clock = Clock(tmp_path / "clock-offset")
    env = {"AUTH_CACHE_TTL": "0s", "RIFT_TEST_CLOCK_OFFSET_FILE": str(tmp_path / "clock-offset"),
           "DB_SERVER": f"mongodb://127.0.0.1:{mongo_port}/cron_{uuid.uuid4().hex[:12]}"}
    one, two = rift_backend(auth, **env), rift_backend(auth, **env)
    team = Team(auth.url)
    p = team.project
    ok(gql(one.url, team.owner.token, 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }', {"p": p}))
    infra = ok(gql(two.url, team.owner.token, 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "b", environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID } }', {"p": p}))["registerInfra"]["infraID"]
    exp = ok(create(one, team, infra, "*/5 * * * *"))["createChaosExperiment"]["experimentID"]
    slot = schedule(two, team, exp)["nextSlotMs"]
    clock.move_to(slot - 1500)
    wait_runs(one, team, exp, 1)
    time.sleep(2.5)
    got = runs(two, team, exp)
    assert len(got) == 1 and got[0]["createdBy"]["username"] == "scheduler", got
    assert len([b for b in (one, two) if "scheduled run queued" in b.log_text()]) == 1


def test_a_missed_slot_is_skipped_not_run_late(world):
    auth, backend, team, infra, clock, env = world
    exp = ok(create(backend, team, infra, "0 * * * *"))["createChaosExperiment"]["experimentID"]
    slot = schedule(backend, team, exp)["nextSlotMs"]
    backend.stop()
    clock.set_offset(slot + 5 * 60000 - time.time() * 1000)  # back up 5 minutes after the slot
    backend.start()
    got = wait_runs(backend, team, exp, 1)
    assert len(got) == 1 and got[0]["phase"] == "Skipped", got
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(slot / 1000))
    assert got[0]["message"].startswith(f'scheduled for {stamp} (cron "0 * * * *"): missed: no rift-backend ran '
                                        "the schedule until "), got[0]["message"]
    assert got[0]["message"].endswith("; a slot is not run late")
    assert schedule(backend, team, exp)["nextSlotMs"] == slot + 3600000
    # the schedule goes on: the next slot runs
    clock.move_to(slot + 3600000 - 1000)
    got = wait_runs(backend, team, exp, 2)
    assert sorted(r["phase"] for r in got) == ["Queued", "Skipped"]


def test_a_slot_claimed_by_a_backend_that_died_is_recorded(world):
    """A claim lists its slots as pending until their runs are stored; a backend that dies in between
    leaves them pending, and the next one records each slot without a run as Skipped (once)."""
    auth, backend, team, infra, clock, env = world
    exp = ok(create(backend, team, infra, "0 * * * *"))["createChaosExperiment"]["experimentID"]
    slot = schedule(backend, team, exp)["nextSlotMs"]
    backend.stop()
    db = sqlite3.connect(backend.env["DB_SERVER"].split("sqlite://", 1)[1])
    doc = json.loads(db.execute("SELECT doc FROM c_schedules WHERE _id = ?", (exp,)).fetchone()[0])
    doc.update(pending=[slot], claimedAtMs=slot, nextSlotMs=slot + 3600000, lastSlotMs=slot)
    db.execute("UPDATE c_schedules SET doc = ? WHERE _id = ?", (json.dumps(doc), exp))
    db.commit()
    db.close()
    clock.set_offset(slot + 40000 - time.time() * 1000)  # 40 s after the slot: past the 30 s reclaim delay
    backend.start()
    got = wait_runs(backend, team, exp, 1)
    assert len(got) == 1 and got[0]["phase"] == "Skipped", got
    assert got[0]["message"].endswith("the rift-backend that claimed this slot stopped before it stored the run")
    time.sleep(2.2)
    assert len(runs(backend, team, exp)) == 1


def test_disable_and_enable(world):
    auth, backend, team, infra, clock, env = world
    exp = ok(create(backend, team, infra, "*/5 * * * *"))["createChaosExperiment"]["experimentID"]
    slot = schedule(backend, team, exp)["nextSlotMs"]
    assert errors(gql(backend.url, team.executor.token, STATE, {"p": team.project, "e": exp, "d": True})) == [
        "permission denied"]
    assert ok(gql(backend.url, team.owner.token, STATE, {"p": team.project, "e": exp, "d": True}))
    assert schedule(backend, team, exp)["disabled"] is True
    clock.move_to(slot + 1000)
    time.sleep(2.2)
    assert runs(backend, team, exp) == []
    # resumed: from now on (the paused slot is not recorded)
    assert ok(gql(backend.url, team.owner.token, STATE, {"p": team.project, "e": exp, "d": False}))
    s = schedule(backend, team, exp)
    assert s["disabled"] is False and s["nextSlotMs"] == slot + 300000
    clock.move_to(slot + 300000 - 1000)
    got = wait_runs(backend, team, exp, 1)
    assert [r["phase"] for r in got] == ["Queued"]


def test_deleted_experiment_stops_its_schedule(world):
    auth, backend, team, infra, clock, env = world
    exp = ok(create(backend, team, infra, "*/5 * * * *"))["createChaosExperiment"]["experimentID"]
    slot = schedule(backend, team, exp)["nextSlotMs"]
    ok(gql(backend.url, team.owner.token, "mutation($p: ID!, $e: String!) { deleteChaosExperiment(projectID: $p, experimentID: $e) }", {"p": team.project, "e": exp}))
    clock.move_to(slot + 500)
    time.sleep(2.2)
    assert runs(backend, team, exp) == []


def test_a_queued_run_nobody_picks_up_times_out(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, RUN_QUEUE_TIMEOUT="1s", INFRA_INACTIVITY_TIMEOUT="1s")
    team = Team(auth.url)
    p = team.project
    ok(gql(backend.url, team.owner.token, 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }', {"p": p}))
    infra = ok(gql(backend.url, team.owner.token, 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "b", environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID } }', {"p": p}))["registerInfra"]["infraID"]
    exp = ok(create(backend, team, infra, ""))["createChaosExperiment"]["experimentID"]
    run = ok(gql(backend.url, team.executor.token, RUN, {"p": p, "e": exp}))["runChaosExperiment"]["experimentRunID"]
    assert ok(gql(backend.url, team.viewer.token, GET_RUN, {"p": p, "r": run}))["getExperimentRun"]["phase"] == "Queued"
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        got = ok(gql(backend.url, team.viewer.token, GET_RUN, {"p": p, "r": run}))["getExperimentRun"]
        if got["phase"] != "Queued":
            break
        time.sleep(0.2)
    assert got == {"phase": "Timeout", "message": "the infrastructure did not pick the run up within 1000 ms "
                                                   "(RUN_QUEUE_TIMEOUT): is its agent running and connected?"}
