/* rift-auth benchmark helper.
 *   bench_auth seed DB_URI USERS PROJECTS        writes USERS user and PROJECTS project documents (the
 *                                                shapes services/auth/users.c and projects.c store) into the
 *                                                store directly: one argon2id hash is computed and shared,
 *                                                so seeding 10,000 accounts takes seconds, not an hour
 *   bench_auth validate URL SECONDS THREADS JWT PROJECT
 *                                                THREADS clients (lib/rpc_client, one keep-alive connection
 *                                                each) calling AuthService.ValidateRequest for SECONDS;
 *                                                prints calls, errors, req/s, p50 and p99 latency */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/common/rpc_load.h"
#include "lib/crypto.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/macro.h"
#include "lib/rpc_client.h"
#include "lib/store.h"
#include "lib/str.h"
#include "proto/auth.pb-c.h"

#define MEMBERS 4 /* members per seeded project */

static cJSON *user_doc(size_t i, const char *hash, char id[RIFT_UUID_STRLEN + 1])
{
        cJSON *u = cJSON_CreateObject();
        char name[32];

        snprintf(name, sizeof(name), "user%05zu", i);
        rift_crypto_uuid4(id);
        cJSON_AddStringToObject(u, "_id", id);
        cJSON_AddStringToObject(u, "username", name);
        cJSON_AddStringToObject(u, "password", hash);
        cJSON_AddStringToObject(u, "role", "user");
        cJSON_AddStringToObject(u, "email", "");
        cJSON_AddStringToObject(u, "name", name);
        cJSON_AddFalseToObject(u, "is_initial_login");
        cJSON_AddNumberToObject(u, "created_at", 1.7e12);
        cJSON_AddNumberToObject(u, "updated_at", 1.7e12);
        cJSON_AddNullToObject(u, "deactivated_at");
        return u;
}

static cJSON *project_doc(size_t i, char (*ids)[RIFT_UUID_STRLEN + 1], size_t n_users)
{
        static const char *const roles[MEMBERS] = { "Owner", "Executor", "Viewer", "Viewer" };
        cJSON *p = cJSON_CreateObject(), *members;
        char id[RIFT_UUID_STRLEN + 1], name[32];

        rift_crypto_uuid4(id);
        snprintf(name, sizeof(name), "project%04zu", i);
        cJSON_AddStringToObject(p, "_id", id);
        cJSON_AddStringToObject(p, "name", name);
        cJSON_AddStringToObject(p, "state", "active");
        cJSON_AddStringToObject(p, "description", "");
        cJSON_AddArrayToObject(p, "tags");
        cJSON_AddStringToObject(p, "created_by", ids[i % n_users]);
        cJSON_AddNumberToObject(p, "created_at", 1.7e12);
        cJSON_AddNumberToObject(p, "updated_at", 1.7e12);
        members = cJSON_AddArrayToObject(p, "members");
        for (size_t k = 0; k < MEMBERS; k++) {
                cJSON *m = cJSON_CreateObject();
                char uname[32];

                snprintf(uname, sizeof(uname), "user%05zu", (i + k * 997) % n_users);
                cJSON_AddStringToObject(m, "user_id", ids[(i + k * 997) % n_users]);
                cJSON_AddStringToObject(m, "username", uname);
                cJSON_AddStringToObject(m, "email", "");
                cJSON_AddStringToObject(m, "name", uname);
                cJSON_AddStringToObject(m, "role", roles[k]);
                cJSON_AddStringToObject(m, "invitation", "Accepted");
                cJSON_AddNumberToObject(m, "joined_at", 1.7e12);
                cJSON_AddItemToArray(members, m);
        }
        return p;
}

static int seed(const char *uri, size_t n_users, size_t n_projects)
{
        _cleanup_(rift_store_closep) struct rift_store *s = NULL;
        char(*ids)[RIFT_UUID_STRLEN + 1] = calloc(n_users, sizeof(*ids));
        char hash[RIFT_PWHASH_STRLEN];
        int r;

        if (!ids || rift_store_open(uri, &s) < 0 || rift_pwhash("Bench@12345", 11, NULL, hash) < 0) {
                fprintf(stderr, "bench_auth: cannot open %s\n", uri);
                return 1;
        }
        for (size_t i = 0; i < n_users; i++) {
                _cleanup_json_ cJSON *u = user_doc(i, hash, ids[i]);

                if ((r = rift_store_insert(s, "users", u, NULL)) < 0) {
                        fprintf(stderr, "bench_auth: insert user: %s\n", rift_strerror(r));
                        return 1;
                }
        }
        for (size_t i = 0; i < n_projects; i++) {
                _cleanup_json_ cJSON *p = project_doc(i, ids, n_users);

                if ((r = rift_store_insert(s, "projects", p, NULL)) < 0) {
                        fprintf(stderr, "bench_auth: insert project: %s\n", rift_strerror(r));
                        return 1;
                }
        }
        free(ids);
        printf("seeded %zu users and %zu projects\n", n_users, n_projects);
        return 0;
}

struct validate_args {
        const char *jwt;     /* bearer token to validate */
        const char *project; /* project the token's user owns */
};

static bool validate_call(struct rift_rpc_client *c, const void *ud)
{
        const struct validate_args *v = ud;
        Rift__Auth__V1__ValidateRequestRequest rq = RIFT__AUTH__V1__VALIDATE_REQUEST_REQUEST__INIT;
        char *roles[] = { "Owner", "Executor" };
        ProtobufCMessage *out = NULL;
        bool good;
        int r;

        rq.jwt = (char *)v->jwt;
        rq.project_id = (char *)v->project;
        rq.required_roles = roles;
        rq.n_required_roles = ARRAY_SIZE(roles);
        rq.invitation = "Accepted";
        r = rift_rpc_call(c, "rift.auth.v1.AuthService", "ValidateRequest", &rq.base,
                          &rift__auth__v1__validate_request_response__descriptor, &out);
        good = r >= 0 && ((Rift__Auth__V1__ValidateRequestResponse *)out)->is_valid;
        if (out)
                protobuf_c_message_free_unpacked(out, NULL);
        return good;
}

int main(int argc, char **argv)
{
        uint64_t a = 0, b = 0;

        if (argc == 5 && strcmp(argv[1], "seed") == 0 && rift_parse_uint64(argv[3], 1000000, &a) == 0 &&
            rift_parse_uint64(argv[4], 1000000, &b) == 0 && a > 0)
                return seed(argv[2], a, b);
        if (argc == 7 && strcmp(argv[1], "validate") == 0 &&
            rift_parse_uint64(argv[3], BENCH_MAX_SECONDS, &a) == 0 &&
            rift_parse_uint64(argv[4], BENCH_MAX_THREADS, &b) == 0 && a > 0 && b > 0) {
                struct validate_args v = { .jwt = argv[5], .project = argv[6] };

                return bench_rpc_load(argv[2], a, b, validate_call, &v);
        }
        fprintf(stderr, "usage: %s seed DB_URI USERS PROJECTS | validate URL SECONDS THREADS JWT PROJECT\n",
                argv[0]);
        return 2;
}
