"""rift-exporter with N results vs prometheus-node-exporter, scraped alternately in one run.

A stand-in ResultService (Python, protobuf by hand with tests/integration/pbwire.py) serves N
experiments of one fault step each on 127.0.0.1 and nothing new afterwards, so the exporter holds N
results (9 per-result series each, plus the aggregates) and only renders on every scrape. Figures:
median and p90 wall time of GET /metrics over ROUNDS alternating scrapes (a new connection each, the
same client for both) and of the time until the response headers arrive (the server's rendering),
body size, sample lines, and VmRSS/VmHWM of both processes after the run."""
import http.client
import http.server
import os
import pathlib
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from pbwire import Msg, decode, encode  # noqa: E402

BUILD = pathlib.Path(os.environ.get("BUILD", "build"))
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
ROUNDS = int(os.environ.get("ROUNDS", "60"))
NOW_MS = int(time.time() * 1000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def experiment(i):
    fault = Msg((1, "lat"), (2, "linux-network-latency"), (3, 3 + i % 5), (4, i % 3), (5, "Pass" if i % 4 else "Fail"),
                (6, float(i % 101)), (7, NOW_MS - 60000), (8, NOW_MS - 50000), (9, NOW_MS - 20000), (10, NOW_MS - 20000))
    return Msg((1, f"exp-{i:06d}"), (2, f"experiment-{i}"), (3, "project"), (4, f"infra-{i % 20}"),
               (5, f"box-{i % 20}"), (7, fault), (8, f"run-{i}"), (9, "Completed"))


ALL = [encode([(1, experiment(i))]) for i in range(N)]  # each an encoded repeated entry


class ResultService(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        req = decode(self.rfile.read(int(self.headers["Content-Length"] or 0)))
        since = req.get(1, [0])[0]
        after = req.get(3, [b""])[0].decode()
        limit = req.get(4, [500])[0] or 500
        start = 0 if not after else int(after.split("-")[1]) + 1
        page = ALL[start:start + limit] if since == 0 else []
        nxt = f"exp-{start + limit - 1:06d}" if since == 0 and start + limit < N else ""
        body = b"".join(page) + encode([(2, NOW_MS), (3, nxt)])
        self.send_response(200)
        self.send_header("Content-Type", "application/protobuf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def scrape(port):
    """(whole scrape s, time to the response headers s: the server's rendering, body)."""
    t0 = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/metrics")
    resp = c.getresponse()
    t1 = time.perf_counter()
    body = resp.read()
    c.close()
    return time.perf_counter() - t0, t1 - t0, body


def rss(pid):
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def main():
    rs_port, ex_port, ne_port = free_port(), free_port(), free_port()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", rs_port), ResultService)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = {"PATH": "/usr/bin:/bin", "HTTP_PORT": str(ex_port), "SERVER_ADDR": f"http://127.0.0.1:{rs_port}",
           "RESULTS_TOKEN": "bench", "SYNC_INTERVAL": "2s", "MAX_SERIES": str(max(200000, 2 * N)),
           "LOG_LEVEL": "warn"}
    procs = []
    try:
        ex = subprocess.Popen([str(BUILD / "bin" / "rift-exporter")], env=env, stdin=subprocess.DEVNULL)
        procs.append(ex)
        ne = subprocess.Popen(["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{ne_port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        procs.append(ne)
        t0 = time.monotonic()
        while True:
            try:
                body = scrape(ex_port)[2].decode()
                if f"rift_exporter_experiments {N}\n" in body:
                    break
            except OSError:
                pass
            if time.monotonic() - t0 > 120:
                raise SystemExit("rift-exporter did not load the results within 120 s")
            time.sleep(0.2)
        load_s = time.monotonic() - t0
        for port in (ex_port, ne_port):  # warm-up, and the node exporter is up
            for _ in range(3):
                scrape(port)
        times = {"rift-exporter": [], "node-exporter": []}
        heads = {"rift-exporter": [], "node-exporter": []}
        sizes = {}
        for _ in range(ROUNDS):
            for name, port in (("rift-exporter", ex_port), ("node-exporter", ne_port)):
                dt, dh, body = scrape(port)
                times[name].append(dt * 1000)
                heads[name].append(dh * 1000)
                sizes[name] = (len(body), sum(1 for ln in body.split(b"\n") if ln and not ln.startswith(b"#")))
        mem = {"rift-exporter": rss(ex.pid), "node-exporter": rss(ne.pid)}
        print(f"results loaded in {load_s:.1f} s (initial sync of {N} experiments, pages of 500)")
        print(f"{'target':<15} {'median ms':>10} {'p90 ms':>8} {'headers ms':>10} {'bytes':>10} {'samples':>8} "
              f"{'RSS kB':>8} {'HWM kB':>8}")
        for name, t in times.items():
            t.sort()
            print(f"{name:<15} {statistics.median(t):>10.2f} {t[int(len(t) * 0.9) - 1]:>8.2f} "
                  f"{statistics.median(heads[name]):>10.2f} "
                  f"{sizes[name][0]:>10} {sizes[name][1]:>8} {mem[name][0]:>8} {mem[name][1]:>8}")
        ratio = statistics.median(times["rift-exporter"]) / statistics.median(times["node-exporter"])
        print(f"ratio rift-exporter / node-exporter median scrape: {ratio:.2f} (target: rift-exporter < 20 ms)")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        srv.shutdown()


if __name__ == "__main__":
    main()
