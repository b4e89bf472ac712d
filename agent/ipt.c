/* iptables and ip6tables through their programs (`-w` waits for the xtables lock where there is one). Arguments
 * never go through a shell: a rule is split on spaces into argv words, or written as one line of
 * iptables-restore input, which splits it the same way (text with quotes or newlines is refused). */
#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <string.h>

#include "agent/ipt.h"
#include "agent/proc.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

/* Builds "(ip6)iptables -w -t TABLE OP CHAIN [rule words...]" in argv (words point into copy). */
static int build_argv(char *argv[], char *copy, size_t copy_size, int family, const char *table,
                      const char *op, const char *chain, const char *rule)
{
        size_t n = 0;
        if (family != AF_INET && family != AF_INET6)
                return RIFT_E_INVALID;
        argv[n++] = family == AF_INET6 ? (char *)"ip6tables" : (char *)"iptables";
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

static int run(int family, const char *table, const char *op, const char *chain, const char *rule)
{
        char *argv[IPT_MAX_ARGS + 1];
        char copy[RIFT_MAX_UNDO_TEXT];
        int r = build_argv(argv, copy, sizeof(copy), family, table, op, chain, rule);
        if (r < 0)
                return r;
        return proc_exec_input(argv, NULL, 0, IPT_TIMEOUT_MS);
}

int ipt_family_chain_exists(int family, const char *table, const char *chain)
{
        int r = run(family, table, "-S", chain, NULL);
        return r < 0 ? r : r == 0;
}

int ipt_chain_exists(const char *table, const char *chain)
{
        return ipt_family_chain_exists(AF_INET, table, chain);
}

int ipt_chain_create(const char *table, const char *chain)
{
        int r = run(AF_INET, table, "-N", chain, NULL);
        if (r < 0)
                return r;
        if (r != 0)
                return ipt_chain_exists(table, chain) == 1 ? -EEXIST : -EIO;
        return 0;
}

/* One process: declaring the chain creates or empties it, so deleting it then succeeds whether or not
 * it existed; it fails only while a rule still jumps to it. */
int ipt_family_chain_delete(int family, const char *table, const char *chain)
{
        struct ipt_batch b;
        ipt_batch_init_family(&b, family, table);
        ipt_batch_declare(&b, chain);
        ipt_batch_add(&b, "-X", chain, NULL);
        int r = ipt_batch_commit(&b);
        ipt_batch_free(&b);
        if (r != -EIO)
                return r;
        r = ipt_family_chain_exists(family, table, chain);
        return r < 0 ? r : r == 0 ? 0 : -EBUSY;
}

int ipt_chain_delete(const char *table, const char *chain)
{
        return ipt_family_chain_delete(AF_INET, table, chain);
}

int ipt_rule_add(const char *table, const char *chain, const char *rule, int insert)
{
        int r = run(AF_INET, table, insert ? "-I" : "-A", chain, rule);
        return r < 0 ? r : r == 0 ? 0 : -EIO;
}

/* One process when the rule is there; when the delete fails, -C tells "already gone" from a failure. */
int ipt_family_rule_delete(int family, const char *table, const char *chain, const char *rule)
{
        struct ipt_batch b;
        ipt_batch_init_family(&b, family, table);
        ipt_batch_add(&b, "-D", chain, rule);
        int r = ipt_batch_commit(&b);
        ipt_batch_free(&b);
        if (r != -EIO)
                return r;
        r = run(family, table, "-C", chain, rule);
        if (r < 0)
                return r;
        return r != 0 ? 0 : -EIO; /* no such rule (or chain): already gone */
}

int ipt_rule_delete(const char *table, const char *chain, const char *rule)
{
        return ipt_family_rule_delete(AF_INET, table, chain, rule);
}

/* ---- batches --------------------------------------------------------------------------------------- */

/* True if s is safe as words on one iptables-restore line: no line breaks, quotes or escapes. */
static bool plain_words(const char *s)
{
        return s[strcspn(s, "\n\r\"'\\")] == '\0';
}

void ipt_batch_init_family(struct ipt_batch *b, int family, const char *table)
{
        rift_buf_init(&b->text, IPT_MAX_BATCH);
        b->n = 0;
        b->family = family;
        b->err = !plain_words(table) || (family != AF_INET && family != AF_INET6)
                     ? RIFT_E_INVALID
                     : rift_buf_printf(&b->text, "*%s\n", table);
}

void ipt_batch_init(struct ipt_batch *b, const char *table)
{
        ipt_batch_init_family(b, AF_INET, table);
}

void ipt_batch_free(struct ipt_batch *b)
{
        if (b)
                rift_buf_free(&b->text);
}

int ipt_batch_add(struct ipt_batch *b, const char *op, const char *chain, const char *rule)
{
        int r = b->err;
        if (r == 0 &&
            (!plain_words(chain) || strchr(chain, ' ') || !chain[0] || (rule && !plain_words(rule))))
                r = RIFT_E_INVALID;
        if (r == 0)
                r = rift_buf_printf(&b->text, "%s %s%s%s\n", op, chain, rule ? " " : "", rule ? rule : "");
        if (r < 0)
                return b->err = b->err ? b->err : r;
        b->n++;
        return 0;
}

int ipt_batch_declare(struct ipt_batch *b, const char *chain)
{
        int r = b->err;
        if (r == 0 && (!plain_words(chain) || strchr(chain, ' ') || !chain[0]))
                r = RIFT_E_INVALID;
        if (r == 0)
                r = rift_buf_printf(&b->text, ":%s - [0:0]\n", chain);
        if (r < 0)
                return b->err = b->err ? b->err : r;
        b->n++;
        return 0;
}

int ipt_batch_commit(struct ipt_batch *b)
{
        char *argv[] = { b->family == AF_INET6 ? "ip6tables-restore" : "iptables-restore", "--noflush", "-w",
                         NULL };
        if (b->err)
                return b->err;
        if (b->n == 0)
                return 0;
        int r = rift_buf_append_str(&b->text, "COMMIT\n");
        if (r < 0)
                return r;
        r = proc_exec_input(argv, b->text.data, b->text.len, IPT_TIMEOUT_MS);
        return r < 0 ? r : r == 0 ? 0 : -EIO;
}
