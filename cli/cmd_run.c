/* riftctl's commands on experiment runs: get chaos-experiment-runs, stop chaos-experiment-run and logs
 * (the run's log lines, page by page; -f follows the run until it ends). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "cli/stream.h"
#include "lib/http_client.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define LOG_PAGE       100  /* lines per getExperimentRun.logs call (the backend's largest) */
#define FOLLOW_POLL_MS 1000 /* wait between two polls of a run that has no new lines */
#define SSE_RETRIES    5    /* reconnections in a row that bring nothing before giving up */
#define SSE_IDLE_S     45   /* a stream silent this long (pings come every 15 s) is dead */
#define SSE_ERROR_BODY 4096 /* bytes kept of an error answer */

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

        if (rift_json_get_int64(l, "seq", &seq) < 0 || seq <= 0)
                return -EINVAL;
        if (seq <= st->after)
                return -EALREADY; /* a line sent again after a reconnection */
        if (rift_json_get_double(l, "timeMs", &ms) < 0)
                (void)rift_json_get_double(l, "time", &ms);
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
                if (r == -EALREADY)
                        r = -EINVAL; /* a page never repeats a line */
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

/* ---- logs -f over Server-Sent Events (GET /sse/runs/{id}?projectID=P, contracts: log, run, end) ------ */

struct follow {
        struct cli_ctx *ctx;         /* output format */
        struct log_state *st;        /* lines printed so far */
        CURL *curl;                  /* the connection */
        struct stream_parser parser; /* of the current connection's body */
        struct rift_buf err;         /* body of an error answer */
        long status;                 /* HTTP status of the current connection (0 = not yet) */
        bool ended;                  /* the `end` event came */
        bool progressed;             /* the current connection brought an event */
        int failed;                  /* why the body was refused (0 = it was not) */
};

static int on_event(void *ud, const char *event, const char *id, const char *data, size_t len)
{
        struct follow *f = ud;
        _cleanup_json_ cJSON *line = NULL;
        int r;

        f->progressed = true;
        if (rift_streq(event, "end")) {
                f->ended = true;
                return -ECANCELED; /* the server closes now; nothing after it counts */
        }
        if (!rift_streq(event, "log"))
                return 0;
        if (rift_json_parse_object(data, len, STREAM_MAX_DATA, NULL, &line) < 0)
                return -EINVAL;
        r = emit_line(f->ctx, f->st, line);
        fflush(stdout);
        return r == -EALREADY ? 0 : r;
}

static size_t on_body(char *bytes, size_t size, size_t n, void *ud)
{
        struct follow *f = ud;
        size_t len = size * n;
        int r;

        if (!f->status)
                (void)curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &f->status);
        if (f->status != 200) {
                (void)rift_buf_append(&f->err, bytes,
                                      MIN(len, SSE_ERROR_BODY - MIN(f->err.len, SSE_ERROR_BODY)));
                return len;
        }
        r = stream_feed(&f->parser, bytes, len, on_event, f);
        if (r < 0) {
                f->failed = f->ended ? 0 : r;
                return 0; /* aborts the transfer */
        }
        return len;
}

/* One connection, resuming after the last line printed. Returns the curl result. */
static CURLcode follow_connect(struct follow *f, const struct cli_session *s, const struct cli_args *a)
{
        _cleanup_free_ char *url = NULL, *auth = NULL, *resume = NULL;
        char *run = curl_easy_escape(f->curl, cli_arg(a, "experiment-run-id"), 0);
        char *project = curl_easy_escape(f->curl, cli_arg(a, "project-id"), 0);
        struct curl_slist *headers = NULL, *h;
        CURLcode res = CURLE_OUT_OF_MEMORY;

        if (run && project && asprintf(&url, "%s/sse/runs/%s?projectID=%s", s->server, run, project) >= 0 &&
            asprintf(&auth, "Authorization: Bearer %s", s->token) >= 0 &&
            asprintf(&resume, "Last-Event-ID: %lld", (long long)f->st->after) >= 0 &&
            (headers = curl_slist_append(NULL, auth)) && (h = curl_slist_append(headers, resume)) &&
            (headers = curl_slist_append(h, "Accept: text/event-stream"))) {
                f->status = 0;
                f->progressed = false;
                rift_buf_reset(&f->err);
                stream_parser_free(&f->parser);
                f->parser = (struct stream_parser)STREAM_PARSER_INIT;
                curl_easy_setopt(f->curl, CURLOPT_URL, url);
                curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, headers);
                res = curl_easy_perform(f->curl);
        }
        curl_slist_free_all(headers);
        curl_free(run);
        curl_free(project);
        return res;
}

