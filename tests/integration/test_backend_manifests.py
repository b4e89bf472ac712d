"""Litmus manifests (ChaosEngine, Argo Workflow and CronWorkflow as ChaosCenter generates them) given to
rift-backend's experiment mutations, converted to Rift's format and checked against the hub: what the
agent receives (through a fake infrastructure's Poll), errors naming the field of the original manifest,
saved probes referenced by the probeRef annotation, and experiment revisions (docs/experiments.md)."""
import json
import textwrap
import uuid

import pytest

from backend_client import LATENCY_MANIFEST, Team, errors, gql, ok
from fake_infra import FakeInfra
from test_backend_mongo import mongo_port  # noqa: F401 (the MongoDB-compatible server fixture)

CREATE = """mutation($p: ID!, $r: ChaosExperimentRequest!) {
  createChaosExperiment(projectID: $p, request: $r) { experimentID } }"""
UPDATE = """mutation($p: ID!, $r: ChaosExperimentRequest!) {
  updateChaosExperiment(projectID: $p, request: $r) { experimentID } }"""
SAVE = """mutation($p: ID!, $r: SaveChaosExperimentRequest!) { saveChaosExperiment(projectID: $p, request: $r) }"""
RUN = """mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }"""
GET = """query($p: ID!, $e: String!) { getExperiment(projectID: $p, experimentID: $e) { experimentDetails {
  revisionID weightages { faultName weightage }
  revision { revisionID experimentManifest updatedAt updatedBy { username } weightages { faultName weightage } } } } }"""
GET_RUN = """query($p: ID!, $r: ID) { getExperimentRun(projectID: $p, experimentRunID: $r) { revisionID faults { step fault weight } } }"""

ENGINE = textwrap.dedent("""\
    apiVersion: litmuschaos.io/v1alpha1
    kind: ChaosEngine
    metadata:
      name: web-latency
      labels: {weight: "20"}
    spec:
      engineState: active
      appinfo: {appns: default, applabel: app=web, appkind: deployment}
      chaosServiceAccount: litmus-admin
      experiments:
        - name: linux-network-latency
          spec:
            components:
              env:
                - name: TOTAL_CHAOS_DURATION
                  value: "45"
                - name: NETWORK_LATENCY
                  value: "250"
                - name: JITTER
                  value: 5
                - name: NETWORK_INTERFACE
                  value: eth0
                - name: TARGET_PODS
                  value: ""
                - name: RAMP_TIME
                  value: "0"
            probe:
              - name: web-up
                type: httpProbe
                httpProbe/inputs:
                  url: http://10.0.0.10:8080/
                  insecureSkipVerify: false
                  method:
                    get: {criteria: "==", responseCode: "200"}
                mode: Continuous
                runProperties: {probeTimeout: 1, interval: 1, retry: 1}
        - name: node-cpu-hog
          spec:
            components:
              env:
                - {name: CPU_LOAD, value: "60"}
                - {name: NODE_CPU_CORE, value: "2"}
                - {name: TARGET_NODES, value: node-1}
""")


def engine_step(step, fault, env, probe_ref=None, weight=None):
    """One ChaosCenter Argo template holding a ChaosEngine artifact."""
    ann = f"\n  annotations:\n    probeRef: '{json.dumps(probe_ref)}'" if probe_ref else ""
    env_yaml = "".join(f"\n              - name: {k}\n                value: \"{v}\"" for k, v in env.items())
    data = (f"apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosEngine\nmetadata:\n  generateName: {step}{ann}\n"
            f"  namespace: \"{{{{workflow.parameters.adminModeNamespace}}}}\"\n"
            f"spec:\n  engineState: active\n  experiments:\n    - name: {fault}\n      spec:\n"
            f"        components:\n          env:{env_yaml}\n")
    t = {"name": step, "inputs": {"artifacts": [{"name": step, "path": "/tmp/chaosengine.yaml", "raw": {"data": data}}]},
         "container": {"image": "litmuschaos/litmus-checker:latest", "args": ["-file=/tmp/chaosengine.yaml"]}}
    if weight is not None:
        t["metadata"] = {"labels": {"weight": str(weight)}}
    return t


