"""riftctl's chaos commands end to end: the real binary against a real rift-auth and rift-backend, with
the fake infrastructure (fake_infra.py) making runs progress, and a stand-in server for the live stream's
edge cases. Exact messages and exit codes."""
import http.server
import json
import os
import re
import ssl
import stat
import subprocess
import threading
import time

import pytest
import yaml

from auth_client import STRONG
from backend_client import LATENCY_MANIFEST, Team
from conftest import BUILD, ROOT
from fake_infra import FakeInfra
from test_cli import RIFTCTL, Cli, cli  # noqa: F401  (cli: the fixture without servers)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def world(tmp_path, rift_auth, rift_backend):
    """rift-auth, rift-backend, a project with an owner, executor and viewer; riftctl logged in as owner."""
    assert RIFTCTL.exists(), f"{RIFTCTL} is not built"
    auth = rift_auth()
    backend = rift_backend(auth)
    team = Team(auth.url)
    home = tmp_path / "home"
    home.mkdir()
    cli = Cli(home)
    login(cli, auth, backend, "owner")
    cli.auth, cli.backend, cli.team, cli.p = auth, backend, team, team.project
    return cli


def login(cli, auth, backend, user):
    cli.ok("config", "set-account", "--endpoint", auth.url, "--server-endpoint", backend.url, "--username", user,
           "--password", STRONG)


def connect(cli, name="box-1", env="staging"):
    """Registers an infrastructure through riftctl and connects the fake agent with its one-time key."""
    out = json.loads(cli.ok("connect", "chaos-infra", "--project-id", cli.p, "--name", name,
                            "--environment-id", env, "-o", "json").stdout)
    key = re.search(r"printf '%s' '([0-9a-f]+)'", out["installCommand"]).group(1)
    infra = FakeInfra(cli.backend.rpc_url, out["infraID"])
    infra.register(key)
    return infra, out["infraID"]


def test_environments_in_three_formats_and_bad_type(world):
    cli = world
    r = cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "Staging")
    assert (r.stdout, r.stderr) == ('chaos environment "Staging" created with ID staging\n', "")
    prod = json.loads(cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "Prod EU #1",
                             "--type", "prod", "--description", "live", "-o", "json").stdout)
    assert set(prod) == {"environmentID", "name", "type", "description", "infraIDs", "createdAt"}
    assert (prod["environmentID"], prod["type"], prod["description"]) == ("prod-eu-1", "PROD", "live")
    assert isinstance(prod["createdAt"], int) and abs(prod["createdAt"] / 1000 - time.time()) < 60

    r = cli("create", "chaos-environment", "--project-id", cli.p, "--name", "x", "--type", "qa")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", 'Error: invalid --type "qa": use PROD or NON_PROD\n')
    r = cli("create", "chaos-environment", "--project-id", cli.p, "--name", "Staging")
    assert r.returncode == 1 and r.stderr.startswith("Error: createEnvironment: "), r.stderr

    listed = json.loads(cli.ok("get", "chaos-environments", "--project-id", cli.p, "-o", "json").stdout)
    assert sorted(e["environmentID"] for e in listed) == ["prod-eu-1", "staging"]
    assert yaml.safe_load(cli.ok("get", "chaos-environments", "--project-id", cli.p, "-o", "yaml").stdout) == listed
    lines = cli.ok("get", "chaos-environments", "--project-id", cli.p).stdout.splitlines()
    assert re.fullmatch(r"ENVIRONMENT ID +NAME +TYPE +DESCRIPTION +CREATED", lines[0]), lines[0]
    assert any(re.fullmatch(r"staging +Staging +NON_PROD +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", ln) for ln in lines)
    narrow = cli.ok("get", "chaos-environments", "--project-id", cli.p, env={"COLUMNS": "40"}).stdout.splitlines()
    assert all(len(ln) <= 40 for ln in narrow) and any("…" in ln for ln in narrow), narrow

    r = cli.ok("delete", "chaos-environment", "prod-eu-1", "--project-id", cli.p)
    assert r.stdout == "chaos environment prod-eu-1 deleted\n"
    listed = json.loads(cli.ok("get", "chaos-environments", "--project-id", cli.p, "-o", "json").stdout)
    assert [e["environmentID"] for e in listed] == ["staging"]


