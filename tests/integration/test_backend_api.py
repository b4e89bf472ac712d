"""rift-backend's GraphQL API with the real rift-auth: the RBAC matrix per resolver, request
validation (JSON, size, GraphQL errors), environments, the built-in hub against agent/faults, and
manifest validation errors that name the field."""
import json
import pathlib
import re

import pytest
import requests

from backend_client import LATENCY_MANIFEST, Team, errors, gql, ok
from conftest import ROOT

DENIED = "permission denied"


@pytest.fixture
def world(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, AUTH_CACHE_TTL="0s")
    team = Team(auth.url)
    ok(gql(backend.url, team.owner.token,
           'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "env1", name: "E", type: PROD}) { name } }',
           {"p": team.project}))
    reg = ok(gql(backend.url, team.owner.token,
                 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "b", environmentID: "env1", infrastructureType: Linux, platformName: "l"}) { infraID } }',
                 {"p": team.project}))["registerInfra"]
    exp = ok(gql(backend.url, team.owner.token,
                 "mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }",
                 {"p": team.project, "r": {"experimentName": "e", "experimentManifest": json.dumps(LATENCY_MANIFEST),
                                           "infraID": reg["infraID"]}}))["createChaosExperiment"]
    return auth, backend, team, reg["infraID"], exp["experimentID"]


