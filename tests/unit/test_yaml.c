/* test_yaml.c — unit tests for core/pl_yaml (YAML → cJSON with positions).
 *
 * Data-driven parts: tests/data/yaml/good/NAME.yaml must load to the JSON in NAME.json
 * (compared structurally), and every tests/data/yaml/bad/NAME.yaml must fail at the
 * position and with the message listed in bad/expected.txt. Every prefix of every fixture
 * must load or fail cleanly (no crash, ASan-clean). Large hostile inputs (10 MB of nesting,
 * alias bombs, 100k keys) are generated here rather than committed. */
#include "pl_test.h"

#include "core/pl_buf.h"
#include "core/pl_yaml.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GOOD_DIR "tests/data/yaml/good"
#define BAD_DIR "tests/data/yaml/bad"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pl_yaml_doc *load(const char *text, pl_yaml_error *err)
{
    return pl_yaml_load_string("t.yaml", text, strlen(text), err);
}

/* Loads text, expects failure at line:col with msg in the message. */
static void expect_error(const char *text, size_t len, int line, int col, const char *msg)
{
    pl_yaml_error err;
    memset(&err, 0, sizeof err);
    pl_yaml_doc *doc = pl_yaml_load_string("t.yaml", text, len, &err);
    CU_ASSERT_PTR_NULL(doc);
    pl_yaml_free(doc);
    CU_ASSERT_EQUAL(err.line, line);
    CU_ASSERT_EQUAL(err.col, col);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, msg));
    if (err.line != line || err.col != col || !strstr(err.message, msg))
        fprintf(stderr, "\n  want %d:%d %s\n  got  %d:%d %s\n", line, col, msg, err.line, err.col,
                err.message);
}

/* ---- fixtures --------------------------------------------------------------------------- */

static void test_good_fixtures(void)
{
    char **names;
    size_t n = pl_test_list_files(GOOD_DIR, ".yaml", NULL, &names);
    CU_ASSERT(n >= 12);
    for (size_t i = 0; i < n; i++) {
        char path[512], jpath[512], msg[256];
        snprintf(path, sizeof path, "%s/%s", GOOD_DIR, names[i]);
        snprintf(jpath, sizeof jpath, "%.*s.json", (int)(strlen(path) - 5), path);
        pl_yaml_error err;
        pl_yaml_doc *doc = pl_yaml_load_file(path, &err);
        char *jtext = pl_file_read(jpath, NULL, msg, sizeof msg);
        cJSON *want = jtext ? cJSON_Parse(jtext) : NULL;
        if (!doc)
            fprintf(stderr, "\n  %s: %d:%d: %s\n", path, err.line, err.col, err.message);
        if (!want)
            fprintf(stderr, "\n  %s: missing or invalid JSON\n", jpath);
        CU_ASSERT_PTR_NOT_NULL(doc);
        CU_ASSERT_PTR_NOT_NULL(want);
        if (doc && want) {
            int same = cJSON_Compare(pl_yaml_root(doc), want, 1);
            if (!same) {
                char *got = cJSON_PrintUnformatted(pl_yaml_root(doc));
                fprintf(stderr, "\n  %s differs from %s:\n  %s\n", path, jpath, got);
                free(got);
            }
            CU_ASSERT(same);
            /* Every node of the result has a position. */
            CU_ASSERT_EQUAL(pl_yaml_pos(doc, pl_yaml_root(doc), NULL, NULL), 0);
        }
        cJSON_Delete(want);
        free(jtext);
        pl_yaml_free(doc);
    }
    pl_test_free_names(names, n);
}

