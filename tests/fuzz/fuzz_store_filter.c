/* Fuzzes the store's filter parser and matcher (filters arrive from API requests) and the document
 * checks. Input: a filter JSON, optionally followed by a newline and a document JSON. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/store.h"
#include "lib/store_filter.h"

static const char *const docs[] = {
        ("{\"_id\":\"a\",\"n\":1,\"s\":\"x\",\"members\":[{\"user_id\":\"u1\"},{\"user_id\":\"u2\"}],"
         "\"tags\":[\"a\"]}"),
        "{\"_id\":\"b\",\"n\":2.5,\"sub\":{\"k\":null,\"deep\":{\"a\":[1,[2],{\"b\":3}]}},\"flag\":true}",
        "{}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *)data;
        const char *nl = memchr(data, '\n', size);
        size_t flen = nl ? (size_t)(nl - text) : size;
        struct rift_store_filter f;
        cJSON *filter, *doc;

        filter = cJSON_ParseWithLength(text, flen);
        if (filter && rift_store_filter_parse(filter, &f) == 0) {
                for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
                        cJSON *d = cJSON_Parse(docs[i]);

                        (void)rift_store_filter_match(&f, d);
                        cJSON_Delete(d);
                }
                (void)rift_store_filter_id(&f);
                if (nl) {
                        doc = cJSON_ParseWithLength(nl + 1, size - flen - 1);
                        if (doc && rift_store_doc_check(doc) == 0)
                                (void)rift_store_filter_match(&f, doc);
                        cJSON_Delete(doc);
                }
        }
        cJSON_Delete(filter);
        if (size < 512) {
                char name[512];

                memcpy(name, data, size);
                name[size] = '\0';
                (void)rift_store_field_valid(name);
                (void)rift_store_collection_valid(name);
        }
        return 0;
}
