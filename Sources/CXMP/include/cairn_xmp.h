#ifndef CAIRN_XMP_H
#define CAIRN_XMP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// XMP sidecars through libxml2's tree: Cairn's keywords, location and provenance are merged into a sidecar that may
/// hold anyone's metadata, touching only what Cairn wrote (its `Cairn|…` keywords, the dc:subject words it added,
/// the LocationShown entry it marked, an inferred GPS position it marked, its own namespace). Nothing is printed.
typedef enum {
    CAIRN_XMP_OK = 0,          /* `*out` holds the new sidecar */
    CAIRN_XMP_EMPTY = 1,       /* nothing but Cairn's was in it and nothing of Cairn's is left: delete the file */
    CAIRN_XMP_UNPARSABLE = 2,  /* not XML, or XML without an rdf:RDF element: leave it alone; see message */
    CAIRN_XMP_NO_MEMORY = 3
} cairn_xmp_status;

/// One tag Cairn gave the photo, for its own namespace (what produced each tag).
typedef struct {
    const char *kind;        /* scene, landmark, … */
    const char *label;
    double score;
    const char *recognizer;  /* recognizer id */
    const char *version;     /* recognizer version */
    const char *evidence;    /* geo or references for a landmark; NULL otherwise */
} cairn_xmp_tag;

/// What Cairn writes. Every pointer may be NULL (count 0) when absent.
typedef struct {
    const char *const *hierarchical;  /* lr:hierarchicalSubject, "Cairn|Places|Italy|Rome|Colosseum" */
    size_t hierarchical_count;
    const char *const *tags_list;     /* digiKam:TagsList, "Cairn/Places/Italy/Rome/Colosseum" */
    size_t tags_list_count;
    const char *const *subjects;      /* dc:subject leaf words; those already there are not added twice */
    size_t subject_count;
    /* Iptc4xmpExt:LocationShown: written when location_name or country is set. */
    const char *location_name;
    const char *city;
    const char *province;
    const char *country;
    const char *country_code;
    int location_has_gps;             /* the landmark's own position, inside LocationShown */
    double location_latitude, location_longitude;
    /* exif:GPSLatitude/GPSLongitude of the photo, inferred (never measured): only when the configuration asks. */
    int inferred_gps;
    double inferred_latitude, inferred_longitude;
    const char *inferred_from;        /* "landmark": recorded as cairn:GPSInferredFrom */
    const cairn_xmp_tag *tags;
    size_t tag_count;
    const char *fingerprint;          /* of all of the above, for `cairn sidecars check` */
    const char *written_at;           /* ISO 8601 */
} cairn_xmp_content;

/// Merges `content` into `existing` (`length` bytes; NULL or 0 for a new sidecar): Cairn's previous writing is
/// removed first, then `content` added (`content` NULL: only removed). On CAIRN_XMP_OK `*out` (`*out_length`
/// bytes, UTF-8, no XML declaration) is freed by the caller with `cairn_xmp_free`. `message` gets libxml2's reason
/// on CAIRN_XMP_UNPARSABLE.
cairn_xmp_status cairn_xmp_update(const char *existing, size_t length, const cairn_xmp_content *content,
                                  char **out, size_t *out_length, char *message, size_t message_size);

/// Reads the cairn:Fingerprint of a sidecar into `fingerprint`: 1 found, 0 none, -1 unparsable (reason in
/// `fingerprint`).
int cairn_xmp_fingerprint(const char *existing, size_t length, char *fingerprint, size_t size);

void cairn_xmp_free(char *buffer);

/// The namespace URI of Cairn's own properties (prefix `cairn`).
extern const char *const cairn_xmp_namespace;

#ifdef __cplusplus
}
#endif

#endif
