// link: agent/probes/probe.c agent/probes/probe_parse.c agent/probes/probe_compare.c agent/probes/probe_verdict.c agent/probes/probe_duration.c agent/probes/probe_http.c agent/probes/probe_cmd.c agent/probes/probe_prom.c agent/probes/curl_dl.c agent/dl.c
/* Probe execution: command probes (timeouts, kills, retries, output cap) and the mode scheduler.
 * With RIFT_PROBE_SPEC=<file> set, this binary is instead the driver of tests/integration/test_probes.py:
 * it runs the spec's probes around a chaos window of RIFT_PROBE_CHAOS_MS and prints the results as JSON. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "agent/probes/probe.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/macro.h"
#include "lib/str.h"

static char tmpdir[64];

static void sleep_ms(int64_t ms)
{
        struct timespec d = { ms / 1000, (ms % 1000) * 1000000 };
        while (nanosleep(&d, &d) < 0 && errno == EINTR)
                ;
}

static struct probe_set *must_parse(const char *json)
{
        struct probe_set *s = NULL;
        char err[512] = "";
        int r = probe_set_parse(json, strlen(json), err, sizeof err, &s);
        if (r < 0)
                fail_msg("parse: %s", err);
        return s;
}

/* One cmdProbe spec; command is embedded as a JSON string (escaped by cJSON). */
static char *cmd_spec(const char *mode, const char *command, const char *type, const char *criteria,
                      const char *value, const char *run_props)
{
        cJSON *cmd = cJSON_CreateString(command);
        char *cmd_json = cJSON_PrintUnformatted(cmd);
        char *out = NULL;
        int n = asprintf(
            &out,
            "[{\"name\":\"p\",\"type\":\"cmdProbe\",\"mode\":\"%s\",\"runProperties\":{%s},"
            "\"cmdProbe/inputs\":{\"command\":%s,\"comparator\":{\"type\":\"%s\",\"criteria\":\"%s\","
            "\"value\":\"%s\"}}}]",
            mode, run_props, cmd_json, type, criteria, value);
        assert_true(n > 0);
        cJSON_Delete(cmd);
        free(cmd_json);
        return out;
}

static struct probe_outcome run_one(const char *json, char *reg, size_t regsz)
{
        struct probe_set *s = must_parse(json);
        struct probe_outcome o;
        assert_int_equal(probe_run_def(probe_set_def(s, 0), &o, reg, regsz), 0);
        probe_set_free(s);
        return o;
}

