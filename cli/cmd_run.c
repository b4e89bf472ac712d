/* riftctl's commands on experiment runs: get chaos-experiment-runs, stop chaos-experiment-run and logs
 * (the run's log lines, page by page; -f follows the run until it ends). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define LOG_PAGE       100  /* lines per getExperimentRun.logs call (the backend's largest) */
#define FOLLOW_POLL_MS 1000 /* wait between two polls of a run that has no new lines */

static const struct gql_field run_fields[] = {
        { "experimentRunID", "experimentRunID", GQL_STR },
        { "experimentID", "experimentID", GQL_STR },
        { "experimentName", "experimentName", GQL_STR },
        { "infraID", "infraID", GQL_STR },
        { "phase", "phase", GQL_STR },
        { "resiliencyScore", "resiliencyScore", GQL_NUM },
        { "faultsPassed", "faultsPassed", GQL_INT },
        { "faultsFailed", "faultsFailed", GQL_INT },
        { "totalFaults", "totalFaults", GQL_INT },
        { "runSequence", "runSequence", GQL_INT },
        { "createdAt", "createdAt", GQL_TIME },
        { "updatedAt", "updatedAt", GQL_TIME },
};
static const struct output_column run_cols[] = {
        { "RUN ID", "experimentRunID" }, { "EXPERIMENT", "experimentName" }, { "PHASE", "phase" },
        { "SCORE", "resiliencyScore" },  { "PASSED", "faultsPassed" },       { "FAILED", "faultsFailed" },
        { "FAULTS", "totalFaults" },     { "STARTED", "createdAt" },
};
static const struct gql_var run_list_vars[] = {
        { "projectID", "project-id", false },
        { "request.experimentIDs", "experiment-id", true },
        { "request.experimentRunIDs", "experiment-run-id", true },
};

const struct gql_command gql_get_runs = {
        .query = "query($projectID: ID!, $request: ListExperimentRunRequest!) { listExperimentRun(projectID: "
                 "$projectID, request: $request) { totalNoOfExperimentRuns experimentRuns { experimentRunID "
                 "experimentID experimentName infraID phase resiliencyScore faultsPassed faultsFailed "
                 "totalFaults runSequence createdAt updatedAt } } }",
        .field = "listExperimentRun",
        .items = "experimentRuns",
        .total = "totalNoOfExperimentRuns",
        .vars = run_list_vars,
        .n_vars = ARRAY_SIZE(run_list_vars),
        .fields = run_fields,
        .n_fields = ARRAY_SIZE(run_fields),
        .cols = run_cols,
        .n_cols = ARRAY_SIZE(run_cols),
};

/* Variables {projectID, experimentRunID} of a run command. */
static cJSON *run_vars(const struct cli_args *a)
{
        _cleanup_json_ cJSON *vars = cJSON_CreateObject();

        if (!vars || rift_json_add_string(vars, "projectID", cli_arg(a, "project-id")) < 0 ||
            rift_json_add_string(vars, "experimentRunID", cli_arg(a, "experiment-run-id")) < 0)
                return NULL;
        return TAKE_PTR(vars);
}

