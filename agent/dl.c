/* Shared libraries opened on first use: see dl.h. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "agent/dl.h"
#include "lib/error.h"
#include "lib/str.h"

int dl_table_open(const char *soname, const struct dl_sym *table, size_t n, void *slots, size_t slots_size,
                  char *err, size_t errsz)
{
        void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                rift_strlcpy(err, dlerror(), errsz);
                return RIFT_E_UNAVAILABLE;
        }
        for (size_t i = 0; i < n; i++) /* all or nothing: check every symbol first */
                if (table[i].offset + sizeof(void *) > slots_size || !dlsym(h, table[i].name)) {
                        snprintf(err, errsz, "%s has no %s", soname, table[i].name);
                        dlclose(h);
                        return RIFT_E_UNAVAILABLE;
                }
        for (size_t i = 0; i < n; i++) {
                void *p = dlsym(h, table[i].name);
                memcpy((char *)slots + table[i].offset, &p, sizeof(p));
        }
        return 0;
}
