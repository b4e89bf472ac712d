"""The portal's safety controls (docs/safety.md, docs/portal.md) in Debian's Chromium driven by
web/e2e/safety_flow.mjs, against real rift-auth, rift-backend and a rift-agent in a network namespace
(the fixtures of test_portal.py): guards edited with inline validation and refusals in words at save
and dispatch time; a dry run's report with the machine unchanged; the emergency stop pressed by a
Viewer in the page during a running latency fault (the fault is reverted on the machine, the Owner's
page shows the run Stopped and the banner, new runs are refused, the Viewer cannot release, the Owner
releases); the global stop; the Audit page with its filters, pagination, empty
state and rift-auth's logins. Screenshots: $BUILD/screenshots/s*.png."""
import os
import re
import subprocess
import time

import agent_env
from agent_env import agent_bin
from test_agent_e2e import Forwarder, setns
from test_portal import INITIAL, NEW, SHOTS, np, run_node, stack, stop_agent, target  # noqa: F401 (fixtures)


def machine(np_):
    """What a fault changes on the agent's side: qdiscs (without counters) and iptables."""
    qd = re.sub(r"direct_packets_stat \d+", "N", np_.in_a("tc", "qdisc", "show").stdout)
    return qd, agent_env.iptables_state(np_)


def rtt(np_):
    return np_.ping(np_.ip_b, 3, interval="0.1")[1] or 0


def wait_until(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.2)
    return False


def test_emergency_stop_dry_run_guards_and_audit_in_the_portal(stack, np, target, tmp_path):  # noqa: F811
    backend = stack["backend"]
    fwd = Forwarder(np.a, int(backend.rpc_url.rsplit(":", 1)[1]))
    state, ack = str(tmp_path / "agent-state"), tmp_path / "ack"
    ack.mkdir()
    seen, agent = {}, {}

    def on_line(line):
        m = re.match(r"^INSTALL printf '%s' '([^']+)' \| .*--infra-id '([^']+)'", line)
        if m:
            env = dict(os.environ, RIFT_AGENT_CONTROL_PLANE="http://127.0.0.1:%d" % fwd.port,
                       RIFT_AGENT_INFRA_ID=m.group(2), RIFT_AGENT_ACCESS_KEY=m.group(1), RIFT_AGENT_JOURNAL=state,
                       RIFT_AGENT_POLL_WAIT="2s", RIFT_AGENT_HEARTBEAT_INTERVAL="2s")
            log = open(tmp_path / "agent.log", "ab")
            agent["p"] = subprocess.Popen([agent_bin(), "run"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                          preexec_fn=lambda: setns("/run/netns/" + np.a))
            agent_env._started_agents.append(agent["p"].pid)
        elif line == "ACTIVE":
            seen["before"], seen["rtt0"] = machine(np), rtt(np)
        elif line == "DRYRUN":  # the dry run changed nothing
            seen["after_dry"] = machine(np)
        elif line == "INJECTED":  # the latency is on the machine before the button is pressed
            seen["injected"] = wait_until(lambda: rtt(np) > 150, 15)
            seen["during"] = machine(np)
            (ack / "injected").write_text("ok")
        elif line == "STOPPED":  # the page shows Stopped: the fault is gone
            seen["after_stop"], seen["rtt1"] = machine(np), rtt(np)

    try:
        settings = {"base": stack["backend"].url + "/", "shots": str(SHOTS), "initialPassword": INITIAL,
                    "newPassword": NEW, "viewerPassword": "Viewer@2024x", "iface": np.va, "targetIP": np.ip_b, "duration": "30s", "ackDir": str(ack)}
        rc, out = run_node("safety_flow.mjs", settings, on_line, timeout=300)
        agent_log = (tmp_path / "agent.log").read_text(errors="replace") if agent else "(agent not started)"
        assert rc == 0 and "DONE" in out, out + "\n--- agent ---\n" + agent_log[-3000:]
        assert seen["after_dry"] == seen["before"], "the dry run changed the machine"
        assert seen["injected"] and seen["during"] != seen["before"], seen
        assert seen["after_stop"] == seen["before"], "the emergency stop left the fault on the machine"
        assert seen["rtt1"] < max(20, seen["rtt0"] * 5), seen
        assert "emergency stop" in agent_log.lower(), agent_log[-3000:]
        for name in ("s01-guards-invalid", "s02-guards-saved", "s03-builder-guard-refused", "s04-dispatch-guard-refused",
                     "s05-dry-run-report", "s06-estop-confirm", "s07-run-stopped", "s08-run-refused", "s09-stop-all",
                     "s10-audit", "s11-audit-empty"):
            assert (SHOTS / (name + ".png")).stat().st_size > 5000, name
    finally:
        stop_agent(agent, state, np)
        fwd.close()
