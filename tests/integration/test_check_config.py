"""Every Rift binary validates its configuration with --check-config: exit 0 and the effective settings
(secrets hidden) when valid, exit non-zero naming the bad setting when not."""
import os
import subprocess

import pytest

from conftest import BUILD


def run(binary, *args, env=None):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"}
    e.update(env or {})
    return subprocess.run([str(BUILD / "bin" / binary), *args], env=e, capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)


def test_rift_auth(tmp_path):
    env = {"ADMIN_USERNAME": "admin", "ADMIN_PASSWORD": "Secr3t!pass", "DB_SERVER": f"sqlite://{tmp_path}/a.db"}
    r = run("rift-auth", "--check-config", env=env)
    assert r.returncode == 0, r.stderr
    assert "Secr3t!pass" not in r.stdout + r.stderr
    r = run("rift-auth", "--check-config", env=dict(env, REST_PORT="70000"))
    assert r.returncode != 0 and "REST_PORT" in r.stderr


def test_rift_backend(tmp_path):
    r = run("rift-backend", "--check-config", env={"DB_SERVER": f"sqlite://{tmp_path}/b.db"})
    assert r.returncode == 0, r.stderr
    assert "http_port" in r.stdout
    r = run("rift-backend", "--check-config", env={"HTTP_PORT": "not-a-port"})
    assert r.returncode != 0 and "HTTP_PORT" in r.stderr


def test_rift_agent():
    env = {"RIFT_AGENT_CONTROL_PLANE": "https://cp.example:8000", "RIFT_AGENT_INFRA_ID": "i1",
           "RIFT_AGENT_ACCESS_KEY": "one-time-key-value"}
    r = run("rift-agent", "--check-config", env=env)
    assert r.returncode == 0, r.stderr
    assert "control_plane = https://cp.example:8000" in r.stdout
    assert "one-time-key-value" not in r.stdout + r.stderr
    r = run("rift-agent", "--check-config", env=dict(env, RIFT_AGENT_UNREACHABLE_TIMEOUT="forever"))
    assert r.returncode != 0 and "RIFT_AGENT_UNREACHABLE_TIMEOUT" in r.stderr


def test_riftctl(tmp_path):
    cfg = tmp_path / "rc.yaml"
    cfg.write_text("accounts: [unclosed\n")
    r = run("riftctl", "--check-config", "--config", str(cfg))
    assert (r.returncode, r.stderr) == (1, f"Error: config file {cfg}: not valid YAML\n")
