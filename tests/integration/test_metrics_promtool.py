"""The metrics exposition text is accepted by Prometheus's own checker (promtool, Debian's prometheus
package), and the checker is strict enough to refuse the mistakes an exposition writer can make."""

import os
import re
import shutil
import subprocess

import pytest

BUILD = os.environ.get("RIFT_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
TEST_BIN = os.path.join(BUILD, "tests", "test_metrics")
PROMTOOL = shutil.which("promtool")

pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (Debian package prometheus)")


def promtool_check(text):
    """Runs `promtool check metrics` on text; returns (exit code, combined output)."""
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


@pytest.fixture(scope="module")
def exposition(tmp_path_factory):
    assert os.access(TEST_BIN, os.X_OK), f"{TEST_BIN} is not built (make BUILD=... {TEST_BIN})"
    out = tmp_path_factory.mktemp("metrics") / "exposition.txt"
    env = dict(os.environ, RIFT_METRICS_OUT=str(out), CMOCKA_TEST_ABORT="0")
    p = subprocess.run([TEST_BIN], env=env, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stdout.decode(errors="replace")
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return text


def test_realistic_registry_passes_promtool(exposition):
    rc, out = promtool_check(exposition)
    assert rc == 0, out
    assert out.strip() == ""  # no lint remarks either


def test_exposition_has_every_family_and_type(exposition):
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", exposition, re.M))
    assert types == {
        "rift_metrics_dropped_series_total": "counter",
        "rift_http_requests_total": "counter",
        "rift_http_request_duration_seconds": "histogram",
        "litmuschaos_passed_experiments": "gauge",
        "rift_fault_inject_seconds": "histogram",
        "rift_build_info": "gauge",
        "rift_capped_total": "counter",
    }
    # the cardinality cap held: 1000 series kept, 5 label sets dropped and counted
    assert len(re.findall(r"^rift_capped_total\{", exposition, re.M)) == 1000
    assert 'rift_metrics_dropped_series_total{metric="rift_capped_total"} 5\n' in exposition


def test_histogram_buckets_are_cumulative(exposition):
    series = {}
    for labels, le, value in re.findall(r'^rift_http_request_duration_seconds_bucket\{(.*),le="([^"]+)"\} (\S+)$',
                                        exposition, re.M):
        series.setdefault(labels, []).append((float(le), float(value)))
    assert series, "no bucket lines"
    for labels, buckets in series.items():
        les = [le for le, _ in buckets]
        counts = [c for _, c in buckets]
        assert les == sorted(les) and les[-1] == float("inf")
        assert counts == sorted(counts), f"buckets of {labels} not cumulative: {counts}"
        count = re.search(r"^rift_http_request_duration_seconds_count\{%s\} (\S+)$" % re.escape(labels),
                          exposition, re.M)
        assert count and float(count.group(1)) == counts[-1] == 50


def test_escaped_label_value_round_trips(exposition):
    assert 'chaosengine_name="quote\\"back\\\\slash\\nnl"' in exposition
    assert "# HELP rift_fault_inject_seconds Time to inject a fault \\\\ with \"odd\" help\\nsecond line.\n" \
        in exposition


@pytest.mark.parametrize("name,corrupt", [
    ("unescaped quote", lambda t: t.replace('quote\\"back', 'quote"back', 1)),
    ("raw newline in label value", lambda t: t.replace("\\nnl", "\nnl", 1)),
    ("second TYPE line", lambda t: t + "# TYPE rift_build_info gauge\n"),
    ("non-numeric value", lambda t: t.replace("rift_build_info 1\n", "rift_build_info one\n")),
    ("counter without _total", lambda t: t.replace("rift_capped_total", "rift_capped")),
])
def test_broken_text_is_refused(exposition, name, corrupt):
    broken = corrupt(exposition)
    assert broken != exposition, f"corruption '{name}' did not apply"
    rc, out = promtool_check(broken)
    assert rc != 0, f"promtool accepted text with {name}"
