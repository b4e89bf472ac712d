// link: services/backend/manifest.c services/backend/manifest_litmus.c services/backend/hub.c services/backend/hub_dir.c services/backend/yaml.c services/backend/probe_spec.c
/* Litmus manifests into Rift's format (manifest_litmus.c), table-driven: fault and env mappings of a
 * ChaosEngine, step naming, probes and probeRef, and the errors (each naming the original field). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "services/backend/backend.h"

/* A ChaosEngine with one experiment: fault, then its env as YAML flow entries, then extra spec lines. */
static const char *engine(const char *fault, const char *env, const char *extra)
{
        static char buf[4096];

        snprintf(buf, sizeof(buf),
                 "apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosEngine\nmetadata: {name: e}\n"
                 "spec:\n  experiments:\n    - name: %s\n      spec:\n        components:\n"
                 "          env: [%s]\n%s",
                 fault, env, extra);
        return buf;
}

static cJSON *parse_ok(const char *text)
{
        char err[512] = "";
        cJSON *doc = NULL;

        if (manifest_parse(text, strlen(text), &doc, err, sizeof(err)) < 0)
                fail_msg("refused: %s\n%s", err, text);
        return doc;
}

static const cJSON *first_step(const cJSON *doc)
{
        return cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "groups"), 0), "steps"), 0);
}

static const char *tun(const cJSON *step, const char *name)
{
        return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(step, "tunables"), name));
}

static void node_faults_map_to_linux_ones(void **state)
{
        static const struct {
                const char *fault, *env;      /* Litmus */
                const char *rift, *tun, *val; /* expected fault, one tunable and its value */
        } cases[] = {
                { "node-cpu-hog", "{name: CPU_LOAD, value: '70'}", "linux-cpu-stress", "LOAD", "70" },
                { "node-cpu-hog", "{name: NODE_CPU_CORE, value: '3'}", "linux-cpu-stress", "WORKERS", "3" },
                { "node-memory-hog",
                  "{name: MEMORY_CONSUMPTION_PERCENTAGE, value: '40'}, {name: MEMORY_CONSUMPTION_MEBIBYTES, "
                  "value: '0'}",
                  "linux-memory-stress", "MEMORY", "40%" },
                { "node-memory-hog",
                  "{name: MEMORY_CONSUMPTION_PERCENTAGE, value: ''}, {name: MEMORY_CONSUMPTION_MEBIBYTES, "
                  "value: 512}",
                  "linux-memory-stress", "MEMORY", "512m" },
                { "node-io-stress", "{name: FILESYSTEM_UTILIZATION_PERCENTAGE, value: '20'}",
                  "linux-disk-io-stress", "FILE_SYSTEM_UTILISATION", "20%" },
                { "node-io-stress", "{name: FILESYSTEM_UTILIZATION_BYTES, value: '2'}",
                  "linux-disk-io-stress", "FILE_SYSTEM_UTILISATION", "2g" },
                { "linux-network-loss", "{name: NETWORK_INTERFACE, value: eth1}", "linux-network-loss",
                  "NETWORK_INTERFACES", "eth1" },
                { "linux-process-kill", "{name: PROCESS_NAMES, value: nginx}, {name: TARGET_PODS, value: x}",
                  "linux-process-kill", "PROCESS_NAMES", "nginx" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cJSON *doc = parse_ok(engine(cases[i].fault, cases[i].env, ""));
                const cJSON *s = first_step(doc);
                assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(s, "fault")), cases[i].rift);
                assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(s, "name")), cases[i].fault);
                if (!tun(s, cases[i].tun) || strcmp(tun(s, cases[i].tun), cases[i].val))
                        fail_msg("case %zu: %s = %s, want %s", i, cases[i].tun,
                                 tun(s, cases[i].tun) ? tun(s, cases[i].tun) : "(none)", cases[i].val);
                assert_null(tun(s, "TARGET_PODS"));
                cJSON_Delete(doc);
        }
}

