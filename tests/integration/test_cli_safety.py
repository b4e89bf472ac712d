"""riftctl's safety commands end to end (docs/safety.md, docs/cli.md): the real binary against a real
rift-auth and rift-backend, with the fake infrastructure (fake_infra.py) taking the tasks. Emergency stop
of a project and of everything (who may press and release it), guards set from a file, read back and
enforced at save time, the audit trails of both services, and dry runs. Exact messages and exit codes."""
import json
import os
import re
import subprocess
import time

import pytest
import yaml

from auth_client import STRONG
from backend_client import LATENCY_MANIFEST
from test_cli import RIFTCTL, Cli, cli  # noqa: F401  (cli: the fixture without servers)
from test_cli_chaos import UUID, connect, login, world  # noqa: F401  (world: servers, team, owner's riftctl)
from test_safety import poll_raw

ADMIN_PW = "Admin@12345"  # what auth_client.admin_session changed the initial password to
ESTOP_KEYS = {"active", "scope", "projectID", "reason", "stoppedBy", "stoppedAt", "runsStopped"}
GUARD_KEYS = {"allowedFaults", "forbiddenFaults", "allowedCIDRs", "allowedHosts", "allowedPorts",
              "allowedProcessNames", "allowedPaths", "maxDuration", "maxConcurrentFaults", "maxCpuLoad",
              "maxDiskFill"}
AUDIT_KEYS = {"time", "service", "action", "operation", "projectID", "userID", "username", "source", "resource",
              "outcome", "detail", "eventID"}


def as_user(world, tmp_path, user, password=STRONG):
    """Another riftctl (its own HOME) logged in as user."""
    home = tmp_path / f"home-{user}"
    home.mkdir()
    c = Cli(home)
    c.ok("config", "set-account", "--endpoint", world.auth.url, "--server-endpoint", world.backend.url,
         "--username", user, "--password", password)
    c.p = world.p
    return c


def denied(field, project):
    return (f"Error: {field}: permission denied (you are not a member of project {project}, or your role there "
            "does not allow this)\n")


def saved_experiment(cli, tmp_path, infra_id, manifest=None, name="lat-exp"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(dict(manifest or LATENCY_MANIFEST, name=name)))
    r = cli.ok("save", "chaos-experiment", "--project-id", cli.p, "-f", str(path), "--chaos-infra-id", infra_id)
    return re.fullmatch(rf'chaos experiment "{name}" saved with ID ({UUID})\n', r.stdout).group(1)


def runs(cli, exp):
    return {r["experimentRunID"]: r["phase"] for r in json.loads(
        cli.ok("get", "chaos-experiment-runs", "--project-id", cli.p, "--experiment-id", exp, "-o", "json").stdout)}