# (operation, least role: owner > executor > viewer) -- every root field of the schema appears here
def operations(infra, exp):
    m = json.dumps(json.dumps(LATENCY_MANIFEST))
    return [
        ('query($p: ID!) { getEnvironment(projectID: $p, environmentID: "env1") { name } }', "viewer"),
        ("query($p: ID!) { listEnvironments(projectID: $p) { totalNoOfEnvironments } }", "viewer"),
        (f'query($p: ID!) {{ getInfra(projectID: $p, infraID: "{infra}") {{ name }} }}', "viewer"),
        ("query($p: ID!) { listInfras(projectID: $p) { totalNoOfInfras } }", "viewer"),
        (f'query($p: ID!) {{ getInfraDetails(projectID: $p, infraID: "{infra}") {{ name }} }}', "executor"),
        ("query($p: ID!) { getInfraStats(projectID: $p) { totalInfrastructures } }", "executor"),
        ("query($p: ID!) { getVersionDetails(projectID: $p) { latestVersion } }", "viewer"),
        ("query($p: ID!) { listChaosHub(projectID: $p) { id } }", "viewer"),
        ('query($p: ID!) { listChaosFaults(projectID: $p, hubID: "rift") { name } }', "viewer"),
        ('query($p: ID!) { getChaosFault(projectID: $p, request: {category: "network", experimentName: "linux-network-loss", hubID: "rift"}) { name } }', "viewer"),
        (f'query($p: ID!) {{ getExperiment(projectID: $p, experimentID: "{exp}") {{ averageResiliencyScore }} }}', "viewer"),
        ("query($p: ID!) { listExperiment(projectID: $p, request: {}) { totalNoOfExperiments } }", "viewer"),
        ('query($p: ID!) { getExperimentRun(projectID: $p, experimentRunID: "none") { phase } }', "viewer"),
        ("query($p: ID!) { listExperimentRun(projectID: $p, request: {}) { totalNoOfExperimentRuns } }", "viewer"),
        ("query($p: ID!) { getExperimentStats(projectID: $p) { totalExperiments } }", "viewer"),
        ("query($p: ID!) { getExperimentRunStats(projectID: $p) { totalExperimentRuns } }", "viewer"),
        (f'mutation($p: ID!) {{ runChaosExperiment(projectID: $p, experimentID: "{exp}") {{ notifyID }} }}', "executor"),
        (f'mutation($p: ID!) {{ stopExperimentRuns(projectID: $p, experimentID: "{exp}") }}', "executor"),
        (f'mutation($p: ID!) {{ updateChaosExperiment(projectID: $p, request: {{experimentID: "{exp}", experimentName: "e", experimentManifest: {m}, infraID: "{infra}"}}) {{ experimentID }} }}', "executor"),
        ('mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "x", name: "X", type: PROD}) { name } }', "owner"),
        ('mutation($p: ID!) { updateEnvironment(projectID: $p, request: {environmentID: "env1", name: "E2"}) }', "owner"),
        ('mutation($p: ID!) { deleteEnvironment(projectID: $p, environmentID: "nope") }', "owner"),
        ('mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "n", environmentID: "env1", infrastructureType: Linux, platformName: "l"}) { infraID } }', "owner"),
        ('mutation($p: ID!) { deleteInfra(projectID: $p, infraID: "nope") }', "owner"),
        (f'mutation($p: ID!) {{ createChaosExperiment(projectID: $p, request: {{experimentName: "n", experimentManifest: {m}, infraID: "{infra}"}}) {{ experimentID }} }}', "owner"),
        (f'mutation($p: ID!) {{ saveChaosExperiment(projectID: $p, request: {{id: "{exp}", name: "n", manifest: {m}, infraID: "{infra}"}}) }}', "owner"),
        ('mutation($p: ID!) { deleteChaosExperiment(projectID: $p, experimentID: "nope") }', "owner"),
        # hubs' predefined experiments (test_backend_hub.py has the behaviour)
        ('query($p: ID!) { getChaosHub(projectID: $p, chaosHubID: "rift") { id } }', "viewer"),
        ('query($p: ID!) { listPredefinedExperiments(projectID: $p, hubID: "rift") { experimentName } }', "viewer"),
        ('query($p: ID!) { getPredefinedExperiment(projectID: $p, hubID: "rift", experimentName: ["cpu-stress"]) { experimentName } }', "viewer"),
        # saved probes (test_backend_probes.py has the behaviour)
        ("query($p: ID!) { listProbes(projectID: $p) { name } }", "viewer"),
        ('query($p: ID!) { getProbe(projectID: $p, probeName: "nope") { name } }', "viewer"),
        ('query($p: ID!) { getProbeYAML(projectID: $p, request: {probeName: "nope", mode: SOT}) }', "viewer"),
        ('mutation($p: ID!) { addProbe(projectID: $p, request: {name: "rb", type: cmdProbe, infrastructureType: Linux, kubernetesCMDProperties: {probeTimeout: "1s", interval: "1s", command: "true", comparator: {type: "int", criteria: "==", value: "0"}}}) { name } }', "owner"),
        ('mutation($p: ID!) { updateProbe(projectID: $p, request: {name: "nope", type: cmdProbe, infrastructureType: Linux, kubernetesCMDProperties: {probeTimeout: "1s", interval: "1s", command: "true", comparator: {type: "int", criteria: "==", value: "0"}}}) }', "owner"),
        ('mutation($p: ID!) { deleteProbe(projectID: $p, probeName: "nope") }', "owner"),
        (f'mutation($p: ID!) {{ updateCronExperimentState(projectID: $p, experimentID: "{exp}", disable: true) }}', "owner"),
        # Kubernetes infrastructures (test_backend_k8s.py has the behaviour)
        (f'query($p: ID!) {{ getInfraManifest(projectID: $p, infraID: "{infra}", upgrade: true) }}', "executor"),
        # safety controls (test_safety.py has the behaviour; emergencyStopAll and its release are admin-only)
        ("query($p: ID!) { getEmergencyStop(projectID: $p) { active } }", "viewer"),
        ('query($p: ID!) { getEnvironmentGuards(projectID: $p, environmentID: "env1") { maxCpuLoad } }', "viewer"),
        ("query($p: ID!) { listAuditEvents(projectID: $p) { totalNoOfEvents } }", "owner"),
        ('mutation($p: ID!) { setEnvironmentGuards(projectID: $p, environmentID: "env1", guards: {}) { maxCpuLoad } }', "owner"),
        (f'mutation($p: ID!) {{ dryRunChaosExperiment(projectID: $p, experimentID: "{exp}") {{ notifyID }} }}', "executor"),
        ("mutation($p: ID!) { emergencyStop(projectID: $p) { active } }", "viewer"),
        ("mutation($p: ID!) { releaseEmergencyStop(projectID: $p) { active } }", "owner"),
    ]


RANK = {"viewer": 0, "executor": 1, "owner": 2}