def test_connect_get_and_disconnect_infra(world):
    cli = world
    r = cli("connect", "chaos-infra", "--project-id", cli.p, "--name", "box-1")
    assert (r.returncode, r.stderr) == (1, f"Error: project {cli.p} has no chaos environment; create one with "
                                           f"'riftctl create chaos-environment --project-id {cli.p} --name NAME'\n")
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    r = cli.ok("connect", "chaos-infra", "--project-id", cli.p, "--name", "box-1", "--type", "linux")
    m = re.fullmatch(rf'chaos infrastructure "box-1" registered with ID ({UUID}) in environment staging\n'
                     r"Install rift-agent on the target machine with \(the key in it works once\):\n"
                     rf"  printf '%s' '([0-9a-f]+)' \| sudo sh install.sh --endpoint '{cli.backend.rpc_url}' "
                     rf"--infra-id '\1' --access-key-file - --start\n", r.stdout)
    assert m, r.stdout
    infra = FakeInfra(cli.backend.rpc_url, m.group(1))
    infra.register(m.group(2), hostname="web-7")
    infra.heartbeat()

    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "other")
    r = cli("connect", "chaos-infra", "--project-id", cli.p, "--name", "box-2")
    assert (r.returncode, r.stderr) == (1, f"Error: project {cli.p} has several chaos environments (other, "
                                           "staging): choose one with --environment-id\n")
    r = cli("connect", "chaos-infra", "--project-id", cli.p, "--name", "k", "--type", "kubernetes")
    assert (r.returncode, r.stderr) == (1, 'Error: invalid --type "kubernetes": Rift connects linux infrastructures\n')

    [got] = json.loads(cli.ok("get", "chaos-infra", "--project-id", cli.p, "-o", "json").stdout)
    assert got["infraID"] == m.group(1) and got["name"] == "box-1" and got["environmentID"] == "staging"
    assert (got["isActive"], got["isInfraConfirmed"], got["hostname"], got["infraType"]) == (True, True, "web-7", "Linux")
    assert got["lastHeartbeat"] > 0
    table = cli.ok("get", "chaos-infra", "--project-id", cli.p).stdout.splitlines()
    assert re.fullmatch(r"INFRA ID +NAME +ENVIRONMENT +ACTIVE +CONFIRMED +HOSTNAME +LAST HEARTBEAT", table[0])
    assert re.fullmatch(rf"{m.group(1)}  box-1 +staging +true +true +web-7 +\d{{4}}-.* UTC", table[1]), table[1]
    assert json.loads(cli.ok("get", "chaos-infra", "--project-id", cli.p, "--environment-id", "other",
                             "-o", "json").stdout) == []

    r = cli.ok("disconnect", "chaos-infra", "--project-id", cli.p, "--infra-id", m.group(1), "-o", "json")
    assert json.loads(r.stdout)["infraID"] == m.group(1)
    assert json.loads(cli.ok("get", "chaos-infra", "--project-id", cli.p, "-o", "json").stdout) == []


