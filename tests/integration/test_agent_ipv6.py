"""rift-agent network faults on IPv6 targets, measured inside network namespaces the tests create (veth
pair with IPv6 enabled by each namespace's own sysctl, addresses added with nodad): a partition of an
IPv6 peer really drops it while IPv4 keeps working, latency on an IPv6 target is measured with ping -6,
host names with AAAA records are resolved (a hosts file under /etc/netns/<ns>/, which `ip netns exec`
mounts for the agent), and after revert (or a crash and --recover) both iptables and ip6tables are
exactly as before."""
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from agent_env import (Agent, NetPair, TcpSinks, agent_bin, iptables_state, rate_limit_spec, recover, send_for,
                       sh, snapshot)
from test_agent_dns import CLIENT as DNS_CLIENT, SERVER as DNS_SERVER

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces, ip6tables)"),
    pytest.mark.skipif(not os.path.exists(agent_bin()), reason="rift-agent not built"),
    pytest.mark.skipif(shutil.which("ip6tables-restore") is None, reason="no ip6tables-restore"),
]

CRASH_EXIT = 77


class NetPair6(NetPair):
    """NetPair plus IPv6: nsA has fd00:N::1, nsB fd00:N::2 (the target) and fd00:N::3 (another peer)."""

    def up(self):
        super().up()
        pre = "fd00:%x::" % self.n
        self.ip6_a, self.ip6_b, self.ip6_b2 = pre + "1", pre + "2", pre + "3"
        for ns, dev, ips in ((self.a, self.va, [self.ip6_a]), (self.b, self.vb, [self.ip6_b, self.ip6_b2])):
            for key in ("all", "default", "lo", dev):
                sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=0" % key)
            for ip in ips:
                sh("ip", "-n", ns, "addr", "add", ip + "/64", "dev", dev, "nodad")
        return self

    def ping6(self, dst, count, interval="0.02", wait="1"):
        out = self.in_a("ping", "-6", "-n", "-c", str(count), "-i", interval, "-W", wait, dst,
                        check=False, timeout=count * 2 + 30).stdout
        loss = float(re.search(r"([\d.]+)% packet loss", out).group(1))
        m = re.search(r"= [\d.]+/([\d.]+)/", out)
        return loss, float(m.group(1)) if m else None, out.count("DUP!")

    def connect(self, host, port):
        """0 if a TCP connection from nsA to host:port opens within 2 s."""
        code = "import socket;socket.create_connection((%r,%d),2)" % (host, port)
        return self.in_a("/usr/bin/python3", "-c", code, check=False).returncode


def ip6tables_state(np):
    return iptables_state(np, "ip6tables-save")


def state(np):
    s = snapshot(np)
    s["ip6tables"] = ip6tables_state(np)
    return s


@pytest.fixture
def np(request):
    pair = NetPair6()
    request.addfinalizer(pair.down)
    return pair.up()


