/* Kubernetes infrastructures: what registerInfra stores for them and the manifest that installs
 * rift-subscriber, as Litmus's subscriber manifest does (Namespace and ServiceAccount unless they exist,
 * RBAC for the cluster or the namespace, ConfigMap subscriber-config, Secret subscriber-secret with
 * INFRA_ID and ACCESS_KEY, Deployment subscriber). The manifest's parameters are stored with the
 * infrastructure; its key is not (keys are stored only hashed), so getInfraManifest issues a new
 * one-time key while the infrastructure is not registered yet, and with upgrade: true leaves the Secret
 * out (the deployed key stays). The Kubernetes agent itself is not part of Rift yet. */
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/graphql/graphql.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

#define K8S_MAX_MANIFEST   (64u * 1024) /* bytes of one rendered manifest */
#define K8S_MAX_SELECTOR   8u           /* nodeSelector entries */
#define K8S_REG_KEY_BYTES  24           /* random bytes of a one-time registration key */
#define K8S_SUBSCRIBER_IMG "rift/rift-subscriber"

/* A DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit. */
static bool dns_label(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        return false;
        return true;
}

/* A label key or value of a node selector: [A-Za-z0-9._/-], at most 253 bytes. */
static bool selector_word(const char *s, size_t n)
{
        if (n == 0 || n > 253)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                      (s[i] >= '0' && s[i] <= '9') || strchr("._/-", s[i])))
                        return false;
        return true;
}

/* "k=v,k2=v2" to {"k":"v",...}; NULL when malformed. */
static cJSON *parse_selector(const char *text)
{
        cJSON *m = cJSON_CreateObject();
        const char *p = text;
        unsigned n = 0;

        while (p && *p) {
                const char *end = strchr(p, ','), *eq;
                size_t len = end ? (size_t)(end - p) : strlen(p);
                char key[254], val[254];
                eq = memchr(p, '=', len);
                if (!eq || !selector_word(p, (size_t)(eq - p)) ||
                    !selector_word(eq + 1, len - (size_t)(eq - p) - 1) || ++n > K8S_MAX_SELECTOR) {
                        cJSON_Delete(m);
                        return NULL;
                }
                snprintf(key, sizeof(key), "%.*s", (int)(eq - p), p);
                snprintf(val, sizeof(val), "%.*s", (int)(len - (size_t)(eq - p) - 1), eq + 1);
                cJSON_DeleteItemFromObject(m, key);
                cJSON_AddStringToObject(m, key, val);
                p = end ? end + 1 : NULL;
        }
        return m;
}

static const char *field_or(const struct gql_value *req, const char *name, const char *def)
{
        const char *v = backend_field_str(req, name);

        return v && v[0] ? v : def;
}

static bool field_bool(const struct gql_value *req, const char *name)
{
        const struct gql_value *v = gql_value_field(req, name);

        return v && v->kind == GQL_BOOLEAN && v->b;
}

int k8s_infra_fields(struct gql_resolve_info *ri, const struct gql_value *req, cJSON *doc)
{
        const char *scope = field_or(req, "infraScope", "cluster"),
                   *ns = field_or(req, "infraNamespace", "litmus");
        const char *sa = field_or(req, "serviceAccount", "litmus"),
                   *sel = backend_field_str(req, "nodeSelector");
        cJSON *selector = NULL;

        if (strcmp(scope, "cluster") != 0 && strcmp(scope, "namespace") != 0)
                return gql_resolve_error(ri, "request.infraScope: cluster or namespace");
        if (!dns_label(ns))
                return gql_resolve_error(ri,
                                         "request.infraNamespace: not a Kubernetes name (lowercase letters, "
                                         "digits and '-', at most 63)");
        if (!dns_label(sa))
                return gql_resolve_error(ri,
                                         "request.serviceAccount: not a Kubernetes name (lowercase letters, "
                                         "digits and '-', at most 63)");
        if (sel && sel[0] && !(selector = parse_selector(sel)))
                return gql_resolve_error(ri,
                                         "request.nodeSelector: expected key=value[,key=value] (at most 8)");
        backend_set_str(doc, "infraScope", scope);
        backend_set_str(doc, "infraNamespace", ns);
        backend_set_str(doc, "serviceAccount", sa);
        cJSON_AddBoolToObject(doc, "infraNsExists", field_bool(req, "infraNsExists"));
        cJSON_AddBoolToObject(doc, "infraSaExists", field_bool(req, "infraSaExists"));
        cJSON_AddBoolToObject(doc, "skipSsl", field_bool(req, "skipSsl"));
        cJSON_AddItemToObject(doc, "nodeSelector", selector ? selector : cJSON_CreateObject());
        return 0;
}