def workflow(kind="Workflow", probe_ref=None):
    templates = [
        {"name": "argowf-chaos", "steps": [
            [{"name": "install-chaos-faults", "template": "install-chaos-faults"}],
            [{"name": "latency", "template": "latency"}, {"name": "cpu", "template": "cpu"}],
            [{"name": "kill", "template": "kill"}],
            [{"name": "cleanup-chaos-resources", "template": "cleanup-chaos-resources"}]]},
        {"name": "install-chaos-faults", "container": {"image": "litmuschaos/k8s:latest"}},
        engine_step("latency", "linux-network-latency", {"TOTAL_CHAOS_DURATION": "20", "NETWORK_LATENCY": "300"},
                    probe_ref=probe_ref, weight=30),
        engine_step("cpu", "linux-cpu-stress", {"TOTAL_CHAOS_DURATION": "20", "LOAD": "40"}, weight=5),
        engine_step("kill", "linux-process-kill", {"PROCESS_NAMES": "sleep"}),
        {"name": "cleanup-chaos-resources", "container": {"image": "litmuschaos/k8s:latest"}},
    ]
    spec = {"entrypoint": "argowf-chaos", "templates": templates,
            "arguments": {"parameters": [{"name": "adminModeNamespace", "value": "litmus"}]}}
    doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": {"name": "wf"}}
    doc["spec"] = {"schedule": "0 * * * *", "workflowSpec": spec} if kind == "CronWorkflow" else spec
    return doc


def make_world(rift_auth, rift_backend, **env):
    auth = rift_auth()
    backend = rift_backend(auth, **env)
    team = Team(auth.url)
    p = team.project
    ok(gql(backend.url, team.owner.token,
           'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }',
           {"p": p}))
    reg = ok(gql(backend.url, team.owner.token,
                 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "h", environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID token } }',
                 {"p": p}))["registerInfra"]
    infra = FakeInfra(backend.rpc_url, reg["infraID"])
    infra.register(reg["token"])
    return backend, team, reg["infraID"], infra


@pytest.fixture
def world(rift_auth, rift_backend):
    return make_world(rift_auth, rift_backend)


def create(backend, team, infra_id, manifest, name="x"):
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    return gql(backend.url, team.owner.token, CREATE,
               {"p": team.project, "r": {"experimentName": name, "experimentManifest": text, "infraID": infra_id}})


def run_and_take_task(backend, team, infra, exp_id):
    run = ok(gql(backend.url, team.owner.token, RUN, {"p": team.project, "e": exp_id}))["runChaosExperiment"]
    tasks, _ = infra.poll(wait_ms=2000)  # earlier runs' tasks come again until they report Running
    mine = [t for t in tasks if t["run_id"] == run["experimentRunID"]]
    assert len(mine) == 1, tasks
    return run["experimentRunID"], mine[0]


def test_chaosengine_becomes_linux_steps_the_agent_receives(world):
    backend, team, infra_id, infra = world
    exp = ok(create(backend, team, infra_id, ENGINE))["createChaosExperiment"]["experimentID"]
    _, task = run_and_take_task(backend, team, infra, exp)
    assert [[s["name"] for s in g] for g in task["groups"]] == [["linux-network-latency", "node-cpu-hog"]]
    lat, cpu = task["groups"][0]
    assert lat["fault"] == "linux-network-latency" and lat["duration_ms"] == 45000 and lat["weight"] == 20
    # JITTER given as a YAML number, NETWORK_INTERFACE renamed, TARGET_PODS and RAMP_TIME=0 dropped
    assert lat["tunables"] == {"NETWORK_LATENCY": "250", "JITTER": "5", "NETWORK_INTERFACES": "eth0"}
    assert lat["probes"] == ["web-up"] and task["probes"] == [{"name": "web-up", "type": "httpProbe"}]
    # Litmus's node-cpu-hog runs as Rift's linux-cpu-stress with its env renamed; default duration 30 s
    assert cpu["fault"] == "linux-cpu-stress" and cpu["tunables"] == {"LOAD": "60", "WORKERS": "2"}
    assert cpu["duration_ms"] == 30000 and cpu["probes"] == []


def test_argo_workflow_groups_weights_and_ignored_steps(world):
    backend, team, infra_id, infra = world
    for kind in ("Workflow", "CronWorkflow"):
        exp = ok(create(backend, team, infra_id, workflow(kind), name=kind))["createChaosExperiment"]["experimentID"]
        _, task = run_and_take_task(backend, team, infra, exp)
        # each inner list of steps is a group (parallel), the outer list serial; install/cleanup ignored
        assert [[(s["name"], s["fault"], s["weight"]) for s in g] for g in task["groups"]] == [
            [("latency", "linux-network-latency", 30), ("cpu", "linux-cpu-stress", 5)],
            [("kill", "linux-process-kill", 10)]]
        assert task["groups"][0][0]["tunables"] == {"NETWORK_LATENCY": "300"}
        assert task["groups"][0][0]["duration_ms"] == 20000
        got = ok(gql(backend.url, team.viewer.token, GET, {"p": team.project, "e": exp}))["getExperiment"]
        assert got["experimentDetails"]["weightages"] == [
            {"faultName": "latency", "weightage": 30}, {"faultName": "cpu", "weightage": 5},
            {"faultName": "kill", "weightage": 10}]


