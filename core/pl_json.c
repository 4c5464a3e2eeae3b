/* pl_json.c — JSON parsing with file:line:col errors (see pl_json.h). */
#include "core/pl_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_utf8.h"

cJSON *pl_json_parse(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
    const char *end = NULL;
    /* Parsing up to the terminating NUL (not by length) lets cJSON report an error
     * at end of input as the end, where its length-based parser says len - 1. */
    cJSON *doc = cJSON_ParseWithOpts(text, &end, 0);
    int trailing = doc != NULL;
    if (doc) {
        while (end && end < text + len && *end && strchr(" \t\r\n", *end))
            end++;
        if (!end || end == text + len)
            return doc;
        cJSON_Delete(doc);
    }
    int line, col;
    pl_utf8_linecol(text, len, end ? (size_t)(end - text) : 0, &line, &col);
    snprintf(err, errlen, "%s:%d:%d: invalid JSON%s", name, line, col,
             trailing ? " (unexpected data after the value)" : "");
    return NULL;
}

cJSON *pl_json_load_file(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = pl_file_read(path, &len, err, errlen);
    if (!text)
        return NULL;
    cJSON *doc = pl_json_parse(strcmp(path, "-") ? path : "<stdin>", text, len, err, errlen);
    free(text);
    return doc;
}

const char *pl_json_str(const cJSON *o, const char *key, const char *dflt)
{
    const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

const cJSON *pl_json_pointer(const cJSON *root, const char *ptr)
{
    const cJSON *cur = root;
    if (!ptr || !*ptr)
        return cur;
    if (*ptr != '/')
        return NULL;
    char tok[256];
    while (cur && *ptr == '/') {
        ptr++;
        size_t n = 0;
        while (*ptr && *ptr != '/' && n < sizeof tok - 1) {
            if (ptr[0] == '~' && (ptr[1] == '0' || ptr[1] == '1')) {
                tok[n++] = ptr[1] == '0' ? '~' : '/';
                ptr += 2;
            } else {
                tok[n++] = *ptr++;
            }
        }
        tok[n] = '\0';
        if (*ptr && *ptr != '/')
            return NULL; /* token too long */
        if (cJSON_IsArray(cur)) {
            char *end;
            long i = strtol(tok, &end, 10);
            if (!n || *end || i < 0 || (n > 1 && tok[0] == '0'))
                return NULL;
            cur = cJSON_GetArrayItem(cur, (int)i);
        } else if (cJSON_IsObject(cur)) {
            cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
        } else {
            return NULL;
        }
    }
    return cur;
}
