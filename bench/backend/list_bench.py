"""listExperiment with N stored experiments on one rift-backend (SQLite store): requests/s and latency
from wrk (keep-alive, POST /query) for a few request shapes, median of ROUNDS rounds.
Usage: list_bench.py [N]   (env BUILD: the build folder, default build; ROUNDS, default 3; SECONDS, default 5)."""
import concurrent.futures
import json
import os
import pathlib
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import requests  # noqa: E402
from auth_client import admin_session, create_user, user_session  # noqa: E402
from backend_client import LATENCY_MANIFEST, gql, ok  # noqa: E402
from conftest import free_port  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
ROUNDS = int(os.environ.get("ROUNDS", "3"))
SECONDS = int(os.environ.get("SECONDS", "5"))
B = str((ROOT / os.environ.get("BUILD", "build") / "bin").resolve())
tmp = tempfile.mkdtemp(prefix="rift-bench-list-")
ap, ar, hp, rp = free_port(), free_port(), free_port(), free_port()
env = dict(PATH="/usr/bin:/bin", ADMIN_USERNAME="admin", ADMIN_PASSWORD="Litmus@123", DB_SERVER=f"sqlite://{tmp}/auth.db",
           REST_PORT=str(ap), RPC_PORT=str(ar), PASSWORD_HASH_MEMORY="64k", PASSWORD_HASH_OPS="1")
auth = subprocess.Popen([f"{B}/rift-auth"], env=env, stdout=open(f"{tmp}/auth.log", "w"), stderr=subprocess.STDOUT)
benv = dict(PATH="/usr/bin:/bin", HTTP_PORT=str(hp), RPC_PORT=str(rp), DB_SERVER=f"sqlite://{tmp}/backend.db",
            AUTH_RPC_ADDR=f"127.0.0.1:{ar}", LOG_LEVEL="warn")
back = subprocess.Popen([f"{B}/rift-backend"], env=benv, stdout=open(f"{tmp}/backend.log", "w"), stderr=subprocess.STDOUT)


def wrk(url, token, body):
    script = pathlib.Path(tmp) / "post.lua"
    script.write_text('wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n'
                      'wrk.headers["Authorization"] = "Bearer %s"\n' % (json.dumps(json.dumps(body)), token))
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{SECONDS}s", "--timeout", "60s", "--latency", "-s", str(script), url + "/query"],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def lat(p):
        v, unit = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, out).groups()
        return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert not errors, out
    return rps, lat(50), lat(99)


try:
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{ap}/status", timeout=1); requests.get(f"http://127.0.0.1:{hp}/status", timeout=1); break
        except Exception:
            time.sleep(0.1)
    url = f"http://127.0.0.1:{hp}"
    admin = admin_session(f"http://127.0.0.1:{ap}")
    create_user(admin, "owner")
    owner = user_session(f"http://127.0.0.1:{ap}", "owner")
    P = owner.project_id
    ok(gql(url, owner.token, 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }', {"p": P}))
    infra = ok(gql(url, owner.token, 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "b", environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID } }', {"p": P}))["registerInfra"]["infraID"]
    manifest = json.dumps(LATENCY_MANIFEST)
    create = "mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }"
    # two experiments through the API (one with a schedule), then N copies of them written into the
    # stopped backend's SQLite file: the same documents as createChaosExperiment stores, in seconds
    for k, cron in ((0, "0 3 * * *"), (1, "")):
        req = {"experimentName": f"seed-{k}", "experimentManifest": manifest, "infraID": infra, "cronSyntax": cron}
        ok(gql(url, owner.token, create, {"p": P, "r": req}))
    back.terminate()
    back.wait(10)
    db = sqlite3.connect(f"{tmp}/backend.db")
    seeds = [json.loads(d) for (d,) in db.execute("SELECT doc FROM c_experiments ORDER BY json_extract(doc, '$.name')")]
    db.execute("DELETE FROM c_experiments")
    db.execute("DELETE FROM c_backend_meta")  # the list copy is built again at start
    for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'c_expidx.%'").fetchall():
        db.execute(f'DELETE FROM "{t}"')
    base_ms = int(time.time() * 1000) - N * 1000
    rows = []
    for k in range(N):
        d = dict(seeds[0 if k % 10 == 0 else 1])
        d["_id"] = d["experimentID"] = f"exp-id-{k:05d}"
        d["name"] = f"exp-{k:05d}"
        d["createdAt"] = d["updatedAt"] = str(base_ms + k * 1000)
        rows.append((d["_id"], json.dumps(d)))
    db.executemany("INSERT INTO c_experiments (_id, doc) VALUES (?, ?)", rows)
    db.commit()
    db.close()
    t0 = time.monotonic()
    back = subprocess.Popen([f"{B}/rift-backend"], env=benv, stdout=open(f"{tmp}/backend.log", "a"), stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            requests.get(f"http://127.0.0.1:{hp}/status", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    size = sum(len(r[1]) for r in rows) / N
    print(f"{N} experiments stored (copies of two saved through createChaosExperiment, {size:.0f} bytes each); "
          f"rift-backend ready {time.monotonic() - t0:.1f} s after start (builds its list copy)")

    q = ("query($p: ID!, $r: ListExperimentRequest!) { listExperiment(projectID: $p, request: $r) "
         "{ totalNoOfExperiments experiments { experimentID name updatedAt cronSyntax infra { name isActive } } } }")
    shapes = [
        ("first page of 10, newest first", {"pagination": {"page": 0, "limit": 10}}),
        ("page of 100, by name", {"pagination": {"page": 0, "limit": 100}, "sort": {"field": "NAME", "ascending": True}}),
        ("last page of 10 (skip 9,990)", {"pagination": {"page": N // 10 - 1, "limit": 10}}),
        ("scheduleType cron, page of 10", {"filter": {"scheduleType": "cron"}, "pagination": {"page": 0, "limit": 10}}),
        ("experimentName part (1 match)", {"filter": {"experimentName": "exp-00424"}, "pagination": {"page": 0, "limit": 10}}),
        ("first page of 10 as the portal asks", {"pagination": {"page": 0, "limit": 10}, "sort": {"field": "TIME"},
                                                  "filter": {"scheduleType": "all"}}),
    ]
    print(f"wrk -t2 -c8 -d{SECONDS}s, {ROUNDS} rounds, medians; rift-backend and wrk share the machine's 2 cores")
    print(f"{'request':36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, req in shapes:
        body = {"query": q, "variables": {"p": P, "r": req}}
        check = requests.post(url + "/query", json=body, headers={"Authorization": f"Bearer {owner.token}"}).json()
        assert "errors" not in check, check
        rounds = [wrk(url, owner.token, body) for _ in range(ROUNDS)]
        med = [statistics.median(r[i] for r in rounds) for i in range(3)]
        print(f"{name:36} {med[0]:8.0f} {med[1]:8.2f} {med[2]:8.2f}   (total {check['data']['listExperiment']['totalNoOfExperiments']})")
    rss = [l for l in open(f"/proc/{back.pid}/status") if l.startswith("VmRSS")][0].split()[1]
    print(f"backend RSS after the runs: {int(rss) / 1024:.1f} MB")
finally:
    for p in (back, auth):
        p.terminate()
        p.wait(10)
    shutil.rmtree(tmp, ignore_errors=True)
