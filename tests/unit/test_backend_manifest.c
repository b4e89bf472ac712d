// link: services/backend/manifest.c services/backend/manifest_litmus.c services/backend/hub.c services/backend/hub_dir.c services/backend/yaml.c services/backend/probe_spec.c
/* Rift's experiment manifest: validation against the built-in hub (errors name the field),
 * normalisation (duration_ms, default weight) and the resilience score. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "services/backend/backend.h"

static const char *step(const char *fault, const char *tunables)
{
        static char buf[1024];
        snprintf(buf, sizeof(buf),
                 "{\"groups\":[{\"steps\":[{\"name\":\"s\",\"fault\":\"%s\",\"tunables\":%s}]}]}", fault,
                 tunables);
        return buf;
}

static void bad_manifests_name_the_field(void **state)
{
        static const struct {
                const char *fault, *tunables; /* one step */
                const char *prefix;           /* the error must start with this */
        } cases[] = {
                { "linux-nope", "{}", "groups[0].steps[0].fault: unknown fault \"linux-nope\"" },
                { "linux-network-latency", "{\"JITTER\":\"soon\"}",
                  "groups[0].steps[0].tunables.JITTER: \"soon\"" },
                { "linux-network-latency", "{\"NETWORK_LATENCY\":\"7200000\"}",
                  "groups[0].steps[0].tunables.NETWORK_LATENCY: \"7200000\" is out of range" },
                { "linux-cpu-stress", "{\"LOAD\":\"0\"}", "groups[0].steps[0].tunables.LOAD:" },
                { "linux-cpu-stress", "{\"WORKERS\":\"1.5\"}", "groups[0].steps[0].tunables.WORKERS:" },
                { "linux-memory-stress", "{\"MEMORY\":\"150%\"}", "groups[0].steps[0].tunables.MEMORY:" },
                { "linux-network-latency", "{\"SHAPER\":\"tc\"}", "groups[0].steps[0].tunables.SHAPER:" },
                { "linux-process-kill", "{\"FORCE_KILL\":\"maybe\"}",
                  "groups[0].steps[0].tunables.FORCE_KILL:" },
                { "linux-process-stop", "{\"FORCE_KILL\":\"true\"}",
                  "groups[0].steps[0].tunables.FORCE_KILL: not a tunable of linux-process-stop" },
                { "linux-network-loss", "{\"NETWORK_PACKET_LOSS_PERCENTAGE\":[1]}",
                  "groups[0].steps[0].tunables.NETWORK_PACKET_LOSS_PERCENTAGE: must be a string" },
        };
        char err[512];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *m = step(cases[i].fault, cases[i].tunables);
                cJSON *doc = NULL;
                err[0] = '\0';
                assert_int_equal(manifest_parse(m, strlen(m), &doc, err, sizeof(err)), RIFT_E_INVALID);
                assert_null(doc);
                if (strncmp(err, cases[i].prefix, strlen(cases[i].prefix)) != 0)
                        fail_msg("case %zu: got \"%s\", want prefix \"%s\"", i, err, cases[i].prefix);
        }
}

