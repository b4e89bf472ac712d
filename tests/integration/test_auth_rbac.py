"""The RBAC matrix of rift-auth: every project endpoint x global role x project role x membership state,
every account endpoint x global role x self/other, and ValidateRequest x required roles. The expected
decision of each cell comes from the RULES table below, not from the server."""
import pytest

from auth_client import STRONG, admin_session, create_user, jwt_claims, user_session, validate

ACC, PEND, DECL, EXIT = "Accepted", "Pending", "Declined", "Exited"

# persona: (global role, project role, membership state); None = not a member
PERSONAS = {
    "owner": ("user", "Owner", ACC),
    "owner2": ("user", "Owner", ACC),
    "executor": ("user", "Executor", ACC),
    "viewer": ("user", "Viewer", ACC),
    "pending": ("user", "Viewer", PEND),
    "pending_owner": ("user", "Owner", PEND),
    "declined": ("user", "Executor", DECL),
    "exited": ("user", "Executor", EXIT),
    "outsider": ("user", None, None),
    "admin": ("admin", None, None),
    "admin_viewer": ("admin", "Viewer", ACC),
}

ANY_ACCEPTED = lambda g, r, s: s == ACC                       # noqa: E731
OWNER = lambda g, r, s: r == "Owner" and s == ACC              # noqa: E731
OR_ADMIN = lambda rule: (lambda g, r, s: g == "admin" or rule(g, r, s))  # noqa: E731

# endpoint: (method, path template, body template, rule)
RULES = {
    "get_project": ("GET", "/get_project/{pid}", None, OR_ADMIN(ANY_ACCEPTED)),
    "get_project_owners": ("GET", "/get_project_owners/{pid}", None, OR_ADMIN(ANY_ACCEPTED)),
    "get_project_members": ("GET", "/get_project_members/{pid}/all", None, OR_ADMIN(OWNER)),
    "invite_users": ("GET", "/invite_users/{pid}", None, OWNER),
    "send_invitation": ("POST", "/send_invitation", {"projectID": "{pid}", "userID": "{target}", "role": "Viewer"}, OWNER),
    "update_member_role": ("POST", "/update_member_role",
                           {"projectID": "{pid}", "userID": "{target}", "role": "Executor"}, OWNER),
    "remove_invitation": ("POST", "/remove_invitation", {"projectID": "{pid}", "userID": "{target}"}, OWNER),
    "update_project_name": ("POST", "/update_project_name", {"projectID": "{pid}", "projectName": "matrix"}, OWNER),
    "delete_project": ("POST", "/delete_project/{pid}", None, OWNER),   # run last: the allowed cell deletes
}

# endpoints on the caller's own membership; each runs on its own copy of the project, since an allowed
# call changes the caller's state
PENDING = lambda g, r, s: s == PEND                            # noqa: E731
SELF_RULES = {
    "accept_invitation": ("/accept_invitation", PENDING),
    "decline_invitation": ("/decline_invitation", PENDING),
    "leave_project": ("/leave_project", ANY_ACCEPTED),   # the last Owner gets 409, not 403
}

# account endpoints: (method, path, body, who may call it: "admin", "self" or both)
ACCOUNT_RULES = {
    "users": ("GET", "/users", None, {"admin"}),
    "get_user_other": ("GET", "/get_user/{other}", None, {"admin"}),
    "get_user_self": ("GET", "/get_user/{me}", None, {"admin", "self"}),
    "create_user": ("POST", "/create_user", {"username": "made_{name}", "password": STRONG}, {"admin"}),
    "reset_password": ("POST", "/reset/password", {"username": "target", "newPassword": STRONG}, {"admin"}),
    "update_state": ("POST", "/update/state", {"username": "target", "isDeactivate": False}, {"admin"}),
    "tokens_other": ("GET", "/token/{other}", None, set()),
    "tokens_self": ("GET", "/token/{me}", None, {"self"}),
    "user_with_project_other": ("GET", "/get_user_with_project/target", None, {"admin"}),
    "user_with_project_self": ("GET", "/get_user_with_project/{name}", None, {"admin", "self"}),
}


def fill(template, values):
    if template is None:
        return None
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    return template.format(**values) if isinstance(template, str) else template


