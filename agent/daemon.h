/* `rift-agent run`: the agent's link to the control plane (InfraService). Registers once with the
 * one-time key and keeps the returned access key in STATE_DIR/access_key (0600), long-polls for
 * tasks, heartbeats, runs each task on a task thread (task.h), streams its log lines, reports status,
 * submits the result until acknowledged, and reverts everything when stopped, on SIGTERM or when the
 * control plane stays unreachable for RIFT_AGENT_UNREACHABLE_TIMEOUT. */
#ifndef RIFT_AGENT_DAEMON_H
#define RIFT_AGENT_DAEMON_H

#include <stdint.h>

/* Configuration, from the environment (see the table in daemon.c and docs/agent.md). */
struct daemon_config {
        const char *control_plane;    /* RIFT_AGENT_CONTROL_PLANE: InfraService base URL */
        const char *infra_id;         /* RIFT_AGENT_INFRA_ID */
        const char *registration_key; /* RIFT_AGENT_ACCESS_KEY: the one-time key from registerInfra */
        const char *journal_dir;      /* RIFT_AGENT_JOURNAL: undo journal */
        const char *state_dir;        /* RIFT_AGENT_STATE_DIR: access key file (default: journal dir) */
        const char *ca_file;          /* RIFT_AGENT_CA_FILE: pinned CA (default: system CAs) */
        int tls_backend;              /* RIFT_AGENT_TLS: enum tls_dl_backend (auto, mbedtls, openssl) */
        int64_t unreachable_ms;       /* RIFT_AGENT_UNREACHABLE_TIMEOUT: revert after this silence */
        int64_t heartbeat_ms;         /* RIFT_AGENT_HEARTBEAT_INTERVAL: until the server says */
        int64_t poll_wait_ms;         /* RIFT_AGENT_POLL_WAIT: longest Poll wait asked for */
        const char *user;             /* RIFT_AGENT_USER: the network process's user (rift, else nobody) */
        int64_t key_rotation_ms;      /* RIFT_AGENT_KEY_ROTATION: RotateKey period (0 = never) */
        const char *policy_path; /* RIFT_AGENT_POLICY: local policy file (default /etc/rift/agent.policy) */
};

/* Fills c from the environment (lib/config table in daemon.c); journal_dir is the default journal.
 * Errors name the variable. Free with daemon_config_free. */
int daemon_config_load(struct daemon_config *c, const char *journal_dir);
void daemon_config_free(struct daemon_config *c);
struct rift_buf;
/* Appends `key = value` lines (secrets as [secret]) and the journal directory. */
int daemon_config_format(const struct daemon_config *c, struct rift_buf *out);
/* Runs until SIGTERM/SIGINT or until superseded; returns an agent_exit. */
int daemon_run(const struct daemon_config *c);

#endif
