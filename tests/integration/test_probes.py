"""Probes end to end: httpProbe against a local HTTP(S) server, promProbe against a fake Prometheus query
API, cmdProbe with a hanging command, in every mode. The driver is tests/test_probe_run with
RIFT_PROBE_SPEC=<file>: it runs PreChaos, a chaos window of RIFT_PROBE_CHAOS_MS, PostChaos, scores with a
passing fault, and prints {"verdict","psp","phase","probes":[{"name","verdict","description","runs"}]}."""
import http.server
import json
import os
import pathlib
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse

import pytest

BUILD = pathlib.Path(os.environ.get("RIFT_BUILD") or pathlib.Path(__file__).resolve().parents[2] / "build")
DRIVER = BUILD / "tests" / "test_probe_run"

pytestmark = pytest.mark.skipif(not DRIVER.exists(), reason="tests/test_probe_run not built")

RP = {"probeTimeout": "2s", "interval": "100ms"}


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes: /ok 200, /fail 500, /slow sleeps 3s, /flaky 503 until `flaky_ok_after` requests, /toggle
    200 until the test flips it, /redirect 302 to /ok, POST /echo 201 if the body and content type match,
    /api/v1/query (fake Prometheus)."""

    def log_message(self, *args):
        pass

    def _send(self, code, body=b"", ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        with st["lock"]:
            st["hits"][url.path] = st["hits"].get(url.path, 0) + 1
            hits = st["hits"][url.path]
        if url.path == "/ok":
            return self._send(200, b"fine")
        if url.path == "/fail":
            return self._send(500)
        if url.path == "/slow":
            time.sleep(3)
            return self._send(200)
        if url.path == "/flaky":
            return self._send(200 if hits > st["flaky_ok_after"] else 503)
        if url.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if url.path == "/toggle":
            return self._send(200 if st["up"] else 502)
        if url.path == "/api/v1/query":
            return self._prom(urllib.parse.parse_qs(url.query).get("query", [""])[0])
        return self._send(404)

    def _prom(self, query):
        self.server.state["queries"].append(query)
        samples = self.server.state["prom"]
        if query not in samples:
            body = {"status": "error", "errorType": "bad_data", "error": "unknown"}
            return self._send(400, json.dumps(body).encode(), "application/json")
        value = samples[query]
        if value == "scalar":
            data = {"resultType": "scalar", "result": [1700000000.0, "5"]}
        else:
            result = [] if value is None else [{"metric": {"job": "a"}, "value": [1700000000.0, value]}]
            data = {"resultType": "vector", "result": result}
        self._send(200, json.dumps({"status": "success", "data": data}).encode(), "application/json")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        self.server.state["posts"].append((self.headers.get("Content-Type"), body))
        ok = self.path == "/echo" and body == b'{"ping":1}' and self.headers.get("Content-Type") == "application/json"
        self._send(201 if ok else 400)


class Server:
    def __init__(self, tls_ctx=None):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls_ctx:
            self.httpd.socket = tls_ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.state = {"lock": threading.Lock(), "hits": {}, "flaky_ok_after": 2, "up": True,
                            "posts": [], "queries": [], "prom": {}}
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        scheme = "https" if tls_ctx else "http"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def state(self):
        return self.httpd.state

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def srv():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="rift-probes-")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


def run(tmp, probes, chaos_ms=0, timeout=30):
    spec = tmp / "spec.json"
    spec.write_text(json.dumps({"probe": probes}))
    env = dict(os.environ, RIFT_PROBE_SPEC=str(spec), RIFT_PROBE_CHAOS_MS=str(chaos_ms))
    t0 = time.monotonic()
    p = subprocess.run([str(DRIVER)], env=env, capture_output=True, text=True, timeout=timeout)
    took = time.monotonic() - t0
    assert p.returncode == 0, p.stdout + p.stderr
    out = json.loads(p.stdout)
    out["took"] = took
    out["by_name"] = {x["name"]: x for x in out["probes"]}
    return out


def http_probe(name, url, mode="SOT", criteria="==", code="200", run_props=None, **inputs):
    method = inputs.pop("method", {"get": {"criteria": criteria, "responseCode": code}})
    return {"name": name, "type": "httpProbe", "mode": mode, "runProperties": run_props or RP,
            "httpProbe/inputs": {"url": url, "method": method, **inputs}}


def prom_probe(name, endpoint, query, criteria, value, mode="EOT"):
    return {"name": name, "type": "promProbe", "mode": mode, "runProperties": RP,
            "promProbe/inputs": {"endpoint": endpoint, "query": query,
                                 "comparator": {"criteria": criteria, "value": value}}}


def test_http_get_criteria(srv, tmp):
    out = run(tmp, [http_probe("ok", srv.url + "/ok"),
                    http_probe("not-500", srv.url + "/ok", criteria="!=", code="500"),
                    http_probe("one-of", srv.url + "/fail", criteria="oneOf", code="500,503"),
                    http_probe("wrong", srv.url + "/fail", mode="EOT")])
    v = {n: p["verdict"] for n, p in out["by_name"].items()}
    assert v == {"ok": "Passed", "not-500": "Passed", "one-of": "Passed", "wrong": "Failed"}
    assert "500" in out["by_name"]["wrong"]["description"]
    assert (out["verdict"], out["psp"], out["phase"]) == ("Fail", 75, "Completed_With_Probe_Failure")


def test_http_all_pass_scores_100(srv, tmp):
    out = run(tmp, [http_probe("a", srv.url + "/ok"), http_probe("b", srv.url + "/ok", mode="Edge")])
    assert (out["verdict"], out["psp"], out["phase"]) == ("Pass", 100, "Completed")
    assert out["by_name"]["b"]["runs"] == 2  # Edge runs before and after


def test_http_follows_redirects(srv, tmp):
    out = run(tmp, [http_probe("r", srv.url + "/redirect")])
    assert out["by_name"]["r"]["verdict"] == "Passed"  # the final status (200) is compared, as in Go
    assert srv.state["hits"]["/redirect"] == 1 and srv.state["hits"]["/ok"] == 1


def test_http_timeout_per_try(srv, tmp):
    rp = {"probeTimeout": "500ms", "interval": "100ms", "attempt": 2}
    out = run(tmp, [http_probe("slow", srv.url + "/slow", run_props=rp)])
    p = out["by_name"]["slow"]
    assert p["verdict"] == "Failed"
    assert "timed out" in p["description"]
    assert out["took"] < 2.5  # 2 tries x 0.5s + interval, not 2 x 3s
    assert srv.state["hits"]["/slow"] == 2


def test_http_retries(srv, tmp):
    srv.state["flaky_ok_after"] = 2
    rp = {"probeTimeout": "2s", "interval": "50ms", "attempt": 3}
    out = run(tmp, [http_probe("flaky", srv.url + "/flaky", run_props=rp)])
    assert out["by_name"]["flaky"]["verdict"] == "Passed"
    assert srv.state["hits"]["/flaky"] == 3

    srv.state["hits"].clear()
    rp = {"probeTimeout": "2s", "interval": "50ms", "retry": 2}
    out = run(tmp, [http_probe("flaky", srv.url + "/flaky", run_props=rp)])
    assert out["by_name"]["flaky"]["verdict"] == "Failed"
    assert srv.state["hits"]["/flaky"] == 2


def test_http_post_body_and_body_path(srv, tmp):
    body_file = tmp / "body.json"
    body_file.write_text('{"ping":1}')
    post = {"post": {"contentType": "application/json", "body": '{"ping":1}', "criteria": "==",
                     "responseCode": "201"}}
    post_path = {"post": {"contentType": "application/json", "bodyPath": str(body_file), "criteria": "==",
                          "responseCode": "201"}}
    out = run(tmp, [http_probe("body", srv.url + "/echo", method=post),
                    http_probe("path", srv.url + "/echo", method=post_path)])
    assert [p["verdict"] for p in out["probes"]] == ["Passed", "Passed"]
    assert srv.state["posts"] == [("application/json", b'{"ping":1}')] * 2


def test_http_unreachable_fails(tmp):
    out = run(tmp, [http_probe("down", "http://127.0.0.1:1/ok")])
    assert out["by_name"]["down"]["verdict"] == "Failed"
    assert "failed" in out["by_name"]["down"]["description"]


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl CLI not installed")
def test_https_insecure_skip_verify(tmp):
    key, crt = tmp / "key.pem", tmp / "crt.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(crt), "-days", "1", "-subj", "/CN=rift-probe-test"], check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(crt), str(key))
    s = Server(ctx)
    try:
        out = run(tmp, [http_probe("skip", s.url + "/ok", insecureSkipVerify=True),
                        http_probe("verify", s.url + "/ok", insecureSkipVerify=False)])
    finally:
        s.stop()
    assert out["by_name"]["skip"]["verdict"] == "Passed"
    assert out["by_name"]["verify"]["verdict"] == "Failed"  # self-signed certificate is not trusted


def test_prom_probe_comparators(srv, tmp):
    q = 'sum(rate(http_requests_total{job="api",code=~"5.."}[1m]))'
    srv.state["prom"] = {"up": "1", q: "7.5", "empty": None, "scalar": "scalar", "nan": "NaN"}
    out = run(tmp, [prom_probe("up", srv.url, "up", ">=", "1"),
                    prom_probe("between", srv.url + "/", q, "between", "5,10"),
                    prom_probe("lt", srv.url, q, "<", "5"),
                    prom_probe("empty", srv.url, "empty", "==", "0"),
                    prom_probe("scalar", srv.url, "scalar", "==", "5"),
                    prom_probe("nan", srv.url, "nan", ">=", "0"),
                    prom_probe("bad", srv.url, "nosuch", ">=", "0")])
    v = {n: p["verdict"] for n, p in out["by_name"].items()}
    assert v == {"up": "Passed", "between": "Passed", "lt": "Failed", "empty": "Failed", "scalar": "Passed",
                 "nan": "Failed", "bad": "Failed"}
    assert q in srv.state["queries"]  # the PromQL arrived intact through URL encoding
    assert out["psp"] == 42  # floor(3*100/7)


def test_continuous_polls_until_post_chaos(srv, tmp):
    rp = {"probeTimeout": "1s", "interval": "50ms", "probePollingInterval": "100ms"}
    out = run(tmp, [http_probe("c", srv.url + "/ok", mode="Continuous", run_props=rp)], chaos_ms=1000)
    p = out["by_name"]["c"]
    assert p["verdict"] == "Passed"
    assert 5 <= p["runs"] <= 15
    assert srv.state["hits"]["/ok"] == p["runs"]


def test_continuous_first_failure_ends_it(srv, tmp):
    rp = {"probeTimeout": "1s", "interval": "50ms", "probePollingInterval": "100ms"}
    threading.Timer(0.4, lambda: srv.state.update(up=False)).start()
    out = run(tmp, [http_probe("c", srv.url + "/toggle", mode="Continuous", run_props=rp)], chaos_ms=1200)
    p = out["by_name"]["c"]
    assert p["verdict"] == "Failed"
    assert "502" in p["description"]
    assert srv.state["hits"]["/toggle"] == p["runs"] <= 7  # stopped polling at the failure
    assert out["verdict"] == "Fail" and out["psp"] == 0


def test_onchaos_runs_only_in_window(srv, tmp):
    rp = {"probeTimeout": "1s", "interval": "50ms", "probePollingInterval": "100ms", "initialDelay": "200ms"}
    out = run(tmp, [http_probe("o", srv.url + "/ok", mode="OnChaos", run_props=rp),
                    http_probe("sot", srv.url + "/fail", mode="SOT", criteria="==", code="500")], chaos_ms=800)
    p = out["by_name"]["o"]
    assert p["verdict"] == "Passed"
    assert 3 <= p["runs"] <= 8  # (800 - 200) / 100 ms, give or take a poll


def test_stop_on_failure_sot_skips_chaos(srv, tmp):
    rp = dict(RP, stopOnFailure=True)
    out = run(tmp, [http_probe("gate", srv.url + "/fail", run_props=rp),
                    http_probe("eot", srv.url + "/ok", mode="EOT")], chaos_ms=2000)
    assert out["pre"] == 1
    assert out["took"] < 1.5  # no chaos window, no EOT
    assert out["by_name"]["eot"]["verdict"] == "N/A"
    assert (out["verdict"], out["psp"]) == ("Stopped", 0)


def test_cmd_probe_hang_is_killed(tmp):
    pidfile = tmp / "pid"
    probe = {"name": "hang", "type": "cmdProbe", "mode": "SOT",
             "runProperties": {"probeTimeout": "300ms", "interval": "100ms"},
             "cmdProbe/inputs": {"command": f"echo $$ > {pidfile}; exec sleep 30",
                                 "comparator": {"type": "int", "criteria": "==", "value": "0"}}}
    out = run(tmp, [probe])
    assert out["by_name"]["hang"]["verdict"] == "Failed"
    assert "timed out" in out["by_name"]["hang"]["description"]
    assert out["took"] < 3
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state in ("Z", "X"):
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"probe command {pid} still running after the probe timed out")


def test_cmd_probe_register_and_mixed_types(srv, tmp):
    cmd = {"name": "cmd", "type": "cmdProbe", "mode": "Edge", "runProperties": RP,
           "cmdProbe/inputs": {"command": "printf ' ready \\n'",
                               "comparator": {"type": "string", "criteria": "equal", "value": "ready"}}}
    srv.state["prom"] = {"up": "1"}
    out = run(tmp, [cmd, http_probe("h", srv.url + "/ok", mode="EOT"), prom_probe("p", srv.url, "up", "==", "1")])
    assert out["by_name"]["cmd"]["register"] == "ready"
    assert (out["verdict"], out["psp"]) == ("Pass", 100)
