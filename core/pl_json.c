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

const char *pl_json_kind(const cJSON *v)
{
    if (!v)
        return "missing";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsArray(v))
        return "an array";
    return "an object";
}

const char *pl_json_str(const cJSON *o, const char *key, const char *dflt)
{
    const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* Does the escaped pointer token tok[0..n) name key? "~0" is '~', "~1" is '/', any other
 * '~' makes the token match nothing. */
static int pl_json_token_is(const char *tok, size_t n, const char *key)
{
    size_t i = 0;
    for (; i < n; i++, key++) {
        char c = tok[i];
        if (c == '~') {
            if (i + 1 >= n || (tok[i + 1] != '0' && tok[i + 1] != '1'))
                return 0;
            c = tok[++i] == '0' ? '~' : '/';
        }
        if (*key != c)
            return 0;
    }
    return *key == '\0';
}

static const cJSON *pl_json_index(const cJSON *array, const char *tok, size_t n)
{
    if (n == 0 || n > 9 || (n > 1 && tok[0] == '0'))
        return NULL;
    int idx = 0;
    for (size_t i = 0; i < n; i++) {
        if (tok[i] < '0' || tok[i] > '9')
            return NULL;
        idx = idx * 10 + (tok[i] - '0');
    }
    return cJSON_GetArrayItem(array, idx);
}

const cJSON *pl_json_pointer(const cJSON *root, const char *p)
{
    const cJSON *node = root;
    if (!node || !p || (*p && *p != '/'))
        return NULL;
    while (node && *p == '/') {
        const char *tok = ++p;
        size_t n = strcspn(tok, "/");
        p += n;
        if (cJSON_IsArray(node)) {
            node = pl_json_index(node, tok, n);
        } else if (cJSON_IsObject(node)) {
            const cJSON *c = node->child;
            while (c && !pl_json_token_is(tok, n, c->string))
                c = c->next;
            node = c;
        } else {
            node = NULL;
        }
    }
    return node;
}