static bool pid_running(pid_t pid)
{
        char path[64], buf[256];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return false;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *rp = strrchr(buf, ')');
        return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

static pid_t read_pid(const char *path)
{
        FILE *f = fopen(path, "re");
        int pid = -1;
        if (f) {
                if (fscanf(f, "%d", &pid) != 1)
                        pid = -1;
                fclose(f);
        }
        return pid;
}

static void output_compared_and_kept(void **state)
{
        char reg[256] = "";
        _cleanup_free_ char *j =
            cmd_spec("SOT", "echo '  42 '", "int", "==", "42", "\"probeTimeout\":\"5s\",\"interval\":\"1s\"");
        struct probe_outcome o = run_one(j, reg, sizeof reg);
        assert_true(o.passed);
        assert_string_equal(reg, "42");

        _cleanup_free_ char *j2 = cmd_spec("SOT", "echo v1.28.3", "string", "matches", "^v1\\\\.2[0-9]\\\\.",
                                           "\"probeTimeout\":\"5s\",\"interval\":\"1s\"");
        assert_true(run_one(j2, NULL, 0).passed);

        _cleanup_free_ char *j3 =
            cmd_spec("SOT", "echo 41", "int", ">=", "42", "\"probeTimeout\":\"5s\",\"interval\":\"1s\"");
        o = run_one(j3, NULL, 0);
        assert_false(o.passed);
        assert_non_null(strstr(o.description, "41"));
}

static void nonzero_exit_fails(void **state)
{
        _cleanup_free_ char *j = cmd_spec("SOT", "echo 1; exit 3", "int", "==", "1",
                                          "\"probeTimeout\":\"5s\",\"interval\":\"1s\"");
        struct probe_outcome o = run_one(j, NULL, 0);
        assert_false(o.passed);
        assert_non_null(strstr(o.description, "exit status 3"));
}

/* A hanging command is killed with its whole process group at probeTimeout. */
static void hang_killed_at_timeout(void **state)
{
        char cmd[512], shell_pid[128], bg_pid[128];
        snprintf(shell_pid, sizeof shell_pid, "%s/shell.pid", tmpdir);
        snprintf(bg_pid, sizeof bg_pid, "%s/bg.pid", tmpdir);
        snprintf(cmd, sizeof cmd, "echo $$ > %s; sleep 60 & echo $! > %s; sleep 60", shell_pid, bg_pid);
        _cleanup_free_ char *j =
            cmd_spec("SOT", cmd, "int", "==", "0", "\"probeTimeout\":\"400ms\",\"interval\":\"1s\"");
        int64_t t0 = rift_mono_ms();
        struct probe_outcome o = run_one(j, NULL, 0);
        int64_t took = rift_mono_ms() - t0;
        assert_false(o.passed);
        assert_non_null(strstr(o.description, "timed out"));
        assert_true(took >= 400 && took < 2500);
        pid_t a = read_pid(shell_pid), b = read_pid(bg_pid);
        assert_true(a > 0 && b > 0);
        for (int i = 0; i < 50 && pid_running(b); i++)
                sleep_ms(20);
        assert_false(pid_running(a));
        assert_false(pid_running(b));
}

/* A command that exits while its background child keeps stdout open does not hang the probe. */
static void background_child_does_not_hold_probe(void **state)
{
        char cmd[512], bg_pid[128];
        snprintf(bg_pid, sizeof bg_pid, "%s/bg2.pid", tmpdir);
        snprintf(cmd, sizeof cmd, "sleep 60 & echo $! > %s; echo ok", bg_pid);
        _cleanup_free_ char *j =
            cmd_spec("SOT", cmd, "string", "equal", "ok", "\"probeTimeout\":\"3s\",\"interval\":\"1s\"");
        int64_t t0 = rift_mono_ms();
        assert_true(run_one(j, NULL, 0).passed);
        assert_true(rift_mono_ms() - t0 < 2000);
        pid_t b = read_pid(bg_pid);
        for (int i = 0; i < 50 && pid_running(b); i++)
                sleep_ms(20);
        assert_false(pid_running(b));
}

/* Tries = attempt (else retry); spaced by interval; the first passing try wins. */
static void retries_until_pass(void **state)
{
        char cmd[512], counter[128];
        snprintf(counter, sizeof counter, "%s/count", tmpdir);
        snprintf(cmd, sizeof cmd, "n=$(cat %s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s; echo $n",
                 counter, counter);

        unlink(counter);
        _cleanup_free_ char *j = cmd_spec("SOT", cmd, "int", ">=", "3",
                                          "\"probeTimeout\":\"2s\",\"interval\":\"100ms\",\"attempt\":3");
        int64_t t0 = rift_mono_ms();
        assert_true(run_one(j, NULL, 0).passed);
        assert_true(rift_mono_ms() - t0 >= 200); /* two intervals */
        assert_int_equal(read_pid(counter), 3);

        unlink(counter);
        _cleanup_free_ char *j2 = cmd_spec("SOT", cmd, "int", ">=", "3",
                                           "\"probeTimeout\":\"2s\",\"interval\":\"50ms\",\"retry\":2");
        assert_false(run_one(j2, NULL, 0).passed);
        assert_int_equal(read_pid(counter), 2);

        unlink(counter);
        _cleanup_free_ char *j3 = cmd_spec("SOT", cmd, "int", ">=", "1",
                                           "\"probeTimeout\":\"2s\",\"interval\":\"50ms\",\"attempt\":5");
        assert_true(run_one(j3, NULL, 0).passed);
        assert_int_equal(read_pid(counter), 1); /* no retry after a pass */
}

/* Output beyond the cap is discarded without blocking the command. */
static void output_cap(void **state)
{
        _cleanup_free_ char *j = cmd_spec("SOT", "head -c 1000000 /dev/zero | tr '\\0' a; echo", "string",
                                          "contains", "aaaa", "\"probeTimeout\":\"5s\",\"interval\":\"1s\"");
        int64_t t0 = rift_mono_ms();
        assert_true(run_one(j, NULL, 0).passed);
        assert_true(rift_mono_ms() - t0 < 4000);
}

/* Replaces the file atomically, so a probe never reads it half-written. */
static void write_state(const char *path, const char *text)
{
        char tmp[192];
        snprintf(tmp, sizeof tmp, "%s.new", path);
        FILE *f = fopen(tmp, "we");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(rename(tmp, path), 0);
}

/* A set with every mode; the "service" is a state file the chaos window flips to down and back. */
static char *mode_set(const char *state_path)
{
        char *out = NULL;
        const char *rp = "\"probeTimeout\":\"2s\",\"interval\":\"50ms\",\"probePollingInterval\":\"50ms\"";
        int n = asprintf(
            &out,
            "[{\"name\":\"sot\",\"type\":\"cmdProbe\",\"mode\":\"SOT\",\"runProperties\":{%s},"
            "\"cmdProbe/inputs\":{\"command\":\"cat %s\",\"comparator\":{\"type\":\"string\",\"criteria\":"
            "\"equal\",\"value\":\"up\"}}},"
            "{\"name\":\"eot\",\"type\":\"cmdProbe\",\"mode\":\"EOT\",\"runProperties\":{%s},"
            "\"cmdProbe/inputs\":{\"command\":\"cat %s\",\"comparator\":{\"type\":\"string\",\"criteria\":"
            "\"equal\",\"value\":\"up\"}}},"
            "{\"name\":\"edge\",\"type\":\"cmdProbe\",\"mode\":\"Edge\",\"runProperties\":{%s},"
            "\"cmdProbe/inputs\":{\"command\":\"cat %s\",\"comparator\":{\"type\":\"string\",\"criteria\":"
            "\"equal\",\"value\":\"up\"}}},"
            "{\"name\":\"cont\",\"type\":\"cmdProbe\",\"mode\":\"Continuous\",\"runProperties\":{%s},"
            "\"cmdProbe/inputs\":{\"command\":\"cat %s\",\"comparator\":{\"type\":\"string\",\"criteria\":"
            "\"oneOf\",\"value\":\"up,degraded\"}}},"
            "{\"name\":\"onchaos\",\"type\":\"cmdProbe\",\"mode\":\"OnChaos\",\"runProperties\":{%s},"
            "\"cmdProbe/inputs\":{\"command\":\"echo 1\",\"comparator\":{\"type\":\"int\",\"criteria\":"
            "\"==\",\"value\":\"1\"}}}]",
            rp, state_path, rp, state_path, rp, state_path, rp, state_path, rp);
        assert_true(n > 0);
        return out;
}

static enum probe_verdict verdict_of(struct probe_set *s, size_t i, unsigned *runs)
{
        struct probe_result r;
        assert_int_equal(probe_set_result(s, i, &r), 0);
        if (runs)
                *runs = r.runs;
        return r.verdict;
}

static void modes_all_pass(void **state)
{
        char path[128];
        snprintf(path, sizeof path, "%s/state", tmpdir);
        write_state(path, "up\n");
        _cleanup_free_ char *j = mode_set(path);
        struct probe_set *s = must_parse(j);
        unsigned runs;

        assert_int_equal(probe_run_phase(s, PROBE_PHASE_PRE_CHAOS, 0), 0);
        assert_int_equal(verdict_of(s, 0, NULL), PROBE_PASSED);   /* SOT ran */
        assert_int_equal(verdict_of(s, 1, NULL), PROBE_AWAITED);  /* EOT not yet */
        assert_int_equal(verdict_of(s, 4, NULL), PROBE_AWAITED);  /* OnChaos not yet */
        assert_int_equal(verdict_of(s, 2, &runs), PROBE_AWAITED); /* Edge: PostChaos still to come */
        assert_int_equal(runs, 1);
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_CHAOS_START, 300), 0);
        write_state(path, "degraded\n"); /* Continuous accepts it, SOT/EOT would not */
        sleep_ms(500);
        assert_int_equal(verdict_of(s, 3, &runs), PROBE_AWAITED); /* Continuous: running */
        assert_true(runs >= 2);
        verdict_of(s, 4, &runs);
        assert_true(runs >= 2);
        unsigned after_window = runs;
        sleep_ms(200);
        verdict_of(s, 4, &runs);
        assert_int_equal(runs, after_window); /* OnChaos stopped at the end of the chaos window */
        write_state(path, "up\n");
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_POST_CHAOS, 0), 0);
        for (size_t i = 0; i < 5; i++) {
                struct probe_result r;
                probe_set_result(s, i, &r);
                if (r.verdict != PROBE_PASSED)
                        fail_msg("probe %s: %s (%s)", r.name, probe_verdict_to_string(r.verdict),
                                 r.description);
        }
        verdict_of(s, 3, &runs);
        assert_true(runs >= 5); /* polled every 50ms for ~700ms */
        struct probe_score sc;
        assert_int_equal(probe_set_score(s, PROBE_EXP_PASS, &sc), 0);
        assert_int_equal(sc.verdict, PROBE_EXP_PASS);
        assert_int_equal(sc.psp, 100);
        probe_set_free(s);
}

