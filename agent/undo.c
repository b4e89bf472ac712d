/* The undo journal (see undo.h for the format). Every append is followed by fsync of the file (and, the
 * first time after open, of its directory), so a record that the agent has acted upon is on disk before
 * the change is made. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/pkt_sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/cgroup.h"
#include "agent/ipt.h"
#include "agent/proc.h"
#include "agent/tc.h"
#include "agent/undo.h"
#include "lib/buf.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/macro.h"
#include "lib/str.h"

#define HEADER_LEN 18 /* "LLLLLLLL CCCCCCCC " */

struct undo_journal {
        int fd;                     /* DIR/journal, O_APPEND */
        int dir_fd;                 /* DIR, for fsync after appends and unlink */
        bool dir_synced;            /* DIR was fsynced since open: the file's entry is on disk */
        char path[512];             /* DIR/journal */
        struct undo_entry *entries; /* everything recorded, in id order */
        size_t n_entries;           /* used entries */
        size_t cap;                 /* allocated entries */
        uint64_t last_id;           /* highest id seen */
};

static const char *const kind_names[_UNDO_KIND_MAX] = {
        [UNDO_IPT_CHAIN] = "ipt_chain", [UNDO_IPT_RULE] = "ipt_rule", [UNDO_QDISC] = "qdisc",
        [UNDO_PROC] = "proc",           [UNDO_STOPPED] = "stopped",   [UNDO_FILE] = "file",
        [UNDO_CGROUP] = "cgroup",       [UNDO_SERVICE] = "service",   [UNDO_IP6T_CHAIN] = "ip6t_chain",
        [UNDO_IP6T_RULE] = "ip6t_rule",
};

const char *undo_kind_name(enum undo_kind k)
{
        return k < _UNDO_KIND_MAX ? kind_names[k] : "unknown";
}

static int kind_from_name(const char *s)
{
        for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
                if (rift_streq(s, kind_names[i]))
                        return (int)i;
        return RIFT_E_PARSE;
}

/* CRC-32 (IEEE, reflected), bitwise: records are small. */
static uint32_t crc32_ieee(const void *data, size_t len)
{
        const unsigned char *p = data;
        uint32_t crc = UINT32_MAX;
        for (size_t i = 0; i < len; i++) {
                crc ^= p[i];
                for (int b = 0; b < 8; b++)
                        crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
        return ~crc;
}

/* ---- encoding ------------------------------------------------------------------------------------ */

static cJSON *entry_to_json(const struct undo_entry *e)
{
        cJSON *o = cJSON_CreateObject();
        if (!o)
                return NULL;
        cJSON_AddNumberToObject(o, "id", (double)e->id);
        cJSON_AddStringToObject(o, "kind", undo_kind_name(e->kind));
        if (e->table[0])
                cJSON_AddStringToObject(o, "table", e->table);
        if (e->name[0])
                cJSON_AddStringToObject(o, "name", e->name);
        if (e->arg[0])
                cJSON_AddStringToObject(o, "arg", e->arg);
        if (e->pid)
                cJSON_AddNumberToObject(o, "pid", (double)e->pid);
        if (e->start)
                cJSON_AddNumberToObject(o, "start", (double)e->start);
        if (e->kind == UNDO_QDISC) {
                cJSON_AddNumberToObject(o, "handle", e->handle);
                cJSON_AddNumberToObject(o, "parent", e->parent);
        }
        return o;
}

static int json_str(const cJSON *o, const char *key, char *dst, size_t size)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
        if (!v)
                return 0;
        if (!cJSON_IsString(v))
                return RIFT_E_PARSE;
        return rift_strlcpy(dst, v->valuestring, size);
}

/* An integer in 0..max (absent = 0); anything else (a fraction, a negative pid that kill() would read
 * as a process group, a number no integer type holds) makes the record unreadable. */
static int json_uint(const cJSON *o, const char *key, uint64_t max, uint64_t *ret)
{
        int64_t v = 0;
        int r = rift_json_get_int64(o, key, &v);
        if (r == -ENOENT)
                v = 0;
        else if (r < 0 || v < 0 || (uint64_t)v > max)
                return RIFT_E_PARSE;
        *ret = (uint64_t)v;
        return 0;
}

