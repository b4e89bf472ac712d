"""N clients stream one run from one rift-backend (SQLite store): RSS and CPU with the streams open and
idle (5 s), then 30 single-line PushLogs: time from the PushLogs answer to the line at each client
(p50/p99 over all deliveries, and the slowest client per line). Usage: bench.py N (env BUILD)."""
import asyncio
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
from auth_client import admin_session, create_user, user_session  # noqa: E402
from backend_client import gql, ok  # noqa: E402
from conftest import free_port  # noqa: E402
from fake_infra import FakeInfra  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100
LINES = 30
B = str((ROOT / os.environ.get("BUILD", "build") / "bin").resolve())
tmp = tempfile.mkdtemp(prefix="rift-bench-sse-")
ap, ar, hp, rp = free_port(), free_port(), free_port(), free_port()
env = dict(PATH="/usr/bin:/bin", ADMIN_USERNAME="admin", ADMIN_PASSWORD="Litmus@123", DB_SERVER=f"sqlite://{tmp}/auth.db",
           REST_PORT=str(ap), RPC_PORT=str(ar), PASSWORD_HASH_MEMORY="64k", PASSWORD_HASH_OPS="1")
auth = subprocess.Popen([f"{B}/rift-auth"], env=env, stdout=open(f"{tmp}/auth.log", "w"), stderr=subprocess.STDOUT)
benv = dict(PATH="/usr/bin:/bin", HTTP_PORT=str(hp), RPC_PORT=str(rp), DB_SERVER=f"sqlite://{tmp}/backend.db",
            AUTH_RPC_ADDR=f"127.0.0.1:{ar}", LOG_LEVEL="warn", SSE_MAX_STREAMS=str(N + 10), SSE_MAX_PER_RUN=str(N + 10))
back = subprocess.Popen([f"{B}/rift-backend"], env=benv, stdout=open(f"{tmp}/backend.log", "w"), stderr=subprocess.STDOUT)


def rss():
    for line in open(f"/proc/{back.pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024


def cpu():
    st = open(f"/proc/{back.pid}/stat").read().split(")")[1].split()
    return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


try:
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{ap}/status", timeout=1)
            requests.get(f"http://127.0.0.1:{hp}/status", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    url, rpc = f"http://127.0.0.1:{hp}", f"http://127.0.0.1:{rp}"
    admin = admin_session(f"http://127.0.0.1:{ap}")
    create_user(admin, "owner")
    owner = user_session(f"http://127.0.0.1:{ap}", "owner")
    P = owner.project_id
    ok(gql(url, owner.token, 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }', {"p": P}))
    reg = ok(gql(url, owner.token, 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "b", environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID token } }', {"p": P}))["registerInfra"]
    infra = FakeInfra(rpc, reg["infraID"])
    infra.register(reg["token"])
    man = {"groups": [{"steps": [{"name": "cpu", "fault": "linux-cpu-stress", "duration": "1h"}]}]}
    exp = ok(gql(url, owner.token, "mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }",
                 {"p": P, "r": {"experimentName": "x", "experimentManifest": json.dumps(man), "infraID": reg["infraID"]}}))["createChaosExperiment"]
    run = ok(gql(url, owner.token, "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }",
                 {"p": P, "e": exp["experimentID"]}))["runChaosExperiment"]["experimentRunID"]
    task = infra.poll(wait_ms=1000)[0][0]
    infra.report(task["task_id"])
    rss0 = rss()

    got = {}  # seq -> list of receive times
    ready = 0

    async def client(i):
        global ready
        reader, writer = await asyncio.open_connection("127.0.0.1", hp)
        writer.write(f"GET /sse/runs/{run}?projectID={P} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {owner.token}\r\n\r\n".encode())
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        ready += 1
        buf = b""
        while True:
            d = await reader.read(65536)
            if not d:
                return
            now = time.monotonic()
            buf += d
            while b"\nid: " in buf:
                head, buf = buf.split(b"\nid: ", 1)
                seq = int(buf.split(b"\n", 1)[0])
                got.setdefault(seq, []).append(now)

    async def main():
        tasks = [asyncio.create_task(client(i)) for i in range(N)]
        while ready < N:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1)
        r1, c1 = rss(), cpu()
        await asyncio.sleep(5)
        c2 = cpu()
        print(f"streams open: {N}; backend RSS {rss0:.1f} MB before, {r1:.1f} MB with them "
              f"({(r1 - rss0) * 1024 / N:.1f} KB per stream); idle CPU {100 * (c2 - c1) / 5:.1f} % of a core")
        lat, slowest = [], []
        loop = asyncio.get_running_loop()
        for seq in range(1, LINES + 1):
            await loop.run_in_executor(None, infra.push_logs, task["task_id"], [(seq, "cpu", f"line {seq}")])
            t0 = time.monotonic()
            deadline = t0 + 10
            while len(got.get(seq, [])) < N and time.monotonic() < deadline:
                await asyncio.sleep(0.002)
            times = got.get(seq, [])
            if len(times) < N:
                print(f"line {seq}: only {len(times)} of {N} clients within 10 s")
            lat += [max(0.0, t - t0) * 1000 for t in times]
            slowest.append(max(0.0, max(times) - t0) * 1000 if times else 10000)
            await asyncio.sleep(0.1)
        print(f"delivery after PushLogs returned: p50 {statistics.median(lat):.1f} ms, p99 {pct(lat, 99):.1f} ms; "
              f"last of {N} clients per line: median {statistics.median(slowest):.1f} ms, max {max(slowest):.1f} ms")
        for t in tasks:
            t.cancel()

    asyncio.run(main())
finally:
    back.terminate()
    auth.terminate()
    back.wait(10)
    auth.wait(10)
    shutil.rmtree(tmp, ignore_errors=True)
