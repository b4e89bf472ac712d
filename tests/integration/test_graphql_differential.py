"""Differential test of Rift's GraphQL engine against graphql-js.

Every request of tests/graphql/corpus/*.jsonl goes through the C tool `$RIFT_BUILD/tests/gqlexec` and
through graphql-js (tests/graphql/js/run.mjs: parse -> validate -> execute on the same schema and
fixture). For each request:
  * graphql-js's answer must have the shape the corpus expects ("expect": data, partial, error,
    nulldata, validated), so the corpus keeps testing what it says it tests;
  * the C answer must have the same "data" (order of keys included; echo's JSON string is parsed,
    numbers compare as numbers) and the same errors in count and in paths. Messages may differ: both
    sets are printed side by side on failure.
Subscriptions are validated, never executed: when graphql-js finds a subscription request valid, the
C answer must simply not be a request error (an "errors" list without "data"); an invalid
subscription is compared like any other request.
The schema is also compared: `gqlexec --sdl`, graphql-js's printSchema of its own schema, and
printSchema(buildClientSchema(`gqlexec --introspection`)) must be the same text.
"""
import difflib
import glob
import json
import os
import subprocess
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GQL_DIR = os.path.join(ROOT, "tests", "graphql")
JS_DIR = os.path.join(GQL_DIR, "js")
FIXTURE = os.path.join(GQL_DIR, "fixture.json")
BUILD = os.environ.get("RIFT_BUILD") or os.path.join(ROOT, "build")
GQLEXEC = os.path.join(BUILD, "tests", "gqlexec")
BATCH_TIMEOUT = 180
ONE_TIMEOUT = 20
FALLBACK_BUDGET = 300  # seconds for the one-process-per-request fallback as a whole
EXPECTS = ("data", "partial", "error", "nulldata", "validated")