def test_rbac_matrix_covers_every_resolver(world):
    auth, backend, team, infra, exp = world
    ops = operations(infra, exp)
    sdl = backend.run("--print-schema").stdout
    roots = set()
    for block in ("Query", "Mutation"):
        body = re.search(r"type %s \{(.*?)\n\}" % block, sdl, re.S).group(1)
        roots |= set(re.findall(r"^  (\w+)", body, re.M))
    covered = {re.search(r"\{\s*(\w+)", op).group(1) for op, _ in ops} | {"getServerVersion"}
    covered |= {"emergencyStopAll", "releaseEmergencyStopAll"}  # global admin only (test_safety.py)
    assert covered == roots

    for op, least in ops:
        for who in ("stranger", "viewer", "executor", "owner"):
            resp = gql(backend.url, getattr(team, who).token, op, {"p": team.project})
            msgs = errors(resp)
            allowed = who != "stranger" and RANK[who] >= RANK[least]
            if allowed:
                assert DENIED not in msgs, (op, who, msgs)
            else:
                assert msgs == [DENIED], (op, who, msgs)
                assert resp["data"] is None or list(resp["data"].values()) == [None]


def test_server_version_needs_a_token_only(world):
    auth, backend, team, infra, exp = world
    assert ok(gql(backend.url, team.stranger.token, "{ getServerVersion { key value } }"))["getServerVersion"]["key"] == "version"
    r = gql(backend.url, "not-a-token", "{ getServerVersion { value } }")
    assert r["data"] is None and r["errors"]


def test_introspection_can_be_switched_off(rift_auth, rift_backend):
    auth = rift_auth()
    team = Team(auth.url)
    on = rift_backend(auth)
    names = [t["name"] for t in ok(gql(on.url, team.owner.token, "{ __schema { types { name } } }"))["__schema"]["types"]]
    assert "ChaosExperimentRequest" in names
    off = rift_backend(auth, ENABLE_GQL_INTROSPECTION="false")
    r = gql(off.url, team.owner.token, "{ __schema { types { name } } }")
    assert "data" not in r and r["errors"], r
    r = gql(off.url, team.owner.token, '{ __type(name: "Query") { name } }')
    assert "data" not in r and r["errors"], r
    # ordinary queries still work, __typename included
    assert ok(gql(off.url, team.owner.token, "{ getServerVersion { __typename key } }"))["getServerVersion"]["key"] == "version"


def test_missing_token_and_bad_requests(world):
    auth, backend, team, infra, exp = world
    r = requests.post(backend.url + "/query", json={"query": "query($p: ID!) { listInfras(projectID: $p) { totalNoOfInfras } }",
                                                    "variables": {"p": team.project}}, timeout=10)
    assert r.status_code == 401 and r.json()["errors"][0]["message"].startswith("unauthorized")
    h = {"Authorization": f"Bearer {team.owner.token}"}
    r = requests.post(backend.url + "/query", data=b"{not json", headers=h, timeout=10)
    assert r.status_code == 400 and "errors" in r.json()
    r = requests.post(backend.url + "/query", json=[1, 2], headers=h, timeout=10)
    assert r.status_code == 400
    r = requests.post(backend.url + "/query", json={"query": 5}, headers=h, timeout=10)
    assert r.status_code == 400
    r = requests.post(backend.url + "/query", json={"query": "{ x }", "variables": "v"}, headers=h, timeout=10)
    assert r.status_code == 400
    r = requests.post(backend.url + "/query", data=b'{"query":"' + b"a" * (2 << 20) + b'"}', headers=h, timeout=10)
    assert r.status_code == 413
    r = gql(backend.url, team.owner.token, "{ listInfras(")
    assert r["errors"][0]["message"].startswith("Syntax Error")
    r = gql(backend.url, team.owner.token, "query { listInfras { totalNoOfInfras } }")
    assert "projectID" in r["errors"][0]["message"]
    assert requests.get(backend.url + "/status", timeout=5).json() == {"status": "up"}
    assert requests.get(backend.url + "/readiness", timeout=5).status_code == 200
    assert "rift_backend_graphql_requests_total" in requests.get(backend.url + "/metrics", timeout=5).text


