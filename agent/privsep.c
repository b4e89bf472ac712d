/* Privilege separation (see privsep.h): the network process's call, the injector's loop, and the
 * privilege drop. The message checks are in privsep_msg.c. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/dryrun.h"
#include "agent/policy.h"
#include "agent/privsep.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/str.h"

/* ---- the network process's call ---- */

int privsep_call(struct privsep_client *c, const struct privsep_request *rq, struct privsep_reply *ret)
{
        struct privsep_reply rp;
        char buf[sizeof(rp) + 1];
        int r = 0;
        pthread_mutex_lock(&c->lock);
        if (send(c->fd, rq, sizeof(*rq), MSG_NOSIGNAL) != (ssize_t)sizeof(*rq)) {
                r = errno ? -errno : -EIO;
                goto out;
        }
        int64_t until = rift_mono_ms() + PRIVSEP_CALL_TIMEOUT;
        for (;;) {
                struct pollfd p = { .fd = c->fd, .events = POLLIN };
                int64_t left = until - rift_mono_ms();
                if (left <= 0) {
                        r = -ETIMEDOUT;
                        goto out;
                }
                int n = poll(&p, 1, (int)left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -ETIMEDOUT;
                        goto out;
                }
                break;
        }
        ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_TRUNC);
        if (n <= 0) {
                r = n < 0 ? -errno : -ECONNRESET;
                goto out;
        }
        r = privsep_reply_check(buf, (size_t)n, rq->type, &rp);
        if (r == 0)
                *ret = rp;
out:
        pthread_mutex_unlock(&c->lock);
        return r;
}

/* ---- the injector ---- */

struct slot {
        bool used;                            /* holds a fault */
        uint64_t order;                       /* injection order: newest is reverted first */
        struct fault_ctx ctx;                 /* the fault (state validated by the injector) */
        char control_plane[PRIVSEP_HOST_MAX]; /* ctx.control_plane points here */
};

struct server {
        const struct privsep_server_config *cfg;
        struct undo_journal *journal; /* opened at the first inject, kept until exit */
        struct slot slots[PRIVSEP_MAX_FAULTS];
        uint64_t next_order;
};

static void slot_free(struct server *s, struct slot *sl)
{
        runner_ctx_free(&sl->ctx); /* the journal stays open for the next run (its directory is synced) */
        memset(sl, 0, sizeof(*sl));
}

/* The request becomes the same spec `rift-agent inject` takes, validated by the same parser. */
static int parse_again(const struct privsep_request *rq, struct fault_ctx *ctx)
{
        cJSON *spec = cJSON_CreateObject(), *tun = cJSON_AddObjectToObject(spec, "tunables");
        char dur[32];
        snprintf(dur, sizeof(dur), "%lldms", (long long)rq->duration_ms);
        cJSON_AddStringToObject(spec, "fault", rq->fault);
        cJSON_AddStringToObject(spec, "duration", dur);
        for (uint32_t i = 0; i < rq->n_tunables; i++)
                cJSON_AddStringToObject(tun, rq->tunables[i].key, rq->tunables[i].value);
        char *text = cJSON_PrintUnformatted(spec);
        cJSON_Delete(spec);
        if (!text)
                return -ENOMEM;
        int r = runner_parse_spec(text, strlen(text), ctx);
        free(text);
        return r;
}

