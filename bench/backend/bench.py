"""N simulated infrastructures long-polling one rift-backend (SQLite store): backend RSS and idle CPU
with every poll parked, then dispatch latency (runChaosExperiment sent -> Poll answered with the task)
for 50 runs. Usage: bench.py N   (env BUILD: the build folder, default build)."""
import asyncio
import json
import os
import pathlib
import shutil
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
from fake_infra import FakeInfra, dec, enc  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
B = str((ROOT / os.environ.get("BUILD", "build") / "bin").resolve())
tmp = tempfile.mkdtemp(prefix="rift-bench-backend-")
ap, ar, hp, rp = free_port(), free_port(), free_port(), free_port()
env = dict(PATH="/usr/bin:/bin", ADMIN_USERNAME="admin", ADMIN_PASSWORD="Litmus@123", DB_SERVER=f"sqlite://{tmp}/auth.db",
           REST_PORT=str(ap), RPC_PORT=str(ar), PASSWORD_HASH_MEMORY="64k", PASSWORD_HASH_OPS="1")
auth = subprocess.Popen([f"{B}/rift-auth"], env=env, stdout=open(f"{tmp}/auth.log", "w"), stderr=subprocess.STDOUT)
benv = dict(PATH="/usr/bin:/bin", HTTP_PORT=str(hp), RPC_PORT=str(rp), DB_SERVER=f"sqlite://{tmp}/backend.db",
            AUTH_RPC_ADDR=f"127.0.0.1:{ar}", INFRA_POLL_TIMEOUT="60s", LOG_LEVEL="warn")
back = subprocess.Popen([f"{B}/rift-backend"], env=benv, stdout=open(f"{tmp}/backend.log", "w"), stderr=subprocess.STDOUT)
try:
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{ap}/status", timeout=1); requests.get(f"http://127.0.0.1:{hp}/status", timeout=1); break
        except Exception:
            time.sleep(0.1)
    url, rpc = f"http://127.0.0.1:{hp}", f"http://127.0.0.1:{rp}"
    admin = admin_session(f"http://127.0.0.1:{ap}")
    create_user(admin, "owner")
    owner = user_session(f"http://127.0.0.1:{ap}", "owner")
    P = owner.project_id
    ok(gql(url, owner.token, 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "e", name: "E", type: PROD}) { name } }', {"p": P}))
    s = requests.Session()
    t0 = time.monotonic()
    infras = []
    for k in range(N):
        reg = s.post(url + "/query", json={"query": 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "b", environmentID: "e", infrastructureType: Linux, platformName: "l"}) { infraID token } }', "variables": {"p": P}},
                     headers={"Authorization": f"Bearer {owner.token}"}).json()["data"]["registerInfra"]
        f = FakeInfra(rpc, reg["infraID"]); f.register(reg["token"]); infras.append(f)
    print(f"registered {N} infrastructures in {time.monotonic()-t0:.1f}s")
    # one experiment per sampled infrastructure
    SAMPLE = 50
    exps = []
    for f in infras[:SAMPLE]:
        req = {"experimentName": "x", "experimentManifest": json.dumps(LATENCY_MANIFEST), "infraID": f.infra_id}
        exps.append(ok(gql(url, owner.token, "mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }", {"p": P, "r": req}))["createChaosExperiment"]["experimentID"])

    received = {}
    async def poller(f, idx):
        while True:
            reader, writer = await asyncio.open_connection("127.0.0.1", rp)
            body = enc([(1, f.auth()), (2, 60000)])
            writer.write(f"POST /twirp/rift.infra.v1.InfraService/Poll HTTP/1.1\r\nHost: x\r\nContent-Type: application/protobuf\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            n = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
            data = await reader.readexactly(n) if n else b""
            writer.close()
            m = dec(data)
            if m.get(1):
                received[idx] = time.monotonic()
                return
    def rss():
        for line in open(f"/proc/{back.pid}/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    def cpu():
        st = open(f"/proc/{back.pid}/stat").read().split(")")[1].split()
        return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    async def main():
        tasks = [asyncio.create_task(poller(f, i)) for i, f in enumerate(infras)]
        t_park = time.monotonic()
        c_prev = cpu()
        while True:  # wait until every poll is parked (backend CPU settles)
            await asyncio.sleep(2)
            c = cpu()
            if c - c_prev < 0.05 or time.monotonic() - t_park > 50:
                break
            c_prev = c
        print(f"parking {N} polls took {time.monotonic()-t_park:.1f}s")
        c0, w0 = cpu(), time.monotonic()
        await asyncio.sleep(10)
        print(f"{N} parked polls: backend RSS {rss():.1f} MB, idle CPU {100*(cpu()-c0)/(time.monotonic()-w0):.2f}% of one core over 10 s")
        lat = []
        loop = asyncio.get_running_loop()
        for i, e in enumerate(exps):
            t = time.monotonic()
            await loop.run_in_executor(None, lambda: ok(gql(url, owner.token, "mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { notifyID } }", {"p": P, "e": e})))
            while i not in received and time.monotonic() - t < 10:
                await asyncio.sleep(0.0005)
            lat.append((received[i] - t) * 1000)
        lat.sort()
        print(f"dispatch latency over {len(lat)} runs (mutation sent -> task received): p50 {lat[len(lat)//2]:.1f} ms, p99 {lat[int(len(lat)*0.99)-1]:.1f} ms, max {lat[-1]:.1f} ms")
        print(f"backend RSS after dispatches {rss():.1f} MB")
        for t in tasks: t.cancel()
    asyncio.run(main())
finally:
    back.terminate()
    auth.terminate()
    back.wait(10)
    auth.wait(10)
    shutil.rmtree(tmp, ignore_errors=True)