/* Edge fails if PreChaos failed even when PostChaos passes; Continuous ends at its first failure. */
static void edge_sticks_continuous_stops(void **state)
{
        char path[128];
        snprintf(path, sizeof path, "%s/state2", tmpdir);
        write_state(path, "down\n");
        _cleanup_free_ char *j = mode_set(path);
        struct probe_set *s = must_parse(j);
        unsigned runs, later;

        assert_int_equal(probe_run_phase(s, PROBE_PHASE_PRE_CHAOS, 0), 0); /* no stopOnFailure: carries on */
        assert_int_equal(verdict_of(s, 0, NULL), PROBE_FAILED);
        sleep_ms(300);
        assert_int_equal(verdict_of(s, 3, &runs), PROBE_FAILED);
        assert_int_equal(runs, 1);
        write_state(path, "up\n");
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_CHAOS_START, 100), 0);
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_POST_CHAOS, 0), 0);
        assert_int_equal(verdict_of(s, 1, NULL), PROBE_PASSED);   /* EOT */
        assert_int_equal(verdict_of(s, 2, &later), PROBE_FAILED); /* Edge: pre failure sticks */
        assert_int_equal(later, 2);
        struct probe_score sc;
        assert_int_equal(probe_set_score(s, PROBE_EXP_PASS, &sc), 0);
        assert_int_equal(sc.verdict, PROBE_EXP_FAIL);
        assert_int_equal(sc.psp, 40); /* 2 of 5 passed: EOT, OnChaos */
        assert_string_equal(sc.phase, "Completed_With_Probe_Failure");
        probe_set_free(s);
}

