"""Saved probes on rift-backend with the real rift-auth: addProbe/updateProbe/deleteProbe/listProbes/
getProbe/getProbeYAML (Litmus's names and shapes), errors that name the field, roles, and saved probes
named by an experiment's steps: checked at save, refused deletion while used, and copied into the run's
task in the agent's format, which the agent's own probe parser (build/tests/test_probe_run) runs."""
import http.server
import json
import subprocess
import threading
import time

import pytest
import yaml

from backend_client import Team, errors, gql, ok
from conftest import BUILD
from fake_infra import FakeInfra, dec, enc

ADD = "mutation($p: ID!, $r: ProbeRequest!) { addProbe(projectID: $p, request: $r) { name type infrastructureType referencedBy createdBy { username } kubernetesHTTPProperties { url probeTimeout method { get { criteria responseCode } } } } }"
UPDATE = "mutation($p: ID!, $r: ProbeRequest!) { updateProbe(projectID: $p, request: $r) }"
DELETE = "mutation($p: ID!, $n: ID!) { deleteProbe(projectID: $p, probeName: $n) }"
GET = "query($p: ID!, $n: ID!) { getProbe(projectID: $p, probeName: $n) { name type description referencedBy kubernetesCMDProperties { command comparator { type criteria value } } promProperties { endpoint query } } }"
LIST = "query($p: ID!, $f: ProbeFilterInput, $n: [ID!]) { listProbes(projectID: $p, filter: $f, probeNames: $n) { name type } }"
YAML = "query($p: ID!, $n: ID!, $m: Mode!) { getProbeYAML(projectID: $p, request: {probeName: $n, mode: $m}) }"
SAVE = "mutation($p: ID!, $r: SaveChaosExperimentRequest!) { saveChaosExperiment(projectID: $p, request: $r) }"
RUN = "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"

RUN_PROPS = {"probeTimeout": "2s", "interval": "1s", "attempt": 1}


def http_probe(name, url="http://127.0.0.1:9/health", **extra):
    props = dict(RUN_PROPS, url=url, method={"get": {"criteria": "==", "responseCode": "200"}})
    props.update(extra)
    return {"name": name, "type": "httpProbe", "infrastructureType": "Linux", "kubernetesHTTPProperties": props}


def cmd_probe(name, command="echo 7", value="5"):
    return {"name": name, "type": "cmdProbe", "infrastructureType": "Linux", "description": "load",
            "kubernetesCMDProperties": dict(RUN_PROPS, command=command,
                                            comparator={"type": "int", "criteria": ">=", "value": value})}


def prom_probe(name):
    return {"name": name, "type": "promProbe", "infrastructureType": "Linux",
            "promProperties": dict(RUN_PROPS, endpoint="http://127.0.0.1:9090", query="up",
                                   comparator={"type": "float", "criteria": "<", "value": "0.5"})}


def k8s_probe(name):
    return {"name": name, "type": "k8sProbe", "infrastructureType": "Kubernetes",
            "k8sProperties": dict(RUN_PROPS, version="v1", resource="pods", operation="present")}


@pytest.fixture
def world(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, AUTH_CACHE_TTL="0s")
    team = Team(auth.url)
    return backend, team


def call(backend, who, query, **variables):
    return gql(backend.url, who.token, query, dict(variables))


