/* pl_json.h — JSON text in, cJSON out, with errors people can act on.
 *
 * cJSON says only where parsing stopped; these wrappers turn that into
 * "name:line:col: invalid JSON" (pl_utf8_linecol positions) and also reject data
 * after the value (including NUL bytes), which cJSON's length-based parser ignores.
 * Used wherever parley reads JSON it did not produce: schema files, catalogs,
 * instances given to `parley validate`. */
#ifndef PL_JSON_H
#define PL_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Parses text[0..len) named name; text[len] must be '\0' (pl_file_read guarantees
 * it), and a NUL before len is reported as data after the value. Returns a tree the
 * caller frees with cJSON_Delete, or NULL with "name:line:col: invalid JSON[ (…)]"
 * in err. */
cJSON *pl_json_parse(const char *name, const char *text, size_t len, char *err, size_t errlen);

/* Reads path ("-" = standard input, named "<stdin>") and parses it as above; an
 * unreadable file gives "path: reason". */
cJSON *pl_json_load_file(const char *path, char *err, size_t errlen);

/* The string member key of object o, or dflt when o is not an object or the member is
 * missing or not a string. Borrowed from o. */
const char *pl_json_str(const cJSON *o, const char *key, const char *dflt);

/* What v is, for messages: "missing" (NULL), "null", "a boolean", "a number", "a string",
 * "an array" or "an object". (Scenario errors say "a list" / "a mapping" instead, for
 * YAML authors: pl_scenario_type_name.) */
const char *pl_json_kind(const cJSON *v);

/* RFC 6901 JSON Pointer: "" is root itself, "/data/0/text" walks members and array
 * elements, "~1" and "~0" escape '/' and '~'. NULL when there is nothing there. */
const cJSON *pl_json_pointer(const cJSON *root, const char *ptr);

#endif
