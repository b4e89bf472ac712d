#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"

static int64_t sys_clock(clockid_t id)
{
        struct timespec ts;

        clock_gettime(id, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t sys_wall(void *ud)
{
        return sys_clock(CLOCK_REALTIME);
}

static int64_t sys_mono(void *ud)
{
        return sys_clock(CLOCK_MONOTONIC);
}

static const struct rift_clock system_clock = { sys_wall, sys_mono, NULL };
static const struct rift_clock *current = &system_clock;

static int64_t fake_now;
static int64_t fake_get(void *ud)
{
        return fake_now;
}
static const struct rift_clock fake_clock = { fake_get, fake_get, NULL };

int64_t rift_now_ms(void)
{
        return current->wall_ms(current->ud);
}

int64_t rift_mono_ms(void)
{
        return current->mono_ms(current->ud);
}

void rift_clock_set(const struct rift_clock *c)
{
        current = c ? c : &system_clock;
}

void rift_clock_fake_start(int64_t start_ms)
{
        fake_now = start_ms;
        current = &fake_clock;
}

void rift_clock_fake_advance(int64_t delta_ms)
{
        fake_now += delta_ms;
}

void rift_clock_fake_stop(void)
{
        current = &system_clock;
}

void rift_clock_format_rfc3339(int64_t ms, char out[32])
{
        time_t secs = (time_t)(ms / 1000);
        struct tm tm;

        gmtime_r(&secs, &tm);
        char tmp[80];
        int64_t frac = ms % 1000;

        if (frac < 0)
                frac += 1000;
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
        memcpy(out, tmp, 31);
        out[31] = '\0';
}
