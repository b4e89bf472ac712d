/* See maps.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/str.h"
#include "tests/helpers/maps.h"

int test_mapped(const char *name, char *out, size_t size)
{
        char line[1024];
        int r = -ENOENT;
        FILE *f = fopen("/proc/self/maps", "re");
        if (!f)
                return -errno;
        while (r < 0 && fgets(line, sizeof line, f)) {
                char *p = strchr(line, '/');
                if (p && strstr(p, name)) {
                        p[strcspn(p, "\n")] = '\0';
                        r = rift_strlcpy(out, p, size) < 0 ? -ENAMETOOLONG : 0;
                }
        }
        fclose(f);
        return r;
}

bool test_maps_contain(const char *name)
{
        char path[1024];
        return test_mapped(name, path, sizeof path) != -ENOENT;
}
