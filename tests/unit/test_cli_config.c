// link: cli/ctlconfig.c cli/output.c
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/ctlconfig.h"
#include "lib/error.h"
#include "lib/limits_rift.h"

static void two_accounts(struct ctlconfig *c)
{
        assert_int_equal(ctlconfig_set_user(c, "https://a.example", NULL, "admin", "tok-1", 1700000000), 0);
        assert_int_equal(ctlconfig_set_user(c, "https://a.example", NULL, "alice", "tok-2", 1800000000), 0);
        assert_int_equal(ctlconfig_set_user(c, "http://b:3000", "http://b:8080", "bob", "tok \"3\"\n", 0), 0);
}

static void round_trip(void **state)
{
        _cleanup_(ctlconfig_freep) struct ctlconfig c = {}, back = {};
        _cleanup_buf_ struct rift_buf text = RIFT_BUF_INIT(1u << 20), again = RIFT_BUF_INIT(1u << 20);
        const char *msg = NULL;

        two_accounts(&c);
        assert_int_equal(ctlconfig_format(&c, &text), 0);
        assert_int_equal(ctlconfig_parse(text.data, text.len, &back, &msg), 0);
        assert_int_equal(back.n_accounts, 2);
        assert_string_equal(back.current_account, "http://b:3000");
        assert_string_equal(back.current_user, "bob");
        assert_string_equal(back.accounts[0].endpoint, "https://a.example");
        assert_string_equal(back.accounts[0].server_endpoint, "https://a.example"); /* defaults to endpoint */
        assert_int_equal(back.accounts[0].n_users, 2);
        assert_string_equal(back.accounts[0].users[1].username, "alice");
        assert_string_equal(back.accounts[0].users[1].token, "tok-2");
        assert_int_equal(back.accounts[0].users[1].expires_at, 1800000000);
        assert_string_equal(back.accounts[1].server_endpoint, "http://b:8080");
        assert_string_equal(back.accounts[1].users[0].token, "tok \"3\"\n");
        assert_int_equal(back.accounts[1].users[0].expires_at, 0);
        assert_int_equal(ctlconfig_format(&back, &again), 0);
        assert_string_equal(text.data, again.data);
}

static void reads_litmusctl_shape(void **state)
{
        static const char doc[] = "apiVersion: v1\n"
                                  "kind: Config\n"
                                  "current-account: http://chaos:9091\n"
                                  "current-user: admin\n"
                                  "accounts:\n"
                                  "- endpoint: http://chaos:9091\n"
                                  "  serverEndpoint: http://chaos:9091\n"
                                  "  users:\n"
                                  "  - expires_in: \"1700000000\"\n"
                                  "    token: abc.def.ghi\n"
                                  "    username: admin\n";
        _cleanup_(ctlconfig_freep) struct ctlconfig c = {};
        const struct ctlconfig_account *a;
        const struct ctlconfig_user *u;

        assert_int_equal(ctlconfig_parse(doc, strlen(doc), &c, NULL), 0);
        assert_int_equal(ctlconfig_find(&c, c.current_account, c.current_user, &a, &u), 0);
        assert_string_equal(a->endpoint, "http://chaos:9091");
        assert_string_equal(u->token, "abc.def.ghi");
        assert_int_equal(u->expires_at, 1700000000);
}

static void refuses_bad_files(void **state)
{
        static const char *const docs[] = {
                "accounts: [unclosed\n",                                     /* not YAML */
                "- a\n- b\n",                                                /* not a mapping */
                "accounts:\n- users:\n  - username: x\n",                    /* account without endpoint */
                "accounts:\n- endpoint: http://a\n  users:\n  - token: t\n", /* user without name */
                "accounts:\n- endpoint: http://a\n  users:\n  - username: u\n    expires_in: soon\n",
                "current-user: a\ncurrent-user: b\n", /* repeated key */
                "accounts: {endpoint: http://a}\n",   /* accounts not a list */
                "current-user: [a]\n",                /* not a string */
                "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, "
                "*c]\n"
                "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, "
                "*e]\n",
        };
        for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
                _cleanup_(ctlconfig_freep) struct ctlconfig c = {};
                const char *msg = NULL;
                int r = ctlconfig_parse(docs[i], strlen(docs[i]), &c, &msg);
                if (r != RIFT_E_PARSE)
                        fail_msg("doc %zu: %d", i, r);
                assert_non_null(msg);
        }
}

