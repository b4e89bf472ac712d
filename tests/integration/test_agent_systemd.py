"""rift-agent's systemd units and installer: `systemd-analyze verify` on the units as installed (offline,
into a temporary root that carries a copy of the machine's own unit directory), and agent/install.sh run
into a temporary root (files, modes, env file contents, enablement symlinks, dry run, bad input)."""
import os
import pathlib
import shutil
import stat
import subprocess
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("RIFT_BUILD") or ROOT / "build")
INSTALL = ROOT / "agent" / "install.sh"
UNITS = ["rift-agent.service", "rift-agent-recover.service"]
SYSTEM_UNITS = pathlib.Path("/usr/lib/systemd/system")
ANALYZE = shutil.which("systemd-analyze")
SYSTEMCTL = shutil.which("systemctl")


def agent_binary():
    """The built agent if there is one, else any executable (the units only need an executable path)."""
    b = BUILD / "bin" / "rift-agent"
    return str(b) if b.exists() else "/bin/true"


@pytest.fixture
def root():
    d = tempfile.mkdtemp(prefix="rift-install-")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


def install(root, *extra, key="k3y_ABC.def-123", check=True, stdin=None):
    args = ["sh", str(INSTALL), "--endpoint", "https://cp.example:8443/api", "--infra-id", "infra-0001",
            "--binary", agent_binary(), "--root", str(root)]
    if key is not None:
        args += ["--access-key", key]
    p = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=60, input=stdin)
    if check:
        assert p.returncode == 0, p.stdout + p.stderr
    return p