static int entry_from_json(const cJSON *o, struct undo_entry *e)
{
        uint64_t id, pid, start, handle, parent;
        int r;
        if ((r = json_uint(o, "id", UINT64_MAX, &id)) < 0 || (r = json_uint(o, "pid", INT32_MAX, &pid)) < 0 ||
            (r = json_uint(o, "start", UINT64_MAX, &start)) < 0 ||
            (r = json_uint(o, "handle", UINT32_MAX, &handle)) < 0 ||
            (r = json_uint(o, "parent", UINT32_MAX, &parent)) < 0)
                return r;
        *e = (struct undo_entry){ .id = id,
                                  .pid = (int64_t)pid,
                                  .start = start,
                                  .handle = (uint32_t)handle,
                                  .parent = (uint32_t)parent };
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
        if (e->id == 0 || !cJSON_IsString(kind))
                return RIFT_E_PARSE;
        int k = kind_from_name(kind->valuestring);
        e->kind = k < 0 ? UNDO_FOREIGN : (enum undo_kind)k;
        if ((r = json_str(o, "table", e->table, sizeof(e->table))) < 0 ||
            (r = json_str(o, "name", e->name, sizeof(e->name))) < 0 ||
            (r = json_str(o, "arg", e->arg, sizeof(e->arg))) < 0)
                return r;
        return 0;
}

/* ---- in-memory list ------------------------------------------------------------------------------- */

static struct undo_entry *find(struct undo_journal *j, uint64_t id)
{
        for (size_t i = 0; i < j->n_entries; i++)
                if (j->entries[i].id == id)
                        return &j->entries[i];
        return NULL;
}