def test_emergency_stop_of_a_project(world, tmp_path):
    cli = world
    viewer = as_user(world, tmp_path, "viewer")
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    infra, infra_id = connect(cli)
    exp = saved_experiment(cli, tmp_path, infra_id)
    run = re.fullmatch(rf"chaos experiment {exp} started: run ({UUID})\n",
                       cli.ok("run", "chaos-experiment", exp, "--project-id", cli.p).stdout).group(1)

    off = json.loads(cli.ok("get", "emergency-stop", "--project-id", cli.p, "-o", "json").stdout)
    assert off == {"active": False, "scope": "", "projectID": "", "reason": "", "stoppedBy": "", "stoppedAt": 0,
                   "runsStopped": 0}

    # any member presses it, a Viewer too; the queued run is stopped
    r = viewer.ok("emergency-stop", "--project-id", cli.p, "--reason", "db on fire")
    assert (r.stdout, r.stderr) == (f"emergency stop in force for project {cli.p} (runs stopped: 1); no run starts "
                                    f"until 'riftctl release emergency-stop --project-id {cli.p}'\n", "")
    assert runs(cli, exp) == {run: "Stopped"}
    tasks, flag = poll_raw(infra, wait_ms=100)
    assert (tasks, flag) == ([], True)

    on = json.loads(cli.ok("get", "emergency-stop", "--project-id", cli.p, "-o", "json").stdout)
    assert set(on) == ESTOP_KEYS
    assert (on["active"], on["scope"], on["projectID"], on["reason"], on["stoppedBy"], on["runsStopped"]) == (
        True, "project", cli.p, "db on fire", "viewer", 1)
    assert abs(on["stoppedAt"] / 1000 - time.time()) < 60
    assert yaml.safe_load(cli.ok("get", "emergency-stop", "--project-id", cli.p, "-o", "yaml").stdout) == on
    table = cli.ok("get", "emergency-stop", "--project-id", cli.p).stdout.splitlines()
    assert re.fullmatch(r"ACTIVE +SCOPE +STOPPED BY +STOPPED AT +RUNS STOPPED +REASON", table[0]), table
    assert re.fullmatch(r"true +project +viewer +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC +1 +db on fire", table[1]), table

    # no run starts, not even a dry run
    r = cli("run", "chaos-experiment", exp, "--project-id", cli.p)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "Error: runChaosExperiment: emergency stop in force (this "
                                                         "project, by viewer): no run starts until it is released\n")
    r = cli("run", "chaos-experiment", exp, "--project-id", cli.p, "--dry-run")
    assert (r.returncode, r.stderr) == (1, "Error: dryRunChaosExperiment: emergency stop in force (this project, by "
                                           "viewer): no run starts until it is released\n")

    # only Owners release it
    r = viewer("release", "emergency-stop", "--project-id", cli.p)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", denied("releaseEmergencyStop", cli.p))
    r = cli.ok("release", "emergency-stop", "--project-id", cli.p)
    assert r.stdout == f"emergency stop of project {cli.p} released: runs may start again\n"
    assert json.loads(cli.ok("get", "emergency-stop", "--project-id", cli.p, "-o", "json").stdout)["active"] is False
    assert re.fullmatch(rf"chaos experiment {exp} started: run {UUID}\n",
                        cli.ok("run", "chaos-experiment", exp, "--project-id", cli.p).stdout)

    # JSON of a press and of a release: the server's status
    pressed = json.loads(cli.ok("emergency-stop", "--project-id", cli.p, "-o", "json").stdout)
    assert set(pressed) == ESTOP_KEYS and (pressed["active"], pressed["stoppedBy"], pressed["reason"],
                                           pressed["runsStopped"]) == (True, "owner", "", 1)
    released = json.loads(cli.ok("release", "emergency-stop", "--project-id", cli.p, "-o", "json").stdout)
    assert released == off

    stranger = as_user(world, tmp_path, "stranger")
    r = stranger("emergency-stop", "--project-id", cli.p)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", denied("emergencyStop", cli.p))


def test_emergency_stop_of_everything_is_for_global_admins(world, tmp_path):
    cli = world
    admin = as_user(world, tmp_path, "admin", ADMIN_PW)
    r = cli("emergency-stop", "--all")
    assert (r.returncode, r.stdout, r.stderr) == (
        1, "", "Error: emergencyStopAll: permission_denied: only a global admin can stop every project\n")

    r = admin.ok("emergency-stop", "--all", "--reason", "maintenance")
    assert r.stdout == ("emergency stop in force for every project (runs stopped: 0); no run starts until "
                        "'riftctl release emergency-stop --all'\n")
    status = json.loads(cli.ok("get", "emergency-stop", "--project-id", cli.p, "-o", "json").stdout)
    assert (status["active"], status["scope"], status["stoppedBy"], status["reason"]) == (
        True, "global", "admin", "maintenance")

    # the project's Owner cannot lift the global stop: releasing the project's own says so
    r = cli.ok("release", "emergency-stop", "--project-id", cli.p)
    assert r.stdout == (f"emergency stop of project {cli.p} released, but the global emergency stop (by admin) is "
                        "still in force: no run starts until a global admin runs 'riftctl release emergency-stop "
                        "--all'\n")
    r = cli("release", "emergency-stop", "--all")
    assert (r.returncode, r.stderr) == (
        1, "Error: releaseEmergencyStopAll: permission_denied: only a global admin can stop every project\n")

    r = admin.ok("release", "emergency-stop", "--all", "-o", "json")
    assert json.loads(r.stdout)["active"] is False
    assert json.loads(cli.ok("get", "emergency-stop", "--project-id", cli.p, "-o", "json").stdout)["active"] is False
    admin.ok("emergency-stop", "--all")
    assert admin.ok("release", "emergency-stop", "--all").stdout == (
        "global emergency stop released (a project's own stop stays)\n")


