// link: agent/policy.c
/* lib/guard.c (the blast-radius rules) and agent/policy.c (the local policy file): table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/policy.h"
#include "lib/error.h"
#include "lib/guard.h"

/* One step of fault with tunables given as "K=V;K=V". */
static cJSON *spec_of(const char *fault, double ms, const char *tunables)
{
        cJSON *spec = cJSON_CreateObject(), *g = cJSON_CreateObject(), *s = cJSON_CreateObject();
        cJSON *t = cJSON_AddObjectToObject(s, "tunables");
        char buf[512], *save = NULL;

        cJSON_AddItemToArray(cJSON_AddArrayToObject(spec, "groups"), g);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(g, "steps"), s);
        cJSON_AddStringToObject(s, "name", "st");
        cJSON_AddStringToObject(s, "fault", fault);
        cJSON_AddNumberToObject(s, "duration_ms", ms);
        snprintf(buf, sizeof(buf), "%s", tunables);
        for (char *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
                char *eq = strchr(kv, '=');
                *eq = '\0';
                cJSON_AddStringToObject(t, kv, eq + 1);
        }
        return spec;
}

static const struct {
        const char *guards;   /* JSON */
        const char *fault;    /* the step's fault */
        const char *tunables; /* K=V;... */
        const char *refusal;  /* expected start of the error, NULL = allowed */
} cases[] = {
        { "{}", "linux-cpu-stress", "LOAD=100", NULL },
        { "{\"allowedFaults\":[\"linux-cpu-stress\"]}", "linux-network-loss", "DESTINATION_IPS=10.0.0.1",
          "guard allowedFaults: groups[0].steps[0] (st)" },
        { "{\"forbiddenFaults\":[\"linux-cpu-stress\"]}", "linux-cpu-stress", "", "guard forbiddenFaults" },
        { "{\"maxDurationMs\":1000}", "linux-cpu-stress", "", "guard maxDuration" },
        { "{\"allowedCIDRs\":[\"10.0.0.0/8\"]}", "linux-network-loss",
          "DESTINATION_IPS=10.2.3.4, 10.0.0.0/16", NULL },
        { "{\"allowedCIDRs\":[\"10.0.0.0/8\"]}", "linux-network-loss", "DESTINATION_IPS=10.0.0.0/7",
          "guard allowedCIDRs" },
        { "{\"allowedCIDRs\":[\"10.0.0.0/8\"]}", "linux-network-loss", "DESTINATION_IPS=!8.8.8.8,10.1.1.1",
          NULL },
        { "{\"allowedCIDRs\":[\"10.0.0.0/8\"]}", "linux-network-loss", "", "guard allowedCIDRs" },
        { "{\"allowedCIDRs\":[\"0.0.0.0/0\"]}", "linux-network-loss", "DESTINATION_IPS=1.2.3.4", NULL },
        { "{\"allowedHosts\":[\"db\"]}", "linux-network-loss", "DESTINATION_HOSTS=db", NULL },
        { "{\"allowedHosts\":[\"db\"]}", "linux-network-loss", "DESTINATION_HOSTS=web",
          "guard allowedHosts" },
        { "{\"allowedPorts\":[\"8000-8100\"]}", "linux-network-loss", "DESTINATION_PORTS=8000-8050", NULL },
        { "{\"allowedPorts\":[\"8000-8100\"]}", "linux-network-loss", "DESTINATION_PORTS=8050-8200",
          "guard allowedPorts" },
        { "{\"allowedPorts\":[\"80\"]}", "linux-network-loss", "", "guard allowedPorts" },
        { "{\"allowedProcessNames\":[\"nginx\"]}", "linux-process-kill", "PROCESS_NAMES=nginx", NULL },
        { "{\"allowedProcessNames\":[\"nginx\"]}", "linux-process-kill", "PROCESS_IDS=1",
          "guard allowedProcessNames" },
        { "{\"allowedPaths\":[\"/var/tmp\"]}", "linux-disk-fill", "FILL_PATH=/var/tmp/x", NULL },
        { "{\"allowedPaths\":[\"/var/tmp\"]}", "linux-disk-fill", "FILL_PATH=/var/tmpfoo",
          "guard allowedPaths" },
        { "{\"allowedPaths\":[\"/var/tmp\"]}", "linux-disk-fill", "FILL_PATH=/var/tmp/../../etc",
          "guard allowedPaths" },
        { "{\"allowedPaths\":[\"/var/tmp\"]}", "linux-disk-fill", "",
          "guard allowedPaths" }, /* /tmp default */
        { "{\"maxCpuLoad\":50}", "linux-cpu-stress", "LOAD=50", NULL },
        { "{\"maxCpuLoad\":50}", "linux-cpu-stress", "", "guard maxCpuLoad" }, /* LOAD defaults to 100 */
        { "{\"maxDiskFill\":30}", "linux-disk-fill", "FILL_STORAGE=20%", NULL },
        { "{\"maxDiskFill\":30}", "linux-disk-fill", "FILL_STORAGE=1G", "guard maxDiskFill" },
        { "{\"maxConcurrentFaults\":0}", "linux-cpu-stress", "", "guard maxConcurrentFaults" },
};

