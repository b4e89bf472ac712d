/* Privilege separation of `rift-agent run` (OpenBSD style): the process started as root becomes the
 * privileged injector, the only one that changes the machine; it forks the network process, which
 * drops to an unprivileged user (no capabilities, no_new_privs) and runs the control loop, the task
 * thread and the probes. The two talk over a SOCK_SEQPACKET socketpair with fixed-size typed messages:
 * every field has a fixed size, every string must be NUL-terminated inside its field and use its own
 * character set, unused bytes must be zero. The injector checks each request with
 * privsep_request_check and then validates the fault again with the runner's own parser before it
 * touches anything; a request that fails either check changes nothing and gets an error reply.
 *
 *   INJECT     fault, duration, control-plane host, tunables -> handle (the injector journals first)
 *   TICK       handle: the fault's once-a-second work (process-kill re-kills respawns)
 *   REVERT     handle: revert; the handle is freed when the revert succeeded
 *   RELEASE    handle: the network process gave up reverting (the journal keeps the entry)
 *   STATUS     handle: the fault's status JSON
 *   STORE_KEY  the (rotated) access key: written 0600 to STATE_DIR/access_key (temp + fsync + rename)
 *   DRYRUN     as INJECT, but only checks what the fault needs and says what it would do (changes nothing)
 * INJECT and DRYRUN are checked against the machine owner's local policy (policy.h) here too.
 *
 * When the network process ends (or the socket closes), the injector reverts every fault still in
 * place, newest first, and exits; when the injector dies the network process gets SIGKILL. */
#ifndef RIFT_AGENT_PRIVSEP_H
#define RIFT_AGENT_PRIVSEP_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIVSEP_MAGIC        0x52465450u /* "RFTP" */
#define PRIVSEP_VERSION      1u
#define PRIVSEP_NAME_MAX     64u   /* fault name, tunable key (with the NUL) */
#define PRIVSEP_VALUE_MAX    2048u /* one tunable value (with the NUL) */
#define PRIVSEP_HOST_MAX     256u  /* control-plane host */
#define PRIVSEP_KEY_MAX      256u  /* access key */
#define PRIVSEP_TEXT_MAX     1024u /* reply text: error message or status JSON */
#define PRIVSEP_MAX_TUNABLES 32u   /* tunables of one fault */
#define PRIVSEP_MAX_FAULTS   64u   /* faults injected at once (handles 0..63) */
#define PRIVSEP_MIN_DURATION 100LL
#define PRIVSEP_MAX_DURATION (24LL * 3600 * 1000)
#define PRIVSEP_CALL_TIMEOUT 120000 /* ms the network process waits for one answer */

enum privsep_type {
        PRIVSEP_INJECT = 1,
        PRIVSEP_TICK,
        PRIVSEP_REVERT,
        PRIVSEP_RELEASE,
        PRIVSEP_STATUS,
        PRIVSEP_STORE_KEY,
        PRIVSEP_DRYRUN, /* safety: fields as INJECT; the reply text says what it would do (dryrun.c) */
        _PRIVSEP_TYPE_MAX,
};

struct privsep_tunable {
        char key[PRIVSEP_NAME_MAX];    /* [A-Z0-9_]+ */
        char value[PRIVSEP_VALUE_MAX]; /* no control characters */
};

/* Network process -> injector. */
struct privsep_request {
        uint32_t magic;                       /* PRIVSEP_MAGIC */
        uint16_t version;                     /* PRIVSEP_VERSION */
        uint16_t type;                        /* enum privsep_type */
        uint32_t size;                        /* sizeof(struct privsep_request) */
        uint32_t handle;                      /* TICK/REVERT/RELEASE/STATUS: < PRIVSEP_MAX_FAULTS */
        int64_t duration_ms;                  /* INJECT: PRIVSEP_MIN_DURATION..PRIVSEP_MAX_DURATION */
        char fault[PRIVSEP_NAME_MAX];         /* INJECT: [a-z0-9-]+ */
        char control_plane[PRIVSEP_HOST_MAX]; /* INJECT: checked, not trusted (the injector uses its own) */
        char key[PRIVSEP_KEY_MAX];            /* STORE_KEY: [A-Za-z0-9._~+/=-]+ */
        uint32_t n_tunables;                  /* INJECT: entries used in tunables */
        uint32_t reserved;                    /* 0 */
        struct privsep_tunable tunables[PRIVSEP_MAX_TUNABLES];
};

