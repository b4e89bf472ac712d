"""riftctl end to end: the real binary against a real rift-auth on 127.0.0.1, HOME in a temporary
directory, exact messages and exit codes (0 success, 1 user error, 2 server or network error)."""
import json
import os
import re
import stat
import subprocess
import time

import pytest
import yaml

from auth_client import STRONG
from conftest import AUTH_ADMIN, BUILD, free_port

RIFTCTL = BUILD / "bin" / "riftctl"
NEW_ADMIN_PW = "Admin@12345"


class Cli:
    """Runs riftctl with HOME set to a temporary directory."""

    def __init__(self, home):
        self.home = home
        self.config = home / ".riftconfig"

    def __call__(self, *args, input=None, env=None, timeout=60):
        e = {"HOME": str(self.home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "COLUMNS": "200"}
        e.update(env or {})
        return subprocess.run([str(RIFTCTL), *args], env=e, input=input, capture_output=True, text=True,
                              timeout=timeout, stdin=None if input is not None else subprocess.DEVNULL)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
        return r

    def login(self, url, username, password):
        return self.ok("config", "set-account", "--endpoint", url, "--username", username, "--password", password)

    def yaml(self):
        return yaml.safe_load(self.config.read_text())


@pytest.fixture
def cli(tmp_path):
    assert RIFTCTL.exists(), f"{RIFTCTL} is not built"
    home = tmp_path / "home"
    home.mkdir()
    return Cli(home)


@pytest.fixture
def admin_cli(cli, rift_auth):
    """rift-auth running, the administrator logged in through riftctl with the initial password changed."""
    srv = rift_auth()
    cli.login(srv.url, *AUTH_ADMIN)
    cli.ok("update", "password", "--old-password", AUTH_ADMIN[1], "--new-password", NEW_ADMIN_PW)
    cli.srv = srv
    return cli


def test_set_account_with_password_flag_writes_private_config(cli, rift_auth):
    srv = rift_auth()
    before = int(time.time())
    r = cli.login(srv.url + "/", *AUTH_ADMIN)            # a trailing slash is dropped
    assert r.stdout == f'account "admin" at {srv.url} configured and now current\n'
    assert r.stderr == ""
    assert stat.S_IMODE(cli.config.stat().st_mode) == 0o600
    doc = cli.yaml()
    assert doc["apiVersion"] == "v1" and doc["kind"] == "Config"
    assert doc["current-account"] == srv.url and doc["current-user"] == "admin"
    [account] = doc["accounts"]
    assert account["endpoint"] == srv.url and account["serverEndpoint"] == srv.url
    [user] = account["users"]
    assert user["username"] == "admin"
    assert user["token"].count(".") == 2
    # the server's default lifetime is 1440 minutes; expires_in is the Unix time it ends
    assert before + 86400 - 5 <= int(user["expires_in"]) <= int(time.time()) + 86400 + 5
    assert "Litmus@123" not in cli.config.read_text()


def test_set_account_password_stdin_and_no_terminal(cli, rift_auth):
    srv = rift_auth()
    r = cli("config", "set-account", "--endpoint", srv.url, "--username", "admin", "--password-stdin",
            input=AUTH_ADMIN[1] + "\n")
    assert (r.returncode, r.stdout) == (0, f'account "admin" at {srv.url} configured and now current\n')
    r = cli("config", "set-account", "--endpoint", srv.url, "--username", "admin", "--password-stdin", input="")
    assert (r.returncode, r.stderr) == (1, "Error: empty password\n")
    r = cli("config", "set-account", "--endpoint", srv.url, "--username", "admin")   # stdin is /dev/null
    assert r.returncode == 1
    assert r.stderr == ("Error: cannot prompt for the password: stdin is not a terminal (give it with a flag or "
                        "with --password-stdin)\n")


def test_first_login_must_change_password_then_new_password_works(cli, rift_auth):
    srv = rift_auth()
    cli.login(srv.url, *AUTH_ADMIN)
    r = cli("get", "projects")
    assert r.returncode == 1
    assert r.stderr == ("Error: default password not updated: change it with /update/password first (HTTP 403); "
                        "change it with 'riftctl update password'\n")
    r = cli("update", "password", "--password-stdin", input=f"{AUTH_ADMIN[1]}\n{NEW_ADMIN_PW}\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f'password of "admin" at {srv.url} updated; logged in again with the new password\n'
    cli.ok("get", "projects")                             # the stored token is the new login's
    r = cli("config", "set-account", "--endpoint", srv.url, "--username", "admin", "--password", AUTH_ADMIN[1])
    assert (r.returncode, r.stderr) == (1, "Error: Invalid Credentials (HTTP 401)\n")
    cli.login(srv.url, "admin", NEW_ADMIN_PW)
    r = cli("update", "password", "--old-password", "Wrong#Pass1", "--new-password", "Other@12345")
    assert r.returncode == 1 and r.stderr.startswith("Error: ") and "(HTTP 4" in r.stderr


def test_wrong_password_is_a_user_error(cli, rift_auth):
    srv = rift_auth()
    r = cli("config", "set-account", "--endpoint", srv.url, "--username", "admin", "--password", "Nope#12345")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "Error: Invalid Credentials (HTTP 401)\n")
    assert not cli.config.exists()


def test_projects_in_three_formats(admin_cli):
    cli = admin_cli
    r = cli.ok("create", "project", "--name", "alpha", "--description", "first")
    m = re.fullmatch(r'project "alpha" created with ID ([0-9a-f-]{36})\n', r.stdout)
    assert m, r.stdout
    alpha = m.group(1)
    beta = json.loads(cli.ok("create", "project", "--name", "beta", "-o", "json").stdout)
    assert set(beta) == {"projectID", "name", "description", "role", "createdAt"}
    assert beta["name"] == "beta" and beta["role"] == "Owner" and beta["description"] == ""

    listed = json.loads(cli.ok("get", "projects", "-o", "json").stdout)
    by_name = {p["name"]: p for p in listed}
    assert set(by_name) == {"admin-project", "alpha", "beta"}        # rift-auth gives the admin a project
    assert by_name["alpha"]["projectID"] == alpha and by_name["alpha"]["description"] == "first"
    assert all(p["role"] == "Owner" and isinstance(p["createdAt"], int) for p in listed)
    assert yaml.safe_load(cli.ok("get", "projects", "--output=yaml").stdout) == listed

    lines = cli.ok("get", "projects").stdout.splitlines()
    assert re.fullmatch(r"PROJECT ID {28}NAME {11}ROLE {3}CREATED", lines[0]), lines[0]
    assert len(lines) == 4
    row = next(line for line in lines if line.startswith(alpha))
    assert re.fullmatch(alpha + r"  alpha {10}Owner  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", row), row


def test_table_fits_the_terminal_width(admin_cli):
    cli = admin_cli
    cli.ok("create", "project", "--name", "a-rather-long-project-name-that-needs-room")
    out = cli.ok("get", "projects", env={"COLUMNS": "60"}).stdout
    lines = out.splitlines()
    assert all(len(line) <= 60 for line in lines), lines
    assert any(line.endswith("…") or "… " in line for line in lines[1:])
    wide = cli.ok("get", "projects").stdout
    assert "a-rather-long-project-name-that-needs-room" in wide and "…" not in wide


def test_accounts_use_and_get(admin_cli):
    cli = admin_cli
    url = cli.srv.url
    r = cli.ok("create", "user", "--username", "alice", "--password", STRONG)
    assert re.fullmatch(r'user "alice" created with ID [0-9a-f-]{36}\n', r.stdout), r.stdout
    cli.login(url, "alice", STRONG)
    accounts = json.loads(cli.ok("config", "get-accounts", "-o", "json").stdout)
    assert [(a["username"], a["current"], a["expired"]) for a in accounts] == [("admin", False, False),
                                                                               ("alice", True, False)]
    assert all(a["endpoint"] == url and a["expiresAt"] > time.time() for a in accounts)
    r = cli.ok("config", "use-account", "--endpoint", url, "--username", "admin")
    assert r.stdout == f'now using account "admin" at {url}\n'
    doc = cli.yaml()
    assert (doc["current-account"], doc["current-user"]) == (url, "admin")
    table = cli.ok("config", "get-accounts").stdout.splitlines()
    assert table[0].split() == ["CURRENT", "ENDPOINT", "USERNAME", "EXPIRES"]
    assert table[1].startswith(f"*        {url}  admin ") and table[2].startswith(f"         {url}  alice ")
    r = cli("config", "use-account", "--endpoint", url, "--username", "bob")
    assert r.returncode == 1
    assert r.stderr == (f'Error: no account "bob" at {url} in {cli.config}; add it with '
                        "'riftctl config set-account'\n")
    view = cli.ok("config", "view").stdout
    assert "[redacted]" in view and "eyJ" not in view
    assert yaml.safe_load(cli.ok("config", "view", "--show-tokens").stdout) == cli.yaml()


def test_non_admin_gets_the_servers_refusal(admin_cli):
    cli = admin_cli
    cli.ok("create", "user", "--username", "viewer1", "--password", STRONG)
    users = json.loads(cli.ok("get", "users", "-o", "json").stdout)
    assert {u["username"]: u["role"] for u in users} == {"admin": "admin", "viewer1": "user"}
    cli.login(cli.srv.url, "viewer1", STRONG)
    r = cli("get", "users")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "Error: you are not allowed to do this (HTTP 403)\n"
    r = cli("create", "user", "--username", "mallory", "--password", STRONG)
    assert (r.returncode, r.stderr) == (1, "Error: you are not allowed to do this (HTTP 403)\n")


def test_expired_token_asks_to_log_in_again(admin_cli):
    cli = admin_cli
    url = cli.srv.url
    doc = cli.yaml()
    doc["accounts"][0]["users"][0]["expires_in"] = "1700000000"     # 2023-11-14 22:13:20 UTC
    cli.config.write_text(yaml.safe_dump(doc))
    r = cli("get", "projects")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == (f"Error: the login of admin at {url} expired at 2023-11-14 22:13:20 UTC; log in again with "
                        f"'riftctl config set-account --endpoint {url} --username admin'\n")
    accounts = json.loads(cli.ok("config", "get-accounts", "-o", "json").stdout)
    assert accounts[0]["expired"] is True
    assert "expired" in cli.ok("config", "get-accounts").stdout.splitlines()[1]
    doc["accounts"][0]["users"][0]["token"] = ""
    cli.config.write_text(yaml.safe_dump(doc))
    r = cli("create", "project", "--name", "x")
    assert (r.returncode, r.stderr) == (1, f"Error: no login stored for admin at {url}; log in with "
                                           f"'riftctl config set-account --endpoint {url} --username admin'\n")
    cli.login(url, "admin", NEW_ADMIN_PW)
    cli.ok("get", "projects")


def test_token_refused_by_server(admin_cli):
    cli = admin_cli
    doc = cli.yaml()
    user = doc["accounts"][0]["users"][0]
    h, p, s = user["token"].split(".")
    user["token"] = f"{h}.{p}.{s[:-4]}AAAA"                            # forged signature
    cli.config.write_text(yaml.safe_dump(doc))
    r = cli("get", "projects")
    assert r.returncode == 1
    assert re.fullmatch(r"Error: .+ \(HTTP 401\); log in again with 'riftctl config set-account'\n", r.stderr), r.stderr


def test_server_down_is_exit_2(cli, rift_auth):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    r = cli("config", "set-account", "--endpoint", url, "--username", "admin", "--password", "x")
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"Error: cannot connect to {url}\n")
    srv = rift_auth()
    cli.login(srv.url, *AUTH_ADMIN)
    srv.stop()
    r = cli("get", "projects")
    assert (r.returncode, r.stderr) == (2, f"Error: cannot connect to {srv.url}\n")