/* stopOnFailure: a failing SOT probe stops before chaos; a failing Continuous probe raises the flag. */
static void stop_on_failure(void **state)
{
        _cleanup_free_ char *j =
            cmd_spec("SOT", "echo 0", "int", "==", "1",
                     "\"probeTimeout\":\"1s\",\"interval\":\"1s\",\"stopOnFailure\":true");
        struct probe_set *s = must_parse(j);
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_PRE_CHAOS, 0), 1);
        assert_true(probe_set_stop_requested(s));
        struct probe_score sc;
        assert_int_equal(probe_set_score(s, PROBE_EXP_PASS, &sc), 0);
        assert_int_equal(sc.verdict, PROBE_EXP_STOPPED);
        assert_int_equal(sc.psp, 0);
        probe_set_free(s);

        _cleanup_free_ char *j2 =
            cmd_spec("Continuous", "echo 0", "int", "==", "1",
                     "\"probeTimeout\":\"1s\",\"interval\":\"1s\",\"stopOnFailure\":true");
        s = must_parse(j2);
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_PRE_CHAOS, 0), 0);
        for (int i = 0; i < 100 && !probe_set_stop_requested(s); i++)
                sleep_ms(20);
        assert_true(probe_set_stop_requested(s));
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_POST_CHAOS, 0), 1);
        probe_set_free(s);
}

/* Probe chaining: a later probe's command uses an earlier probe's register. */
static void chained_registers(void **state)
{
        static const char spec[] =
            "[{\"name\":\"probe1\",\"type\":\"cmdProbe\",\"mode\":\"SOT\","
            "\"runProperties\":{\"probeTimeout\":5,\"interval\":5,\"retry\":1},"
            "\"cmdProbe/inputs\":{\"command\":\"echo ' hello '\",\"source\":\"inline\","
            "\"comparator\":{\"type\":\"string\",\"criteria\":\"equal\",\"value\":\"hello\"}}},"
            "{\"name\":\"probe2\",\"type\":\"cmdProbe\",\"mode\":\"SOT\","
            "\"runProperties\":{\"probeTimeout\":5,\"interval\":5},"
            "\"cmdProbe/inputs\":{\"command\":\"echo {{ .probe1.ProbeArtifacts.Register }}-x "
            "'{{ .nope.ProbeArtifacts.Register }}'\","
            "\"comparator\":{\"type\":\"string\",\"criteria\":\"equal\","
            "\"value\":\"hello-x {{ .nope.ProbeArtifacts.Register }}\"}}}]";
        struct probe_set *s = must_parse(spec);
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_PRE_CHAOS, 0), 0);
        struct probe_result r;
        assert_int_equal(probe_set_result(s, 1, &r), 0);
        if (r.verdict != PROBE_PASSED)
                fail_msg("probe2: %s (%s)", probe_verdict_to_string(r.verdict), r.description);
        assert_string_equal(r.register_, "hello-x {{ .nope.ProbeArtifacts.Register }}");
        probe_set_free(s);
}

static void phases_in_order(void **state)
{
        struct probe_set *s = must_parse("[]");
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_POST_CHAOS, 0), 0);
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_PRE_CHAOS, 0), RIFT_E_CONFLICT);
        probe_set_free(s);
}