@pytest.fixture
def tmp(request):
    d = tempfile.mkdtemp(prefix="rift-agent-ipv6-")
    request.addfinalizer(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


@pytest.fixture
def servers(np, request):
    """TCP listeners in nsB on port 8080, IPv6 (all addresses) and IPv4."""
    code = ("import socket,threading,time\n"
            "def serve(fam, addr):\n"
            " s=socket.socket(fam);s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
            " if fam==socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,1)\n"
            " s.bind((addr,8080));s.listen(16)\n"
            " while True:\n  c,_=s.accept();c.close()\n"
            "for f,a in ((socket.AF_INET6,'::'),(socket.AF_INET,'0.0.0.0')):\n"
            " threading.Thread(target=serve,args=(f,a),daemon=True).start()\n"
            "time.sleep(120)\n")
    p = subprocess.Popen(["ip", "netns", "exec", np.b, "/usr/bin/python3", "-c", code])
    request.addfinalizer(lambda: (p.kill(), p.wait()))
    for _ in range(50):
        if np.connect(np.ip6_b, 8080) == 0:
            break
        time.sleep(0.1)
    return p


def run_fault(np, tmp, spec, during, env=None):
    agent = Agent(np, spec, os.path.join(tmp, "journal"), env=env)
    try:
        ev = agent.event()
        assert ev and ev["event"] == "injected", (ev, agent.proc.poll(), agent.stderr())
        result = during(ev)
        rc = agent.wait(timeout=60)
        return result, rc, agent.stderr()
    finally:
        agent.kill()


def test_partition_of_ipv6_peer_drops_it_and_ipv4_keeps_working(np, tmp, servers):
    before = state(np)
    assert np.ping6(np.ip6_b, 3)[0] == 0 and np.connect(np.ip6_b, 8080) == 0
    spec = {"fault": "linux-network-partition", "duration": "5s", "tunables": {"DESTINATION_IPS": np.ip6_b}}

    def during(ev):
        return (np.ping6(np.ip6_b, 10, wait="0.3")[0], np.connect(np.ip6_b, 8080),
                np.ping(np.ip_b, 10)[0], np.connect(np.ip_b, 8080), np.ping6(np.ip6_b2, 10)[0],
                iptables_state(np), ip6tables_state(np))

    (loss6, tcp6, loss4, tcp4, loss6_other, v4_rules, v6_rules), rc, err = run_fault(np, tmp, spec, during)
    assert rc == 0, err
    assert loss6 == 100 and tcp6 != 0        # the IPv6 peer is cut off
    assert loss4 == 0 and tcp4 == 0          # the same peer over IPv4 is not
    assert loss6_other == 0                  # nor its other IPv6 address
    assert v4_rules == before["iptables"]    # an IPv6-only fault does not touch iptables
    assert any("RIFT-" in l for _, lines in v6_rules for l in lines)
    assert np.ping6(np.ip6_b, 3)[0] == 0 and np.connect(np.ip6_b, 8080) == 0
    assert state(np) == before


def test_latency_on_ipv6_target_measured_with_ping6(np, tmp):
    before = state(np)
    _, base, _ = np.ping6(np.ip6_b, 10)
    spec = {"fault": "linux-network-latency", "duration": "6s",
            "tunables": {"NETWORK_LATENCY": "100", "DESTINATION_IPS": "[%s]" % np.ip6_b,
                         "NETWORK_INTERFACES": np.va}}

    def during(ev):
        assert ev["shaper"] == "nfqueue"     # auto falls back to NFQUEUE for IPv6
        return (np.ping6(np.ip6_b, 20, interval="0.05"), np.ping6(np.ip6_b2, 20, interval="0.05"),
                np.ping(np.ip_b, 20, interval="0.05"), iptables_state(np))

    ((loss, rtt, _), (loss2, rtt2, _), (loss4, rtt4, _), v4_rules), rc, err = run_fault(np, tmp, spec, during)
    print("measured: IPv6 latency base=%.3f ms target=%.3f ms other v6=%.3f ms same peer v4=%.3f ms"
          % (base, rtt, rtt2, rtt4))
    assert rc == 0, err
    assert loss == 0 and loss2 == 0 and loss4 == 0
    assert abs(rtt - base - 100) <= 5, rtt   # +100 ms within +-5 ms
    assert rtt2 < 5 and rtt4 < 5
    assert v4_rules == before["iptables"]
    assert state(np) == before


def test_ipv6_loss_and_duplication_through_the_shaper(np, tmp):
    before = state(np)
    spec = {"fault": "linux-network-loss", "duration": "10s",
            "tunables": {"NETWORK_PACKET_LOSS_PERCENTAGE": "30", "DESTINATION_IPS": np.ip6_b}}
    (loss, _, _), rc, err = run_fault(np, tmp, spec, lambda ev: np.ping6(np.ip6_b, 400, interval="0.01", wait="0.5"))
    print("measured: IPv6 loss %.1f%% (asked 30%%)" % loss)
    assert rc == 0, err
    assert 22 <= loss <= 38, loss
    assert state(np) == before
    spec = {"fault": "linux-network-duplication", "duration": "5s",
            "tunables": {"NETWORK_PACKET_DUPLICATION_PERCENTAGE": "100", "DESTINATION_IPS": np.ip6_b}}
    (loss, _, dups), rc, err = run_fault(np, tmp, spec, lambda ev: np.ping6(np.ip6_b, 40, interval="0.02"))
    assert rc == 0, err
    assert loss == 0 and dups >= 38, dups
    assert state(np) == before


def test_ipv6_corruption_breaks_checksums(np, tmp):
    before = state(np)
    spec = {"fault": "linux-network-corruption", "duration": "10s",
            "tunables": {"NETWORK_PACKET_CORRUPTION_PERCENTAGE": "50", "DESTINATION_IPS": np.ip6_b}}
    # a byte flipped after the fixed IPv6 header fails the peer's ICMPv6 checksum: no reply
    (loss, _, _), rc, err = run_fault(np, tmp, spec, lambda ev: np.ping6(np.ip6_b, 400, interval="0.01", wait="0.5"))
    print("measured: IPv6 corruption -> ping -6 loss %.1f%% (asked 50%%)" % loss)
    assert rc == 0, err
    assert 41 <= loss <= 59, loss
    assert state(np) == before


def test_no_destination_filter_affects_both_families_but_not_the_control_plane(np, tmp):
    before = state(np)
    spec = {"fault": "linux-network-partition", "duration": "4s", "tunables": {}}

    def during(ev):
        return np.ping(np.ip_b, 5, wait="0.3")[0], np.ping6(np.ip6_b, 5, wait="0.3")[0], np.ping6(np.ip6_b2, 5)[0]

    (loss4, loss6, loss_cp), rc, err = run_fault(np, tmp, spec, during,
                                                 env={"RIFT_AGENT_CONTROL_PLANE": np.ip6_b2})
    assert rc == 0, err
    assert loss4 == 100 and loss6 == 100
    assert loss_cp == 0                       # the control plane's IPv6 address stays reachable
    assert state(np) == before


def test_host_with_a_and_aaaa_records_is_cut_on_both(np, tmp, request):
    hosts_dir = "/etc/netns/" + np.a
    os.makedirs(hosts_dir)
    request.addfinalizer(lambda: shutil.rmtree(hosts_dir, ignore_errors=True))
    with open(hosts_dir + "/hosts", "w") as f:
        f.write("127.0.0.1 localhost\n%s dual.rift.test\n%s dual.rift.test\n" % (np.ip_b, np.ip6_b))
    before = state(np)
    spec = {"fault": "linux-network-partition", "duration": "4s", "tunables": {"DESTINATION_HOSTS": "dual.rift.test"}}

    def during(ev):
        return (np.ping(np.ip_b, 5, wait="0.3")[0], np.ping6(np.ip6_b, 5, wait="0.3")[0],
                np.ping(np.ip_b2, 5)[0], np.ping6(np.ip6_b2, 5)[0])

    (l4, l6, o4, o6), rc, err = run_fault(np, tmp, spec, during)
    assert rc == 0, err
    assert l4 == 100 and l6 == 100 and o4 == 0 and o6 == 0
    assert state(np) == before


def test_rate_limit_on_ipv6_target_leaves_ipv4_alone(np, tmp):
    """1 Mbit/s towards an IPv6 peer (tc u32 on the IPv6 destination, protocol ipv6), measured over TCP;
    the same peer over IPv4 is not limited."""
    before = state(np)
    with TcpSinks(np, ("::", 5201), ("0.0.0.0", 5202)) as sinks:
        def during(ev):
            filters = np.in_a("tc", "filter", "show", "dev", np.va).stdout
            send_for(np, np.ip6_b, 5201, 4)
            send_for(np, np.ip_b, 5202, 1)
            return filters, sinks.bps(0), sinks.bps(1)

        (filters, bps6, bps4), rc, err = run_fault(np, tmp, rate_limit_spec(np, np.ip6_b), during)
    print("measured: IPv6 rate limit %.0f bit/s (asked 1mbit); IPv4 to the same peer %.0f bit/s" % (bps6, bps4))
    assert rc == 0, err
    assert "protocol ipv6" in filters and "protocol ip " not in filters   # an IPv6-only fault: no IPv4 filter
    assert 0.8e6 <= bps6 <= 1.15e6, bps6
    assert bps4 > 10e6, bps4
    assert state(np) == before


def dns6(np, name):
    r = np.in_a("/usr/bin/python3", "-c", DNS_CLIENT, np.ip6_b, name, check=False, timeout=10)
    if r.returncode != 0:
        return None
    ok, rcode, an, addr, port = r.stdout.split()[:5]  # then the time taken
    return ok == "True", int(rcode), int(an), addr, int(port)


def test_dns_error_on_an_ipv6_resolver(np, tmp, request):
    srv = subprocess.Popen(["ip", "netns", "exec", np.b, "/usr/bin/python3", "-c", DNS_SERVER, np.ip6_b])
    request.addfinalizer(lambda: (srv.kill(), srv.wait()))
    for _ in range(50):
        if dns6(np, "warm.up"):
            break
        time.sleep(0.1)
    before = state(np)
    assert dns6(np, "blocked.example") == (True, 0, 1, np.ip6_b, 53)
    spec = {"fault": "linux-dns-error", "duration": "4s",
            "tunables": {"HOST_NAMES": "blocked.example", "DESTINATION_IPS": np.ip6_b}}
    (blocked, other, v4_rules), rc, err = run_fault(
        np, tmp, spec, lambda ev: (dns6(np, "blocked.example"), dns6(np, "fine.example"), iptables_state(np)))
    assert rc == 0, err
    assert blocked == (True, 3, 0, np.ip6_b, 53)   # NXDOMAIN, from the server asked, checksum accepted
    assert other == (True, 0, 1, np.ip6_b, 53)
    assert v4_rules == before["iptables"]
    assert dns6(np, "blocked.example") == (True, 0, 1, np.ip6_b, 53)
    assert state(np) == before


@pytest.mark.parametrize("dst,point", [
    ("v6", "after-record"), ("v6", "after-record:3"), ("v6", "after-change"), ("v6", "after-inject"),
    ("v6", "mid-revert"), ("v6", "mid-revert:3"),
    ("dual", "after-change"), ("dual", "after-record:5"), ("dual", "after-change:2"), ("dual", "mid-revert:5"),
])
def test_crash_during_ipv6_inject_or_revert_then_recover(np, tmp, dst, point):
    before = state(np)
    ips = np.ip6_b if dst == "v6" else "%s,%s" % (np.ip_b, np.ip6_b)
    spec = {"fault": "linux-network-partition", "duration": "1s", "tunables": {"DESTINATION_IPS": ips}}
    journal = os.path.join(tmp, "journal")
    agent = Agent(np, spec, journal, env={"RIFT_AGENT_CRASH_AT": point})
    rc = agent.wait(timeout=30)
    assert rc == CRASH_EXIT, (rc, agent.stderr())
    if point == "after-inject":
        assert state(np) != before            # the fault was left in place: only the journal undoes it
        with open(os.path.join(journal, "journal")) as f:
            assert '"ip6t_chain"' in f.read()
    r = recover(np, journal)
    assert r.returncode == 0, r.stderr
    assert state(np) == before
    assert recover(np, journal).returncode == 0
    assert state(np) == before
