"""linux-dns-error inside network namespaces: a small DNS server in nsB answers every query with an A
record; from nsA (where the agent runs), queries for the listed host names get the error reply at once
while the fault runs, other names still get the server's answer, and after the revert everything is
answered by the server again with the namespace's rules and processes exactly as before. Root needed."""
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from agent_env import Agent, NetPair, snapshot

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

# Both scripts take the server's address (IPv4 or IPv6) first; test_agent_ipv6.py uses them too.
SERVER = r"""
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
while True:
    q, peer = s.recvfrom(512)
    end = 12
    while q[end]: end += q[end] + 1
    end += 5
    # id, QR+RD+RA, 1 question, 1 answer; the question; A 192.0.2.7 for it
    r = q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q[12:end]
    r += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x07"
    s.sendto(r, peer)
"""

CLIENT = r"""
import random, socket, struct, sys, time
name = sys.argv[2]
qid = random.randrange(65536)
q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
t0 = time.monotonic(); s.sendto(q, (sys.argv[1], 53))
r, peer = s.recvfrom(512)
rid, flags, qd, an = struct.unpack(">HHHH", r[:8])
print(rid == qid, flags & 0xf, an, peer[0], peer[1], "%.2f" % ((time.monotonic() - t0) * 1000))
"""


@pytest.fixture
def np(request):
    pair = NetPair()
    request.addfinalizer(pair.down)
    return pair.up()


@pytest.fixture
def tmp(request):
    d = tempfile.mkdtemp(prefix="rift-agent-dns-")
    request.addfinalizer(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


@pytest.fixture
def dns_server(np):
    p = subprocess.Popen(["ip", "netns", "exec", np.b, "python3", "-c", SERVER, np.ip_b])
    for _ in range(50):
        if query(np, "warm.up", check=False):
            break
        time.sleep(0.1)
    yield
    p.kill()
    p.wait()


def query(np, name, check=True):
    """(id matched, rcode, answers, from address, from port, ms) of one A query from nsA to nsB's server."""
    r = np.in_a("python3", "-c", CLIENT, np.ip_b, name, check=check, timeout=10)
    if r.returncode != 0:
        return None
    ok, rcode, an, addr, port, ms = r.stdout.split()
    return ok == "True", int(rcode), int(an), addr, int(port), float(ms)


def run(np, tmp, tunables, during):
    before = snapshot(np)
    agent = Agent(np, {"fault": "linux-dns-error", "duration": "20s", "tunables": tunables},
                  os.path.join(tmp, "journal"))
    try:
        ev = agent.event()
        assert ev and ev["event"] == "injected", (ev, agent.stderr())
        assert ev["interceptor_pid"] > 0
        during()
    finally:
        agent.kill()          # SIGTERM: the agent reverts and exits
    assert agent.proc.returncode == 0
    assert snapshot(np) == before


def test_listed_names_get_nxdomain_others_the_server_answer(np, tmp, dns_server):
    assert query(np, "blocked.example")[1:3] == (0, 1)

    def during():
        r = query(np, "blocked.example")
        print("measured: NXDOMAIN for a listed name in %.2f ms" % r[5])
        assert r[:5] == (True, 3, 0, np.ip_b, 53)      # from the server's address and port, same id
        assert query(np, "BLOCKED.Example")[1] == 3     # names compare without case
        assert query(np, "other.example")[1] == 3       # the second name, given with a final dot
        assert query(np, "ok.example")[1:3] == (0, 1)   # not listed: the server answers
        assert query(np, "sub.blocked.example")[1:3] == (0, 1)  # exact scheme

    run(np, tmp, {"HOST_NAMES": "blocked.example, Other.Example.", "DESTINATION_IPS": np.ip_b}, during)
    assert query(np, "blocked.example")[1:3] == (0, 1)  # reverted


def test_substring_scheme_and_servfail(np, tmp, dns_server):
    def during():
        assert query(np, "api.internal.corp")[1:3] == (2, 0)
        assert query(np, "internal.corp")[1:3] == (2, 0)
        assert query(np, "example.org")[1:3] == (0, 1)

    run(np, tmp, {"HOST_NAMES": "internal", "MATCH_SCHEME": "substring", "RESPONSE_CODE": "SERVFAIL"}, during)


@pytest.mark.parametrize("tunables, needle", [
    ({}, "HOST_NAMES"),
    ({"HOST_NAMES": "a b"}, "HOST_NAMES"),
    ({"HOST_NAMES": "x", "MATCH_SCHEME": "regex"}, "MATCH_SCHEME"),
    ({"HOST_NAMES": "x", "RESPONSE_CODE": "NOERROR"}, "RESPONSE_CODE"),
    ({"HOST_NAMES": "x", "DNS_PORT": "70000"}, "DNS_PORT"),
])
def test_bad_tunables_are_refused_naming_them(np, tmp, tunables, needle):
    spec = os.path.join(tmp, "spec.json")
    with open(spec, "w") as f:
        import json
        json.dump({"fault": "linux-dns-error", "tunables": tunables}, f)
    from agent_env import agent_bin
    r = subprocess.run([agent_bin(), "check", "--spec", spec], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and needle in r.stderr, r.stderr
