"""A small client for rift-auth used by the test_auth_* suites: REST calls, account set-up, a
AuthService over Twirp (protobuf by hand, pbwire.py), and JWT pieces for forgery tests."""
import base64
import json

import requests

from pbwire import decode as pb_decode, encode as pb_encode  # noqa: F401  (re-exported for the tests)

STRONG = "Passw0rd!x"  # satisfies the password policy


class Api:
    def __init__(self, url, token=None):
        self.url = url
        self.token = token

    def headers(self, token=None):
        t = token if token is not None else self.token
        return {"Authorization": f"Bearer {t}"} if t else {}

    def get(self, path, token=None, **kw):
        return requests.get(self.url + path, headers=self.headers(token), timeout=10, **kw)

    def post(self, path, body=None, token=None, raw=None, **kw):
        if raw is not None:
            return requests.post(self.url + path, data=raw, headers=self.headers(token), timeout=30, **kw)
        return requests.post(self.url + path, json=body, headers=self.headers(token), timeout=10, **kw)

    def login(self, username, password):
        r = self.post("/login", {"username": username, "password": password}, token="")
        assert r.status_code == 200, r.text
        return r.json()


def admin_session(url, admin=("admin", "Litmus@123"), new_password="Admin@12345"):
    """Logs the administrator in, changes the forced initial password, returns an Api with a token."""
    api = Api(url)
    first = api.login(*admin)
    api.token = first["accessToken"]
    r = api.post("/update/password", {"oldPassword": admin[1], "newPassword": new_password})
    assert r.status_code == 200, r.text
    api.token = api.login(admin[0], new_password)["accessToken"]
    return api


def create_user(admin, username, password=STRONG, role="user"):
    r = admin.post("/create_user", {"username": username, "password": password, "role": role})
    assert r.status_code == 200, r.text
    return r.json()["userID"]


def user_session(url, username, password=STRONG):
    api = Api(url)
    body = api.login(username, password)
    api.token = body["accessToken"]
    api.project_id = body["projectID"]
    api.uid = jwt_claims(api.token)["uid"]
    return api


# ---- JWT pieces ---------------------------------------------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_parts(token):
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), s


def jwt_claims(token):
    return jwt_parts(token)[1]


def validate(rpc_url, jwt, project_id="", roles=(), invitation="Accepted"):
    """Calls AuthService.ValidateRequest; returns (is_valid, error, user_id)."""
    body = pb_encode([(1, jwt), (2, project_id)] + [(3, r) for r in roles] + [(4, invitation)])
    r = requests.post(rpc_url + "/twirp/rift.auth.v1.AuthService/ValidateRequest", data=body,
                      headers={"Content-Type": "application/protobuf"}, timeout=10)
    assert r.status_code == 200, r.text
    m = pb_decode(r.content)
    return bool(m.get(2, [0])[0]), m.get(1, [b""])[0].decode(), m.get(3, [b""])[0].decode()
