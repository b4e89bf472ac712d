"""rift-auth's REST API and AuthService, end to end against the real binary, on SQLite and on a
MongoDB wire-compatible server (scripts/mongo-compat.sh). Each test starts its own server."""
import os
import subprocess
import uuid

import pytest

from auth_client import (STRONG, Api, admin_session, create_user, jwt_claims, pb_decode, pb_encode,
                         user_session, validate)
from conftest import BUILD, ROOT, free_port

import requests


@pytest.fixture(scope="module")
def mongo_port():
    port = free_port()
    folder = BUILD / "mongo-compat"
    script = ROOT / "scripts" / "mongo-compat.sh"
    r = subprocess.run([str(script), "start", str(port), str(folder)], capture_output=True, text=True, timeout=600)
    try:
        if r.returncode != 0:
            pytest.fail(f"mongo-compat start failed:\n{r.stdout}\n{r.stderr}")
        yield port
    finally:
        subprocess.run([str(script), "stop", str(port), str(folder)], capture_output=True, timeout=60)


@pytest.fixture(params=["sqlite", "mongodb"])
def auth(request, rift_auth):
    """Starts rift-auth on the backend of this parametrisation; returns a start function."""
    overrides = {}
    if request.param == "mongodb":
        port = request.getfixturevalue("mongo_port")
        overrides["DB_SERVER"] = f"mongodb://127.0.0.1:{port}/auth_{uuid.uuid4().hex[:12]}"
    return lambda **kw: rift_auth(**{**overrides, **kw})


def test_status_readiness_metrics(auth):
    srv = auth()
    assert requests.get(srv.url + "/status").json() == {"status": "up"}
    assert requests.get(srv.url + "/readiness").json() == {"database": "up", "collections": "up"}
    Api(srv.url).post("/login", {"username": "admin", "password": "wrong-Pass1!"})
    text = requests.get(srv.url + "/metrics").text
    assert 'rift_auth_http_requests_total{route="/login",code="401"} 1' in text
    assert 'rift_auth_authentication_failures_total{reason="invalid_credentials"} 1' in text
    assert "rift_auth_http_request_duration_seconds_bucket" in text


def test_first_login_forces_password_change(auth):
    srv = auth()
    api = Api(srv.url)
    first = api.login("admin", "Litmus@123")
    assert first["type"] == "Bearer" and first["projectID"] == "" and first["expiresIn"] == 86400
    api.token = first["accessToken"]
    r = api.get("/users")
    assert r.status_code == 403 and r.json()["error"] == "password_change_required"
    for weak in ["short1!", "nouppercase1!", "NOLOWERCASE1!", "NoDigits!!", "NoSymbol123", "A1!" + "a" * 62]:
        r = api.post("/update/password", {"oldPassword": "Litmus@123", "newPassword": weak})
        assert r.status_code == 400 and r.json()["error"] == "invalid_password", weak
    r = api.post("/update/password", {"oldPassword": "Litmus@123", "newPassword": "Litmus@123"})
    assert r.status_code == 400
    r = api.post("/update/password", {"oldPassword": "Litmus@123", "newPassword": "Admin@12345"})
    assert r.status_code == 200 and r.json()["projectID"]
    again = api.login("admin", "Admin@12345")
    assert again["projectID"] == r.json()["projectID"] and again["projectRole"] == "Owner"
    api.token = again["accessToken"]
    assert api.get("/users").status_code == 200