def test_experiment_run_logs_and_score(world, tmp_path):
    cli = world
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    infra, infra_id = connect(cli)
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(dict(LATENCY_MANIFEST, name="lat-exp")))
    r = cli.ok("save", "chaos-experiment", "--project-id", cli.p, "-f", str(path), "--chaos-infra-id", infra_id,
               "--description", "latency and cpu")
    m = re.fullmatch(rf'chaos experiment "lat-exp" saved with ID ({UUID})\n', r.stdout)
    assert m, r.stdout
    exp = m.group(1)

    r = cli.ok("run", "chaos-experiment", "--project-id", cli.p, exp)
    m = re.fullmatch(rf"chaos experiment {exp} started: run ({UUID})\n", r.stdout)
    assert m, r.stdout
    run = m.group(1)
    [task], _ = infra.poll(wait_ms=5000)
    assert task["run_id"] == run
    infra.report(task["task_id"], "Running")
    infra.push_logs(task["task_id"], [(1, "lat", "injecting 200 ms"), (2, "lat", "bad\x1b[31m byte")])

    follower = subprocess.Popen([str(RIFTCTL), "logs", run, "--project-id", cli.p, "-f"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env={"HOME": str(cli.home), "PATH": os.environ["PATH"]})
    try:
        time.sleep(1.5)
        assert follower.poll() is None, "logs -f ended while the run was still running"
        infra.push_logs(task["task_id"], [(3, "cpu", "load 50%")])
        infra.submit(task["task_id"], "Completed", [
            {"step": "lat", "fault": "linux-network-latency", "verdict": "Pass", "probes": [("up", "Passed", 50)]},
            {"step": "cpu", "fault": "linux-cpu-stress", "verdict": "Pass"},
            {"step": "kill", "fault": "linux-process-kill", "verdict": "Fail"}])
        out, err = follower.communicate(timeout=15)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    assert (follower.returncode, err) == (0, "")
    text = out.splitlines()
    assert [ln.split(" ", 1)[1] for ln in text] == ["[lat] injecting 200 ms", "[lat] bad?[31m byte", "[cpu] load 50%"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ln.split(" ")[0]) for ln in text), text

    lines = json.loads(cli.ok("logs", run, "--project-id", cli.p, "-o", "json").stdout)
    assert [(ln["seq"], ln["step"], ln["line"]) for ln in lines] == [
        (1, "lat", "injecting 200 ms"), (2, "lat", "bad\x1b[31m byte"), (3, "cpu", "load 50%")]
    assert cli.ok("logs", run, "--project-id", cli.p).stdout == out

    [got] = json.loads(cli.ok("get", "chaos-experiment-runs", "--project-id", cli.p, "--experiment-id", exp,
                              "-o", "json").stdout)
    assert (got["experimentRunID"], got["phase"], got["experimentName"]) == (run, "Completed", "lat-exp")
    # (10*50 + 30*100 + 10*0) / 50 = 70
    assert (got["resiliencyScore"], got["faultsPassed"], got["faultsFailed"], got["totalFaults"]) == (70, 2, 1, 3)
    table = cli.ok("get", "chaos-experiment-runs", "--project-id", cli.p).stdout.splitlines()
    assert re.fullmatch(r"RUN ID +EXPERIMENT +PHASE +SCORE +PASSED +FAILED +FAULTS +STARTED", table[0])
    assert re.fullmatch(rf"{run}  lat-exp +Completed +70 +2 +1 +3 +\d{{4}}-.* UTC", table[1]), table[1]

    desc = yaml.safe_load(cli.ok("describe", "chaos-experiment", exp, "--project-id", cli.p).stdout)
    assert (desc["name"], desc["description"], desc["infraName"], desc["createdBy"]) == (
        "lat-exp", "latency and cpu", "box-1", "owner")
    assert desc["averageResiliencyScore"] == 70
    assert desc["revisions"] == 1 and desc["revisionID"]
    assert desc["manifest"] == path.read_text()   # YAML as written, shown as a literal block
    assert "manifest: |\n  groups:\n" in cli.ok("describe", "chaos-experiment", exp, "--project-id", cli.p).stdout
    listed = json.loads(cli.ok("get", "chaos-experiments", "--project-id", cli.p, "-o", "json").stdout)
    assert [(e["experimentID"], e["name"], e["infraName"]) for e in listed] == [(exp, "lat-exp", "box-1")]
    assert (listed[0]["lastRunID"], listed[0]["lastRunPhase"], listed[0]["lastResiliencyScore"]) == (run, "Completed", 70)
    table = cli.ok("get", "chaos-experiments", "--project-id", cli.p).stdout.splitlines()
    assert re.fullmatch(r"EXPERIMENT ID +NAME +INFRA +LAST RUN +SCORE +UPDATED", table[0]), table[0]
    assert re.fullmatch(rf"{exp}  lat-exp +box-1 +Completed +70 +\d{{4}}-.* UTC", table[1]), table[1]

    r = cli.ok("delete", "chaos-experiment", exp, "--project-id", cli.p)
    assert r.stdout == f"chaos experiment {exp} deleted\n"
    assert json.loads(cli.ok("get", "chaos-experiments", "--project-id", cli.p, "-o", "json").stdout) == []
    r = cli("describe", "chaos-experiment", exp, "--project-id", cli.p)
    assert (r.returncode, r.stderr) == (1, "Error: getExperiment: experiment not found\n")


