// XMP sidecars through libxml2's tree (see cairn_xmp.h). The document is parsed without network access and
// without entity substitution, edited node by node, and written back pretty-printed: whitespace between elements
// is the only thing of the original that may change, never a value, attribute, namespace or element of anyone
// else's.
#include "cairn_xmp.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlerror.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cairn_xmp_namespace = "http://ns.cairn-photos.org/xmp/1.0/";

static const char *const RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
static const char *const META = "adobe:ns:meta/";
static const char *const DC = "http://purl.org/dc/elements/1.1/";
static const char *const LR = "http://ns.adobe.com/lightroom/1.0/";
static const char *const DIGIKAM = "http://www.digikam.org/ns/1.0/";
static const char *const IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
static const char *const EXIF = "http://ns.adobe.com/exif/1.0/";

#define X(s) ((const xmlChar *)(s))

static int in_namespace(const xmlNode *node, const char *href) {
    return node->ns != NULL && node->ns->href != NULL && strcmp((const char *)node->ns->href, href) == 0;
}

static int is_element(const xmlNode *node, const char *href, const char *name) {
    return node->type == XML_ELEMENT_NODE && in_namespace(node, href) && strcmp((const char *)node->name, name) == 0;
}

static xmlNode *find_rdf(xmlNode *node) {
    for (; node != NULL; node = node->next) {
        if (node->type != XML_ELEMENT_NODE) continue;
        if (is_element(node, RDF, "RDF")) return node;
        xmlNode *found = find_rdf(node->children);
        if (found != NULL) return found;
    }
    return NULL;
}

// A growing list of strings read from the sidecar (Cairn's previous subjects).
typedef struct {
    char **items;
    size_t count, capacity;
} string_list;

static int list_add(string_list *list, const char *value) {
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 8;
        char **items = realloc(list->items, capacity * sizeof(char *));
        if (items == NULL) return 0;
        list->items = items;
        list->capacity = capacity;
    }
    char *copy = strdup(value);
    if (copy == NULL) return 0;
    list->items[list->count++] = copy;
    return 1;
}

static int list_contains(const string_list *list, const char *value) {
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i], value) == 0) return 1;
    return 0;
}

static void list_free(string_list *list) {
    for (size_t i = 0; i < list->count; i++) free(list->items[i]);
    free(list->items);
}

// The rdf:Bag / rdf:Seq / rdf:Alt inside an array property element, or NULL.
static xmlNode *array_of(xmlNode *property) {
    for (xmlNode *child = property->children; child != NULL; child = child->next)
        if (is_element(child, RDF, "Bag") || is_element(child, RDF, "Seq") || is_element(child, RDF, "Alt"))
            return child;
    return NULL;
}

static int has_element_children(const xmlNode *node) {
    for (const xmlNode *child = node->children; child != NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE) return 1;
    return 0;
}

static void unlink_free(xmlNode *node) {
    xmlUnlinkNode(node);
    xmlFreeNode(node);
}

// Collects the rdf:li values of Cairn's own cairn:Subjects (what it added to dc:subject before).
static int read_cairn_subjects(xmlNode *rdf, string_list *subjects) {
    for (xmlNode *d = rdf->children; d != NULL; d = d->next) {
        if (!is_element(d, RDF, "Description")) continue;
        for (xmlNode *p = d->children; p != NULL; p = p->next) {
            if (!is_element(p, cairn_xmp_namespace, "Subjects")) continue;
            xmlNode *array = array_of(p);
            if (array == NULL) continue;
            for (xmlNode *li = array->children; li != NULL; li = li->next) {
                if (!is_element(li, RDF, "li")) continue;
                xmlChar *text = xmlNodeGetContent(li);
                int ok = text == NULL || list_add(subjects, (const char *)text);
                xmlFree(text);
                if (!ok) return 0;
            }
        }
    }
    return 1;
}

// Whether an rdf:li of LocationShown carries Cairn's mark (a field or attribute in Cairn's namespace, on the li or on
// an rdf:Description inside it).
static int marked_by_cairn(const xmlNode *li) {
    for (const xmlAttr *a = li->properties; a != NULL; a = a->next)
        if (a->ns != NULL && strcmp((const char *)a->ns->href, cairn_xmp_namespace) == 0) return 1;
    for (const xmlNode *c = li->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (in_namespace(c, cairn_xmp_namespace)) return 1;
        if (is_element(c, RDF, "Description") && marked_by_cairn(c)) return 1;
    }
    return 0;
}