def test_bad_input_is_rejected_and_changes_nothing(auth):
    srv = auth()
    admin = admin_session(srv.url)
    create_user(admin, "alice")
    before = admin.get("/users").json()
    cases = [
        ("/create_user", '{"username": "bob", "password": ', 400),                         # malformed
        ("/create_user", '["not", "an", "object"]', 400),                                   # not an object
        ("/create_user", '{"username": "bob", "password": "Passw0rd!x", "admin": true}', 400),  # unknown field
        ("/create_user", '{"username": 7, "password": "Passw0rd!x"}', 400),                 # wrong type
        ("/create_user", '{"password": "Passw0rd!x"}', 400),                                # missing field
        ("/create_user", '{"username": "-bad", "password": "Passw0rd!x"}', 400),            # invalid username
        ("/create_user", '{"username": "b\\u0000b", "password": "Passw0rd!x"}', 400),       # NUL
        ("/create_user", '{"username": "bob", "password": "Passw0rd!x", "role": "root"}', 400),
        ("/create_user", '{"username": "bob", "password": "weak"}', 400),                   # policy on create
        ("/create_user", '{"username": "alice", "password": "Passw0rd!x"}', 409),           # duplicate
        ("/create_user", '{"username": "bob", "username": "eve", "password": "Passw0rd!x"}', 400),  # repeated key
        ("/reset/password", '{"username": "alice", "newPassword": "weak"}', 400),           # policy on reset
        ("/reset/password", '{"username": "nobody", "newPassword": "Passw0rd!y"}', 404),
        ("/create_project", '{"projectName": ""}', 400),
        ("/create_project", '{"projectName": "p", "tags": "x"}', 400),
        ("/update/details", '{"email": "not-an-email"}', 400),
    ]
    for path, raw, status in cases:
        r = admin.post(path, raw=raw, headers={"Content-Type": "application/json"}) if False else \
            requests.post(srv.url + path, data=raw, headers=admin.headers(), timeout=10)
        assert r.status_code == status, (path, raw, r.status_code, r.text)
        body = r.json()
        assert set(body) == {"error", "errorDescription"}, body
    r = requests.post(srv.url + "/create_user", data=b"{" + b" " * (5 * 1024 * 1024) + b"}", headers=admin.headers(),
                      timeout=30)
    assert r.status_code == 413
    admin.post("/create_project", {"projectName": "unique-one"})
    r = admin.post("/create_project", {"projectName": "unique-one"})
    assert r.status_code == 409 and r.json()["error"] == "project_exists"
    after = admin.get("/users").json()
    assert after == before
    assert admin.get("/status").status_code == 200


def test_invitation_lifecycle(auth):
    srv = auth()
    admin = admin_session(srv.url)
    create_user(admin, "alice")
    bob_id = create_user(admin, "bob")
    alice = user_session(srv.url, "alice")
    bob = user_session(srv.url, "bob")
    pid = alice.project_id
    assert alice.get(f"/get_project_role/{pid}").json() == {"role": "Owner"}
    invitees = [u["username"] for u in alice.get(f"/invite_users/{pid}").json()["data"]]
    assert "bob" in invitees and "alice" not in invitees

    r = alice.post("/send_invitation", {"projectID": pid, "userID": bob_id, "role": "Viewer"})
    assert r.status_code == 200, r.text
    assert alice.post("/send_invitation", {"projectID": pid, "userID": bob_id, "role": "Viewer"}).status_code == 409
    pending = bob.get("/list_invitations_with_filters/Pending").json()["data"]
    assert [(p["projectID"], p["invitationRole"]) for p in pending] == [(pid, "Viewer")]
    assert pending[0]["projectOwner"]["username"] == "alice"
    assert bob.get(f"/get_project/{pid}").status_code == 403            # not yet accepted
    assert bob.post("/accept_invitation", {"projectID": pid, "userID": bob_id}).status_code == 200
    assert bob.get(f"/get_project/{pid}").json()["data"]["name"] == "alice-project"
    assert bob.get(f"/get_project_role/{pid}").json() == {"role": "Viewer"}
    members = alice.get(f"/get_project_members/{pid}/accepted").json()["data"]
    assert sorted(m["username"] for m in members) == ["alice", "bob"]
    owners = bob.get(f"/get_project_owners/{pid}").json()["data"]
    assert [o["username"] for o in owners] == ["alice"]

    # roles: the Owner changes bob's; nobody changes their own
    assert alice.post("/update_member_role", {"projectID": pid, "userID": bob_id, "role": "Executor"}).status_code == 200
    assert bob.get(f"/get_project_role/{pid}").json() == {"role": "Executor"}
    assert bob.post("/update_member_role", {"projectID": pid, "userID": bob_id, "role": "Owner"}).status_code == 403
    assert alice.post("/update_member_role", {"projectID": pid, "userID": alice.uid, "role": "Viewer"}).status_code == 403
    assert alice.post("/update_member_role", {"projectID": pid, "userID": bob_id, "role": "Boss"}).status_code == 400

    # leaving, re-inviting, declining, removing
    assert bob.post("/leave_project", {"projectID": pid, "userID": bob_id}).status_code == 200
    assert bob.get(f"/get_project/{pid}").status_code == 403
    assert [p["projectID"] for p in bob.get("/list_invitations_with_filters/Exited").json()["data"]] == [pid]
    assert alice.post("/send_invitation", {"projectID": pid, "userID": bob_id, "role": "Viewer"}).status_code == 200
    assert bob.post("/decline_invitation", {"projectID": pid, "userID": bob_id}).status_code == 200
    assert bob.post("/accept_invitation", {"projectID": pid, "userID": bob_id}).status_code == 403  # no longer pending
    not_acc = alice.get(f"/get_project_members/{pid}/not_accepted").json()["data"]
    assert [(m["username"], m["invitation"]) for m in not_acc] == [("bob", "Declined")]
    assert alice.post("/remove_invitation", {"projectID": pid, "userID": bob_id}).status_code == 200
    assert alice.get(f"/get_project_members/{pid}/all").json()["data"][0]["username"] == "alice"
    assert len(alice.get(f"/get_project_members/{pid}/all").json()["data"]) == 1

    # the last Owner can neither leave nor remove themselves
    r = alice.post("/leave_project", {"projectID": pid, "userID": alice.uid})
    assert r.status_code == 409 and r.json()["error"] == "last_owner"
    assert alice.post("/remove_invitation", {"projectID": pid, "userID": alice.uid}).status_code == 403
    # with a second Owner, the first may leave
    alice.post("/send_invitation", {"projectID": pid, "userID": bob_id, "role": "Owner"})
    bob.post("/accept_invitation", {"projectID": pid, "userID": bob_id})
    assert alice.post("/leave_project", {"projectID": pid, "userID": alice.uid}).status_code == 200
    assert bob.post("/update_project_name", {"projectID": pid, "projectName": "bobs"}).status_code == 200
    assert bob.get(f"/get_project/{pid}").json()["data"]["name"] == "bobs"
    assert bob.post(f"/delete_project/{pid}").status_code == 200
    assert bob.get(f"/get_project/{pid}").status_code == 403


