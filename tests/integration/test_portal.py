"""The web portal (web/, built by `make` into $BUILD/web) in Debian's Chromium driven by playwright-core,
against the real rift-auth and rift-backend (which serves the portal, PORTAL_DIR) and, for the main
flow, a real rift-agent in a network namespace (as test_agent_e2e.py). The browser scripts are in
web/e2e/; each page's screenshot is written to $BUILD/screenshots/."""
import http.client
import http.server
import json
import os
import re
import select
import shutil
import socket
import subprocess
import threading
import time

import pytest
import requests

import agent_env
from agent_env import NetPair, agent_bin
from conftest import BUILD, ROOT, free_port
from test_agent_e2e import Forwarder, setns

WEB = BUILD / "web"
SHOTS = BUILD / "screenshots"
INITIAL, NEW = "Litmus@123", "Portal@2024x"


def need_browser():
    assert (WEB / "index.html").exists(), f"the portal is not built: make BUILD={BUILD} web"
    assert shutil.which("node") and os.path.exists("/usr/bin/chromium"), "node or chromium missing: scripts/deps.sh"
    assert (ROOT / "web" / "node_modules" / "playwright-core").exists(), "scripts/npm-install.sh web"


def portal_copy(tmp_path, auth_url):
    """$BUILD/web with a config.js naming rift-auth, as scripts/run.d/20-backend.sh makes it."""
    d = tmp_path / "portal"
    shutil.copytree(WEB, d)
    (d / "config.js").write_text('window.RIFT_CONFIG = { authURL: "%s", apiURL: "" };\n' % auth_url)
    return d