def populate(sessions, ids, pid):
    """Puts every persona into project pid (owned by "owner") with its role and membership state."""
    owner = sessions["owner"]
    for name, (_, role, state) in PERSONAS.items():
        if name == "owner" or role is None:
            continue
        r = owner.post("/send_invitation", {"projectID": pid, "userID": ids[name], "role": role})
        assert r.status_code == 200, r.text
        s = sessions[name]
        body = {"projectID": pid, "userID": ids[name]}
        if state in (ACC, EXIT):
            assert s.post("/accept_invitation", body).status_code == 200
        if state == EXIT:
            assert s.post("/leave_project", body).status_code == 200
        if state == DECL:
            assert s.post("/decline_invitation", body).status_code == 200


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One server with a project P and one account per persona in its membership state."""
    from conftest import BUILD, Service, free_port
    tmp = tmp_path_factory.mktemp("rbac")
    env = {"ADMIN_USERNAME": "admin", "ADMIN_PASSWORD": "Litmus@123", "DB_SERVER": f"sqlite://{tmp}/auth.db",
           "REST_PORT": str(free_port()), "RPC_PORT": str(free_port()), "PASSWORD_HASH_MEMORY": "64k",
           "PASSWORD_HASH_OPS": "1"}
    srv = Service(BUILD / "bin" / "rift-auth", env, tmp / "rift-auth.log")
    srv.rpc_url = f"http://127.0.0.1:{env['RPC_PORT']}"
    srv.start()
    try:
        root = admin_session(srv.url)
        ids = {"admin": None}
        for name, (grole, _, _) in PERSONAS.items():
            if name != "admin":
                ids[name] = create_user(root, name, role=grole)
        ids["target"] = create_user(root, "target")
        sessions = {name: user_session(srv.url, name) for name in PERSONAS if name != "admin"}
        sessions["admin"] = root
        root.uid = jwt_claims(root.token)["uid"]
        owner = sessions["owner"]
        pid = owner.project_id
        populate(sessions, ids, pid)
        owner.post("/send_invitation", {"projectID": pid, "userID": ids["target"], "role": "Viewer"})
        srv.self_pids = {}
        for endpoint in SELF_RULES:
            r = owner.post("/create_project", {"projectName": f"copy-{endpoint}"})
            assert r.status_code == 200, r.text
            srv.self_pids[endpoint] = r.json()["data"]["projectID"]
            populate(sessions, ids, srv.self_pids[endpoint])
        yield srv, sessions, ids, pid
    finally:
        srv.stop()


def project_cases():
    for endpoint in RULES:
        for persona in PERSONAS:
            yield endpoint, persona


@pytest.mark.parametrize("endpoint,persona", list(project_cases()))
def test_project_endpoint_matrix(world, endpoint, persona):
    srv, sessions, ids, pid = world
    method, path, body, rule = RULES[endpoint]
    grole, role, state = PERSONAS[persona]
    allowed = rule(grole, role, state)
    if endpoint == "delete_project" and allowed:
        pytest.skip("allowed deletions are checked at the end (test_zz_owner_deletes_project)")
    values = {"pid": pid, "target": ids["target"]}
    api = sessions[persona]
    r = api.get(fill(path, values)) if method == "GET" else api.post(fill(path, values), fill(body, values))
    if allowed:
        assert r.status_code not in (401, 403), (endpoint, persona, r.status_code, r.text)
    else:
        assert r.status_code == 403, (endpoint, persona, r.status_code, r.text)
        assert r.json()["error"] == "permission_denied"


@pytest.mark.parametrize("endpoint,persona", [(e, p) for e in SELF_RULES for p in PERSONAS])
def test_own_membership_matrix(world, endpoint, persona):
    srv, sessions, ids, pid = world
    path, rule = SELF_RULES[endpoint]
    grole, role, state = PERSONAS[persona]
    api = sessions[persona]
    me = ids[persona] or api.uid
    r = api.post(path, {"projectID": srv.self_pids[endpoint], "userID": me})
    if rule(grole, role, state):
        assert r.status_code not in (401, 403), (endpoint, persona, r.status_code, r.text)
    else:
        assert r.status_code == 403, (endpoint, persona, r.status_code, r.text)
    # nobody answers or leaves for someone else
    other = ids["viewer"] if persona != "viewer" else ids["executor"]
    assert api.post(path, {"projectID": srv.self_pids[endpoint], "userID": other}).status_code == 403


@pytest.mark.parametrize("endpoint,persona", [(e, p) for e in ACCOUNT_RULES for p in ("viewer", "admin")])
def test_account_endpoint_matrix(world, endpoint, persona):
    srv, sessions, ids, pid = world
    method, path, body, who = ACCOUNT_RULES[endpoint]
    api = sessions[persona]
    me = ids[persona] if persona != "admin" else api.uid
    values = {"me": me, "other": ids["target"], "name": persona}
    is_self = "{me}" in path or "{name}" in path
    allowed = (PERSONAS[persona][0] == "admin" and "admin" in who) or (is_self and "self" in who)
    r = api.get(fill(path, values)) if method == "GET" else api.post(fill(path, values), fill(body, values))
    if allowed:
        assert r.status_code == 200, (endpoint, persona, r.status_code, r.text)
    else:
        assert r.status_code == 403, (endpoint, persona, r.status_code, r.text)


ROLE_SETS = [("Owner",), ("Owner", "Executor"), ("Owner", "Executor", "Viewer")]


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: "+".join(r))
def test_validate_request_matrix(world, roles):
    srv, sessions, ids, pid = world
    for persona, (grole, role, state) in PERSONAS.items():
        expect = state == ACC and role in roles
        got, err, _ = validate(srv.rpc_url, sessions[persona].token, pid, list(roles))
        assert got is expect, (persona, roles, err)


def test_deactivated_member_is_denied_everywhere(world):
    srv, sessions, ids, pid = world
    admin = sessions["admin"]
    v = sessions["viewer"]
    assert v.get(f"/get_project/{pid}").status_code == 200
    assert admin.post("/update/state", {"username": "viewer", "isDeactivate": True}).status_code == 200
    try:
        assert v.get(f"/get_project/{pid}").status_code == 401
        assert validate(srv.rpc_url, v.token, pid, ["Viewer"])[0] is False
        members = admin.get(f"/get_project_members/{pid}/all").json()["data"]
        assert any(m["username"] == "viewer" and m.get("deactivatedAt") for m in members)
    finally:
        assert admin.post("/update/state", {"username": "viewer", "isDeactivate": False}).status_code == 200
    assert user_session(srv.url, "viewer").get(f"/get_project/{pid}").status_code == 200


def test_zz_owner_deletes_project(world):
    srv, sessions, ids, pid = world
    assert sessions["owner2"].post(f"/delete_project/{pid}").status_code == 200
    assert sessions["owner"].get(f"/get_project/{pid}").status_code == 403