def test_crud_yaml_filters_and_roles(world):
    backend, team = world
    p = team.project
    added = ok(call(backend, team.owner, ADD, p=p, r=http_probe("frontend-up")))["addProbe"]
    assert added["name"] == "frontend-up" and added["type"] == "httpProbe" and added["referencedBy"] == 0
    assert added["createdBy"]["username"] == "owner"
    assert added["kubernetesHTTPProperties"]["method"]["get"] == {"criteria": "==", "responseCode": "200"}
    t_mid = int(time.time() * 1000)
    time.sleep(0.01)
    for req in (cmd_probe("load"), prom_probe("errors"), k8s_probe("pods-present")):
        ok(call(backend, team.owner, ADD, p=p, r=req))

    # a second probe of the same name in the same project
    assert errors(call(backend, team.owner, ADD, p=p, r=http_probe("frontend-up"))) == [
        "request.name: a probe with this name already exists in the project"]
    # only the Owner writes; every member reads
    for who in (team.executor, team.viewer):
        assert errors(call(backend, who, ADD, p=p, r=http_probe("x"))) == ["permission denied"]
        assert errors(call(backend, who, DELETE, p=p, n="load")) == ["permission denied"]
    assert errors(call(backend, team.stranger, LIST, p=p)) == ["permission denied"]
    got = ok(call(backend, team.viewer, GET, p=p, n="load"))["getProbe"]
    assert got["kubernetesCMDProperties"] == {"command": "echo 7",
                                              "comparator": {"type": "int", "criteria": ">=", "value": "5"}}
    assert got["description"] == "load"

    names = lambda **f: sorted(x["name"] for x in ok(call(backend, team.viewer, LIST, p=p, **f))["listProbes"])
    assert names() == ["errors", "frontend-up", "load", "pods-present"]
    assert names(f={"name": "o"}) == ["errors", "frontend-up", "load", "pods-present"]
    assert names(f={"name": "front"}) == ["frontend-up"]
    assert names(f={"type": ["cmdProbe", "promProbe"]}) == ["errors", "load"]
    assert names(f={"dateRange": {"startDate": str(t_mid)}}) == ["errors", "load", "pods-present"]
    assert names(f={"dateRange": {"startDate": "0", "endDate": str(t_mid)}}) == ["frontend-up"]
    assert names(n=["load", "nope"]) == ["load"]
    assert errors(call(backend, team.viewer, LIST, p=p, f={"dateRange": {"startDate": "yesterday"}})) == [
        "filter.dateRange: startDate and endDate are epoch milliseconds"]

    # update: properties change, the type may not
    upd = cmd_probe("load", command="cut -d' ' -f1 /proc/loadavg", value="100")
    upd["kubernetesCMDProperties"]["comparator"] = {"type": "float", "criteria": "<", "value": "100"}
    assert ok(call(backend, team.owner, UPDATE, p=p, r=upd))["updateProbe"] == "probe updated"
    got = ok(call(backend, team.viewer, GET, p=p, n="load"))["getProbe"]
    assert got["kubernetesCMDProperties"]["comparator"]["criteria"] == "<"
    assert errors(call(backend, team.owner, UPDATE, p=p, r=http_probe("load"))) == [
        "request.type: a probe's type cannot change (delete it and add it again)"]
    assert errors(call(backend, team.owner, UPDATE, p=p, r=http_probe("ghost"))) == ["probe not found"]

    # getProbeYAML: the snippet an experiment's probes list embeds, in the agent's format
    text = ok(call(backend, team.viewer, YAML, p=p, n="frontend-up", m="Edge"))["getProbeYAML"]
    assert yaml.safe_load(text) == {
        "name": "frontend-up", "type": "httpProbe", "mode": "Edge",
        "runProperties": {"probeTimeout": "2s", "interval": "1s", "attempt": 1},
        "httpProbe/inputs": {"url": "http://127.0.0.1:9/health",
                             "method": {"get": {"criteria": "==", "responseCode": "200"}}}}
    assert errors(call(backend, team.viewer, YAML, p=p, n="pods-present", m="SOT")) == [
        "probeName: a k8sProbe has no Linux manifest (stored, not run)"]

    assert ok(call(backend, team.owner, DELETE, p=p, n="errors"))["deleteProbe"] is True
    assert errors(call(backend, team.viewer, GET, p=p, n="errors")) == ["probe not found"]
    assert errors(call(backend, team.owner, DELETE, p=p, n="errors")) == ["probe not found"]
    # another project sees none of them
    assert ok(call(backend, team.stranger, LIST, p=team.stranger.project_id))["listProbes"] == []


@pytest.mark.parametrize("req, message", [
    (dict(http_probe("a"), name="bad name!"), "request.name: required, [A-Za-z0-9._-], less than 128 bytes"),
    (http_probe("a", probeTimeout="soon"),
     'request.kubernetesHTTPProperties.probeTimeout: "soon" is not a duration (e.g. "5s", "500ms")'),
    (http_probe("a", probeTimeout="0s"), "request.kubernetesHTTPProperties.probeTimeout: must be greater than 0"),
    (http_probe("a", interval="1m30x"),
     'request.kubernetesHTTPProperties.interval: "1m30x" is not a duration (e.g. "5s", "500ms")'),
    (http_probe("a", attempt=101), "request.kubernetesHTTPProperties.attempt: must be an integer in 0..100"),
    (http_probe("a", url="ftp://x"), "request.kubernetesHTTPProperties.url: must start with http:// or https://"),
    (http_probe("a", method={"get": {"criteria": ">=", "responseCode": "200"}}),
     'request.kubernetesHTTPProperties.method.get.criteria: ">=" is not ==, != or oneOf'),
    (http_probe("a", method={"get": {"criteria": "==", "responseCode": "abc"}}),
     'request.kubernetesHTTPProperties.method.get.responseCode: "abc" is not an HTTP status code'),
    (http_probe("a", method={}), "request.kubernetesHTTPProperties.method: exactly one of get or post"),
    (dict(cmd_probe("a"), kubernetesCMDProperties=dict(RUN_PROPS, command="true",
                                                       comparator={"type": "string", "criteria": ">", "value": "1"})),
     'request.kubernetesCMDProperties.comparator.criteria: ">" is not a valid string criteria'),
    (dict(cmd_probe("a"), kubernetesCMDProperties=dict(RUN_PROPS, command="true",
                                                       comparator={"type": "bool", "criteria": "==", "value": "1"})),
     'request.kubernetesCMDProperties.comparator.type: "bool" is not int, float or string'),
    (dict(prom_probe("a"), promProperties=dict(RUN_PROPS, endpoint="http://p:9090",
                                                comparator={"type": "float", "criteria": "<", "value": "1"})),
     "request.promProperties: exactly one of query or queryPath"),
    (dict(http_probe("a"), type="cmdProbe"), "request.kubernetesHTTPProperties: not allowed for a cmdProbe"),
    ({"name": "a", "type": "promProbe", "infrastructureType": "Linux"}, "request.promProperties: required for a promProbe"),
    (dict(http_probe("a"), infrastructureType="Kubernetes"),
     "request.infrastructureType: httpProbe, cmdProbe and promProbe run on Linux infrastructures"),
])
def test_invalid_requests_name_the_field(world, req, message):
    backend, team = world
    assert errors(call(backend, team.owner, ADD, p=team.project, r=req)) == [message]
    assert ok(call(backend, team.viewer, LIST, p=team.project))["listProbes"] == []


