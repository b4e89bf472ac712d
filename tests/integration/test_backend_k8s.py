"""Kubernetes infrastructures in rift-backend: registerInfra returns the subscriber manifest (YAML, as
Litmus's: Namespace, ServiceAccount, RBAC, ConfigMap subscriber-config, Secret subscriber-secret,
Deployment subscriber) and getInfraManifest gives it again. The YAML is parsed and checked value by
value; the key in it works once with InfraService.RegisterInfra, as a Linux registration key does."""
import pytest
import yaml

from backend_client import Team, errors, gql, ok
from fake_infra import FakeInfra, TwirpError

REGISTER = """mutation($p: ID!, $r: RegisterInfraRequest!) { registerInfra(projectID: $p, request: $r)
  { infraID token manifest installCommand } }"""
MANIFEST = "query($p: ID!, $i: String!, $u: Boolean!) { getInfraManifest(projectID: $p, infraID: $i, upgrade: $u) }"


@pytest.fixture
def world(rift_auth, rift_backend):
    auth = rift_auth()
    backend = rift_backend(auth, SERVER_ADDR="https://chaos.example.com:8000")
    team = Team(auth.url)
    ok(gql(backend.url, team.owner.token,
           'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "k", name: "K", type: PROD}) { name } }',
           {"p": team.project}))
    return backend, team


def register(backend, team, **extra):
    req = {"name": "cluster-1", "environmentID": "k", "infrastructureType": "Kubernetes", "platformName": "gke"}
    req.update(extra)
    return gql(backend.url, team.owner.token, REGISTER, {"p": team.project, "r": req})


def by_kind(docs):
    out = {}
    for d in docs:
        out.setdefault(d["kind"], []).append(d)
    return out


def test_register_returns_a_subscriber_manifest(world):
    backend, team = world
    reg = ok(register(backend, team, nodeSelector="disk=ssd,zone=a"))["registerInfra"]
    docs = [d for d in yaml.safe_load_all(reg["manifest"]) if d]
    kinds = by_kind(docs)
    assert sorted(kinds) == ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Namespace", "Secret",
                             "ServiceAccount"]
    assert kinds["Namespace"][0]["metadata"]["name"] == "litmus"
    assert kinds["ServiceAccount"][0]["metadata"] == {"name": "litmus", "namespace": "litmus", "labels": {
        "app.kubernetes.io/part-of": "rift", "rift.io/infra-id": reg["infraID"]}}
    secret = kinds["Secret"][0]
    assert secret["metadata"]["name"] == "subscriber-secret"
    assert secret["stringData"] == {"INFRA_ID": reg["infraID"], "ACCESS_KEY": reg["token"]}
    cfg = kinds["ConfigMap"][0]
    assert cfg["metadata"]["name"] == "subscriber-config"
    assert cfg["data"]["SERVER_ADDR"] == "https://chaos.example.com:8000"
    assert cfg["data"]["INFRA_SCOPE"] == "cluster" and cfg["data"]["IS_INFRA_CONFIRMED"] == "false"
    dep = kinds["Deployment"][0]
    spec = dep["spec"]["template"]["spec"]
    assert dep["metadata"]["namespace"] == "litmus" and spec["serviceAccountName"] == "litmus"
    assert spec["nodeSelector"] == {"disk": "ssd", "zone": "a"}
    c = spec["containers"][0]
    assert c["image"].startswith("rift/rift-subscriber:")
    assert {"configMapRef": {"name": "subscriber-config"}} in c["envFrom"]
    assert {"secretRef": {"name": "subscriber-secret"}} in c["envFrom"]
    binding = kinds["ClusterRoleBinding"][0]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "litmus", "namespace": "litmus"}]
    assert binding["roleRef"]["name"] == kinds["ClusterRole"][0]["metadata"]["name"]
    # the key in the Secret registers the infrastructure once, like a Linux registration key
    infra = FakeInfra(backend.url.replace(backend.env["HTTP_PORT"], backend.env["RPC_PORT"]), reg["infraID"])
    infra.register(reg["token"])
    with pytest.raises(TwirpError):
        FakeInfra(infra.url, reg["infraID"]).register(reg["token"])