@pytest.mark.parametrize("args, message", [
    (["create", "project"], "Error: missing required flag --name (see 'riftctl create project --help')\n"),
    (["config", "set-account", "--endpoint", "http://127.0.0.1:1"],
     "Error: missing required flag --username (see 'riftctl config set-account --help')\n"),
    (["frobnicate"], "Error: unknown command \"frobnicate\" (see 'riftctl --help')\n"),
    (["get", "widgets"], "Error: unknown command \"get widgets\" (see 'riftctl get --help')\n"),
    (["get"], "Error: \"get\" needs a resource (see 'riftctl get --help')\n"),
    (["get", "projects", "--nmae", "x"], "Error: unknown flag --nmae for 'riftctl get projects'\n"),
    (["get", "projects", "extra"], "Error: unexpected argument \"extra\"\n"),
    (["create", "project", "--name"], "Error: flag --name needs a value\n"),
    (["get", "projects", "-o", "xml"], "Error: invalid output format \"xml\": use table, json or yaml\n"),
    (["config", "set-account", "--endpoint", "ftp://example.com", "--username", "a", "--password", "b"],
     "Error: invalid endpoint \"ftp://example.com\": it must be an http:// or https:// URL\n"),
    (["config", "set-account", "--endpoint", "http://", "--username", "a", "--password", "b"],
     "Error: invalid endpoint \"http://\": it must be an http:// or https:// URL\n"),
    (["config", "set-account", "--endpoint", "127.0.0.1:3000", "--username", "a", "--password", "b"],
     "Error: invalid endpoint \"127.0.0.1:3000\": it must be an http:// or https:// URL\n"),
    (["get", "projects", "--cacert", "/nonexistent/ca.pem"], "Error: cannot read --cacert /nonexistent/ca.pem\n"),
])
def test_bad_input(cli, args, message):
    r = cli(*args)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", message)


