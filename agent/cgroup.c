/* cgroups v1 and v2 through their files. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/cgroup.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

#define CGROUP_FS "/sys/fs/cgroup"

static int read_small(const char *dir, const char *file, char *buf, size_t size)
{
        char path[512];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
                return RIFT_E_TOOBIG;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return (int)n;
}

static int write_small(const char *dir, const char *file, const char *text)
{
        char path[512];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
                return RIFT_E_TOOBIG;
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return write(fd, text, strlen(text)) < 0 ? -errno : 0;
}

static bool v2_has(const char *dir, const char *controller)
{
        char buf[512];
        if (read_small(dir, "cgroup.controllers", buf, sizeof(buf)) < 0)
                return false;
        char *save = NULL;
        for (char *w = strtok_r(buf, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
                if (strcmp(w, controller) == 0)
                        return true;
        return false;
}

static int find_hierarchy(const char *controller, char *ret, size_t size, bool *ret_v2)
{
        static const char *const v1_prefix[] = { "", "cpu,", "" };
        static const char *const v1_suffix[] = { "", "", ",cpu" };
        char path[256];
        struct stat st;
        for (size_t i = 0; i < ARRAY_SIZE(v1_prefix); i++) {
                snprintf(path, sizeof(path), "%s/%s%s%s", CGROUP_FS, v1_prefix[i], controller, v1_suffix[i]);
                if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && access(path, W_OK) == 0 &&
                    read_small(path, "cgroup.procs", (char[8]){ 0 }, 8) >= 0) {
                        *ret_v2 = false;
                        return rift_strlcpy(ret, path, size);
                }
        }
        const char *v2_name = strcmp(controller, "cpuacct") == 0 ? "cpu" : controller;
        static const char *const v2_dirs[] = { CGROUP_FS, CGROUP_FS "/unified" };
        for (size_t i = 0; i < ARRAY_SIZE(v2_dirs); i++)
                if (v2_has(v2_dirs[i], v2_name)) {
                        *ret_v2 = true;
                        return rift_strlcpy(ret, v2_dirs[i], size);
                }
        return -ENOENT;
}

/* The agent's own cgroup path for controller ("/a/b", "/" at the top), from /proc/self/cgroup. */
static int self_path(const char *controller, bool v2, char *ret, size_t size)
{
        char buf[4096];
        int r = read_small("/proc/self", "cgroup", buf, sizeof(buf));
        if (r < 0)
                return r;
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *ctrls = strchr(line, ':'), *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
                if (!path)
                        continue;
                *path++ = '\0';
                ctrls++;
                bool match = v2 ? ctrls[0] == '\0' : false;
                char *save2 = NULL;
                for (char *c = strtok_r(ctrls, ",", &save2); !v2 && c; c = strtok_r(NULL, ",", &save2))
                        match = match || strcmp(c, controller) == 0;
                if (match)
                        return rift_strlcpy(ret, path, size);
        }
        return -ENOENT;
}

int cgroup_find_root(const char *controller, char *ret, size_t size)
{
        char root[256], own[512], path[768];
        bool v2;
        struct stat st;
        int r = find_hierarchy(controller, root, sizeof(root), &v2);
        if (r < 0)
                return r;
        /* below the agent's own cgroup, so the workers stay inside any limits the agent is under */
        if (self_path(controller, v2, own, sizeof(own)) == 0 && strcmp(own, "/") != 0 &&
            (size_t)snprintf(path, sizeof(path), "%s%s", root, own) < sizeof(path) && stat(path, &st) == 0 &&
            S_ISDIR(st.st_mode))
                return rift_strlcpy(ret, path, size);
        return rift_strlcpy(ret, root, size);
}

int cgroup_create(const char *root, const char *name, char *ret, size_t size)
{
        if ((size_t)snprintf(ret, size, "%s/%s", root, name) >= size)
                return RIFT_E_TOOBIG;
        return mkdir(ret, 0755) < 0 ? -errno : 0;
}

int cgroup_attach(const char *path, pid_t pid)
{
        char num[32];
        snprintf(num, sizeof(num), "%d", (int)pid);
        return write_small(path, "cgroup.procs", num);
}

int cgroup_join_self(const char *path)
{
        /* v1: "0" into tasks moves only the calling thread, and the kernel skips the global threadgroup
         * lock (and its RCU grace period) for that: about 0.4 ms here, where a pid written to
         * cgroup.procs by another process took 14-47 ms. A single-threaded caller is thereby moved
         * whole. v2 has no tasks file: "0" into cgroup.procs moves the calling process. */
        int r = write_small(path, "tasks", "0");
        return r == -ENOENT ? write_small(path, "cgroup.procs", "0") : r;
}

/* Sends SIGKILL to every task listed; returns how many were listed. */
static int kill_tasks(const char *path)
{
        char buf[8192];
        int r = read_small(path, "cgroup.procs", buf, sizeof(buf));
        if (r < 0)
                return r;
        int n = 0;
        char *save = NULL;
        for (char *w = strtok_r(buf, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
                int64_t pid;
                if (rift_parse_int64(w, 1, INT32_MAX, &pid) == 0) {
                        kill((pid_t)pid, SIGKILL);
                        n++;
                }
        }
        return n;
}

int cgroup_remove(const char *path)
{
        for (int i = 0; i < 400; i++) { /* at most ~2 s */
                int r = kill_tasks(path);
                if (r == -ENOENT)
                        return 0;
                if (rmdir(path) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return -errno;
                nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
        }
        return -EBUSY;
}

int cgroup_cpu_usage_ns(const char *path, uint64_t *ret)
{
        char buf[1024];
        if (read_small(path, "cpuacct.usage", buf, sizeof(buf)) >= 0)
                return rift_parse_uint64(rift_strstrip(buf), UINT64_MAX, ret);
        int r = read_small(path, "cpu.stat", buf, sizeof(buf));
        if (r < 0)
                return r;
        unsigned long long usec;
        const char *p = strstr(buf, "usage_usec ");
        if (!p || sscanf(p, "usage_usec %llu", &usec) != 1)
                return RIFT_E_PARSE;
        *ret = (uint64_t)usec * 1000u;
        return 0;
}

int cgroup_memory_bytes(const char *path, uint64_t *ret)
{
        char buf[64];
        int r = read_small(path, "memory.usage_in_bytes", buf, sizeof(buf));
        if (r < 0)
                r = read_small(path, "memory.current", buf, sizeof(buf));
        if (r < 0)
                return r;
        return rift_parse_uint64(rift_strstrip(buf), UINT64_MAX, ret);
}
