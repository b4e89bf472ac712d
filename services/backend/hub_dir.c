/* Chaos hubs loaded from directories laid out like Litmus's chaos-charts (HUB_DIRS), merged with the
 * built-in hub, and the predefined experiments of every hub:
 *
 *   <dir>/faults/<category>/<fault>/fault.yaml          a ChaosExperiment (metadata.name,
 *                                                      description.message, spec.definition.env)
 *   <dir>/experiments/<name>/experiment.yaml            a predefined experiment: Argo Workflow,
 *                                                      ChaosEngine or Rift's format
 *
 * A fault is runnable when Rift has it (its name, or the Litmus name of one, manifest_litmus.c);
 * the others are listed with runnable false and refused by manifest validation. Loaded once at start
 * (the loop is single-threaded and hubs never change while serving). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/str.h"
#include "services/backend/backend.h"

#define MAX_HUBS        16u   /* HUB_DIRS entries */
#define MAX_HUB_FAULTS  512u  /* faults in one directory hub */
#define MAX_HUB_EXPS    256u  /* predefined experiments in one directory hub */
#define MAX_DIR_ENTRIES 4096u /* entries read from one directory */

static struct hub_dir hubs[MAX_HUBS];
static size_t n_hubs;

/* Rift format, YAML: the built-in hub's predefined experiments (templates to edit before saving). */
static const struct hub_experiment builtin_exps[] = {
        { "network-latency-with-http-probe", "rift",
          "200 ms of latency towards a service for 30 s while an HTTP probe checks it still answers 200 "
          "(edit DESTINATION_HOSTS and the probe URL)",
          "groups:\n"
          "  - steps:\n"
          "      - name: latency\n"
          "        fault: linux-network-latency\n"
          "        duration: 30s\n"
          "        tunables:\n"
          "          NETWORK_LATENCY: \"200\"\n"
          "          DESTINATION_HOSTS: \"10.0.0.10\"\n"
          "        probes: [service-up]\n"
          "probes:\n"
          "  - name: service-up\n"
          "    type: httpProbe\n"
          "    mode: Continuous\n"
          "    runProperties: {probeTimeout: 2s, interval: 1s, attempt: 1, probePollingInterval: 2s}\n"
          "    httpProbe/inputs:\n"
          "      url: http://10.0.0.10:8080/\n"
          "      method: {get: {criteria: \"==\", responseCode: \"200\"}}\n",
          true, NULL },
        { "cpu-stress", "rift",
          "Two workers load the CPU at 80 % for 60 s while a command probe checks the load average stays "
          "under 8",
          "groups:\n"
          "  - steps:\n"
          "      - name: cpu\n"
          "        fault: linux-cpu-stress\n"
          "        duration: 60s\n"
          "        tunables: {LOAD: \"80\", WORKERS: \"2\"}\n"
          "        probes: [load-average]\n"
          "probes:\n"
          "  - name: load-average\n"
          "    type: cmdProbe\n"
          "    mode: Edge\n"
          "    runProperties: {probeTimeout: 3s, interval: 1s}\n"
          "    cmdProbe/inputs:\n"
          "      command: cut -d' ' -f1 /proc/loadavg\n"
          "      comparator: {type: float, criteria: \"<=\", value: \"8\"}\n",
          true, NULL },
        { "process-kill", "rift",
          "Kills the processes named nginx for 30 s (edit PROCESS_NAMES); an end-of-test probe checks one "
          "runs again",
          "groups:\n"
          "  - steps:\n"
          "      - name: kill\n"
          "        fault: linux-process-kill\n"
          "        duration: 30s\n"
          "        tunables: {PROCESS_NAMES: nginx}\n"
          "        probes: [restarted]\n"
          "probes:\n"
          "  - name: restarted\n"
          "    type: cmdProbe\n"
          "    mode: EOT\n"
          "    runProperties: {probeTimeout: 5s, interval: 2s, attempt: 3}\n"
          "    cmdProbe/inputs:\n"
          "      command: pgrep -c -x nginx || true\n"
          "      comparator: {type: int, criteria: \">=\", value: \"1\"}\n",
          true, NULL },
};

size_t hub_builtin_exp_count(void)
{
        return ARRAY_SIZE(builtin_exps);
}

const struct hub_experiment *hub_builtin_exp(size_t i)
{
        return i < ARRAY_SIZE(builtin_exps) ? &builtin_exps[i] : NULL;
}

size_t hub_dir_count(void)
{
        return n_hubs;
}

const struct hub_dir *hub_dir_get(size_t i)
{
        return i < n_hubs ? &hubs[i] : NULL;
}

const struct hub_dir *hub_dir_find(const char *id)
{
        for (size_t i = 0; id && i < n_hubs; i++)
                if (!strcmp(hubs[i].id, id))
                        return &hubs[i];
        return NULL;
}

const struct hub_dir_fault *hub_dir_find_fault(const char *name)
{
        for (size_t i = 0; name && i < n_hubs; i++)
                for (size_t k = 0; k < hubs[i].n_faults; k++)
                        if (!strcmp(hubs[i].faults[k].name, name))
                                return &hubs[i].faults[k];
        return NULL;
}