def test_missing_or_broken_config(cli):
    r = cli("get", "projects")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == (f"Error: no account configured ({cli.config} does not exist); log in with "
                        "'riftctl config set-account --endpoint URL --username NAME'\n")
    cli.config.write_text("accounts: [unclosed\n")
    r = cli("config", "get-accounts")
    assert (r.returncode, r.stderr) == (1, f"Error: config file {cli.config}: not valid YAML\n")
    other = cli.home / "other.yaml"
    r = cli("--config", str(other), "config", "view")
    assert r.returncode == 1 and str(other) in r.stderr
    r = cli("config", "view", env={"RIFTCONFIG": str(other)})
    assert r.returncode == 1 and str(other) in r.stderr


def test_check_config_validates_the_config_file(admin_cli):
    r = admin_cli.ok("--check-config")
    doc = yaml.safe_load(r.stdout)
    assert doc["current-user"] == "admin"
    assert doc["accounts"][0]["users"][0]["token"] == "[redacted]"
    bad = admin_cli.home / "bad.yaml"
    bad.write_text("accounts: [unclosed\n")
    r = admin_cli("--check-config", "--config", str(bad))
    assert (r.returncode, r.stderr) == (1, f"Error: config file {bad}: not valid YAML\n")


def test_help_lists_only_registered_commands(cli):
    r = cli.ok("--help")
    commands = re.findall(r"^  ([\w-]+) +([\w-]*) {2,}", r.stdout.split("Global flags:")[0], re.M)
    assert commands == [("config", "set-account"), ("config", "use-account"), ("config", "get-accounts"),
                        ("config", "view"), ("create", "project"), ("create", "user"), ("get", "projects"),
                        ("create", "chaos-environment"), ("get", "chaos-environments"),
                        ("delete", "chaos-environment"), ("connect", "chaos-infra"), ("get", "chaos-infra"),
                        ("disconnect", "chaos-infra"), ("create", "chaos-experiment"),
                        ("save", "chaos-experiment"), ("run", "chaos-experiment"), ("get", "chaos-experiments"),
                        ("describe", "chaos-experiment"), ("delete", "chaos-experiment"),
                        ("get", "chaos-experiment-runs"), ("stop", "chaos-experiment-run"),
                        ("emergency-stop", ""), ("release", "emergency-stop"), ("get", "emergency-stop"),
                        ("set", "guards"), ("get", "guards"), ("get", "audit-events"),
                        ("create", "probe"), ("get", "probes"), ("describe", "probe"), ("delete", "probe"),
                        ("logs", ""),
                        ("get", "users"), ("update", "password"), ("version", "")]
    for verb, noun in commands:
        h = cli.ok(*[w for w in (verb, noun) if w], "--help").stdout
        assert f"Usage: riftctl {verb}{' ' + noun if noun else ''} [flags]" in h
        assert "--output" in h and "--skip-ssl" in h
    assert "--password-stdin" in cli.ok("config", "set-account", "-h").stdout
    assert "get        users" in cli.ok("get", "--help").stdout


