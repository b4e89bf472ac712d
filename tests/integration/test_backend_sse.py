"""rift-backend's live run stream (GET /sse/runs/{id}, Server-Sent Events) with the real rift-auth and a
fake infrastructure: the run's state and log lines arrive as the agent reports them, the stream ends
when the run is final, a reconnect with Last-Event-ID resumes without losing or repeating a line,
errors (401/403/404/400), limits (per run, in total), keep-alive pings, and a client that stops reading
is dropped while the others carry on."""
import socket
import threading
import time

import pytest
import requests

from backend_client import Team, gql, ok
from sse_client import SSE, run_stream
from test_backend_lifecycle import RUN, create_experiment, setup_infra

SHORT = {"groups": [{"steps": [{"name": "lat", "fault": "linux-network-latency", "duration": "5s",
                                "tunables": {"NETWORK_LATENCY": "100"}}]}]}


@pytest.fixture
def world(rift_auth, rift_backend):
    def make(**env):
        auth = rift_auth()
        backend = rift_backend(auth, **env)
        team = Team(auth.url)
        infra, reg = setup_infra(backend, team)
        exp = ok(create_experiment(backend, team, reg["infraID"], manifest=SHORT))["createChaosExperiment"]
        return backend, team, infra, exp
    return make


def start_run(backend, team, exp):
    return ok(gql(backend.url, team.owner.token, RUN, {"p": team.project, "e": exp["experimentID"]}))[
        "runChaosExperiment"]["experimentRunID"]


def logs(events):
    return [(e.id, e.data["seq"], e.data["line"]) for e in events if e.event == "log"]


def test_stream_follows_the_run_and_ends(world):
    backend, team, infra, exp = world()
    run_id = start_run(backend, team, exp)
    s = run_stream(backend, team.viewer.token, team.project, run_id)
    assert s.status == 200 and s.headers["content-type"] == "text/event-stream"
    first = s.next()
    assert first.event == "run" and first.data["phase"] == "Queued" and first.data["resiliencyScore"] is None
    assert [f["verdict"] for f in first.data["faults"]] == ["Awaited"]

    task = infra.poll(wait_ms=1000)[0][0]
    t0 = time.monotonic()
    infra.report(task["task_id"])
    ev = s.collect(lambda e: e.event == "run")
    assert ev[-1].data["phase"] == "Running" and time.monotonic() - t0 < 1.0  # pushed, not polled late
    infra.push_logs(task["task_id"], [(1, "lat", "injecting"), (2, "lat", "injected 100 ms")])
    infra.push_logs(task["task_id"], [(2, "lat", "injected 100 ms"), (3, "lat", "multi\nline")])  # retry overlap
    ev = s.collect(lambda e: e.event == "log" and e.id == 3)
    assert logs(ev) == [(1, 1, "injecting"), (2, 2, "injected 100 ms"), (3, 3, "multi\nline")]
    assert ev[0].data["step"] == "lat" and ev[0].data["time"] > 0
    infra.submit(task["task_id"], "Completed", [{"step": "lat", "verdict": "Pass"}])
    ev = s.collect(lambda e: e.event == "end")
    run_ev = [e for e in ev if e.event == "run"]
    assert run_ev[-1].data["phase"] == "Completed" and run_ev[-1].data["resiliencyScore"] == 100
    assert run_ev[-1].data["faults"][0]["verdict"] == "Pass"
    assert ev[-1].data == {"phase": "Completed"}
    assert s.closed_by_server() and s.next(0.5) is None  # nothing after end
    s.close()

    # a finished run: everything at once, then end
    again = run_stream(backend, team.viewer.token, team.project, run_id)
    ev = again.collect(lambda e: e.event == "end")
    assert [e.event for e in ev] == ["run", "log", "log", "log", "end"]
    assert again.closed_by_server()
    again.close()


def test_resume_after_reconnect_loses_and_repeats_nothing(world):
    backend, team, infra, exp = world()
    run_id = start_run(backend, team, exp)
    task = infra.poll(wait_ms=1000)[0][0]
    infra.report(task["task_id"])
    infra.push_logs(task["task_id"], [(i, "lat", f"line {i}") for i in range(1, 4)])
    s = run_stream(backend, team.viewer.token, team.project, run_id)
    got = logs(s.collect(lambda e: e.id == 3))
    s.close()  # the client goes away after line 3
    infra.push_logs(task["task_id"], [(i, "lat", f"line {i}") for i in range(4, 251)])  # pushed while away
    s = run_stream(backend, team.viewer.token, team.project, run_id, headers={"Last-Event-ID": "3"})
    got += logs(s.collect(lambda e: e.id == 250))
    infra.push_logs(task["task_id"], [(251, "lat", "line 251")])  # live again
    got += logs(s.collect(lambda e: e.id == 251))
    s.close()
    assert [g[0] for g in got] == list(range(1, 252)), "lines lost or repeated across the reconnect"
    assert all(line == f"line {i}" for i, _, line in got)
    # the query parameter works like the header (EventSource cannot set headers)
    s = SSE(backend.url, f"/sse/runs/{run_id}?projectID={team.project}&lastEventID=249", token=team.viewer.token)
    infra.submit(task["task_id"], "Completed", [{"step": "lat", "verdict": "Pass"}])
    assert [g[0] for g in logs(s.collect(lambda e: e.event == "end"))] == [250, 251]
    s.close()


