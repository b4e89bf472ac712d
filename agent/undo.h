/* The undo journal: an fsync'ed, append-only record of every change the agent is about to make to the
 * machine, and of each change once reverted. Replaying it reverts whatever is still open, newest first.
 *
 * File: DIR/journal (mode 0600). Each record is one line "LLLLLLLL CCCCCCCC PAYLOAD\n": the payload's
 * length and CRC-32 in hex, then a JSON object. A record cut short by a crash (or failing its CRC) ends
 * the readable journal; opening the journal truncates it back to the last whole record. */
#ifndef RIFT_AGENT_UNDO_H
#define RIFT_AGENT_UNDO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits_rift.h"

#define UNDO_DEFAULT_DIR "/var/lib/rift-agent"

/* What a record says the agent created (and so what revert removes). */
enum undo_kind {
        UNDO_IPT_CHAIN, /* iptables chain `name` in table `table`: flush and delete */
        UNDO_IPT_RULE,  /* rule `arg` appended to builtin chain `name` of `table`: delete it */
        UNDO_QDISC,     /* qdisc `handle` at `parent` on interface `name`: delete it */
        UNDO_PROC,      /* child process `pid` started at `start`: SIGKILL it */
        UNDO_STOPPED,   /* process `pid` (started at `start`) we SIGSTOPped: SIGCONT it */
        UNDO_FILE,      /* file `name` we created: unlink it */
        UNDO_CGROUP,    /* cgroup directory `name` we created: kill its tasks, rmdir it */
        UNDO_SERVICE,   /* systemd unit `name` we restart or kill: `systemctl start` it (no systemd = done) */
        UNDO_IP6T_CHAIN, /* ip6tables chain `name` in table `table`: flush and delete */
        UNDO_IP6T_RULE,  /* rule `arg` appended to builtin chain `name` of ip6tables `table`: delete it */
        _UNDO_KIND_MAX,
        /* a kind this agent does not know (a newer agent wrote it, then this one was installed): the
         * record is kept as it is in the file and never reverted here; replay counts it as failed, so
         * the journal is not emptied and a person (or the newer agent's --recover) can finish it */
        UNDO_FOREIGN = _UNDO_KIND_MAX,
};

/* One change, as written to and read from the journal. */
struct undo_entry {
        uint64_t id;                   /* sequence number, unique within one journal */
        enum undo_kind kind;           /* what was created */
        bool done;                     /* a later record says it has been reverted */
        char table[16];                /* UNDO_IPT_*, UNDO_IP6T_*: (ip6)iptables table */
        char name[RIFT_MAX_UNDO_TEXT]; /* chain, interface, path (by kind) */
        char arg[RIFT_MAX_UNDO_TEXT];  /* UNDO_IP(6)T_RULE: the rule's arguments, space separated */
        int64_t pid;                   /* UNDO_PROC, UNDO_STOPPED */
        uint64_t start;                /* process start time, clock ticks after boot (stat field 22) */
        uint32_t handle;               /* UNDO_QDISC: qdisc handle */
        uint32_t parent;               /* UNDO_QDISC: parent handle (TC_H_ROOT for root) */
};

struct undo_journal;

/* Opens (creating with mode 0600) DIR/journal, reads its whole records and cuts any torn tail. */
int undo_open(const char *dir, struct undo_journal **ret);
void undo_close(struct undo_journal *j);

/* Appends an "about to create" record and fsyncs file and directory; ret_id names it. */
int undo_record(struct undo_journal *j, const struct undo_entry *e, uint64_t *ret_id);
/* Appends a "reverted" record for id and fsyncs. */
int undo_mark_done(struct undo_journal *j, uint64_t id);

/* Reverts one change; "already gone" is success (returns 0). */
int undo_revert_entry(const struct undo_entry *e);
/* Reverts the journal's open entries newest first, marking each done; when every entry is done the
 * journal file is removed. Returns 0 or the first error; counts go to ret_*. */
int undo_replay(struct undo_journal *j, unsigned *ret_reverted, unsigned *ret_failed);
/* Reverts open entries with id > since (the changes of one run), newest first. */
int undo_replay_since(struct undo_journal *j, uint64_t since, unsigned *ret_reverted, unsigned *ret_failed);

/* Read-only view of the entries loaded or recorded so far (for tests and status). */
size_t undo_count(const struct undo_journal *j);
const struct undo_entry *undo_get(const struct undo_journal *j, size_t i);
/* Number of entries that are not yet done. */
size_t undo_open_count(const struct undo_journal *j);
/* Highest id used so far (0 when empty). */
uint64_t undo_last_id(const struct undo_journal *j);

const char *undo_kind_name(enum undo_kind k);

/* Test hook: if RIFT_AGENT_CRASH_AT is "point" or "point:N" and this is the Nth time (default 1) the
 * point is reached, _exit(77) immediately (no revert, no flush), as a crash would. */
void undo_crash_point(const char *point);

#endif
