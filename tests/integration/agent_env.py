"""Helpers for rift-agent integration tests: a pair of network namespaces joined by a veth, the agent
run inside the "host" one, and snapshots of everything the agent may touch. Everything the tests create
is removed by pytest finalizers, also when a test fails. Root is required (CI runs as root)."""
import json
import os
import re
import select
import signal
import subprocess
import time

_counter = [0]
_started_agents = []  # pids of every rift-agent this process started (cgroup names carry them)


def build_dir():
    return os.environ.get("RIFT_BUILD") or os.path.join(os.path.dirname(__file__), "..", "..", "build")


def agent_bin():
    return os.path.join(build_dir(), "bin", "rift-agent")


def sh(*args, check=True, timeout=30, **kw):
    return subprocess.run(list(args), check=check, timeout=timeout, capture_output=True, text=True, **kw)


class NetPair:
    """nsA ("the host", where the agent runs) <-> nsB (the peer) over veth, 10.200.N.0/24.
    nsA has .1; nsB has .2 (the target) and .3 (a second address, used as an excluded host)."""

    def __init__(self):
        _counter[0] += 1
        self.n = 100 + (os.getpid() * 7 + _counter[0]) % 150
        tag = "%d%d" % (os.getpid() % 100000, _counter[0])
        self.a, self.b = "rtA" + tag, "rtB" + tag
        self.va, self.vb = "rva" + tag[-8:], "rvb" + tag[-8:]
        self.ip_a, self.ip_b, self.ip_b2 = ("10.200.%d.%d" % (self.n, i) for i in (1, 2, 3))

    def up(self):
        sh("ip", "netns", "add", self.a)
        sh("ip", "netns", "add", self.b)
        sh("ip", "-n", self.a, "link", "add", self.va, "type", "veth", "peer", "name", self.vb, "netns", self.b)
        for ns, dev, ips in ((self.a, self.va, [self.ip_a]), (self.b, self.vb, [self.ip_b, self.ip_b2])):
            for ip in ips:
                sh("ip", "-n", ns, "addr", "add", ip + "/24", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        return self

    def down(self):
        for ns in (self.a, self.b):
            for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh("ip", "netns", "del", ns, check=False)

    def in_a(self, *args, **kw):
        return sh("ip", "netns", "exec", self.a, *args, **kw)

    def in_b(self, *args, **kw):
        return sh("ip", "netns", "exec", self.b, *args, **kw)

    def ping(self, dst, count, interval="0.02", wait="1"):
        """Returns (loss_pct, avg_rtt_ms or None, dup_count)."""
        out = self.in_a("ping", "-n", "-c", str(count), "-i", interval, "-W", wait, dst,
                        check=False, timeout=count * 2 + 30).stdout
        loss = float(re.search(r"([\d.]+)% packet loss", out).group(1))
        m = re.search(r"= [\d.]+/([\d.]+)/", out)
        return loss, float(m.group(1)) if m else None, out.count("DUP!")


# A TCP sink in nsB: accepts one connection on (addr, port) and prints the bits per second it received
# (from its first byte to the sender's close).
SINK = ("import socket,sys,time\nfam=socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET\n"
        "s=socket.socket(fam);s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
        "s.bind((sys.argv[1],int(sys.argv[2])));s.listen(1);c,_=s.accept();n=0;t0=None\n"
        "c.settimeout(20)\nwhile True:\n b=c.recv(65536)\n if not b: break\n"
        " if t0 is None: t0=time.time()\n n+=len(b)\nprint(n*8/(time.time()-t0))")


class TcpSinks:
    """SINK in nsB on each (addr, port); bps(i) after send_for() to it. A context manager: the sinks are
    killed on the way out, whatever happened."""

    def __init__(self, np, *binds):
        self.procs = [subprocess.Popen(["ip", "netns", "exec", np.b, "/usr/bin/python3", "-c", SINK, addr,
                                        str(port)], stdout=subprocess.PIPE, text=True) for addr, port in binds]
        time.sleep(0.3)

    def bps(self, i):
        return float(self.procs[i].communicate(timeout=30)[0])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()


def rate_limit_spec(np, dst):
    """1 Mbit/s towards dst on np's veth, for 10 s."""
    return {"fault": "linux-network-rate-limit", "duration": "10s",
            "tunables": {"NETWORK_BANDWIDTH": "1mbit", "BURST": "8kb", "LIMIT": "64kb",
                         "NETWORK_INTERFACES": np.va, "DESTINATION_IPS": dst}}


def send_for(np, host, port, seconds):
    """Sends as fast as TCP lets it from nsA to host:port for seconds, then closes."""
    np.in_a("/usr/bin/python3", "-c",
            "import socket,time\nc=socket.create_connection((%r,%d),3)\nend=time.time()+%g\n"
            "while time.time()<end: c.send(b'x'*16384)\nc.close()" % (host, port, seconds),
            timeout=seconds + 30)


def iptables_state(np, save="iptables-save"):
    """iptables-save (or ip6tables-save) without comments and counters. A table left with only empty
    built-in chains at ACCEPT is the same as no table (iptables-nft creates the table on first use and never
    removes it)."""
    out = np.in_a(save).stdout
    tables, cur = {}, None
    for line in out.splitlines():
        if line.startswith("#") or line == "COMMIT" or not line:
            continue
        if line.startswith("*"):
            cur = tables.setdefault(line, [])
            continue
        cur.append(re.sub(r" \[\d+:\d+\]$", "", line))
    result = []
    for name, lines in sorted(tables.items()):
        meaningful = [l for l in lines if not re.match(r"^:[A-Z]+ ACCEPT$", l)]
        if meaningful:
            result.append((name, sorted(lines)))
    return result


def snapshot(np, extra_dirs=()):
    # only cgroups of agents this test process started: others may run the same tests concurrently
    ours = [["rift", "agent", str(pid)] for pid in _started_agents]
    cgroups = []
    for root in ("/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified"):
        for dirpath, dirs, _ in os.walk(root):
            if dirpath.count("/") - root.count("/") >= 3:   # the agent's own cgroup is not deep
                dirs[:] = []
            cgroups += [os.path.join(dirpath, d) for d in dirs if d.split("-")[:3] in ours]
    return {
        # qdisc configuration, without packet counters that move with background traffic
        "qdisc": re.sub(r"direct_packets_stat \d+", "direct_packets_stat N", np.in_a("tc", "qdisc", "show").stdout),
        "iptables": iptables_state(np),
        "pids_in_host_ns": sorted(sh("ip", "netns", "pids", np.a, check=False).stdout.split()),
        "cgroups": sorted(cgroups),
        "files": {d: sorted(os.listdir(d)) for d in extra_dirs},
    }


class Agent:
    """rift-agent inject running in np's host namespace."""

    def __init__(self, np, spec, journal, env=None, args=(), netns=True):
        self.spec_path = os.path.join(journal, "spec.json")
        os.makedirs(journal, exist_ok=True)
        with open(self.spec_path, "w") as f:
            json.dump(spec, f)
        e = dict(os.environ)
        e.update(env or {})
        # faults that do not touch the network run outside the namespace: `ip netns exec` remounts /sys,
        # which hides the cgroup hierarchies mounted under /sys/fs/cgroup
        prefix = ["ip", "netns", "exec", np.a] if netns else []
        self.prefix, self.journal = prefix, journal
        self.proc = subprocess.Popen(
            prefix + [agent_bin(), "inject", "--spec", self.spec_path, "--journal", journal, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
        _started_agents.append(self.proc.pid)  # `ip netns exec` execs the agent: same pid

    def event(self, timeout=15):
        """Next JSON event line from stdout, or None at EOF/timeout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.proc.stdout], [], [], max(0, end - time.monotonic()))
            if not r:
                break
            line = self.proc.stdout.readline()
            if not line:
                return None
            if line.startswith("{"):
                return json.loads(line)
        return None

    def wait(self, timeout=60):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.kill()  # only acts if it is still running (the wait timed out)

    def stderr(self):
        return self.proc.stderr.read() if self.proc.poll() is not None else ""

    def kill(self):
        """Cleanup for a test that ends early: stop the agent the polite way (it reverts), and if it
        does not go, kill it and replay its journal so nothing is left on the machine."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            subprocess.run(self.prefix + [agent_bin(), "--recover", "--journal", self.journal],
                           capture_output=True, timeout=60)


def recover(np, journal, netns=True):
    cmd = [agent_bin(), "--recover", "--journal", journal]
    return np.in_a(*cmd, check=False, timeout=60) if netns else sh(*cmd, check=False, timeout=60)


def cgroup_of(pid, controller):
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if controller in ctrls.split(","):
                return "/sys/fs/cgroup/%s%s" % (controller, path)
    return None