/* ---- rendering ---- */

/* A YAML double-quoted scalar (every value is quoted: nothing in it can change the document's shape). */
static int q(struct rift_buf *b, const char *s)
{
        int r = rift_buf_append_char(b, '"');

        for (; r >= 0 && *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\')
                        r = rift_buf_printf(b, "\\%c", c);
                else if (c < 0x20 || c == 0x7f)
                        r = rift_buf_printf(b, "\\x%02x", c);
                else
                        r = rift_buf_append_char(b, (char)c);
        }
        return r < 0 ? r : rift_buf_append_char(b, '"');
}

/* Appends "<indent>key: "value"\n". */
static int kv(struct rift_buf *b, const char *indent, const char *key, const char *value)
{
        int r = rift_buf_printf(b, "%s%s: ", indent, key);

        if (r >= 0)
                r = q(b, value);
        return r < 0 ? r : rift_buf_append_char(b, '\n');
}

struct k8s_params {
        const char *id;         /* infraID */
        const char *name;       /* infrastructure name */
        const char *scope;      /* cluster or namespace */
        const char *ns;         /* namespace */
        const char *sa;         /* service account */
        const char *server;     /* InfraService URL */
        const char *key;        /* one-time key for the Secret; NULL = leave the Secret out */
        bool ns_exists;         /* the namespace exists: not in the manifest */
        bool sa_exists;         /* the service account exists */
        bool skip_ssl;          /* SKIP_SSL_VERIFY */
        bool confirmed;         /* IS_INFRA_CONFIRMED */
        const cJSON *selector;  /* nodeSelector map */
        const char *start_time; /* START_TIME */
};

static int meta(struct rift_buf *b, const struct k8s_params *p, const char *name, bool namespaced)
{
        int r = rift_buf_append_str(b, "metadata:\n");

        if (r >= 0)
                r = kv(b, "  ", "name", name);
        if (r >= 0 && namespaced)
                r = kv(b, "  ", "namespace", p->ns);
        if (r >= 0)
                r = rift_buf_append_str(b, "  labels:\n");
        if (r >= 0)
                r = kv(b, "    ", "app.kubernetes.io/part-of", "rift");
        if (r >= 0)
                r = kv(b, "    ", "rift.io/infra-id", p->id);
        return r;
}

static const char rbac_rules[] =
    "rules:\n"
    "  - apiGroups: [\"\"]\n"
    "    resources: [\"pods\", \"pods/log\", \"events\", \"services\", \"configmaps\", "
    "\"secrets\", \"namespaces\"]\n"
    "    verbs: [\"get\", \"list\", \"watch\", \"create\", \"update\", \"patch\", "
    "\"delete\"]\n"
    "  - apiGroups: [\"apps\"]\n"
    "    resources: [\"deployments\", \"statefulsets\", \"daemonsets\", \"replicasets\"]\n"
    "    verbs: [\"get\", \"list\", \"watch\", \"patch\", \"update\"]\n"
    "  - apiGroups: [\"litmuschaos.io\", \"argoproj.io\"]\n"
    "    resources: [\"*\"]\n"
    "    verbs: [\"get\", \"list\", \"watch\", \"create\", \"update\", \"patch\", "
    "\"delete\"]\n";

static int render_rbac(struct rift_buf *b, const struct k8s_params *p)
{
        bool cluster = !strcmp(p->scope, "cluster");
        char name[128];
        int r;

        snprintf(name, sizeof(name), "rift-subscriber-%s", p->id);
        r = rift_buf_printf(b, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: %s\n",
                            cluster ? "ClusterRole" : "Role");
        if (r >= 0)
                r = meta(b, p, name, !cluster);
        if (r >= 0)
                r = rift_buf_append_str(b, rbac_rules);
        if (r >= 0)
                r = rift_buf_printf(b, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: %s\n",
                                    cluster ? "ClusterRoleBinding" : "RoleBinding");
        if (r >= 0)
                r = meta(b, p, name, !cluster);
        if (r >= 0)
                r = rift_buf_printf(b, "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: %s\n",
                                    cluster ? "ClusterRole" : "Role");
        if (r >= 0)
                r = kv(b, "  ", "name", name);
        if (r >= 0)
                r = rift_buf_append_str(b, "subjects:\n  - kind: ServiceAccount\n");
        if (r >= 0)
                r = kv(b, "    ", "name", p->sa);
        if (r >= 0)
                r = kv(b, "    ", "namespace", p->ns);
        return r;
}

