"""GraphQL helpers for the test_backend_* suites: a project with an Owner, an Executor, a Viewer and
a non-member on a real rift-auth, and a gql() call against rift-backend's POST /query."""
import json

import requests

from auth_client import admin_session, create_user, user_session

LATENCY_MANIFEST = {
    "groups": [{"steps": [{"name": "lat", "fault": "linux-network-latency", "duration": "5s",
                           "tunables": {"NETWORK_LATENCY": "200", "JITTER": "10"}, "probes": ["up"]},
                          {"name": "cpu", "fault": "linux-cpu-stress", "weight": 30,
                           "tunables": {"LOAD": "50"}}]},
               {"steps": [{"name": "kill", "fault": "linux-process-kill",
                           "tunables": {"PROCESS_NAMES": "sleep"}}]}],
    "probes": [{"name": "up", "type": "httpProbe", "mode": "Continuous"}],
}


def gql(url, token, query, variables=None, status=200, op=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables or {}}
    if op:
        body["operationName"] = op
    r = requests.post(url + "/query", json=body, headers=headers, timeout=30)
    assert r.status_code == status, r.text
    return r.json()


def ok(resp):
    assert "errors" not in resp, json.dumps(resp)
    return resp["data"]


def errors(resp):
    return [e["message"] for e in resp.get("errors", [])]


class Team:
    """owner (Owner), executor (Executor), viewer (Viewer) in owner's project; stranger outside it."""

    def __init__(self, auth_url):
        admin = admin_session(auth_url)
        ids = {n: create_user(admin, n) for n in ("owner", "executor", "viewer", "stranger")}
        self.owner = user_session(auth_url, "owner")
        self.project = self.owner.project_id
        for name, role in (("executor", "Executor"), ("viewer", "Viewer")):
            r = self.owner.post("/send_invitation", {"projectID": self.project, "userID": ids[name], "role": role})
            assert r.status_code == 200, r.text
            s = user_session(auth_url, name)
            assert s.post("/accept_invitation", {"projectID": self.project, "userID": ids[name]}).status_code == 200
            setattr(self, name, s)
        self.stranger = user_session(auth_url, "stranger")
