#!/usr/bin/env python3
"""Writes the GraphQL differential corpus: one JSON-lines file per theme in this folder.

Each line is one request plus two test-only keys:
  {"id": "theme/readable-name", "expect": "...", "query": "...", "variables": {...}|null,
   "operationName": "..."|null}
"expect" is what graphql-js must answer, checked before the C engine is compared with it:
  data       a response with data and no errors
  partial    data and errors (field errors during execution)
  error      errors only, no "data" key (parse, validation, variable or operation-selection errors)
  nulldata   "data": null plus errors (a non-null root field failed)
  validated  a subscription that passes validation (subscriptions are validated, never executed)
Run `python3 tests/graphql/corpus/gen_corpus.py` after editing and commit the .jsonl files with it.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
THEMES = {}


def add(theme, name, expect, query, variables=None, op=None):
    THEMES.setdefault(theme, []).append(
        {"id": f"{theme}/{name}", "expect": expect, "query": query, "variables": variables, "operationName": op}
    )


def ok(theme, name, query, variables=None, op=None):
    add(theme, name, "data", query, variables, op)


def partial(theme, name, query, variables=None, op=None):
    add(theme, name, "partial", query, variables, op)


def err(theme, name, query, variables=None, op=None):
    add(theme, name, "error", query, variables, op)


def nulldata(theme, name, query, variables=None, op=None):
    add(theme, name, "nulldata", query, variables, op)


def sub(theme, name, query, variables=None, op=None):
    add(theme, name, "validated", query, variables, op)


# ---- basics: selections, aliases, __typename, nesting ------------------------------------------------
T = "basics"
ok(T, "me-name", "{ me { name } }")
ok(T, "me-all-fields", "{ me { id name email } }")
ok(T, "typename-root", "{ __typename }")
ok(T, "typename-nested", "{ me { __typename id } experiment(id: \"e1\") { __typename } }")
ok(T, "experiment-by-id", "{ experiment(id: \"e2\") { id name description phase score } }")
ok(T, "experiment-missing", "{ experiment(id: \"nope\") { id } }")
ok(T, "experiment-int-id", "{ experiment(id: 3) { id name } }")
ok(T, "experiment-null-description", "{ experiment(id: \"e3\") { description score } }")
ok(T, "experiment-null-score", "{ experiment(id: \"e8\") { score } }")
ok(T, "experiment-owner", "{ experiment(id: \"e1\") { owner { id name email } } }")
ok(T, "experiment-owner-null", "{ experiment(id: \"e10\") { owner { id } } }")
ok(T, "experiment-faults", "{ experiment(id: \"e3\") { faults { id name category durationSeconds weight tags } } }")
ok(T, "experiment-faults-empty", "{ experiment(id: \"e4\") { faults { id } } }")
ok(T, "fault-tunables", "{ experiment(id: \"e1\") { faults { tunables { key value required } } } }")
ok(T, "fault-tags-with-null", "{ node(id: \"f6\") { ... on Fault { tags } } }")
ok(T, "fault-tags-null", "{ node(id: \"f4\") { ... on Fault { tags weight } } }")
ok(T, "user-experiments", "{ me { experiments { id name owner { id } } } }")
ok(T, "deep-nesting", "{ me { experiments { owner { experiments { owner { name } } } } } }")
ok(T, "alias-simple", "{ who: me { handle: name } }")
ok(T, "alias-same-field-twice", "{ a: experiment(id: \"e1\") { id } b: experiment(id: \"e2\") { id } }")
ok(T, "alias-typename", "{ t: __typename me { kind: __typename } }")
ok(T, "alias-shadowing-other-field", "{ me { name: id id: name } }")
ok(T, "same-field-repeated-merges", "{ me { name name id } me { email } }")
ok(T, "query-keyword", "query { me { id } }")
ok(T, "named-query", "query Me { me { id } }")
ok(T, "commas-everywhere", "{ ,, me ,{ id, name, }, }")
ok(T, "comments", "# leading comment\n{\n  me { # trailing\n    id # another\n    # only a comment line\n    name\n  }\n}\n# end")
ok(T, "unicode-bom-and-whitespace", "\ufeff\t{\r\n me\t{ id }\r\n}")
ok(T, "deprecated-field-title", "{ experiment(id: \"e5\") { title name } }")
ok(T, "float-scores", "{ listExperiments(pagination: {limit: 5}) { items { id score } } }")
ok(T, "probe-fields", "{ node(id: \"p4\") { ... on Probe { id name kind successPercent } } }")
ok(T, "delete-like-query-node-user", "{ node(id: \"u3\") { id ... on User { email } } }")

# ---- lists, filters, pagination, runs -----------------------------------------------------------------
T = "lists"
ok(T, "list-default-page", "{ listExperiments { totalCount items { id } } }")
ok(T, "list-limit-3", "{ listExperiments(pagination: {limit: 3}) { totalCount items { id } } }")
ok(T, "list-page-2", "{ listExperiments(pagination: {page: 2, limit: 7}) { items { id } } }")
ok(T, "list-past-end", "{ listExperiments(pagination: {page: 100}) { totalCount items { id } } }")
ok(T, "list-limit-0", "{ listExperiments(pagination: {limit: 0}) { totalCount items { id } } }")
ok(T, "list-limit-null-means-15", "{ listExperiments(pagination: {limit: null}) { items { id } } }")
ok(T, "list-pagination-null", "{ listExperiments(pagination: null) { items { id } } }")
ok(T, "list-limit-50", "{ listExperiments(pagination: {limit: 50}) { totalCount items { id } } }")
ok(T, "filter-name", "{ listExperiments(filter: {nameContains: \"cpu\"}) { totalCount items { name } } }")
ok(T, "filter-name-case-sensitive", "{ listExperiments(filter: {nameContains: \"CPU\"}) { totalCount } }")
ok(T, "filter-phases", "{ listExperiments(filter: {phases: [RUNNING, ERROR]}) { totalCount items { id phase } } }")
ok(T, "filter-phases-empty", "{ listExperiments(filter: {phases: []}) { totalCount items { id } } }")
ok(T, "filter-phases-single-value", "{ listExperiments(filter: {phases: QUEUED}) { totalCount } }")
ok(T, "filter-phases-null", "{ listExperiments(filter: {phases: null}) { totalCount } }")
ok(T, "filter-min-score", "{ listExperiments(filter: {minScore: 50}) { totalCount items { id score } } }")
ok(T, "filter-min-score-float", "{ listExperiments(filter: {minScore: 84.5}) { totalCount items { id score } } }")
ok(T, "filter-min-score-excludes-null", "{ listExperiments(filter: {minScore: -1000}) { totalCount } }")
ok(T, "filter-all-conditions",
   "{ listExperiments(filter: {nameContains: \"kill\", phases: [RUNNING, QUEUED, COMPLETED], minScore: 20},"
   " pagination: {limit: 3, page: 1}) { totalCount items { id name phase score } } }")
ok(T, "filter-empty-object", "{ listExperiments(filter: {}) { totalCount } }")
ok(T, "runs-default-first", "{ experiment(id: \"e6\") { runs { id phase startedAt number } } }")
ok(T, "runs-first-2", "{ experiment(id: \"e6\") { runs(first: 2) { id } } }")
ok(T, "runs-first-0", "{ experiment(id: \"e6\") { runs(first: 0) { id } } }")
ok(T, "runs-phase", "{ experiment(id: \"e6\") { runs(phase: RUNNING) { id number } } }")
ok(T, "runs-phase-and-first", "{ experiment(id: \"e5\") { runs(first: 1, phase: STOPPED) { id } } }")
ok(T, "runs-no-match", "{ experiment(id: \"e7\") { runs { id } } }")
ok(T, "runs-many-aliases",
   "{ experiment(id: \"e6\") { all: runs { id } two: runs(first: 2) { id } q: runs(phase: QUEUED) { id } } }")
ok(T, "search-faults-and-probes", "{ search(text: \"1\") { __typename ... on Named { name } } }")
ok(T, "search-none", "{ search(text: \"zzz\") { __typename } }")
ok(T, "search-empty-text", "{ search(text: \"\") { ... on Node { id } } }")
ok(T, "items-10-fields",
   "{ listExperiments(pagination: {limit: 50}) { totalCount items { id name description phase score title"
   " owner { id name } runs(first: 2) { id phase } faults { id category } } } }")

# ---- arguments: every input type through echo -------------------------------------------------------
T = "args"
ok(T, "echo-none", "{ echo }")
ok(T, "echo-int", "{ echo(int: 42) }")
ok(T, "echo-int-negative", "{ echo(int: -2147483648) }")
ok(T, "echo-int-max", "{ echo(int: 2147483647) }")
err(T, "echo-int-overflow", "{ echo(int: 2147483648) }")
err(T, "echo-int-underflow", "{ echo(int: -2147483649) }")
err(T, "echo-int-from-float", "{ echo(int: 1.5) }")
err(T, "echo-int-from-string", "{ echo(int: \"1\") }")
ok(T, "echo-float", "{ echo(float: 3.25) }")
ok(T, "echo-float-from-int", "{ echo(float: 7) }")
ok(T, "echo-float-exponent", "{ echo(float: 1.5e3) }")
ok(T, "echo-float-negative-exponent", "{ echo(float: -2E-2) }")
ok(T, "echo-float-big-int-literal", "{ echo(float: 12345678901234) }")
err(T, "echo-float-from-string", "{ echo(float: \"1.0\") }")
ok(T, "echo-string", "{ echo(string: \"hello\") }")
ok(T, "echo-string-escapes", "{ echo(string: \"q\\\" b\\\\ s\\/ n\\n t\\t r\\r b\\b f\\f\") }")
ok(T, "echo-string-unicode-escape", "{ echo(string: \"\\u00e9\\u4e2d\\u0041\") }")
ok(T, "echo-string-raw-utf8", "{ echo(string: \"caf\u00e9 \u4e2d\u6587 \U0001F600\") }")
ok(T, "echo-string-empty", "{ echo(string: \"\") }")
ok(T, "echo-block-string", "{ echo(string: \"\"\"\n    first\n      indented\n    last\n  \"\"\") }")
ok(T, "echo-block-string-escaped-quotes", "{ echo(string: \"\"\"a \\\"\"\" b \"quoted\" \\n not-escape\"\"\") }")
ok(T, "echo-block-string-blank-lines", "{ echo(string: \"\"\"\n\n   x\n\n   y\n\n\"\"\") }")
ok(T, "echo-block-string-one-line", "{ echo(string: \"\"\"  one line  \"\"\") }")
ok(T, "echo-boolean-true", "{ echo(boolean: true) }")
ok(T, "echo-boolean-false", "{ echo(boolean: false) }")
err(T, "echo-boolean-from-int", "{ echo(boolean: 1) }")
ok(T, "echo-id-string", "{ echo(id: \"abc\") }")
ok(T, "echo-id-int", "{ echo(id: 123) }")
err(T, "echo-id-float", "{ echo(id: 1.5) }")
ok(T, "echo-enum", "{ echo(phase: STOPPED) }")
err(T, "echo-enum-wrong-value", "{ echo(phase: DONE) }")
err(T, "echo-enum-as-string", "{ echo(phase: \"RUNNING\") }")
err(T, "echo-enum-lowercase", "{ echo(phase: running) }")
err(T, "echo-enum-true", "{ echo(phase: true) }")
ok(T, "echo-list", "{ echo(list: [1, 2, 3]) }")
ok(T, "echo-list-single-value", "{ echo(list: 5) }")
ok(T, "echo-list-with-null", "{ echo(list: [1, null, 3]) }")
ok(T, "echo-list-empty", "{ echo(list: []) }")
err(T, "echo-list-wrong-item", "{ echo(list: [1, \"two\"]) }")
err(T, "echo-list-item-overflow", "{ echo(list: [1, 99999999999]) }")
ok(T, "echo-nested-list", "{ echo(nested: [[\"a\", \"b\"], [], [\"c\"]]) }")
ok(T, "echo-nested-single-value", "{ echo(nested: \"x\") }")
ok(T, "echo-nested-inner-single-value", "{ echo(nested: [\"x\", [\"y\"]]) }")
ok(T, "echo-nested-outer-null-item", "{ echo(nested: [null, [\"z\"]]) }")
err(T, "echo-nested-inner-null", "{ echo(nested: [[\"a\", null]]) }")
ok(T, "echo-input-minimal", "{ echo(input: {name: \"n\", faults: []}) }")
ok(T, "echo-input-defaults-applied",
   "{ echo(input: {name: \"n\", faults: [{name: \"f\", category: RESOURCE}, {name: \"g\", category: PROCESS,"
   " durationSeconds: 5, weight: 0.5}]}) }")
ok(T, "echo-input-field-order-from-schema",
   "{ echo(input: {faults: {category: NETWORK, name: \"one\"}, description: \"d\", name: \"n\"}) }")
ok(T, "echo-input-explicit-nulls",
   "{ echo(input: {name: \"n\", description: null, faults: [{name: \"f\", category: NETWORK, durationSeconds: null,"
   " weight: null}], filter: null}) }")
ok(T, "echo-input-nested-filter",
   "{ echo(input: {name: \"n\", faults: [], filter: {nameContains: \"x\", phases: RUNNING, minScore: 1}}) }")
err(T, "echo-input-missing-required", "{ echo(input: {name: \"n\"}) }")
err(T, "echo-input-required-null", "{ echo(input: {name: null, faults: []}) }")
err(T, "echo-input-unknown-field", "{ echo(input: {name: \"n\", faults: [], color: \"red\"}) }")
err(T, "echo-input-duplicate-field", "{ echo(input: {name: \"n\", name: \"m\", faults: []}) }")
err(T, "echo-input-not-object", "{ echo(input: \"n\") }")
ok(T, "echo-explicit-null-all",
   "{ echo(int: null, float: null, string: null, boolean: null, id: null, phase: null, list: null,"
   " nested: null, input: null) }")
ok(T, "echo-arg-order-is-definition-order", "{ echo(phase: QUEUED, string: \"s\", int: 1) }")
ok(T, "echo-all",
   "{ echo(int: 1, float: 2.5, string: \"s\", boolean: true, id: \"i\", phase: ERROR, list: [3], nested: [[\"n\"]],"
   " input: {name: \"x\", faults: [{name: \"y\", category: NETWORK}]}) }")
err(T, "echo-duplicate-argument", "{ echo(int: 1, int: 2) }")
err(T, "unknown-argument", "{ echo(color: 1) }")
err(T, "unknown-argument-nested-field", "{ experiment(id: \"e1\") { name(upper: true) } }")
err(T, "missing-required-argument", "{ experiment { id } }")
err(T, "required-argument-null", "{ experiment(id: null) { id } }")
err(T, "runs-first-wrong-type", "{ experiment(id: \"e1\") { runs(first: \"2\") { id } } }")
partial(T, "runs-first-negative", "{ experiment(id: \"e6\") { id runs(first: -1) { id } } }")
err(T, "pagination-page-null-nonnull-field", "{ listExperiments(pagination: {page: null}) { totalCount } }")
err(T, "filter-phases-item-null", "{ listExperiments(filter: {phases: [RUNNING, null]}) { totalCount } }")

# ---- variables -----------------------------------------------------------------------------------------
T = "vars"
ok(T, "id-variable", "query Q($id: ID!) { experiment(id: $id) { id name } }", {"id": "e4"})
ok(T, "id-variable-int-value", "query Q($id: ID!) { experiment(id: $id) { id } }", {"id": 7})
ok(T, "default-used", "query Q($id: ID = \"e9\") { experiment(id: $id) { id } }", {})
ok(T, "default-overridden", "query Q($id: ID = \"e9\") { experiment(id: $id) { id } }", {"id": "e2"})
ok(T, "default-variables-null-object", "query Q($id: ID = \"e9\") { experiment(id: $id) { id } }", None)
ok(T, "explicit-null-overrides-default", "query Q($n: Int = 3) { echo(int: $n) }", {"n": None})
ok(T, "missing-optional-omits-arg", "query Q($n: Int) { echo(int: $n, string: \"s\") }", {})
ok(T, "runs-default-from-variable", "query Q($f: Int) { experiment(id: \"e6\") { runs(first: $f) { id } } }", {})
ok(T, "runs-first-variable", "query Q($f: Int) { experiment(id: \"e6\") { runs(first: $f) { id } } }", {"f": 3})
err(T, "missing-required", "query Q($id: ID!) { experiment(id: $id) { id } }", {})
err(T, "required-given-null", "query Q($id: ID!) { experiment(id: $id) { id } }", {"id": None})
err(T, "wrong-type-string-for-int", "query Q($n: Int) { echo(int: $n) }", {"n": "3"})
err(T, "wrong-type-float-for-int", "query Q($n: Int) { echo(int: $n) }", {"n": 2.5})
ok(T, "float-integral-for-int", "query Q($n: Int) { echo(int: $n) }", {"n": 4.0})
err(T, "int-overflow", "query Q($n: Int) { echo(int: $n) }", {"n": 2147483648})
err(T, "int-overflow-negative", "query Q($n: Int) { echo(int: $n) }", {"n": -3000000000})
ok(T, "int-extremes", "query Q($a: Int, $b: Int) { a: echo(int: $a) b: echo(int: $b) }",
   {"a": 2147483647, "b": -2147483648})
err(T, "wrong-type-bool-for-string", "query Q($s: String) { echo(string: $s) }", {"s": True})
ok(T, "float-from-int-value", "query Q($f: Float) { echo(float: $f) }", {"f": 10})
ok(T, "float-fraction", "query Q($f: Float) { echo(float: $f) }", {"f": 0.1})
err(T, "float-from-string", "query Q($f: Float) { echo(float: $f) }", {"f": "0.1"})
ok(T, "boolean", "query Q($b: Boolean) { echo(boolean: $b) }", {"b": False})
err(T, "boolean-from-string", "query Q($b: Boolean) { echo(boolean: $b) }", {"b": "true"})
ok(T, "enum-value", "query Q($p: Phase) { echo(phase: $p) }", {"p": "COMPLETED"})
err(T, "enum-wrong-value", "query Q($p: Phase) { echo(phase: $p) }", {"p": "FINISHED"})
err(T, "enum-wrong-type", "query Q($p: Phase) { echo(phase: $p) }", {"p": 1})
ok(T, "list", "query Q($l: [Int]) { echo(list: $l) }", {"l": [1, None, 3]})
ok(T, "list-single-value-coerced", "query Q($l: [Int]) { echo(list: $l) }", {"l": 9})
err(T, "list-bad-item", "query Q($l: [Int]) { echo(list: $l) }", {"l": [1, "x"]})
ok(T, "nested-list", "query Q($n: [[String!]]) { echo(nested: $n) }", {"n": [["a"], ["b", "c"]]})
ok(T, "nested-list-single-values", "query Q($n: [[String!]]) { echo(nested: $n) }", {"n": "solo"})
err(T, "nested-list-inner-null", "query Q($n: [[String!]]) { echo(nested: $n) }", {"n": [["a", None]]})
ok(T, "input-object", "query Q($i: NewExperiment) { echo(input: $i) }",
   {"i": {"name": "v", "faults": [{"name": "f", "category": "NETWORK"}]}})
ok(T, "input-object-json-order-irrelevant", "query Q($i: NewExperiment) { echo(input: $i) }",
   {"i": {"faults": [{"weight": 1.5, "category": "PROCESS", "name": "f"}], "description": "d", "name": "v"}})
err(T, "input-object-missing-field", "query Q($i: NewExperiment) { echo(input: $i) }", {"i": {"name": "v"}})
err(T, "input-object-unknown-field", "query Q($i: NewExperiment) { echo(input: $i) }",
   {"i": {"name": "v", "faults": [], "extra": 1}})
err(T, "input-object-not-object", "query Q($i: NewExperiment) { echo(input: $i) }", {"i": [1]})
err(T, "input-object-nested-bad-enum", "query Q($i: NewExperiment) { echo(input: $i) }",
   {"i": {"name": "v", "faults": [{"name": "f", "category": "DISK"}]}})
ok(T, "variable-inside-input-literal", "query Q($d: Int) { echo(input: {name: \"n\", faults: [{name: \"f\", "
   "category: NETWORK, durationSeconds: $d}]}) }", {"d": 99})
ok(T, "missing-variable-inside-input-uses-default", "query Q($d: Int) { echo(input: {name: \"n\", faults: [{name: \"f\", "
   "category: NETWORK, durationSeconds: $d}]}) }", {})
ok(T, "variable-inside-list-literal", "query Q($a: Int, $b: Int) { echo(list: [$a, 2, $b]) }", {"a": 1})
ok(T, "pagination-variable-object", "query Q($p: Pagination) { listExperiments(pagination: $p) { totalCount items { id } } }",
   {"p": {"limit": 2}})
ok(T, "filter-variable-phases-single", "query Q($f: ExperimentFilter) { listExperiments(filter: $f) { totalCount } }",
   {"f": {"phases": "RUNNING"}})
ok(T, "input-default-object-literal", "query Q($p: Pagination = {page: 1, limit: 4}) { listExperiments(pagination: $p)"
   " { items { id } } }", {})
ok(T, "unused-extra-variable-value", "query Q($id: ID!) { experiment(id: $id) { id } }", {"id": "e1", "other": 5})
err(T, "undefined-variable", "query Q { experiment(id: $id) { id } }", {"id": "e1"})
err(T, "undefined-variable-anonymous", "{ experiment(id: $id) { id } }", {"id": "e1"})
err(T, "unused-variable", "query Q($id: ID, $x: Int) { experiment(id: \"e1\") { id } }", {})
err(T, "duplicate-variable", "query Q($a: Int, $a: Int) { echo(int: $a) }", {})
err(T, "variable-non-input-type", "query Q($e: Experiment) { me { id } }", {})
err(T, "variable-unknown-type", "query Q($e: Whatever) { echo(int: $e) }", {})
err(T, "variable-type-mismatch-position", "query Q($s: String) { echo(int: $s) }", {"s": "x"})
err(T, "nullable-variable-to-nonnull-arg", "query Q($id: ID) { experiment(id: $id) { id } }", {"id": "e1"})
ok(T, "nullable-variable-with-default-to-nonnull", "query Q($id: ID = \"e2\") { experiment(id: $id) { id } }", {})
err(T, "default-value-wrong-type", "query Q($n: Int = \"three\") { echo(int: $n) }", {})
err(T, "default-value-overflow", "query Q($n: Int = 9999999999) { echo(int: $n) }", {})
err(T, "variable-list-to-scalar", "query Q($l: [Int]) { echo(int: $l) }", {"l": [1]})
err(T, "variable-scalar-to-list-position", "query Q($n: Int) { echo(list: $n) }", {"n": 1})
err(T, "variable-in-default-value", "query Q($a: Int, $b: Int = $a) { echo(int: $b) }", {})
ok(T, "variables-in-directives", "query Q($yes: Boolean!, $no: Boolean!) { a: me @include(if: $yes) { id }"
   " b: me @include(if: $no) { id } }", {"yes": True, "no": False})
ok(T, "variable-used-in-fragment", "query Q($id: ID!) { ...F } fragment F on Query { experiment(id: $id) { id } }",
   {"id": "e5"})
err(T, "variable-in-fragment-undefined", "query Q { ...F } fragment F on Query { experiment(id: $id) { id } }", {})

# ---- fragments -----------------------------------------------------------------------------------------
T = "fragments"
ok(T, "named-fragment", "{ me { ...U } } fragment U on User { id name }")
ok(T, "nested-fragments", "{ me { ...A } } fragment A on User { id ...B } fragment B on User { name }")
ok(T, "fragment-on-root", "query { ...Q } fragment Q on Query { me { id } }")
ok(T, "fragment-on-interface", "{ me { ...N } } fragment N on Node { id }")
ok(T, "fragment-on-named-interface", "{ experiment(id: \"e1\") { ...Nm } } fragment Nm on Named { name }")
ok(T, "inline-without-type", "{ me { ... { id } } }")
ok(T, "inline-on-same-type", "{ me { ... on User { name } } }")
ok(T, "node-experiment", "{ node(id: \"e2\") { id __typename ... on Experiment { name phase } ... on User { email } } }")
ok(T, "node-fault", "{ node(id: \"f2\") { __typename ... on Fault { category tunables { key } } } }")
ok(T, "node-run", "{ node(id: \"e5-r3\") { ... on Run { phase startedAt number } } }")
ok(T, "node-user", "{ node(id: \"u2\") { ... on Named { name } ... on User { experiments { id } } } }")
ok(T, "node-missing", "{ node(id: \"nope\") { id } }")
ok(T, "node-named-fragments", "{ a: node(id: \"p1\") { ...All } b: node(id: \"e1-r0\") { ...All } }"
   " fragment All on Node { id ... on Named { name } ... on Run { number } }")
ok(T, "union-search", "{ search(text: \"probe\") { __typename ... on Probe { id kind } ... on Fault { id } } }")
ok(T, "union-named-fragments", "{ search(text: \"2\") { ...T } } fragment T on Target { __typename ... on Fault { ...F }"
   " ... on Probe { ...P } } fragment F on Fault { name weight } fragment P on Probe { name successPercent }")
ok(T, "union-interface-spread", "{ search(text: \"-1\") { ... on Node { id } ... on Named { name } } }")
ok(T, "union-typename-only", "{ search(text: \"cmd\") { __typename } }")
ok(T, "fragment-merge-with-field", "{ me { id ...U } } fragment U on User { id email }")
ok(T, "fragment-defined-before-use", "fragment U on User { id } { me { ...U } }")
ok(T, "same-fragment-twice", "{ me { ...U ...U } } fragment U on User { name }")
ok(T, "fragment-with-alias-merge", "{ me { n: name ...U } } fragment U on User { n: name }")
ok(T, "fragment-diamond", "{ me { ...A ...B } } fragment A on User { ...C } fragment B on User { ...C } fragment C on User { id }")
err(T, "unknown-fragment", "{ me { ...Missing } }")
err(T, "fragment-unknown-type", "{ me { ...F } } fragment F on Ghost { id }")
err(T, "inline-unknown-type", "{ me { ... on Ghost { id } } }")
err(T, "fragment-on-scalar", "{ me { ...F } } fragment F on String { length }")
err(T, "inline-on-enum", "{ experiment(id: \"e1\") { phase { ... on Phase { x } } } }")
err(T, "fragment-cycle-self", "{ me { ...A } } fragment A on User { ...A }")
err(T, "fragment-cycle-two", "{ me { ...A } } fragment A on User { id ...B } fragment B on User { name ...A }")
err(T, "fragment-cycle-three", "{ me { ...A } } fragment A on User { ...B } fragment B on User { ...C } fragment C on User { ...A }")
err(T, "fragment-cycle-unused", "{ me { id } } fragment A on User { ...B } fragment B on User { ...A }")
err(T, "unused-fragment", "{ me { id } } fragment Unused on User { name }")
err(T, "duplicate-fragment-name", "{ me { ...F } } fragment F on User { id } fragment F on User { name }")
err(T, "impossible-spread-object", "{ me { ...E } } fragment E on Experiment { id }")
err(T, "impossible-inline-object", "{ me { ... on Probe { kind } } }")
err(T, "impossible-spread-union", "{ search(text: \"x\") { ... on Run { id } } }")
ok(T, "possible-spread-interface-in-union", "{ search(text: \"x\") { ... on Node { id } } }")
err(T, "field-on-union-directly", "{ search(text: \"x\") { name } }")
ok(T, "interface-field-on-interface", "{ node(id: \"e1\") { id } }")
err(T, "concrete-field-on-interface", "{ node(id: \"e1\") { name } }")
err(T, "fragment-spread-on-wrong-root", "{ ...M } fragment M on Mutation { deleteExperiment(id: \"e1\") }")

# ---- directives ----------------------------------------------------------------------------------------
T = "directives"
ok(T, "skip-true", "{ me { id name @skip(if: true) } }")
ok(T, "skip-false", "{ me { id name @skip(if: false) } }")
ok(T, "include-true", "{ me { id email @include(if: true) } }")
ok(T, "include-false", "{ me { id email @include(if: false) } }")
ok(T, "skip-and-include", "{ me { a: name @skip(if: false) @include(if: true) b: name @skip(if: true) @include(if: true)"
   " c: name @skip(if: false) @include(if: false) } }")
ok(T, "skip-variable", "query Q($s: Boolean!) { me { id email @skip(if: $s) } }", {"s": True})
ok(T, "include-variable-false", "query Q($i: Boolean!) { me { id email @include(if: $i) } }", {"i": False})
ok(T, "include-nullable-variable-with-default", "query Q($i: Boolean = true) { me { email @include(if: $i) } }", {})
ok(T, "skip-on-inline-fragment", "{ me { id ... on User @skip(if: true) { name } } }")
ok(T, "include-on-fragment-spread", "{ me { id ...U @include(if: false) } } fragment U on User { name }")
ok(T, "skip-root-field", "{ me @skip(if: true) { id } experiment(id: \"e1\") { id } }")
ok(T, "skip-everything", "{ me @skip(if: true) { id } }")
ok(T, "skip-one-of-merged", "{ me { name @skip(if: true) name } }")
ok(T, "skip-typename", "{ __typename @skip(if: true) me { id } }")
err(T, "skip-missing-if", "{ me { id @skip } }")
err(T, "skip-if-wrong-type", "{ me { id @skip(if: \"yes\") } }")
err(T, "include-variable-missing", "query Q($i: Boolean!) { me { id @include(if: $i) } }", {})
err(T, "unknown-directive", "{ me { id @upper } }")
err(T, "directive-wrong-location", "query Q @skip(if: true) { me { id } }")
err(T, "directive-repeated", "{ me { id @skip(if: false) @skip(if: true) } }")
err(T, "deprecated-in-query", "{ me { id @deprecated } }")
err(T, "skip-unknown-argument", "{ me { id @skip(if: true, unless: false) } }")

# ---- execution errors: null propagation and partial results -----------------------------------------
T = "exec"
partial(T, "broken-optional", "{ experiment(id: \"e1\") { id brokenOptional } }")
partial(T, "broken-required-nulls-parent", "{ experiment(id: \"e1\") { id brokenRequired } me { id } }")
partial(T, "failing-root", "{ failing me { id } }")
nulldata(T, "non-null-failing-nulls-data", "{ nonNullFailing me { id } }")
nulldata(T, "non-null-failing-only", "{ nonNullFailing }")
nulldata(T, "broken-required-in-list-reaches-root",
         "{ listExperiments(pagination: {limit: 3}) { totalCount items { id brokenRequired } } }")
nulldata(T, "broken-required-propagates-to-nonnull-root",
         "{ listExperiments(pagination: {limit: 2}) { items { id brokenRequired } } me { id } }")
partial(T, "broken-optional-in-list", "{ listExperiments(pagination: {limit: 3}) { items { id brokenOptional } } }")
partial(T, "broken-required-deep", "{ me { experiments { id brokenRequired } } experiment(id: \"e2\") { id } }")
partial(T, "broken-required-via-user-list", "{ node(id: \"u1\") { ... on User { id experiments { brokenRequired } } } }")
partial(T, "both-broken", "{ experiment(id: \"e3\") { brokenOptional brokenRequired } }")
partial(T, "aliased-errors", "{ a: failing b: failing c: experiment(id: \"e1\") { x: brokenOptional } }")
partial(T, "errors-in-fragments", "{ experiment(id: \"e2\") { ...F } } fragment F on Experiment { id brokenOptional }")
partial(T, "runs-negative-first-in-list",
        "{ me { experiments { id runs(first: -2) { id } } } }")
partial(T, "runs-negative-first-variable", "query Q($f: Int) { experiment(id: \"e1\") { id runs(first: $f) { id } } }",
        {"f": -5})
partial(T, "mutation-broken-optional", "mutation { createExperiment(input: {name: \"m\", faults: []}) { id brokenOptional } }")
nulldata(T, "mutation-broken-required",
         "mutation { d: deleteExperiment(id: \"e1\") createExperiment(input: {name: \"m\", faults: []}) { id brokenRequired } }")
nulldata(T, "mutation-null-duration-nonnull",
         "mutation { createExperiment(input: {name: \"m\", faults: [{name: \"f\", category: NETWORK, durationSeconds: null}]})"
         " { id faults { id durationSeconds } } }")
partial(T, "failing-with-typename", "{ __typename failing }")
partial(T, "node-then-broken", "{ node(id: \"e4\") { id ... on Experiment { brokenOptional owner { name } } } }")
partial(T, "skip-does-not-hide-other-errors", "{ failing @skip(if: true) experiment(id: \"e1\") { brokenOptional } }")
ok(T, "skipped-error-field", "{ failing @skip(if: true) nonNullFailing @include(if: false) me { id } }")

# ---- operations: mutations, operationName, subscriptions ----------------------------------------------
T = "ops"
ok(T, "mutation-create", "mutation { createExperiment(input: {name: \"load\", description: \"d\", faults: [{name: \"a\","
   " category: NETWORK}, {name: \"b\", category: PROCESS, durationSeconds: 10, weight: 2}]}) { id name description"
   " phase score runs { id } faults { id name category durationSeconds weight tunables { key } tags } owner { id } } }")
ok(T, "mutation-create-no-description", "mutation { createExperiment(input: {name: \"x\", faults: []}) { id description } }")
ok(T, "mutation-delete-existing", "mutation { deleteExperiment(id: \"e7\") }")
ok(T, "mutation-delete-missing", "mutation { deleteExperiment(id: \"zz\") }")
ok(T, "mutation-delete-twice", "mutation { a: deleteExperiment(id: \"e1\") b: deleteExperiment(id: \"e1\") }")
ok(T, "mutation-with-variables", "mutation M($in: NewExperiment!) { createExperiment(input: $in) { id faults { id"
   " durationSeconds } } }", {"in": {"name": "v", "faults": [{"name": "f", "category": "RESOURCE"}]}})
err(T, "mutation-missing-input-var", "mutation M($in: NewExperiment!) { createExperiment(input: $in) { id } }", {})
ok(T, "mutation-typename", "mutation { __typename }")
err(T, "mutation-field-on-query", "{ deleteExperiment(id: \"e1\") }")
err(T, "query-field-on-mutation", "mutation { me { id } }")
ok(T, "operation-name-selects-second", "query A { me { id } } query B { experiment(id: \"e2\") { id } }", None, "B")
ok(T, "operation-name-selects-mutation", "query A { me { id } } mutation B { deleteExperiment(id: \"e3\") }", None, "B")
err(T, "operation-name-missing-with-many", "query A { me { id } } query B { me { name } }")
err(T, "operation-name-unknown", "query A { me { id } }", None, "Zed")
ok(T, "operation-name-single-matching", "query A { me { id } }", None, "A")
err(T, "duplicate-operation-names", "query A { me { id } } query A { me { name } }", None, "A")
err(T, "anonymous-with-named", "{ me { id } } query B { me { name } }", None, "B")
err(T, "two-anonymous", "{ me { id } } { me { name } }")
err(T, "empty-document", "")
err(T, "only-fragments", "fragment U on User { id }")
ok(T, "variables-per-operation", "query A($id: ID!) { experiment(id: $id) { id } } query B { me { id } }", {"id": "e1"}, "A")
err(T, "operation-vars-for-other-op", "query A($id: ID!) { experiment(id: $id) { id } } query B { me { id } }", {}, "A")
sub(T, "subscription-valid", "subscription S($e: ID!) { runUpdates(experimentId: $e) { id phase number } }", {"e": "e1"})
sub(T, "subscription-anonymous", "subscription { runUpdates(experimentId: \"e2\") { id } }")
sub(T, "subscription-with-fragment", "subscription { ...R } fragment R on Subscription { runUpdates(experimentId: 1) { id } }")
sub(T, "subscription-typename-inside", "subscription { runUpdates(experimentId: \"e1\") { __typename } }")
err(T, "subscription-two-root-fields", "subscription { a: runUpdates(experimentId: \"e1\") { id } b: runUpdates(experimentId: \"e2\") { id } }")
err(T, "subscription-typename-root", "subscription { __typename }")
err(T, "subscription-unknown-field", "subscription { ticks }")
err(T, "subscription-missing-arg", "subscription { runUpdates { id } }")
err(T, "subscription-no-selection", "subscription { runUpdates(experimentId: \"e1\") }")
ok(T, "query-alongside-subscription", "subscription S { runUpdates(experimentId: \"e1\") { id } } query Q { me { id } }", None, "Q")
sub(T, "subscription-selected-by-name", "subscription S { runUpdates(experimentId: \"e1\") { id } } query Q { me { id } }", None, "S")

# ---- validation: selections, merging, unknown names --------------------------------------------------
T = "validation"
err(T, "unknown-field-root", "{ nothing }")
err(T, "unknown-field-nested", "{ me { id nickname } }")
err(T, "unknown-fields-three", "{ a b c }")
err(T, "unknown-field-in-fragment", "{ me { ...U } } fragment U on User { age }")
err(T, "object-without-selection", "{ me }")
err(T, "list-of-objects-without-selection", "{ me { experiments } }")
err(T, "scalar-with-selection", "{ me { id { x } } }")
err(T, "enum-with-selection", "{ experiment(id: \"e1\") { phase { name } } }")
err(T, "typename-with-selection", "{ __typename { x } }")
err(T, "empty-selection-set-syntax", "{ me { } }")
err(T, "overlap-different-fields-same-alias", "{ me { x: id x: name } }")
err(T, "overlap-different-args", "{ experiment(id: \"e1\") { id } experiment(id: \"e2\") { id } }")
err(T, "overlap-args-missing-vs-present", "{ experiment(id: \"e6\") { runs { id } runs(first: 1) { id } } }")
err(T, "overlap-in-fragments", "{ me { ...A ...B } } fragment A on User { x: name } fragment B on User { x: email }")
err(T, "overlap-nested-conflict", "{ me { experiments { x: id } experiments { x: name } } }")
ok(T, "overlap-same-args-ok", "{ experiment(id: \"e1\") { id } experiment(id: \"e1\") { name } }")
ok(T, "overlap-parallel-types-ok", "{ node(id: \"f1\") { ... on Fault { x: name } ... on Probe { x: kind } } }")
err(T, "overlap-parallel-types-return-shape", "{ node(id: \"f1\") { ... on Fault { x: durationSeconds } ... on Probe { x: kind } } }")
err(T, "overlap-list-vs-single", "{ search(text: \"1\") { ... on Fault { v: tags } ... on Probe { v: name } } }")
err(T, "overlap-nullability", "{ search(text: \"1\") { ... on Fault { v: name } ... on Probe { v: successPercent } } }")
err(T, "overlap-variable-vs-literal", "query Q($id: ID!) { experiment(id: $id) { id } experiment(id: \"e1\") { id } }", {"id": "e1"})
err(T, "unknown-type-in-variable-list", "query Q($x: [Unknown!]) { me { id } }", {})
err(T, "wrong-enum-in-filter", "{ listExperiments(filter: {phases: [RUNNING, PAUSED]}) { totalCount } }")
err(T, "wrong-enum-category", "mutation { createExperiment(input: {name: \"x\", faults: [{name: \"f\", category: DISK}]}) { id } }")
err(T, "int-overflow-in-pagination", "{ listExperiments(pagination: {limit: 3000000000}) { totalCount } }")
err(T, "many-errors-at-once", "query Q($u: Int) { me { nickname } nothing experiment { id } }", {})
err(T, "lone-anonymous-with-fragment-conflict", "{ me { id } } fragment F on User { id } { me { name } }")
err(T, "deprecated-field-with-args", "{ experiment(id: \"e1\") { title(x: 1) } }")
err(T, "object-type-as-argument-value", "{ experiment(id: {x: 1}) { id } }")
err(T, "list-for-id", "{ experiment(id: [\"e1\"]) { id } }")
err(T, "introspection-unknown-meta", "{ __foo }")
err(T, "typename-on-scalar-selection", "{ me { name { __typename } } }")

# ---- syntax: the parser -------------------------------------------------------------------------------
T = "syntax"
err(T, "unclosed-brace", "{ me { id }")
err(T, "extra-closing-brace", "{ me { id } } }")
err(T, "unterminated-string", "{ echo(string: \"abc) }")
err(T, "bad-escape", "{ echo(string: \"\\x41\") }")
err(T, "bad-unicode-escape", "{ echo(string: \"\\u12G4\") }")
err(T, "newline-in-string", "{ echo(string: \"a\nb\") }")
err(T, "unterminated-block-string", "{ echo(string: \"\"\"abc) }")
err(T, "invalid-character", "{ me { id ~ } }")
err(T, "number-followed-by-letter", "{ echo(int: 12abc) }")
err(T, "leading-zero", "{ echo(int: 012) }")
err(T, "float-missing-digits", "{ echo(float: 1.) }")
err(T, "float-exponent-missing-digits", "{ echo(float: 1e) }")
err(T, "missing-argument-value", "{ echo(int:) }")
err(T, "missing-colon-in-argument", "{ echo(int 1) }")
err(T, "variable-missing-type", "query Q($a) { me { id } }")
err(T, "spread-without-name", "{ me { ... } }")
err(T, "fragment-named-on", "{ me { ...on } } fragment on on User { id }")
err(T, "keyword-typo", "qeury { me { id } }")
err(T, "definition-type-in-executable", "type X { a: Int } { me { id } }")
err(T, "lone-dollar", "{ echo(int: $) }")
err(T, "unicode-escape-surrogate-lone", "{ echo(string: \"\\ud800\") }")
ok(T, "unicode-escape-surrogate-pair", "{ echo(string: \"\\ud83d\\ude00\") }")
ok(T, "names-with-underscores-and-digits", "query _q1_ { _a: me { id } a_2: me { name } }")
ok(T, "string-with-hash", "{ echo(string: \"# not a comment\") }")
ok(T, "block-string-with-braces", "{ echo(string: \"\"\"{ me { id } }\"\"\") }")
ok(T, "block-string-crlf", "{ echo(string: \"\"\"\r\n  a\r\n  b\r\n\"\"\") }")
ok(T, "variables-definition-with-directive-free-default-list",
   "query Q($l: [Int] = [1, 2]) { echo(list: $l) }", {})
ok(T, "float-negative-zero", "{ echo(float: -0.0) }")
ok(T, "int-negative-zero", "{ echo(int: -0) }")
ok(T, "long-alias-chain",
   "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }")

# ---- introspection -----------------------------------------------------------------------------------
T = "introspection"
ok(T, "schema-root-types", "{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }")
ok(T, "schema-type-names", "{ __schema { types { name kind } } }")
ok(T, "schema-directives", "{ __schema { directives { name locations args { name type { kind name ofType { name } } } } } }")
ok(T, "type-experiment", "{ __type(name: \"Experiment\") { name kind description fields { name description args { name"
   " defaultValue } type { kind name ofType { kind name ofType { kind name } } } isDeprecated deprecationReason } interfaces { name } } }")
ok(T, "type-experiment-with-deprecated", "{ __type(name: \"Experiment\") { fields(includeDeprecated: true) { name isDeprecated"
   " deprecationReason } } }")
ok(T, "type-experiment-without-deprecated", "{ __type(name: \"Experiment\") { fields(includeDeprecated: false) { name } } }")
ok(T, "type-enum", "{ __type(name: \"Phase\") { kind description enumValues { name isDeprecated } } }")
ok(T, "type-union", "{ __type(name: \"Target\") { kind possibleTypes { name } } }")
ok(T, "type-interface", "{ __type(name: \"Node\") { kind possibleTypes { name } fields { name } } }")
ok(T, "type-input", "{ __type(name: \"NewFault\") { kind inputFields { name defaultValue type { kind name ofType { name } } } } }")
ok(T, "type-input-pagination", "{ __type(name: \"Pagination\") { inputFields { name defaultValue } } }")
ok(T, "type-scalar", "{ __type(name: \"Float\") { kind name description specifiedByURL } }")
ok(T, "type-unknown", "{ __type(name: \"Nope\") { name } }")
ok(T, "type-meta", "{ __type(name: \"__Type\") { name fields { name } } }")
ok(T, "typename-in-introspection", "{ __schema { __typename queryType { __typename name } } }")
ok(T, "type-with-fragment", "{ __type(name: \"Query\") { ...T } } fragment T on __Type { name fields { name args { name } } }")
ok(T, "introspection-alias", "{ s: __schema { q: queryType { n: name } } }")
err(T, "type-missing-name", "{ __type { name } }")
err(T, "schema-without-selection", "{ __schema }")
ok(T, "introspection-in-mutation-typename", "mutation { __typename }")
err(T, "schema-field-on-non-root", "{ me { __schema { queryType { name } } } }")

# ---- more edges: strings with control characters, nested coercion, positions ------------------------
T = "edges"
ok(T, "echo-string-nul-char", "{ echo(string: \"a\\u0000b\") }")
ok(T, "echo-string-control-chars", "{ echo(string: \"\\u0001\\u001f\\u007f tab\\tend\") }")
ok(T, "echo-string-astral-raw", "{ echo(string: \"\U0001F680 rocket\") }")
ok(T, "echo-string-line-separator", "{ echo(string: \"\\u2028\\u2029\") }")
ok(T, "echo-block-string-whitespace-only-lines", "{ echo(string: \"\"\"\n  \n    a\n  \t\n\"\"\") }")
ok(T, "echo-block-string-unicode-escape-is-literal", "{ echo(string: \"\"\"\\u0041\"\"\") }")
ok(T, "echo-id-negative-int", "{ echo(id: -5) }")
err(T, "echo-string-from-int", "{ echo(string: 5) }")
err(T, "echo-id-from-boolean", "{ echo(id: true) }")
err(T, "echo-list-of-lists-into-list", "{ echo(list: [[1]]) }")
err(T, "echo-input-nested-overflow",
    "{ echo(input: {name: \"n\", faults: [{name: \"f\", category: NETWORK, durationSeconds: 2147483648}]}) }")
err(T, "echo-input-nested-missing-category", "{ echo(input: {name: \"n\", faults: [{name: \"f\"}]}) }")
ok(T, "echo-input-single-fault-object-as-list", "{ echo(input: {name: \"n\", faults: {name: \"f\", category: PROCESS}}) }")
ok(T, "nonnull-variable-with-default-missing", "query Q($id: ID! = \"e1\") { experiment(id: $id) { id } }", {})
err(T, "nonnull-variable-with-default-given-null", "query Q($id: ID! = \"e1\") { experiment(id: $id) { id } }", {"id": None})
err(T, "nullable-variable-in-nonnull-input-field",
    "query Q($n: String) { echo(input: {name: $n, faults: []}) }", {"n": "x"})
err(T, "nonnull-variable-given-null-in-input-field",
    "query Q($n: String!) { echo(input: {name: $n, faults: []}) }", {"n": None})
ok(T, "nonnull-variable-in-input-field", "query Q($n: String!) { echo(input: {name: $n, faults: []}) }", {"n": "x"})
ok(T, "enum-list-variable", "query Q($p: [Phase!]) { listExperiments(filter: {phases: $p}) { totalCount } }",
   {"p": ["RUNNING", "QUEUED"]})
err(T, "enum-list-variable-null-item", "query Q($p: [Phase!]) { listExperiments(filter: {phases: $p}) { totalCount } }",
    {"p": ["RUNNING", None]})
ok(T, "pagination-empty-object-defaults", "{ listExperiments(pagination: {}) { items { id } } }")
ok(T, "min-score-fraction", "{ listExperiments(filter: {minScore: 50.5}) { totalCount items { score } } }")
err(T, "directive-on-fragment-definition", "{ me { ...U } } fragment U on User @include(if: true) { id }")
ok(T, "skip-and-include-same-variable", "query Q($b: Boolean!) { me @skip(if: $b) @include(if: $b) { id } x: me { id } }",
   {"b": True})
ok(T, "interface-spread-in-object", "{ node(id: \"e1\") { ... on Experiment { runs(first: 1) { ... on Node { id } } } } }")
err(T, "named-spread-impossible-in-run", "{ experiment(id: \"e1\") { runs { ... on Named { name } } } }")
ok(T, "typename-on-union-members", "{ search(text: \"-2\") { __typename } }")
ok(T, "fault-weight-null-in-list", "{ listExperiments(pagination: {limit: 60}) { items { faults { id weight } } } }")
ok(T, "user-with-null-email", "{ node(id: \"u3\") { ... on User { name email experiments { id } } } }")
nulldata(T, "error-path-with-list-index-reaches-root",
         "{ listExperiments(pagination: {limit: 4}) { items { id runs(first: -1) { id } } } }")

# ---- harder cases: deep merging rules, variable positions, lexer corners, error counts -----------------
T = "hard"
err(T, "overlap-through-fragments-args",
    "{ experiment(id: \"e1\") { ...A ...B } } fragment A on Experiment { runs(first: 1) { id } }"
    " fragment B on Experiment { runs(first: 2) { id } }")
ok(T, "overlap-different-parents-same-shape",
   "{ node(id: \"e1\") { ... on Experiment { x: runs(first: 1) { id } } ... on User { x: experiments { id } } } }")
err(T, "overlap-different-parents-subfield-conflict",
    "{ node(id: \"e1\") { ... on Experiment { x: runs(first: 1) { y: id } } ... on User { x: experiments { y: name } } } }")
err(T, "overlap-deep-three-levels",
    "{ me { experiments { owner { n: name } } } me { experiments { owner { n: email } } } }")
ok(T, "overlap-deep-three-levels-ok", "{ me { experiments { owner { n: name } } } me { experiments { owner { n: name id } } } }")
err(T, "overlap-alias-typename-vs-field", "{ me { __typename __typename: name } }")
ok(T, "nested-abstract-spreads", "{ me { ... on User { ... on Node { ... on Named { name } } } } }")
err(T, "fragment-var-undefined-in-one-operation",
    "query A($x: ID!) { ...F } query B { ...F } fragment F on Query { experiment(id: $x) { id } }", {"x": "e1"}, "A")
ok(T, "fragment-var-defined-in-both-operations",
   "query A($x: ID!) { ...F } query B($x: ID!) { ...F } fragment F on Query { experiment(id: $x) { id } }", {"x": "e1"}, "B")
ok(T, "variable-in-nested-list-item", "query Q($a: [String!]) { echo(nested: [$a, [\"z\"]]) }", {"a": ["x", "y"]})
ok(T, "nonnull-variable-in-list-item", "query Q($a: Int!) { echo(list: [$a, $a]) }", {"a": 6})
ok(T, "stricter-list-variable", "query Q($a: [Int!]) { echo(list: $a) }", {"a": [1, 2]})
err(T, "list-variable-wrong-item-type", "query Q($a: [String]) { echo(list: $a) }", {"a": ["1"]})
ok(T, "default-input-object-with-enum",
   "query Q($f: ExperimentFilter = {phases: [RUNNING], nameContains: \"cpu\"}) { listExperiments(filter: $f) { totalCount } }", {})
err(T, "default-input-object-bad-enum",
    "query Q($f: ExperimentFilter = {phases: [BOGUS]}) { listExperiments(filter: $f) { totalCount } }", {})
err(T, "default-input-object-unknown-field",
    "query Q($f: ExperimentFilter = {color: 1}) { listExperiments(filter: $f) { totalCount } }", {})
err(T, "two-bad-variables-two-errors", "query Q($a: Int, $b: Int) { a: echo(int: $a) b: echo(int: $b) }", {"a": "x", "b": "y"})
err(T, "three-missing-required-variables", "query Q($a: Int!, $b: String!, $c: ID!) { a: echo(int: $a) b: echo(string: $b)"
    " c: echo(id: $c) }", {})
err(T, "input-literal-missing-and-unknown", "{ echo(input: {faults: [], bogus: 1}) }")
err(T, "nullable-variable-in-directive", "query Q($v: Boolean) { me @include(if: $v) { id } }", {"v": True})
err(T, "directive-on-variable-definition-wrong-location", "query Q($a: Int = 1 @deprecated) { echo(int: $a) }", {})
ok(T, "float-exponent-plus", "{ echo(float: 1.0e+10) }")
ok(T, "float-zero", "{ echo(float: 0.0) }")
ok(T, "float-tiny", "{ echo(float: 5e-324) }")
ok(T, "float-many-digits", "{ echo(float: 0.30000000000000004) }")
err(T, "int-double-zero", "{ echo(int: 00) }")
err(T, "int-from-exponent-literal", "{ echo(int: 1e2) }")
err(T, "non-ascii-name", "{ m\u00e9 }")
ok(T, "variable-width-unicode-escape", "{ echo(string: \"\\u{1F600} \\u{41}\") }")
err(T, "variable-width-unicode-escape-too-big", "{ echo(string: \"\\u{110000}\") }")
ok(T, "block-string-escaped-triple-quote-positions", "{ echo(string: \"\"\"\\\"\"\"start mid\\\"\"\"end\\\"\"\"\"\"\") }")
ok(T, "block-string-common-indent-tabs", "{ echo(string: \"\"\"\n\t\ta\n\t\t  b\n\t\tc\"\"\") }")
ok(T, "comment-without-final-newline", "{ me { id } } # trailing")
nulldata(T, "non-null-failing-in-fragment", "{ ...F me { id } } fragment F on Query { nonNullFailing }")
ok(T, "non-null-failing-skipped-by-variable", "query Q($s: Boolean!) { nonNullFailing @skip(if: $s) me { id } }", {"s": True})
nulldata(T, "non-null-failing-included-by-variable", "query Q($s: Boolean!) { nonNullFailing @skip(if: $s) me { id } }", {"s": False})
ok(T, "mutation-weight-int-to-float",
   "mutation { createExperiment(input: {name: \"w\", faults: [{name: \"f\", category: NETWORK, weight: 3}]}) { faults { weight } } }")
ok(T, "echo-input-empty-phases", "{ echo(input: {name: \"n\", faults: [], filter: {phases: []}}) }")
err(T, "subscription-introspection-root-in-fragment",
    "subscription { ...F } fragment F on Subscription { __typename }")
err(T, "subscription-two-fields-via-fragments", "subscription { ...A ...B } fragment A on Subscription { a: runUpdates("
    "experimentId: \"e1\") { id } } fragment B on Subscription { b: runUpdates(experimentId: \"e2\") { id } }")
ok(T, "introspection-input-type-refs", "{ __type(name: \"NewExperiment\") { inputFields { name defaultValue type { kind name"
   " ofType { kind name ofType { kind name ofType { kind name } } } } } } }")
ok(T, "introspection-all-fields-with-deprecated",
   "{ __schema { types { name fields(includeDeprecated: true) { name isDeprecated } } } }")
ok(T, "introspection-directive-details",
   "{ __schema { directives { name description isRepeatable locations args { name defaultValue description } } } }")
ok(T, "introspection-field-args", "{ __type(name: \"Query\") { fields { name args { name defaultValue type { kind name"
   " ofType { kind name } } } } } }")
ok(T, "introspection-enum-deprecated-arg", "{ __type(name: \"FaultCategory\") { enumValues(includeDeprecated: true)"
   " { name description isDeprecated deprecationReason } } }")
ok(T, "introspection-interfaces-of-interface", "{ __type(name: \"Node\") { interfaces { name } } }")
ok(T, "introspection-meta-type-kind", "{ __type(name: \"__TypeKind\") { enumValues { name } } }")
ok(T, "introspection-string-description", "{ __type(name: \"String\") { description } }")
partial(T, "many-errors-ordered-by-path", "{ z: failing a: failing m: experiment(id: \"e2\") { b: brokenOptional"
        " a: brokenOptional } }")

# ---- fixture sweep: generated from fixture.json so every object and value is compared once -----------
T = "fixture"
with open(os.path.join(HERE, "..", "fixture.json"), encoding="utf-8") as _f:
    FIXTURE = json.load(_f)
ALL_NODE = ("fragment All on Node { __typename id ... on Named { name } ... on Experiment { description phase score"
            " title runs(first: 100) { id phase startedAt number } faults { id } owner { id } }"
            " ... on Fault { category durationSeconds weight tags tunables { key value required } }"
            " ... on Probe { kind successPercent } ... on Run { phase startedAt number }"
            " ... on User { email experiments { id } } }")
_ids = [o["id"] for key in ("experiments", "faults", "probes", "users") for o in FIXTURE[key]]
_ids += [r["id"] for e in FIXTURE["experiments"] for r in e["runs"]]
for _start in range(0, len(_ids), 50):
    _chunk = _ids[_start:_start + 50]
    ok(T, f"all-nodes-{_start // 50}",
       "{ " + " ".join(f"n{i}: node(id: {json.dumps(x)}) {{ ...All }}" for i, x in enumerate(_chunk)) + " } " + ALL_NODE)
for _phase in ("QUEUED", "RUNNING", "COMPLETED", "STOPPED", "ERROR"):
    ok(T, f"phase-{_phase.lower()}",
       f"{{ listExperiments(filter: {{phases: [{_phase}]}}, pagination: {{limit: 100}}) {{ totalCount items {{ id phase }} }} }}")
for _score in (0, 25, 50.5, 75, 99.5):
    ok(T, f"min-score-{_score}", f"{{ listExperiments(filter: {{minScore: {_score}}}) {{ totalCount items {{ id }} }} }}")
for _page in range(5):
    ok(T, f"page-{_page}-of-13", f"{{ listExperiments(pagination: {{page: {_page}, limit: 13}}) {{ totalCount items {{ id }} }} }}")
for _text in ("cpu", "kill", "linux", "probe", "http", "-1", "0"):
    ok(T, f"search-{_text}", f"{{ search(text: {json.dumps(_text)}) {{ __typename ... on Node {{ id }} }} }}")


def main():
    total = 0
    ids = set()
    for theme, requests in THEMES.items():
        path = os.path.join(HERE, f"{theme}.jsonl")
        with open(path, "w", encoding="utf-8") as out:
            for r in requests:
                if r["id"] in ids:
                    raise SystemExit(f"duplicate id {r['id']}")
                ids.add(r["id"])
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        total += len(requests)
    print(f"wrote {total} requests in {len(THEMES)} files")


if __name__ == "__main__":
    main()