@pytest.mark.parametrize("mutate,field", [
    (lambda m: m.replace("linux-network-latency", "pod-delete", 1),
     'spec.experiments[0].name: "pod-delete" is a Kubernetes fault: not available for a Linux infrastructure'),
    (lambda m: m.replace('value: "250"', 'value: "fast"'),
     'spec.experiments[0].spec.components.env.NETWORK_LATENCY: "fast" is not a duration'),
    (lambda m: m.replace('value: "60"', 'value: "500"'),
     'spec.experiments[1].spec.components.env.CPU_LOAD: "500" is not a number in range (as Rift\'s LOAD)'),
    (lambda m: m.replace('value: "0"', 'value: "10"'),
     'spec.experiments[0].spec.components.env.RAMP_TIME: "10": rift-agent has no ramp time'),
    (lambda m: m.replace('value: "45"', 'value: "soon"'),
     'spec.experiments[0].spec.components.env.TOTAL_CHAOS_DURATION: "soon" is not a number of seconds'),
    (lambda m: m.replace("name: JITTER", "name: NO_SUCH_ENV"),
     "spec.experiments[0].spec.components.env.NO_SUCH_ENV: not a tunable of linux-network-latency"),
    (lambda m: m.replace("type: httpProbe", "type: k8sProbe"),
     "spec.experiments[0].spec.probe[0].type: k8sProbe is not available for a Linux infrastructure"),
    (lambda m: m.replace("node-cpu-hog", "no-such-fault"), 'spec.experiments[1].name: unknown fault "no-such-fault"'),
    (lambda m: m.replace("kind: ChaosEngine", "kind: ChaosSchedule"), "kind: expected ChaosEngine, Workflow or CronWorkflow"),
])
def test_chaosengine_errors_name_the_original_field(world, mutate, field):
    backend, team, infra_id, infra = world
    msgs = errors(create(backend, team, infra_id, mutate(ENGINE)))
    assert len(msgs) == 1 and msgs[0].startswith(field), msgs


def test_workflow_errors_name_the_template(world):
    backend, team, infra_id, infra = world
    wf = workflow()
    wf["spec"]["templates"][2] = engine_step("latency", "pod-network-latency", {"NETWORK_LATENCY": "300"})
    msg = errors(create(backend, team, infra_id, wf))
    assert msg == ['spec.templates[2].inputs.artifacts[0].raw.data.spec.experiments[0].name: "pod-network-latency" '
                   "is a Kubernetes fault: not available for a Linux infrastructure"], msg
    wf = workflow()
    wf["spec"]["templates"][0]["steps"][2][0]["template"] = "missing"
    assert errors(create(backend, team, infra_id, wf)) == [
        'spec.templates[0].steps[2][0].template: no template named "missing"']
    wf = workflow()
    wf["spec"]["templates"].append({"name": "install-application", "container": {"image": "x"}})
    wf["spec"]["templates"][0]["steps"].insert(1, [{"name": "install-application", "template": "install-application"}])
    msg = errors(create(backend, team, infra_id, wf))
    assert len(msg) == 1 and msg[0].startswith('spec.templates[0].steps[1][0] "install-application": not a fault step'), msg
    wf = workflow()
    wf["spec"]["templates"][3]["metadata"]["labels"]["weight"] = "heavy"
    assert errors(create(backend, team, infra_id, wf)) == [
        "spec.templates[3].metadata.labels.weight: expected an integer in 0..100"]
    wf = workflow()
    wf["spec"]["entrypoint"] = "nope"
    assert errors(create(backend, team, infra_id, wf)) == ['spec.templates: no template named "nope" (the entrypoint)']


def test_probe_ref_names_saved_probes(world):
    backend, team, infra_id, infra = world
    wf = workflow(probe_ref=[{"name": "api-up", "mode": "Edge"}])
    msg = errors(create(backend, team, infra_id, wf))
    assert len(msg) == 1 and 'probe "api-up"' in msg[0] and "saved" in msg[0], msg
    ok(gql(backend.url, team.owner.token,
           'mutation($p: ID!) { addProbe(projectID: $p, request: {name: "api-up", type: httpProbe, infrastructureType: Linux, '
           'kubernetesHTTPProperties: {probeTimeout: "2s", interval: "1s", url: "http://10.0.0.10:8080/", '
           'method: {get: {criteria: "==", responseCode: "200"}}}}) { name } }', {"p": team.project}))
    exp = ok(create(backend, team, infra_id, wf))["createChaosExperiment"]["experimentID"]
    _, task = run_and_take_task(backend, team, infra, exp)
    lat = task["groups"][0][0]
    assert lat["name"] == "latency" and lat["probes"] == ["api-up"]
    assert {"name": "api-up", "type": "httpProbe"} in task["probes"]