def load_corpus():
    requests = []
    for path in sorted(glob.glob(os.path.join(GQL_DIR, "corpus", "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    r = json.loads(line)
                    assert r["expect"] in EXPECTS, f"{path}:{n}: bad expect {r['expect']!r}"
                    requests.append(r)
    return requests


CORPUS = load_corpus()


def wire(req):
    """The request as sent on the wire: the test-only keys removed."""
    return json.dumps({k: req.get(k) for k in ("query", "variables", "operationName")}, ensure_ascii=False)


def tool_env():
    env = dict(os.environ)
    env["RIFT_GQL_FIXTURE"] = FIXTURE
    return env


def run(argv, stdin="", timeout=ONE_TIMEOUT):
    return subprocess.run(argv, input=stdin.encode(), capture_output=True, timeout=timeout, env=tool_env(), cwd=ROOT)


def node_run(*args, stdin=""):
    p = run(["node", os.path.join(JS_DIR, "run.mjs"), *args], stdin, timeout=BATCH_TIMEOUT)
    assert p.returncode == 0, f"run.mjs {' '.join(args)} failed: {p.stderr.decode(errors='replace')}"
    return p.stdout.decode()


def crash(reason):
    return {"__crash__": reason}


def run_lines(argv, requests):
    """Sends all requests to one process. On a crash, a timeout or short output, runs one process per
    request instead (so one bad request does not hide the others) and says why in the second value."""
    stdin = "".join(wire(r) + "\n" for r in requests)
    try:
        p = run(argv, stdin, timeout=BATCH_TIMEOUT)
        # split on "\n" only: str.splitlines() would also split inside U+2028 and other separators
        lines = [line for line in p.stdout.decode(errors="replace").split("\n") if line.strip()]
        if p.returncode == 0 and len(lines) == len(requests):
            return [json.loads(line) for line in lines], None
        problem = f"exit {p.returncode}, {len(lines)} lines for {len(requests)} requests"
    except subprocess.TimeoutExpired:
        problem = f"timed out after {BATCH_TIMEOUT}s"
    except json.JSONDecodeError as e:
        problem = f"a line is not JSON: {e}"
    out = []
    deadline = time.monotonic() + FALLBACK_BUDGET
    for r in requests:
        if time.monotonic() > deadline:
            out.append(crash(f"not run: the per-request fallback used its {FALLBACK_BUDGET}s budget"))
            continue
        try:
            p = run(argv, wire(r) + "\n")
        except subprocess.TimeoutExpired:
            out.append(crash(f"timed out after {ONE_TIMEOUT}s"))
            continue
        text = p.stdout.decode(errors="replace").strip()
        if p.returncode != 0 or "\n" in text:
            stderr = p.stderr.decode(errors="replace")[-800:]
            out.append(crash(f"exit {p.returncode}, stdout {text[:400]!r}, stderr {stderr!r}"))
            continue
        try:
            out.append(json.loads(text))
        except json.JSONDecodeError as e:
            out.append(crash(f"not JSON ({e}): {text[:400]!r}"))
    return out, problem


@pytest.fixture(scope="session")
def js_results():
    p = subprocess.run([os.path.join(ROOT, "scripts", "npm-install.sh"), JS_DIR], capture_output=True, timeout=300)
    assert p.returncode == 0, f"npm-install.sh failed: {p.stdout.decode()} {p.stderr.decode()}"
    results, problem = run_lines(["node", os.path.join(JS_DIR, "run.mjs")], CORPUS)
    assert problem is None, f"run.mjs failed on the whole corpus: {problem}"
    return {r["id"]: res for r, res in zip(CORPUS, results)}


@pytest.fixture(scope="session")
def gqlexec():
    if not os.access(GQLEXEC, os.X_OK):
        pytest.fail(f"{GQLEXEC} is not built (make BUILD=... $BUILD/tests/gqlexec)")
    return GQLEXEC


@pytest.fixture(scope="session")
def c_batch(gqlexec):
    return run_lines([gqlexec], CORPUS)


@pytest.fixture(scope="session")
def c_results(c_batch):
    return {r["id"]: res for r, res in zip(CORPUS, c_batch[0])}


# ---- normalising ------------------------------------------------------------------------------------
def norm(v):
    """A comparable form: objects keep their key order, numbers compare as numbers (1 == 1.0), booleans
    stay apart from numbers, and a string holding a JSON object (echo's answer) is compared parsed."""
    if isinstance(v, dict):
        return ("obj", tuple((k, norm(x)) for k, x in v.items()))
    if isinstance(v, list):
        return ("list", tuple(norm(x) for x in v))
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, (int, float)):
        return ("num", v)
    if v is None:
        return ("null",)
    if isinstance(v, str) and v.startswith("{"):
        try:
            parsed = json.loads(v)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            return ("json", norm(parsed))
    return ("str", v)


def error_paths(resp):
    return sorted((json.dumps(e.get("path")) for e in resp.get("errors") or []))


def shape(resp):
    has_data, errors = "data" in resp, bool(resp.get("errors"))
    if not has_data:
        return "error" if errors else ("validated" if resp.get("extensions", {}).get("validatedOnly") else "empty")
    if resp["data"] is None:
        return "nulldata"
    return "partial" if errors else "data"


def side_by_side(req, js, c):
    def errs(resp):
        return "\n".join(
            f"    path={json.dumps(e.get('path'))} loc={json.dumps(e.get('locations'))} {e.get('message')!r}"
            for e in resp.get("errors") or []
        ) or "    (none)"

    return (
        f"\nrequest: {wire(req)}\n"
        f"graphql-js errors:\n{errs(js)}\nC errors:\n{errs(c)}\n"
        f"graphql-js data: {json.dumps(js.get('data', '<absent>'))[:3000]}\n"
        f"C data:          {json.dumps(c.get('data', '<absent>'))[:3000]}\n"
    )


# ---- tests ------------------------------------------------------------------------------------------
def test_corpus_size_and_coverage():
    assert len(CORPUS) >= 200
    assert len({r["id"] for r in CORPUS}) == len(CORPUS), "request ids must be unique"
    for expect in EXPECTS:
        assert any(r["expect"] == expect for r in CORPUS), f"no request expects {expect}"


def test_graphql_js_answers_as_corpus_expects(js_results):
    wrong = [f"{r['id']}: expects {r['expect']}, got {shape(js_results[r['id']])}" for r in CORPUS
             if shape(js_results[r["id"]]) != r["expect"]]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("req", CORPUS, ids=[r["id"] for r in CORPUS])
def test_request(req, js_results, c_results):
    js, c = js_results[req["id"]], c_results[req["id"]]
    assert "__crash__" not in js, f"graphql-js runner failed: {js}"
    assert shape(js) == req["expect"], f"corpus expects {req['expect']}, graphql-js gave {shape(js)}: {json.dumps(js)}"
    assert "__crash__" not in c, f"gqlexec failed on {wire(req)}: {c['__crash__']}"
    assert isinstance(c, dict) and set(c) <= {"data", "errors", "extensions"}, f"bad response shape: {json.dumps(c)}"
    for e in c.get("errors") or []:
        assert isinstance(e.get("message"), str) and e["message"], f"error without message: {json.dumps(e)}"
    if req["expect"] == "validated":
        assert not ("errors" in c and "data" not in c), "valid subscription rejected" + side_by_side(req, js, c)
        return
    assert ("data" in c) == ("data" in js), "'data' key presence differs" + side_by_side(req, js, c)
    assert len(c.get("errors") or []) == len(js.get("errors") or []), "error count differs" + side_by_side(req, js, c)
    assert error_paths(c) == error_paths(js), "error paths differ" + side_by_side(req, js, c)
    assert norm(c.get("data")) == norm(js.get("data")), "data differs" + side_by_side(req, js, c)


def test_gqlexec_answers_whole_corpus_in_one_process(c_batch):
    assert c_batch[1] is None, f"gqlexec failed on the corpus as one JSON-lines stream: {c_batch[1]}"


def text_diff(a, b, name_a, name_b):
    return "\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), name_a, name_b, lineterm="", n=2))


def test_sdl_matches_graphql_js(gqlexec):
    js_sdl = node_run("--sdl").strip()
    p = run([gqlexec, "--sdl"])
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    c_sdl = p.stdout.decode().strip()
    assert c_sdl == js_sdl, "gqlexec --sdl differs from printSchema:\n" + text_diff(js_sdl, c_sdl, "graphql-js", "gqlexec")


def c_introspection(gqlexec):
    p = run([gqlexec, "--introspection"])
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return p.stdout.decode()


def test_introspection_builds_same_schema(gqlexec):
    js_sdl = node_run("--sdl").strip()
    client_sdl = node_run("--client-sdl", stdin=c_introspection(gqlexec)).strip()
    assert client_sdl == js_sdl, "printSchema(buildClientSchema(gqlexec --introspection)) differs:\n" + text_diff(
        js_sdl, client_sdl, "graphql-js", "from gqlexec introspection"
    )


def test_introspection_result_matches_graphql_js(gqlexec):
    js = json.loads(node_run("--introspection"))
    c = json.loads(c_introspection(gqlexec))
    assert "errors" not in c, c.get("errors")
    if norm(c) != norm(js):
        a = json.dumps(js, indent=1).splitlines()
        b = json.dumps(c, indent=1).splitlines()
        diff = "\n".join(list(difflib.unified_diff(a, b, "graphql-js", "gqlexec", lineterm="", n=3))[:200])
        pytest.fail("introspection result differs (first 200 diff lines):\n" + diff)