def test_create_runs_at_once_and_stop(world, tmp_path):
    cli = world
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    infra, infra_id = connect(cli)
    path = tmp_path / "exp.json"
    path.write_text(json.dumps(LATENCY_MANIFEST))
    r = cli("create", "chaos-experiment", "--project-id", cli.p, "-f", str(path), "--chaos-infra-id", infra_id)
    assert (r.returncode, r.stderr) == (1, f"Error: {path} has no metadata.name or name: give --name\n")
    out = json.loads(cli.ok("create", "chaos-experiment", "--project-id", cli.p, "--file", str(path),
                            "--chaos-infra-id", infra_id, "--name", "now", "-o", "json").stdout)
    assert set(out) == {"experimentID", "name", "experimentRunID"} and out["name"] == "now"
    desc = json.loads(cli.ok("describe", "chaos-experiment", out["experimentID"], "--project-id", cli.p,
                             "-o", "json").stdout)
    assert [s["name"] for g in desc["manifest"]["groups"] for s in g["steps"]] == ["lat", "cpu", "kill"]
    [queued] = json.loads(cli.ok("get", "chaos-experiment-runs", "--project-id", cli.p, "-o", "json").stdout)
    assert (queued["experimentRunID"], queued["phase"]) == (out["experimentRunID"], "Queued")

    r = cli.ok("stop", "chaos-experiment-run", out["experimentRunID"], "--project-id", cli.p)
    assert r.stdout == (f"stop of run {out['experimentRunID']} (experiment {out['experimentID']}) requested\n")
    [got] = json.loads(cli.ok("get", "chaos-experiment-runs", "--project-id", cli.p, "--experiment-run-id",
                              out["experimentRunID"], "-o", "json").stdout)
    assert got["phase"] == "Stopped"
    r = cli.ok("logs", out["experimentRunID"], "--project-id", cli.p, "-f")   # a final run: nothing to wait for
    assert r.stdout == ""


def test_roles_refused_token_expiry_and_server_down(world, tmp_path):
    cli = world
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    login(cli, cli.auth, cli.backend, "viewer")
    assert len(json.loads(cli.ok("get", "chaos-environments", "--project-id", cli.p, "-o", "json").stdout)) == 1
    r = cli("create", "chaos-environment", "--project-id", cli.p, "--name", "mine")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", f"Error: createEnvironment: permission denied (you are "
                                                         f"not a member of project {cli.p}, or your role there "
                                                         "does not allow this)\n")
    login(cli, cli.auth, cli.backend, "stranger")
    r = cli("get", "chaos-experiments", "--project-id", cli.p)
    assert r.returncode == 1 and r.stderr.startswith("Error: listExperiment: permission denied"), r.stderr

    good = cli.config.read_text()
    token = yaml.safe_load(good)["accounts"][0]["users"][-1]["token"]
    head, body, sig = token.split(".")
    cli.config.write_text(good.replace(token, f"{head}.{body}.{'B' if sig[0] == 'A' else 'A'}{sig[1:]}"))
    r = cli("get", "chaos-infra", "--project-id", cli.p)
    assert (r.returncode, r.stderr) == (1, "Error: the server refused the login of stranger (bad_signature); log "
                                           f"in again with 'riftctl config set-account --endpoint {cli.auth.url} "
                                           "--username stranger'\n")
    cli.config.write_text(re.sub(r'expires_in: "\d+"', 'expires_in: "1700000000"', good))
    r = cli("get", "chaos-infra", "--project-id", cli.p)
    assert (r.returncode, r.stderr) == (1, f"Error: the login of stranger at {cli.auth.url} expired at 2023-11-14 "
                                           "22:13:20 UTC; log in again with 'riftctl config set-account --endpoint "
                                           f"{cli.auth.url} --username stranger'\n")
    cli.config.write_text(good)
    cli.config.write_text(good.replace(f'serverEndpoint: "{cli.backend.url}"', f'serverEndpoint: "{cli.auth.url}"'))
    r = cli("get", "chaos-infra", "--project-id", cli.p)   # serverEndpoint left at rift-auth's URL
    assert (r.returncode, r.stderr) == (1, f"Error: {cli.auth.url} has no GraphQL API at /query (HTTP 404): give "
                                           "rift-backend's URL with 'riftctl config set-account --endpoint URL "
                                           "--username NAME --server-endpoint URL'\n")
    cli.config.write_text(good)
    cli.backend.stop()
    r = cli("get", "chaos-experiment-runs", "--project-id", cli.p)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"Error: cannot connect to {cli.backend.url}\n")


