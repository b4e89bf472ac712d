/* Shared libraries opened on first use instead of at start: the agent's two idle processes then do not
 * map what only a fault or a probe needs (curl_dl.h, netlink_dl.h). Each user keeps a struct of function
 * pointers and a table naming them; dl_table_open fills the struct from one library. */
#ifndef RIFT_AGENT_DL_H
#define RIFT_AGENT_DL_H

#include <stddef.h>

/* One function to resolve: its symbol name and the offset of its pointer in the caller's struct. */
struct dl_sym {
        const char *name; /* symbol in the library */
        size_t offset;    /* where its address goes in the slots struct */
};

/* dlopen()s soname (RTLD_NOW | RTLD_LOCAL, never closed on success) and writes every symbol of table
 * into slots. 0, or RIFT_E_UNAVAILABLE with the reason (dlerror, or the missing symbol) in err; slots is
 * left untouched on failure. Logs nothing: the caller decides. */
int dl_table_open(const char *soname, const struct dl_sym *table, size_t n, void *slots, size_t slots_size,
                  char *err, size_t errsz);

#endif
