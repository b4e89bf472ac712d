"""rift-auth's security promises, against the real binary: forged tokens, expiry, revocation lists,
login throttling, key rotation, admin reset, CORS, configuration checks, and no secrets in logs."""
import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import subprocess
import time

import requests

from auth_client import (STRONG, Api, admin_session, b64url, create_user, jwt_parts, pb_decode, pb_encode,
                         user_session, validate)
from conftest import BUILD, free_port


def sign(header, payload, key, digest=hashlib.sha512):
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(payload, separators=(",", ":")).encode())
    sig = hmac.new(key, f"{h}.{p}".encode(), digest).digest()
    return f"{h}.{p}.{b64url(sig)}"


def test_forged_tokens_are_refused(rift_auth):
    srv = rift_auth()
    admin = admin_session(srv.url)
    uid = create_user(admin, "mallory")
    me = user_session(srv.url, "mallory")
    header, claims, sig = jwt_parts(me.token)
    assert header == {"alg": "HS512", "typ": "JWT", "kid": header["kid"]}
    h, p, _ = me.token.split(".")
    admin_claims = dict(claims, role="admin", uid=jwt_parts(admin.token)[1]["uid"], username="admin")
    forged = {
        "alg none": b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": header["kid"]}).encode()) + "." + p + ".",
        "alg None no sig": b64url(json.dumps({"alg": "None", "kid": header["kid"]}).encode()) + "." + p,
        "HS256": sign(dict(header, alg="HS256"), claims, secrets.token_bytes(32), hashlib.sha256),
        "changed payload": h + "." + b64url(json.dumps(admin_claims).encode()) + "." + sig,
        "unknown kid": sign(dict(header, kid="no-such-key"), claims, secrets.token_bytes(32)),
        "wrong key": sign(header, admin_claims, secrets.token_bytes(32)),
        "no kid": sign({"alg": "HS512", "typ": "JWT"}, claims, secrets.token_bytes(32)),
        "garbage": "abc.def.ghi",
        "empty": "",
        "over the JWT limit": "a" * 9000,
    }
    for name, token in forged.items():
        r = requests.get(f"{srv.url}/get_user/{uid}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 401, (name, r.status_code, r.text)
        assert r.json()["error"] == "unauthorized"
        if len(token) < 10000:
            assert validate(srv.rpc_url, token, me.project_id, ["Owner"])[0] is False, name
    assert requests.get(f"{srv.url}/get_user/{uid}", timeout=10).status_code == 401   # no header at all
    assert me.get(f"/get_user/{uid}").status_code == 200                                # the real one works


def test_tokens_expire(rift_auth):
    srv = rift_auth(JWT_EXPIRY="2s")   # a real short lifetime: no clock tricks in the binary
    admin = admin_session(srv.url)
    body = admin.login("admin", "Admin@12345")
    assert body["expiresIn"] == 2
    assert admin.get("/users").status_code == 200
    assert validate(srv.rpc_url, admin.token)[0] is True
    time.sleep(3.2)
    r = admin.get("/users")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    ok, err, _ = validate(srv.rpc_url, admin.token)
    assert not ok and err == "expired"


def post_from(source_ip, port, path, body):
    """POST from a chosen loopback source address (127.0.0.x), to act as another client."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source_ip, 0))
    try:
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), json.loads(r.read() or b"{}")
    finally:
        conn.close()


def test_login_throttling(rift_auth):
    srv = rift_auth()
    admin = admin_session(srv.url)
    create_user(admin, "tim")
    port = int(srv.env["REST_PORT"])
    bad = {"username": "tim", "password": "Wrong#Pass1"}
    good = {"username": "tim", "password": STRONG}
    for _ in range(4):   # 3 free failures, the 4th is answered but starts the delay
        status, _, body = post_from("127.0.0.1", port, "/login", bad)
        assert status == 401 and body["error"] == "invalid_credentials"
    fourth = time.monotonic()
    status, headers, body = post_from("127.0.0.1", port, "/login", good)     # even the right password waits
    if time.monotonic() - fourth < 0.9:   # (a stalled machine may have let the 1 s delay pass)
        assert status == 429 and body["error"] == "too_many_requests" and "try again" in body["errorDescription"]
        assert int(headers["Retry-After"]) >= 1
    # the real user on another address is not locked out by the attacker's failures
    status, _, body = post_from("127.0.0.2", port, "/login", good)
    assert status == 200 and body["accessToken"]
    # the delay is short and grows: after it, the right password works again from the first address
    time.sleep(1.2)
    status, _, _ = post_from("127.0.0.1", port, "/login", good)
    assert status == 200
    # each further failure doubles the wait (1 s, 2 s, 4 s, ...) until the lock
    waits = []
    for _ in range(12):
        status, headers, _ = post_from("127.0.0.3", port, "/login", bad)
        if status != 429:
            continue
        wait = int(headers["Retry-After"])
        waits.append(wait)
        if wait > 2:
            break
        time.sleep(wait + 0.05)
    assert waits and waits[0] <= 2 and waits[-1] > 2   # exact doubling: tests/unit/test_auth_throttle.c
    metrics = requests.get(srv.url + "/metrics", timeout=10).text
    assert 'rift_auth_authentication_failures_total{reason="throttled"}' in metrics


def test_rotate_key_keeps_old_tokens_valid(rift_auth):
    srv = rift_auth()
    admin = admin_session(srv.url)
    old_kid = jwt_parts(admin.token)[0]["kid"]
    r = srv.run("rotate-key")
    assert r.returncode == 0, r.stderr
    assert "new signing key" in r.stderr
    assert admin.get("/users").status_code == 200
    time.sleep(5.3)                                    # the server re-reads its keys every 5 s
    fresh = Api(srv.url, admin.login("admin", "Admin@12345")["accessToken"])
    assert jwt_parts(fresh.token)[0]["kid"] != old_kid
    assert fresh.get("/users").status_code == 200 and admin.get("/users").status_code == 200
    srv.stop()
    srv.start()
    assert fresh.get("/users").status_code == 200 and admin.get("/users").status_code == 200


def test_reset_admin(rift_auth):
    srv = rift_auth()
    admin_session(srv.url)                           # the admin changes the initial password
    srv.stop()
    srv.env["ADMIN_PASSWORD"] = "Changed@2024"
    srv.start()
    assert "rift-auth reset-admin" in srv.log_text()
    r = requests.post(srv.url + "/login", json={"username": "admin", "password": "Changed@2024"}, timeout=10)
    assert r.status_code == 401                      # not silently applied
    srv.stop()
    r = srv.run("reset-admin")
    assert r.returncode == 0, r.stderr
    srv.start()
    api = Api(srv.url)
    api.token = api.login("admin", "Changed@2024")["accessToken"]
    assert api.get("/users").json()["error"] == "password_change_required"
    bad = srv.run("reset-admin", env={"ADMIN_PASSWORD": "weak"})
    assert bad.returncode != 0


def test_cors_and_config_checks(rift_auth):
    srv = rift_auth(ALLOWED_ORIGINS="http://portal.example")
    r = requests.get(srv.url + "/status", headers={"Origin": "http://evil.example"}, timeout=10)
    assert r.status_code == 403 and r.json() == {"error": "Invalid origin"}
    r = requests.get(srv.url + "/status", headers={"Origin": "http://portal.example"}, timeout=10)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "http://portal.example"
    for key, value in [("REST_PORT", "70000"), ("ALLOWED_ORIGINS", ".*"), ("DB_SERVER", "postgres://x"),
                       ("JWT_EXPIRY_MINS", "0")]:
        r = srv.run("--check-config", env={key: value})
        assert r.returncode != 0 and key in (r.stderr + r.stdout), (key, r.stderr)
    r = srv.run("--check-config")
    assert r.returncode == 0 and "[secret]" in r.stdout and srv.env["ADMIN_PASSWORD"] not in r.stdout


def test_no_secrets_in_logs_or_errors(rift_auth):
    srv = rift_auth(LOG_LEVEL="debug")
    admin = admin_session(srv.url)
    secret_pw = "Sekret#Pw9zz"
    create_user(admin, "sam", secret_pw)
    r = requests.post(srv.url + "/login", json={"username": "sam", "password": "Wrong#" + secret_pw}, timeout=10)
    assert secret_pw not in r.text
    r = admin.post("/create_user", {"username": "sam2", "password": secret_pw[:5]})
    assert secret_pw[:5] not in r.text
    sam = user_session(srv.url, "sam", secret_pw)
    sam.post("/update/password", {"oldPassword": "Bad#" + secret_pw, "newPassword": "Other#Pw9zz"})
    tok = sam.post("/create_token", {"user_id": sam.uid, "name": "t", "days_until_expiration": 1}).json()["accessToken"]
    r = requests.get(srv.url + "/users", headers={"Authorization": "Bearer " + tok[:-3] + "abc"}, timeout=10)
    assert tok[:40] not in r.text
    srv.stop()
    log = srv.log_text()
    for s in [secret_pw, "Litmus@123", "Admin@12345", "Other#Pw9zz", "$argon2", sam.token, tok, admin.token]:
        assert s not in log, s
    assert "login failed" in log                     # the event is logged, without the secret


def test_tls_on_both_ports(rift_auth, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    srv = rift_auth(TLS_CERT_PATH=cert, TLS_KEY_PATH=key)
    assert srv.url.startswith("https://")
    assert requests.get(srv.url + "/status", verify=str(cert), timeout=10).json() == {"status": "up"}
    r = requests.post(srv.url + "/login", json={"username": "admin", "password": "Litmus@123"}, verify=str(cert),
                      timeout=10)
    token = r.json()["accessToken"]
    body = pb_encode([(1, token)])
    r = requests.post(srv.rpc_url + "/twirp/rift.auth.v1.AuthService/ValidateRequest", data=body, verify=str(cert),
                      headers={"Content-Type": "application/protobuf"}, timeout=10)
    assert r.status_code == 200 and pb_decode(r.content)[1] == [b"default password not updated"]
    plain = srv.url.replace("https://", "http://")
    try:
        r = requests.get(plain + "/status", timeout=5)
        assert r.status_code >= 400
    except requests.RequestException:
        pass  # refusing plain HTTP outright is fine too
