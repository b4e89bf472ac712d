/* rift-agent: the Linux chaos infrastructure. This file only wires the command line to the runner.
 *
 *   rift-agent inject --spec FILE.json [--journal DIR] [--control-plane HOST]
 *   rift-agent check --spec FILE.json        validate a spec and exit
 *   rift-agent --recover [--journal DIR]     revert whatever the journal says is still in place
 *   rift-agent --list-faults
 *   rift-agent run                           the daemon: settings from the environment (daemon.h)
 *   rift-agent --check-config                validate and print those settings */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/daemon.h"
#include "agent/policy.h"
#include "lib/buf.h"
#include "lib/log.h"

static int usage(void)
{
        fputs("usage: rift-agent inject --spec FILE.json [--journal DIR] [--control-plane HOST]\n"
              "       rift-agent check --spec FILE.json\n"
              "       rift-agent --recover [--journal DIR]\n"
              "       rift-agent --list-faults\n"
              "       rift-agent run [--journal DIR]\n"
              "       rift-agent --check-config     validate the settings `run` reads from the environment\n",
              stderr);
        return AGENT_EXIT_USAGE;
}

static int run_daemon(const char *journal_dir)
{
        struct daemon_config c;
        if (daemon_config_load(&c, journal_dir) < 0)
                return AGENT_EXIT_USAGE;
        int r = daemon_run(&c);
        daemon_config_free(&c);
        return r;
}

/* --check-config: validates the daemon's settings (the environment, as `run` reads it) and prints
 * them, the one-time key redacted. */
static int check_config(const char *journal_dir)
{
        struct daemon_config c;
        struct rift_buf out;

        if (daemon_config_load(&c, journal_dir) < 0)
                return AGENT_EXIT_USAGE;
        struct agent_policy *p = NULL; /* the local policy file must be usable too (policy.h) */
        char perr[400];
        if (policy_load(c.policy_path ? c.policy_path : POLICY_DEFAULT_PATH, c.policy_path != NULL, &p, perr,
                        sizeof(perr)) < 0) {
                log_error("cannot use the local policy", LOG_STR("detail", perr));
                daemon_config_free(&c);
                return AGENT_EXIT_USAGE;
        }
        policy_free(p);
        rift_buf_init(&out, 64 * 1024);
        int r = daemon_config_format(&c, &out);
        if (r == 0)
                printf("# rift-agent: configuration is valid\n%s", out.data ? out.data : "");
        rift_buf_free(&out);
        daemon_config_free(&c);
        return r < 0 ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "spec", required_argument, NULL, 's' },
                { "journal", required_argument, NULL, 'j' },
                { "control-plane", required_argument, NULL, 'c' },
                { "recover", no_argument, NULL, 'r' },
                { "list-faults", no_argument, NULL, 'l' },
                { "check-config", no_argument, NULL, 'C' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct runner_options o = { .journal_dir = getenv("RIFT_AGENT_JOURNAL") ?: UNDO_DEFAULT_DIR,
                                    .control_plane = getenv("RIFT_AGENT_CONTROL_PLANE") };
        bool recover = false, list = false, check = false;
        int c;
        rift_log_init("rift-agent", RIFT_LOG_INFO, 2);
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 's':
                        o.spec_path = optarg;
                        break;
                case 'j':
                        o.journal_dir = optarg;
                        break;
                case 'c':
                        o.control_plane = optarg;
                        break;
                case 'r':
                        recover = true;
                        break;
                case 'l':
                        list = true;
                        break;
                case 'C':
                        check = true;
                        break;
                default:
                        return usage();
                }
        }
        if (list) {
                for (size_t i = 0; i < fault_count(); i++)
                        puts(fault_get(i)->name);
                return AGENT_EXIT_OK;
        }
        if (check)
                return check_config(o.journal_dir);
        if (recover)
                return runner_recover(o.journal_dir);
        const char *verb = optind < argc ? argv[optind] : "";
        if (strcmp(verb, "run") == 0)
                return run_daemon(o.journal_dir);
        if (!o.spec_path || (strcmp(verb, "inject") != 0 && strcmp(verb, "check") != 0))
                return usage();
        o.check_only = strcmp(verb, "check") == 0;
        return runner_run(&o);
}