def test_environments_crud(world):
    auth, backend, team, infra, exp = world
    p = {"p": team.project}
    r = gql(backend.url, team.owner.token,
            'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "env1", name: "dup", type: PROD}) { name } }', p)
    assert "already exists" in errors(r)[0]
    ok(gql(backend.url, team.owner.token,
           'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "env2", name: "Two", type: NON_PROD, description: "d", tags: ["t"]}) { name } }', p))
    ok(gql(backend.url, team.owner.token,
           'mutation($p: ID!) { updateEnvironment(projectID: $p, request: {environmentID: "env2", name: "Zwei"}) }', p))
    got = ok(gql(backend.url, team.viewer.token,
                 'query($p: ID!) { getEnvironment(projectID: $p, environmentID: "env2") { name type description tags createdBy { username } } }', p))
    assert got["getEnvironment"] == {"name": "Zwei", "type": "NON_PROD", "description": "d", "tags": ["t"],
                                     "createdBy": {"username": "owner"}}
    lst = ok(gql(backend.url, team.viewer.token,
                 "query($p: ID!) { listEnvironments(projectID: $p, request: {pagination: {page: 0, limit: 1}}) { totalNoOfEnvironments environments { environmentID } } }", p))
    assert lst["listEnvironments"]["totalNoOfEnvironments"] == 2 and len(lst["listEnvironments"]["environments"]) == 1
    r = gql(backend.url, team.owner.token, 'mutation($p: ID!) { deleteEnvironment(projectID: $p, environmentID: "env1") }', p)
    assert "still has infrastructures" in errors(r)[0]
    ok(gql(backend.url, team.owner.token, 'mutation($p: ID!) { deleteEnvironment(projectID: $p, environmentID: "env2") }', p))
    r = gql(backend.url, team.viewer.token, 'query($p: ID!) { getEnvironment(projectID: $p, environmentID: "env2") { name } }', p)
    assert errors(r) == ["environment not found"]
    # another project's id is refused by rift-auth, not silently empty
    r = gql(backend.url, team.stranger.token, "query($p: ID!) { listEnvironments(projectID: $p) { totalNoOfEnvironments } }",
            {"p": team.stranger.project_id})
    assert ok(r)["listEnvironments"]["totalNoOfEnvironments"] == 0


def agent_faults():
    """{fault name: set of tunables} read from agent/faults/*.c (and the shared filter parsers)."""
    src = ROOT / "agent" / "faults"
    filters = set(re.findall(r'\(ctx, t, "([A-Z_]+)"', (ROOT / "agent" / "netfilter.c").read_text()))
    shaping = set(re.findall(r'tun_\w+\(ctx, t, "([A-Z_]+)"', (src / "net_common.c").read_text()))
    proc = set(re.findall(r'tun_\w+\(ctx, t, "([A-Z_]+)"', (src / "process_common.c").read_text()))
    out = {}
    for f in src.glob("*.c"):
        text = f.read_text()
        m = re.search(r'\.name = "(linux-[a-z-]+)"', text)
        if not m:
            continue
        # every tunable is read by a helper called as f(ctx, t, "NAME", ...): tun_* or the fault's own
        tuns = set(re.findall(r'\b\w+\(ctx, t, "([A-Z_]+)"', text))
        if "net_shape_validate" in text:
            tuns |= filters | shaping
        if "netfilter_parse" in text:
            tuns |= filters
        if "not used by this fault" in text:  # dns-error reads the port filters only to refuse them
            tuns -= {"SOURCE_PORTS", "DESTINATION_PORTS"}
        if "process_match_parse" in text:
            tuns |= proc
        out[m.group(1)] = tuns
    return out


def test_hub_describes_exactly_the_agent_faults(world):
    auth, backend, team, infra, exp = world
    faults = ok(gql(backend.url, team.viewer.token,
                    'query($p: ID!) { listChaosFaults(projectID: $p, hubID: "rift") { name category platform tunables { name type default } } }',
                    {"p": team.project}))["listChaosFaults"]
    hub = {f["name"]: {t["name"] for t in f["tunables"]} for f in faults}
    agent = agent_faults()
    assert set(hub) == set(agent)
    for name, tuns in agent.items():
        assert hub[name] == tuns, (name, tuns ^ hub[name])
    lat = next(f for f in faults if f["name"] == "linux-network-latency")
    assert {"name": "NETWORK_LATENCY", "type": "duration", "default": "2000"} in lat["tunables"]