def manifest(step_probes, probes=()):
    return json.dumps({"groups": [{"steps": [{"name": "cpu", "fault": "linux-cpu-stress", "duration": "2s",
                                               "tunables": {"LOAD": "10"}, "probes": step_probes}]}],
                       "probes": list(probes)})


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def test_saved_probes_in_experiments(world, tmp_path):
    backend, team = world
    p = team.project
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/health"
        ok(call(backend, team.owner, ADD, p=p, r=http_probe("web", url=url)))
        ok(call(backend, team.owner, ADD, p=p, r=cmd_probe("load")))
        ok(call(backend, team.owner, ADD, p=p, r=k8s_probe("pods")))
        ok(gql(backend.url, team.owner.token, 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }', {"p": p}))
        reg = ok(gql(backend.url, team.owner.token, 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "b", environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID token } }', {"p": p}))["registerInfra"]
        infra = FakeInfra(backend.rpc_url, reg["infraID"])
        infra.register(reg["token"])
        save = lambda m: call(backend, team.owner, SAVE, p=p, r={"id": "exp-1", "name": "e", "manifest": m,
                                                                   "infraID": reg["infraID"]})

        # unknown names, a k8sProbe, a bad mode: errors naming the field
        assert errors(save(manifest(["ghost"]))) == [
            'groups[0].steps[0].probes: probe "ghost" is not defined in probes nor saved in the project']
        assert errors(save(manifest(["pods"]))) == [
            'groups[0].steps[0].probes: probe "pods" is a k8sProbe (stored, not run on a Linux infrastructure)']
        assert errors(save(manifest([{"name": "web", "mode": "Sometimes"}]))) == [
            'groups[0].steps[0].probes: probe "web": mode must be SOT, EOT, Edge, Continuous or OnChaos']
        # inline definitions keep working next to saved ones
        inline = {"name": "inline-true", "type": "cmdProbe", "mode": "SOT", "runProperties": RUN_PROPS,
                  "cmdProbe/inputs": {"command": "echo ok",
                                      "comparator": {"type": "string", "criteria": "equal", "value": "ok"}}}
        assert ok(save(manifest([{"name": "web", "mode": "Edge"}, "load", "inline-true"], [inline])))

        refs = ok(call(backend, team.viewer, GET, p=p, n="web"))["getProbe"]["referencedBy"]
        assert refs == 1
        assert errors(call(backend, team.owner, DELETE, p=p, n="web")) == [
            'probeName: probe "web" is used by 1 experiment(s); remove it from their manifests first']

        # the definition current at dispatch is what the task carries (changed after the save)
        ok(call(backend, team.owner, UPDATE, p=p, r=cmd_probe("load", command="echo 9", value="8")))
        ok(call(backend, team.executor, RUN, p=p, e="exp-1"))
        tasks, _ = infra.poll(wait_ms=2000)
        assert len(tasks) == 1
        assert tasks[0]["groups"][0][0]["probes"] == ["web", "load", "inline-true"]
        specs = task_probe_specs(infra)
        assert [(s["name"], s["mode"]) for s in specs] == [("inline-true", "SOT"), ("web", "Edge"),
                                                            ("load", "Continuous")]
        assert specs[2]["cmdProbe/inputs"]["command"] == "echo 9"

        # the agent's own parser runs exactly what the task carries
        spec = tmp_path / "spec.json"
        spec.write_text(json.dumps({"probe": specs}))
        out = subprocess.run([str(BUILD / "tests" / "test_probe_run")], env={"RIFT_PROBE_SPEC": str(spec),
                             "RIFT_PROBE_CHAOS_MS": "200", "PATH": "/usr/bin:/bin"},
                             capture_output=True, text=True, timeout=60)
        result = json.loads(out.stdout)
        assert "error" not in result, result
        assert [(r["name"], r["verdict"]) for r in result["probes"]] == [
            ("inline-true", "Passed"), ("web", "Passed"), ("load", "Passed")], result

        # once no experiment names it, it can be deleted
        assert ok(save(manifest(["inline-true"], [inline])))
        assert ok(call(backend, team.owner, DELETE, p=p, n="web"))["deleteProbe"] is True
    finally:
        server.shutdown()


def task_probe_specs(infra):
    """Polls again (a delivered task is returned until it reports Running) and decodes Task.probes."""
    m = infra.call("Poll", enc([(1, infra.auth()), (2, 200)]), timeout=10)
    tasks = m.get(1, [])
    assert len(tasks) == 1
    return [json.loads(dec(p)[4][0].decode()) for p in dec(tasks[0]).get(6, [])]
