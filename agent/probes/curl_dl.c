/* libcurl loaded on first use: see curl_dl.h. */
#define CURL_DISABLE_TYPECHECK /* curl.h would otherwise turn curl_easy_setopt into a checking macro */
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "agent/dl.h"
#include "agent/probes/curl_dl.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/str.h"

/* The libcurl entry points the agent calls, by name; each member has the type of curl.h's function. */
#define CURL_DL_FUNCS(X)                                                                                     \
        X(curl_global_init)                                                                                  \
        X(curl_easy_init)                                                                                    \
        X(curl_easy_cleanup)                                                                                 \
        X(curl_easy_reset)                                                                                   \
        X(curl_easy_setopt)                                                                                  \
        X(curl_easy_getinfo)                                                                                 \
        X(curl_easy_perform)                                                                                 \
        X(curl_slist_append)                                                                                 \
        X(curl_slist_free_all)                                                                               \
        X(curl_multi_init)                                                                                   \
        X(curl_multi_cleanup)                                                                                \
        X(curl_multi_add_handle)                                                                             \
        X(curl_multi_remove_handle)                                                                          \
        X(curl_multi_setopt)                                                                                 \
        X(curl_multi_assign)                                                                                 \
        X(curl_multi_socket_action)                                                                          \
        X(curl_multi_info_read)

struct curl_syms {
#define X(f) __typeof__(&f) f; /* libcurl's f */
        CURL_DL_FUNCS(X)
#undef X
};

static const struct dl_sym curl_sym_table[] = {
#define X(f) { #f, offsetof(struct curl_syms, f) },
        CURL_DL_FUNCS(X)
#undef X
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct curl_syms sym;      /* all set, or all NULL when loading failed */
static bool loaded;               /* written once under load_once */
static char load_error[512] = ""; /* why loading failed */

static void load(void)
{
        if (dl_table_open(CURL_DL_SONAME, curl_sym_table, ARRAY_SIZE(curl_sym_table), &sym, sizeof(sym),
                          load_error, sizeof(load_error)) < 0) {
                log_error("cannot load libcurl: httpProbe and promProbe requests will fail",
                          LOG_STR("library", CURL_DL_SONAME), LOG_STR("detail", load_error));
                return;
        }
        __atomic_store_n(&loaded, true, __ATOMIC_RELEASE);
}

int curl_dl_load(void)
{
        pthread_once(&load_once, load);
        return loaded ? 0 : RIFT_E_UNAVAILABLE;
}

bool curl_dl_loaded(void)
{
        return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE);
}

const char *curl_dl_error(void)
{
        return curl_dl_loaded() ? "" : load_error;
}

/* ---- the forwarding definitions (curl.h's prototypes) ---- */

CURLcode curl_global_init(long flags)
{
        return curl_dl_load() == 0 ? sym.curl_global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
        return curl_dl_load() == 0 ? sym.curl_easy_init() : NULL;
}

/* A handle exists only if libcurl was loaded: the functions taking one need no load check. */
void curl_easy_cleanup(CURL *curl)
{
        if (curl)
                sym.curl_easy_cleanup(curl);
}

void curl_easy_reset(CURL *curl)
{
        if (curl)
                sym.curl_easy_reset(curl);
}

CURLcode curl_easy_perform(CURL *curl)
{
        return curl ? sym.curl_easy_perform(curl) : CURLE_BAD_FUNCTION_ARGUMENT;
}

/* The option number says the argument's type (curl.h: CURLOPTTYPE_*); it is read as that type and passed
 * on as that type, as curl_easy_setopt itself reads it. */
#define FORWARD_OPTION(call, handle, option, ap)                                                             \
        ((option) < CURLOPTTYPE_OBJECTPOINT     ? call(handle, option, va_arg(ap, long))                     \
         : (option) < CURLOPTTYPE_FUNCTIONPOINT ? call(handle, option, va_arg(ap, void *))                   \
         : (option) < CURLOPTTYPE_OFF_T         ? call(handle, option, va_arg(ap, void (*)(void)))           \
         : (option) < CURLOPTTYPE_BLOB          ? call(handle, option, va_arg(ap, curl_off_t))               \
                                                : call(handle, option, va_arg(ap, void *)))

CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
        va_list ap;
        CURLcode c;

        if (!curl)
                return CURLE_BAD_FUNCTION_ARGUMENT;
        va_start(ap, option);
        c = FORWARD_OPTION(sym.curl_easy_setopt, curl, option, ap);
        va_end(ap);
        return c;
}

CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
        va_list ap;
        CURLcode c;

        if (!curl)
                return CURLE_BAD_FUNCTION_ARGUMENT;
        va_start(ap, info);
        c = sym.curl_easy_getinfo(curl, info, va_arg(ap, void *)); /* every CURLINFO_* takes a pointer */
        va_end(ap);
        return c;
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *data)
{
        return curl_dl_load() == 0 ? sym.curl_slist_append(list, data) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
        if (list)
                sym.curl_slist_free_all(list);
}

CURLM *curl_multi_init(void)
{
        return curl_dl_load() == 0 ? sym.curl_multi_init() : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *multi)
{
        return multi ? sym.curl_multi_cleanup(multi) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_add_handle(CURLM *multi, CURL *curl)
{
        return multi ? sym.curl_multi_add_handle(multi, curl) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_remove_handle(CURLM *multi, CURL *curl)
{
        return multi ? sym.curl_multi_remove_handle(multi, curl) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_setopt(CURLM *multi, CURLMoption option, ...)
{
        va_list ap;
        CURLMcode c;

        if (!multi)
                return CURLM_BAD_HANDLE;
        va_start(ap, option);
        c = FORWARD_OPTION(sym.curl_multi_setopt, multi, option, ap);
        va_end(ap);
        return c;
}

CURLMcode curl_multi_assign(CURLM *multi, curl_socket_t sockfd, void *sockp)
{
        return multi ? sym.curl_multi_assign(multi, sockfd, sockp) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_socket_action(CURLM *multi, curl_socket_t s, int ev_bitmask, int *running_handles)
{
        return multi ? sym.curl_multi_socket_action(multi, s, ev_bitmask, running_handles) : CURLM_BAD_HANDLE;
}

CURLMsg *curl_multi_info_read(CURLM *multi, int *msgs_in_queue)
{
        if (!multi) {
                *msgs_in_queue = 0;
                return NULL;
        }
        return sym.curl_multi_info_read(multi, msgs_in_queue);
}