/* Background probes are cancelled promptly: POST does not wait out a long polling interval. */
static void cancel_is_prompt(void **state)
{
        _cleanup_free_ char *j =
            cmd_spec("Continuous", "echo 1", "int", "==", "1",
                     "\"probeTimeout\":\"1s\",\"interval\":\"1s\",\"probePollingInterval\":\"1m\"");
        struct probe_set *s = must_parse(j);
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_PRE_CHAOS, 0), 0);
        sleep_ms(200);
        int64_t t0 = rift_mono_ms();
        assert_int_equal(probe_run_phase(s, PROBE_PHASE_POST_CHAOS, 0), 0);
        assert_true(rift_mono_ms() - t0 < 500);
        assert_int_equal(verdict_of(s, 0, NULL), PROBE_PASSED);
        probe_set_free(s);
}

/* Driver mode for the integration tests. */
static int drive(const char *spec_path)
{
        _cleanup_free_ char *json = NULL;
        FILE *f = fopen(spec_path, "re");
        if (!f)
                return 2;
        json = calloc(1, RIFT_PROBE_MAX_SPEC + 1);
        size_t n = json ? fread(json, 1, RIFT_PROBE_MAX_SPEC, f) : 0;
        fclose(f);
        const char *chaos = getenv("RIFT_PROBE_CHAOS_MS");
        int64_t chaos_ms = 0;
        if (chaos && rift_parse_int64(chaos, 0, 600000, &chaos_ms) < 0)
                return 2;
        struct probe_set *s = NULL;
        char err[512] = "";
        if (probe_set_parse(json, n, err, sizeof err, &s) < 0) {
                printf("{\"error\":\"%s\"}\n", err);
                return 1;
        }
        int pre = probe_run_phase(s, PROBE_PHASE_PRE_CHAOS, 0);
        if (pre == 0) {
                probe_run_phase(s, PROBE_PHASE_CHAOS_START, chaos_ms);
                sleep_ms(chaos_ms);
        }
        int post = pre == 0 ? probe_run_phase(s, PROBE_PHASE_POST_CHAOS, 0) : 0;
        struct probe_score sc;
        probe_set_score(s, PROBE_EXP_PASS, &sc);
        cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "probes");
        cJSON_AddNumberToObject(out, "pre", pre);
        cJSON_AddNumberToObject(out, "post", post);
        cJSON_AddStringToObject(out, "verdict", probe_exp_verdict_to_string(sc.verdict));
        cJSON_AddNumberToObject(out, "psp", sc.psp);
        cJSON_AddStringToObject(out, "phase", sc.phase);
        for (size_t i = 0; i < probe_set_count(s); i++) {
                struct probe_result r;
                probe_set_result(s, i, &r);
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "name", r.name);
                cJSON_AddStringToObject(o, "type", probe_type_to_string(r.type));
                cJSON_AddStringToObject(o, "mode", probe_mode_to_string(r.mode));
                cJSON_AddStringToObject(o, "verdict", probe_verdict_to_string(r.verdict));
                cJSON_AddStringToObject(o, "description", r.description);
                cJSON_AddStringToObject(o, "register", r.register_);
                cJSON_AddNumberToObject(o, "runs", r.runs);
                cJSON_AddItemToArray(arr, o);
        }
        char *txt = cJSON_PrintUnformatted(out);
        puts(txt);
        free(txt);
        cJSON_Delete(out);
        probe_set_free(s);
        return 0;
}

static int setup(void **state)
{
        snprintf(tmpdir, sizeof tmpdir, "/tmp/rift-probe-test-XXXXXX");
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];
        snprintf(cmd, sizeof cmd, "%s", tmpdir);
        static const char *const files[] = { "shell.pid", "bg.pid", "bg2.pid", "count", "state", "state2" };
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                char p[160];
                snprintf(p, sizeof p, "%s/%s", tmpdir, files[i]);
                unlink(p);
        }
        rmdir(cmd);
        return 0;
}

int main(void)
{
        const char *spec = getenv("RIFT_PROBE_SPEC");
        if (spec)
                return drive(spec);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(output_compared_and_kept),
                cmocka_unit_test(nonzero_exit_fails),
                cmocka_unit_test(hang_killed_at_timeout),
                cmocka_unit_test(background_child_does_not_hold_probe),
                cmocka_unit_test(retries_until_pass),
                cmocka_unit_test(output_cap),
                cmocka_unit_test(modes_all_pass),
                cmocka_unit_test(edge_sticks_continuous_stops),
                cmocka_unit_test(stop_on_failure),
                cmocka_unit_test(chained_registers),
                cmocka_unit_test(phases_in_order),
                cmocka_unit_test(cancel_is_prompt),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