static int push(struct undo_journal *j, const struct undo_entry *e)
{
        if (j->n_entries >= RIFT_MAX_UNDO_ENTRIES)
                return RIFT_E_TOOBIG;
        if (j->n_entries == j->cap) {
                size_t cap = j->cap ? j->cap * 2 : 16;
                struct undo_entry *n = realloc(j->entries, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                j->entries = n;
                j->cap = cap;
        }
        j->entries[j->n_entries++] = *e;
        j->last_id = MAX(j->last_id, e->id);
        return 0;
}

/* Applies one decoded payload: a new entry or a "done" marker. */
static int apply_payload(struct undo_journal *j, const char *payload, size_t len)
{
        cJSON *o = cJSON_ParseWithLength(payload, len);
        if (!o)
                return RIFT_E_PARSE;
        int r;
        const cJSON *done = cJSON_GetObjectItemCaseSensitive(o, "done");
        uint64_t id;
        if (done) {
                r = json_uint(o, "done", UINT64_MAX, &id);
                struct undo_entry *e = r == 0 ? find(j, id) : NULL;
                if (e)
                        e->done = true;
        } else {
                struct undo_entry e;
                r = entry_from_json(o, &e);
                if (r == 0)
                        r = push(j, &e);
        }
        cJSON_Delete(o);
        return r;
}

/* ---- file I/O ------------------------------------------------------------------------------------- */

static int parse_header(const char *p, uint32_t *ret_len, uint32_t *ret_crc)
{
        unsigned len, crc;
        char tail;
        if (sscanf(p, "%8x %8x%c", &len, &crc, &tail) != 3 || tail != ' ' || p[8] != ' ')
                return RIFT_E_PARSE;
        if (len == 0 || len > RIFT_MAX_UNDO_RECORD)
                return RIFT_E_TOOBIG;
        *ret_len = len;
        *ret_crc = crc;
        return 0;
}

/* Reads whole records from data; returns the offset just past the last whole, valid record. */
static size_t load_records(struct undo_journal *j, const char *data, size_t size)
{
        size_t off = 0;
        while (size - off > HEADER_LEN) {
                uint32_t len, crc;
                if (parse_header(data + off, &len, &crc) < 0)
                        break;
                const char *payload = data + off + HEADER_LEN;
                if (size - off < HEADER_LEN + (size_t)len + 1 || payload[len] != '\n')
                        break; /* torn: the crash happened while this record was written */
                if (crc32_ieee(payload, len) != crc || apply_payload(j, payload, len) < 0)
                        break;
                off += HEADER_LEN + len + 1;
        }
        return off;
}

static int read_all(int fd, struct rift_buf *b)
{
        for (;;) {
                int r = rift_buf_reserve(b, 65536);
                if (r < 0)
                        return r;
                ssize_t n = read(fd, b->data + b->len, 65536);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                b->len += (size_t)n;
        }
}

static int load(struct undo_journal *j)
{
        struct rift_buf b;
        rift_buf_init(&b, (size_t)RIFT_MAX_UNDO_ENTRIES * 2 * (RIFT_MAX_UNDO_RECORD + HEADER_LEN + 1));
        int r = read_all(j->fd, &b);
        if (r == 0) {
                size_t good = load_records(j, b.data, b.len);
                if (good < b.len && ftruncate(j->fd, (off_t)good) < 0)
                        r = -errno;
                else if (good < b.len)
                        r = fsync(j->fd) < 0 ? -errno : 0;
        }
        rift_buf_free(&b);
        return r;
}

int undo_open(const char *dir, struct undo_journal **ret)
{
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        struct undo_journal *j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->fd = j->dir_fd = -1;
        int r = 0;
        if ((size_t)snprintf(j->path, sizeof(j->path), "%s/journal", dir) >= sizeof(j->path))
                r = RIFT_E_TOOBIG;
        else if ((j->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                r = -errno;
        else if ((j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
                r = -errno;
        else if (fchmod(j->fd, 0600) < 0)
                r = -errno;
        else
                r = load(j);
        if (r < 0) {
                undo_close(j);
                return r;
        }
        *ret = j;
        return 0;
}

void undo_close(struct undo_journal *j)
{
        if (!j)
                return;
        if (j->fd >= 0)
                close(j->fd);
        if (j->dir_fd >= 0)
                close(j->dir_fd);
        free(j->entries);
        free(j);
}

static int append_payload(struct undo_journal *j, const char *payload)
{
        size_t len = strlen(payload);
        if (len == 0 || len > RIFT_MAX_UNDO_RECORD)
                return RIFT_E_TOOBIG;
        char header[HEADER_LEN + 1];
        snprintf(header, sizeof(header), "%08x %08x ", (unsigned)len, (unsigned)crc32_ieee(payload, len));
        struct iovec iov[] = { { header, HEADER_LEN }, { (void *)payload, len }, { (void *)"\n", 1 } };
        ssize_t n = writev(j->fd, iov, ARRAY_SIZE(iov));
        if (n < 0)
                return -errno;
        if ((size_t)n != HEADER_LEN + len + 1)
                return -EIO;
        /* the directory entry needs one fsync after open (the file may just have been created); later
         * appends change only the file, which its own fsync covers */
        if (fsync(j->fd) < 0 || (!j->dir_synced && fsync(j->dir_fd) < 0))
                return -errno;
        j->dir_synced = true;
        return 0;
}

int undo_record(struct undo_journal *j, const struct undo_entry *e, uint64_t *ret_id)
{
        if ((unsigned)e->kind >= _UNDO_KIND_MAX)
                return -EINVAL; /* only the kinds this agent can revert are written */
        struct undo_entry copy = *e;
        copy.id = j->last_id + 1;
        copy.done = false;
        cJSON *o = entry_to_json(&copy);
        char *text = o ? cJSON_PrintUnformatted(o) : NULL;
        cJSON_Delete(o);
        if (!text)
                return -ENOMEM;
        int r = append_payload(j, text);
        free(text);
        if (r == 0)
                r = push(j, &copy);
        if (r < 0)
                return r;
        undo_crash_point("after-record");
        if (ret_id)
                *ret_id = copy.id;
        return 0;
}

int undo_mark_done(struct undo_journal *j, uint64_t id)
{
        struct undo_entry *e = find(j, id);
        if (!e)
                return RIFT_E_NOTFOUND;
        char text[64];
        snprintf(text, sizeof(text), "{\"done\":%llu}", (unsigned long long)id);
        int r = append_payload(j, text);
        if (r == 0)
                e->done = true;
        return r;
}

/* ---- reverting ------------------------------------------------------------------------------------ */

static int revert_stopped(const struct undo_entry *e)
{
        int r = proc_signal_if_same((pid_t)e->pid, e->start, SIGCONT);
        return r < 0 ? r : 0;
}

/* SIGTERM first, so a worker can finish cleanly (the shaper releases the packets it holds), then
 * SIGKILL if it is still there after a second. */
static int revert_proc(const struct undo_entry *e)
{
        int r = proc_signal_if_same((pid_t)e->pid, e->start, SIGTERM);
        if (r <= 0) {
                /* already gone: a worker that ended at its own deadline is our zombie until reaped */
                waitpid((pid_t)e->pid, NULL, WNOHANG);
                return r;
        }
        if (proc_wait_gone((pid_t)e->pid, e->start, 1000) == 0)
                return 0;
        r = proc_signal_if_same((pid_t)e->pid, e->start, SIGKILL);
        if (r <= 0)
                return r;
        return proc_wait_gone((pid_t)e->pid, e->start, 5000);
}

static int revert_file(const struct undo_entry *e)
{
        return unlink(e->name) < 0 && errno != ENOENT ? -errno : 0;
}

/* A unit the fault restarted or killed ends up started again. Without a running systemd there is no
 * unit to start (nothing was changed), which counts as done. */
static int revert_service(const struct undo_entry *e)
{
        if (access("/run/systemd/system", F_OK) < 0)
                return 0;
        char *argv[] = { "systemctl", "start", "--", (char *)e->name, NULL };
        int r = proc_exec(argv);
        return r == 0 ? 0 : r < 0 ? r : RIFT_E_INVALID;
}

int undo_revert_entry(const struct undo_entry *e)
{
        switch (e->kind) {
        case UNDO_IPT_CHAIN:
                return ipt_chain_delete(e->table, e->name);
        case UNDO_IPT_RULE:
                return ipt_rule_delete(e->table, e->name, e->arg);
        case UNDO_QDISC:
                return tc_qdisc_delete(e->name, e->handle, e->parent);
        case UNDO_PROC:
                return revert_proc(e);
        case UNDO_STOPPED:
                return revert_stopped(e);
        case UNDO_FILE:
                return revert_file(e);
        case UNDO_CGROUP:
                return cgroup_remove(e->name);
        case UNDO_SERVICE:
                return revert_service(e);
        case UNDO_IP6T_CHAIN:
                return ipt_family_chain_delete(AF_INET6, e->table, e->name);
        case UNDO_IP6T_RULE:
                return ipt_family_rule_delete(AF_INET6, e->table, e->name, e->arg);
        case UNDO_FOREIGN:
                return RIFT_E_UNSUPPORTED;
        default:
                return RIFT_E_INVALID;
        }
}

int undo_replay_since(struct undo_journal *j, uint64_t since, unsigned *ret_reverted, unsigned *ret_failed)
{
        unsigned reverted = 0, failed = 0;
        int first_err = 0;
        for (size_t i = j->n_entries; i-- > 0;) {
                struct undo_entry *e = &j->entries[i];
                if (e->done || e->id <= since)
                        continue;
                int r = undo_revert_entry(e);
                if (r == 0)
                        r = undo_mark_done(j, e->id);
                if (r < 0) {
                        failed++;
                        first_err = first_err ? first_err : r;
                        continue;
                }
                reverted++;
                undo_crash_point("mid-revert");
        }
        if (failed == 0 && undo_open_count(j) == 0 && ftruncate(j->fd, 0) == 0) {
                fsync(j->fd);
                j->n_entries = 0;
        }
        if (ret_reverted)
                *ret_reverted = reverted;
        if (ret_failed)
                *ret_failed = failed;
        return first_err;
}

int undo_replay(struct undo_journal *j, unsigned *ret_reverted, unsigned *ret_failed)
{
        return undo_replay_since(j, 0, ret_reverted, ret_failed);
}

size_t undo_count(const struct undo_journal *j)
{
        return j->n_entries;
}

const struct undo_entry *undo_get(const struct undo_journal *j, size_t i)
{
        return i < j->n_entries ? &j->entries[i] : NULL;
}

size_t undo_open_count(const struct undo_journal *j)
{
        size_t n = 0;
        for (size_t i = 0; i < j->n_entries; i++)
                n += !j->entries[i].done;
        return n;
}

uint64_t undo_last_id(const struct undo_journal *j)
{
        return j->last_id;
}

/* ---- crash points (tests) ------------------------------------------------------------------------- */

void undo_crash_point(const char *point)
{
        static unsigned hits[8];
        static const char *names[8];
        const char *want = getenv("RIFT_AGENT_CRASH_AT");
        size_t plen = strlen(point);
        if (!want || strncmp(want, point, plen) != 0 || (want[plen] != '\0' && want[plen] != ':'))
                return;
        int64_t nth = 1;
        if (want[plen] == ':' && rift_parse_int64(want + plen + 1, 1, 1000000, &nth) < 0)
                return;
        size_t slot = 0;
        while (slot < ARRAY_SIZE(names) - 1 && names[slot] && strcmp(names[slot], point) != 0)
                slot++;
        names[slot] = point;
        if (++hits[slot] == (unsigned)nth)
                _exit(77);
}
