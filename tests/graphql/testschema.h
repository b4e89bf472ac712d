/* The differential test schema (tests/graphql/schema.graphql) implemented on lib/graphql, with the
 * data of tests/graphql/fixture.json. Used by gqlexec, the unit tests and the fuzzers. */
#ifndef RIFT_TESTSCHEMA_H
#define RIFT_TESTSCHEMA_H

#include "lib/graphql/graphql.h"

/* Loads the fixture (path NULL: $RIFT_GQL_FIXTURE or tests/graphql/fixture.json). */
int testschema_load(const char *path);
/* Loads the fixture from JSON text. */
int testschema_load_text(const char *json);
void testschema_unload(void);
/* The schema tables (types in schema.graphql order). */
const struct gql_schema_def *testschema_def(void);
/* Frees objects created by mutations during the last request. */
void testschema_request_done(void);

#endif
