"""Shared helpers for integration tests: free ports, starting Rift binaries on 127.0.0.1 and stopping
them even when a test fails. Keep fixtures here generic; each service adds its own small factory.

    def test_x(rift_auth):
        srv = rift_auth()                 # rift-auth on free ports with a temporary SQLite file
        srv.url, srv.rpc_url, srv.log_text(), srv.stop(), srv.start()
"""
import os
import pathlib
import socket
import subprocess
import time
import warnings

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("RIFT_BUILD") or ROOT / "build")


def free_port():
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=15.0, proc=None):
    """Polls url until it answers (any status) or timeout passes; fails early if proc exits."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with warnings.catch_warnings():  # readiness only: any answer, any certificate
                warnings.simplefilter("ignore")
                requests.get(url, timeout=1, verify=False)
            return
        except requests.RequestException as e:  # not listening yet
            last = e
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


class Service:
    """One Rift binary started with an environment; restartable; logs to a file."""

    def __init__(self, binary, env, log_path, ready_path="/status", port_var="REST_PORT", args=()):
        self.binary = pathlib.Path(binary)
        self.env = dict(env)
        self.log_path = pathlib.Path(log_path)
        self.ready_path = ready_path
        self.port_var = port_var
        self.args = list(args)
        self.proc = None

    @property
    def url(self):
        scheme = "https" if self.env.get("TLS_CERT_PATH") else "http"
        return f"{scheme}://127.0.0.1:{self.env[self.port_var]}"

    def start(self, timeout=15.0):
        assert self.binary.exists(), f"{self.binary} is not built"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(self.binary), *self.args], env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        wait_http(self.url + self.ready_path, timeout, self.proc)
        return self

    def stop(self, timeout=10.0):
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def run(self, *args, env=None, timeout=60):
        """Runs the same binary once (a subcommand) with this service's environment."""
        e = dict(self.env, **(env or {}))
        return subprocess.run([str(self.binary), *args], env=e, capture_output=True, text=True, timeout=timeout)

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def services():
    """Collects started services and stops them all at teardown, pass or fail."""
    started = []
    yield started
    for s in reversed(started):
        s.stop()


AUTH_ADMIN = ("admin", "Litmus@123")


@pytest.fixture
def rift_auth(tmp_path, services):
    """Factory: starts rift-auth on free ports with a temporary SQLite file (or env DB_SERVER).
    Password hashing uses small argon2id limits so tests stay fast; everything else is the default."""
    def start(**overrides):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ADMIN_USERNAME": AUTH_ADMIN[0],
            "ADMIN_PASSWORD": AUTH_ADMIN[1],
            "DB_SERVER": f"sqlite://{tmp_path}/auth.db",
            "REST_PORT": str(free_port()),
            "RPC_PORT": str(free_port()),
            "PASSWORD_HASH_MEMORY": "64k",
            "PASSWORD_HASH_OPS": "1",
        }
        env.update({k: str(v) for k, v in overrides.items()})
        svc = Service(BUILD / "bin" / "rift-auth", env, tmp_path / f"rift-auth-{len(services)}.log")
        services.append(svc)
        svc.rpc_url = f"{'https' if env.get('TLS_CERT_PATH') else 'http'}://127.0.0.1:{env['RPC_PORT']}"
        return svc.start()
    return start


@pytest.fixture
def rift_backend(tmp_path, services):
    """Factory: starts rift-backend on free ports against a started rift-auth (its rpc_url), with a
    temporary SQLite file (or env DB_SERVER). Returns the Service; .rpc_url is InfraService's base URL.
    Restart keeps the same ports and database: svc.stop(); svc.start()."""
    def start(auth, **overrides):
        rpc_port = free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HTTP_PORT": str(free_port()),
            "RPC_PORT": str(rpc_port),
            "DB_SERVER": f"sqlite://{tmp_path}/backend.db",
            "AUTH_RPC_ADDR": auth.rpc_url.split("://", 1)[1],
            "INFRA_POLL_TIMEOUT": "3s",
        }
        env.update({k: str(v) for k, v in overrides.items()})
        svc = Service(BUILD / "bin" / "rift-backend", env, tmp_path / f"rift-backend-{len(services)}.log",
                      port_var="HTTP_PORT")
        services.append(svc)
        svc.rpc_url = f"http://127.0.0.1:{env['RPC_PORT']}"
        return svc.start()
    return start