int cmd_stop_run(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = run_vars(a), *run = NULL, *ans = NULL, *row = cJSON_CreateObject();
        const char *exp = NULL;
        int code;

        if (!vars || !row)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_session_open(ctx, &s);
        if (code == CLI_EXIT_OK)
                code = gql_call(ctx, &s,
                                "query($projectID: ID!, $experimentRunID: ID) { getExperimentRun(projectID: "
                                "$projectID, experimentRunID: $experimentRunID) { experimentID phase } }",
                                vars, "getExperimentRun", &run);
        if (code != CLI_EXIT_OK)
                return code;
        if (rift_json_get_string(run, "experimentID", &exp) < 0 ||
            rift_json_add_string(vars, "experimentID", exp) < 0)
                return cli_error(CLI_EXIT_SERVER, "unexpected answer from %s", s.server);
        code = gql_call(
            ctx, &s,
            "mutation($projectID: ID!, $experimentID: String!, $experimentRunID: String) { "
            "stopExperimentRuns(projectID: $projectID, experimentID: $experimentID, experimentRunID: "
            "$experimentRunID) }",
            vars, "stopExperimentRuns", &ans);
        if (code != CLI_EXIT_OK)
                return code;
        if (!cJSON_IsTrue(ans))
                return cli_error(CLI_EXIT_SERVER, "the server did not stop run %s",
                                 cli_arg(a, "experiment-run-id"));
        if (rift_json_add_string(row, "experimentRunID", cli_arg(a, "experiment-run-id")) < 0 ||
            rift_json_add_string(row, "experimentID", exp) < 0 ||
            rift_json_add_bool(row, "stopRequested", true) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        return gql_print_done(ctx, "stop of run {experimentRunID} (experiment {experimentID}) requested",
                              row);
}

/* ---- logs ------------------------------------------------------------------------------------------- */

struct log_state {
        int64_t after;    /* seq of the last line printed */
        bool follow;      /* -f: wait for new lines until the run ends */
        cJSON *collected; /* without -f in JSON/YAML: every line, printed at the end */
        char phase[32];   /* the run's phase at the last poll */
};

/* One line as text: "2026-11-22T03:45:00.123Z [step] line", control characters as '?'. */
static void print_text_line(int64_t ms, const char *step, const char *line)
{
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        char when[32] = "";

        if (gmtime_r(&t, &tm))
                (void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        printf("%s.%03dZ [", when, (int)(ms % 1000));
        for (const char *p = step; *p; p++)
                putchar((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
        fputs("] ", stdout);
        for (const char *p = line; *p; p++)
                putchar((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
        putchar('\n');
}

/* Prints (or collects) one line; -EINVAL when the server's line is malformed. */
static int emit_line(struct cli_ctx *ctx, struct log_state *st, const cJSON *l)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        const char *step = "", *line = "";
        int64_t seq;
        double ms = 0;

        if (rift_json_get_int64(l, "seq", &seq) < 0 || seq <= st->after)
                return -EINVAL;
        (void)rift_json_get_double(l, "timeMs", &ms);
        (void)rift_json_get_string(l, "step", &step);
        (void)rift_json_get_string(l, "line", &line);
        st->after = seq;
        if (ctx->output == OUTPUT_TABLE) {
                print_text_line((int64_t)ms, step, line);
                return 0;
        }
        if (!o || rift_json_add_int64(o, "seq", seq) < 0 || rift_json_add_int64(o, "time", (int64_t)ms) < 0 ||
            rift_json_add_string(o, "step", step) < 0 || rift_json_add_string(o, "line", line) < 0)
                return -ENOMEM;
        if (!st->follow)
                return cJSON_AddItemToArray(st->collected, TAKE_PTR(o)) ? 0 : -ENOMEM;
        _cleanup_free_ char *text = cJSON_PrintUnformatted(o);
        if (!text)
                return -ENOMEM;
        printf("%s\n", text); /* JSON Lines while following */
        return 0;
}

/* Fetches and prints the lines after st->after; *ret_n is how many came. */
static int log_page(struct cli_ctx *ctx, const struct cli_session *s, cJSON *vars, struct log_state *st,
                    int *ret_n)
{
        _cleanup_json_ cJSON *run = NULL;
        const cJSON *lines, *l;
        const char *phase = "";
        int code, n = 0;

        cJSON_DeleteItemFromObject(vars, "after");
        if (!cJSON_AddNumberToObject(vars, "after", (double)st->after))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = gql_call(
            ctx, s,
            "query($projectID: ID!, $experimentRunID: ID, $after: Int) { getExperimentRun(projectID: "
            "$projectID, experimentRunID: $experimentRunID) { phase logs(afterSeq: $after, limit: 100) "
            "{ seq timeMs step line } } }",
            vars, "getExperimentRun", &run);
        if (code != CLI_EXIT_OK)
                return code;
        if (rift_json_get_array(run, "logs", &lines) < 0)
                return cli_error(CLI_EXIT_SERVER, "unexpected answer from %s: no logs", s->server);
        (void)rift_json_get_string(run, "phase", &phase);
        (void)rift_strlcpy(st->phase, phase, sizeof(st->phase));
        cJSON_ArrayForEach(l, lines)
        {
                int r = emit_line(ctx, st, l);
                if (r == -ENOMEM)
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                if (r < 0)
                        return cli_error(CLI_EXIT_SERVER, "unexpected answer from %s: log lines out of order",
                                         s->server);
                n++;
        }
        fflush(stdout);
        *ret_n = n;
        return CLI_EXIT_OK;
}

static bool phase_final(const char *phase)
{
        return !rift_streq(phase, "Queued") && !rift_streq(phase, "Running") && phase[0];
}

int cmd_logs(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = run_vars(a), *collected = cJSON_CreateArray();
        struct log_state st = { .follow = cli_arg(a, "follow") != NULL, .collected = collected };
        int code, n = 0;

        if (st.follow && ctx->output == OUTPUT_YAML)
                return cli_error(CLI_EXIT_USER, "logs -f prints text, or JSON lines with -o json");
        if (!vars || !collected)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_session_open(ctx, &s);
        if (code != CLI_EXIT_OK)
                return code;
        for (;;) {
                code = log_page(ctx, &s, vars, &st, &n);
                if (code != CLI_EXIT_OK)
                        return code;
                if (n == LOG_PAGE)
                        continue;
                if (!st.follow || phase_final(st.phase))
                        break;
                (void)nanosleep(&(struct timespec){ .tv_sec = FOLLOW_POLL_MS / 1000 }, NULL);
        }
        if (ctx->output == OUTPUT_TABLE || st.follow)
                return CLI_EXIT_OK;
        return api_print(ctx, collected, NULL, 0);
}
