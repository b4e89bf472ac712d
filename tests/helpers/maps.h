/* What a test process maps (/proc/self/maps): for the tests that check a library is loaded only on first
 * use (test_netlink_dl, test_probe_curl_dl) or never (test_agent_privsep: no NSS module). */
#ifndef RIFT_TESTS_MAPS_H
#define RIFT_TESTS_MAPS_H

#include <stdbool.h>
#include <stddef.h>

/* The path of the first mapped file whose path contains name, into out: 0, -ENOENT, -ENAMETOOLONG or a
 * negative errno from opening the maps file. */
int test_mapped(const char *name, char *out, size_t size);
/* true if this process maps a file whose path contains name */
bool test_maps_contain(const char *name);

#endif