// Removes the items of an array property that `drop` selects; the property goes too once it has none left.
static void prune_array(xmlNode *property, int (*drop)(const xmlNode *li, const void *context), const void *context) {
    xmlNode *array = array_of(property);
    if (array == NULL) return;
    xmlNode *li = array->children;
    while (li != NULL) {
        xmlNode *next = li->next;
        if (is_element(li, RDF, "li") && drop(li, context)) unlink_free(li);
        li = next;
    }
    if (!has_element_children(array)) unlink_free(property);
}

static int drop_prefixed(const xmlNode *li, const void *prefix) {
    xmlChar *text = xmlNodeGetContent(li);
    int drop = text != NULL && strncmp((const char *)text, prefix, strlen(prefix)) == 0;
    xmlFree(text);
    return drop;
}

static int drop_listed(const xmlNode *li, const void *list) {
    xmlChar *text = xmlNodeGetContent(li);
    int drop = text != NULL && list_contains(list, (const char *)text);
    xmlFree(text);
    return drop;
}

static int drop_marked(const xmlNode *li, const void *unused) {
    (void)unused;
    return marked_by_cairn(li);
}

// Whether Cairn wrote the photo's exif:GPSLatitude/GPSLongitude (it marks them with cairn:GPSInferredFrom).
static int cairn_inferred_gps(xmlNode *rdf) {
    for (xmlNode *d = rdf->children; d != NULL; d = d->next) {
        if (!is_element(d, RDF, "Description")) continue;
        for (xmlAttr *a = d->properties; a != NULL; a = a->next)
            if (a->ns != NULL && strcmp((const char *)a->ns->href, cairn_xmp_namespace) == 0 &&
                strcmp((const char *)a->name, "GPSInferredFrom") == 0)
                return 1;
        for (xmlNode *p = d->children; p != NULL; p = p->next)
            if (is_element(p, cairn_xmp_namespace, "GPSInferredFrom")) return 1;
    }
    return 0;
}

// Removes everything Cairn wrote before. Returns 0 when out of memory.
static int remove_cairn(xmlNode *rdf) {
    string_list subjects = {0};
    if (!read_cairn_subjects(rdf, &subjects)) {
        list_free(&subjects);
        return 0;
    }
    int gps = cairn_inferred_gps(rdf);
    for (xmlNode *d = rdf->children; d != NULL; d = d->next) {
        if (!is_element(d, RDF, "Description")) continue;
        // Attributes in Cairn's namespace (a simple property written as an attribute).
        xmlAttr *a = d->properties;
        while (a != NULL) {
            xmlAttr *next = a->next;
            int ours = a->ns != NULL && strcmp((const char *)a->ns->href, cairn_xmp_namespace) == 0;
            int gps_attribute = gps && a->ns != NULL && strcmp((const char *)a->ns->href, EXIF) == 0 &&
                                (strcmp((const char *)a->name, "GPSLatitude") == 0 ||
                                 strcmp((const char *)a->name, "GPSLongitude") == 0);
            if (ours || gps_attribute) xmlRemoveProp(a);
            a = next;
        }
        xmlNode *p = d->children;
        while (p != NULL) {
            xmlNode *next = p->next;
            if (p->type == XML_ELEMENT_NODE) {
                if (in_namespace(p, cairn_xmp_namespace)) {
                    unlink_free(p);
                } else if (is_element(p, LR, "hierarchicalSubject")) {
                    prune_array(p, drop_prefixed, "Cairn|");
                } else if (is_element(p, DIGIKAM, "TagsList")) {
                    prune_array(p, drop_prefixed, "Cairn/");
                } else if (is_element(p, DC, "subject")) {
                    prune_array(p, drop_listed, &subjects);
                } else if (is_element(p, IPTC_EXT, "LocationShown")) {
                    prune_array(p, drop_marked, NULL);
                } else if (gps && (is_element(p, EXIF, "GPSLatitude") || is_element(p, EXIF, "GPSLongitude"))) {
                    unlink_free(p);
                }
            }
            p = next;
        }
    }
    list_free(&subjects);
    return 1;
}

// Nothing but empty rdf:Descriptions left (no property, no attribute besides rdf:about): the sidecar was Cairn's.
static int only_empty_descriptions(xmlNode *rdf) {
    for (xmlNode *d = rdf->children; d != NULL; d = d->next) {
        if (d->type != XML_ELEMENT_NODE) continue;
        if (!is_element(d, RDF, "Description") || has_element_children(d)) return 0;
        for (xmlAttr *a = d->properties; a != NULL; a = a->next)
            if (!(a->ns != NULL && strcmp((const char *)a->ns->href, RDF) == 0 &&
                  strcmp((const char *)a->name, "about") == 0))
                return 0;
    }
    return 1;
}