class Relay:
    """A TCP relay on 127.0.0.1 to the backend whose open connections the test can cut (cut()), as a
    network drop would: the browser's live run stream breaks and must resume."""

    def __init__(self, port, target):
        self.target, self.conns, self.closed, self.cuts = target, set(), False, 0
        self.sock = socket.create_server(("127.0.0.1", port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(c,), daemon=True).start()

    def _relay(self, c):
        u = None
        try:
            u = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            u.settimeout(None)
            self.conns.update((c, u))
            while not self.closed:
                for a in select.select([c, u], [], [], 1.0)[0]:
                    data = a.recv(65536)
                    if not data:
                        return
                    (u if a is c else c).sendall(data)
        except (OSError, ValueError):
            pass
        finally:
            for x in (c, u):
                if x is not None:
                    self.conns.discard(x)
                    x.close()

    def cut(self):
        self.cuts += 1
        for x in list(self.conns):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.sock.close()
        self.cut()


@pytest.fixture
def stack(tmp_path, rift_auth, rift_backend):
    need_browser()
    http_port, proxy_port, relay_port = free_port(), free_port(), free_port()
    origins = "http://127.0.0.1:%d,http://127.0.0.1:%d,http://127.0.0.1:%d" % (http_port, proxy_port, relay_port)
    auth = rift_auth(ALLOWED_ORIGINS=origins)
    backend = rift_backend(auth, HTTP_PORT=http_port, PORTAL_DIR=portal_copy(tmp_path, auth.url),
                           INFRA_POLL_TIMEOUT="2s")
    return {"auth": auth, "backend": backend, "proxy_port": proxy_port, "relay_port": relay_port, "tmp": tmp_path}


def run_node(script, settings, on_line=None, timeout=240):
    """Runs web/e2e/SCRIPT with RIFT_E2E=settings; calls on_line for each stdout line; returns (rc, out)."""
    env = dict(os.environ, RIFT_E2E=json.dumps(settings))
    p = subprocess.Popen(["node", str(ROOT / "web" / "e2e" / script)], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, cwd=str(ROOT / "web"))
    lines = []
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    try:
        for line in p.stdout:
            lines.append(line)
            if on_line:
                on_line(line.rstrip("\n"))
        p.wait()
    finally:
        timer.cancel()
        if p.poll() is None:
            p.kill()
            p.wait()
    return p.returncode, "".join(lines)


def test_backend_serves_the_portal_same_origin_only(stack):
    base = stack["backend"].url
    index = requests.get(base + "/", timeout=5)
    assert index.status_code == 200 and "text/html" in index.headers["Content-Type"]
    asset = re.search(r'src="\./(assets/[^"]+\.js)"', index.text).group(1)
    # relative asset URLs: the same files work under any prefix
    assert 'src="/' not in index.text and 'href="/' not in index.text
    # a module script sends Origin = the page's own origin: served; another origin: refused
    own = requests.get(base + "/" + asset, headers={"Origin": base}, timeout=5)
    assert own.status_code == 200 and "javascript" in own.headers["Content-Type"]
    assert requests.get(base + "/" + asset, headers={"Origin": "http://evil.example"}, timeout=5).status_code == 403
    # routes of the portal without an extension get index.html; config.js is the runtime one
    assert requests.get(base + "/experiments", timeout=5).text == index.text
    assert stack["auth"].url in requests.get(base + "/config.js", timeout=5).text


class PrefixProxy(http.server.ThreadingHTTPServer):
    """A reverse proxy serving the backend under /rift/ (the prefix is stripped, Host passed on)."""


def start_proxy(port, target):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def relay(self):
            if self.path in ("/rift", ""):
                self.send_response(301)
                self.send_header("Location", "/rift/")
                self.end_headers()
                return
            if not self.path.startswith("/rift/"):
                self.send_error(404)
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            c = http.client.HTTPConnection("127.0.0.1", target, timeout=30)
            c.request(self.command, self.path[len("/rift"):], body or None,
                      {k: v for k, v in self.headers.items() if k.lower() != "connection"})
            r = c.getresponse()
            data = r.read()
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            c.close()

        do_GET = do_POST = do_OPTIONS = do_HEAD = relay

    srv = PrefixProxy(("127.0.0.1", port), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_portal_works_under_a_sub_path(stack):
    port = stack["proxy_port"]
    proxy = start_proxy(port, int(stack["backend"].env["HTTP_PORT"]))
    try:
        base = "http://127.0.0.1:%d/rift/" % port
        rc, out = run_node("subpath.mjs", {"base": base, "shots": str(SHOTS), "initialPassword": INITIAL,
                                           "newPassword": NEW}, timeout=120)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert rc == 0 and "DONE" in out, out
    urls = json.loads(re.search(r"^URLS (.*)$", out, re.M).group(1))
    local = [u for u in urls if u.startswith("http://127.0.0.1:%d/" % port)]
    assert any(u.endswith("/rift/query") for u in local), urls
    assert any("/rift/assets/" in u for u in local), urls
    assert all(u.startswith(base) for u in local), [u for u in local if not u.startswith(base)]


@pytest.fixture
def np():
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, faults)")
    pair = NetPair().up()
    yield pair
    pair.down()


@pytest.fixture
def target(np):
    """HTTP server on nsB (the target of the latency fault and of the probe)."""
    port = 18081
    p = subprocess.Popen(["ip", "netns", "exec", np.b, "python3", "-m", "http.server", "--bind", np.ip_b, str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://%s:%d/" % (np.ip_b, port)
    end = time.monotonic() + 10
    while time.monotonic() < end and np.in_a("curl", "-s", "-o", "/dev/null", url, check=False).returncode != 0:
        time.sleep(0.1)
    yield url
    p.kill()
    p.wait()


def stop_agent(agent, journal, np):
    """Stops the test's agent (agent["p"], if it was started) and replays its journal in its namespace, so
    whatever a failed test left injected is reverted."""
    p = agent.get("p")
    if p and p.poll() is None:
        p.terminate()
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if agent:
        subprocess.run([agent_bin(), "--recover", "--journal", journal], capture_output=True, timeout=60,
                       preexec_fn=lambda: setns("/run/netns/" + np.a))


def test_portal_flow_with_a_real_agent(stack, np, target, tmp_path):
    """Log in, change the password, create a project, register the infrastructure (the agent is
    started with the install command the page shows), build an experiment with a latency fault and an
    HTTP probe, run it, watch the logs arrive live, see verdicts and score; a Viewer gets no run or
    delete buttons and the API refuses them; log out."""
    backend = stack["backend"]
    fwd = Forwarder(np.a, int(backend.rpc_url.rsplit(":", 1)[1]))
    # the browser reaches the backend through a relay that cuts every connection once, mid-run
    relay = Relay(stack["relay_port"], int(backend.env["HTTP_PORT"]))
    state = str(tmp_path / "agent-state")
    agent = {}

    def on_line(line):
        if line == "CUT":
            relay.cut()
            return
        m = re.match(r"^INSTALL printf '%s' '([^']+)' \| .*--infra-id '([^']+)'", line)
        if not m:
            return
        env = dict(os.environ, RIFT_AGENT_CONTROL_PLANE="http://127.0.0.1:%d" % fwd.port,
                   RIFT_AGENT_INFRA_ID=m.group(2), RIFT_AGENT_ACCESS_KEY=m.group(1), RIFT_AGENT_JOURNAL=state,
                   RIFT_AGENT_POLL_WAIT="2s", RIFT_AGENT_HEARTBEAT_INTERVAL="2s")
        log = open(tmp_path / "agent.log", "ab")
        agent["p"] = subprocess.Popen([agent_bin(), "run"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                      preexec_fn=lambda: setns("/run/netns/" + np.a))
        agent_env._started_agents.append(agent["p"].pid)

    try:
        settings = {"base": "http://127.0.0.1:%d/" % stack["relay_port"], "shots": str(SHOTS), "initialPassword": INITIAL, "newPassword": NEW,
                    "viewerPassword": "Viewer@2024x", "iface": np.va, "targetIP": np.ip_b, "probeURL": target,
                    "duration": "10s"}
        rc, out = run_node("portal_flow.mjs", settings, on_line)
        agent_log = (tmp_path / "agent.log").read_text(errors="replace") if agent else "(agent not started)"
        assert rc == 0 and "DONE" in out, out + "\n--- agent ---\n" + agent_log[-3000:]
        assert "p" in agent
        assert relay.cuts == 1
        forced = json.loads(re.search(r"^FORCED (.*)$", out, re.M).group(1))
        assert len(forced) == 2 and all("permission" in m.lower() for m in forced), forced
        for name in ("01-login-error", "02-change-password", "05-infrastructure-active", "08-builder",
                     "09-builder-yaml", "10-run-live", "11-run-done", "12-overview", "17-viewer-experiments"):
            assert (SHOTS / (name + ".png")).stat().st_size > 5000, name
    finally:
        stop_agent(agent, state, np)
        fwd.close()
        relay.close()
