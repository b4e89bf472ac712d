"""listExperiment's filters and sort as Litmus has them: experimentName and infraName (part of the name,
any case), infraID, infraActive, scheduleType, status (the latest run's phase), dateRange (updatedAt),
sort NAME/TIME ascending or not, with pagination totals counting the filtered set."""
import json
import time

import pytest

from backend_client import LATENCY_MANIFEST, Team, errors, gql, ok
from fake_infra import FakeInfra

LIST = """query($p: ID!, $r: ListExperimentRequest!) { listExperiment(projectID: $p, request: $r) {
  totalNoOfExperiments experiments { name } } }"""
CREATE = "mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }"
RUN = "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"
STOP = "mutation($p: ID!, $e: String!) { stopExperimentRuns(projectID: $p, experimentID: $e) }"
REGISTER = 'mutation($p: ID!, $n: String!) { registerInfra(projectID: $p, request: {name: $n, environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID token } }'


@pytest.fixture
def world(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, AUTH_CACHE_TTL="0s")
    team = Team(auth.url)
    p = team.project
    ok(gql(backend.url, team.owner.token, 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }', {"p": p}))
    infras = {}
    for name in ("Edge-Box", "core-db"):
        reg = ok(gql(backend.url, team.owner.token, REGISTER, {"p": p, "n": name}))["registerInfra"]
        infras[name] = reg
    edge = FakeInfra(backend.rpc_url, infras["Edge-Box"]["infraID"])
    edge.register(infras["Edge-Box"]["token"])
    edge.heartbeat()  # active
    ids = {}
    for name, infra, cron in (("Checkout-latency", "Edge-Box", ""), ("cart-cpu", "Edge-Box", "0 * * * *"),
                              ("db-kill", "core-db", ""), ("nightly-db", "core-db", "@daily")):
        req = {"experimentName": name, "experimentManifest": json.dumps(LATENCY_MANIFEST),
               "infraID": infras[infra]["infraID"], "cronSyntax": cron}
        ids[name] = ok(gql(backend.url, team.owner.token, CREATE, {"p": p, "r": req}))["createChaosExperiment"]["experimentID"]
        time.sleep(0.005)  # distinct updatedAt
    return backend, team, infras, ids


def names(backend, team, **request):
    got = ok(gql(backend.url, team.viewer.token, LIST, {"p": team.project, "r": request}))["listExperiment"]
    return got["totalNoOfExperiments"], [e["name"] for e in got["experiments"]]


def test_filters(world):
    backend, team, infras, ids = world
    p = team.project
    all4 = ["nightly-db", "db-kill", "cart-cpu", "Checkout-latency"]  # TIME, newest first
    assert names(backend, team) == (4, all4)
    assert names(backend, team, filter={"experimentName": "CART"}) == (1, ["cart-cpu"])
    assert names(backend, team, filter={"experimentName": "db"}) == (2, ["nightly-db", "db-kill"])
    assert names(backend, team, filter={"experimentName": "zzz"}) == (0, [])
    assert names(backend, team, filter={"infraName": "edge"}) == (2, ["cart-cpu", "Checkout-latency"])
    assert names(backend, team, filter={"infraID": infras["core-db"]["infraID"]}) == (2, ["nightly-db", "db-kill"])
    assert names(backend, team, filter={"infraActive": True}) == (2, ["cart-cpu", "Checkout-latency"])
    assert names(backend, team, filter={"infraActive": False}) == (2, ["nightly-db", "db-kill"])
    assert names(backend, team, filter={"scheduleType": "cron"}) == (2, ["nightly-db", "cart-cpu"])
    assert names(backend, team, filter={"scheduleType": "non_cron"}) == (2, ["db-kill", "Checkout-latency"])
    assert names(backend, team, filter={"scheduleType": "all"}) == (4, all4)
    assert names(backend, team, filter={"scheduleType": "cron", "infraName": "CORE"}) == (1, ["nightly-db"])

    # status is the latest run's phase: db-kill ran and was stopped, then ran again (Queued)
    ok(gql(backend.url, team.executor.token, RUN, {"p": p, "e": ids["db-kill"]}))
    ok(gql(backend.url, team.executor.token, STOP, {"p": p, "e": ids["db-kill"]}))
    ok(gql(backend.url, team.executor.token, RUN, {"p": p, "e": ids["cart-cpu"]}))
    ok(gql(backend.url, team.executor.token, STOP, {"p": p, "e": ids["cart-cpu"]}))
    assert names(backend, team, filter={"status": "Stopped"}) == (2, ["db-kill", "cart-cpu"])
    time.sleep(0.005)
    ok(gql(backend.url, team.executor.token, RUN, {"p": p, "e": ids["db-kill"]}))
    assert names(backend, team, filter={"status": "Stopped"}) == (1, ["cart-cpu"])
    assert names(backend, team, filter={"status": "Queued"}) == (1, ["db-kill"])
    assert names(backend, team, filter={"status": "Completed"}) == (0, [])

    # sort and pagination over the filtered set
    assert names(backend, team, sort={"field": "NAME", "ascending": True}) == (
        4, ["Checkout-latency", "cart-cpu", "db-kill", "nightly-db"])
    assert names(backend, team, sort={"field": "TIME", "ascending": True}) == (4, all4[::-1])
    assert names(backend, team, filter={"experimentName": "-"}, sort={"field": "NAME", "ascending": False},
                 pagination={"page": 1, "limit": 2}) == (4, ["cart-cpu", "Checkout-latency"])
    assert errors(gql(backend.url, team.viewer.token, LIST, {"p": p, "r": {"sort": {"field": "SIZE"}}})) == [
        "request.sort.field: NAME or TIME"]


def test_date_range(world):
    backend, team, infras, ids = world
    got = ok(gql(backend.url, team.viewer.token,
                 'query($p: ID!) { listExperiment(projectID: $p, request: {sort: {field: "TIME", ascending: true}}) { experiments { name updatedAt } } }',
                 {"p": team.project}))["listExperiment"]["experiments"]
    t = [int(e["updatedAt"]) for e in got]
    assert names(backend, team, filter={"dateRange": {"startDate": str(t[1]), "endDate": str(t[2])}}) == (
        2, [got[2]["name"], got[1]["name"]])
    assert names(backend, team, filter={"dateRange": {"startDate": str(t[3])}}) == (1, [got[3]["name"]])
    assert errors(gql(backend.url, team.viewer.token, LIST, {"p": team.project,
                                                             "r": {"filter": {"dateRange": {"startDate": "last week"}}}})) == [
        "filter.dateRange: startDate and endDate are epoch milliseconds"]


def test_the_list_copy_is_rebuilt_for_an_older_store(world, tmp_path):
    """listExperiment reads a small copy of each experiment; a store written before it existed (here: the
    copy removed while the backend is stopped) gets it rebuilt at start."""
    import sqlite3
    backend, team, infras, ids = world
    backend.stop()
    db = sqlite3.connect(backend.env["DB_SERVER"].split("sqlite://", 1)[1])
    assert db.execute("DELETE FROM c_backend_meta").rowcount == 1
    tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'c_expidx.%'")]
    assert tables == [f"c_expidx.{team.project}"]
    assert db.execute(f'DELETE FROM "{tables[0]}"').rowcount == 4
    db.commit()
    db.close()
    backend.start()
    assert names(backend, team, sort={"field": "NAME", "ascending": True}) == (
        4, ["Checkout-latency", "cart-cpu", "db-kill", "nightly-db"])
    ok(gql(backend.url, team.owner.token, "mutation($p: ID!, $e: String!) { deleteChaosExperiment(projectID: $p, experimentID: $e) }",
           {"p": team.project, "e": ids["db-kill"]}))
    assert names(backend, team, filter={"infraName": "core"}) == (1, ["nightly-db"])