// The namespace `href` as seen from `node`, declared on `node` with `prefix` when it is not in scope.
static xmlNs *namespace_for(xmlDoc *doc, xmlNode *node, const char *href, const char *prefix) {
    xmlNs *ns = xmlSearchNsByHref(doc, node, X(href));
    if (ns != NULL) return ns;
    // The prefix may be taken by another namespace in scope: number it.
    char numbered[64];
    snprintf(numbered, sizeof numbered, "%s", prefix);
    for (int i = 2; xmlSearchNs(doc, node, X(numbered)) != NULL && i < 100; i++)
        snprintf(numbered, sizeof numbered, "%s%d", prefix, i);
    return xmlNewNs(node, X(href), X(numbered));
}

// An array property of `description` (`kind` Bag or Seq): the existing one, wherever it is among the
// Descriptions, or a new one in `description`. Returns its rdf:Bag/Seq, or NULL when out of memory.
static xmlNode *array_property(xmlDoc *doc, xmlNode *rdf, xmlNode *description, const char *href, const char *prefix,
                               const char *name, const char *kind) {
    for (xmlNode *d = rdf->children; d != NULL; d = d->next) {
        if (!is_element(d, RDF, "Description")) continue;
        for (xmlNode *p = d->children; p != NULL; p = p->next) {
            if (!is_element(p, href, name)) continue;
            xmlNode *array = array_of(p);
            if (array != NULL) return array;
        }
    }
    xmlNs *ns = namespace_for(doc, description, href, prefix);
    xmlNs *rdf_ns = namespace_for(doc, description, RDF, "rdf");
    if (ns == NULL || rdf_ns == NULL) return NULL;
    xmlNode *property = xmlNewChild(description, ns, X(name), NULL);
    if (property == NULL) return NULL;
    return xmlNewChild(property, rdf_ns, X(kind), NULL);
}

// Appends <rdf:li>value</rdf:li> (the value escaped by libxml2).
static xmlNode *add_item(xmlDoc *doc, xmlNode *array, const char *value) {
    xmlNs *rdf_ns = namespace_for(doc, array, RDF, "rdf");
    xmlNode *li = xmlNewChild(array, rdf_ns, X("li"), NULL);
    if (li != NULL && value != NULL) xmlAddChild(li, xmlNewDocText(doc, X(value)));
    return li;
}

static int array_has(xmlNode *array, const char *value) {
    for (xmlNode *li = array->children; li != NULL; li = li->next) {
        if (!is_element(li, RDF, "li")) continue;
        xmlChar *text = xmlNodeGetContent(li);
        int same = text != NULL && strcmp((const char *)text, value) == 0;
        xmlFree(text);
        if (same) return 1;
    }
    return 0;
}

// A simple text property <ns:name>value</ns:name> of `parent`.
static xmlNode *add_text(xmlDoc *doc, xmlNode *parent, const char *href, const char *prefix, const char *name,
                         const char *value) {
    if (value == NULL) return parent;
    xmlNs *ns = namespace_for(doc, parent, href, prefix);
    if (ns == NULL) return NULL;
    xmlNode *node = xmlNewChild(parent, ns, X(name), NULL);
    if (node != NULL) xmlAddChild(node, xmlNewDocText(doc, X(value)));
    return node;
}

// XMP's GPSCoordinate: "DDD,MM.mmmmmmR".
static void gps_coordinate(double value, int latitude, char *out, size_t size) {
    char hemisphere = latitude ? (value < 0 ? 'S' : 'N') : (value < 0 ? 'W' : 'E');
    double magnitude = fabs(value);
    int degrees = (int)magnitude;
    double minutes = (magnitude - degrees) * 60;
    snprintf(out, size, "%d,%.6f%c", degrees, minutes, hemisphere);
}

