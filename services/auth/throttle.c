/* Login throttling. Three counters watch failed logins: one per (username, address) pair, one per
 * address and one per username. Each counter lets a few failures through, then makes every further
 * attempt wait (doubling from 1 s, capped), then refuses attempts for a lock period; a quiet window
 * resets it, and a lock always expires. Success clears the pair and username counters (never the
 * address counter: an attacker's own account must not wash their address clean).
 *
 * The username counter has a high threshold and a short lock, so an attacker spraying from many
 * addresses slows guessing without keeping the real user out for more than that short lock; the
 * user's own (username, address) pair is never touched by the attacker's failures. The exact numbers
 * are in `policies` below and in docs/auth.md.
 *
 * Memory is bounded: a fixed table of slots, 4-way set-associative, keyed by a keyed hash (SipHash
 * with a random key, so clients cannot aim collisions); the least recently used slot of a set is
 * reused when the set is full. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/macro.h"
#include "services/auth/auth.h"

#define WAYS 4

enum counter_kind { K_PAIR, K_ADDR, K_USER, _K_MAX };

struct policy {
        unsigned free;        /* failures allowed before attempts are delayed */
        unsigned lock_at;     /* failures after which attempts are refused */
        int64_t lock_ms;      /* how long a lock lasts */
        int64_t window_ms;    /* a counter idle this long starts over */
        int64_t max_delay_ms; /* cap of the doubling delay */
};

static const struct policy policies[_K_MAX] = {
        [K_PAIR] = { .free = 3,
                     .lock_at = 10,
                     .lock_ms = 15 * 60000,
                     .window_ms = 15 * 60000,
                     .max_delay_ms = 30000 },
        [K_ADDR] = { .free = 10,
                     .lock_at = 50,
                     .lock_ms = 15 * 60000,
                     .window_ms = 15 * 60000,
                     .max_delay_ms = 30000 },
        [K_USER] = { .free = 20,
                     .lock_at = 100,
                     .lock_ms = 60000,
                     .window_ms = 15 * 60000,
                     .max_delay_ms = 5000 },
};

struct slot {
        uint64_t key;         /* keyed hash of kind + identity; 0 = empty */
        unsigned failures;    /* failures in the current window */
        int64_t last_ms;      /* monotonic time of the last failure */
        int64_t locked_until; /* monotonic time a lock ends, 0 = none */
};

struct auth_throttle {
        struct slot *slots;                            /* n_sets * WAYS slots */
        size_t n_sets;                                 /* sets in the table */
        unsigned char hkey[crypto_shorthash_KEYBYTES]; /* SipHash key */
};

int auth_throttle_new(size_t slots, struct auth_throttle **ret)
{
        struct auth_throttle *t;

        if (sodium_init() < 0)
                return RIFT_E_CRYPTO;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->n_sets = MAX(slots / WAYS, 1);
        t->slots = calloc(t->n_sets * WAYS, sizeof(struct slot));
        if (!t->slots) {
                free(t);
                return -ENOMEM;
        }
        randombytes_buf(t->hkey, sizeof(t->hkey));
        *ret = t;
        return 0;
}

void auth_throttle_free(struct auth_throttle *t)
{
        if (!t)
                return;
        free(t->slots);
        free(t);
}

static uint64_t key_of(const struct auth_throttle *t, enum counter_kind k, const char *user, const char *addr)
{
        unsigned char out[crypto_shorthash_BYTES];
        uint64_t h;
        size_t lu = user ? strlen(user) : 0, la = addr ? strlen(addr) : 0;
        unsigned char buf[1 + AUTH_USERNAME_MAX + 1 + 64 + 1];
        size_t n = 0;

        buf[n++] = (unsigned char)k;
        if (k != K_ADDR && lu) {
                lu = MIN(lu, (size_t)AUTH_USERNAME_MAX);
                memcpy(buf + n, user, lu);
                n += lu;
        }
        buf[n++] = 0;
        if (k != K_USER && la) {
                la = MIN(la, (size_t)64);
                memcpy(buf + n, addr, la);
                n += la;
        }
        crypto_shorthash(out, buf, n, t->hkey);
        memcpy(&h, out, sizeof(h));
        return h ? h : 1;
}

/* The slot for key, or NULL if it has none (create = false) / a reused one (create = true). */
static struct slot *slot_for(struct auth_throttle *t, uint64_t key, bool create)
{
        struct slot *set = &t->slots[(key % t->n_sets) * WAYS], *victim = &set[0];

        for (size_t i = 0; i < WAYS; i++) {
                if (set[i].key == key)
                        return &set[i];
                if (set[i].key == 0 || set[i].last_ms < victim->last_ms)
                        victim = &set[i];
        }
        if (!create)
                return NULL;
        *victim = (struct slot){ .key = key };
        return victim;
}

/* Expires a stale counter or a finished lock. */
static void refresh(struct slot *s, const struct policy *p, int64_t now)
{
        if (s->locked_until && now >= s->locked_until)
                *s = (struct slot){ .key = s->key };
        else if (!s->locked_until && s->failures && now - s->last_ms >= p->window_ms)
                *s = (struct slot){ .key = s->key };
}

/* Milliseconds this counter makes the next attempt wait (0 = may go now). */
static int64_t wait_ms(const struct slot *s, const struct policy *p, int64_t now)
{
        int64_t delay;

        if (s->locked_until)
                return s->locked_until - now;
        if (s->failures <= p->free)
                return 0;
        delay = 1000LL << MIN(s->failures - p->free - 1, 20u);
        delay = MIN(delay, p->max_delay_ms);
        return MAX(s->last_ms + delay - now, 0);
}

int auth_throttle_check(struct auth_throttle *t, const char *username, const char *addr, int64_t *ret_wait_s)
{
        int64_t now = rift_mono_ms(), worst = 0;

        for (int k = 0; k < _K_MAX; k++) {
                struct slot *s = slot_for(t, key_of(t, k, username, addr), false);

                if (!s)
                        continue;
                refresh(s, &policies[k], now);
                worst = MAX(worst, wait_ms(s, &policies[k], now));
        }
        if (worst <= 0)
                return 0;
        *ret_wait_s = (worst + 999) / 1000;
        return -EAGAIN;
}

void auth_throttle_failure(struct auth_throttle *t, const char *username, const char *addr)
{
        int64_t now = rift_mono_ms();

        for (int k = 0; k < _K_MAX; k++) {
                struct slot *s = slot_for(t, key_of(t, k, username, addr), true);

                refresh(s, &policies[k], now);
                s->failures++;
                s->last_ms = now;
                if (s->failures >= policies[k].lock_at && !s->locked_until)
                        s->locked_until = now + policies[k].lock_ms;
        }
}

void auth_throttle_success(struct auth_throttle *t, const char *username, const char *addr)
{
        static const enum counter_kind cleared[] = { K_PAIR, K_USER };

        for (size_t i = 0; i < ARRAY_SIZE(cleared); i++) {
                struct slot *s = slot_for(t, key_of(t, cleared[i], username, addr), false);

                if (s && !s->locked_until)
                        *s = (struct slot){ .key = s->key };
        }
}