static void duration_weight_probes_and_names(void **state)
{
        const char *text =
            "kind: ChaosEngine\nmetadata:\n  name: e\n  annotations:\n    weight: '40'\n"
            "    probeRef: '[{\"name\": \"saved-one\", \"mode\": \"EOT\"}]'\n"
            "spec:\n  experiments:\n"
            "    - name: linux-cpu-stress\n      spec:\n        components:\n"
            "          env: [{name: TOTAL_CHAOS_DURATION, value: 90s}, {name: RAMP_TIME, value: ''}]\n"
            "        probe:\n          - {name: p1, type: cmdProbe, mode: SOT}\n"
            "    - name: linux-cpu-stress\n      spec:\n        probe:\n          - {name: p1, type: "
            "cmdProbe, mode: SOT}\n";
        char err[512] = "";
        cJSON *doc = NULL, *conv = NULL;
        const cJSON *steps, *s0, *s1;

        /* the converter alone: a probeRef stays a {name, mode} reference for manifest.c to resolve */
        assert_int_equal(backend_yaml_to_json(text, strlen(text), &doc, err, sizeof(err)), 0);
        assert_true(manifest_litmus_is(doc));
        assert_int_equal(manifest_litmus_convert(doc, &conv, err, sizeof(err)), 0);
        steps = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(conv, "groups"), 0), "steps");
        assert_int_equal(cJSON_GetArraySize(steps), 2);
        s0 = cJSON_GetArrayItem(steps, 0);
        s1 = cJSON_GetArrayItem(steps, 1);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(s0, "name")), "linux-cpu-stress");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(s1, "name")), "linux-cpu-stress-2");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(s0, "duration")), "90000ms");
        assert_null(cJSON_GetObjectItem(s1, "duration"));
        assert_int_equal((int)cJSON_GetObjectItem(s0, "weight")->valuedouble, 40);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(conv, "probes")), 1); /* p1 once */
        assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(s0, "probes"), 0)),
                            "p1");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
                                cJSON_GetArrayItem(cJSON_GetObjectItem(s1, "probes"), 1), "mode")),
                            "EOT");
        cJSON_Delete(conv);
        cJSON_Delete(doc);
        /* without saved probes to look in, the reference is refused by manifest_parse */
        doc = NULL;
        assert_int_equal(manifest_parse(text, strlen(text), &doc, err, sizeof(err)), RIFT_E_INVALID);
        assert_non_null(strstr(err, "probe \"saved-one\""));
}