static void shape_errors(void **state)
{
        static const struct {
                const char *manifest; /* whole document */
                const char *prefix;   /* expected error prefix */
        } cases[] = {
                { "[]", "manifest: not a JSON or YAML object" },
                { "{}", "groups: required" },
                { "{\"groups\":[{}]}", "groups[0].steps: required" },
                { "{\"groups\":[{\"steps\":[{\"fault\":\"linux-cpu-stress\"}]}]}",
                  "groups[0].steps[0].name:" },
                { "{\"groups\":[{\"steps\":[{\"name\":\"a b\",\"fault\":\"linux-cpu-stress\"}]}]}",
                  "groups[0].steps[0].name:" },
                { "{\"groups\":[{\"steps\":[{\"name\":\"a\",\"fault\":\"linux-cpu-stress\",\"weight\":101}]}]"
                  "}",
                  "groups[0].steps[0].weight:" },
                { "{\"groups\":[{\"steps\":[{\"name\":\"a\",\"fault\":\"linux-cpu-stress\",\"duration\":"
                  "\"25h\"}]}]}",
                  "groups[0].steps[0].duration:" },
                { "{\"probes\":[{\"name\":\"p\",\"type\":\"k8sProbe\"}],\"groups\":[]}", "probes[0].type:" },
                { "{\"groups\":[{\"steps\":[{\"name\":\"a\",\"fault\":\"linux-cpu-stress\",\"probes\":[\"x\"]"
                  "}]}]}",
                  "groups[0].steps[0].probes: probe \"x\" is not defined" },
        };
        char err[512];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cJSON *doc = NULL;
                assert_int_equal(
                    manifest_parse(cases[i].manifest, strlen(cases[i].manifest), &doc, err, sizeof(err)),
                    RIFT_E_INVALID);
                if (strncmp(err, cases[i].prefix, strlen(cases[i].prefix)) != 0)
                        fail_msg("case %zu: got \"%s\", want prefix \"%s\"", i, err, cases[i].prefix);
        }
}

static void good_manifest_is_normalised(void **state)
{
        static const char m[] =
            "{\"probes\":[{\"name\":\"up\",\"type\":\"httpProbe\",\"mode\":\"SOT\"}],\"groups\":["
            "{\"steps\":[{\"name\":\"lat\",\"fault\":\"linux-network-latency\",\"duration\":\"90s\","
            "\"tunables\":{\"NETWORK_LATENCY\":\"150ms\",\"JITTER\":5,\"DESTINATION_HOSTS\":\"example.com|"
            "443\"},"
            "\"probes\":[\"up\"]},"
            "{\"name\":\"mem\",\"fault\":\"linux-memory-stress\",\"weight\":0,\"tunables\":{\"MEMORY\":\"50%"
            "\"}}]}]}";
        char err[256];
        cJSON *doc = NULL, *s0, *s1;

        assert_int_equal(manifest_parse(m, strlen(m), &doc, err, sizeof(err)), 0);
        s0 = cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "groups"), 0), "steps"), 0);
        s1 = cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "groups"), 0), "steps"), 1);
        assert_int_equal((int)cJSON_GetObjectItem(s0, "duration_ms")->valuedouble, 90000);
        assert_int_equal((int)cJSON_GetObjectItem(s0, "weight")->valuedouble, 10);
        assert_int_equal((int)cJSON_GetObjectItem(s1, "duration_ms")->valuedouble, 30000);
        assert_int_equal((int)cJSON_GetObjectItem(s1, "weight")->valuedouble, 0);
        cJSON_Delete(doc);
}

static void yaml_manifest_is_accepted(void **state)
{
        static const char m[] = "# Rift experiment in YAML\n"
                                "probes:\n"
                                "  - {name: up, type: httpProbe, mode: SOT}\n"
                                "groups:\n"
                                "  - steps:\n"
                                "      - name: lat\n"
                                "        fault: linux-network-latency\n"
                                "        duration: 45s\n"
                                "        weight: 20\n"
                                "        probes: [up]\n"
                                "        tunables:\n"
                                "          NETWORK_LATENCY: 300\n"
                                "          JITTER: \"5\"\n"
                                "          WHITELIST_SSH: true\n";
        char err[256];
        cJSON *doc = NULL, *s0;

        assert_int_equal(manifest_parse(m, strlen(m), &doc, err, sizeof(err)), 0);
        s0 = cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "groups"), 0), "steps"), 0);
        assert_int_equal((int)cJSON_GetObjectItem(s0, "duration_ms")->valuedouble, 45000);
        assert_int_equal((int)cJSON_GetObjectItem(s0, "weight")->valuedouble, 20);
        assert_true(
            cJSON_IsString(cJSON_GetObjectItem(cJSON_GetObjectItem(s0, "tunables"), "NETWORK_LATENCY")));
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetObjectItem(s0, "tunables"), "NETWORK_LATENCY")->valuestring, "300");
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetObjectItem(s0, "tunables"), "WHITELIST_SSH")->valuestring, "true");
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(s0, "tunables"), "JITTER")->valuestring,
                            "5");
        cJSON_Delete(doc);
}