GUARDS_YAML = """\
allowedFaults: [linux-network-latency, linux-cpu-stress]
allowedCIDRs: 10.0.0.0/8, 192.168.1.0/24
allowedPorts: [80, "8000-8100"]
maxDuration: 5m
maxCpuLoad: 50
maxDiskFill: null
"""


def test_guards_set_get_round_trip_and_enforced(world, tmp_path):
    cli = world
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "prod", "--type", "PROD")
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    f = tmp_path / "guards.yaml"
    f.write_text(GUARDS_YAML)

    r = cli.ok("set", "guards", "--project-id", cli.p, "--environment-id", "prod", "-f", str(f))
    assert (r.stdout, r.stderr) == ("guards of chaos environment prod set: allowedFaults=linux-network-latency,"
                                    "linux-cpu-stress allowedCIDRs=10.0.0.0/8,192.168.1.0/24 allowedPorts=80,"
                                    "8000-8100 maxDuration=5m maxCpuLoad=50\n", "")
    got = json.loads(cli.ok("get", "guards", "--project-id", cli.p, "--environment-id", "prod", "-o", "json").stdout)
    expected = dict.fromkeys(GUARD_KEYS)
    expected.update(allowedFaults=["linux-network-latency", "linux-cpu-stress"],
                    allowedCIDRs=["10.0.0.0/8", "192.168.1.0/24"], allowedPorts=["80", "8000-8100"],
                    maxDuration="5m", maxCpuLoad=50)
    assert got == {"environmentID": "prod", "name": "prod", "type": "PROD", "guards": expected}

    # what get prints (YAML) is a guards file: staging gets the same
    out = tmp_path / "prod.yaml"
    out.write_text(cli.ok("get", "guards", "--project-id", cli.p, "--environment-id", "prod", "-o", "yaml").stdout)
    cli.ok("set", "guards", "--project-id", cli.p, "--environment-id", "staging", "-f", str(out))
    listed = json.loads(cli.ok("get", "guards", "--project-id", cli.p, "-o", "json").stdout)
    assert sorted((e["environmentID"], e["type"]) for e in listed) == [("prod", "PROD"), ("staging", "NON_PROD")]
    assert all(e["guards"] == expected for e in listed)

    # cleared with an empty mapping; the table says none
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    assert cli.ok("set", "guards", "--project-id", cli.p, "--environment-id", "staging", "-f",
                  str(empty)).stdout == "guards of chaos environment staging set: none\n"
    table = cli.ok("get", "guards", "--project-id", cli.p).stdout.splitlines()
    assert re.fullmatch(r"ENVIRONMENT ID +NAME +TYPE +GUARDS", table[0]), table
    prod, staging = sorted(table[1:])
    assert re.fullmatch(r"prod +prod +PROD +allowedFaults=linux-network-latency,linux-cpu-stress allowedCIDRs=.*"
                        r"maxCpuLoad=50", prod), table
    assert re.fullmatch(r"staging +staging +NON_PROD +none", staging), table
    assert json.loads(cli.ok("get", "guards", "--project-id", cli.p, "--environment-id", "staging",
                             "-o", "json").stdout)["guards"] == dict.fromkeys(GUARD_KEYS)

    # the guards hold when an experiment is saved in prod: LOAD 50 in LATENCY_MANIFEST passes, 90 does not
    infra, infra_id = connect(cli, env="prod")
    hot = {"groups": [{"steps": [{"name": "cpu", "fault": "linux-cpu-stress", "duration": "1m",
                                  "tunables": {"LOAD": "90"}}]}]}
    path = tmp_path / "hot.yaml"
    path.write_text(yaml.safe_dump(dict(hot, name="hot")))
    r = cli("save", "chaos-experiment", "--project-id", cli.p, "-f", str(path), "--chaos-infra-id", infra_id)
    assert (r.returncode, r.stdout, r.stderr) == (
        1, "", "Error: saveChaosExperiment: guard maxCpuLoad: groups[0].steps[0] (cpu): LOAD 90% exceeds 50% "
               "(environment prod)\n")

    # refusals: the server's rules, a non-Owner, an unknown environment
    bad = tmp_path / "bad.yaml"
    bad.write_text("maxDuration: soon\n")
    r = cli("set", "guards", "--project-id", cli.p, "--environment-id", "prod", "-f", str(bad))
    assert (r.returncode, r.stderr) == (
        1, "Error: setEnvironmentGuards: guards.maxDuration: a duration such as 90s or 5m\n")
    executor = as_user(world, tmp_path, "executor")
    r = executor("set", "guards", "--project-id", cli.p, "--environment-id", "prod", "-f", str(f))
    assert (r.returncode, r.stdout, r.stderr) == (1, "", denied("setEnvironmentGuards", cli.p))
    assert json.loads(executor.ok("get", "guards", "--project-id", cli.p, "--environment-id", "prod",
                                  "-o", "json").stdout)["guards"] == expected
    r = cli("get", "guards", "--project-id", cli.p, "--environment-id", "nope")
    assert (r.returncode, r.stderr) == (1, "Error: getEnvironment: environment not found\n")