def test_install_runs_the_command_into_a_root(world, tmp_path):
    cli = world
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    r = run_in(cli, tmp_path, ["connect", "chaos-infra", "--project-id", cli.p, "--name", "here", "--install"], {})
    assert (r.returncode, r.stderr) == (1, "Error: --install: no install.sh in the current directory (run riftctl "
                                           "where the Rift release's agent/install.sh is)\n")
    assert json.loads(cli.ok("get", "chaos-infra", "--project-id", cli.p, "-o", "json").stdout) == []

    shims = tmp_path / "bin"   # this machine has no sudo: a stand-in that runs the command as is
    shims.mkdir()
    (shims / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    (shims / "sudo").chmod(0o755)
    root = tmp_path / "root"
    agent_dir = ROOT / "agent"
    env = {"PATH": f"{shims}:{os.environ['PATH']}"}
    args = ["connect", "chaos-infra", "--project-id", cli.p, "--name", "here", "--install", "-o", "json",
            "--install-args", f"--root '{root}' --binary '{BUILD / 'bin' / 'rift-agent'}' --no-enable"]
    r = run_in(cli, agent_dir, args, env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)                     # the installer's own output went to stderr
    assert f"rift-agent installed into {root}" in r.stderr
    env_file = root / "etc" / "rift" / "agent.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    text = env_file.read_text()
    key = re.search(r"printf '%s' '([0-9a-f]+)'", out["installCommand"]).group(1)
    assert f"RIFT_AGENT_INFRA_ID={out['infraID']}\n" in text and f"RIFT_AGENT_ACCESS_KEY={key}\n" in text
    assert f"RIFT_AGENT_CONTROL_PLANE={cli.backend.rpc_url}\n" in text
    assert (root / "usr" / "local" / "bin" / "rift-agent").exists()

    r = run_in(cli, agent_dir, args[:-1] + ["--bogus"], env)
    [second] = [i for i in json.loads(cli.ok("get", "chaos-infra", "--project-id", cli.p, "-o", "json").stdout)
                if i["infraID"] != out["infraID"]]
    assert r.returncode == 1
    assert r.stderr.endswith(f"Error: the install command failed (exit status 2); chaos infrastructure "
                             f"{second['infraID']} stays registered: run the command by hand, or remove it with "
                             f"'riftctl disconnect chaos-infra {second['infraID']}'\n"), r.stderr
    assert "install.sh: unknown option --bogus" in r.stderr


def run_in(cli, cwd, args, env):
    e = {"HOME": str(cli.home), "PATH": os.environ["PATH"], "COLUMNS": "200", **env}
    return subprocess.run([str(RIFTCTL), *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("args, message", [
    (["get", "chaos-environments"],
     "Error: missing required flag --project-id (see 'riftctl get chaos-environments --help')\n"),
    (["logs", "--project-id", "p"],
     "Error: missing required flag --experiment-run-id (see 'riftctl logs --help')\n"),
    (["create", "chaos-experiment", "--project-id", "p", "--chaos-infra-id", "i"],
     "Error: missing required flag --file (see 'riftctl create chaos-experiment --help')\n"),
    (["create", "chaos-experiment", "--project-id", "p", "--chaos-infra-id", "i", "-f", "/nonexistent/x.yaml"],
     "Error: cannot read /nonexistent/x.yaml: No such file or directory\n"),
    (["run", "chaos-experiment", "e1", "e2", "--project-id", "p"], "Error: unexpected argument \"e2\"\n"),
    (["run", "chaos-experiment", "e1", "--experiment-id", "e1", "--project-id", "p"],
     "Error: unexpected argument \"e1\"\n"),
    (["get", "chaos-infra", "x", "--project-id", "p"], "Error: unexpected argument \"x\"\n"),
    (["logs", "r1", "--project-id", "p", "-x"], "Error: unknown flag -x for 'riftctl logs'\n"),
    (["logs", "r1", "--project-id", "p", "-f", "-o", "yaml"],
     "Error: logs -f prints text, or JSON lines with -o json\n"),
    (["connect", "chaos-infra", "--project-id", "p", "--name", "n", "--install-args", "--root /x"],
     "Error: --install-args needs --install\n"),
])
def test_bad_input(cli, args, message):
    r = cli(*args)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", message)


def test_bad_files(world, tmp_path):
    cli = world
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups: [unclosed\n")
    r = cli("create", "chaos-experiment", "--project-id", cli.p, "-f", str(bad), "--chaos-infra-id", "i")
    assert (r.returncode, r.stderr) == (1, f"Error: {bad}: not valid YAML\n")
    big = tmp_path / "big.json"
    big.write_text(" " * (256 * 1024 + 1))
    r = cli("save", "chaos-experiment", "--project-id", cli.p, "-f", str(big), "--chaos-infra-id", "i", "--name", "b")
    assert (r.returncode, r.stderr) == (1, f"Error: {big} is larger than 256 KiB\n")
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    _, infra_id = connect(cli)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("name: w\ngroups:\n  - steps:\n      - name: s\n        fault: linux-nope\n")
    r = cli("save", "chaos-experiment", "--project-id", cli.p, "-f", str(wrong), "--chaos-infra-id", infra_id)
    assert (r.returncode, r.stderr) == (
        1, 'Error: saveChaosExperiment: groups[0].steps[0].fault: unknown fault "linux-nope"\n')


class StandIn:
    """A stand-in rift-backend for `logs -f`: GET /sse/runs/{id} answers from a script of connections
    (each a status and a body), POST /query answers getExperimentRun from `run` (the polling path), or
    any query with answer(body). It records each request's Last-Event-ID and Authorization. tls: a
    (certificate, key) pair to serve HTTPS."""

    def __init__(self, connections, run=None, answer=None, tls=None):
        self.connections = list(connections)
        self.run = run
        self.answer = answer
        self.seen = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                outer.seen.append((self.path, self.headers.get("Last-Event-ID"), self.headers.get("Authorization")))
                status, body = outer.connections.pop(0) if outer.connections else (404, b"{}")
                self.send_response(status)
                self.send_header("Content-Type", "text/event-stream" if status == 200 else "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True

            def do_POST(self):
                query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if outer.answer:
                    body = json.dumps(outer.answer(query)).encode()
                else:
                    after = query["variables"]["after"]
                    logs = [ln for ln in outer.run["logs"] if ln["seq"] > after]
                    body = json.dumps({"data": {"getExperimentRun": {"phase": outer.run["phase"], "logs": logs}}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.srv.server_address[1]}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()


@pytest.fixture
def stand_in(cli):
    """Factory: a StandIn, and riftctl's config pointing at it with a token that has not expired."""
    made = []

    def start(connections, run=None, **kw):
        s = StandIn(connections, run, **kw)
        made.append(s)
        cli.config.write_text(f'current-account: "{s.url}"\ncurrent-user: "u"\naccounts:\n'
                              f'  - endpoint: "{s.url}"\n    serverEndpoint: "{s.url}"\n    users:\n'
                              f'      - username: "u"\n        token: "a.b.c"\n        expires_in: "4102444800"\n')
        return s
    yield start
    for s in made:
        s.srv.shutdown()
        s.srv.server_close()


def sse_log(seq, step, line, crlf=False):
    nl = "\r\n" if crlf else "\n"
    data = json.dumps({"seq": seq, "time": 1795300000123 + seq, "step": step, "line": line})
    return f"event: log{nl}id: {seq}{nl}data: {data}{nl}{nl}"


def test_logs_follow_over_sse_resumes_after_a_drop(cli, stand_in):
    first = (": ping\n\nevent: run\ndata: {\"phase\":\"Running\"}\n\n" + sse_log(1, "lat", "one", crlf=True)
             + sse_log(2, "lat", "two")).encode()             # then the connection drops without `end`
    second = (sse_log(2, "lat", "two") + sse_log(3, "cpu", "three") + "event: end\ndata: {\"phase\":\"Completed\"}\n\n"
              + sse_log(4, "x", "after the end is not read")).encode()
    s = stand_in([(200, first), (200, second)])
    r = cli("logs", "run 1", "--project-id", "p/1", "-f")
    assert (r.returncode, r.stderr) == (0, ""), r.stderr
    assert r.stdout == ("2026-11-21T22:26:40.124Z [lat] one\n2026-11-21T22:26:40.125Z [lat] two\n"
                        "2026-11-21T22:26:40.126Z [cpu] three\n")
    assert [(p, last) for p, last, _ in s.seen] == [("/sse/runs/run%201?projectID=p%2F1", "0"),
                                                    ("/sse/runs/run%201?projectID=p%2F1", "2")]
    assert all(auth == "Bearer a.b.c" for _, _, auth in s.seen)

    s = stand_in([(200, sse_log(7, "s", "json") .encode() + b"event: end\ndata: {}\n\n")])
    r = cli("logs", "r", "--project-id", "p", "-f", "-o", "json")
    assert r.returncode == 0 and json.loads(r.stdout) == {"seq": 7, "time": 1795300000130, "step": "s", "line": "json"}


def test_logs_follow_errors_and_polling_fallback(cli, stand_in):
    stand_in([(403, b'{"error":"permission_denied","errorDescription":"permission denied"}')])
    r = cli("logs", "r", "--project-id", "p", "-f")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "Error: permission denied (HTTP 403)\n")
    stand_in([(200, b"event: log\ndata: {not json}\n\n")])
    r = cli("logs", "r", "--project-id", "p", "-f")
    assert r.returncode == 2 and r.stderr.startswith("Error: the live stream of http://127.0.0.1:"), r.stderr
    # a server without live streams (404): riftctl pages through getExperimentRun's lines instead
    run = {"phase": "Completed", "logs": [{"seq": 1, "timeMs": 1795300000000, "step": "a", "line": "polled"}]}
    stand_in([], run)
    r = cli("logs", "r", "--project-id", "p", "-f")
    assert (r.returncode, r.stdout, r.stderr) == (0, "2026-11-21T22:26:40.000Z [a] polled\n", "")
    s = stand_in([(200, b": nothing\n\n")] * 5)
    r = cli("logs", "r", "--project-id", "p", "-f")
    assert (r.returncode, r.stderr) == (2, f"Error: lost the live stream of run r at {s.url}\n")


HTTP_PROBE_YAML = """name: web-up
type: httpProbe
infrastructureType: Linux
description: the shop answers
kubernetesHTTPProperties:
  probeTimeout: 2s
  interval: 1s
  attempt: 2
  stopOnFailure: false
  url: http://127.0.0.1:9/health
  method:
    get:
      criteria: "=="
      responseCode: "200"
"""
CMD_PROBE = {"name": "load", "type": "cmdProbe", "infrastructureType": "Linux",
             "kubernetesCMDProperties": {"probeTimeout": "2s", "interval": "1s", "command": "echo 7",
                                         "comparator": {"type": "int", "criteria": ">=", "value": "5"}}}


def test_probes_create_get_describe_delete(world, tmp_path):
    cli = world
    web = tmp_path / "web.yaml"
    web.write_text(HTTP_PROBE_YAML)
    r = cli.ok("create", "probe", "--project-id", cli.p, "-f", str(web))
    assert (r.stdout, r.stderr) == ('probe "web-up" created (httpProbe)\n', "")
    load = tmp_path / "load.json"
    load.write_text(json.dumps(CMD_PROBE))
    assert json.loads(cli.ok("create", "probe", "--project-id", cli.p, "--file", str(load), "-o", "json").stdout) == {
        "name": "load", "type": "cmdProbe"}
    r = cli("create", "probe", "--project-id", cli.p, "-f", str(web))
    assert r.returncode == 1 and r.stderr.startswith("Error: addProbe: "), r.stderr

    listed = json.loads(cli.ok("get", "probes", "--project-id", cli.p, "-o", "json").stdout)
    assert sorted((p["name"], p["type"], p["infrastructureType"]) for p in listed) == [
        ("load", "cmdProbe", "Linux"), ("web-up", "httpProbe", "Linux")]
    assert set(listed[0]) == {"name", "type", "description", "infrastructureType", "referencedBy", "createdAt",
                              "updatedAt", "createdBy"}
    only = json.loads(cli.ok("get", "probes", "--project-id", cli.p, "--probe-type", "cmdProbe", "-o", "json").stdout)
    assert [p["name"] for p in only] == ["load"]
    table = cli.ok("get", "probes", "--project-id", cli.p).stdout.splitlines()
    assert re.fullmatch(r"NAME +TYPE +INFRA TYPE +USED BY +CREATED +DESCRIPTION", table[0]), table[0]
    assert any(re.fullmatch(r"web-up +httpProbe +Linux +0 +\d{4}-.* UTC  the shop answers", ln) for ln in table), table

    desc = yaml.safe_load(cli.ok("describe", "probe", "web-up", "--project-id", cli.p).stdout)
    assert (desc["name"], desc["description"], desc["createdBy"]) == ("web-up", "the shop answers", "owner")
    props = desc["properties"]
    assert (props["url"], props["attempt"], props["probeTimeout"]) == ("http://127.0.0.1:9/health", 2, "2s")
    assert props["method"]["get"] == {"criteria": "==", "responseCode": "200"}
    desc = json.loads(cli.ok("describe", "probe", "--probe-id", "load", "--project-id", cli.p, "-o", "json").stdout)
    assert desc["properties"]["comparator"] == {"type": "int", "criteria": ">=", "value": "5"}

    assert cli.ok("delete", "probe", "web-up", "--project-id", cli.p).stdout == "probe web-up deleted\n"
    r = cli("describe", "probe", "web-up", "--project-id", cli.p)
    assert r.returncode == 1 and r.stderr.startswith("Error: getProbe: "), r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x",')
    r = cli("create", "probe", "--project-id", cli.p, "-f", str(bad))
    assert r.returncode == 1 and r.stderr.startswith(f"Error: {bad}: "), r.stderr
    login(cli, cli.auth, cli.backend, "viewer")
    r = cli("create", "probe", "--project-id", cli.p, "-f", str(web))
    assert (r.returncode, r.stderr) == (1, f"Error: addProbe: permission denied (you are not a member of project "
                                           f"{cli.p}, or your role there does not allow this)\n")


LITMUS_ENGINE = """apiVersion: litmuschaos.io/v1alpha1
kind: ChaosEngine
metadata:
  name: web-latency
spec:
  engineState: active
  experiments:
    - name: linux-network-latency
      spec:
        components:
          env:
            - name: TOTAL_CHAOS_DURATION
              value: "45"
            - name: NETWORK_LATENCY
              value: "250"
"""


def test_litmus_yaml_takes_its_name_from_metadata(world, tmp_path):
    cli = world
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    infra, infra_id = connect(cli)
    path = tmp_path / "engine.yaml"
    path.write_text(LITMUS_ENGINE)
    r = cli.ok("create", "chaos-experiment", "--project-id", cli.p, "-f", str(path), "--chaos-infra-id", infra_id)
    m = re.fullmatch(rf'chaos experiment "web-latency" created with ID ({UUID}); run ({UUID}) queued\n', r.stdout)
    assert m, r.stdout
    [task], _ = infra.poll(wait_ms=5000)
    assert task["run_id"] == m.group(2)
    assert [[s["fault"] for s in g] for g in task["groups"]] == [["linux-network-latency"]]
    assert task["groups"][0][0]["tunables"]["NETWORK_LATENCY"] == "250"


def test_tls_to_the_backend_with_cacert_and_skip_ssl(cli, stand_in, tmp_path):
    """GraphQL and the live stream over HTTPS: refused without trust, fine with --cacert or --skip-ssl."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    env = {"environmentID": "e", "name": "E", "type": "PROD", "description": "", "infraIDs": [], "createdAt": "5000"}
    end = (sse_log(1, "s", "over tls") + "event: end\ndata: {}\n\n").encode()
    s = stand_in([(200, end), (200, end)], tls=(str(cert), str(key)),
                 answer=lambda q: {"data": {"listEnvironments": {"totalNoOfEnvironments": 1, "environments": [env]}}})
    r = cli("get", "chaos-environments", "--project-id", "p")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == (f"Error: TLS with {s.url} failed: the certificate is not trusted or the handshake was "
                        "refused (use --cacert FILE, or --skip-ssl)\n")
    r = cli("logs", "r", "--project-id", "p", "-f")
    assert (r.returncode, r.stderr) == (2, f"Error: TLS with {s.url} failed (use --cacert FILE, or --skip-ssl)\n")
    assert s.seen == []
    r = cli.ok("get", "chaos-environments", "--project-id", "p", "--cacert", str(cert), "-o", "json")
    assert (json.loads(r.stdout), r.stderr) == ([dict(env, createdAt=5000)], "")
    r = cli.ok("logs", "r", "--project-id", "p", "-f", "--cacert", str(cert))
    assert r.stdout.endswith(" [s] over tls\n") and r.stderr == ""
    r = cli.ok("logs", "r", "--project-id", "p", "-f", "--skip-ssl")
    assert r.stdout.endswith(" [s] over tls\n") and r.stderr.startswith("Warning: --skip-ssl: ")
