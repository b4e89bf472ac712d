/* riftctl's calls to rift-auth (Litmus's auth REST paths) and the session read from the config file.
 * Every failure is printed once here, in words a user can act on, and becomes an exit code. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/http_client.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define CONNECT_TIMEOUT_MS 5000
#define REQUEST_TIMEOUT_MS 30000
#define MAX_URL            (RIFT_CLI_MAX_ENDPOINT + 1024)

void api_session_done(struct cli_session *s)
{
        if (s)
                ctlconfig_free(&s->config);
}

void api_free(struct cli_ctx *ctx)
{
        rift_http_client_free(ctx->http);
        ctx->http = NULL;
}

void api_format_time(int64_t t, char *ret, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(ret, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                (void)snprintf(ret, size, "%lld", (long long)t);
}

int api_endpoint_check(const char *url, char *ret, size_t size)
{
        const char *host;
        size_t len;

        if (!url || strlen(url) >= RIFT_CLI_MAX_ENDPOINT || strlen(url) >= size)
                return -EINVAL;
        if (rift_startswith(url, "http://"))
                host = url + 7;
        else if (rift_startswith(url, "https://"))
                host = url + 8;
        else
                return -EINVAL;
        if (!*host || *host == '/' || *host == ':' || *host == '?' || *host == '#')
                return -EINVAL;
        for (const char *p = url; *p; p++)
                if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' || *p == '#' || *p == '"' ||
                    *p == '\\')
                        return -EINVAL;
        len = strlen(url);
        while (len > 0 && url[len - 1] == '/')
                len--;
        memcpy(ret, url, len);
        ret[len] = '\0';
        return 0;
}

int api_config_load(struct cli_ctx *ctx, bool may_be_empty, struct cli_session *ret)
{
        const char *msg = NULL;
        int r;

        *ret = (struct cli_session){};
        r = ctlconfig_path(ctx->config_path, ret->path, sizeof(ret->path));
        if (r < 0)
                return cli_error(CLI_EXIT_USER,
                                 "cannot locate the config file: HOME is not set (use --config FILE)");
        r = ctlconfig_load(ret->path, &ret->config, &msg);
        if (r == -ENOENT && may_be_empty)
                return CLI_EXIT_OK;
        if (r == -ENOENT)
                return cli_error(CLI_EXIT_USER,
                                 "no account configured (%s does not exist); log in with "
                                 "'riftctl config set-account --endpoint URL --username NAME'",
                                 ret->path);
        if (r < 0)
                return cli_error(CLI_EXIT_USER, "config file %s: %s", ret->path,
                                 msg ? msg : rift_strerror(r));
        return CLI_EXIT_OK;
}

int api_session_open(struct cli_ctx *ctx, struct cli_session *ret)
{
        const struct ctlconfig_account *a;
        const struct ctlconfig_user *u;
        char when[64];
        int code;

        code = api_config_load(ctx, false, ret);
        if (code != CLI_EXIT_OK)
                return code;
        if (!ret->config.current_account || !*ret->config.current_account ||
            ctlconfig_find(&ret->config, ret->config.current_account, ret->config.current_user, &a, &u) < 0)
                return cli_error(
                    CLI_EXIT_USER,
                    "no current account in %s; choose one with 'riftctl config use-account' or log "
                    "in with 'riftctl config set-account'",
                    ret->path);
        if (!u->token || !*u->token)
                return cli_error(CLI_EXIT_USER,
                                 "no login stored for %s at %s; log in with "
                                 "'riftctl config set-account --endpoint %s --username %s'",
                                 u->username, a->endpoint, a->endpoint, u->username);
        if (u->expires_at > 0 && u->expires_at <= rift_now_ms() / 1000) {
                api_format_time(u->expires_at, when, sizeof(when));
                return cli_error(CLI_EXIT_USER,
                                 "the login of %s at %s expired at %s; log in again with "
                                 "'riftctl config set-account --endpoint %s --username %s'",
                                 u->username, a->endpoint, when, a->endpoint, u->username);
        }
        ret->endpoint = a->endpoint;
        ret->username = u->username;
        ret->token = u->token;
        ret->server = a->server_endpoint && *a->server_endpoint ? a->server_endpoint : a->endpoint;
        return CLI_EXIT_OK;
}

static int http_client(struct cli_ctx *ctx, struct rift_http_client **ret)
{
        struct rift_http_client_config cfg = {
                .ca_file = ctx->cacert,
                .insecure = ctx->skip_ssl,
                .connect_timeout_ms =
                    (int)(ctx->timeout_ms && ctx->timeout_ms < CONNECT_TIMEOUT_MS ? ctx->timeout_ms
                                                                                  : CONNECT_TIMEOUT_MS),
                .timeout_ms = (int)(ctx->timeout_ms ? ctx->timeout_ms : REQUEST_TIMEOUT_MS),
                .max_retries = 1,
                .user_agent = "riftctl/" RIFT_VERSION,
        };
        int r = 0;

        if (!ctx->http)
                r = rift_http_client_new(&cfg, &ctx->http);
        if (r < 0)
                return r;
        *ret = ctx->http;
        return 0;
}

/* Exit code and message for a call that got no HTTP answer. */
static int transport_error(int err, const char *endpoint)
{
        switch (err) {
        case RIFT_E_UNAVAILABLE:
                return cli_error(CLI_EXIT_SERVER, "cannot connect to %s", endpoint);
        case RIFT_E_TIMEOUT:
                return cli_error(CLI_EXIT_SERVER, "%s did not answer in time", endpoint);
        case RIFT_E_TLS:
                return cli_error(
                    CLI_EXIT_SERVER,
                    "TLS with %s failed: the certificate is not trusted or the handshake was refused "
                    "(use --cacert FILE, or --skip-ssl)",
                    endpoint);
        case RIFT_E_TOOBIG:
                return cli_error(CLI_EXIT_SERVER, "the answer of %s is too large", endpoint);
        default:
                return cli_error(CLI_EXIT_SERVER, "request to %s failed: %s", endpoint, rift_strerror(err));
        }
}