static int add_cairn(xmlDoc *doc, xmlNode *rdf, const cairn_xmp_content *c) {
    // Cairn writes into the first rdf:Description, or a new one.
    xmlNode *description = NULL;
    for (xmlNode *d = rdf->children; d != NULL && description == NULL; d = d->next)
        if (is_element(d, RDF, "Description")) description = d;
    if (description == NULL) {
        xmlNs *rdf_ns = namespace_for(doc, rdf, RDF, "rdf");
        description = xmlNewChild(rdf, rdf_ns, X("Description"), NULL);
        if (description == NULL || xmlSetNsProp(description, rdf_ns, X("about"), X("")) == NULL) return 0;
    }
    if (c->hierarchical_count > 0) {
        xmlNode *bag = array_property(doc, rdf, description, LR, "lr", "hierarchicalSubject", "Bag");
        if (bag == NULL) return 0;
        for (size_t i = 0; i < c->hierarchical_count; i++)
            if (!array_has(bag, c->hierarchical[i]) && add_item(doc, bag, c->hierarchical[i]) == NULL) return 0;
    }
    if (c->tags_list_count > 0) {
        xmlNode *seq = array_property(doc, rdf, description, DIGIKAM, "digiKam", "TagsList", "Seq");
        if (seq == NULL) return 0;
        for (size_t i = 0; i < c->tags_list_count; i++)
            if (!array_has(seq, c->tags_list[i]) && add_item(doc, seq, c->tags_list[i]) == NULL) return 0;
    }
    xmlNs *cairn = namespace_for(doc, description, cairn_xmp_namespace, "cairn");
    if (cairn == NULL) return 0;
    if (c->subject_count > 0) {
        xmlNode *bag = array_property(doc, rdf, description, DC, "dc", "subject", "Bag");
        if (bag == NULL) return 0;
        xmlNode *added = NULL;
        for (size_t i = 0; i < c->subject_count; i++) {
            if (array_has(bag, c->subjects[i])) continue;  // someone's own keyword: theirs, not Cairn's to remove
            if (add_item(doc, bag, c->subjects[i]) == NULL) return 0;
            if (added == NULL) {
                added = array_property(doc, rdf, description, cairn_xmp_namespace, "cairn", "Subjects", "Bag");
                if (added == NULL) return 0;
            }
            if (add_item(doc, added, c->subjects[i]) == NULL) return 0;
        }
    }
    if (c->location_name != NULL || c->country != NULL) {
        xmlNode *bag = array_property(doc, rdf, description, IPTC_EXT, "Iptc4xmpExt", "LocationShown", "Bag");
        if (bag == NULL) return 0;
        xmlNode *li = add_item(doc, bag, NULL);
        xmlNs *rdf_ns = namespace_for(doc, li, RDF, "rdf");
        if (li == NULL || xmlSetNsProp(li, rdf_ns, X("parseType"), X("Resource")) == NULL) return 0;
        if (c->location_name != NULL) {
            xmlNs *iptc = namespace_for(doc, li, IPTC_EXT, "Iptc4xmpExt");
            xmlNode *name = xmlNewChild(li, iptc, X("LocationName"), NULL);
            xmlNode *alt = name ? xmlNewChild(name, rdf_ns, X("Alt"), NULL) : NULL;
            xmlNode *item = alt ? add_item(doc, alt, c->location_name) : NULL;
            if (item == NULL) return 0;
            xmlNodeSetLang(item, X("x-default"));
        }
        if (add_text(doc, li, IPTC_EXT, "Iptc4xmpExt", "City", c->city) == NULL ||
            add_text(doc, li, IPTC_EXT, "Iptc4xmpExt", "ProvinceState", c->province) == NULL ||
            add_text(doc, li, IPTC_EXT, "Iptc4xmpExt", "CountryName", c->country) == NULL ||
            add_text(doc, li, IPTC_EXT, "Iptc4xmpExt", "CountryCode", c->country_code) == NULL)
            return 0;
        if (c->location_has_gps) {
            char latitude[40], longitude[40];
            gps_coordinate(c->location_latitude, 1, latitude, sizeof latitude);
            gps_coordinate(c->location_longitude, 0, longitude, sizeof longitude);
            if (add_text(doc, li, EXIF, "exif", "GPSLatitude", latitude) == NULL ||
                add_text(doc, li, EXIF, "exif", "GPSLongitude", longitude) == NULL)
                return 0;
        }
        if (add_text(doc, li, cairn_xmp_namespace, "cairn", "Source", "Cairn") == NULL) return 0;
    }
    if (c->inferred_gps) {
        char latitude[40], longitude[40];
        gps_coordinate(c->inferred_latitude, 1, latitude, sizeof latitude);
        gps_coordinate(c->inferred_longitude, 0, longitude, sizeof longitude);
        if (add_text(doc, description, EXIF, "exif", "GPSLatitude", latitude) == NULL ||
            add_text(doc, description, EXIF, "exif", "GPSLongitude", longitude) == NULL ||
            add_text(doc, description, cairn_xmp_namespace, "cairn", "GPSInferredFrom",
                     c->inferred_from ? c->inferred_from : "landmark") == NULL)
            return 0;
    }
    if (c->tag_count > 0) {
        xmlNode *bag = array_property(doc, rdf, description, cairn_xmp_namespace, "cairn", "Tags", "Bag");
        if (bag == NULL) return 0;
        for (size_t i = 0; i < c->tag_count; i++) {
            const cairn_xmp_tag *t = &c->tags[i];
            xmlNode *li = add_item(doc, bag, NULL);
            xmlNs *rdf_ns = li ? namespace_for(doc, li, RDF, "rdf") : NULL;
            if (rdf_ns == NULL || xmlSetNsProp(li, rdf_ns, X("parseType"), X("Resource")) == NULL) return 0;
            char score[32];
            snprintf(score, sizeof score, "%.4f", t->score);
            if (add_text(doc, li, cairn_xmp_namespace, "cairn", "Kind", t->kind) == NULL ||
                add_text(doc, li, cairn_xmp_namespace, "cairn", "Label", t->label) == NULL ||
                add_text(doc, li, cairn_xmp_namespace, "cairn", "Score", score) == NULL ||
                add_text(doc, li, cairn_xmp_namespace, "cairn", "Recognizer", t->recognizer) == NULL ||
                add_text(doc, li, cairn_xmp_namespace, "cairn", "Version", t->version) == NULL ||
                add_text(doc, li, cairn_xmp_namespace, "cairn", "Evidence", t->evidence) == NULL)
                return 0;
        }
    }
    if (add_text(doc, description, cairn_xmp_namespace, "cairn", "Fingerprint", c->fingerprint) == NULL ||
        add_text(doc, description, cairn_xmp_namespace, "cairn", "Written", c->written_at) == NULL)
        return 0;
    return 1;
}

