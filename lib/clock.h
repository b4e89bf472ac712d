/* An injectable clock: production reads the system clocks, tests install a fake one. */
#ifndef RIFT_CLOCK_H
#define RIFT_CLOCK_H

#include <stdint.h>

struct rift_clock {
        int64_t (*wall_ms)(void *ud); /* milliseconds since the Unix epoch */
        int64_t (*mono_ms)(void *ud); /* monotonic milliseconds, for deadlines and intervals */
        void *ud;                     /* passed to both callbacks */
};

int64_t rift_now_ms(void);  /* wall clock, ms since epoch */
int64_t rift_mono_ms(void); /* monotonic clock, ms */

/* Replaces the process clock (NULL restores the system clock). Not thread-safe: call at start-up. */
void rift_clock_set(const struct rift_clock *c);

/* A fake clock for tests: both wall and monotonic time start at start_ms and move only when told. */
void rift_clock_fake_start(int64_t start_ms);
void rift_clock_fake_advance(int64_t delta_ms);
void rift_clock_fake_stop(void);

/* Formats ms since epoch as RFC 3339 UTC with milliseconds ("2026-01-02T03:04:05.678Z"). */
void rift_clock_format_rfc3339(int64_t ms, char out[32]);

#endif