def test_errors(world):
    backend, team, infra, exp = world()
    run_id = start_run(backend, team, exp)
    path = f"/sse/runs/{run_id}?projectID={team.project}"
    cases = [
        (SSE(backend.url, path), 401),
        (SSE(backend.url, path, token="not-a-jwt"), 401),
        (SSE(backend.url, path, token=team.stranger.token), 403),
        (SSE(backend.url, f"/sse/runs/{run_id}?projectID={team.stranger.project_id}", token=team.stranger.token), 404),
        (SSE(backend.url, f"/sse/runs/nope?projectID={team.project}", token=team.viewer.token), 404),
        (SSE(backend.url, f"/sse/runs/{run_id}", token=team.viewer.token), 400),
        (SSE(backend.url, path, token=team.viewer.token, headers={"Last-Event-ID": "-1"}), 400),
        (SSE(backend.url, path + "&lastEventID=12abc", token=team.viewer.token), 400),
    ]
    for s, want in cases:
        assert s.status == want, (want, s.status, s.body)
        assert s.body and "error" in s.body
        s.close()
    ok_stream = SSE(backend.url, path, token=team.viewer.token)
    assert ok_stream.status == 200
    ok_stream.close()


def test_limits_per_run_and_total(world):
    backend, team, infra, exp = world(SSE_MAX_PER_RUN="2", SSE_MAX_STREAMS="3")
    a, b = start_run(backend, team, exp), start_run(backend, team, exp)
    open_ = [run_stream(backend, team.viewer.token, team.project, a) for _ in range(2)]
    assert [s.status for s in open_] == [200, 200]
    third = run_stream(backend, team.viewer.token, team.project, a)
    assert third.status == 429 and third.headers.get("retry-after") == "5"
    open_.append(run_stream(backend, team.viewer.token, team.project, b))
    assert open_[-1].status == 200
    over = run_stream(backend, team.viewer.token, team.project, b)
    assert over.status == 503
    # a closed stream frees its place
    open_[0].close()
    deadline, status = time.monotonic() + 5, None
    while time.monotonic() < deadline and status != 200:
        s = run_stream(backend, team.viewer.token, team.project, a)
        status = s.status
        s.close()
        time.sleep(0.1)
    assert status == 200
    for s in open_:
        s.close()


def test_ping_keeps_an_idle_stream_alive(world):
    backend, team, infra, exp = world(SSE_PING_INTERVAL="300ms")
    run_id = start_run(backend, team, exp)
    s = run_stream(backend, team.viewer.token, team.project, run_id)
    assert s.next().event == "run"
    pings = 0
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and pings < 2:
        e = s.next(1.0)
        if e is not None and e.event is None and e.comments == ["ping"]:
            pings += 1
    assert pings == 2
    s.close()


def test_client_that_stops_reading_is_dropped(world):
    backend, team, infra, exp = world(SSE_MAX_BUFFER="128KiB", SSE_SLOW_CLIENT_TIMEOUT="1s")
    run_id = start_run(backend, team, exp)
    task = infra.poll(wait_ms=1000)[0][0]
    infra.report(task["task_id"])
    stuck = run_stream(backend, team.viewer.token, team.project, run_id, rcvbuf=4096)  # never read again
    reader = run_stream(backend, team.viewer.token, team.project, run_id)
    assert stuck.status == 200 and reader.status == 200
    big = "x" * 3000
    got = []
    t = threading.Thread(target=lambda: got.extend(logs(reader.collect(lambda e: e.id == 2000, timeout=60))))
    t.start()  # reads all the time, as a browser does
    for seq in range(1, 2001, 250):  # 2,000 lines of 3 KB: about 6 MB, far over the 128 KiB a stream may hold
        infra.push_logs(task["task_id"], [(seq + i, "lat", f"{seq + i} {big}") for i in range(250)])
    t.join(70)
    assert [g[0] for g in got] == list(range(1, 2001)), "the reading client lost or repeated lines"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "sse client dropped: not reading" not in backend.log_text():
        time.sleep(0.2)
    assert "sse client dropped: not reading" in backend.log_text()
    # the stuck client's connection was closed: draining it ends in EOF well short of 6 MB
    stuck.sock.settimeout(5)
    total = 0
    try:
        while True:
            d = stuck.sock.recv(65536)
            if not d:
                break
            total += len(d)
    except (ConnectionResetError, socket.timeout):
        pass
    assert total < 2_000_000
    stuck.close()
    reader.close()
    assert ok(gql(backend.url, team.viewer.token, "query { getServerVersion { value } }"))  # still serving


def test_cors_as_for_query(world):
    backend, team, infra, exp = world(ALLOWED_ORIGINS="https://portal.example")
    run_id = start_run(backend, team, exp)
    path = f"/sse/runs/{run_id}?projectID={team.project}"
    pre = requests.options(backend.url + path, headers={
        "Origin": "https://portal.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, last-event-id"}, timeout=10)
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "https://portal.example"
    assert "last-event-id" in pre.headers["Access-Control-Allow-Headers"]
    s = SSE(backend.url, path, token=team.viewer.token, headers={"Origin": "https://portal.example"})
    assert s.status == 200 and s.headers["access-control-allow-origin"] == "https://portal.example"
    assert s.next().event == "run"
    s.close()
    bad = SSE(backend.url, path, token=team.viewer.token, headers={"Origin": "https://evil.example"})
    assert bad.status == 403
    bad.close()
