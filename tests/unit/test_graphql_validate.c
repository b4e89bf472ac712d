// link: tests/graphql/testschema.c
/* Validation rules of lib/graphql on the differential test schema: every rule with a document it
 * accepts and one it rejects (message as graphql-js words it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/error.h"
#include "lib/graphql/parser.h"
#include "lib/graphql/schema.h"
#include "lib/graphql/validate.h"
#include "tests/graphql/testschema.h"

static struct gql_schema *schema;

/* Validates src; returns the number of errors and copies the first message into first. */
static size_t validate_doc(const char *src, bool introspection, char *first, size_t size)
{
        struct gql_arena a;
        struct gql_errors errs;
        struct gql_ast_document *doc = NULL;
        size_t n;

        gql_arena_init(&a, 8 << 20);
        gql_errors_init(&errs, &a, 0);
        assert_int_equal(gql_parse(&a, src, strlen(src), NULL, &errs, &doc), 0);
        n = gql_validate(&a, schema, doc, introspection, &errs);
        first[0] = '\0';
        if (n)
                snprintf(first, size, "%s", ((struct gql_error *)errs.list.items[0])->message);
        gql_arena_free(&a);
        return n;
}

static const struct {
        const char *rule;    /* spec rule */
        const char *valid;   /* a document the rule accepts */
        const char *invalid; /* a document it rejects */
        const char *message; /* the (first) message for invalid */
} rules[] = {
        { "operation name uniqueness", "query A { me { id } } query B { me { id } }",
          "query A { me { id } } query A { me { name } }", "There can be only one operation named \"A\"." },
        { "lone anonymous operation", "{ me { id } }", "{ me { id } } query B { me { id } }",
          "This anonymous operation must be the only defined operation." },
        { "subscription single root field", "subscription { runUpdates(experimentId: \"e1\") { id } }",
          "subscription S { a: runUpdates(experimentId: \"e1\") { id } b: runUpdates(experimentId: \"e2\") { "
          "id } }",
          "Subscription \"S\" must select only one top level field." },
        { "fields on correct type", "{ me { id name } }", "{ me { nickname } }",
          "Cannot query field \"nickname\" on type \"User\". Did you mean \"name\"?" },
        { "fields on correct type (union)", "{ search(text: \"x\") { __typename ... on Fault { name } } }",
          "{ search(text: \"x\") { name } }",
          "Cannot query field \"name\" on type \"Target\". Did you mean to use an inline fragment on "
          "\"Named\", "
          "\"Fault\", or \"Probe\"?" },
        { "leaf field selections (leaf)", "{ me { id } }", "{ me { id { x } } }",
          "Field \"id\" must not have a selection since type \"ID!\" has no subfields." },
        { "leaf field selections (object)", "{ me { id } }", "{ me }",
          "Field \"me\" of type \"User\" must have a selection of subfields. Did you mean \"me { ... }\"?" },
        { "argument names", "{ experiment(id: \"e1\") { id } }",
          "{ experiment(id: \"e1\", color: 1) { id } }",
          "Unknown argument \"color\" on field \"Query.experiment\"." },
        { "argument names (directive)", "{ me @skip(if: false) { id } }",
          "{ me @skip(if: false, unless: true) { id } }",
          "Unknown argument \"unless\" on directive \"@skip\"." },
        { "required arguments", "{ experiment(id: \"e1\") { id } }", "{ experiment { id } }",
          "Field \"experiment\" argument \"id\" of type \"ID!\" is required, but it was not provided." },
        { "required arguments (directive)", "{ me @include(if: true) { id } }", "{ me @include { id } }",
          "Directive \"@include\" argument \"if\" of type \"Boolean!\" is required, but it was not "
          "provided." },
        { "argument uniqueness", "{ echo(int: 1, float: 2) }", "{ echo(int: 1, int: 2) }",
          "There can be only one argument named \"int\"." },
        { "values of correct type (Int)", "{ echo(int: 2147483647) }", "{ echo(int: 2147483648) }",
          "Int cannot represent non 32-bit signed integer value: 2147483648" },
        { "values of correct type (Int from float)", "{ echo(int: -5) }", "{ echo(int: 1.5) }",
          "Int cannot represent non-integer value: 1.5" },
        { "values of correct type (Float)", "{ echo(float: 1) }", "{ echo(float: \"1\") }",
          "Float cannot represent non numeric value: \"1\"" },
        { "values of correct type (String)", "{ echo(string: \"\"\"x\"\"\") }", "{ echo(string: 1) }",
          "String cannot represent a non string value: 1" },
        { "values of correct type (Boolean)", "{ echo(boolean: false) }", "{ echo(boolean: 0) }",
          "Boolean cannot represent a non boolean value: 0" },
        { "values of correct type (ID)", "{ echo(id: 12) }", "{ echo(id: 1.5) }",
          "ID cannot represent a non-string and non-integer value: 1.5" },
        { "values of correct type (enum)", "{ echo(phase: QUEUED) }", "{ echo(phase: \"QUEUED\") }",
          "Enum \"Phase\" cannot represent non-enum value: \"QUEUED\". Did you mean the enum value "
          "\"QUEUED\"?" },
        { "values of correct type (enum value)", "{ echo(phase: ERROR) }", "{ echo(phase: DONE) }",
          "Value \"DONE\" does not exist in \"Phase\" enum." },
        { "values of correct type (list item)", "{ echo(list: [1, null, 3]) }",
          "{ echo(list: [1, \"two\"]) }", "Int cannot represent non-integer value: \"two\"" },
        { "values of correct type (non-null)", "{ echo(nested: [[\"a\"]]) }",
          "{ echo(nested: [[\"a\", null]]) }", "Expected value of type \"String!\", found null." },
        { "values of correct type (input object field)", "{ echo(input: {name: \"n\", faults: []}) }",
          "{ echo(input: {name: \"n\", faults: [], color: 1}) }",
          "Field \"color\" is not defined by type \"NewExperiment\"." },
        { "values of correct type (required input field)", "{ echo(input: {name: \"n\", faults: []}) }",
          "{ echo(input: {faults: []}) }",
          "Field \"NewExperiment.name\" of required type \"String!\" was not provided." },
        { "values of correct type (object for scalar)", "{ echo(string: \"s\") }", "{ echo(input: \"s\") }",
          "Expected value of type \"NewExperiment\", found \"s\"." },
        { "input object field uniqueness", "{ echo(input: {name: \"n\", faults: []}) }",
          "{ echo(input: {name: \"n\", name: \"m\", faults: []}) }",
          "There can be only one input field named \"name\"." },
        { "variable uniqueness", "query ($a: Int, $b: Int) { echo(int: $a, list: [$b]) }",
          "query ($a: Int, $a: Int) { echo(int: $a) }", "There can be only one variable named \"$a\"." },
        { "variables are input types",
          "query ($f: ExperimentFilter) { listExperiments(filter: $f) { totalCount } }",
          "query ($u: User) { me { id } }", "Variable \"$u\" cannot be non-input type \"User\"." },
        { "variable type known", "query ($i: Int) { echo(int: $i) }", "query ($i: Integer) { echo(int: $i) }",
          "Unknown type \"Integer\"." },
        { "all variables defined", "query Q($i: Int) { echo(int: $i) }", "query Q { echo(int: $i) }",
          "Variable \"$i\" is not defined by operation \"Q\"." },
        { "all variables used", "query Q($i: Int) { echo(int: $i) }", "query Q($i: Int) { echo(int: 1) }",
          "Variable \"$i\" is never used in operation \"Q\"." },
        { "variables in fragments are used",
          "query Q($i: Int) { ...F } fragment F on Query { echo(int: $i) }",
          "query Q($i: Int) { ...F } fragment F on Query { echo(int: 1) }",
          "Variable \"$i\" is never used in operation \"Q\"." },
        { "variables in allowed position",
          "query ($i: Int!) { experiment(id: \"e1\") { runs(first: $i) { id } } }",
          "query ($s: String) { echo(int: $s) }",
          "Variable \"$s\" of type \"String\" used in position expecting type \"Int\"." },
        { "nullable variable in non-null position with default",
          "query ($i: ID = \"e1\") { experiment(id: $i) { id } }",
          "query ($i: ID) { experiment(id: $i) { id } }",
          "Variable \"$i\" of type \"ID\" used in position expecting type \"ID!\"." },
        { "list variable positions", "query ($l: [Int!]) { echo(list: $l) }",
          "query ($l: [[Int]]) { echo(list: $l) }",
          "Variable \"$l\" of type \"[[Int]]\" used in position expecting type \"[Int]\"." },
        { "fragment name uniqueness",
          "{ me { ...A ...B } } fragment A on User { id } fragment B on User { id }",
          "{ me { ...A } } fragment A on User { id } fragment A on User { name }",
          "There can be only one fragment named \"A\"." },
        { "fragment spread target defined", "{ me { ...A } } fragment A on User { id }", "{ me { ...Nope } }",
          "Unknown fragment \"Nope\"." },
        { "fragment type known", "{ me { ... on User { id } } }", "{ me { ... on Ghost { id } } }",
          "Unknown type \"Ghost\". Did you mean \"Float\" or \"Phase\"?" },
        { "fragments on composite types", "{ node(id: \"f1\") { ... on Named { name } } }",
          "{ me { ...F } } fragment F on Phase { x }",
          "Fragment \"F\" cannot condition on non composite type \"Phase\"." },
        { "fragment spread possible", "{ node(id: \"f1\") { ... on Fault { name } } }",
          "{ me { ... on Fault { name } } }",
          "Fragment cannot be spread here as objects of type \"User\" can never be of type \"Fault\"." },
        { "fragment spread possible (named)", "{ me { ...N } } fragment N on Named { name }",
          "{ me { ...R } } fragment R on Run { id }",
          "Fragment \"R\" cannot be spread here as objects of type \"User\" can never be of type \"Run\"." },
        { "fragments must be used", "{ me { ...A } } fragment A on User { id }",
          "{ me { id } } fragment A on User { id }", "Fragment \"A\" is never used." },
        { "fragment spreads must not form cycles",
          "{ me { ...A } } fragment A on User { ...B } fragment B on User { id }",
          "{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }",
          "Cannot spread fragment \"A\" within itself via \"B\"." },
        { "directives are defined", "{ me @include(if: true) { id } }", "{ me @cached { id } }",
          "Unknown directive \"@cached\"." },
        { "directives in valid locations", "{ me { id @skip(if: true) } }",
          "query @skip(if: true) { me { id } }", "Directive \"@skip\" may not be used on QUERY." },
        { "directives unique per location", "{ me @skip(if: false) @include(if: true) { id } }",
          "{ me @skip(if: false) @skip(if: true) { id } }",
          "The directive \"@skip\" can only be used once at this location." },
        { "field selection merging (fields)", "{ me { a: id a: id } }", "{ me { a: id a: name } }",
          "Fields \"a\" conflict because \"id\" and \"name\" are different fields. Use different aliases on "
          "the fields "
          "to fetch both if this was intentional." },
        { "field selection merging (arguments)",
          "{ a: experiment(id: \"e1\") { id } a: experiment(id: \"e1\") { name } }",
          "{ a: experiment(id: \"e1\") { id } a: experiment(id: \"e2\") { id } }",
          "Fields \"a\" conflict because they have differing arguments. Use different aliases on the fields "
          "to fetch "
          "both if this was intentional." },
        { "field selection merging (subfields)", "{ a: me { x: id } a: me { y: id } }",
          "{ a: me { x: id } a: me { x: name } }",
          "Fields \"a\" conflict because subfields \"x\" conflict because \"id\" and \"name\" are different "
          "fields. Use "
          "different aliases on the fields to fetch both if this was intentional." },
        { "field selection merging (disjoint objects)",
          "{ node(id: \"f1\") { ... on Fault { x: name } ... on Probe { x: kind } } }",
          "{ node(id: \"f1\") { ... on Fault { x: weight } ... on Probe { x: kind } } }",
          "Fields \"x\" conflict because they return conflicting types \"Float\" and \"String!\". Use "
          "different aliases "
          "on the fields to fetch both if this was intentional." },
        { "field selection merging (through fragments)", "{ me { ...A id } } fragment A on User { id }",
          "{ me { ...A id: name } } fragment A on User { id }",
          "Fields \"id\" conflict because \"name\" and \"id\" are different fields. Use different aliases on "
          "the fields "
          "to fetch both if this was intentional." },
};