/* Injector -> network process. */
struct privsep_reply {
        uint32_t magic;
        uint16_t version;
        uint16_t type;               /* the request's type */
        uint32_t size;               /* sizeof(struct privsep_reply) */
        uint32_t handle;             /* INJECT: the new fault's handle */
        int32_t status;              /* 0 or a negative error */
        int32_t revert_status;       /* INJECT that failed: 0 when what it had done was reverted */
        int64_t duration_ms;         /* INJECT: the duration the injector validated */
        char text[PRIVSEP_TEXT_MAX]; /* error message (naming the tunable) or STATUS's JSON */
};

/* ---- messages (privsep_msg.c, pure functions: the fuzz target and unit tests call them) ---- */

/* Initialises rq as an empty request of the given type. */
void privsep_request_init(struct privsep_request *rq, enum privsep_type type);
/* Adds a tunable to an INJECT request; -E2BIG (naming it in err) when it does not fit. */
int privsep_request_add_tunable(struct privsep_request *rq, const char *key, const char *value, char *err,
                                size_t err_size);
/* Checks a received request: exactly sizeof bytes, magic, version, type, each string terminated in its
 * field with nothing after it, character sets, per-type rules. 0, or -EBADMSG with err set. */
int privsep_request_check(const void *buf, size_t len, struct privsep_request *ret, char *err,
                          size_t err_size);
/* Checks a received reply to a request of type `type`. */
int privsep_reply_check(const void *buf, size_t len, enum privsep_type type, struct privsep_reply *ret);

/* Replaces characters a reply's text may not carry (control characters) with '?'. */
void privsep_text_sanitize(char *text);

/* ---- the network process's side ---- */

struct privsep_client {
        int fd;               /* its end of the socketpair */
        pthread_mutex_t lock; /* one request at a time (control and task threads) */
};

/* Sends rq and waits (up to PRIVSEP_CALL_TIMEOUT) for the reply. */
int privsep_call(struct privsep_client *c, const struct privsep_request *rq, struct privsep_reply *ret);

/* ---- the injector's side ---- */

/* Writes key to STATE_DIR/access_key: mode 0600, temporary file, fsync, rename, fsync of the dir. */
int privsep_store_key(const char *state_dir, const char *key);

struct privsep_server_config {
        const char *journal_dir;   /* undo journal */
        const char *state_dir;     /* where STORE_KEY writes access_key */
        const char *control_plane; /* host never cut by faults (the request's field is not trusted) */
        pid_t child;               /* the network process */
        volatile sig_atomic_t *terminating; /* set by SIGTERM/SIGINT: forwarded to the child */
};

/* Serves requests on fd until the network process closes it, then reverts what is still injected and
 * reaps the child. Returns the agent's exit status. */
int privsep_serve(int fd, const struct privsep_server_config *cfg);

/* Drops to uid/gid for good: no supplementary groups, empty capability sets (bounding set included),
 * no_new_privs. Verifies that root cannot be regained. */
int privsep_drop(uid_t uid, gid_t gid);
/* Installs the network process's seccomp filter (after privsep_drop): namespaces (unshare, setns, clone
 * with CLONE_NEW*), bpf, userfaultfd, keyrings, perf, ptrace, mount, modules, clock and other root-only
 * calls fail with EPERM; another architecture's calls kill the process. -EOPNOTSUPP on architectures
 * without a filter here. */
int privsep_seccomp(void);
/* The unprivileged user: name (NULL = "rift" if it exists, else "nobody"). */
int privsep_user(const char *name, uid_t *ret_uid, gid_t *ret_gid);

#endif