def test_namespace_scope_existing_objects_and_manifest_again(world):
    backend, team = world
    reg = ok(register(backend, team, infraScope="namespace", infraNamespace="chaos", serviceAccount="chaos-sa",
                      infraNsExists=True, skipSsl=True))["registerInfra"]
    kinds = by_kind([d for d in yaml.safe_load_all(reg["manifest"]) if d])
    assert "Namespace" not in kinds and "ClusterRole" not in kinds  # the namespace exists; namespaced RBAC
    assert kinds["Role"][0]["metadata"]["namespace"] == "chaos"
    assert kinds["RoleBinding"][0]["subjects"][0] == {"kind": "ServiceAccount", "name": "chaos-sa", "namespace": "chaos"}
    assert kinds["ServiceAccount"][0]["metadata"]["name"] == "chaos-sa"
    assert kinds["ConfigMap"][0]["data"]["SKIP_SSL_VERIFY"] == "true"
    assert kinds["ConfigMap"][0]["data"]["INFRA_SCOPE"] == "namespace"

    # before registration: the manifest again, with a new one-time key (the first one stops working)
    v = {"p": team.project, "i": reg["infraID"], "u": False}
    again = ok(gql(backend.url, team.executor.token, MANIFEST, v))["getInfraManifest"]
    kinds2 = by_kind([d for d in yaml.safe_load_all(again) if d])
    key2 = kinds2["Secret"][0]["stringData"]["ACCESS_KEY"]
    assert key2 != reg["token"] and kinds2["Role"] == kinds["Role"]
    rpc = backend.url.replace(backend.env["HTTP_PORT"], backend.env["RPC_PORT"])
    with pytest.raises(TwirpError):
        FakeInfra(rpc, reg["infraID"]).register(reg["token"])
    FakeInfra(rpc, reg["infraID"]).register(key2)
    # registered: no key can be given again; an upgrade manifest leaves the deployed Secret alone
    assert "upgrade: true" in " ".join(errors(gql(backend.url, team.owner.token, MANIFEST, v)))
    up = ok(gql(backend.url, team.owner.token, MANIFEST, dict(v, u=True)))["getInfraManifest"]
    kinds3 = by_kind([d for d in yaml.safe_load_all(up) if d])
    assert "Secret" not in kinds3 and kinds3["ConfigMap"][0]["data"]["IS_INFRA_CONFIRMED"] == "true"
    # a Viewer may not have it (Owner and Executor, as in Litmus)
    assert errors(gql(backend.url, team.viewer.token, MANIFEST, dict(v, u=True))) == ["permission denied"]


def test_bad_kubernetes_requests_name_the_field(world):
    backend, team = world
    cases = [({"infraNamespace": "Bad_NS"}, "request.infraNamespace"),
             ({"serviceAccount": "-x"}, "request.serviceAccount"),
             ({"infraScope": "galaxy"}, "request.infraScope"),
             ({"nodeSelector": "disk"}, "request.nodeSelector"),
             ({"nodeSelector": "a=b\nkind: Secret"}, "request.nodeSelector")]
    for extra, field in cases:
        msgs = errors(register(backend, team, **extra))
        assert len(msgs) == 1 and msgs[0].startswith(field), (extra, msgs)
    # a Linux infrastructure has no manifest to give again
    lin = ok(gql(backend.url, team.owner.token, REGISTER, {"p": team.project, "r": {
        "name": "l", "environmentID": "k", "infrastructureType": "Linux", "platformName": "l"}}))["registerInfra"]
    msgs = errors(gql(backend.url, team.owner.token, MANIFEST, {"p": team.project, "i": lin["infraID"], "u": True}))
    assert msgs and "not a Kubernetes infrastructure" in msgs[0]