@pytest.mark.parametrize("text, message", [
    ("maxCpuLoad: lots\n", "maxCpuLoad: an integer from 0 to 2147483647"),
    ("maxCpuLoad: -1\n", "maxCpuLoad: an integer from 0 to 2147483647"),
    ("allowedFaults: [true]\n", "allowedFaults[0]: a non-empty string"),
    ("allowedFaults: {a: b}\n", "allowedFaults: a list of strings"),
    ("maxDuration: [5m]\n", "maxDuration: a duration such as 5m"),
    ("max_cpu_load: 5\n", 'unknown guard "max_cpu_load" (known: allowedFaults, forbiddenFaults, allowedCIDRs, '
                          'allowedHosts, allowedPorts, allowedProcessNames, allowedPaths, maxDuration, '
                          'maxConcurrentFaults, maxCpuLoad, maxDiskFill)'),
    ("{\"maxCpuLoad\": 5,\n", None),
])
def test_bad_guard_files(cli, tmp_path, text, message):
    f = tmp_path / "g.yaml"
    f.write_text(text)
    r = cli("set", "guards", "--project-id", "p", "--environment-id", "e", "-f", str(f))
    assert (r.returncode, r.stdout) == (1, "")
    if message:
        assert r.stderr == f"Error: {f}: {message}\n"
    else:
        assert r.stderr.startswith(f"Error: {f}: ") and r.stderr.count("\n") == 1, r.stderr