static void test_bad_fixtures(void)
{
    char msg[256];
    char *table = pl_file_read(BAD_DIR "/expected.txt", NULL, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(table);
    char **names;
    size_t n = pl_test_list_files(BAD_DIR, ".yaml", NULL, &names);
    size_t rows = 0;
    char *save = NULL;
    for (char *line = strtok_r(table, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        CU_ASSERT_PTR_NOT_NULL_FATAL(tab2);
        *tab1 = *tab2 = '\0';
        int want_line = 0, want_col = 0;
        CU_ASSERT_EQUAL(sscanf(tab1 + 1, "%d:%d", &want_line, &want_col), 2);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", BAD_DIR, line);
        pl_yaml_error err;
        memset(&err, 0, sizeof err);
        pl_yaml_doc *doc = pl_yaml_load_file(path, &err);
        int ok = !doc && err.line == want_line && err.col == want_col &&
                 strstr(err.message, tab2 + 1) && strcmp(err.file, path) == 0;
        if (!ok)
            fprintf(stderr, "\n  %s: want %d:%d \"%s\", got %s %d:%d \"%s\"\n", line, want_line,
                    want_col, tab2 + 1, doc ? "success" : "error", err.line, err.col, err.message);
        CU_ASSERT(ok);
        pl_yaml_free(doc);
        for (size_t i = 0; i < n; i++)
            if (names[i] && strcmp(names[i], line) == 0) {
                free(names[i]);
                names[i] = NULL;
            }
        rows++;
    }
    CU_ASSERT(rows >= 50);
    for (size_t i = 0; i < n; i++) {
        if (names[i])
            fprintf(stderr, "\n  %s/%s is not listed in expected.txt\n", BAD_DIR, names[i]);
        CU_ASSERT_PTR_NULL(names[i]);
    }
    pl_test_free_names(names, n);
    free(table);
}

/* Every prefix of every fixture: loads or fails with a position, never crashes. */
static void sweep_prefixes(const char *dir)
{
    char **names;
    size_t n = pl_test_list_files(dir, ".yaml", NULL, &names);
    for (size_t i = 0; i < n; i++) {
        char path[512], msg[256];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *text = pl_file_read(path, &len, msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        /* every cut of small files; about 500 cuts of the big generated-style ones */
        size_t step = len > 4096 ? len / 500 : 1;
        for (size_t cut = 0; cut <= len; cut += cut < 512 ? 1 : step) {
            /* an exact-size copy, so ASan catches any read past len */
            char *prefix = pl_xmalloc(cut ? cut : 1);
            memcpy(prefix, text, cut);
            pl_yaml_error err;
            memset(&err, 0, sizeof err);
            pl_yaml_doc *doc = pl_yaml_load_string(path, prefix, cut, &err);
            if (!doc) {
                CU_ASSERT(err.line >= 1 && err.col >= 1);
                CU_ASSERT(err.message[0] != '\0');
            }
            pl_yaml_free(doc);
            free(prefix);
        }
        free(text);
    }
    pl_test_free_names(names, n);
}

static void test_truncated_fixtures(void)
{
    sweep_prefixes(GOOD_DIR);
    sweep_prefixes(BAD_DIR);
}

/* Deterministic mutations of the good fixtures (bytes replaced by YAML-significant ones):
 * each must load or fail with a position. A tiny LCG keeps it reproducible. */
static void test_mutated_fixtures(void)
{
    static const char alphabet[] = "[]{}:,-?&*!|>'\"#%@`\t\n \\<=~0.\xff\xc3";
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    char **names;
    size_t n = pl_test_list_files(GOOD_DIR, ".yaml", NULL, &names);
    for (size_t i = 0; i < n; i++) {
        char path[512], msg[256];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", GOOD_DIR, names[i]);
        char *text = pl_file_read(path, &len, msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        for (int round = 0; round < 300 && len > 0; round++) {
            char *m = pl_xmalloc(len);
            memcpy(m, text, len);
            for (int k = 0; k < 1 + round % 4; k++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                size_t at = (size_t)(seed >> 33) % len;
                m[at] = alphabet[(seed >> 17) % (sizeof alphabet - 1)];
            }
            pl_yaml_error err;
            memset(&err, 0, sizeof err);
            pl_yaml_doc *doc = pl_yaml_load_string(path, m, len, &err);
            if (!doc)
                CU_ASSERT(err.line >= 1 && err.col >= 1 && err.message[0]);
            pl_yaml_free(doc);
            free(m);
        }
        free(text);
    }
    pl_test_free_names(names, n);
}

/* ---- positions -------------------------------------------------------------------------- */

static void check_pos(const pl_yaml_doc *doc, const char *ptr, int line, int col, int kline,
                      int kcol)
{
    const cJSON *node = pl_yaml_at_pointer(doc, ptr);
    int l = -1, c = -1, kl = 0, kc = 0;
    CU_ASSERT_PTR_NOT_NULL(node);
    CU_ASSERT_EQUAL(pl_yaml_pos(doc, node, &l, &c), 0);
    int krc = pl_yaml_key_pos(doc, node, &kl, &kc);
    CU_ASSERT_EQUAL(krc, kline ? 0 : -1);
    if (l != line || c != col || (kline && (kl != kline || kc != kcol)))
        fprintf(stderr, "\n  %s: want %d:%d key %d:%d, got %d:%d key %d:%d\n", ptr, line, col,
                kline, kcol, l, c, kl, kc);
    CU_ASSERT(l == line && c == col);
    if (kline)
        CU_ASSERT(kl == kline && kc == kcol);
}

static void test_positions(void)
{
    const char *text = "id: x\n"                     /* 1 */
                       "steps:\n"                    /* 2 */
                       "  - send: {type: 1105}\n"    /* 3 */
                       "  - expect:\n"               /* 4 */
                       "      within:   1s\n"        /* 5 */
                       "      list: [a, \"b\", 3]\n" /* 6 */
                       "base: &b\n"                  /* 7 */
                       "  k: v\n"                    /* 8 */
                       "  n: {m: 1}\n"               /* 9 */
                       "copy: *b\n"                  /* 10 */
                       "merged:\n"                   /* 11 */
                       "  <<: *b\n"                  /* 12 */
                       "  own: 1\n"                  /* 13 */
                       "名前: \"é\"\n";              /* 14: columns count characters */
    pl_yaml_error err;
    pl_yaml_doc *doc = load(text, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(pl_yaml_name(doc), "t.yaml");
    check_pos(doc, "", 1, 1, 0, 0);
    check_pos(doc, "/id", 1, 5, 1, 1);
    check_pos(doc, "/steps", 3, 3, 2, 1);
    check_pos(doc, "/steps/0", 3, 5, 0, 0);
    check_pos(doc, "/steps/0/send", 3, 11, 3, 5);
    check_pos(doc, "/steps/0/send/type", 3, 18, 3, 12);
    check_pos(doc, "/steps/1/expect", 5, 7, 4, 5);
    check_pos(doc, "/steps/1/expect/within", 5, 17, 5, 7);
    check_pos(doc, "/steps/1/expect/list", 6, 13, 6, 7);
    check_pos(doc, "/steps/1/expect/list/1", 6, 17, 0, 0);
    check_pos(doc, "/steps/1/expect/list/2", 6, 22, 0, 0);
    /* An alias copy reports the anchored source; the member keeps its own key. */
    check_pos(doc, "/base", 7, 7, 7, 1);
    check_pos(doc, "/copy", 7, 7, 10, 1);
    check_pos(doc, "/copy/k", 8, 6, 8, 3);
    check_pos(doc, "/copy/n/m", 9, 10, 9, 7);
    /* Merged members report their source, key positions included. */
    check_pos(doc, "/merged/k", 8, 6, 8, 3);
    check_pos(doc, "/merged/own", 13, 8, 13, 3);
    check_pos(doc, "/名前", 14, 5, 14, 1);
    /* Copies are distinct nodes. */
    CU_ASSERT_PTR_NOT_EQUAL(pl_yaml_at_pointer(doc, "/copy/k"), pl_yaml_at_pointer(doc, "/base/k"));
    /* Unknown nodes. */
    cJSON *other = cJSON_CreateNull();
    int l = 7, c = 7;
    CU_ASSERT_EQUAL(pl_yaml_pos(doc, other, &l, &c), -1);
    CU_ASSERT_EQUAL(pl_yaml_key_pos(doc, other, &l, &c), -1);
    CU_ASSERT_EQUAL(pl_yaml_pos(doc, NULL, &l, &c), -1);
    CU_ASSERT(l == 7 && c == 7);
    cJSON_Delete(other);
    pl_yaml_free(doc);
}

static void test_at_pointer(void)
{
    const char *text = "a: [x, {b: 1}]\n"
                       "\"s/l\": slash\n"
                       "\"t~l\": tilde\n"
                       "\"\": empty\n"
                       "n: 5\n";
    pl_yaml_doc *doc = load(text, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_PTR_EQUAL(pl_yaml_at_pointer(doc, ""), pl_yaml_root(doc));
    CU_ASSERT_STRING_EQUAL(pl_yaml_at_pointer(doc, "/a/0")->valuestring, "x");
    CU_ASSERT_EQUAL(pl_yaml_at_pointer(doc, "/a/1/b")->valueint, 1);
    CU_ASSERT_STRING_EQUAL(pl_yaml_at_pointer(doc, "/s~1l")->valuestring, "slash");
    CU_ASSERT_STRING_EQUAL(pl_yaml_at_pointer(doc, "/t~0l")->valuestring, "tilde");
    CU_ASSERT_STRING_EQUAL(pl_yaml_at_pointer(doc, "/")->valuestring, "empty");
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/a/2"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/a/01"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/a/-"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/a/-1"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/a/99999999999999999999"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/a/"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/t~2l"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/t~"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/n/x"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/missing"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "a"));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, NULL));
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(NULL, ""));
    pl_yaml_free(doc);
}

static void test_errors_api(void)
{
    pl_yaml_error err;
    char out[1200];
    memset(&err, 0, sizeof err);
    CU_ASSERT_PTR_NULL(pl_yaml_load_file("tests/data/yaml/no-such-file.yaml", &err));
    CU_ASSERT_STRING_EQUAL(err.file, "tests/data/yaml/no-such-file.yaml");
    CU_ASSERT_EQUAL(err.line, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "cannot read file"));
    pl_yaml_error_format(&err, out, sizeof out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "tests/data/yaml/no-such-file.yaml: cannot read file"));

    CU_ASSERT_PTR_NULL(pl_yaml_load_string("scenarios/x.yaml", "a: 1\na: 2\n", 10, &err));
    pl_yaml_error_format(&err, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "scenarios/x.yaml:2:1: duplicate key \"a\" (first at 1:1)");

    /* NULL err is allowed. */
    CU_ASSERT_PTR_NULL(pl_yaml_load_string("x", "[", 1, NULL));

    /* Later layers report against a node. */
    pl_yaml_doc *doc = pl_yaml_load_string("scenarios/y.yaml", "a:\n  b: [1, 2]\n", 15, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    pl_yaml_error_set(&err, doc, pl_yaml_at_pointer(doc, "/a/b/1"), "expected %s", "a string");
    pl_yaml_error_format(&err, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "scenarios/y.yaml:2:10: expected a string");
    pl_yaml_error_set(&err, doc, NULL, "no node");
    pl_yaml_error_format(&err, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "scenarios/y.yaml: no node");
    pl_yaml_free(doc);
    pl_yaml_free(NULL);
}