static void follow_setup(struct follow *f)
{
        curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, f);
        curl_easy_setopt(f->curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(f->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(f->curl, CURLOPT_LOW_SPEED_TIME, (long)SSE_IDLE_S);
        curl_easy_setopt(f->curl, CURLOPT_USERAGENT, "riftctl/" RIFT_VERSION);
        if (f->ctx->cacert)
                curl_easy_setopt(f->curl, CURLOPT_CAINFO, f->ctx->cacert);
        if (f->ctx->skip_ssl) {
                curl_easy_setopt(f->curl, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(f->curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
}

/* What one connection's end means: CLI_EXIT_OK (the run ended), -1 (reconnect), 404 (no such
 * endpoint or run: poll instead, which tells which) or an exit code after printing why. */
static int follow_outcome(struct follow *f, const struct cli_session *s, CURLcode res)
{
        struct rift_http_response resp = { .status = f->status, .body = f->err };

        if (f->ended)
                return CLI_EXIT_OK;
        if (f->failed == -ENOMEM)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        if (f->failed)
                return cli_error(CLI_EXIT_SERVER, "the live stream of %s is not valid (%s)", s->server,
                                 rift_strerror(f->failed));
        if (f->status == 404)
                return 404;
        if (f->status && f->status != 200)
                return api_status_error(&resp, true);
        if (res == CURLE_SSL_CONNECT_ERROR || res == CURLE_PEER_FAILED_VERIFICATION)
                return cli_error(CLI_EXIT_SERVER, "TLS with %s failed (use --cacert FILE, or --skip-ssl)",
                                 s->server);
        return -1;
}

/* Follows the run over SSE; 404 when the server has no such stream (then the caller polls). */
static int follow_sse(struct cli_ctx *ctx, const struct cli_session *s, const struct cli_args *a,
                      struct log_state *st)
{
        struct follow f = { .ctx = ctx, .st = st, .err = RIFT_BUF_INIT(SSE_ERROR_BODY) };
        int code = -1;
        CURLcode res = CURLE_OK;

        f.curl = curl_easy_init();
        if (!f.curl)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        follow_setup(&f);
        for (unsigned fails = 0; code == -1 && fails < SSE_RETRIES;) {
                res = follow_connect(&f, s, a);
                code = follow_outcome(&f, s, res);
                fails = f.progressed ? 0 : fails + 1;
                if (code == -1 && fails < SSE_RETRIES)
                        (void)nanosleep(&(struct timespec){ .tv_sec = FOLLOW_POLL_MS / 1000 }, NULL);
        }
        if (code == -1)
                code = res == CURLE_COULDNT_CONNECT
                           ? cli_error(CLI_EXIT_SERVER, "cannot connect to %s", s->server)
                           : cli_error(CLI_EXIT_SERVER, "lost the live stream of run %s at %s",
                                       cli_arg(a, "experiment-run-id"), s->server);
        curl_easy_cleanup(f.curl);
        stream_parser_free(&f.parser);
        rift_buf_free(&f.err);
        return code;
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
        if (st.follow && (code = follow_sse(ctx, &s, a, &st)) != 404)
                return code;
        /* without -f, or a server without live streams: page through the lines (and poll) */
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
