// libFuzzer target: the XMP sidecar merge (Sources/CXMP over libxml2) on any bytes, as a sidecar someone else wrote.
// Beyond not crashing, it checks what Cairn relies on: a sidecar Cairn merged into parses again, carries Cairn's
// fingerprint, and merging the same content again or taking Cairn's part out both succeed.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_xmp.h"

static const char *const hierarchical[] = {"Cairn|Places|Italy|Rome|Colosseum", "Cairn|Scenes|palace"};
static const char *const tags_list[] = {"Cairn/Places/Italy/Rome/Colosseum", "Cairn/Scenes/palace"};
static const char *const subjects[] = {"Italy", "Rome", "Colosseum", "palace"};
static const cairn_xmp_tag tags[] = {
    {"landmark", "Colosseum", 0.81, "landmarks", "pack/1", "references"},
    {"scene", "palace", 0.4, "scene-tags", "scene/1", NULL},
};

static cairn_xmp_content content(void) {
    cairn_xmp_content c;
    memset(&c, 0, sizeof c);
    c.hierarchical = hierarchical;
    c.hierarchical_count = 2;
    c.tags_list = tags_list;
    c.tags_list_count = 2;
    c.subjects = subjects;
    c.subject_count = 4;
    c.location_name = "Colosseum";
    c.city = "Rome";
    c.country = "Italy";
    c.country_code = "IT";
    c.location_has_gps = 1;
    c.location_latitude = 41.8902;
    c.location_longitude = 12.4922;
    c.inferred_gps = 1;
    c.inferred_latitude = 41.8902;
    c.inferred_longitude = 12.4922;
    c.inferred_from = "landmark";
    c.tags = tags;
    c.tag_count = 2;
    c.fingerprint = "fuzz";
    c.written_at = "2026-12-04T00:00:00Z";
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cairn_xmp_content c = content();
    char *out = NULL, *again = NULL, *stripped = NULL;
    size_t out_length = 0, again_length = 0, stripped_length = 0;
    char message[256];
    if (cairn_xmp_update((const char *)data, size, &c, &out, &out_length, message, sizeof message) == CAIRN_XMP_OK) {
        char fingerprint[64];
        if (cairn_xmp_fingerprint(out, out_length, fingerprint, sizeof fingerprint) != 1 ||
            strcmp(fingerprint, "fuzz") != 0)
            abort();  // Cairn's own output must read back with its fingerprint
        if (cairn_xmp_update(out, out_length, &c, &again, &again_length, message, sizeof message) != CAIRN_XMP_OK)
            abort();  // and take the same content again
        cairn_xmp_status removed =
            cairn_xmp_update(out, out_length, NULL, &stripped, &stripped_length, message, sizeof message);
        if (removed != CAIRN_XMP_OK && removed != CAIRN_XMP_EMPTY) abort();  // and give Cairn's part back
        if (stripped != NULL) {
            char left[64];
            if (cairn_xmp_fingerprint(stripped, stripped_length, left, sizeof left) != 0) abort();
        }
    }
    cairn_xmp_free(out);
    cairn_xmp_free(again);
    cairn_xmp_free(stripped);
    return 0;
}
