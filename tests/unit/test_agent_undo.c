// link: agent/undo.c agent/proc.c agent/ipt.c agent/tc.c agent/cgroup.c
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/proc.h"
#include "agent/undo.h"
#include "lib/error.h"

struct fixture {
        char dir[64];  /* temporary journal directory */
        char file[96]; /* a scratch file path inside it */
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        snprintf(f->dir, sizeof(f->dir), "/tmp/rift-undo-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->file, sizeof(f->file), "%s/fill", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char path[128];
        snprintf(path, sizeof(path), "%s/journal", f->dir);
        unlink(path);
        unlink(f->file);
        snprintf(path, sizeof(path), "%s.2", f->file);
        unlink(path);
        rmdir(f->dir);
        free(f);
        return 0;
}

static struct undo_entry file_entry(const char *path)
{
        struct undo_entry e = { .kind = UNDO_FILE };
        snprintf(e.name, sizeof(e.name), "%s", path);
        return e;
}

static void touch(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT, 0600);
        assert_true(fd >= 0);
        close(fd);
}

static off_t journal_size(const struct fixture *f)
{
        char path[128];
        struct stat st;
        snprintf(path, sizeof(path), "%s/journal", f->dir);
        return stat(path, &st) == 0 ? st.st_size : -1;
}

static void journal_is_private_and_reloads(void **state)
{
        struct fixture *f = *state;
        struct undo_journal *j;
        assert_int_equal(undo_open(f->dir, &j), 0);
        struct undo_entry e = file_entry(f->file);
        uint64_t id1, id2;
        assert_int_equal(undo_record(j, &e, &id1), 0);
        assert_int_equal(undo_record(j, &e, &id2), 0);
        assert_true(id2 > id1);
        assert_int_equal(undo_mark_done(j, id1), 0);
        undo_close(j);

        char path[128];
        struct stat st;
        snprintf(path, sizeof(path), "%s/journal", f->dir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);

        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_count(j), 2);
        assert_true(undo_get(j, 0)->done);
        assert_false(undo_get(j, 1)->done);
        assert_string_equal(undo_get(j, 1)->name, f->file);
        assert_int_equal(undo_open_count(j), 1);
        undo_close(j);
}

/* Cuts the journal at every byte inside its last record: the loader keeps the whole records before it,
 * drops the torn one, and appends after the cut stay readable. */
static void torn_tail_is_dropped_at_every_cut(void **state)
{
        struct fixture *f = *state;
        struct undo_journal *j;
        struct undo_entry e = file_entry(f->file);
        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_record(j, &e, NULL), 0);
        off_t one = journal_size(f);
        assert_int_equal(undo_record(j, &e, NULL), 0);
        off_t two = journal_size(f);
        undo_close(j);

        char path[128];
        snprintf(path, sizeof(path), "%s/journal", f->dir);
        for (off_t cut = two - 1; cut > one; cut--) {
                assert_int_equal(truncate(path, cut), 0);
                assert_int_equal(undo_open(f->dir, &j), 0);
                assert_int_equal(undo_count(j), 1);
                assert_int_equal(journal_size(f), one); /* torn bytes are gone */
                undo_close(j);
        }
        /* after the cut, a new record is readable */
        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_record(j, &e, NULL), 0);
        undo_close(j);
        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_count(j), 2);
        undo_close(j);
}

static void corrupt_record_ends_journal(void **state)
{
        struct fixture *f = *state;
        struct undo_journal *j;
        struct undo_entry e = file_entry(f->file);
        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_record(j, &e, NULL), 0);
        off_t one = journal_size(f);
        assert_int_equal(undo_record(j, &e, NULL), 0);
        undo_close(j);
        char path[128];
        snprintf(path, sizeof(path), "%s/journal", f->dir);
        int fd = open(path, O_WRONLY);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, "X", 1, one + 30), 1); /* flip a payload byte: CRC fails */
        close(fd);
        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_count(j), 1);
        undo_close(j);
}

/* The on-disk format is documented (docs/agent.md): a record written by another tool with the standard
 * CRC-32 (zlib's) is read. */
static void documented_format_is_read(void **state)
{
        struct fixture *f = *state;
        char path[128];
        snprintf(path, sizeof(path), "%s/journal", f->dir);
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs("00000026 d7b829d2 {\"id\":1,\"kind\":\"file\",\"name\":\"/tmp/x\"}\n", fp);
        fclose(fp);
        struct undo_journal *j;
        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_count(j), 1);
        assert_int_equal(undo_get(j, 0)->kind, UNDO_FILE);
        assert_string_equal(undo_get(j, 0)->name, "/tmp/x");
        undo_close(j);
}