static int render_config(struct rift_buf *b, const struct k8s_params *p)
{
        int r = rift_buf_append_str(b, "---\napiVersion: v1\nkind: ConfigMap\n");

        if (r >= 0)
                r = meta(b, p, "subscriber-config", true);
        if (r >= 0)
                r = rift_buf_append_str(b, "data:\n");
        if (r >= 0)
                r = kv(b, "  ", "SERVER_ADDR", p->server);
        if (r >= 0)
                r = kv(b, "  ", "INFRA_SCOPE", p->scope);
        if (r >= 0)
                r = kv(b, "  ", "VERSION", BACKEND_VERSION);
        if (r >= 0)
                r = kv(b, "  ", "START_TIME", p->start_time);
        if (r >= 0)
                r = kv(b, "  ", "SKIP_SSL_VERIFY", p->skip_ssl ? "true" : "false");
        if (r >= 0)
                r = kv(b, "  ", "IS_INFRA_CONFIRMED", p->confirmed ? "true" : "false");
        if (r >= 0)
                r = kv(b, "  ", "COMPONENTS", "DEPLOYMENTS: [\"app=subscriber\"]");
        if (r < 0 || !p->key)
                return r;
        r = rift_buf_append_str(b, "---\napiVersion: v1\nkind: Secret\n");
        if (r >= 0)
                r = meta(b, p, "subscriber-secret", true);
        if (r >= 0)
                r = rift_buf_append_str(b, "type: Opaque\nstringData:\n");
        if (r >= 0)
                r = kv(b, "  ", "INFRA_ID", p->id);
        if (r >= 0)
                r = kv(b, "  ", "ACCESS_KEY", p->key);
        return r;
}

static int render_deployment(struct rift_buf *b, const struct k8s_params *p)
{
        char image[128];
        const cJSON *e;
        int r = rift_buf_append_str(b, "---\napiVersion: apps/v1\nkind: Deployment\n");

        snprintf(image, sizeof(image), "%s:%s", K8S_SUBSCRIBER_IMG, BACKEND_VERSION);
        if (r >= 0)
                r = meta(b, p, "subscriber", true);
        if (r >= 0)
                r = rift_buf_append_str(b, "spec:\n  replicas: 1\n  selector:\n    matchLabels:\n"
                                           "      app: \"subscriber\"\n  template:\n    metadata:\n"
                                           "      labels:\n        app: \"subscriber\"\n    spec:\n");
        if (r >= 0)
                r = kv(b, "      ", "serviceAccountName", p->sa);
        if (r >= 0 && cJSON_GetArraySize(p->selector) > 0) {
                r = rift_buf_append_str(b, "      nodeSelector:\n");
                cJSON_ArrayForEach(e, p->selector) if (r >= 0) r =
                    kv(b, "        ", e->string, e->valuestring);
        }
        if (r >= 0)
                r = rift_buf_append_str(b, "      containers:\n        - name: \"subscriber\"\n");
        if (r >= 0)
                r = kv(b, "          ", "image", image);
        if (r >= 0)
                r = rift_buf_append_str(
                    b, "          imagePullPolicy: \"Always\"\n"
                       "          envFrom:\n"
                       "            - configMapRef:\n                name: \"subscriber-config\"\n"
                       "            - secretRef:\n                name: \"subscriber-secret\"\n"
                       "          env:\n"
                       "            - name: \"INFRA_NAMESPACE\"\n"
                       "              valueFrom:\n                fieldRef:\n"
                       "                  fieldPath: \"metadata.namespace\"\n"
                       "          resources:\n"
                       "            requests: {memory: \"300Mi\", cpu: \"125m\"}\n"
                       "            limits: {memory: \"500Mi\", cpu: \"225m\"}\n");
        return r;
}

static int render(const struct k8s_params *p, struct rift_buf *b)
{
        int r = rift_buf_printf(b, "# Rift chaos infrastructure \"%s\" (%s): kubectl apply -f this file\n",
                                p->id, p->scope);

        if (r >= 0 && !p->ns_exists) {
                r = rift_buf_append_str(b, "---\napiVersion: v1\nkind: Namespace\n");
                if (r >= 0)
                        r = meta(b, p, p->ns, false);
        }
        if (r >= 0 && !p->sa_exists) {
                r = rift_buf_append_str(b, "---\napiVersion: v1\nkind: ServiceAccount\n");
                if (r >= 0)
                        r = meta(b, p, p->sa, true);
        }
        if (r >= 0)
                r = render_rbac(b, p);
        if (r >= 0)
                r = render_config(b, p);
        if (r >= 0)
                r = render_deployment(b, p);
        return r;
}

static const char *doc_str(const cJSON *doc, const char *key, const char *def)
{
        const cJSON *v = cJSON_GetObjectItem(doc, key);

        return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : def;
}

