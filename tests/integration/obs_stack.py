"""Helpers for the observability tests: a ResultService client (hand-written protobuf, pbwire.py), a
result submitter that sends fault start/end times, exposition-text parsing and a Prometheus started
on 127.0.0.1 with a temporary configuration and data folder."""
import json
import pathlib
import re
import subprocess
import time

import requests

from conftest import free_port, wait_http
from pbwire import Msg, decode as dec, encode as enc

RESULTS = "/twirp/rift.results.v1.ResultService/Sync"
ROOT = pathlib.Path(__file__).resolve().parents[2]
OBS_DOCS = ROOT / "docs" / "observability"


def sync(rpc_url, token, since=0, until=0, after="", limit=0):
    """One ResultService.Sync page: (status, decoded dict or Twirp error JSON)."""
    body = enc([(1, since), (2, until), (3, after), (4, limit)])
    headers = {"Content-Type": "application/protobuf"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    r = requests.post(rpc_url + RESULTS, data=body, headers=headers, timeout=10)
    if r.status_code != 200:
        return r.status_code, r.json()
    m = dec(r.content)
    exps = []
    for raw in m.get(1, []):
        e = dec(raw)
        faults = []
        for fr in e.get(7, []):
            f = dec(fr)
            faults.append({"step": _s(f, 1), "fault": _s(f, 2), "passed": f.get(3, [0])[0],
                           "failed": f.get(4, [0])[0], "verdict": _s(f, 5), "psp": f.get(6, [0.0])[0],
                           "start_ms": f.get(7, [0])[0], "injected_ms": f.get(8, [0])[0],
                           "end_ms": f.get(9, [0])[0]})
        exps.append({"id": _s(e, 1), "name": _s(e, 2), "infra_name": _s(e, 5), "removed": bool(e.get(6, [0])[0]),
                     "faults": faults, "phase": _s(e, 9)})
    return 200, {"experiments": exps, "until": m.get(2, [0])[0], "next": _s(m, 3)}


def _s(m, n):
    return m[n][0].decode() if n in m else ""


def submit(infra, task_id, phase, faults):
    """SubmitResult with started_at_ms/ended_at_ms. faults: dicts {step, fault, verdict, probes,
    start_ms, end_ms}."""
    body = [(1, infra.auth()), (2, task_id), (3, phase)]
    for f in faults:
        probes = [(5, Msg((1, n), (2, v), (3, float(p)))) for n, v, p in f.get("probes", [])]
        body.append((4, Msg((1, f["step"]), (2, f["fault"]), (3, f["verdict"]), (4, ""), *probes,
                            (6, f.get("start_ms", 0)), (7, f.get("end_ms", 0)))))
    body.append((5, ""))
    return infra.call("SubmitResult", enc(body))


def heartbeat(infra, counters):
    """Heartbeat with HeartbeatRequest.fault_counters: {fault: (injected, inject_failed, reverted,
    revert_failed)}."""
    body = [(1, infra.auth()), (2, "0.1.0"), (3, 1000)]
    body += [(4, Msg((1, f), (2, c[0]), (3, c[1]), (4, c[2]), (5, c[3]))) for f, c in counters.items()]
    infra.call("Heartbeat", enc(body))


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(text):
    """[(name, {label: value}, float)] of an exposition text."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"unparsable sample line: {line!r}"
        out.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return out


def pick(text, name, **labels):
    """Samples of one metric whose labels include the given ones."""
    return [(lb, v) for n, lb, v in samples(text) if n == name and all(lb.get(k) == x for k, x in labels.items())]


def wait_for(fn, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}: last {last!r}")


class Prometheus:
    """Debian's prometheus on a free 127.0.0.1 port scraping `targets` ({job: "host:port"}) every
    second, with docs/observability/prometheus-rules.yml loaded."""

    def __init__(self, tmp_path, targets, rules=OBS_DOCS / "prometheus-rules.yml"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = tmp_path / "prometheus.yml"
        jobs = "".join(f"  - job_name: {job}\n    static_configs:\n      - targets: ['{addr}']\n"
                       for job, addr in targets.items())
        cfg.write_text("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                       f"rule_files:\n  - {rules}\nscrape_configs:\n{jobs}")
        self.log = open(tmp_path / "prometheus.log", "wb")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-lifecycle"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_http(self.url + "/-/ready", 20, self.proc)
        # it answers 503 while the TSDB opens: queries before 200 get plain text
        wait_for(lambda: requests.get(self.url + "/-/ready", timeout=5).status_code == 200, timeout=30,
                 what="Prometheus ready")

    def query(self, expr):
        r = requests.get(self.url + "/api/v1/query", params={"query": expr}, timeout=10)
        body = r.json()
        assert r.status_code == 200 and body["status"] == "success", f"{expr}: {json.dumps(body)}"
        return body["data"]["result"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