/* A record of a kind this agent does not know (a newer agent wrote it before a downgrade) is kept: it
 * neither ends the journal nor is lost, replay counts it as failed and leaves it for the newer agent, and
 * what this agent knows around it is still reverted. */
static void foreign_kind_is_kept_and_never_reverted(void **state)
{
        struct fixture *f = *state;
        struct undo_journal *j;
        struct undo_entry e = file_entry(f->file);
        touch(f->file);
        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_record(j, &e, NULL), 0);
        undo_close(j);
        char path[128];
        snprintf(path, sizeof(path), "%s/journal", f->dir);
        FILE *fp = fopen(path, "a");
        assert_non_null(fp);
        fputs("0000003b bce5d2a7 {\"id\":50,\"kind\":\"nft_table\",\"name\":\"rift-1\",\"table\":\"inet\"}\n",
              fp);
        fclose(fp);
        char second[128];
        snprintf(second, sizeof(second), "%s.2", f->file);
        struct undo_entry e2 = file_entry(second);
        touch(second);
        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_count(j), 2);
        assert_int_equal(undo_get(j, 1)->kind, UNDO_FOREIGN);
        assert_string_equal(undo_get(j, 1)->name, "rift-1");
        assert_int_equal(undo_record(j, &e2, NULL), 0); /* ids go on after the foreign one */
        assert_int_equal(undo_get(j, 2)->id, 51);
        unsigned reverted = 0, failed = 0;
        assert_int_equal(undo_replay(j, &reverted, &failed), RIFT_E_UNSUPPORTED);
        assert_int_equal(reverted, 2);
        assert_int_equal(failed, 1);
        assert_int_equal(access(f->file, F_OK), -1);
        assert_int_equal(access(second, F_OK), -1);
        undo_close(j);
        /* still there, still open, after the files' done markers */
        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_open_count(j), 1);
        assert_int_equal(undo_get(j, 1)->kind, UNDO_FOREIGN);
        assert_false(undo_get(j, 1)->done);
        struct undo_entry bad = { .kind = UNDO_FOREIGN };
        assert_int_equal(undo_record(j, &bad, NULL), -EINVAL); /* never written by this agent */
        undo_close(j);
}

/* Numbers a record cannot mean (a negative pid, which kill() would take for a process group; a pid no
 * integer holds) make it unreadable like a failed CRC: the journal ends before it. */
static void out_of_range_numbers_end_the_journal(void **state)
{
        static const char *const bad[] = {
                "00000029 35101118 {\"id\":3,\"kind\":\"proc\",\"pid\":-1,\"start\":5}\n",
                "00000031 60cf62b1 {\"id\":4,\"kind\":\"stopped\",\"pid\":1e300,\"start\":1.5}\n",
        };
        struct fixture *f = *state;
        char path[128];
        snprintf(path, sizeof(path), "%s/journal", f->dir);
        for (size_t i = 0; i < 2; i++) {
                FILE *fp = fopen(path, "w");
                assert_non_null(fp);
                fputs("00000026 d7b829d2 {\"id\":1,\"kind\":\"file\",\"name\":\"/tmp/x\"}\n", fp);
                fputs(bad[i], fp);
                fclose(fp);
                struct undo_journal *j;
                assert_int_equal(undo_open(f->dir, &j), 0);
                assert_int_equal(undo_count(j), 1);
                undo_close(j);
                struct stat st;
                assert_int_equal(stat(path, &st), 0);
                assert_int_equal(st.st_size, 18 + 0x26 + 1); /* cut after the first record */
        }
}

static void replay_reverts_newest_first_and_is_idempotent(void **state)
{
        struct fixture *f = *state;
        struct undo_journal *j;
        char other[128];
        snprintf(other, sizeof(other), "%s/other", f->dir);
        touch(f->file);
        assert_int_equal(undo_open(f->dir, &j), 0);
        struct undo_entry a = file_entry(f->file), b = file_entry(other); /* b was never created */
        assert_int_equal(undo_record(j, &a, NULL), 0);
        assert_int_equal(undo_record(j, &b, NULL), 0);
        undo_close(j);

        unsigned reverted, failed;
        assert_int_equal(undo_open(f->dir, &j), 0);
        assert_int_equal(undo_replay(j, &reverted, &failed), 0);
        assert_int_equal(reverted, 2); /* "already gone" counts as reverted */
        assert_int_equal(failed, 0);
        assert_int_equal(access(f->file, F_OK), -1);
        assert_int_equal(undo_open_count(j), 0);
        assert_int_equal(journal_size(f), 0); /* fully reverted journal is emptied */
        /* a second replay finds nothing to do */
        assert_int_equal(undo_replay(j, &reverted, &failed), 0);
        assert_int_equal(reverted, 0);
        undo_close(j);
}