def mode(path):
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.skipif(not ANALYZE, reason="systemd-analyze not installed (package systemd)")
@pytest.mark.skipif(not SYSTEM_UNITS.is_dir(), reason="no /usr/lib/systemd/system to verify against")
def test_units_verify_clean(root):
    install(root, "--no-enable")
    # targets the units refer to (network-online.target, sysinit.target, ...) come from the host
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    paths = [str(root / "etc/systemd/system" / u) for u in UNITS]
    p = subprocess.run([ANALYZE, "verify", f"--root={root}"] + paths, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip() == "" and p.stderr.strip() == "", p.stdout + p.stderr  # not even a warning


@pytest.mark.skipif(not ANALYZE, reason="systemd-analyze not installed (package systemd)")
@pytest.mark.skipif(not SYSTEM_UNITS.is_dir(), reason="no /usr/lib/systemd/system to verify against")
def test_verify_catches_a_broken_unit(root):
    """The check above can fail: a unit with a bad ExecStart is reported."""
    install(root, "--no-enable")
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    unit = root / "etc/systemd/system/rift-agent.service"
    unit.write_text(unit.read_text().replace("ExecStart=/usr/local/bin/rift-agent run", "ExecStart=rift agent"))
    p = subprocess.run([ANALYZE, "verify", f"--root={root}", str(unit)], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0


def test_unit_contract():
    """What the agent relies on: recover before start, restart always, the capabilities the faults need."""
    text = (ROOT / "agent/systemd/rift-agent.service").read_text()
    lines = {l.split("=", 1)[0]: l.split("=", 1)[1] for l in text.splitlines() if "=" in l and not l.startswith("#")}
    assert lines["ExecStartPre"] == "/usr/local/bin/rift-agent --recover"
    assert lines["ExecStart"] == "/usr/local/bin/rift-agent run"
    assert lines["Restart"] == "always"
    assert lines["EnvironmentFile"] == "/etc/rift/agent.env"
    caps = set(lines["CapabilityBoundingSet"].split())
    assert {"CAP_NET_ADMIN", "CAP_SYS_ADMIN", "CAP_KILL"} <= caps
    for cap in caps:  # every capability is justified in a comment
        assert f"#   {cap}" in text, cap
    assert lines["ProtectControlGroups"] == "no"  # cgroup faults write /sys/fs/cgroup
    rec = (ROOT / "agent/systemd/rift-agent-recover.service").read_text()
    assert "Type=oneshot" in rec and "ExecStart=/usr/local/bin/rift-agent --recover" in rec
    assert "Before=network-pre.target rift-agent.service" in rec


def test_install_into_root(root):
    install(root)
    binary = root / "usr/local/bin/rift-agent"
    assert mode(binary) == 0o755
    assert binary.read_bytes() == pathlib.Path(agent_binary()).read_bytes()
    for u in UNITS:
        installed = root / "etc/systemd/system" / u
        assert mode(installed) == 0o644
        assert installed.read_text() == (ROOT / "agent/systemd" / u).read_text()
    env = root / "etc/rift/agent.env"
    assert mode(env) == 0o600
    assert mode(root / "etc/rift") == 0o750
    assert mode(root / "var/lib/rift-agent") == 0o700
    values = dict(l.split("=", 1) for l in env.read_text().splitlines() if l and not l.startswith("#"))
    assert values == {"RIFT_AGENT_CONTROL_PLANE": "https://cp.example:8443/api", "RIFT_AGENT_INFRA_ID": "infra-0001",
                      "RIFT_AGENT_ACCESS_KEY": "k3y_ABC.def-123", "RIFT_AGENT_JOURNAL": "/var/lib/rift-agent"}
    assert not list((root / "etc/rift").glob(".agent.env.*"))  # no temporary left behind
    if SYSTEMCTL:
        wants = root / "etc/systemd/system/multi-user.target.wants/rift-agent.service"
        assert os.readlink(wants) == "/etc/systemd/system/rift-agent.service"
        assert (root / "etc/systemd/system/sysinit.target.wants/rift-agent-recover.service").is_symlink()


def test_install_key_from_stdin_and_reinstall(root):
    install(root, "--access-key-file", "-", key=None, stdin="one-time-key-42\n")
    env = root / "etc/rift/agent.env"
    assert "RIFT_AGENT_ACCESS_KEY=one-time-key-42\n" in env.read_text()
    install(root, key="rotated-key")  # installing again replaces the key and keeps the mode
    assert "RIFT_AGENT_ACCESS_KEY=rotated-key\n" in env.read_text()
    assert mode(env) == 0o600


def test_dry_run_changes_nothing(root):
    p = install(root, "--dry-run")
    assert list(root.iterdir()) == []
    assert "agent.env" in p.stdout and "would run: install" in p.stdout
    assert "k3y_ABC" not in p.stdout  # the key is never printed


@pytest.mark.parametrize("args,needle", [
    (["--endpoint", "cp.example"], "--endpoint must start with http"),
    (["--access-key", "bad key"], "--access-key contains"),
    (["--access-key", "a\nRIFT_AGENT_CONTROL_PLANE=http://evil"], "--access-key contains"),
    (["--infra-id", ""], "--infra-id is required"),
    (["--binary", "/nonexistent/rift-agent"], "not found"),
    (["--bogus"], "unknown option"),
])
def test_bad_input_rejected(root, args, needle):
    p = install(root, *args, check=False)
    assert p.returncode == 2
    assert needle in p.stderr
    assert not (root / "etc/rift/agent.env").exists()


def test_creates_the_unprivileged_rift_user_once(root):
    """The network process drops to the system user rift: install.sh creates it (here in the --root's own
    /etc/passwd, which useradd --root edits), with no login shell, and does not add it twice."""
    etc = root / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (etc / "group").write_text("root:x:0:\n")
    (etc / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (etc / "gshadow").write_text("root:*::\n")
    for f in ("shadow", "gshadow"):
        (etc / f).chmod(0o600)
    install(root, "--no-enable")
    install(root, "--no-enable")
    users = [line.split(":") for line in (etc / "passwd").read_text().splitlines() if line.startswith("rift:")]
    assert len(users) == 1, (etc / "passwd").read_text()
    uid, shell = int(users[0][2]), users[0][6]
    assert 0 < uid < 1000 and shell == "/usr/sbin/nologin"
    assert any(line.startswith("rift:") for line in (etc / "group").read_text().splitlines())


def test_dry_run_says_it_would_add_the_user(root):
    (root / "etc").mkdir()
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    p = install(root, "--dry-run")
    assert "would run: useradd --root" in p.stdout and " rift\n" in p.stdout
    assert (root / "etc" / "passwd").read_text() == "root:x:0:0:root:/root:/bin/sh\n"