static void bad_yaml_is_refused(void **state)
{
        static const struct {
                const char *manifest; /* YAML text */
                const char *prefix;   /* expected error prefix */
        } cases[] = {
                { "groups:\n  - steps:\n      - name: a\n        fault: linux-cpu-stress\n        tunables: "
                  "{LOAD: 500}\n",
                  "groups[0].steps[0].tunables.LOAD:" },
                { "a: &x [1]\nb: *x\n", "manifest: YAML aliases are not accepted" },
                { "groups: [\n", "manifest: YAML error" },
                { "- 1\n- 2\n", "manifest: not a JSON or YAML object" },
                { "", "manifest: empty" },
                { "? [a]\n: b\n", "manifest: YAML mapping keys must be scalars" },
        };
        char err[512];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cJSON *doc = NULL;
                assert_int_equal(
                    manifest_parse(cases[i].manifest, strlen(cases[i].manifest), &doc, err, sizeof(err)),
                    RIFT_E_INVALID);
                assert_null(doc);
                if (strncmp(err, cases[i].prefix, strlen(cases[i].prefix)) != 0)
                        fail_msg("case %zu: got \"%s\", want prefix \"%s\"", i, err, cases[i].prefix);
        }
}

static void deep_yaml_is_refused(void **state)
{
        char m[400], err[256];
        cJSON *doc = NULL;

        memset(m, '[', 200);
        m[200] = '\0';
        assert_int_equal(manifest_parse(m, strlen(m), &doc, err, sizeof(err)), RIFT_E_INVALID);
        for (int i = 0; i < 100; i++)
                memcpy(m + 2 * i, "- ", 2);
        m[200] = '\0';
        assert_int_equal(manifest_parse(m, strlen(m), &doc, err, sizeof(err)), RIFT_E_INVALID);
        assert_string_equal(err, "manifest: nested deeper than 64");
}

static void score_is_weighted_mean(void **state)
{
        static const struct {
                const char *faults; /* run faults */
                double score;       /* expected */
        } cases[] = {
                { "[]", 0 },
                { "[{\"weight\":10,\"probeSuccessPercentage\":100}]", 100 },
                { "[{\"weight\":10,\"probeSuccessPercentage\":50},{\"weight\":30,\"probeSuccessPercentage\":"
                  "100},"
                  "{\"weight\":10,\"probeSuccessPercentage\":0}]",
                  70 },
                { "[{\"probeSuccessPercentage\":100},{\"weight\":10}]",
                  50 }, /* default weight, awaited = 0 */
                { "[{\"weight\":0,\"probeSuccessPercentage\":100}]", 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cJSON *f = cJSON_Parse(cases[i].faults);
                assert_true(manifest_score(f) > cases[i].score - 1e-9 &&
                            manifest_score(f) < cases[i].score + 1e-9);
                cJSON_Delete(f);
        }
}

static void hub_lists_every_fault_once(void **state)
{
        assert_int_equal(hub_count(), 14); /* rift-agent --list-faults */
        for (size_t i = 0; i < hub_count(); i++) {
                assert_ptr_equal(hub_find(hub_get(i)->name), hub_get(i));
                for (const struct hub_tunable *t = hub_get(i)->tuns; t->name; t++)
                        for (const struct hub_tunable *u = t + 1; u->name; u++)
                                assert_string_not_equal(t->name, u->name);
        }
        assert_null(hub_find("linux-nope"));
        assert_null(hub_get(hub_count()));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(bad_manifests_name_the_field), cmocka_unit_test(shape_errors),
                cmocka_unit_test(good_manifest_is_normalised),  cmocka_unit_test(score_is_weighted_mean),
                cmocka_unit_test(yaml_manifest_is_accepted),    cmocka_unit_test(bad_yaml_is_refused),
                cmocka_unit_test(deep_yaml_is_refused),         cmocka_unit_test(hub_lists_every_fault_once),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