static void replay_since_touches_only_newer(void **state)
{
        struct fixture *f = *state;
        struct undo_journal *j;
        touch(f->file);
        assert_int_equal(undo_open(f->dir, &j), 0);
        struct undo_entry a = file_entry(f->file);
        uint64_t id;
        assert_int_equal(undo_record(j, &a, &id), 0);
        unsigned reverted, failed;
        assert_int_equal(undo_replay_since(j, id, &reverted, &failed), 0);
        assert_int_equal(reverted, 0);
        assert_int_equal(access(f->file, F_OK), 0);
        undo_close(j);
}

static pid_t spawn_sleeper(void)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                for (int i = 0; i < 300; i++)
                        sleep(1);
                _exit(0);
        }
        return pid;
}

static void pid_is_signalled_only_if_start_time_matches(void **state)
{
        pid_t pid = spawn_sleeper();
        uint64_t start;
        assert_int_equal(proc_start_time(pid, &start), 0);

        struct undo_entry e = { .kind = UNDO_PROC, .pid = pid, .start = start + 1 }; /* a reused pid */
        assert_int_equal(undo_revert_entry(&e), 0);
        assert_true(proc_is_same(pid, start)); /* left alone */

        e.start = start;
        assert_int_equal(undo_revert_entry(&e), 0);
        assert_false(proc_is_same(pid, start));
        assert_int_equal(undo_revert_entry(&e), 0); /* gone: still success */
        waitpid(pid, NULL, WNOHANG);
}

static void stopped_pid_is_continued(void **state)
{
        pid_t pid = spawn_sleeper();
        uint64_t start;
        char st = 0;
        assert_int_equal(proc_start_time(pid, &start), 0);
        assert_int_equal(kill(pid, SIGSTOP), 0);
        for (int i = 0; i < 200 && st != 'T'; i++) {
                usleep(5000);
                proc_state(pid, &st);
        }
        assert_int_equal(st, 'T');
        struct undo_entry e = { .kind = UNDO_STOPPED, .pid = pid, .start = start };
        assert_int_equal(undo_revert_entry(&e), 0);
        for (int i = 0; i < 200 && st == 'T'; i++) {
                usleep(5000);
                proc_state(pid, &st);
        }
        assert_int_not_equal(st, 'T');
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        assert_int_equal(undo_revert_entry(&e), 0); /* gone: success */
}

static void missing_chain_and_qdisc_are_success(void **state)
{
        struct undo_entry q = { .kind = UNDO_QDISC, .handle = 0x52540000u, .parent = 0xffffffffu };
        snprintf(q.name, sizeof(q.name), "rift-no-such0");
        assert_int_equal(undo_revert_entry(&q), 0);
        struct undo_entry c = { .kind = UNDO_CGROUP };
        snprintf(c.name, sizeof(c.name), "/sys/fs/cgroup/rift-no-such-cgroup");
        assert_int_equal(undo_revert_entry(&c), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(journal_is_private_and_reloads, setup, teardown),
                cmocka_unit_test_setup_teardown(torn_tail_is_dropped_at_every_cut, setup, teardown),
                cmocka_unit_test_setup_teardown(corrupt_record_ends_journal, setup, teardown),
                cmocka_unit_test_setup_teardown(documented_format_is_read, setup, teardown),
                cmocka_unit_test_setup_teardown(foreign_kind_is_kept_and_never_reverted, setup, teardown),
                cmocka_unit_test_setup_teardown(out_of_range_numbers_end_the_journal, setup, teardown),
                cmocka_unit_test_setup_teardown(replay_reverts_newest_first_and_is_idempotent, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(replay_since_touches_only_newer, setup, teardown),
                cmocka_unit_test(pid_is_signalled_only_if_start_time_matches),
                cmocka_unit_test(stopped_pid_is_continued),
                cmocka_unit_test(missing_chain_and_qdisc_are_success),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