def test_version_and_skip_ssl_warning(cli):
    r = cli.ok("version")
    assert re.fullmatch(r"riftctl version \d+\.\d+\.\d+\n", r.stdout)
    assert json.loads(cli.ok("version", "-o", "json").stdout).keys() == {"version"}
    r = cli.ok("version", "--skip-ssl")
    assert r.stderr == ("Warning: --skip-ssl: the server's certificate is not verified; anyone on the network path "
                        "can read and change this session\n")


def test_tls_cacert_and_skip_ssl(cli, rift_auth, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    srv = rift_auth(TLS_CERT_PATH=cert, TLS_KEY_PATH=key)
    base = ["config", "set-account", "--endpoint", srv.url, "--username", "admin", "--password", AUTH_ADMIN[1]]
    r = cli(*base)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == (f"Error: TLS with {srv.url} failed: the certificate is not trusted or the handshake was "
                        "refused (use --cacert FILE, or --skip-ssl)\n")
    r = cli.ok(*base, "--cacert", str(cert))
    assert r.stderr == ""
    r = cli.ok(*base, "--skip-ssl")
    assert r.stderr.startswith("Warning: --skip-ssl: ")


def test_password_prompt_on_a_terminal_does_not_echo(cli, rift_auth):
    """stdin is a pseudo-terminal: riftctl prompts on stderr and turns echo off while the password is typed."""
    import pty
    import select
    import termios
    srv = rift_auth()
    master, slave = pty.openpty()
    try:
        env = {"HOME": str(cli.home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        p = subprocess.Popen([str(RIFTCTL), "config", "set-account", "--endpoint", srv.url, "--username", "admin"],
                             stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        os.close(slave)
        slave = None
        deadline = time.monotonic() + 10
        typed = False
        echoed = b""
        while p.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    echoed += os.read(master, 1024)
                except OSError:
                    break
            if not typed and not termios.tcgetattr(master)[3] & termios.ECHO:   # riftctl turned echo off
                os.write(master, (AUTH_ADMIN[1] + "\n").encode())
                typed = True
        out, err = p.communicate(timeout=10)
        assert typed and p.returncode == 0, err
        assert err == "password: \n"
        assert out == f'account "admin" at {srv.url} configured and now current\n'
        assert AUTH_ADMIN[1].encode() not in echoed
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)


@pytest.fixture
def fake_auth():
    """A stand-in server on 127.0.0.1 whose /login answers what the test sets: (status, body, delay)."""
    import http.server
    import threading
    answer = {"status": 200, "body": b"{}", "delay": 0.0, "type": "application/json"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(answer["delay"])
            self.send_response(answer["status"])
            self.send_header("Content-Type", answer["type"])
            self.send_header("Content-Length", str(len(answer["body"])))
            self.end_headers()
            try:
                self.wfile.write(answer["body"])
            except OSError:
                pass                                      # the client gave up (timeout case)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    answer["url"] = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        yield answer
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("status, body, ctype, code, message", [
    (500, b'{"error":"server_error","errorDescription":"database unavailable"}', "application/json", 2,
     "Error: database unavailable (HTTP 500)\n"),
    (503, b"<html>busy</html>", "text/html", 2, "Error: the server answered HTTP 503\n"),
    (404, b"<html>not here</html>", "text/html", 1, "Error: the server answered HTTP 404\n"),
    (409, b'{"error":"conflict","errorDescription":"something clashed"}', "application/json", 1,
     "Error: something clashed (HTTP 409)\n"),
    (200, b"<html>hello</html>", "text/html", 2, "Error: the answer of {url} is not JSON\n"),
    (200, b'{"expiresIn": 10}', "application/json", 2, "Error: the login answer of {url} has no accessToken\n"),
])
def test_unexpected_answers(cli, fake_auth, status, body, ctype, code, message):
    fake_auth.update(status=status, body=body, type=ctype)
    url = fake_auth["url"]
    r = cli("config", "set-account", "--endpoint", url, "--username", "admin", "--password", "x")
    assert (r.returncode, r.stdout, r.stderr) == (code, "", message.format(url=url))
    assert not cli.config.exists()


def test_request_timeout(cli, fake_auth):
    fake_auth.update(delay=3.0)
    url = fake_auth["url"]
    start = time.monotonic()
    r = cli("--request-timeout", "500ms", "config", "set-account", "--endpoint", url, "--username", "admin",
            "--password", "x")
    assert (r.returncode, r.stderr) == (2, f"Error: {url} did not answer in time\n")
    assert time.monotonic() - start < 2.5
    r = cli("version", "--request-timeout", "soon")
    assert (r.returncode, r.stderr) == (1, 'Error: invalid --request-timeout "soon": use a duration such as 10s '
                                           "(at most 1h)\n")


def test_interrupted_prompt_gives_the_echo_back(cli):
    """Ctrl-C (SIGINT) at the no-echo prompt: riftctl dies of the signal with the terminal's echo restored."""
    import pty
    import signal
    import termios
    master, slave = pty.openpty()
    try:
        env = {"HOME": str(cli.home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        p = subprocess.Popen([str(RIFTCTL), "config", "set-account", "--endpoint", "http://127.0.0.1:1",
                              "--username", "admin"], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env)
        deadline = time.monotonic() + 10
        while termios.tcgetattr(master)[3] & termios.ECHO and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.01)
        assert not termios.tcgetattr(master)[3] & termios.ECHO, "the prompt never turned echo off"
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=10)
        assert p.returncode == -signal.SIGINT
        assert termios.tcgetattr(master)[3] & termios.ECHO
    finally:
        os.close(master)
        os.close(slave)