def test_project_listing(auth):
    srv = auth()
    admin = admin_session(srv.url)
    create_user(admin, "carol")
    carol = user_session(srv.url, "carol")
    for name in ["zeta", "alpha", "Mid"]:
        assert carol.post("/create_project", {"projectName": name, "description": "d", "tags": ["t"]}).status_code == 200
    data = carol.get("/list_projects", params={"sortField": "name", "sortAscending": "true"}).json()["data"]
    assert data["totalNumberOfProjects"] == 4
    assert [p["name"] for p in data["projects"]] == ["alpha", "carol-project", "Mid", "zeta"]
    page = carol.get("/list_projects", params={"sortField": "name", "sortAscending": "true", "page": 1,
                                               "limit": 3}).json()["data"]
    assert [p["name"] for p in page["projects"]] == ["zeta"] and page["totalNumberOfProjects"] == 4
    found = carol.get("/list_projects", params={"projectName": "ALP"}).json()["data"]
    assert [p["name"] for p in found["projects"]] == ["alpha"]
    newest = carol.get("/list_projects", params={"sortField": "time"}).json()["data"]["projects"]
    assert newest[0]["name"] == "Mid"
    assert carol.get("/list_projects", params={"limit": 51}).status_code == 400
    assert carol.get("/list_projects", params={"sortField": "size"}).status_code == 400
    owned = carol.get("/get_owner_projects").json()["data"]
    assert len(owned) == 4
    me = carol.get("/get_user_with_project/carol").json()["data"]
    assert me["username"] == "carol" and len(me["projects"]) == 4 and "password" not in me
    assert admin.get("/list_projects").json()["data"]["totalNumberOfProjects"] == 1


def test_api_tokens_and_revocation(auth):
    srv = auth()
    admin = admin_session(srv.url)
    dave_id = create_user(admin, "dave")
    dave = user_session(srv.url, "dave")
    r = dave.post("/create_token", {"user_id": dave_id, "name": "ci", "days_until_expiration": 30})
    assert r.status_code == 200, r.text
    api_token = r.json()["accessToken"]
    assert jwt_claims(api_token)["exp"] - jwt_claims(dave.token)["exp"] > 28 * 86400
    listed = dave.get(f"/token/{dave_id}").json()["apiTokens"]
    assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0]
    assert admin.get(f"/token/{dave_id}").status_code == 403           # tokens are self-only
    assert dave.post("/create_token", {"user_id": dave_id, "name": "x", "days_until_expiration": 0}).status_code == 400
    assert dave.get(f"/get_user/{dave_id}", token=api_token).status_code == 200
    assert dave.post("/remove_token", {"token": api_token, "userID": dave_id}).status_code == 200
    assert dave.get(f"/get_user/{dave_id}", token=api_token).status_code == 401
    assert dave.get(f"/token/{dave_id}").json()["apiTokens"] == []

    # logout revokes the session token only
    other = user_session(srv.url, "dave")
    assert dave.post("/logout").status_code == 200
    assert dave.get(f"/get_user/{dave_id}").status_code == 401
    assert other.get(f"/get_user/{dave_id}").status_code == 200

    # deactivation: tokens stop working, logins are refused, reactivation restores logins
    r = admin.post("/update/state", {"username": "dave", "isDeactivate": True})
    assert r.status_code == 200, r.text
    assert other.get(f"/get_user/{dave_id}").status_code == 401
    assert validate(srv.rpc_url, other.token)[0] is False
    r = requests.post(srv.url + "/login", json={"username": "dave", "password": STRONG})
    assert r.status_code == 401 and r.json()["error"] == "invalid_credentials"
    assert admin.post("/update/state", {"username": "admin", "isDeactivate": True}).status_code == 400
    assert admin.post("/update/state", {"username": "dave", "isDeactivate": False}).status_code == 200
    assert user_session(srv.url, "dave").get(f"/get_user/{dave_id}").status_code == 200