static void do_inject(struct server *s, const struct privsep_request *rq, struct privsep_reply *rp)
{
        struct slot *sl = NULL;
        for (size_t i = 0; i < PRIVSEP_MAX_FAULTS && !sl; i++)
                if (!s->slots[i].used)
                        sl = &s->slots[i];
        if (!sl) {
                rp->status = -EBUSY;
                snprintf(rp->text, sizeof(rp->text), "more than %u faults at once", PRIVSEP_MAX_FAULTS);
                return;
        }
        int r = parse_again(rq, &sl->ctx);
        if (r < 0) {
                rp->status = r;
                snprintf(rp->text, sizeof(rp->text), "%s", sl->ctx.err[0] ? sl->ctx.err : rift_strerror(r));
                runner_ctx_free(&sl->ctx);
                memset(sl, 0, sizeof(*sl));
                return;
        }
        if (!s->journal && (r = undo_open(s->cfg->journal_dir, &s->journal)) < 0) {
                rp->status = r;
                snprintf(rp->text, sizeof(rp->text), "cannot open the undo journal: %s", rift_strerror(r));
                runner_ctx_free(&sl->ctx);
                memset(sl, 0, sizeof(*sl));
                return;
        }
        sl->used = true;
        sl->order = ++s->next_order;
        /* the injector's own idea of the control plane: a network process cannot lift the exclusion */
        rift_strlcpy(sl->control_plane, s->cfg->control_plane ? s->cfg->control_plane : "",
                     sizeof(sl->control_plane));
        sl->ctx.control_plane = sl->control_plane[0] ? sl->control_plane : NULL;
        sl->ctx.journal = s->journal;
        sl->ctx.first_id = undo_last_id(s->journal);
        sl->ctx.deadline_mono_ms = rift_mono_ms() + sl->ctx.duration_ms;
        rp->handle = (uint32_t)(sl - s->slots);
        rp->duration_ms = sl->ctx.duration_ms;
        r = sl->ctx.ops->inject(&sl->ctx);
        if (r == 0)
                return;
        rp->status = r;
        snprintf(rp->text, sizeof(rp->text), "%s", sl->ctx.err[0] ? sl->ctx.err : rift_strerror(r));
        rp->revert_status = sl->ctx.ops->revert(&sl->ctx); /* what was done before the failure */
        if (rp->revert_status == 0)
                slot_free(s, sl);
        else
                log_error("revert after a failed inject failed: kept for the exit",
                          LOG_STR("fault", rq->fault), LOG_STR("error", sl->ctx.err));
}

/* The request as a one-step task (policy.h and dryrun.c read steps). */
static void request_step(const struct privsep_request *rq, Rift__Infra__V1__FaultStep *st,
                         Rift__Infra__V1__FaultStep__TunablesEntry *e,
                         Rift__Infra__V1__FaultStep__TunablesEntry **ep)
{
        rift__infra__v1__fault_step__init(st);
        st->name = (char *)"step";
        st->fault = (char *)rq->fault;
        st->duration_ms = rq->duration_ms;
        for (uint32_t i = 0; i < rq->n_tunables; i++) {
                rift__infra__v1__fault_step__tunables_entry__init(&e[i]);
                e[i].key = (char *)rq->tunables[i].key;
                e[i].value = (char *)rq->tunables[i].value;
                ep[i] = &e[i];
        }
        st->n_tunables = rq->n_tunables;
        st->tunables = ep;
}

/* safety: the local policy holds here as well, whatever the network process asks. */
static int policy_refuses(const struct privsep_request *rq, struct privsep_reply *rp)
{
        Rift__Infra__V1__FaultStep st, *stp = &st;
        Rift__Infra__V1__FaultStep__TunablesEntry e[PRIVSEP_MAX_TUNABLES], *ep[PRIVSEP_MAX_TUNABLES];
        Rift__Infra__V1__StepGroup g = RIFT__INFRA__V1__STEP_GROUP__INIT, *gp = &g;
        Rift__Infra__V1__Task t = RIFT__INFRA__V1__TASK__INIT;
        char why[256];
        request_step(rq, &st, e, ep);
        g.n_steps = 1;
        g.steps = &stp;
        t.n_groups = 1;
        t.groups = &gp;
        if (policy_check_task(policy_active(), &t, why, sizeof(why)) == 0)
                return 0;
        rp->status = RIFT_E_FORBIDDEN;
        snprintf(rp->text, sizeof(rp->text), "refused by the local policy: %s", why);
        return 1;
}

