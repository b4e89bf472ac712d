// link: services/backend/probe_spec.c services/backend/yaml.c
/* libFuzzer target: saved-probe requests (addProbe/updateProbe, user input) as JSON (valid UTF-8, as
 * GraphQL strings always are). Any such bytes give
 * either an error naming the request field, or a probe whose agent form, written as YAML by getProbeYAML,
 * reads back (libyaml) as the same JSON document. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "services/backend/backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* GraphQL input objects never repeat a field; JSON objects may. */
static bool repeats_a_key(const cJSON *j)
{
        const cJSON *a, *b;

        cJSON_ArrayForEach(a, j)
        {
                if (repeats_a_key(a))
                        return true;
                for (b = a->next; cJSON_IsObject(j) && b; b = b->next)
                        if (!strcmp(a->string, b->string))
                                return true;
        }
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        cJSON *req = rift_utf8_valid((const char *)data, size)
                         ? cJSON_ParseWithLength((const char *)data, size)
                         : NULL;
        cJSON *agent = NULL, *back = NULL;
        char err[512], *yaml = NULL;

        if (!req || repeats_a_key(req)) {
                cJSON_Delete(req);
                return 0;
        }
        if (probe_spec_check(req, err, sizeof(err)) < 0) {
                if (strncmp(err, "request.", 8) || strlen(err) >= sizeof(err))
                        abort();
                goto out;
        }
        if (probe_spec_agent_json(req, "Edge", &agent) < 0)
                goto out; /* k8sProbe */
        if (probe_spec_yaml(agent, &yaml) < 0)
                abort();
        if (backend_yaml_to_json(yaml, strlen(yaml), &back, err, sizeof(err)) < 0 ||
            !cJSON_Compare(agent, back, true))
                abort();
out:
        cJSON_Delete(back);
        cJSON_Delete(agent);
        cJSON_Delete(req);
        free(yaml);
        return 0;
}