@pytest.mark.parametrize("mutate,field", [
    (lambda m: m["groups"][0]["steps"][0].update(fault="linux-nope"), "groups[0].steps[0].fault: unknown fault"),
    (lambda m: m["groups"][0]["steps"][0]["tunables"].update(JITTER="soon"), "groups[0].steps[0].tunables.JITTER:"),
    (lambda m: m["groups"][0]["steps"][1]["tunables"].update(LOAD="500"), "groups[0].steps[1].tunables.LOAD:"),
    (lambda m: m["groups"][1]["steps"][0]["tunables"].update(COLOUR="red"), "groups[1].steps[0].tunables.COLOUR: not a tunable"),
    (lambda m: m["groups"][0]["steps"][0].update(probes=["missing"]), "groups[0].steps[0].probes: probe \"missing\""),
    (lambda m: m["groups"][0]["steps"][0].update(duration="forever"), "groups[0].steps[0].duration:"),
    (lambda m: m.update(groups=[]), "groups: required"),
])
def test_manifest_validation_names_the_field(world, mutate, field):
    auth, backend, team, infra, exp = world
    m = json.loads(json.dumps(LATENCY_MANIFEST))
    mutate(m)
    r = gql(backend.url, team.owner.token,
            "mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }",
            {"p": team.project, "r": {"experimentName": "bad", "experimentManifest": json.dumps(m), "infraID": infra}})
    assert len(errors(r)) == 1 and errors(r)[0].startswith(field), errors(r)
    n = ok(gql(backend.url, team.viewer.token,
               "query($p: ID!) { listExperiment(projectID: $p, request: {}) { totalNoOfExperiments } }", {"p": team.project}))
    assert n["listExperiment"]["totalNoOfExperiments"] == 1  # nothing stored


def test_experiments_list_save_and_soft_delete(world):
    auth, backend, team, infra, exp = world
    p = {"p": team.project}
    m = json.dumps(LATENCY_MANIFEST)
    ok(gql(backend.url, team.owner.token,
           "mutation($p: ID!, $r: SaveChaosExperimentRequest!) { saveChaosExperiment(projectID: $p, request: $r) }",
           {"p": team.project, "r": {"id": exp, "name": "renamed", "manifest": m, "infraID": infra}}))
    ok(gql(backend.url, team.owner.token,
           "mutation($p: ID!, $r: SaveChaosExperimentRequest!) { saveChaosExperiment(projectID: $p, request: $r) }",
           {"p": team.project, "r": {"id": "second", "name": "alpha", "manifest": m, "infraID": infra}}))
    lst = ok(gql(backend.url, team.viewer.token,
                 'query($p: ID!) { listExperiment(projectID: $p, request: {sort: {field: "NAME", ascending: true}}) { totalNoOfExperiments experiments { name experimentID infra { infraID } } } }', p))
    assert [e["name"] for e in lst["listExperiment"]["experiments"]] == ["alpha", "renamed"]
    assert lst["listExperiment"]["experiments"][0]["infra"] == {"infraID": infra}
    assert ok(gql(backend.url, team.owner.token,
                  'mutation($p: ID!) { deleteChaosExperiment(projectID: $p, experimentID: "second") }', p)) == {"deleteChaosExperiment": True}
    lst = ok(gql(backend.url, team.viewer.token, "query($p: ID!) { listExperiment(projectID: $p, request: {}) { totalNoOfExperiments } }", p))
    assert lst["listExperiment"]["totalNoOfExperiments"] == 1
    r = gql(backend.url, team.viewer.token, 'query($p: ID!) { getExperiment(projectID: $p, experimentID: "second") { averageResiliencyScore } }', p)
    assert errors(r) == ["experiment not found"]
    r = gql(backend.url, team.viewer.token, "query($p: ID!) { listExperiment(projectID: $p, request: {pagination: {page: 0, limit: 1000}}) { totalNoOfExperiments } }", p)
    assert "limit in 1..100" in errors(r)[0]


