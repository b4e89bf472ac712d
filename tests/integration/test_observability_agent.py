"""Agent-side fault counters from a real `rift-agent run` in a network namespace (the fixtures of
test_agent_e2e.py): after a run, the agent's Heartbeat has brought its injection and revert totals to
rift-backend's /metrics, per infrastructure and fault. Root is required."""
import os
import time

import pytest
import requests

from obs_stack import pick
from test_agent_e2e import np, wait_registered, world  # noqa: F401  (np and world are fixtures)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

CPU = {"groups": [{"steps": [{"name": "burn", "fault": "linux-cpu-stress", "duration": "2s",
                              "tunables": {"LOAD": "20", "WORKERS": "1"}}]}]}


def counter(text, name, **labels):
    got = pick(text, name, **labels)
    return got[0][1] if len(got) == 1 else None


def wait_count(world, labels, want, timeout=20):
    """backend /metrics once rift_agent_fault_reverts_total{result="ok"} reaches want (the next
    Heartbeat, every 2 s here, carries the totals)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = requests.get(world.backend.url + "/metrics", timeout=10).text
        if counter(text, "rift_agent_fault_reverts_total", result="ok", **labels) == want:
            break
        time.sleep(0.5)
    return text


def test_real_agent_counts_reach_backend_metrics(world):
    world.start_agent()
    wait_registered(world)
    exp = world.experiment(CPU, "obs-cpu")
    run = world.wait_run(world.run(exp), timeout=60)
    assert run["phase"] == "Completed", run
    labels = {"infra_id": world.infra_id, "infra_name": "e2e-box", "fault": "linux-cpu-stress"}
    text = wait_count(world, labels, 1)
    assert counter(text, "rift_agent_fault_injections_total", result="ok", **labels) == 1, world.agent_text()
    assert counter(text, "rift_agent_fault_injections_total", result="failed", **labels) == 0
    assert counter(text, "rift_agent_fault_reverts_total", result="ok", **labels) == 1
    assert counter(text, "rift_agent_fault_reverts_total", result="failed", **labels) == 0
    # a restarted agent counts from 0 again; its first injection still adds one on the backend
    world.stop_agent()
    world.start_agent()
    run = world.wait_run(world.run(exp), timeout=60)
    assert run["phase"] == "Completed", run
    text = wait_count(world, labels, 2)
    assert counter(text, "rift_agent_fault_injections_total", result="ok", **labels) == 2, world.agent_text()
    assert counter(text, "rift_agent_fault_reverts_total", result="ok", **labels) == 2