/* Reads a whole file of at most BACKEND_MAX_MANIFEST bytes. */
static int read_text(const char *path, char **ret)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        char *buf;
        ssize_t got;
        size_t len = 0;

        if (fd < 0)
                return -errno;
        buf = malloc(BACKEND_MAX_MANIFEST + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        while ((got = read(fd, buf + len, BACKEND_MAX_MANIFEST + 1 - len)) > 0 &&
               len < BACKEND_MAX_MANIFEST + 1)
                len += (size_t)got;
        close(fd);
        if (got < 0 || len > BACKEND_MAX_MANIFEST) {
                free(buf);
                return got < 0 ? -EIO : RIFT_E_TOOBIG;
        }
        buf[len] = '\0';
        *ret = buf;
        return 0;
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* Names of the subdirectories of path, sorted (so listings are stable). */
static int subdirs(const char *path, char ***ret, size_t *ret_n)
{
        DIR *d = opendir(path);
        struct dirent *e;
        char **names = NULL;
        size_t n = 0;

        if (!d)
                return errno == ENOENT ? (*ret = NULL, *ret_n = 0, 0) : -errno;
        while ((e = readdir(d)) && n < MAX_DIR_ENTRIES) {
                char sub[4096];
                struct stat st;
                char **grown;
                if (e->d_name[0] == '.')
                        continue;
                snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
                if (stat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                grown = realloc(names, (n + 1) * sizeof(*names));
                if (!grown || !(grown[n] = strdup(e->d_name))) {
                        free(grown ? grown : names);
                        closedir(d);
                        return -ENOMEM;
                }
                names = grown;
                n++;
        }
        closedir(d);
        qsort(names, n, sizeof(*names), cmp_names);
        *ret = names;
        *ret_n = n;
        return 0;
}

static char *dup_str(const cJSON *v, const char *def)
{
        return strdup(cJSON_IsString(v) ? v->valuestring : def);
}

/* faults/<category>/<fault>/fault.yaml into hub->faults (a file that does not parse is skipped with
 * a warning: one bad chart does not take the hub down). */
static int load_fault(struct hub_dir *hub, const char *path, const char *category, const char *dirname)
{
        char *text = NULL, yerr[256];
        cJSON *doc = NULL;
        struct hub_dir_fault *f;
        const char *rift;
        bool kube;
        int r = read_text(path, &text);

        if (r == -ENOENT)
                return 0;
        snprintf(yerr, sizeof(yerr), "%s", rift_strerror(r));
        if (r == 0)
                r = backend_yaml_to_json(text, strlen(text), &doc, yerr, sizeof(yerr));
        free(text);
        if (r < 0 || !cJSON_IsObject(doc)) {
                log_warn("chaos hub: fault skipped", LOG_STR("path", path),
                         LOG_STR("error", r < 0 ? yerr : "not a map"));
                cJSON_Delete(doc);
                return r == -ENOMEM ? r : 0;
        }
        if (hub->n_faults == MAX_HUB_FAULTS) {
                cJSON_Delete(doc);
                return RIFT_E_TOOBIG;
        }
        f = &hub->faults[hub->n_faults];
        memset(f, 0, sizeof(*f));
        f->name = dup_str(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "metadata"), "name"), dirname);
        f->category = strdup(category);
        f->description = dup_str(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "description"), "message"), "");
        f->hub_id = hub->id;
        f->env = cJSON_DetachItemFromObject(
            cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "spec"), "definition"), "env");
        cJSON_Delete(doc);
        if (!f->name || !f->category || !f->description) {
                free(f->name);
                free(f->category);
                free(f->description);
                cJSON_Delete(f->env);
                return -ENOMEM;
        }
        rift = manifest_litmus_fault(f->name, &kube);
        f->rift = rift ? hub_find(rift) : NULL;
        f->runnable = f->rift != NULL;
        hub->n_faults++;
        return 0;
}

/* experiments/<name>/experiment.yaml: kept as text; runnable when it validates as is. */
static int load_experiment(struct hub_dir *hub, const char *path, const char *name)
{
        struct hub_experiment *e;
        char *text = NULL, err[512];
        cJSON *spec = NULL, *doc = NULL;
        int r = read_text(path, &text);

        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                log_warn("chaos hub: experiment skipped", LOG_STR("path", path), LOG_ERR(r));
                return r == -ENOMEM ? r : 0;
        }
        if (hub->n_exps == MAX_HUB_EXPS) {
                free(text);
                return RIFT_E_TOOBIG;
        }
        e = &hub->exps[hub->n_exps];
        memset(e, 0, sizeof(*e));
        e->manifest = text;
        e->hub_id = hub->id;
        e->name = strdup(name);
        r = manifest_parse(text, strlen(text), &spec, err, sizeof(err));
        cJSON_Delete(spec);
        e->runnable = r == 0;
        e->reason = r == 0 ? NULL : strdup(err);
        if (backend_yaml_to_json(text, strlen(text), &doc, err, sizeof(err)) == 0)
                e->description =
                    dup_str(cJSON_GetObjectItem(
                                cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "metadata"), "annotations"),
                                "description"),
                            "");
        cJSON_Delete(doc);
        if (!e->description)
                e->description = strdup("");
        if (!e->name || !e->description || (r < 0 && !e->reason))
                return -ENOMEM;
        hub->n_exps++;
        return 0;
}

