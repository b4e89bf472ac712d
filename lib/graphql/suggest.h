/* "Did you mean ...?" suggestions as graphql-js makes them (suggestionList + didYouMean): options
 * within a Damerau-Levenshtein distance of 40% of the input (case changes count as one edit), sorted
 * by distance then natural order, at most 5 quoted. */
#ifndef RIFT_GQL_SUGGEST_H
#define RIFT_GQL_SUGGEST_H

#include <stddef.h>

#include "lib/graphql/arena.h"

/* Options of input sorted as graphql-js suggestionList; writes the count to *ret_n. */
const char **gql_suggestion_list(struct gql_arena *a, const char *input, const char *const *options, size_t n,
                                 size_t *ret_n);
/* " Did you mean [sub ]"A", "B", or "C"?" or "" when there is nothing to suggest. */
const char *gql_did_you_mean(struct gql_arena *a, const char *sub, const char *const *suggestions, size_t n);
/* Both in one: didYouMean(suggestionList(input, options)). */
const char *gql_suggest(struct gql_arena *a, const char *input, const char *const *options, size_t n);

#endif