def test_audit_events_of_both_services(world, tmp_path):
    cli = world
    viewer = as_user(world, tmp_path, "viewer")
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    viewer.ok("emergency-stop", "--project-id", cli.p, "--reason", "r1")
    assert viewer("release", "emergency-stop", "--project-id", cli.p).returncode == 1
    cli.ok("release", "emergency-stop", "--project-id", cli.p)

    events = json.loads(cli.ok("get", "audit-events", "--project-id", cli.p, "-o", "json").stdout)
    assert all(set(e) == AUDIT_KEYS for e in events), events
    assert [(e["action"], e["username"], e["outcome"]) for e in events] == [
        ("release_emergency_stop", "owner", "success"), ("release_emergency_stop", "viewer", "failure"),
        ("emergency_stop", "viewer", "success"), ("create", "owner", "success")]
    assert all(e["service"] == "backend" and e["projectID"] == cli.p and e["source"].startswith("127.0.0.1")
               for e in events), events
    times = [e["time"] for e in events]
    assert times == sorted(times, reverse=True) and abs(times[0] / 1000 - time.time()) < 60
    assert events[1]["operation"] == "releaseEmergencyStop" and events[1]["detail"]
    assert yaml.safe_load(cli.ok("get", "audit-events", "--project-id", cli.p, "-o", "yaml").stdout) == events

    def actions(*extra):
        out = cli.ok("get", "audit-events", "--project-id", cli.p, "-o", "json", *extra).stdout
        return [(e["action"], e["username"]) for e in json.loads(out)]
    assert actions("--action", "emergency_stop") == [("emergency_stop", "viewer")]
    assert actions("--username", "owner") == [("release_emergency_stop", "owner"), ("create", "owner")]
    assert actions("--limit", "2") == [("release_emergency_stop", "owner"), ("release_emergency_stop", "viewer")]
    assert len(actions("--since", "1h")) == 4
    assert actions("--since", "2999-01-01") == []
    table = cli.ok("get", "audit-events", "--project-id", cli.p).stdout.splitlines()
    assert re.fullmatch(r"TIME +SERVICE +ACTION +OPERATION +USER +SOURCE +OUTCOME +RESOURCE +DETAIL", table[0])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC +backend +release_emergency_stop +releaseEmergencyStop "
                        r"+owner +127\.0\.0\.1\S* +success.*", table[1]), table[1]
    assert len(table) == 5

    # Owners only
    r = viewer("get", "audit-events", "--project-id", cli.p)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", denied("listAuditEvents", cli.p))

    # rift-auth's trail: logins (a failed one too), every project's for an admin only
    bad = Cli(tmp_path / "home")  # same HOME as the owner: the failure does not change the stored account
    r = bad("config", "set-account", "--endpoint", cli.auth.url, "--username", "owner", "--password", "Wrong@12345x")
    assert r.returncode == 1
    admin = as_user(world, tmp_path, "admin", ADMIN_PW)
    logins = json.loads(admin.ok("get", "audit-events", "--service", "auth", "--action", "login", "--username",
                                 "owner", "-o", "json").stdout)
    assert all(set(e) == AUDIT_KEYS and e["service"] == "auth" for e in logins), logins
    assert [e["outcome"] for e in logins][:2] == ["failure", "success"], logins
    assert logins[0]["detail"] == "invalid credentials" and logins[0]["source"].startswith("127.0.0.1")
    assert json.loads(admin.ok("get", "audit-events", "--service", "auth", "--action", "login", "--username",
                               "owner", "--limit", "1", "-o", "json").stdout) == logins[:1]
    r = cli("get", "audit-events", "--service", "auth")
    assert (r.returncode, r.stdout, r.stderr) == (
        1, "", "Error: only an admin lists every event; give projectID (HTTP 403)\n")
    assert json.loads(cli.ok("get", "audit-events", "--service", "auth", "--project-id", cli.p,
                             "-o", "json").stdout) == []
    r = viewer("get", "audit-events", "--service", "auth", "--project-id", cli.p)
    assert (r.returncode, r.stderr) == (1, "Error: Owners only (HTTP 403)\n")


