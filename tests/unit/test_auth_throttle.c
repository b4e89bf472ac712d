// link: services/auth/throttle.c
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "lib/clock.h"
#include "services/auth/auth.h"

static int setup(void **state)
{
        struct auth_throttle *t = NULL;

        rift_clock_fake_start(1000000);
        assert_int_equal(auth_throttle_new(1024, &t), 0);
        *state = t;
        return 0;
}

static int teardown(void **state)
{
        auth_throttle_free(*state);
        rift_clock_fake_stop();
        return 0;
}

static int64_t wait_for(struct auth_throttle *t, const char *user, const char *addr)
{
        int64_t w = 0;

        return auth_throttle_check(t, user, addr, &w) == 0 ? 0 : w;
}

static void delays_double_then_lock_then_expire(void **state)
{
        struct auth_throttle *t = *state;
        /* expected wait (s) before the next attempt, after each failure of one (user, address) pair */
        static const int64_t expected[] = { 0, 0, 0, 1, 2, 4, 8, 16, 30, 900 };

        for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
                auth_throttle_failure(t, "tim", "10.0.0.1");
                if (wait_for(t, "tim", "10.0.0.1") != expected[i])
                        fail_msg("after failure %zu: wait %lld, expected %lld", i + 1,
                                 (long long)wait_for(t, "tim", "10.0.0.1"), (long long)expected[i]);
        }
        /* locked for 15 minutes, then everything is forgotten */
        rift_clock_fake_advance(15 * 60000 - 1000);
        assert_int_equal(wait_for(t, "tim", "10.0.0.1"), 1);
        rift_clock_fake_advance(1000);
        assert_int_equal(wait_for(t, "tim", "10.0.0.1"), 0);
        auth_throttle_failure(t, "tim", "10.0.0.1");
        assert_int_equal(wait_for(t, "tim", "10.0.0.1"), 0);
}

static void other_address_is_not_locked_out(void **state)
{
        struct auth_throttle *t = *state;

        for (int i = 0; i < 10; i++)
                auth_throttle_failure(t, "tim", "10.0.0.1");
        assert_true(wait_for(t, "tim", "10.0.0.1") > 0);
        assert_int_equal(wait_for(t, "tim", "10.0.0.2"), 0); /* the real user elsewhere */
        assert_int_equal(wait_for(t, "ann", "10.0.0.1"), 0); /* another user from that address */
}

static void spraying_one_user_locks_it_briefly(void **state)
{
        struct auth_throttle *t = *state;
        char addr[32];

        for (int i = 0; i < 100; i++) {
                snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 250, i % 250);
                auth_throttle_failure(t, "tim", addr);
        }
        assert_int_equal(wait_for(t, "tim", "192.168.0.9"), 60); /* username lock: one minute */
        rift_clock_fake_advance(60000);
        assert_int_equal(wait_for(t, "tim", "192.168.0.9"), 0);
}

static void address_spraying_many_users_is_locked(void **state)
{
        struct auth_throttle *t = *state;
        char user[32];

        for (int i = 0; i < 50; i++) {
                snprintf(user, sizeof(user), "user%d", i);
                auth_throttle_failure(t, user, "10.9.9.9");
        }
        assert_int_equal(wait_for(t, "fresh", "10.9.9.9"), 900);
        assert_int_equal(wait_for(t, "fresh", "10.9.9.8"), 0);
}

static void success_clears_pair_but_not_address(void **state)
{
        struct auth_throttle *t = *state;

        for (int i = 0; i < 5; i++)
                auth_throttle_failure(t, "tim", "10.0.0.1");
        assert_true(wait_for(t, "tim", "10.0.0.1") > 0);
        auth_throttle_success(t, "tim", "10.0.0.1");
        assert_int_equal(wait_for(t, "tim", "10.0.0.1"), 0);
        /* an attacker's own successful login does not wash the address counter */
        for (int i = 0; i < 49; i++)
                auth_throttle_failure(t, "victim", "10.0.0.7");
        auth_throttle_success(t, "attacker", "10.0.0.7");
        auth_throttle_failure(t, "victim2", "10.0.0.7");
        assert_int_equal(wait_for(t, "anyone", "10.0.0.7"), 900);
}

static void quiet_window_resets_counters(void **state)
{
        struct auth_throttle *t = *state;

        for (int i = 0; i < 5; i++)
                auth_throttle_failure(t, "tim", "10.0.0.1");
        rift_clock_fake_advance(15 * 60000);
        assert_int_equal(wait_for(t, "tim", "10.0.0.1"), 0);
        auth_throttle_failure(t, "tim", "10.0.0.1");
        assert_int_equal(wait_for(t, "tim", "10.0.0.1"), 0); /* counting starts over */
}

static void table_is_bounded(void **state)
{
        struct auth_throttle *t = *state;
        char addr[32];

        /* far more identities than slots: no growth, no crash, recent entries still count */
        for (int i = 0; i < 20000; i++) {
                snprintf(addr, sizeof(addr), "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
                auth_throttle_failure(t, "u", addr);
        }
        assert_true(wait_for(t, "u", "10.0.0.1") >= 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(delays_double_then_lock_then_expire, setup, teardown),
                cmocka_unit_test_setup_teardown(other_address_is_not_locked_out, setup, teardown),
                cmocka_unit_test_setup_teardown(spraying_one_user_locks_it_briefly, setup, teardown),
                cmocka_unit_test_setup_teardown(address_spraying_many_users_is_locked, setup, teardown),
                cmocka_unit_test_setup_teardown(success_clears_pair_but_not_address, setup, teardown),
                cmocka_unit_test_setup_teardown(quiet_window_resets_counters, setup, teardown),
                cmocka_unit_test_setup_teardown(table_is_bounded, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