static void rules_table(void **state)
{
        char msg[512];

        for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
                size_t n = validate_doc(rules[i].valid, true, msg, sizeof(msg));

                if (n)
                        fail_msg("%s: valid document rejected: %s", rules[i].rule, msg);
                n = validate_doc(rules[i].invalid, true, msg, sizeof(msg));
                if (n == 0)
                        fail_msg("%s: invalid document accepted", rules[i].rule);
                if (strcmp(msg, rules[i].message))
                        fail_msg("%s: got '%s'", rules[i].rule, msg);
        }
}

static void errors_are_counted_like_graphql_js(void **state)
{
        char msg[512];

        /* unknown field, missing argument, unused variable; the unknown field's children are not checked */
        assert_int_equal(validate_doc("query Q($u: Int) { me { nickname { x } } nothing experiment { id } }",
                                      true, msg, sizeof(msg)),
                         4);
        /* every usage of an undefined variable is reported */
        assert_int_equal(validate_doc("{ a: echo(int: $x) b: echo(int: $x) }", true, msg, sizeof(msg)), 2);
}

static void introspection_switch(void **state)
{
        char msg[512];

        assert_int_equal(validate_doc("{ __schema { queryType { name } } __type(name: \"User\") { name } }",
                                      true, msg, sizeof(msg)),
                         0);
        assert_int_equal(validate_doc("{ __schema { queryType { name } } }", false, msg, sizeof(msg)), 1);
        assert_string_equal(
            msg, "GraphQL introspection has been disabled, but the requested query contained the field "
                 "\"__schema\".");
        /* __typename stays available */
        assert_int_equal(validate_doc("{ __typename me { __typename } }", false, msg, sizeof(msg)), 0);
}

static int setup(void **state)
{
        char err[256];

        assert_int_equal(gql_schema_new(testschema_def(), err, sizeof(err), &schema), 0);
        return 0;
}

static int teardown(void **state)
{
        gql_schema_free(schema);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(rules_table),
                cmocka_unit_test(errors_are_counted_like_graphql_js),
                cmocka_unit_test(introspection_switch),
        };
        return cmocka_run_group_tests_name("graphql_validate", tests, setup, teardown);
}