static void do_dryrun(const struct privsep_request *rq, struct privsep_reply *rp)
{
        Rift__Infra__V1__FaultStep st;
        Rift__Infra__V1__FaultStep__TunablesEntry e[PRIVSEP_MAX_TUNABLES], *ep[PRIVSEP_MAX_TUNABLES];
        struct fault_ctx ctx = { 0 };
        int r = parse_again(rq, &ctx);
        if (r < 0) {
                rp->status = r;
                snprintf(rp->text, sizeof(rp->text), "%s", ctx.err[0] ? ctx.err : rift_strerror(r));
        } else {
                request_step(rq, &st, e, ep);
                rp->status = dryrun_step(&st, ctx.duration_ms, false, rp->text, sizeof(rp->text));
        }
        runner_ctx_free(&ctx);
}

static void handle_one(struct server *s, const struct privsep_request *rq, struct privsep_reply *rp)
{
        struct slot *sl =
            rq->type == PRIVSEP_INJECT || rq->type == PRIVSEP_STORE_KEY || rq->type == PRIVSEP_DRYRUN
                ? NULL
                : &s->slots[rq->handle];
        if (sl && !sl->used) {
                rp->status = -ENOENT;
                snprintf(rp->text, sizeof(rp->text), "no fault with handle %u", rq->handle);
                return;
        }
        if ((rq->type == PRIVSEP_INJECT || rq->type == PRIVSEP_DRYRUN) && policy_refuses(rq, rp)) {
                privsep_text_sanitize(rp->text);
                return;
        }
        switch ((enum privsep_type)rq->type) {
        case PRIVSEP_INJECT:
                do_inject(s, rq, rp);
                break;
        case PRIVSEP_DRYRUN:
                do_dryrun(rq, rp);
                break;
        case PRIVSEP_TICK:
                rp->status = sl->ctx.ops->tick ? sl->ctx.ops->tick(&sl->ctx) : 0;
                break;
        case PRIVSEP_REVERT:
                rp->status = sl->ctx.ops->revert(&sl->ctx);
                if (rp->status < 0)
                        snprintf(rp->text, sizeof(rp->text), "%s", sl->ctx.err);
                else
                        slot_free(s, sl);
                break;
        case PRIVSEP_RELEASE:
                log_error("the network process gave up reverting a fault: the journal keeps it",
                          LOG_STR("fault", sl->ctx.ops->name));
                slot_free(s, sl);
                break;
        case PRIVSEP_STATUS: {
                cJSON *o = cJSON_CreateObject();
                rp->status = sl->ctx.ops->status ? sl->ctx.ops->status(&sl->ctx, o) : 0;
                char *text = cJSON_PrintUnformatted(o);
                cJSON_Delete(o);
                if (text && strlen(text) < sizeof(rp->text))
                        memcpy(rp->text, text, strlen(text) + 1);
                else
                        rp->status = rp->status < 0 ? rp->status : -E2BIG;
                free(text);
                break;
        }
        case PRIVSEP_STORE_KEY:
                rp->status = privsep_store_key(s->cfg->state_dir, rq->key);
                if (rp->status < 0)
                        snprintf(rp->text, sizeof(rp->text), "cannot store the access key: %s",
                                 rift_strerror(rp->status));
                break;
        case _PRIVSEP_TYPE_MAX:
                break;
        }
        privsep_text_sanitize(rp->text); /* texts come from fault code */
}

int privsep_store_key(const char *state_dir, const char *key)
{
        char path[600], tmp[620];
        if ((size_t)snprintf(path, sizeof(path), "%s/access_key", state_dir) >= sizeof(path))
                return -ENAMETOOLONG;
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        mkdir(state_dir, 0700);
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        size_t len = strlen(key);
        if (fchmod(fd, 0600) < 0 || write(fd, key, len) != (ssize_t)len || fsync(fd) < 0)
                return -errno;
        if (rename(tmp, path) < 0)
                return -errno;
        _cleanup_close_ int dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                fsync(dfd);
        return 0;
}