/* "a/b/c" into out; RIFT_E_TOOBIG when it does not fit. */
static int join(char *out, size_t n, const char *a, const char *b, const char *c)
{
        int len = snprintf(out, n, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");

        return len < 0 || (size_t)len >= n ? RIFT_E_TOOBIG : 0;
}

static int load_faults(struct hub_dir *hub)
{
        char root[4096], path[4096], file[4096], **cats = NULL, **names = NULL;
        size_t nc = 0, nn = 0;
        int r;

        if ((r = join(root, sizeof(root), hub->path, "faults", NULL)) < 0 ||
            (r = subdirs(root, &cats, &nc)) < 0)
                return r;
        for (size_t i = 0; r == 0 && i < nc; i++) {
                if ((r = join(path, sizeof(path), root, cats[i], NULL)) < 0 ||
                    (r = subdirs(path, &names, &nn)) < 0)
                        break;
                for (size_t k = 0; r == 0 && k < nn; k++) {
                        if ((r = join(file, sizeof(file), path, names[k], "fault.yaml")) == 0)
                                r = load_fault(hub, file, cats[i], names[k]);
                }
                free_names(names, nn);
        }
        free_names(cats, nc);
        return r;
}

static int load_experiments(struct hub_dir *hub)
{
        char root[4096], path[4096], **names = NULL;
        size_t nn = 0;
        int r;

        if ((r = join(root, sizeof(root), hub->path, "experiments", NULL)) < 0 ||
            (r = subdirs(root, &names, &nn)) < 0)
                return r;
        for (size_t k = 0; r == 0 && k < nn; k++)
                if ((r = join(path, sizeof(path), root, names[k], "experiment.yaml")) == 0)
                        r = load_experiment(hub, path, names[k]);
        free_names(names, nn);
        return r;
}

static int load_hub(const char *dir)
{
        struct hub_dir *hub = &hubs[n_hubs];
        size_t len = strlen(dir);
        const char *base;
        struct stat st;
        int r;

        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return -ENOTDIR;
        while (len > 1 && dir[len - 1] == '/') /* "charts/" is the hub "charts" */
                len--;
        memset(hub, 0, sizeof(*hub));
        hub->path = rift_strndup(dir, len);
        base = hub->path ? strrchr(hub->path, '/') : NULL;
        hub->id = hub->path ? strdup(base && base[1] ? base + 1 : hub->path) : NULL;
        hub->faults = calloc(MAX_HUB_FAULTS, sizeof(*hub->faults));
        hub->exps = calloc(MAX_HUB_EXPS, sizeof(*hub->exps));
        n_hubs++; /* counted now so hub_dir_free_all frees a half-loaded hub */
        if (!hub->id || !hub->path || !hub->faults || !hub->exps)
                return -ENOMEM;
        if (!strcmp(hub->id, "rift") || hub_dir_find(hub->id) != hub)
                return RIFT_E_EXISTS;
        if ((r = load_faults(hub)) < 0 || (r = load_experiments(hub)) < 0)
                return r;
        return 0;
}

int hub_dir_load(char *const *dirs)
{
        int r;

        for (size_t i = 0; dirs && dirs[i]; i++) {
                if (n_hubs == MAX_HUBS) {
                        log_error("HUB_DIRS: too many hubs", LOG_INT("max", MAX_HUBS));
                        return RIFT_E_TOOBIG;
                }
                r = load_hub(dirs[i]);
                if (r < 0) {
                        log_error("HUB_DIRS: cannot load the chaos hub", LOG_STR("dir", dirs[i]),
                                  LOG_STR("error", r == RIFT_E_EXISTS ? "another hub has this name"
                                                                      : rift_strerror(r)));
                        hub_dir_free_all();
                        return r;
                }
                log_info("chaos hub loaded", LOG_STR("hub", hubs[n_hubs - 1].id),
                         LOG_INT("faults", (int64_t)hubs[n_hubs - 1].n_faults),
                         LOG_INT("experiments", (int64_t)hubs[n_hubs - 1].n_exps));
        }
        return 0;
}

void hub_dir_free_all(void)
{
        for (size_t i = 0; i < n_hubs; i++) {
                struct hub_dir *h = &hubs[i];
                for (size_t k = 0; h->faults && k < h->n_faults; k++) {
                        free(h->faults[k].name);
                        free(h->faults[k].category);
                        free(h->faults[k].description);
                        cJSON_Delete(h->faults[k].env);
                }
                for (size_t k = 0; h->exps && k < h->n_exps; k++) {
                        free((void *)h->exps[k].name);
                        free((void *)h->exps[k].description);
                        free((void *)h->exps[k].manifest);
                        free((void *)h->exps[k].reason);
                }
                free(h->faults);
                free(h->exps);
                free(h->id);
                free(h->path);
        }
        n_hubs = 0;
}
