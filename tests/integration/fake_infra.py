"""A fake chaos infrastructure for the test_backend_* suites: a small Twirp client of
rift.infra.v1.InfraService (proto/infra.proto) with a hand-written protobuf encoder/decoder, so the
run lifecycle can be driven without rift-agent."""
import time

import requests

from pbwire import Msg, decode as dec, encode as enc  # noqa: F401  (Msg is used by callers)

SERVICE = "/twirp/rift.infra.v1.InfraService/"


def s(m, n, default=""):
    return m[n][0].decode() if n in m else default


def i(m, n, default=0):
    return m[n][0] if n in m else default


class TwirpError(Exception):
    def __init__(self, status, body):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.code = body.get("code") if isinstance(body, dict) else None
        self.msg = body.get("msg") if isinstance(body, dict) else str(body)


def parse_task(raw):
    t = dec(raw)
    groups = []
    for g in t.get(5, []):
        steps = []
        for st in dec(g).get(1, []):
            m = dec(st)
            tun = {}
            for e in m.get(3, []):
                em = dec(e)
                tun[s(em, 1)] = s(em, 2)
            steps.append({"name": s(m, 1), "fault": s(m, 2), "tunables": tun, "duration_ms": i(m, 4),
                          "weight": i(m, 5), "probes": [p.decode() for p in m.get(6, [])]})
        groups.append(steps)
    probes = [{"name": s(dec(p), 1), "type": s(dec(p), 2)} for p in t.get(6, [])]
    return {"task_id": s(t, 1), "run_id": s(t, 2), "experiment_id": s(t, 3), "name": s(t, 4),
            "groups": groups, "probes": probes, "kind": s(t, 7)}


class FakeInfra:
    """One agent process: call register() once, then poll()/report()/push_logs()/submit()."""

    def __init__(self, rpc_url, infra_id, access_key=None, major=1, connection_id=None):
        self.url = rpc_url
        self.infra_id = infra_id
        self.access_key = access_key
        self.major = major
        self.connection_id = connection_id or f"{int(time.time() * 1000)}-test"

    def call(self, method, body, timeout=30):
        r = requests.post(self.url + SERVICE + method, data=body,
                          headers={"Content-Type": "application/protobuf"}, timeout=timeout)
        if r.status_code != 200:
            try:
                raise TwirpError(r.status_code, r.json())
            except ValueError:
                raise TwirpError(r.status_code, r.text)
        return dec(r.content)

    def auth(self):
        return Msg((1, self.major), (2, self.infra_id), (3, self.access_key or ""), (4, self.connection_id))

    def register(self, registration_key, hostname="host-1"):
        m = self.call("RegisterInfra", enc([(1, self.major), (2, self.infra_id), (3, registration_key),
                                            (4, hostname), (5, "0.1.0"), (6, "linux/amd64")]))
        self.access_key = s(m, 1)
        return {"access_key": self.access_key, "server_major": i(m, 2), "poll_timeout_ms": i(m, 4)}

    def heartbeat(self):
        m = self.call("Heartbeat", enc([(1, self.auth()), (2, "0.1.0"), (3, 1000)]))
        return {"server_time_ms": i(m, 1), "superseded": bool(i(m, 2))}

    def rotate(self):
        m = self.call("RotateKey", enc([(1, self.auth())]))
        old = self.access_key
        self.access_key = s(m, 1)
        return old

    def poll(self, wait_ms=2000, timeout=30):
        m = self.call("Poll", enc([(1, self.auth()), (2, wait_ms)]), timeout=timeout)
        return [parse_task(t) for t in m.get(1, [])], bool(i(m, 2))

    def report(self, task_id, phase="Running", message="", step=""):
        m = self.call("ReportStatus", enc([(1, self.auth()), (2, task_id), (3, phase), (4, message), (5, step)]))
        return {"stop_requested": bool(i(m, 1))}

    def push_logs(self, task_id, lines):
        """lines: list of (seq, step, text)."""
        body = [(1, self.auth()), (2, task_id)]
        body += [(3, Msg((1, seq), (2, int(time.time() * 1000)), (3, step), (4, text))) for seq, step, text in lines]
        return i(self.call("PushLogs", enc(body)), 1)

    def submit(self, task_id, phase, faults, message=""):
        """faults: list of dicts {step, fault, verdict, probes: [(name, verdict, percent)]}."""
        body = [(1, self.auth()), (2, task_id), (3, phase)]
        for f in faults:
            probes = [(5, Msg((1, n), (2, v), (3, float(p)))) for n, v, p in f.get("probes", [])]
            body.append((4, Msg((1, f["step"]), (2, f.get("fault", "")), (3, f["verdict"]), (4, ""), *probes)))
        body.append((5, message))
        m = self.call("SubmitResult", enc(body))
        return {"duplicate": bool(i(m, 1)), "score": m.get(2, [0.0])[0]}