/* Renders the manifest of a stored Kubernetes infrastructure; key NULL leaves the Secret out. */
static int manifest_of(const struct backend_config *cfg, const cJSON *doc, const char *key, char **ret)
{
        _cleanup_(rift_buf_free) struct rift_buf b = RIFT_BUF_INIT(K8S_MAX_MANIFEST);
        char server[300];
        struct k8s_params p = {
                .id = doc_str(doc, "infraID", ""),
                .name = doc_str(doc, "name", ""),
                .scope = doc_str(doc, "infraScope", "cluster"),
                .ns = doc_str(doc, "infraNamespace", "litmus"),
                .sa = doc_str(doc, "serviceAccount", "litmus"),
                .server = server,
                .key = key,
                .ns_exists = cJSON_IsTrue(cJSON_GetObjectItem(doc, "infraNsExists")),
                .sa_exists = cJSON_IsTrue(cJSON_GetObjectItem(doc, "infraSaExists")),
                .skip_ssl = cJSON_IsTrue(cJSON_GetObjectItem(doc, "skipSsl")),
                .confirmed = cJSON_IsTrue(cJSON_GetObjectItem(doc, "isInfraConfirmed")),
                .selector = cJSON_GetObjectItem(doc, "nodeSelector"),
                .start_time = doc_str(doc, "createdAt", ""),
        };
        int r;

        if (cfg->public_rpc_url)
                rift_strlcpy(server, cfg->public_rpc_url, sizeof(server));
        else
                snprintf(server, sizeof(server), "%s://%s:%lld", cfg->tls_cert ? "https" : "http",
                         cfg->bind_address, (long long)cfg->rpc_port);
        r = render(&p, &b);
        if (r < 0)
                return r;
        *ret = rift_buf_steal(&b);
        return 0;
}

int k8s_register_reply(struct gql_resolve_info *ri, const char *id, const char *key, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        _cleanup_free_ char *yaml = NULL;
        cJSON *doc = NULL, *out;

        if (rift_store_get(q->b->store, BC_INFRAS, id, &doc) < 0)
                return gql_resolve_error(ri, "cannot read the infrastructure back");
        backend_keep(q, doc);
        if (manifest_of(q->b->cfg, doc, key, &yaml) < 0)
                return gql_resolve_error(ri, "manifest too large");
        out = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(out, "token", key);
        cJSON_AddStringToObject(out, "infraID", id);
        cJSON_AddStringToObject(out, "name", doc_str(doc, "name", ""));
        cJSON_AddStringToObject(out, "manifest", yaml);
        cJSON_AddStringToObject(out, "installCommand", "kubectl apply -f <the manifest saved to a file>");
        *ret = gql_value_opaque(ri->arena, out, "RegisterInfraResponse");
        return 0;
}

/* getInfraManifest(infraID, upgrade, projectID): Owner or Executor, as in Litmus. */
int res_get_infra_manifest(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *up = gql_arg(ri, "upgrade");
        bool upgrade = up && up->kind == GQL_BOOLEAN && up->b;
        _cleanup_free_ char *yaml = NULL, *key = NULL;
        const char *project;
        char hash[65];
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_EXECUTOR, &project);

        if (r < 0 || (r = backend_load_infra(ri, project, backend_arg_str(ri, "infraID"), &doc)) < 0)
                return r;
        if (strcmp(doc_str(doc, "infraType", ""), "Kubernetes") != 0)
                return gql_resolve_error(ri,
                                         "infraID: not a Kubernetes infrastructure (a Linux one is installed "
                                         "with registerInfra's installCommand)");
        if (!upgrade && cJSON_IsTrue(cJSON_GetObjectItem(doc, "isInfraConfirmed")))
                return gql_resolve_error(
                    ri, "upgrade: the infrastructure is registered and its key is stored only "
                        "hashed; ask with upgrade: true (the deployed Secret stays)");
        if (!upgrade) { /* a new one-time key replaces the one never used */
                if (rift_crypto_random_hex(K8S_REG_KEY_BYTES, &key) < 0)
                        return gql_resolve_error(ri, "no randomness");
                backend_hash_key(key, hash);
                backend_set_str(doc, "registrationKeyHash", hash);
                backend_set_now(doc, "updatedAt");
                if (rift_store_update(q->b->store, BC_INFRAS, doc, NULL) < 0)
                        return gql_resolve_error(ri, "cannot store the new registration key");
        }
        if (manifest_of(q->b->cfg, doc, key, &yaml) < 0)
                return gql_resolve_error(ri, "manifest too large");
        *ret = gql_value_string(ri->arena, yaml, strlen(yaml));
        return 0;
}
