// link: services/backend/manifest.c services/backend/manifest_litmus.c services/backend/hub.c services/backend/hub_dir.c services/backend/yaml.c services/backend/probe_spec.c
/* libFuzzer target: Rift's experiment manifest parser (user input stored by createChaosExperiment).
 * Any bytes must give either a normalised document in which every step has a known fault, a duration
 * and a weight, or RIFT_E_INVALID with a NUL-terminated message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/backend/backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char err[512];
        cJSON *doc = NULL, *g, *s;
        int r = manifest_parse((const char *)data, size, &doc, err, sizeof(err));

        if (r < 0) {
                if (r != RIFT_E_INVALID || doc || strlen(err) >= sizeof(err))
                        abort();
                return 0;
        }
        cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(doc, "groups"))
            cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(g, "steps"))
        {
                if (!hub_find(cJSON_GetObjectItemCaseSensitive(s, "fault")->valuestring) ||
                    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s, "duration_ms")) ||
                    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s, "weight")))
                        abort();
        }
        (void)manifest_score(cJSON_GetObjectItemCaseSensitive(doc, "groups"));
        cJSON_Delete(doc);
        return 0;
}