/* Reverts every fault still injected, newest first. Returns the number that failed. */
static unsigned revert_all(struct server *s)
{
        unsigned failed = 0;
        for (;;) {
                struct slot *newest = NULL;
                for (size_t i = 0; i < PRIVSEP_MAX_FAULTS; i++)
                        if (s->slots[i].used && (!newest || s->slots[i].order > newest->order))
                                newest = &s->slots[i];
                if (!newest)
                        return failed;
                log_warn("reverting a fault the network process left in place",
                         LOG_STR("fault", newest->ctx.ops->name));
                int r = newest->ctx.ops->revert(&newest->ctx);
                if (r < 0 && (r = newest->ctx.ops->revert(&newest->ctx)) < 0) {
                        failed++;
                        log_error("revert failed: a person must check this machine",
                                  LOG_STR("error", newest->ctx.err));
                }
                slot_free(s, newest);
        }
}

int privsep_serve(int fd, const struct privsep_server_config *cfg)
{
        struct server *s = calloc(1, sizeof(*s));
        struct privsep_request rq;
        struct privsep_reply rp;
        static char buf[sizeof(struct privsep_request) + 1];
        int64_t kill_at = 0;
        sigset_t term, orig;
        if (!s)
                return AGENT_EXIT_REVERT_FAILED;
        s->cfg = cfg;
        /* SIGTERM/SIGINT are delivered only inside ppoll, so a signal cannot slip in between the flag
         * check and the wait: idle, the injector sleeps until a request or a signal (no timer). */
        sigemptyset(&term);
        sigaddset(&term, SIGTERM);
        sigaddset(&term, SIGINT);
        sigprocmask(SIG_BLOCK, &term, &orig);
        for (;;) {
                if (*cfg->terminating && !kill_at) {
                        kill(cfg->child, SIGTERM); /* it reverts through us, delivers, then exits */
                        kill_at = rift_mono_ms() + 30000;
                }
                if (kill_at && rift_mono_ms() > kill_at) {
                        log_error("the network process did not end after SIGTERM: killing it");
                        kill(cfg->child, SIGKILL);
                        kill_at = INT64_MAX;
                }
                struct pollfd p = { .fd = fd, .events = POLLIN };
                struct timespec tick = { .tv_nsec = 100 * 1000000L };
                int n = ppoll(&p, 1, kill_at ? &tick : NULL, &orig);
                if (n < 0 && errno != EINTR)
                        break;
                if (n <= 0)
                        continue;
                ssize_t len = recv(fd, buf, sizeof(buf), MSG_TRUNC);
                if (len < 0 && errno == EINTR)
                        continue;
                if (len <= 0)
                        break; /* the network process is gone */
                memset(&rp, 0, sizeof(rp));
                rp.magic = PRIVSEP_MAGIC;
                rp.version = PRIVSEP_VERSION;
                rp.size = sizeof(rp);
                int r = privsep_request_check(buf, (size_t)len, &rq, rp.text, sizeof(rp.text));
                if (r < 0) {
                        log_warn("refused a malformed request from the network process",
                                 LOG_STR("error", rp.text));
                        uint16_t type = 0;
                        if ((size_t)len >= offsetof(struct privsep_request, size))
                                memcpy(&type, buf + offsetof(struct privsep_request, type), sizeof(type));
                        rp.type = type;
                        rp.status = r;
                } else {
                        rp.type = rq.type;
                        handle_one(s, &rq, &rp);
                }
                if (send(fd, &rp, sizeof(rp), MSG_NOSIGNAL) < 0)
                        break;
        }
        sigprocmask(SIG_SETMASK, &orig, NULL);
        unsigned failed = revert_all(s);
        if (s->journal)
                undo_close(s->journal);
        free(s);
        int st = 0, code = AGENT_EXIT_OK;
        kill(cfg->child, SIGTERM);
        for (int i = 0; i < 100 && waitpid(cfg->child, &st, WNOHANG) == 0; i++)
                usleep(50 * 1000);
        if (waitpid(cfg->child, &st, WNOHANG) == 0) {
                kill(cfg->child, SIGKILL);
                waitpid(cfg->child, &st, 0);
        }
        if (WIFEXITED(st))
                code = WEXITSTATUS(st);
        else if (!*cfg->terminating)
                code = AGENT_EXIT_INJECT_FAILED; /* killed by a signal we did not send */
        return failed ? AGENT_EXIT_REVERT_FAILED : code;
}