def test_restart_keeps_data(auth):
    srv = auth()
    admin = admin_session(srv.url)
    create_user(admin, "erin")
    erin = user_session(srv.url, "erin")
    srv.stop()
    srv.start()
    assert erin.get(f"/get_project/{erin.project_id}").status_code == 200   # same signing key after restart
    again = user_session(srv.url, "erin")
    assert again.project_id == erin.project_id
    assert "ADMIN_PASSWORD differs" in srv.log_text()                      # the admin changed it


def test_validate_request_rpc(auth):
    srv = auth()
    admin = admin_session(srv.url)
    fred_id = create_user(admin, "fred")
    gina_id = create_user(admin, "gina")
    fred = user_session(srv.url, "fred")
    gina = user_session(srv.url, "gina")
    pid = fred.project_id
    assert validate(srv.rpc_url, fred.token, pid, ["Owner"]) == (True, "", fred_id)
    assert validate(srv.rpc_url, fred.token, pid, ["Owner", "Executor"])[0] is True
    assert validate(srv.rpc_url, fred.token, "")[0] is True                       # token only
    ok, err, _ = validate(srv.rpc_url, gina.token, pid, ["Owner", "Executor", "Viewer"])
    assert not ok and err == "permission denied"
    fred.post("/send_invitation", {"projectID": pid, "userID": gina_id, "role": "Viewer"})
    assert validate(srv.rpc_url, gina.token, pid, ["Viewer"])[0] is False          # pending
    assert validate(srv.rpc_url, gina.token, pid, ["Viewer"], "Pending")[0] is True
    gina.post("/accept_invitation", {"projectID": pid, "userID": gina_id})
    assert validate(srv.rpc_url, gina.token, pid, ["Viewer"])[0] is True
    assert validate(srv.rpc_url, gina.token, pid, ["Owner", "Executor"])[0] is False
    ok, err, uid = validate(srv.rpc_url, "not.a.token", pid, ["Viewer"])
    assert not ok and err and uid == "" and "not.a.token" not in err
    assert validate(srv.rpc_url, gina.token, pid, ["Wizard"]) == (False, "unknown role", gina_id)

    r = requests.post(srv.rpc_url + "/twirp/rift.auth.v1.AuthService/GetProjectById", data=pb_encode([(1, pid)]),
                      headers={"Content-Type": "application/protobuf"}, timeout=10)
    assert r.status_code == 200
    m = pb_decode(r.content)
    assert m[1] == [pid.encode()] and m[3] == [b"fred-project"] and len(m[4]) == 2
    member = pb_decode(m[4][1])
    assert member[2] == [b"gina"] and member[3] == [b"Viewer"] and member[5] == [b"Accepted"]
    r = requests.post(srv.rpc_url + "/twirp/rift.auth.v1.AuthService/GetUserById", data=pb_encode([(1, gina_id)]),
                      headers={"Content-Type": "application/protobuf"}, timeout=10)
    u = pb_decode(r.content)
    assert u[1] == [gina_id.encode()] and u[2] == [b"gina"] and u[4] == [b"user"]
    assert all(b"argon2" not in v for vals in u.values() for v in vals if isinstance(v, bytes))
    r = requests.post(srv.rpc_url + "/twirp/rift.auth.v1.AuthService/GetUserById", data=pb_encode([(1, "nope")]),
                      headers={"Content-Type": "application/protobuf"}, timeout=10)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = requests.post(srv.rpc_url + "/twirp/rift.auth.v1.AuthService/ValidateRequest", data=b"\xff\xff\xff",
                      headers={"Content-Type": "application/protobuf"}, timeout=10)
    assert r.status_code >= 400