/* Exit code and message for an HTTP error status, from Litmus's {error, errorDescription} body. */
int api_status_error(const struct rift_http_response *resp, bool had_token)
{
        _cleanup_json_ cJSON *body = NULL;
        const char *code = NULL, *desc = NULL;
        int exit_code = resp->status >= 400 && resp->status < 500 ? CLI_EXIT_USER : CLI_EXIT_SERVER;

        if (rift_json_parse_object(resp->body.data ? resp->body.data : "", resp->body.len,
                                   RIFT_MAX_HTTP_RESPONSE, NULL, &body) == 0) {
                (void)rift_json_get_string(body, "error", &code);
                (void)rift_json_get_string(body, "errorDescription", &desc);
                if (!desc && !code)
                        desc = api_gql_error(body); /* rift-backend: {"errors":[{"message"}]} */
        }
        if (!desc || !*desc)
                desc = code;
        if (!desc || !*desc || !rift_utf8_valid(desc, strlen(desc)))
                return cli_error(exit_code, "the server answered HTTP %ld", resp->status);
        if (rift_streq(code, "password_change_required"))
                return cli_error(exit_code, "%s (HTTP %ld); change it with 'riftctl update password'", desc,
                                 resp->status);
        if (resp->status == 401 && had_token)
                return cli_error(exit_code, "%s (HTTP 401); log in again with 'riftctl config set-account'",
                                 desc);
        return cli_error(exit_code, "%s (HTTP %ld)", desc, resp->status);
}

static int reply_json(const struct rift_http_response *resp, const char *endpoint, cJSON **ret_json)
{
        cJSON *v = NULL;

        if (resp->body.len > 0 &&
            rift_json_parse_value(resp->body.data, resp->body.len, RIFT_MAX_HTTP_RESPONSE, NULL, &v) < 0)
                return cli_error(CLI_EXIT_SERVER, "the answer of %s is not JSON", endpoint);
        if (ret_json)
                *ret_json = v;
        else
                cJSON_Delete(v);
        return CLI_EXIT_OK;
}

int api_call(struct cli_ctx *ctx, const char *endpoint, const char *token, const char *method,
             const char *path, const cJSON *body, cJSON **ret_json)
{
        _cleanup_(rift_http_response_free) struct rift_http_response resp = {};
        _cleanup_free_ char *text = NULL, *auth = NULL;
        struct rift_http_header headers[2] = { { "Content-Type", "application/json" } };
        struct rift_http_client *c;
        char url[MAX_URL];
        int r, n;

        n = snprintf(url, sizeof(url), "%s%s", endpoint, path);
        if (n < 0 || (size_t)n >= sizeof(url))
                return cli_error(CLI_EXIT_USER, "URL too long");
        if (body && !(text = cJSON_PrintUnformatted(body)))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        if (token && asprintf(&auth, "Bearer %s", token) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        headers[1] = (struct rift_http_header){ "Authorization", auth };
        struct rift_http_client_request rq = {
                .method = method,
                .url = url,
                .headers = headers,
                .n_headers = auth ? 2 : 1,
                .body = text,
                .body_len = text ? strlen(text) : 0,
        };
        r = http_client(ctx, &c);
        if (r >= 0)
                r = rift_http_client_do(c, &rq, &resp);
        if (r < 0)
                return transport_error(r, endpoint);
        if (resp.status == 404 && rift_streq(path, "/query"))
                return cli_error(
                    CLI_EXIT_USER,
                    "%s has no GraphQL API at /query (HTTP 404): give rift-backend's URL with "
                    "'riftctl config set-account --endpoint URL --username NAME --server-endpoint URL'",
                    endpoint);
        if (resp.status < 200 || resp.status >= 300)
                return api_status_error(&resp, token != NULL);
        return reply_json(&resp, endpoint, ret_json);
}

/* One line from fd 0, read a byte at a time so nothing after it is consumed. */
static int read_line(char *ret, size_t size)
{
        size_t n = 0;
        char ch;

        for (;;) {
                ssize_t k = read(STDIN_FILENO, &ch, 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0 || ch == '\n')
                        break;
                if (n + 1 >= size)
                        return RIFT_E_TOOBIG;
                ret[n++] = ch;
        }
        if (n > 0 && ret[n - 1] == '\r')
                n--;
        ret[n] = '\0';
        return (int)n;
}

/* The terminal settings to put back if a signal ends riftctl while echo is off. */
static struct termios saved_tty;
static const int restore_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };

static void restore_tty_and_die(int sig)
{
        (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        signal(sig, SIG_DFL);
        raise(sig);
}

static void tty_signals(bool catch)
{
        struct sigaction sa = { .sa_handler = catch ? restore_tty_and_die : SIG_DFL };

        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < ARRAY_SIZE(restore_signals); i++)
                (void)sigaction(restore_signals[i], &sa, NULL);
}

static int prompt_no_echo(const char *prompt, char *ret, size_t size)
{
        struct termios quiet;
        int r;

        if (tcgetattr(STDIN_FILENO, &saved_tty) < 0)
                return -errno;
        quiet = saved_tty;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        fprintf(stderr, "%s: ", prompt);
        fflush(stderr);
        tty_signals(true);
        if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0) {
                tty_signals(false);
                return -errno;
        }
        r = read_line(ret, size);
        (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        tty_signals(false);
        fputc('\n', stderr);
        return r;
}

int api_read_secret(const char *value, bool from_stdin, const char *prompt, char *ret, size_t size)
{
        int r;

        if (value) {
                if (rift_strlcpy(ret, value, size) < 0)
                        return cli_error(CLI_EXIT_USER, "%s too long", prompt);
                return CLI_EXIT_OK;
        }
        if (!from_stdin && !isatty(STDIN_FILENO))
                return cli_error(
                    CLI_EXIT_USER,
                    "cannot prompt for the %s: stdin is not a terminal (give it with a flag or with "
                    "--password-stdin)",
                    prompt);
        r = from_stdin ? read_line(ret, size) : prompt_no_echo(prompt, ret, size);
        if (r == RIFT_E_TOOBIG)
                return cli_error(CLI_EXIT_USER, "%s too long", prompt);
        if (r < 0)
                return cli_error(CLI_EXIT_USER, "cannot read the %s: %s", prompt, rift_strerror(r));
        if (r == 0)
                return cli_error(CLI_EXIT_USER, "empty %s", prompt);
        return CLI_EXIT_OK;
}

int api_print(struct cli_ctx *ctx, const cJSON *v, const struct output_column *cols, size_t n_cols)
{
        int r = output_print(ctx->output, v, cols, n_cols);

        return r < 0 ? cli_error(CLI_EXIT_USER, "cannot print: %s", rift_strerror(r)) : CLI_EXIT_OK;
}

int api_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(max);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        char chunk[8192];
        ssize_t n;
        int r = 0;

        if (fd < 0)
                return cli_error(CLI_EXIT_USER, "cannot read %s: %s", path, strerror(errno));
        while (r >= 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return cli_error(CLI_EXIT_USER, "cannot read %s: %s", path, strerror(errno));
                r = rift_buf_append(&b, chunk, (size_t)n);
        }
        if (r == RIFT_E_TOOBIG)
                return cli_error(CLI_EXIT_USER, "%s is larger than %zu KiB", path, max / 1024);
        if (r < 0 || rift_buf_append(&b, "", 0) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        *ret_len = b.len;
        *ret = rift_buf_steal(&b);
        return CLI_EXIT_OK;
}

int api_read_doc(const char *path, cJSON **ret)
{
        _cleanup_free_ char *text = NULL;
        const char *msg = "not valid YAML", *p;
        size_t len;
        int code = api_read_file(path, CLI_MAX_MANIFEST, &text, &len), r;

        if (code != CLI_EXIT_OK)
                return code;
        for (p = text; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++)
                ;
        if (*p == '{') {
                struct rift_json_error e = {};
                r = rift_json_parse_object(text, len, CLI_MAX_MANIFEST, &e, ret);
                return r < 0
                           ? cli_error(CLI_EXIT_USER, "%s: %s", path, e.msg[0] ? e.msg : "not a JSON object")
                           : CLI_EXIT_OK;
        }
        r = ctlconfig_yaml_to_json(text, len, true, ret, &msg);
        return r < 0 ? cli_error(CLI_EXIT_USER, "%s: %s", path, msg) : CLI_EXIT_OK;
}