def test_infra_stats_versions_and_hubs(world):
    auth, backend, team, infra, exp = world
    p = {"p": team.project}
    stats = ok(gql(backend.url, team.executor.token,
                   "query($p: ID!) { getInfraStats(projectID: $p) { totalInfrastructures activeInfrastructures inactiveInfrastructures confirmedInfrastructures pendingInfrastructures } }", p))
    assert stats["getInfraStats"] == {"totalInfrastructures": 1, "activeInfrastructures": 0, "inactiveInfrastructures": 1,
                                      "confirmedInfrastructures": 0, "pendingInfrastructures": 1}
    v = ok(gql(backend.url, team.viewer.token, "query($p: ID!) { getVersionDetails(projectID: $p) { latestVersion compatibleVersions } }", p))
    srv = ok(gql(backend.url, team.viewer.token, "{ getServerVersion { value } }"))["getServerVersion"]["value"]
    assert v["getVersionDetails"] == {"latestVersion": srv, "compatibleVersions": [srv]}
    hubs = ok(gql(backend.url, team.viewer.token, "query($p: ID!) { listChaosHub(projectID: $p) { id isDefault totalFaults } }", p))
    assert hubs["listChaosHub"] == [{"id": "rift", "isDefault": True, "totalFaults": len(agent_faults())}]


def test_auth_down_refuses_instead_of_allowing(world):
    auth, backend, team, infra, exp = world
    auth.stop()
    r = gql(backend.url, team.owner.token, "query($p: ID!) { listInfras(projectID: $p) { totalNoOfInfras } }", {"p": team.project})
    assert r["data"] is None and errors(r) == ["authorization service unavailable"]


