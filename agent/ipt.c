/* iptables through the iptables program (`-w` waits for the xtables lock). Arguments never go through a
 * shell: a rule is split on spaces into argv words. */
#include <errno.h>
#include <string.h>

#include "agent/ipt.h"
#include "agent/proc.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

/* Builds "iptables -w -t TABLE OP CHAIN [rule words...]" in argv (words point into copy). */
static int build_argv(char *argv[], char *copy, size_t copy_size, const char *table, const char *op,
                      const char *chain, const char *rule)
{
        size_t n = 0;
        argv[n++] = (char *)"iptables";
        argv[n++] = (char *)"-w";
        argv[n++] = (char *)"-t";
        argv[n++] = (char *)table;
        argv[n++] = (char *)op;
        argv[n++] = (char *)chain;
        if (rule) {
                if (rift_strlcpy(copy, rule, copy_size) < 0)
                        return RIFT_E_TOOBIG;
                char *save = NULL;
                for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                        if (n >= IPT_MAX_ARGS - 1)
                                return RIFT_E_TOOBIG;
                        argv[n++] = w;
                }
        }
        argv[n] = NULL;
        return 0;
}

static int run(const char *table, const char *op, const char *chain, const char *rule)
{
        char *argv[IPT_MAX_ARGS + 1];
        char copy[RIFT_MAX_UNDO_TEXT];
        int r = build_argv(argv, copy, sizeof(copy), table, op, chain, rule);
        if (r < 0)
                return r;
        return proc_exec(argv);
}

int ipt_chain_exists(const char *table, const char *chain)
{
        int r = run(table, "-S", chain, NULL);
        return r < 0 ? r : r == 0;
}

int ipt_chain_create(const char *table, const char *chain)
{
        int r = run(table, "-N", chain, NULL);
        if (r < 0)
                return r;
        if (r != 0)
                return ipt_chain_exists(table, chain) == 1 ? -EEXIST : -EIO;
        return 0;
}

int ipt_chain_delete(const char *table, const char *chain)
{
        int r = ipt_chain_exists(table, chain);
        if (r <= 0)
                return r;
        run(table, "-F", chain, NULL);
        r = run(table, "-X", chain, NULL);
        if (r < 0)
                return r;
        return r == 0 || ipt_chain_exists(table, chain) == 0 ? 0 : -EBUSY;
}

int ipt_rule_add(const char *table, const char *chain, const char *rule, int insert)
{
        int r = run(table, insert ? "-I" : "-A", chain, rule);
        return r < 0 ? r : r == 0 ? 0 : -EIO;
}

int ipt_rule_delete(const char *table, const char *chain, const char *rule)
{
        int r = run(table, "-C", chain, rule);
        if (r < 0)
                return r;
        if (r != 0)
                return 0; /* no such rule (or chain): already gone */
        r = run(table, "-D", chain, rule);
        return r < 0 ? r : r == 0 ? 0 : -EIO;
}