/* ---- dropping privileges ---- */

/* The user from /etc/passwd itself (fgetpwent), where system users live: getpwnam() would load the NSS
 * modules (libnss_systemd and what it needs, about 0.7 MB) into the long-lived root injector. Only a user
 * named in the configuration is also looked up through NSS (it may come from another source). */
static struct passwd *lookup_user(const char *name, bool nss)
{
        FILE *f = fopen("/etc/passwd", "re");
        struct passwd *pw = NULL;

        if (f) {
                while ((pw = fgetpwent(f)) && strcmp(pw->pw_name, name) != 0)
                        ;
                fclose(f);
        }
        return pw || !nss ? pw : getpwnam(name);
}

int privsep_user(const char *name, uid_t *ret_uid, gid_t *ret_gid)
{
        struct passwd *pw = name ? lookup_user(name, true) : lookup_user("rift", false);
        if (!pw && !name)
                pw = lookup_user("nobody", false);
        if (!pw)
                return -ENOENT;
        if (pw->pw_uid == 0)
                return -EPERM;
        *ret_uid = pw->pw_uid;
        *ret_gid = pw->pw_gid;
        return 0;
}

static int last_cap(void)
{
        char buf[16] = "";
        _cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
                return CAP_LAST_CAP;
        return (int)strtol(buf, NULL, 10);
}

int privsep_drop(uid_t uid, gid_t gid)
{
        if (uid == 0)
                return -EPERM;
        for (int c = 0; c <= last_cap(); c++)
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return -errno;
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
            setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                return -errno;
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};
        if (syscall(SYS_capset, &h, d) < 0 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 ||
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
                return -EPERM; /* root could be regained: refuse to go on */
        return 0;
}

/* ---- seccomp for the network process ---- */

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef SECCOMP_ARCH
/* Kernel interfaces the network process never needs and that are a kernel attack surface even without
 * privileges (user namespaces, bpf, userfaultfd, keyrings, perf) or only make sense as root. */
static const int denied[] = {
        SYS_ptrace,
        SYS_process_vm_readv,
        SYS_process_vm_writev,
        SYS_mount,
        SYS_umount2,
        SYS_pivot_root,
        SYS_chroot,
        SYS_setns,
        SYS_unshare,
        SYS_bpf,
        SYS_perf_event_open,
        SYS_userfaultfd,
        SYS_keyctl,
        SYS_add_key,
        SYS_request_key,
        SYS_init_module,
        SYS_finit_module,
        SYS_delete_module,
        SYS_kexec_load,
        SYS_reboot,
        SYS_swapon,
        SYS_swapoff,
        SYS_open_by_handle_at,
        SYS_name_to_handle_at,
        SYS_acct,
        SYS_settimeofday,
        SYS_clock_settime,
        SYS_clock_adjtime,
        SYS_adjtimex,
        SYS_syslog,
        SYS_quotactl,
#ifdef SYS_iopl
        SYS_iopl,
        SYS_ioperm,
#endif
#ifdef SYS_kexec_file_load
        SYS_kexec_file_load,
#endif
};

#define NS_FLAGS                                                                                             \
        (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |           \
         CLONE_NEWCGROUP)

int privsep_seccomp(void)
{
        struct sock_filter f[8 + 2 * ARRAY_SIZE(denied) + 8];
        size_t n = 0;
#define S(code, k)       (f[n++] = (struct sock_filter)BPF_STMT(code, k))
#define J(code, k, t, e) (f[n++] = (struct sock_filter)BPF_JUMP(code, k, t, e))
        S(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        J(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0);
        S(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
        S(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
        J(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* x32 */, 0, 1);
        S(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
#endif
        for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
                J(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)denied[i], 0, 1);
                S(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
        }
        /* clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc use clone */
        J(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
        S(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
        J(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3);
        S(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])); /* flags (low half) */
        J(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1);
        S(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
        S(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#undef S
#undef J
        struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
                return -errno;
        return 0;
}
#else
int privsep_seccomp(void)
{
        return -EOPNOTSUPP;
}
#endif