def test_dry_run(world, tmp_path):
    cli = world
    cli.ok("create", "chaos-environment", "--project-id", cli.p, "--name", "staging")
    infra, infra_id = connect(cli)
    exp = saved_experiment(cli, tmp_path, infra_id)

    r = cli.ok("run", "chaos-experiment", exp, "--project-id", cli.p, "--dry-run")
    m = re.fullmatch(rf"dry run of chaos experiment {exp} queued: run ({UUID}) \(nothing is changed; the run's log "
                     rf"says what the agent would do: 'riftctl logs \1 --project-id {cli.p}'\)\n", r.stdout)
    assert m, r.stdout
    run = m.group(1)
    [task], flag = poll_raw(infra, wait_ms=5000)
    assert (task["run_id"], task["dry_run"], flag) == (run, True, False)
    infra.report(task["task_id"], "Running")
    infra.push_logs(task["task_id"], [(1, "lat", "dry run: would inject linux-network-latency for 5000 ms")])
    infra.submit(task["task_id"], "Completed", [{"step": "lat", "fault": "linux-network-latency", "verdict": "Pass"}])
    assert cli.ok("logs", run, "--project-id", cli.p).stdout.split(" ", 1)[1] == (
        "[lat] dry run: would inject linux-network-latency for 5000 ms\n")

    # -f: the sentence (or a JSON line), then the log lines until the run ends
    proc = subprocess.Popen([str(RIFTCTL), "run", "chaos-experiment", exp, "--project-id", cli.p, "--dry-run", "-f",
                             "-o", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"HOME": str(cli.home), "PATH": os.environ["PATH"]})
    try:
        [task], _ = poll_raw(infra, wait_ms=10000)
        assert task["dry_run"]
        infra.report(task["task_id"], "Running")
        infra.push_logs(task["task_id"], [(1, "lat", "dry run: netem missing: NFQUEUE fallback available")])
        infra.submit(task["task_id"], "Completed", [{"step": "lat", "fault": "linux-network-latency",
                                                     "verdict": "Pass"}])
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, err) == (0, "")
    first, *lines = [json.loads(ln) for ln in out.splitlines()]
    assert first == {"experimentRunID": task["run_id"], "notifyID": first["notifyID"], "projectID": cli.p,
                     "experimentID": exp, "dryRun": True}
    assert [(ln["step"], ln["line"]) for ln in lines] == [("lat", "dry run: netem missing: NFQUEUE fallback available")]

    # a dry run that finds something missing ends Completed_With_Error: exit 1, saying so
    proc = subprocess.Popen([str(RIFTCTL), "run", "chaos-experiment", exp, "--project-id", cli.p, "--dry-run", "-f"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"HOME": str(cli.home), "PATH": os.environ["PATH"]})
    try:
        [task], _ = poll_raw(infra, wait_ms=10000)
        infra.report(task["task_id"], "Running")
        infra.push_logs(task["task_id"], [(1, "lat", "dry run: interface eth9 missing")])
        infra.submit(task["task_id"], "Completed_With_Error", [{"step": "lat", "fault": "linux-network-latency",
                                                                "verdict": "Error"}], message="1 step cannot run")
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = out.splitlines()
    assert lines[0].startswith(f"dry run of chaos experiment {exp} queued: run {task['run_id']} ("), out
    assert [ln.split(" ", 1)[1] for ln in lines[1:]] == ["[lat] dry run: interface eth9 missing"], out
    assert (proc.returncode, err) == (1, f"Error: dry run {task['run_id']} ended Completed_With_Error: 1 step "
                                         "cannot run\n")

    # a plain run says dryRun false; a Viewer may not dry-run
    started = json.loads(cli.ok("run", "chaos-experiment", exp, "--project-id", cli.p, "-o", "json").stdout)
    assert set(started) == {"experimentRunID", "notifyID", "projectID", "experimentID", "dryRun"}
    assert started["dryRun"] is False
    [task], _ = poll_raw(infra, wait_ms=5000)
    assert (task["run_id"], task["dry_run"]) == (started["experimentRunID"], False)
    viewer = as_user(world, tmp_path, "viewer")
    r = viewer("run", "chaos-experiment", exp, "--project-id", cli.p, "--dry-run")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", denied("dryRunChaosExperiment", cli.p))
    r = cli("run", "chaos-experiment", "no-such", "--project-id", cli.p, "--dry-run")
    assert (r.returncode, r.stderr) == (1, "Error: dryRunChaosExperiment: experiment not found\n")


