// link: agent/netlink_dl.c agent/dl.c
/* agent/netlink_dl.c: libnl-route-3 and libnetfilter_queue are not mapped until a function of theirs is
 * called, each on its own; calls reach the real libraries (a route netlink socket, a qdisc dump, object
 * setters and getters, an NFQUEUE handle as root); when a library cannot be loaded (a bind mount hides it in
 * a private mount namespace; root only) its functions fail cleanly. Tests run in order: the first two need
 * a process that has loaded neither library. */
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/pkt_sched.h>
#include <netlink/errno.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/tc.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/netlink_dl.h"
#include "lib/error.h"
#include "lib/str.h"
#include "tests/helpers/maps.h"

static void nothing_loaded_at_start(void **state)
{
        assert_false(netlink_dl_loaded(NETLINK_DL_NL));
        assert_false(netlink_dl_loaded(NETLINK_DL_NFQ));
        assert_false(test_maps_contain("libnl-"));
        assert_false(test_maps_contain("libnetfilter_queue"));
        assert_string_equal(netlink_dl_error(NETLINK_DL_NL), "");
}

/* In a fresh child with both libraries' files hidden by /dev/null. */
static int child_without_libs(const char *nl_path, const char *nfq_path)
{
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("/dev/null", nl_path, NULL, MS_BIND, NULL) < 0 ||
            mount("/dev/null", nfq_path, NULL, MS_BIND, NULL) < 0)
                return 77;
        if (nl_socket_alloc() != NULL || rtnl_qdisc_alloc() != NULL || nl_connect(NULL, 0) != -NLE_OPNOTSUPP)
                return 1;
        rtnl_netem_set_delay(NULL, 1); /* void: does nothing */
        if (netlink_dl_load(NETLINK_DL_NL) != RIFT_E_UNAVAILABLE || netlink_dl_loaded(NETLINK_DL_NL) ||
            !netlink_dl_error(NETLINK_DL_NL)[0])
                return 2;
        errno = 0;
        if (nfq_open() != NULL || errno != ELIBACC || nfq_fd(NULL) != -1 ||
            !netlink_dl_error(NETLINK_DL_NFQ)[0])
                return 3;
        return test_maps_contain("libnl-") || test_maps_contain("libnetfilter_queue") ? 4 : 0;
}

static void unloadable_libraries_fail_cleanly(void **state)
{
        char paths[1024] = "", *nfq_path;
        int fds[2], st;

        if (geteuid() != 0)
                skip();
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork(); /* learns the files' paths, so that this process loads nothing */
        assert_true(pid >= 0);
        if (pid == 0) {
                char a[512], b[512], out[1030];
                if (netlink_dl_load(NETLINK_DL_NL) == 0 && netlink_dl_load(NETLINK_DL_NFQ) == 0 &&
                    test_mapped("/libnl-route-3.so", a, sizeof a) == 0 &&
                    test_mapped("/libnetfilter_queue.so", b, sizeof b) == 0) {
                        int n = snprintf(out, sizeof out, "%s\n%s", a, b);
                        if (write(fds[1], out, (size_t)n) < 0)
                                _exit(1);
                }
                _exit(0);
        }
        close(fds[1]);
        ssize_t n = read(fds[0], paths, sizeof paths - 1);
        close(fds[0]);
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(n > 0);
        paths[n] = '\0';
        nfq_path = strchr(paths, '\n');
        assert_non_null(nfq_path);
        *nfq_path++ = '\0';

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(child_without_libs(paths, nfq_path));
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == 77)
                skip();
        assert_int_equal(WEXITSTATUS(st), 0);
}

static void libnl_calls_reach_the_library(void **state)
{
        struct nl_cache *cache = NULL;

        struct nl_sock *sk = nl_socket_alloc();
        assert_non_null(sk);
        assert_true(netlink_dl_loaded(NETLINK_DL_NL));
        assert_true(test_maps_contain("libnl-route-3"));
        assert_false(netlink_dl_loaded(NETLINK_DL_NFQ)); /* each library on its own */
        assert_false(test_maps_contain("libnetfilter_queue"));
        assert_int_equal(nl_connect(sk, NETLINK_ROUTE), 0);
        assert_int_equal(rtnl_qdisc_alloc_cache(sk, &cache), 0);
        struct rtnl_qdisc *root = rtnl_qdisc_get_by_parent(cache, 1 /* lo */, TC_H_ROOT);
        rtnl_qdisc_put(root); /* accepts NULL */
        nl_cache_free(cache);
        nl_socket_free(sk);

        struct rtnl_qdisc *q = rtnl_qdisc_alloc();
        assert_non_null(q);
        assert_int_equal(rtnl_tc_set_kind(TC_CAST(q), "netem"), 0);
        assert_string_equal(rtnl_tc_get_kind(TC_CAST(q)), "netem");
        rtnl_netem_set_delay(q, 20000);
        rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
        rtnl_qdisc_put(q);

        struct rtnl_cls *c = rtnl_cls_alloc();
        assert_non_null(c);
        assert_int_equal(rtnl_tc_set_kind(TC_CAST(c), "u32"), 0);
        assert_int_equal(rtnl_u32_set_classid(c, 0x10001), 0);
        assert_int_equal(rtnl_u32_add_key_uint32(c, 0x0a000001, 0xffffffff, 16, 0), 0);
        rtnl_cls_put(c);
}

static void nfq_calls_reach_the_library(void **state)
{
        struct nfq_handle *h = nfq_open(); /* needs CAP_NET_ADMIN: the library loads either way */
        assert_true(netlink_dl_loaded(NETLINK_DL_NFQ));
        assert_true(test_maps_contain("libnetfilter_queue"));
        if (!h)
                skip();
        assert_true(nfq_fd(h) >= 0);
        assert_int_equal(nfq_close(h), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(nothing_loaded_at_start),
                cmocka_unit_test(unloadable_libraries_fail_cleanly),
                cmocka_unit_test(libnl_calls_reach_the_library),
                cmocka_unit_test(nfq_calls_reach_the_library),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
