"""Chaos hubs: the built-in hub and its predefined experiments, and hubs loaded from directories laid
out like Litmus's chaos-charts (HUB_DIRS): listChaosHub, listChaosFaults, getChaosFault,
listPredefinedExperiments, getPredefinedExperiment; faults Rift cannot run on Linux are listed as not
runnable and refused by manifest validation (docs/experiments.md)."""
import json
import textwrap

import pytest

from backend_client import Team, errors, gql, ok

HUBS = "query($p: ID!) { listChaosHub(projectID: $p) { id name hubType isDefault totalFaults totalExperiments } }"
FAULTS = """query($p: ID!, $h: ID!) { listChaosFaults(projectID: $p, hubID: $h) {
  name category description platform runnable hubID runsAs tunables { name default } } }"""
FAULT = """query($p: ID!, $h: String!, $n: String!) { getChaosFault(projectID: $p,
  request: {category: "", experimentName: $n, hubID: $h}) { name platform runnable runsAs } }"""
PREDEF = """query($p: ID!, $h: ID!) { listPredefinedExperiments(projectID: $p, hubID: $h) {
  experimentName experimentCSV experimentManifest hubID runnable reason } }"""
GET_PREDEF = """query($p: ID!, $h: ID!, $n: [String!]!) { getPredefinedExperiment(projectID: $p, hubID: $h,
  experimentName: $n) { experimentName runnable } }"""
CREATE = """mutation($p: ID!, $r: ChaosExperimentRequest!) {
  createChaosExperiment(projectID: $p, request: $r) { experimentID } }"""


def chart_fault(name, description, env):
    env_yaml = "".join(f"\n        - name: {k}\n          value: '{v}'" for k, v in env.items())
    return textwrap.dedent(f"""\
        ---
        apiVersion: litmuschaos.io/v1alpha1
        description:
          message: |
            {description}
        kind: ChaosExperiment
        metadata:
          name: {name}
          labels:
            name: {name}
        spec:
          definition:
            scope: Namespaced
            image: "litmuschaos/go-runner:latest"
            env:""") + env_yaml + "\n"


CPU_EXPERIMENT = textwrap.dedent("""\
    apiVersion: litmuschaos.io/v1alpha1
    kind: ChaosEngine
    metadata:
      name: node-cpu
      annotations:
        description: Burns two cores of the host
    spec:
      experiments:
        - name: node-cpu-hog
          spec:
            components:
              env:
                - {name: TOTAL_CHAOS_DURATION, value: "60"}
                - {name: CPU_LOAD, value: "90"}
    """)