// A new, empty sidecar: the xpacket wrapper, x:xmpmeta, rdf:RDF and one rdf:Description about "".
static xmlDoc *new_document(void) {
    xmlDoc *doc = xmlNewDoc(X("1.0"));
    if (doc == NULL) return NULL;
    xmlNode *begin = xmlNewDocPI(doc, X("xpacket"), X("begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\""));
    xmlNode *meta = xmlNewDocNode(doc, NULL, X("xmpmeta"), NULL);
    xmlNode *end = xmlNewDocPI(doc, X("xpacket"), X("end=\"w\""));
    if (begin == NULL || meta == NULL || end == NULL) {
        xmlFreeNode(begin), xmlFreeNode(meta), xmlFreeNode(end), xmlFreeDoc(doc);
        return NULL;
    }
    xmlAddChild((xmlNode *)doc, begin);
    xmlAddChild((xmlNode *)doc, meta);
    xmlAddChild((xmlNode *)doc, end);
    xmlNs *x = xmlNewNs(meta, X(META), X("x"));
    xmlSetNs(meta, x);
    xmlSetNsProp(meta, x, X("xmptk"), X("Cairn"));
    xmlNs *rdf_ns = xmlNewNs(meta, X(RDF), X("rdf"));
    xmlNode *rdf = xmlNewChild(meta, rdf_ns, X("RDF"), NULL);
    xmlNode *description = rdf ? xmlNewChild(rdf, rdf_ns, X("Description"), NULL) : NULL;
    if (description == NULL || xmlSetNsProp(description, rdf_ns, X("about"), X("")) == NULL) {
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

// Parses a sidecar: no network, no entity substitution, blanks between elements dropped (they are re-indented).
// A document that is not well-formed, or whose elements or attributes use a prefix no namespace declares, is refused
// with libxml2's reason in `message`: Cairn's edits would bind such a prefix to a namespace it never had.
static xmlDoc *parse(const char *existing, size_t length, char *message, size_t message_size) {
    if (message != NULL && message_size > 0) message[0] = 0;
    if (length > 0x7fffffff) {
        if (message != NULL && message_size > 0) snprintf(message, message_size, "larger than 2 GB");
        return NULL;
    }
    xmlParserCtxt *context = xmlNewParserCtxt();
    if (context == NULL) {
        if (message != NULL && message_size > 0) snprintf(message, message_size, "out of memory");
        return NULL;
    }
    xmlDoc *doc = xmlCtxtReadMemory(context, existing, (int)length, "sidecar.xmp", NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    int namespaces_ok = context->nsWellFormed;
    if (doc == NULL || !namespaces_ok) {
        const xmlError *error = xmlCtxtGetLastError(context);
        if (message != NULL && message_size > 0) {
            const char *text = error != NULL && error->message != NULL ? error->message : "not XML";
            snprintf(message, message_size, "%s", text);
            size_t n = strlen(message);
            while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == ' ')) message[--n] = 0;
            if (error != NULL && error->line > 0 && n + 16 < message_size)
                snprintf(message + n, message_size - n, " (line %d)", error->line);
        }
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(context);
    return doc;
}

cairn_xmp_status cairn_xmp_update(const char *existing, size_t length, const cairn_xmp_content *content,
                                  char **out, size_t *out_length, char *message, size_t message_size) {
    *out = NULL;
    *out_length = 0;
    if (message != NULL && message_size > 0) message[0] = 0;
    xmlDoc *doc = NULL;
    xmlNode *rdf = NULL;
    if (existing != NULL && length > 0) {
        doc = parse(existing, length, message, message_size);
        if (doc == NULL) return CAIRN_XMP_UNPARSABLE;
        rdf = find_rdf(xmlDocGetRootElement(doc));
        if (rdf == NULL) {
            xmlFreeDoc(doc);
            if (message != NULL && message_size > 0) snprintf(message, message_size, "no rdf:RDF element: not XMP");
            return CAIRN_XMP_UNPARSABLE;
        }
        if (!remove_cairn(rdf)) {
            xmlFreeDoc(doc);
            return CAIRN_XMP_NO_MEMORY;
        }
    }
    if (content == NULL) {
        if (doc == NULL || only_empty_descriptions(rdf)) {
            xmlFreeDoc(doc);
            return CAIRN_XMP_EMPTY;
        }
    } else {
        if (doc == NULL) {
            doc = new_document();
            if (doc == NULL) return CAIRN_XMP_NO_MEMORY;
            rdf = find_rdf(xmlDocGetRootElement(doc));
        }
        if (!add_cairn(doc, rdf, content)) {
            xmlFreeDoc(doc);
            return CAIRN_XMP_NO_MEMORY;
        }
    }
    xmlBuffer *buffer = xmlBufferCreate();
    xmlSaveCtxt *save = buffer ? xmlSaveToBuffer(buffer, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL) : NULL;
    if (save == NULL) {
        if (buffer) xmlBufferFree(buffer);
        xmlFreeDoc(doc);
        return CAIRN_XMP_NO_MEMORY;
    }
    long saved = xmlSaveDoc(save, doc);
    xmlSaveClose(save);
    xmlFreeDoc(doc);
    if (saved < 0) {
        xmlBufferFree(buffer);
        return CAIRN_XMP_NO_MEMORY;
    }
    size_t size = (size_t)xmlBufferLength(buffer);
    char *copy = malloc(size + 1);
    if (copy == NULL) {
        xmlBufferFree(buffer);
        return CAIRN_XMP_NO_MEMORY;
    }
    memcpy(copy, xmlBufferContent(buffer), size);
    copy[size] = 0;
    xmlBufferFree(buffer);
    *out = copy;
    *out_length = size;
    return CAIRN_XMP_OK;
}

int cairn_xmp_fingerprint(const char *existing, size_t length, char *fingerprint, size_t size) {
    xmlDoc *doc = parse(existing, length, fingerprint, size);
    if (doc == NULL) return -1;
    xmlNode *rdf = find_rdf(xmlDocGetRootElement(doc));
    if (rdf == NULL) {
        xmlFreeDoc(doc);
        snprintf(fingerprint, size, "no rdf:RDF element: not XMP");
        return -1;
    }
    int found = 0;
    for (xmlNode *d = rdf->children; d != NULL && !found; d = d->next) {
        if (!is_element(d, RDF, "Description")) continue;
        for (xmlNode *p = d->children; p != NULL && !found; p = p->next) {
            if (!is_element(p, cairn_xmp_namespace, "Fingerprint")) continue;
            xmlChar *text = xmlNodeGetContent(p);
            snprintf(fingerprint, size, "%s", text ? (const char *)text : "");
            xmlFree(text);
            found = 1;
        }
    }
    xmlFreeDoc(doc);
    return found;
}

void cairn_xmp_free(char *buffer) { free(buffer); }
