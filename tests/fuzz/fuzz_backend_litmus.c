// link: services/backend/manifest.c services/backend/manifest_litmus.c services/backend/hub.c services/backend/hub_dir.c services/backend/yaml.c services/backend/probe_spec.c
/* libFuzzer target: Litmus manifests (ChaosEngine, Argo Workflow/CronWorkflow) given to
 * createChaosExperiment. The input is parsed as YAML or JSON and, when it has a Litmus kind, converted
 * (manifest_litmus_convert) and validated (manifest_parse). Any bytes must give either Rift's
 * normalised document (every step a built-in hub fault with a duration and weight, every step probe
 * a name) or RIFT_E_INVALID with a NUL-terminated message naming a field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/backend/backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_spec(const cJSON *doc)
{
        const cJSON *g, *s, *p;

        cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(doc, "groups"))
            cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(g, "steps"))
        {
                if (!hub_find(cJSON_GetObjectItemCaseSensitive(s, "fault")->valuestring) ||
                    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s, "duration_ms")) ||
                    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s, "weight")))
                        abort();
                cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(s, "probes")) if (!cJSON_IsString(p))
                    abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char err[512], yerr[256];
        cJSON *doc = NULL, *conv = NULL;
        int r;

        /* the converter alone, on whatever the YAML parser makes of the bytes */
        if (size <= BACKEND_MAX_MANIFEST &&
            backend_yaml_to_json((const char *)data, size, &doc, yerr, sizeof(yerr)) == 0 &&
            manifest_litmus_is(doc)) {
                r = manifest_litmus_convert(doc, &conv, err, sizeof(err));
                if (r < 0 && (r != RIFT_E_INVALID || conv || strlen(err) >= sizeof(err)))
                        abort();
                cJSON_Delete(conv);
        }
        cJSON_Delete(doc);
        doc = NULL;
        /* the whole path the resolvers take */
        r = manifest_parse((const char *)data, size, &doc, err, sizeof(err));
        if (r < 0) {
                if (r != RIFT_E_INVALID || doc || strlen(err) >= sizeof(err))
                        abort();
                return 0;
        }
        check_spec(doc);
        cJSON_Delete(doc);
        return 0;
}