@pytest.fixture
def hub_dir(tmp_path):
    root = tmp_path / "team-charts"
    files = {
        "faults/linux/node-cpu-hog/fault.yaml": chart_fault("node-cpu-hog", "Loads the node's CPU",
                                                            {"TOTAL_CHAOS_DURATION": "60", "CPU_LOAD": "100"}),
        "faults/linux/linux-network-loss/fault.yaml": chart_fault("linux-network-loss", "Drops packets",
                                                                  {"NETWORK_PACKET_LOSS_PERCENTAGE": "100"}),
        "faults/kubernetes/pod-delete/fault.yaml": chart_fault("pod-delete", "Deletes pods",
                                                               {"TOTAL_CHAOS_DURATION": "15", "FORCE": "true"}),
        "faults/kubernetes/broken/fault.yaml": "kind: [unclosed\n",
        "experiments/cpu-burn/experiment.yaml": CPU_EXPERIMENT,
        "experiments/delete-pods/experiment.yaml": CPU_EXPERIMENT.replace("node-cpu-hog", "pod-delete"),
        "experiments/no-manifest/README.md": "nothing here\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture
def world(rift_auth, rift_backend, hub_dir):
    auth = rift_auth()
    backend = rift_backend(auth, HUB_DIRS=str(hub_dir) + "/")  # the trailing slash is not part of the id
    team = Team(auth.url)
    ok(gql(backend.url, team.owner.token,
           'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }',
           {"p": team.project}))
    infra = ok(gql(backend.url, team.owner.token,
                   'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "h", environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID } }',
                   {"p": team.project}))["registerInfra"]["infraID"]
    return backend, team, infra


def create(backend, team, infra, manifest):
    return gql(backend.url, team.owner.token, CREATE, {"p": team.project, "r": {
        "experimentName": "x", "experimentManifest": manifest, "infraID": infra}})


def test_directory_hub_is_listed_with_the_builtin_one(world):
    backend, team, infra = world
    hubs = ok(gql(backend.url, team.viewer.token, HUBS, {"p": team.project}))["listChaosHub"]
    assert hubs[0]["id"] == "rift" and hubs[0]["isDefault"] and hubs[0]["totalExperiments"] == 3
    # the unparsable chart is skipped, the directory without experiment.yaml too
    assert hubs[1] == {"id": "team-charts", "name": "team-charts", "hubType": "DIRECTORY", "isDefault": False,
                       "totalFaults": 3, "totalExperiments": 2}
    assert "chaos hub: fault skipped" in backend.log_text()
    one = "query($p: ID!, $h: ID!) { getChaosHub(projectID: $p, chaosHubID: $h) { id hubType totalFaults } }"
    got = ok(gql(backend.url, team.viewer.token, one, {"p": team.project, "h": "team-charts"}))["getChaosHub"]
    assert got == {"id": "team-charts", "hubType": "DIRECTORY", "totalFaults": 3}
    got = ok(gql(backend.url, team.viewer.token, one, {"p": team.project, "h": "rift"}))["getChaosHub"]
    assert got == {"id": "rift", "hubType": "BUILTIN", "totalFaults": hubs[0]["totalFaults"]}
    assert errors(gql(backend.url, team.viewer.token, one, {"p": team.project, "h": "nope"})) == [
        "hubID: unknown hub (listChaosHub lists them)"]
    assert errors(gql(backend.url, team.stranger.token, one, {"p": team.project, "h": "rift"})) == ["permission denied"]


def test_directory_faults_runnable_or_not(world):
    backend, team, infra = world
    p = {"p": team.project, "h": "team-charts"}
    faults = {f["name"]: f for f in ok(gql(backend.url, team.viewer.token, FAULTS, p))["listChaosFaults"]}
    assert list(faults) == ["pod-delete", "linux-network-loss", "node-cpu-hog"]  # categories, then names, sorted
    cpu, loss, pod = faults["node-cpu-hog"], faults["linux-network-loss"], faults["pod-delete"]
    assert cpu["runnable"] and cpu["runsAs"] == "linux-cpu-stress" and cpu["platform"] == "Linux"
    assert cpu["category"] == "linux" and cpu["description"].strip() == "Loads the node's CPU"
    assert "LOAD" in [t["name"] for t in cpu["tunables"]]  # the agent's tunables
    assert loss["runnable"] and loss["runsAs"] == "linux-network-loss"
    assert not pod["runnable"] and pod["platform"] == "Kubernetes" and pod["runsAs"] is None
    assert pod["tunables"] == [{"name": "TOTAL_CHAOS_DURATION", "default": "15"}, {"name": "FORCE", "default": "true"}]
    assert all(f["hubID"] == "team-charts" for f in faults.values())

    one = ok(gql(backend.url, team.viewer.token, FAULT, {"p": team.project, "h": "team-charts", "n": "pod-delete"}))
    assert one["getChaosFault"] == {"name": "pod-delete", "platform": "Kubernetes", "runnable": False, "runsAs": None}
    assert errors(gql(backend.url, team.viewer.token, FAULT, {"p": team.project, "h": "team-charts", "n": "nope"})) == [
        "request.experimentName: no such fault in the hub"]
    assert errors(gql(backend.url, team.viewer.token, FAULTS, {"p": team.project, "h": "elsewhere"})) == [
        "hubID: unknown hub (listChaosHub lists them)"]
    builtin = ok(gql(backend.url, team.viewer.token, FAULTS, {"p": team.project, "h": "rift"}))["listChaosFaults"]
    assert builtin and all(f["runnable"] and f["hubID"] == "rift" for f in builtin)

    # a fault of the hub Rift cannot run is refused when an experiment names it
    rift_format = json.dumps({"groups": [{"steps": [{"name": "d", "fault": "pod-delete"}]}]})
    assert errors(create(backend, team, infra, rift_format)) == [
        'groups[0].steps[0].fault: "pod-delete" (hub team-charts) is not runnable on a Linux infrastructure']
    litmus_name = json.dumps({"groups": [{"steps": [{"name": "c", "fault": "node-cpu-hog"}]}]})
    assert errors(create(backend, team, infra, litmus_name)) == [
        'groups[0].steps[0].fault: unknown fault "node-cpu-hog" (Rift\'s name is linux-cpu-stress)']


def test_predefined_experiments(world):
    backend, team, infra = world
    builtin = ok(gql(backend.url, team.viewer.token, PREDEF, {"p": team.project, "h": "rift"}))["listPredefinedExperiments"]
    assert [e["experimentName"] for e in builtin] == ["network-latency-with-http-probe", "cpu-stress", "process-kill"]
    for e in builtin:  # each one is accepted as it is
        assert e["runnable"] and e["reason"] is None and e["hubID"] == "rift" and e["experimentCSV"]
        ok(create(backend, team, infra, e["experimentManifest"]))

    mine = ok(gql(backend.url, team.viewer.token, PREDEF, {"p": team.project, "h": "team-charts"}))["listPredefinedExperiments"]
    assert [(e["experimentName"], e["runnable"]) for e in mine] == [("cpu-burn", True), ("delete-pods", False)]
    assert mine[0]["experimentCSV"] == "Burns two cores of the host" and mine[0]["experimentManifest"] == CPU_EXPERIMENT
    assert "is a Kubernetes fault" in mine[1]["reason"]
    ok(create(backend, team, infra, mine[0]["experimentManifest"]))
    assert errors(create(backend, team, infra, mine[1]["experimentManifest"]))

    got = ok(gql(backend.url, team.viewer.token, GET_PREDEF,
                 {"p": team.project, "h": "team-charts", "n": ["delete-pods", "cpu-burn"]}))["getPredefinedExperiment"]
    assert got == [{"experimentName": "delete-pods", "runnable": False}, {"experimentName": "cpu-burn", "runnable": True}]
    assert errors(gql(backend.url, team.viewer.token, GET_PREDEF, {"p": team.project, "h": "rift", "n": ["cpu-burn"]})) == [
        "experimentName: no such predefined experiment in the hub"]
    assert errors(gql(backend.url, team.stranger.token, PREDEF, {"p": team.project, "h": "rift"})) == ["permission denied"]


def test_bad_hub_dirs_stop_the_backend(rift_auth, rift_backend, services, tmp_path):
    auth = rift_auth()
    with pytest.raises(RuntimeError, match="exited with 1"):
        rift_backend(auth, HUB_DIRS=str(tmp_path / "missing"))
    assert "HUB_DIRS: cannot load the chaos hub" in services[-1].log_text()
    same = tmp_path / "a" / "rift"
    same.mkdir(parents=True)
    with pytest.raises(RuntimeError, match="exited with 1"):
        rift_backend(auth, HUB_DIRS=str(same))  # "rift" is the built-in hub's id
    assert "another hub has this name" in services[-1].log_text()
