// link: agent/runner.c agent/faults/fault.c agent/faults/net_common.c agent/faults/network_latency.c agent/faults/network_loss.c agent/faults/network_corruption.c agent/faults/network_duplication.c agent/faults/network_rate_limit.c agent/faults/network_partition.c agent/faults/cpu_stress.c agent/faults/memory_stress.c agent/faults/disk_fill.c agent/faults/disk_io_stress.c agent/faults/process_common.c agent/faults/process_kill.c agent/faults/process_stop.c agent/faults/service_restart.c agent/faults/dns_error.c agent/dns_interceptor.c agent/dns.c agent/faults/stress_common.c agent/netfilter.c agent/nft.c agent/shaper.c agent/tc.c agent/worker.c agent/cgroup.c agent/proc.c agent/ipt.c agent/undo.c agent/task.c agent/probes/probe.c agent/probes/probe_cmd.c agent/probes/probe_compare.c agent/probes/probe_duration.c agent/probes/probe_http.c agent/probes/probe_parse.c agent/probes/probe_prom.c agent/probes/probe_verdict.c agent/privsep.c agent/privsep_msg.c agent/policy.c agent/dryrun.c agent/metrics.c
/* libFuzzer target: reading back a run's spool (task_restore) from arbitrary files. The spool is the
 * agent's own, but a crash, a full disk or a person can leave anything there, and the next start reads
 * it before it talks to the control plane. Input: the .log file's bytes, then (after the first NUL, if
 * any) the .result file's. Whatever is read, the restored lines are numbered 1..n without gaps, capped,
 * and the run has a result to submit. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/task.h"
#include "lib/limits_rift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], log_path[96], result_path[96];

static void write_file(const char *path, const uint8_t *data, size_t size)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
                abort();
        close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct task_line lines[64];
        if (!dir[0]) {
                snprintf(dir, sizeof(dir), "/tmp/rift-fuzz-spool-XXXXXX");
                if (!mkdtemp(dir))
                        abort();
                snprintf(log_path, sizeof(log_path), "%s/spool-run-1.log", dir);
                snprintf(result_path, sizeof(result_path), "%s/spool-run-1.result", dir);
        }
        const uint8_t *nul = memchr(data, 0, size);
        size_t log_len = nul ? (size_t)(nul - data) : size;
        write_file(log_path, data, log_len);
        if (nul)
                write_file(result_path, nul + 1, size - log_len - 1);
        else
                unlink(result_path);
        struct task *t = NULL;
        if (task_restore(dir, &t) != 1 || !t || !task_finished(t) || !task_result(t))
                abort();
        size_t pending = task_pending_lines(t);
        if (pending > RIFT_MAX_AGENT_LOG_QUEUE)
                abort();
        size_t n = task_peek_lines(t, lines, 64);
        for (size_t i = 0; i < n; i++)
                if (lines[i].seq != i + 1 || !lines[i].line ||
                    strlen(lines[i].line) > RIFT_MAX_AGENT_LOG_LINE)
                        abort();
        if (n)
                task_ack_lines(t, lines[n - 1].seq);
        if (task_pending_lines(t) != pending - n)
                abort();
        task_free(t);
        return 0;
}
