"""rift-agent figures (prints them; asserts nothing about timing). Needs root: everything happens in
network namespaces and cgroups this script creates and removes.

  idle      real rift-auth + rift-backend, `rift-agent run` registered and idle: RSS of both agent
            processes (injector + network process) and their CPU over BENCH_IDLE_SECONDS (default 60;
            300 for the issue's 5 minutes); BENCH_IDLE_TLS=1: the agent reaches the backend over https
            (a TLS forwarder with a self-signed certificate, pinned with RIFT_AGENT_CA_FILE)
  latency   BENCH_RUNS (10) one-fault runs through the backend: task received (the agent's "run
            started") -> fault active, and revert requested -> clean, from the agent's own run log
            (sub-millisecond figures measured around the injector call) for a process-stop, a CPU
            stress and an NFQUEUE latency fault
  shaper    `rift-agent inject` of +20 ms on one destination; UDP packets with their send time at rising
            rates from one namespace to the other: added delay (median, p99) and loss per rate
  cpu       linux-cpu-stress LOAD=25/50/75 on core 0 and `stress-ng --cpu 1 --cpu-load N` on core 1 at
            the same time, each measured from its own cpuacct cgroup

Usage: bench.py [idle] [latency] [shaper] [cpu]   (default: all; env RIFT_BUILD: the build folder)"""
import json
import os
import pathlib
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import agent_env  # noqa: E402
from agent_env import NetPair, agent_bin  # noqa: E402
from conftest import Service, free_port  # noqa: E402

BUILD = pathlib.Path(os.environ.get("RIFT_BUILD") or ROOT / "build")
CLK = os.sysconf("SC_CLK_TCK")


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


def cpu_seconds(pid):
    st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / CLK


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


def smaps(pid):
    """kB by kind from /proc/PID/smaps_rollup (Rss, Pss, Anonymous, Pss_File...)."""
    out = {}
    for line in open(f"/proc/{pid}/smaps_rollup"):
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB":
            out[parts[0].rstrip(":")] = int(parts[1])
    return out