static void test_detach_root(void)
{
    pl_yaml_doc *doc = load("a: [1, 2]\n", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    const cJSON *a = pl_yaml_at_pointer(doc, "/a");
    CU_ASSERT_EQUAL(pl_yaml_pos(doc, a, NULL, NULL), 0);
    cJSON *root = pl_yaml_detach_root(doc);
    CU_ASSERT_PTR_NOT_NULL(root);
    CU_ASSERT_PTR_NULL(pl_yaml_root(doc));
    CU_ASSERT_EQUAL(pl_yaml_pos(doc, a, NULL, NULL), -1); /* table emptied */
    CU_ASSERT_PTR_NULL(pl_yaml_at_pointer(doc, "/a"));
    pl_yaml_free(doc);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(root, "a")), 2);
    cJSON_Delete(root);
}

static void test_input_edges(void)
{
    /* Not NUL-terminated: only len bytes are read. */
    char buf[4] = {'a', ':', ' ', '1'};
    char *exact = pl_xmalloc(sizeof buf);
    memcpy(exact, buf, sizeof buf);
    pl_yaml_doc *doc = pl_yaml_load_string("x", exact, sizeof buf, NULL);
    CU_ASSERT_PTR_NOT_NULL(doc);
    if (doc)
        CU_ASSERT_EQUAL(cJSON_GetObjectItem(pl_yaml_root(doc), "a")->valueint, 1);
    pl_yaml_free(doc);
    free(exact);
    /* A NUL inside the given length. */
    expect_error("a: 1\nb: \0x\n", 11, 2, 4, "NUL byte in input");
    /* Empty input, NULL text. */
    expect_error("", 0, 1, 1, "empty document");
    pl_yaml_error err;
    CU_ASSERT_PTR_NULL(pl_yaml_load_string(NULL, NULL, 0, &err));
    CU_ASSERT_STRING_EQUAL(err.message, "empty document");
    /* Root null that is written out is a value, not an empty document. */
    doc = load("~\n", NULL);
    CU_ASSERT_PTR_NOT_NULL(doc);
    CU_ASSERT(doc && cJSON_IsNull(pl_yaml_root(doc)));
    pl_yaml_free(doc);
    /* UTF-16 with a BOM is decoded by libyaml. */
    const char utf16[] = "\xff\xfe"
                         "a\0:\0 \0"
                         "1\0\n\0";
    doc = pl_yaml_load_string("x", utf16, sizeof utf16 - 1, &err);
    /* (a NUL byte is rejected before decoding: the loader only accepts UTF-8 text) */
    CU_ASSERT_PTR_NULL(doc);
    pl_yaml_free(doc);
}