static void errors_name_the_original_field(void **state)
{
        static const struct {
                const char *text; /* a whole manifest, or NULL: engine(fault, env, extra) */
                const char *fault, *env, *extra;
                const char *prefix; /* the error must start with this */
        } cases[] = {
                { NULL, "container-kill", "", "",
                  "spec.experiments[0].name: \"container-kill\" is a Kubernetes fault" },
                { NULL, "aws-ec2-stop", "", "",
                  "spec.experiments[0].name: \"aws-ec2-stop\" is a Kubernetes fault" },
                { NULL, "linux-cpu-stress", "{name: LOAD}", "", /* no value: empty, as in Kubernetes */
                  "spec.experiments[0].spec.components.env.LOAD: \"\" is not a number in range" },
                { NULL, "linux-cpu-stress", "{name: LOAD, value: [1]}", "",
                  "spec.experiments[0].spec.components.env[0]: name and a scalar value required" },
                { NULL, "linux-cpu-stress", "{name: TOTAL_CHAOS_DURATION, value: '0'}", "",
                  "spec.experiments[0].spec.components.env.TOTAL_CHAOS_DURATION: \"0\" is not a number of "
                  "seconds" },
                { NULL, "node-memory-hog", "{name: MEMORY_CONSUMPTION_PERCENTAGE, value: '150'}", "",
                  "spec.experiments[0].spec.components.env.MEMORY_CONSUMPTION_PERCENTAGE: \"150%\" is not a "
                  "percentage in 0..100 (as Rift's MEMORY)" },
                { NULL, "linux-cpu-stress", "", "        probe:\n          - {type: cmdProbe}\n",
                  "spec.experiments[0].spec.probe[0].name: required" },
                { NULL, "linux-cpu-stress", "", "        probe: {name: x}\n",
                  "spec.experiments[0].spec.probe: must be a list" },
                { "kind: ChaosEngine\nspec: {experiments: []}\n", NULL, NULL, NULL,
                  "spec.experiments: required, a non-empty list" },
                { "kind: ChaosEngine\nmetadata: {annotations: {probeRef: 'not json'}}\n"
                  "spec: {experiments: [{name: linux-cpu-stress}]}\n",
                  NULL, NULL, NULL, "metadata.annotations.probeRef: expected a JSON list" },
                { "kind: ChaosEngine\nmetadata: {annotations: {probeRef: '[{\"mode\": \"SOT\"}]'}}\n"
                  "spec: {experiments: [{name: linux-cpu-stress}]}\n",
                  NULL, NULL, NULL, "metadata.annotations.probeRef: each entry needs a \"name\"" },
                { "kind: ChaosEngine\nspec: {experiments: [{name: linux-cpu-stress, spec: {probe: "
                  "[{name: a, type: cmdProbe, mode: SOT}]}}, {name: linux-cpu-stress, spec: {probe: "
                  "[{name: a, type: cmdProbe, mode: EOT}]}}]}\n",
                  NULL, NULL, NULL,
                  "spec.experiments[1].spec.probe[0].name: probe \"a\" is defined twice, differently" },
                { "kind: Workflow\nspec: {entrypoint: main, templates: [{name: main, steps: [[{name: "
                  "x}]]}]}\n",
                  NULL, NULL, NULL, "spec.templates[0].steps[0][0]: name and template required" },
                { "kind: Workflow\nspec: {entrypoint: main, templates: [{name: main, steps: [{name: x}]}]}\n",
                  NULL, NULL, NULL, "spec.templates[0].steps[0]: must be a list of steps" },
                { "kind: Workflow\nspec: {entrypoint: main, templates: [{name: main, steps: "
                  "[[{name: install-chaos-faults, template: install-chaos-faults}]]}]}\n",
                  NULL, NULL, NULL, "spec.templates[0].steps: no ChaosEngine step to run" },
                { "kind: Workflow\nspec: {entrypoint: main, templates: [{name: main, steps: [[{name: a, "
                  "template: t}]]}, "
                  "{name: t, inputs: {artifacts: [{raw: {data: 'kind: [oops'}}]}}]}\n",
                  NULL, NULL, NULL, "spec.templates[1].inputs.artifacts[0].raw.data: manifest: YAML error" },
                { "kind: CronWorkflow\nspec: {schedule: '* * * * *'}\n", NULL, NULL, NULL,
                  "spec.workflowSpec.entrypoint: required" },
        };
        char err[512];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *m =
                    cases[i].text ? cases[i].text : engine(cases[i].fault, cases[i].env, cases[i].extra);
                cJSON *doc = NULL;
                err[0] = '\0';
                assert_int_equal(manifest_parse(m, strlen(m), &doc, err, sizeof(err)), RIFT_E_INVALID);
                assert_null(doc);
                if (strncmp(err, cases[i].prefix, strlen(cases[i].prefix)) != 0)
                        fail_msg("case %zu: got \"%s\", want prefix \"%s\"", i, err, cases[i].prefix);
        }
}

/* A manifest cannot make the converter build more than BACKEND_MAX_STEPS steps. */
static void step_count_is_capped(void **state)
{
        static char text[64 * 1024];
        size_t n = (size_t)snprintf(text, sizeof(text), "kind: ChaosEngine\nspec:\n  experiments:\n");
        char err[512];
        cJSON *doc = NULL;

        for (unsigned i = 0; i <= BACKEND_MAX_STEPS; i++)
                n += (size_t)snprintf(text + n, sizeof(text) - n, "    - {name: linux-cpu-stress}\n");
        assert_int_equal(manifest_parse(text, n, &doc, err, sizeof(err)), RIFT_E_INVALID);
        assert_null(doc);
        assert_non_null(strstr(err, "more than 64 faults"));
}

static void fault_names(void **state)
{
        bool kube;

        assert_string_equal(manifest_litmus_fault("linux-network-latency", &kube), "linux-network-latency");
        assert_false(kube);
        assert_string_equal(manifest_litmus_fault("node-cpu-hog", &kube), "linux-cpu-stress");
        assert_null(manifest_litmus_fault("pod-delete", &kube));
        assert_true(kube);
        assert_null(manifest_litmus_fault("node-drain", &kube));
        assert_true(kube);
        assert_null(manifest_litmus_fault("made-up", &kube));
        assert_false(kube);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(node_faults_map_to_linux_ones),
                cmocka_unit_test(duration_weight_probes_and_names),
                cmocka_unit_test(errors_name_the_original_field),
                cmocka_unit_test(step_count_is_capped),
                cmocka_unit_test(fault_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