def children(pid):
    try:
        return [int(x) for x in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except FileNotFoundError:
        return []


class Stack:
    """rift-auth + rift-backend + a registered `rift-agent run` in a namespace pair."""

    def __init__(self, tmp):
        import test_agent_e2e as e2e
        self.e2e, self.tmp, self.services = e2e, pathlib.Path(tmp), []
        self.np = NetPair().up()

        def auth(**kw):
            env = {"PATH": "/usr/bin:/bin", "ADMIN_USERNAME": "admin", "ADMIN_PASSWORD": "Litmus@123",
                   "DB_SERVER": f"sqlite://{tmp}/auth.db", "REST_PORT": str(free_port()),
                   "RPC_PORT": str(free_port()), "PASSWORD_HASH_MEMORY": "64k", "PASSWORD_HASH_OPS": "1"}
            s = Service(BUILD / "bin" / "rift-auth", env, self.tmp / "auth.log")
            s.rpc_url = "http://127.0.0.1:" + env["RPC_PORT"]
            self.services.append(s)
            return s.start()

        def backend(a, **kw):
            env = {"PATH": "/usr/bin:/bin", "HTTP_PORT": str(free_port()), "RPC_PORT": str(free_port()),
                   "DB_SERVER": f"sqlite://{tmp}/backend.db", "AUTH_RPC_ADDR": a.rpc_url.split("://", 1)[1],
                   "LOG_LEVEL": "warn", "INFRA_POLL_TIMEOUT": "30s"}  # a parked Poll, as in production
            s = Service(BUILD / "bin" / "rift-backend", env, self.tmp / "backend.log", port_var="HTTP_PORT")
            s.rpc_url = "http://127.0.0.1:" + env["RPC_PORT"]
            self.services.append(s)
            return s.start()

        self.world = e2e.World(self.np, self.tmp, auth, backend)

    def close(self):
        try:
            self.world.stop_agent()
            self.world.fwd.close()
        finally:
            for s in reversed(self.services):
                s.stop()
            self.np.down()


def tls_control_plane(stack):
    """A TLS front (self-signed certificate, pinned as the agent's CA) for the backend's RPC port:
    (agent environment, the forwarder to close)."""
    import ssl
    cert, key = stack.e2e.make_cert(stack.tmp, "cp")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    w = stack.world
    fwd = stack.e2e.Forwarder(stack.np.a, int(w.backend.rpc_url.rsplit(":", 1)[1]), tls=ctx)
    return {"RIFT_AGENT_CONTROL_PLANE": "https://127.0.0.1:%d" % fwd.port, "RIFT_AGENT_CA_FILE": cert}, fwd


def bench_idle(stack):
    secs = float(os.environ.get("BENCH_IDLE_SECONDS", "60"))
    w = stack.world
    env, fwd = tls_control_plane(stack) if os.environ.get("BENCH_IDLE_TLS") == "1" else ({}, None)
    print("idle: control plane over " + ("https (pinned CA)" if fwd else "http"))
    w.start_agent(RIFT_AGENT_POLL_WAIT="30s", RIFT_AGENT_HEARTBEAT_INTERVAL="15s", **env)
    stack.e2e.wait_registered(w)
    time.sleep(3)   # settle after registration
    pids = [w.agent.pid] + children(w.agent.pid)
    c0 = {p: cpu_seconds(p) for p in pids}
    t0 = time.monotonic()
    peak = {p: 0 for p in pids}
    while time.monotonic() - t0 < secs:
        for p in pids:
            peak[p] = max(peak[p], rss_kb(p))
        time.sleep(1)
    took = time.monotonic() - t0
    names = ["injector (root)", "network process"]
    total_cpu = 0.0
    for i, p in enumerate(pids):
        used = cpu_seconds(p) - c0[p]
        total_cpu += used
        print(f"idle {names[min(i, 1)]:16s} pid {p}: RSS {rss_kb(p) / 1024:.2f} MB (peak {peak[p] / 1024:.2f} MB), "
              f"CPU {used:.2f} s over {took:.0f} s = {100 * used / took:.3f} %")
        m = smaps(p)
        print(f"     of which anonymous {m.get('Anonymous', 0) / 1024:.2f} MB, file-backed (shared libraries) "
              f"{(m.get('Rss', 0) - m.get('Anonymous', 0)) / 1024:.2f} MB; PSS {m.get('Pss', 0) / 1024:.2f} MB")
    print(f"idle total: RSS {sum(rss_kb(p) for p in pids) / 1024:.2f} MB, CPU {100 * total_cpu / took:.3f} % "
          f"(Poll wait 30 s, server cap INFRA_POLL_TIMEOUT 30 s, heartbeat 15 s)")
    w.stop_agent()
    if fwd:
        fwd.close()


def agent_log_times(text, name):
    """(ms to inject, ms to revert) pairs from the run log lines of one fault."""
    inj = [float(m) for m in re.findall(re.escape(name) + r" injected for \d+ ms \(in ([\d.]+) ms\)", text)]
    rev = [float(m) for m in re.findall(re.escape(name) + r" reverted in ([\d.]+) ms", text)]
    return inj, rev


def stamp_ms(line):
    m = re.match(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):([\d.]+)Z", line)
    return (int(m[4]) * 3600 + int(m[5]) * 60 + float(m[6])) * 1000 if m else None


def bench_latency(stack):
    runs = int(os.environ.get("BENCH_RUNS", "10"))
    w, np = stack.world, stack.np
    w.start_agent(RIFT_AGENT_POLL_WAIT="2s")
    stack.e2e.wait_registered(w)
    victim = subprocess.Popen(["sleep", "600"])
    steps = {
        "linux-process-stop": {"PROCESS_IDS": str(victim.pid)},
        "linux-cpu-stress": {"LOAD": "50", "WORKERS": "1", "CPU_CORES": "0"},
        "linux-network-latency": {"NETWORK_LATENCY": "50", "NETWORK_INTERFACES": np.va, "DESTINATION_IPS": np.ip_b},
    }
    try:
        for fault, tun in steps.items():
            m = {"groups": [{"steps": [{"name": "s", "fault": fault, "duration": "1s", "tunables": tun}]}]}
            exp = w.experiment(m, "bench-" + fault)
            start = len(w.agent_text())
            for _ in range(runs):
                r = w.wait_run(w.run(exp), timeout=60)
                assert r["phase"] == "Completed", (r, w.agent_text()[-2000:])
            text = w.agent_text()[start:]
            inj, rev = agent_log_times(text, fault)
            # task received ("run started", logged once Running is acknowledged) -> "injected" line
            e2e, cur = [], None
            for line in text.splitlines():
                if '"run started"' in line:
                    cur = stamp_ms(line)
                elif fault + " injected" in line and cur is not None:
                    e2e.append(stamp_ms(line) - cur)
                    cur = None
            print(f"latency {fault:22s} n={len(inj)}: received -> active median {median(e2e):.0f} ms "
                  f"(log ms resolution); injector inject median {median(inj):.1f} ms (max {max(inj):.1f}), "
                  f"revert requested -> clean median {median(rev):.1f} ms (max {max(rev):.1f})")
    finally:
        victim.kill()
        victim.wait()
        w.stop_agent()


RECEIVER = r"""
import json, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], int(sys.argv[2])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20); s.settimeout(float(sys.argv[3]))
out = []
try:
    while True:
        d = s.recv(64); out.append((time.monotonic() - float(d.decode().split()[1])) * 1000)
except socket.timeout:
    pass
print(json.dumps(out))
"""

SENDER = r"""
import socket, sys, time
dst, port, rate, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
t0 = time.monotonic(); n = 0
while True:
    now = time.monotonic()
    if now - t0 >= secs: break
    due = int((now - t0) * rate)
    while n < due:
        s.sendto(b"%d %.6f" % (n, time.monotonic()), (dst, port)); n += 1
    time.sleep(0.0005)
print(n, n / (time.monotonic() - t0))
"""


def bench_shaper(stack):
    np, tmp = stack.np, stack.tmp
    spec = tmp / "shaper.json"
    spec.write_text(json.dumps({"fault": "linux-network-latency", "duration": "300s",
                                "tunables": {"NETWORK_LATENCY": "20", "NETWORK_INTERFACES": np.va,
                                             "DESTINATION_IPS": np.ip_b, "SHAPER": "nfqueue"}}))
    journal = tmp / "shaper-journal"
    agent = subprocess.Popen(["ip", "netns", "exec", np.a, agent_bin(), "inject", "--spec", str(spec),
                              "--journal", str(journal)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = agent.stdout.readline()
        assert '"injected"' in line, line
        for rate in [int(x) for x in os.environ.get("BENCH_RATES", "500 2000 5000 10000 20000 40000").split()]:
            secs = 3.0
            recv = subprocess.Popen(["ip", "netns", "exec", np.b, "/usr/bin/python3", "-c", RECEIVER, np.ip_b, "19999", "1.5"],
                                    stdout=subprocess.PIPE, text=True)
            time.sleep(0.3)
            snd = subprocess.run(["ip", "netns", "exec", np.a, "/usr/bin/python3", "-c", SENDER, np.ip_b, "19999",
                                  str(rate), str(secs)], capture_output=True, text=True, timeout=60)
            sent, achieved = snd.stdout.split()
            added = json.loads(recv.communicate(timeout=60)[0])   # send -> receive, ms
            loss = 100.0 * (1 - len(added) / max(1, int(sent)))
            print(f"shaper +20 ms at {float(achieved):7.0f} pkt/s: one-way delay median {median(added):6.2f} ms, "
                  f"p99 {pct(added, 0.99):6.2f} ms, max {max(added) if added else float('nan'):7.2f} ms, "
                  f"loss {loss:.2f} %")
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(30)


def find_cgroup(root, name):
    for dirpath, dirs, _ in os.walk(root):
        if name in dirs:
            return os.path.join(dirpath, name)
        if dirpath.count("/") - root.count("/") >= 4:
            dirs[:] = []
    return None


def usage_ns(cg):
    return int(open(os.path.join(cg, "cpuacct.usage")).read())


def bench_cpu(stack):
    tmp = stack.tmp
    base = "/sys/fs/cgroup/cpuacct"
    mine = os.path.join(base, f"rift-bench-stressng-{os.getpid()}")
    os.makedirs(mine, exist_ok=True)
    try:
        for load in (25, 50, 75):
            spec = tmp / f"cpu{load}.json"
            spec.write_text(json.dumps({"fault": "linux-cpu-stress", "duration": "14s",
                                        "tunables": {"LOAD": str(load), "WORKERS": "1", "CPU_CORES": "0"}}))
            agent = subprocess.Popen([agent_bin(), "inject", "--spec", str(spec), "--journal", str(tmp / f"j{load}")],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            agent_env._started_agents.append(agent.pid)
            ng = subprocess.Popen(["sh", "-c", f"echo $$ > {mine}/cgroup.procs && exec stress-ng --cpu 1 "
                                   f"--cpu-load {load} --taskset 1 --timeout 14s --quiet"])
            assert '"injected"' in agent.stdout.readline()
            cg = find_cgroup(base, f"rift-agent-{agent.pid}-cpuacct")
            time.sleep(2)
            a0, s0, t0 = usage_ns(cg), usage_ns(mine), time.monotonic()
            time.sleep(10)
            a1, s1, t1 = usage_ns(cg), usage_ns(mine), time.monotonic()
            ra, rs = (a1 - a0) / 1e7 / (t1 - t0), (s1 - s0) / 1e7 / (t1 - t0)
            print(f"cpu LOAD={load:2d}%: rift-agent {ra:5.1f} % of core 0 (error {ra - load:+.1f}), "
                  f"stress-ng --cpu-load {load} {rs:5.1f} % of core 1 (error {rs - load:+.1f}); 10 s, cpuacct")
            agent.wait(30)
            ng.wait(30)
        with open("/proc/loadavg") as f:
            print("load average during the cpu runs:", " ".join(f.read().split()[:3]))
    finally:
        for _ in range(50):
            try:
                os.rmdir(mine)
                break
            except OSError:
                time.sleep(0.1)


def main():
    what = sys.argv[1:] or ["idle", "latency", "shaper", "cpu"]
    tmp = tempfile.mkdtemp(prefix="rift-bench-agent-")
    os.chmod(tmp, 0o755)
    stack = Stack(tmp)
    try:
        for name in what:
            globals()["bench_" + name](stack)
            sys.stdout.flush()
    finally:
        stack.close()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