/* ---- hostile inputs --------------------------------------------------------------------- */

static char *repeat(const char *unit, size_t times, const char *tail, size_t *len)
{
    size_t u = strlen(unit), t = strlen(tail);
    char *s = pl_xmalloc(u * times + t + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    memcpy(s + u * times, tail, t + 1);
    *len = u * times + t;
    return s;
}

static void expect_fast_depth_error(const char *unit, const char *tail, int line, int col)
{
    size_t len;
    char *s = repeat(unit, (10u << 20) / strlen(unit), tail, &len);
    double t0 = now_s();
    expect_error(s, len, line, col, "nesting deeper than 256 levels");
    double dt = now_s() - t0;
    CU_ASSERT(dt < 5.0);
    if (dt >= 5.0)
        fprintf(stderr, "\n  %s x 10 MB took %.2fs\n", unit, dt);
    free(s);
}

static void test_deep_nesting_10mb(void)
{
    expect_fast_depth_error("[", "", 1, 257);
    expect_fast_depth_error("{a: ", "", 1, 1 + 256 * 4);
    expect_fast_depth_error("- ", "x\n", 1, 1 + 256 * 2);
    /* Deep block mappings, one per line. */
    pl_buf b = PL_BUF_INIT;
    for (int i = 0; b.len < (10u << 20); i++) {
        if (i < 300)
            pl_buf_printf(&b, "%*sk:\n", 2 * i, "");
        else
            pl_buf_puts(&b, "# padding to 10 MB ......................................\n");
    }
    expect_error(b.data, b.len, 257, 513, "nesting deeper than 256 levels");
    pl_buf_free(&b);
}

static void test_depth_limit_exact(void)
{
    size_t len;
    pl_buf b = PL_BUF_INIT;
    for (int i = 0; i < 256; i++)
        pl_buf_putc(&b, '[');
    for (int i = 0; i < 256; i++)
        pl_buf_putc(&b, ']');
    pl_yaml_error err;
    pl_yaml_doc *doc = pl_yaml_load_string("x", b.data, b.len, &err);
    CU_ASSERT_PTR_NOT_NULL(doc); /* exactly 256 levels is fine */
    pl_yaml_free(doc);
    pl_buf_free(&b);
    /* An alias may not push a tree past the limit either. */
    char *anchor = repeat("[", 250, "", &len);
    pl_buf_printf(&b, "a: &a %s", anchor);
    for (int i = 0; i < 250; i++)
        pl_buf_putc(&b, ']');
    pl_buf_puts(&b, "\nok: [[[[[*a]]]]]\nbad: [[[[[[*a]]]]]]\n");
    expect_error(b.data, b.len, 3, 12, "nesting deeper than 256 levels");
    pl_buf_free(&b);
    free(anchor);
}

static void test_alias_bomb(void)
{
    /* Billion laughs: 10^9 nodes if expanded. */
    pl_buf b = PL_BUF_INIT;
    pl_buf_puts(&b, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i <= 9; i++) {
        pl_buf_printf(&b, "a%d: &a%d [", i, i);
        for (int j = 0; j < 10; j++)
            pl_buf_printf(&b, "%s*a%d", j ? ", " : "", i - 1);
        pl_buf_puts(&b, "]\n");
    }
    double t0 = now_s();
    pl_yaml_error err;
    CU_ASSERT_PTR_NULL(pl_yaml_load_string("bomb.yaml", b.data, b.len, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "more than 1000000 nodes"));
    CU_ASSERT(err.line >= 6 && err.line <= 10);
    CU_ASSERT(now_s() - t0 < 10.0);
    pl_buf_free(&b);

    /* The same through merge keys. */
    pl_buf_puts(&b, "m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}\n");
    for (int i = 1; i <= 9; i++) {
        pl_buf_printf(&b, "m%d: &m%d {", i, i);
        for (int j = 0; j < 10; j++)
            pl_buf_printf(&b, "%sk%d: {<<: *m%d}", j ? ", " : "", j, i - 1);
        pl_buf_puts(&b, "}\n");
    }
    t0 = now_s();
    CU_ASSERT_PTR_NULL(pl_yaml_load_string("bomb.yaml", b.data, b.len, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "more than 1000000 nodes"));
    CU_ASSERT(now_s() - t0 < 10.0);
    pl_buf_free(&b);

    /* A modest expansion (10^4 nodes) is fine. */
    pl_buf_puts(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i <= 3; i++) {
        pl_buf_printf(&b, "a%d: &a%d [", i, i);
        for (int j = 0; j < 10; j++)
            pl_buf_printf(&b, "%s*a%d", j ? ", " : "", i - 1);
        pl_buf_puts(&b, "]\n");
    }
    pl_yaml_doc *doc = pl_yaml_load_string("ok.yaml", b.data, b.len, &err);
    CU_ASSERT_PTR_NOT_NULL(doc);
    if (doc) {
        const cJSON *leaf = pl_yaml_at_pointer(doc, "/a3/9/9/9/9");
        CU_ASSERT_STRING_EQUAL(leaf ? leaf->valuestring : "", "x");
        int l = 0, c = 0;
        pl_yaml_pos(doc, leaf, &l, &c);
        CU_ASSERT(l == 1 && c == 37); /* the last x of a0 */
    }
    pl_yaml_free(doc);
    pl_buf_free(&b);
}

static void test_large_flat(void)
{
    /* 100k keys and a 100k-element sequence: linear, duplicate check included. */
    enum { N = 100000 };
    pl_buf b = PL_BUF_INIT;
    for (int i = 0; i < N; i++)
        pl_buf_printf(&b, "key%d: %d\n", i, i);
    pl_buf_puts(&b, "list:\n");
    for (int i = 0; i < N; i++)
        pl_buf_printf(&b, "  - {ref: &r%d %d, again: *r%d}\n", i, i, i);
    double t0 = now_s();
    pl_yaml_error err;
    pl_yaml_doc *doc = pl_yaml_load_string("big.yaml", b.data, b.len, &err);
    double dt = now_s() - t0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT(dt < 20.0);
    const cJSON *last = pl_yaml_at_pointer(doc, "/key99999");
    CU_ASSERT(last && last->valueint == N - 1);
    int l = 0, c = 0;
    CU_ASSERT_EQUAL(pl_yaml_key_pos(doc, last, &l, &c), 0);
    CU_ASSERT(l == N && c == 1);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(pl_yaml_root(doc), "list")), N);
    pl_yaml_free(doc);
    /* A duplicate at the very end is still found, with the first position. */
    pl_buf_puts(&b, "key7: again\n");
    CU_ASSERT_PTR_NULL(pl_yaml_load_string("big.yaml", b.data, b.len, &err));
    CU_ASSERT_STRING_EQUAL(err.message, "duplicate key \"key7\" (first at 8:1)");
    CU_ASSERT_EQUAL(err.line, 2 * N + 2);
    pl_buf_free(&b);
}