def test_portal_static_files(rift_auth, rift_backend, tmp_path):
    portal = tmp_path / "portal"
    (portal / "assets").mkdir(parents=True)
    (portal / "index.html").write_text("<html>rift</html>")
    (portal / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("no")
    auth = rift_auth()
    backend = rift_backend(auth, PORTAL_DIR=str(portal))
    r = requests.get(backend.url + "/", timeout=5)
    assert r.status_code == 200 and r.text == "<html>rift</html>" and r.headers["Content-Type"].startswith("text/html")
    r = requests.get(backend.url + "/assets/app.js", timeout=5)
    assert r.text == "console.log(1)" and r.headers["Content-Type"] == "text/javascript"
    assert requests.get(backend.url + "/experiments/123", timeout=5).text == "<html>rift</html>"  # client routes
    assert requests.get(backend.url + "/assets/missing.js", timeout=5).status_code == 404
    assert requests.get(backend.url + "/../secret.txt", timeout=5).status_code in (400, 404)
    assert requests.get(backend.url + "/%2e%2e/secret.txt", timeout=5).status_code in (400, 404)
    assert requests.get(backend.url + "/status", timeout=5).json() == {"status": "up"}


def test_update_experiment_makes_a_revision(world):
    auth, backend, team, infra, exp = world
    upd = ("mutation($p: ID!, $r: ChaosExperimentRequest!) { updateChaosExperiment(projectID: $p, request: $r) "
           "{ experimentID experimentName } }")
    m = json.loads(json.dumps(LATENCY_MANIFEST))
    m["groups"][0]["steps"][0]["tunables"]["NETWORK_LATENCY"] = "900"
    req = {"experimentID": exp, "experimentName": "e2", "experimentManifest": json.dumps(m), "infraID": infra}
    assert ok(gql(backend.url, team.executor.token, upd, {"p": team.project, "r": req}))["updateChaosExperiment"] == \
        {"experimentID": exp, "experimentName": "e2"}
    got = ok(gql(backend.url, team.viewer.token,
                 "query($p: ID!, $e: String!) { getExperiment(projectID: $p, experimentID: $e) { experimentDetails { name revision { revisionID } experimentManifest createdBy { username } updatedBy { username } } } }",
                 {"p": team.project, "e": exp}))["getExperiment"]["experimentDetails"]
    assert got["name"] == "e2" and len(got["revision"]) == 2 and '"900"' in got["experimentManifest"]
    assert got["createdBy"] == {"username": "owner"} and got["updatedBy"] == {"username": "executor"}
    r = gql(backend.url, team.executor.token, upd, {"p": team.project, "r": dict(req, experimentID="nope")})
    assert errors(r) == ["experiment not found"]
    m["groups"][0]["steps"][0]["tunables"]["JITTER"] = "-5"
    r = gql(backend.url, team.executor.token, upd, {"p": team.project, "r": dict(req, experimentManifest=json.dumps(m))})
    assert errors(r)[0].startswith("groups[0].steps[0].tunables.JITTER:")


def test_yaml_manifest(world):
    auth, backend, team, infra, exp = world
    yaml_text = ("groups:\n"
                 "  - steps:\n"
                 "      - name: loss\n"
                 "        fault: linux-network-loss\n"
                 "        duration: 10s\n"
                 "        tunables: {NETWORK_PACKET_LOSS_PERCENTAGE: 30, DESTINATION_PORTS: '443'}\n")
    made = ok(gql(backend.url, team.owner.token,
                  "mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }",
                  {"p": team.project, "r": {"experimentName": "y", "experimentManifest": yaml_text, "infraID": infra}}))
    got = ok(gql(backend.url, team.viewer.token,
                 "query($p: ID!, $e: String!) { getExperiment(projectID: $p, experimentID: $e) { experimentDetails { experimentManifest weightages { faultName weightage } } } }",
                 {"p": team.project, "e": made["createChaosExperiment"]["experimentID"]}))["getExperiment"]["experimentDetails"]
    assert got == {"experimentManifest": yaml_text, "weightages": [{"faultName": "loss", "weightage": 10}]}
    r = gql(backend.url, team.owner.token,
            "mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }",
            {"p": team.project, "r": {"experimentName": "y", "experimentManifest": yaml_text.replace("30", "300"), "infraID": infra}})
    assert errors(r)[0].startswith("groups[0].steps[0].tunables.NETWORK_PACKET_LOSS_PERCENTAGE:")


def test_projects_are_isolated(world):
    """A member of another project, using their own projectID, cannot reach this project's objects."""
    auth, backend, team, infra, exp = world
    own = {"p": team.stranger.project_id}
    tok = team.stranger.token
    assert errors(gql(backend.url, tok, f'query($p: ID!) {{ getInfra(projectID: $p, infraID: "{infra}") {{ name }} }}', own)) == \
        ["infrastructure not found"]
    assert errors(gql(backend.url, tok, f'query($p: ID!) {{ getExperiment(projectID: $p, experimentID: "{exp}") {{ averageResiliencyScore }} }}', own)) == \
        ["experiment not found"]
    assert errors(gql(backend.url, tok, f'mutation($p: ID!) {{ runChaosExperiment(projectID: $p, experimentID: "{exp}") {{ notifyID }} }}', own)) == \
        ["experiment not found"]
    assert errors(gql(backend.url, tok, f'mutation($p: ID!) {{ deleteInfra(projectID: $p, infraID: "{infra}") }}', own)) == \
        ["infrastructure not found"]
    m = json.dumps(json.dumps(LATENCY_MANIFEST))
    r = gql(backend.url, tok, f'mutation($p: ID!) {{ saveChaosExperiment(projectID: $p, request: {{id: "{exp}", name: "x", manifest: {m}, infraID: "{infra}"}}) }}', own)
    assert errors(r) == ["infrastructure not found"]
    assert ok(gql(backend.url, tok, "query($p: ID!) { listExperiment(projectID: $p, request: {}) { totalNoOfExperiments } }", own)) == \
        {"listExperiment": {"totalNoOfExperiments": 0}}


def test_one_request_needing_two_roles_in_one_project(world):
    """A document whose fields need different least roles in the same project (Viewer for listProbes and
    getEnvironment, Owner for listAuditEvents) is authorised field by field: each field's need is asked for,
    not only the first field's (the discovery pass used to stop at the first failed non-null field)."""
    auth, backend, team, infra, exp = world
    q = "query($p: ID!) { listProbes(projectID: $p) { name } getEnvironment(projectID: $p, environmentID: \"env1\") { name } listAuditEvents(projectID: $p) { totalNoOfEvents } }"
    r = gql(backend.url, team.owner.token, q, {"p": team.project})
    assert "errors" not in r, r
    assert r["data"]["getEnvironment"]["name"] == "E" and r["data"]["listAuditEvents"]["totalNoOfEvents"] >= 1
    r = gql(backend.url, team.viewer.token, q, {"p": team.project})
    # the refused field is non-null, so (as the spec says) data is null; the only error is that field's
    assert r["data"] is None and [e["path"] for e in r["errors"]] == [["listAuditEvents"]]
    assert "permission" in r["errors"][0]["message"].lower()