static void rules_table(void **state)
{
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cJSON *g = cJSON_Parse(cases[i].guards),
                      *spec = spec_of(cases[i].fault, 5000, cases[i].tunables);
                char err[512] = "";
                int r = guard_check_spec(g, NULL, spec, 0, err, sizeof(err));
                if (cases[i].refusal) {
                        assert_int_equal(r, RIFT_E_FORBIDDEN);
                        if (strncmp(err, cases[i].refusal, strlen(cases[i].refusal)) != 0)
                                fail_msg("case %zu: %s", i, err);
                } else if (r != 0) {
                        fail_msg("case %zu refused: %s", i, err);
                }
                cJSON_Delete(g);
                cJSON_Delete(spec);
        }
}

static void running_faults_count_and_environment_is_named(void **state)
{
        cJSON *g = cJSON_Parse("{\"maxConcurrentFaults\":2}"), *spec = spec_of("linux-cpu-stress", 1, "");
        char err[256];

        assert_int_equal(guard_check_spec(g, "prod", spec, 1, err, sizeof(err)), 0);
        assert_int_equal(guard_check_spec(g, "prod", spec, 2, err, sizeof(err)), RIFT_E_FORBIDDEN);
        assert_string_equal(err,
                            "guard maxConcurrentFaults: 1 fault(s) at once plus 2 already running on the "
                            "infrastructure exceed 2 (environment prod)");
        cJSON_Delete(g);
        cJSON_Delete(spec);
}

static void policy_file_format(void **state)
{
        static const struct {
                const char *text;  /* file */
                const char *error; /* expected error, NULL = parses */
        } files[] = {
                { "# nothing\n\n", NULL },
                { "allowed_faults = linux-cpu-stress, linux-network-loss\nmax_duration = 5m  # short\n",
                  NULL },
                { "max_cpu_load = 101\n", "line 1: max_cpu_load: invalid value" },
                { "\nmax_disk_fill = 10\nmax_disk_fill = 20\n", "line 3: max_disk_fill given twice" },
                { "color = blue\n", "line 1: unknown key \"color\"" },
                { "allowed_cidrs\n", "line 1: expected key = value" },
                { "allowed_ports = ,\n", "line 1: allowed_ports: invalid value" },
        };
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                struct agent_policy *p = NULL;
                char err[256] = "";
                int r = policy_parse(files[i].text, strlen(files[i].text), &p, err, sizeof(err));
                if (files[i].error) {
                        assert_true(r < 0);
                        assert_string_equal(err, files[i].error);
                } else {
                        assert_int_equal(r, 0);
                }
                policy_free(p);
        }
}

static void policy_checks_tasks(void **state)
{
        const char *text = "allowed_faults = linux-cpu-stress\nmax_cpu_load = 40\n";
        struct agent_policy *p = NULL;
        char err[256];
        Rift__Infra__V1__FaultStep__TunablesEntry e = RIFT__INFRA__V1__FAULT_STEP__TUNABLES_ENTRY__INIT,
                                                  *ep = &e;
        Rift__Infra__V1__FaultStep st = RIFT__INFRA__V1__FAULT_STEP__INIT, *stp = &st;
        Rift__Infra__V1__StepGroup g = RIFT__INFRA__V1__STEP_GROUP__INIT, *gp = &g;
        Rift__Infra__V1__Task t = RIFT__INFRA__V1__TASK__INIT;

        assert_int_equal(policy_parse(text, strlen(text), &p, err, sizeof(err)), 0);
        e.key = "LOAD";
        e.value = "30";
        st.name = "cpu";
        st.fault = "linux-cpu-stress";
        st.n_tunables = 1;
        st.tunables = &ep;
        g.n_steps = 1;
        g.steps = &stp;
        t.n_groups = 1;
        t.groups = &gp;
        assert_int_equal(policy_check_task(p, &t, err, sizeof(err)), 0);
        e.value = "90";
        assert_int_equal(policy_check_task(p, &t, err, sizeof(err)), RIFT_E_FORBIDDEN);
        assert_string_equal(err, "guard maxCpuLoad: groups[0].steps[0] (cpu): LOAD 90% exceeds 40%");
        st.fault = "linux-memory-stress";
        assert_int_equal(policy_check_task(p, &t, err, sizeof(err)), RIFT_E_FORBIDDEN);
        assert_int_equal(policy_check_task(NULL, &t, err, sizeof(err)), 0);
        policy_free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(rules_table),
                cmocka_unit_test(running_faults_count_and_environment_is_named),
                cmocka_unit_test(policy_file_format),
                cmocka_unit_test(policy_checks_tasks),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