static void test_scalar_edges(void)
{
    pl_yaml_doc *doc = load("big: 123456789012345678901234567890\n"
                            "neg0: -0\n"
                            "hexbig: 0xFFFFFFFFFFFFFFFFFF\n"
                            "exp: 1E-3\n"
                            "tiny: 1e-400\n",
                            NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    const cJSON *r = pl_yaml_root(doc);
    CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(r, "big")->valuedouble, 1.2345678901234568e29, 1e15);
    CU_ASSERT(cJSON_IsNumber(cJSON_GetObjectItem(r, "neg0")));
    CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(r, "hexbig")->valuedouble, 4.722366482869645e21,
                           1e7);
    CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(r, "exp")->valuedouble, 0.001, 1e-12);
    CU_ASSERT(cJSON_IsNumber(cJSON_GetObjectItem(r, "tiny"))); /* underflow is 0, not an error */
    pl_yaml_free(doc);
    expect_error("a: !!int 1.5\n", 13, 1, 4, "not a valid !!int");
    expect_error("a: !!int .inf\n", 14, 1, 4, "not a valid !!int");
    expect_error("? !!timestamp 2001-01-01\n: x\n", 28, 1, 3, "unknown tag !!timestamp");
    expect_error("!!int x: 1\n", 11, 1, 1, "not a valid !!int");
    expect_error("a: !<tag:example.com,2000:app/foo> x\n", 37, 1, 4,
                 "unknown tag tag:example.com,2000:app/foo");
    expect_error("a: !!merge x\n", 13, 1, 4, "unknown tag !!merge");
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"good fixtures match their JSON", test_good_fixtures},
        {"bad fixtures fail as listed in expected.txt", test_bad_fixtures},
        {"every prefix of every fixture is handled", test_truncated_fixtures},
        {"mutated fixtures are handled", test_mutated_fixtures},
        {"value and key positions", test_positions},
        {"JSON pointer lookup", test_at_pointer},
        {"error API", test_errors_api},
        {"detach root", test_detach_root},
        {"input edge cases", test_input_edges},
        {"10 MB of nesting fails fast", test_deep_nesting_10mb},
        {"depth limit is exact, aliases included", test_depth_limit_exact},
        {"alias bombs hit the node cap", test_alias_bomb},
        {"large flat documents are linear", test_large_flat},
        {"scalar edge cases", test_scalar_edges},
        {NULL, NULL},
    };
    return pl_test_main("yaml", cases);
}
