"""riftctl's chaos commands timed end to end against a local rift-auth and rift-backend (SQLite):
250 experiments (3 pages of 100 for `get chaos-experiments`), a finished run with 2,000 log lines
(20 pages for `logs`, one stream for `logs -f`). Prints the median and max wall time of REPS runs of
each command and the peak RSS of one. Usage: bench.py [REPS]   (env BUILD: the build folder)."""
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import requests  # noqa: E402
from auth_client import STRONG, admin_session, create_user, user_session  # noqa: E402
from backend_client import LATENCY_MANIFEST, gql, ok  # noqa: E402
from conftest import free_port  # noqa: E402
from fake_infra import FakeInfra  # noqa: E402

REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
B = (ROOT / os.environ.get("BUILD", "build") / "bin").resolve()
tmp = pathlib.Path(tempfile.mkdtemp(prefix="rift-bench-cli-"))
ap, ar, hp, rp = free_port(), free_port(), free_port(), free_port()
env = dict(PATH="/usr/bin:/bin", ADMIN_USERNAME="admin", ADMIN_PASSWORD="Litmus@123", DB_SERVER=f"sqlite://{tmp}/auth.db",
           REST_PORT=str(ap), RPC_PORT=str(ar), PASSWORD_HASH_MEMORY="64k", PASSWORD_HASH_OPS="1")
procs = [subprocess.Popen([B / "rift-auth"], env=env, stdout=open(tmp / "auth.log", "w"), stderr=subprocess.STDOUT)]
benv = dict(PATH="/usr/bin:/bin", HTTP_PORT=str(hp), RPC_PORT=str(rp), DB_SERVER=f"sqlite://{tmp}/backend.db",
            AUTH_RPC_ADDR=f"127.0.0.1:{ar}", LOG_LEVEL="warn")
procs.append(subprocess.Popen([B / "rift-backend"], env=benv, stdout=open(tmp / "backend.log", "w"),
                              stderr=subprocess.STDOUT))
home = tmp / "home"
home.mkdir()


def riftctl(*args, timed=False):
    e = {"HOME": str(home), "PATH": "/usr/bin:/bin", "COLUMNS": "160"}
    cmd = (["/usr/bin/time", "-f", "%M"] if timed else []) + [str(B / "riftctl"), *args]
    t0 = time.monotonic()
    r = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=120)
    dt = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    return dt, r


try:
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{ap}/status", timeout=1)
            requests.get(f"http://127.0.0.1:{hp}/status", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.1)
    url, rpc = f"http://127.0.0.1:{hp}", f"http://127.0.0.1:{rp}"
    create_user(admin_session(f"http://127.0.0.1:{ap}"), "owner")
    owner = user_session(f"http://127.0.0.1:{ap}", "owner")
    P = owner.project_id
    ok(gql(url, owner.token, 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", '
                             'name: "E", type: PROD}) { name } }', {"p": P}))
    reg = ok(gql(url, owner.token, 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "b", '
                                   'environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID token } }',
                 {"p": P}))["registerInfra"]
    infra = FakeInfra(rpc, reg["infraID"])
    infra.register(reg["token"])
    create = "mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }"
    exps = [ok(gql(url, owner.token, create, {"p": P, "r": {"experimentName": f"exp-{k:03}", "infraID": reg["infraID"],
                                                             "experimentManifest": json.dumps(LATENCY_MANIFEST)}}))
            ["createChaosExperiment"]["experimentID"] for k in range(250)]
    run = ok(gql(url, owner.token, "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) "
                                   "{ experimentRunID } }", {"p": P, "e": exps[0]}))["runChaosExperiment"]["experimentRunID"]
    [task], _ = infra.poll(wait_ms=5000)
    infra.report(task["task_id"], "Running")
    for base in range(0, 2000, 200):
        infra.push_logs(task["task_id"], [(base + i + 1, "lat", f"line {base + i + 1} " + "x" * 60) for i in range(200)])
    infra.submit(task["task_id"], "Completed", [{"step": s, "verdict": "Pass"} for s in ("lat", "cpu", "kill")])

    riftctl("config", "set-account", "--endpoint", f"http://127.0.0.1:{ap}", "--server-endpoint", url,
            "--username", "owner", "--password", STRONG)
    cases = [
        ("version", ["version"]),
        ("get chaos-experiments (250, 3 pages), table", ["get", "chaos-experiments", "--project-id", P]),
        ("get chaos-experiments (250, 3 pages), json", ["get", "chaos-experiments", "--project-id", P, "-o", "json"]),
        ("describe chaos-experiment", ["describe", "chaos-experiment", exps[0], "--project-id", P]),
        ("get chaos-experiment-runs", ["get", "chaos-experiment-runs", "--project-id", P]),
        ("logs (2,000 lines, 20 pages)", ["logs", run, "--project-id", P]),
        ("logs -f of a finished run (2,000 lines, one stream)", ["logs", run, "--project-id", P, "-f"]),
    ]
    print(f"{'command':55} {'median':>9} {'max':>9} {'peak RSS':>9}")
    for name, args in cases:
        times = [riftctl(*args)[0] for _ in range(REPS)]
        _, r = riftctl(*args, timed=True)
        rss = int(r.stderr.strip().splitlines()[-1])
        print(f"{name:55} {statistics.median(times) * 1000:7.1f}ms {max(times) * 1000:7.1f}ms {rss / 1024:7.1f}MiB")
finally:
    for p in procs:
        p.terminate()
        p.wait(10)
    shutil.rmtree(tmp, ignore_errors=True)