@pytest.mark.parametrize("args, message", [
    (["emergency-stop"], "Error: give --project-id ID (one project) or --all (every project; global admins only) "
                         "(see 'riftctl emergency-stop --help')\n"),
    (["emergency-stop", "--project-id", ""], "Error: give --project-id ID (one project) or --all (every project; "
                                             "global admins only) (see 'riftctl emergency-stop --help')\n"),
    (["release", "emergency-stop"], "Error: give --project-id ID (one project) or --all (every project; global "
                                    "admins only) (see 'riftctl release emergency-stop --help')\n"),
    (["emergency-stop", "--project-id", "p", "--all"], "Error: give --project-id or --all, not both\n"),
    (["emergency-stop", "--all=yes"], "Error: flag --all takes no value\n"),
    (["emergency-stop", "now", "--all"], "Error: unexpected argument \"now\"\n"),
    (["get", "emergency-stop"], "Error: missing required flag --project-id (see 'riftctl get emergency-stop --help')\n"),
    (["set", "guards", "--project-id", "p", "-f", "g.yaml"],
     "Error: missing required flag --environment-id (see 'riftctl set guards --help')\n"),
    (["set", "guards", "--project-id", "p", "--environment-id", "e"],
     "Error: missing required flag --file (see 'riftctl set guards --help')\n"),
    (["set", "guards", "--project-id", "p", "--environment-id", "e", "-f", "/nonexistent/g.yaml"],
     "Error: cannot read /nonexistent/g.yaml: No such file or directory\n"),
    (["get", "guards"], "Error: missing required flag --project-id (see 'riftctl get guards --help')\n"),
    (["get", "audit-events"], "Error: missing required flag --project-id (rift-backend's audit trail is per project; "
                              "--service auth lists rift-auth's logins and role changes)\n"),
    (["get", "audit-events", "--project-id", "p", "--limit", "0"],
     "Error: invalid --limit \"0\": an integer from 1 to 10000\n"),
    (["get", "audit-events", "--project-id", "p", "--limit", "10001"],
     "Error: invalid --limit \"10001\": an integer from 1 to 10000\n"),
    (["get", "audit-events", "--project-id", "p", "--since", "yesterday"],
     "Error: invalid --since \"yesterday\": use a duration such as 1h or a UTC time such as 2026-12-06T10:00:00Z\n"),
    (["get", "audit-events", "--project-id", "p", "--service", "agent"],
     "Error: invalid --service \"agent\": use backend or auth\n"),
    (["run", "chaos-experiment", "e", "--project-id", "p", "--dry-run", "-f", "-o", "yaml"],
     "Error: run -f prints text, or JSON lines with -o json\n"),
    (["run", "chaos-experiment", "e", "--project-id", "p", "--dry-run=1"], "Error: flag --dry-run takes no value\n"),
])
def test_bad_input(cli, args, message):
    r = cli(*args)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", message)


def test_no_account_and_servers_down(world, tmp_path):
    (tmp_path / "empty").mkdir()
    cli = Cli(tmp_path / "empty")
    r = cli("emergency-stop", "--all")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", f"Error: no account configured ({cli.config} does not "
                                                         "exist); log in with 'riftctl config set-account "
                                                         "--endpoint URL --username NAME'\n")
    world.backend.stop()
    for args in (["emergency-stop", "--project-id", world.p], ["release", "emergency-stop", "--all"],
                 ["get", "guards", "--project-id", world.p], ["get", "audit-events", "--project-id", world.p],
                 ["run", "chaos-experiment", "e", "--project-id", world.p, "--dry-run"]):
        r = world(*args)
        assert (r.returncode, r.stdout, r.stderr) == (2, "", f"Error: cannot connect to {world.backend.url}\n"), args
    world.auth.stop()
    r = world("get", "audit-events", "--service", "auth")
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"Error: cannot connect to {world.auth.url}\n")


def test_help(cli):
    for words, flags in ((["emergency-stop"], ["--project-id", "--all", "--reason"]),
                         (["release", "emergency-stop"], ["--project-id", "--all"]),
                         (["get", "emergency-stop"], ["--project-id"]),
                         (["set", "guards"], ["--environment-id", "-f, --file"]),
                         (["get", "guards"], ["--environment-id"]),
                         (["get", "audit-events"], ["--service", "--since", "--limit", "--action", "--username"]),
                         (["run", "chaos-experiment"], ["--dry-run", "-f, --follow"])):
        h = cli.ok(*words, "--help").stdout
        assert f"Usage: riftctl {' '.join(words)} [flags]" in h, h
        assert all(f in h for f in flags), h
    assert re.search(r"^  emergency-stop +stop every run of a project", cli.ok("--help").stdout, re.M)