def test_revisions_are_kept_and_runs_record_theirs(world):
    check_revisions(*world)


def test_revisions_on_the_mongodb_store(rift_auth, rift_backend, mongo_port):
    db = f"mongodb://127.0.0.1:{mongo_port}/backend_{uuid.uuid4().hex[:12]}"
    check_revisions(*make_world(rift_auth, rift_backend, DB_SERVER=db))


def check_revisions(backend, team, infra_id, infra):
    exp = ok(create(backend, team, infra_id, ENGINE, name="rev"))["createChaosExperiment"]["experimentID"]
    p = {"p": team.project, "e": exp}
    first = ok(gql(backend.url, team.viewer.token, GET, p))["getExperiment"]["experimentDetails"]
    assert [r["revisionID"] for r in first["revision"]] == [first["revisionID"]]
    assert first["revision"][0]["experimentManifest"] == ENGINE
    run1, _ = run_and_take_task(backend, team, infra, exp)

    m2 = json.dumps(LATENCY_MANIFEST)
    ok(gql(backend.url, team.executor.token, UPDATE, {"p": team.project, "r": {
        "experimentID": exp, "experimentName": "rev", "experimentManifest": m2, "infraID": infra_id,
        "weightages": [{"faultName": "cpu", "weightage": 40}]}}))
    m3 = json.dumps(workflow())
    ok(gql(backend.url, team.owner.token, SAVE, {"p": team.project, "r": {
        "id": exp, "name": "rev", "manifest": m3, "infraID": infra_id}}))
    got = ok(gql(backend.url, team.viewer.token, GET, p))["getExperiment"]["experimentDetails"]
    revs = got["revision"]
    assert [r["experimentManifest"] for r in revs] == [ENGINE, m2, m3]
    assert len({r["revisionID"] for r in revs}) == 3 and revs[-1]["revisionID"] == got["revisionID"]
    assert [r["updatedBy"]["username"] for r in revs] == ["owner", "executor", "owner"]
    assert {"faultName": "cpu", "weightage": 40} in revs[1]["weightages"]
    assert int(revs[0]["updatedAt"]) <= int(revs[1]["updatedAt"]) <= int(revs[2]["updatedAt"])

    run3, _ = run_and_take_task(backend, team, infra, exp)
    for run_id, rev in ((run1, revs[0]), (run3, revs[2])):
        r = ok(gql(backend.url, team.viewer.token, GET_RUN, {"p": team.project, "r": run_id}))["getExperimentRun"]
        assert r["revisionID"] == rev["revisionID"]
    # a refused update stores no revision
    bad = gql(backend.url, team.owner.token, UPDATE, {"p": team.project, "r": {
        "experimentID": exp, "experimentName": "rev", "experimentManifest": ENGINE.replace("node-cpu-hog", "pod-delete"),
        "infraID": infra_id}})
    assert errors(bad)
    assert len(ok(gql(backend.url, team.viewer.token, GET, p))["getExperiment"]["experimentDetails"]["revision"]) == 3
    # another project's member sees nothing of them
    assert errors(gql(backend.url, team.stranger.token, GET, p))


def test_cronworkflow_schedule_is_the_experiment_schedule(world):
    backend, team, infra_id, infra = world
    cron_q = "query($p: ID!, $e: String!) { getExperiment(projectID: $p, experimentID: $e) { experimentDetails { cronSyntax } } }"

    def make(wf, cron=None):
        r = {"experimentName": "c", "experimentManifest": json.dumps(wf), "infraID": infra_id}
        if cron is not None:
            r["cronSyntax"] = cron
        return gql(backend.url, team.owner.token, CREATE, {"p": team.project, "r": r})

    def cron_of(exp):
        got = ok(gql(backend.url, team.viewer.token, cron_q, {"p": team.project, "e": exp}))
        return got["getExperiment"]["experimentDetails"]["cronSyntax"]

    exp = ok(make(workflow("CronWorkflow")))["createChaosExperiment"]["experimentID"]
    assert cron_of(exp) == "0 * * * *"  # spec.schedule, as ChaosCenter reads it
    exp = ok(make(workflow("CronWorkflow"), cron="30 2 * * *"))["createChaosExperiment"]["experimentID"]
    assert cron_of(exp) == "30 2 * * *"  # the request's cronSyntax wins
    exp = ok(make(workflow()))["createChaosExperiment"]["experimentID"]
    assert cron_of(exp) == ""
    bad = workflow("CronWorkflow")
    bad["spec"]["schedule"] = "every day"
    msg = errors(make(bad))
    assert len(msg) == 1 and msg[0].startswith("spec.schedule: "), msg