static void limits(void **state)
{
        _cleanup_(ctlconfig_freep) struct ctlconfig c = {};
        _cleanup_buf_ struct rift_buf text = RIFT_BUF_INIT(4u << 20);
        char url[64];

        for (unsigned i = 0; i < RIFT_CLI_MAX_ACCOUNTS; i++) {
                snprintf(url, sizeof(url), "http://h%u", i);
                assert_int_equal(ctlconfig_set_user(&c, url, NULL, "u", "t", 0), 0);
        }
        assert_int_equal(ctlconfig_set_user(&c, "http://one-more", NULL, "u", "t", 0), RIFT_E_TOOBIG);
        assert_int_equal(ctlconfig_set_user(&c, "http://h1", NULL, "u", "t2", 0), 0); /* replacing is fine */
        assert_int_equal(c.n_accounts, RIFT_CLI_MAX_ACCOUNTS);
        assert_int_equal(c.accounts[1].n_users, 1);

        assert_int_equal(rift_buf_append_str(&text, "kind: \""), 0);
        for (size_t i = 0; i <= RIFT_CLI_MAX_CONFIG; i += 8)
                assert_int_equal(rift_buf_append_str(&text, "xxxxxxxx"), 0);
        assert_int_equal(rift_buf_append_str(&text, "\"\n"), 0);
        struct ctlconfig big = {};
        assert_int_equal(ctlconfig_parse(text.data, text.len, &big, NULL), RIFT_E_TOOBIG);
}

static void use_and_find(void **state)
{
        _cleanup_(ctlconfig_freep) struct ctlconfig c = {};
        const struct ctlconfig_user *u;

        two_accounts(&c);
        assert_int_equal(ctlconfig_use(&c, "https://a.example", "admin"), 0);
        assert_string_equal(c.current_account, "https://a.example");
        assert_string_equal(c.current_user, "admin");
        assert_int_equal(ctlconfig_use(&c, "https://a.example", "bob"), RIFT_E_NOTFOUND);
        assert_int_equal(ctlconfig_use(&c, "https://nowhere", "admin"), RIFT_E_NOTFOUND);
        assert_string_equal(c.current_user, "admin");
        assert_int_equal(ctlconfig_find(&c, "https://a.example", NULL, NULL, &u), 0);
        assert_string_equal(u->username, "admin");
}

static void save_is_private_and_load_reads_it(void **state)
{
        _cleanup_(ctlconfig_freep) struct ctlconfig c = {}, back = {};
        char dir[] = "/tmp/test_cli_config.XXXXXX", path[128];
        struct stat st;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/riftconfig", dir);
        assert_int_equal(ctlconfig_load(path, &back, NULL), -ENOENT);
        f = fopen(path, "w");
        assert_non_null(f);
        fclose(f);
        assert_int_equal(chmod(path, 0644), 0);
        two_accounts(&c);
        assert_int_equal(ctlconfig_save(path, &c), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(ctlconfig_load(path, &back, NULL), 0);
        assert_int_equal(back.n_accounts, 2);
        assert_string_equal(back.accounts[1].users[0].username, "bob");
        unlink(path);
        rmdir(dir);
}

static void path_precedence(void **state)
{
        char p[256];

        setenv("HOME", "/home/x", 1);
        unsetenv("RIFTCONFIG");
        assert_int_equal(ctlconfig_path(NULL, p, sizeof(p)), 0);
        assert_string_equal(p, "/home/x/.riftconfig");
        setenv("RIFTCONFIG", "/etc/rc", 1);
        assert_int_equal(ctlconfig_path(NULL, p, sizeof(p)), 0);
        assert_string_equal(p, "/etc/rc");
        assert_int_equal(ctlconfig_path("/flag", p, sizeof(p)), 0);
        assert_string_equal(p, "/flag");
        unsetenv("RIFTCONFIG");
        unsetenv("HOME");
        assert_int_equal(ctlconfig_path(NULL, p, sizeof(p)), -ENOENT);
        assert_int_equal(ctlconfig_path("/a/rather/long/path", p, 8), -ENAMETOOLONG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(round_trip),        cmocka_unit_test(reads_litmusctl_shape),
                cmocka_unit_test(refuses_bad_files), cmocka_unit_test(limits),
                cmocka_unit_test(use_and_find),      cmocka_unit_test(save_is_private_and_load_reads_it),
                cmocka_unit_test(path_precedence),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
