/* test_profile.c — unit tests for mock/pl_profile (the mock's behaviour profile).
 *
 * Data-driven: every profile in tests/data/profiles/good/ must load and give the values
 * listed in good/expected.tsv; every profile in tests/data/profiles/bad/ must fail with the
 * line:col and message listed in bad/expected.tsv (a file not listed fails the test). The
 * rest covers size parsing, reply cycling, defaults, the schema against the draft-07
 * meta-schema, behaviour names against the live dialect, and the documented example. */
#include "pl_test.h"

#include "core/pl_buf.h"
#include "mock/pl_dialect.h"
#include "mock/pl_profile.h"
#include "schemas/pl_schema.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCHEMAS "schemas"
#define GOOD_DIR "tests/data/profiles/good"
#define BAD_DIR "tests/data/profiles/bad"
#define EXAMPLE "docs/examples/profile.yaml"

static const char *const dflt_texts[] = {"D0", "D1", NULL};

/* Marks name as seen (frees and clears its entry). */
static void tick_off(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], name) == 0) {
            free(names[i]);
            names[i] = NULL;
        }
}

/* Every file must have been ticked off; frees the list. */
static void expect_all_listed(char **names, size_t n, const char *dir)
{
    for (size_t i = 0; i < n; i++) {
        if (names[i])
            fprintf(stderr, "\n  %s/%s is not listed in expected.tsv\n", dir, names[i]);
        CU_ASSERT_PTR_NULL(names[i]);
        free(names[i]);
    }
    free(names);
}

/* Splits a tab-separated line in place into at most max fields; returns the count. */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    while (n < max) {
        f[n++] = line;
        char *t = strchr(line, '\t');
        if (!t)
            break;
        *t = '\0';
        line = t + 1;
    }
    return n;
}

/* Calls fn for each data row of a table (comments and blank lines skipped). */
static size_t for_each_row(const char *table_path, int min_fields, int max_fields,
                           void (*fn)(char **f, int nf, void *ctx), void *ctx)
{
    char msg[256];
    char *table = pl_file_read(table_path, NULL, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(table);
    size_t rows = 0;
    char *save = NULL;
    for (char *line = strtok_r(table, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[8];
        int nf = split_tabs(line, f, max_fields);
        CU_ASSERT(nf >= min_fields);
        if (nf >= min_fields)
            fn(f, nf, ctx);
        rows++;
    }
    free(table);
    return rows;
}

static pl_profile *load_or_report(const char *path)
{
    char err[1024];
    pl_profile *p = pl_profile_load(path, SCHEMAS, err, sizeof err);
    if (!p)
        fprintf(stderr, "\n  %s: %s\n", path, err);
    return p;
}

/* Writes text to a fresh temporary file with the given suffix; returns its malloc'd path. */
static char *write_temp(const char *text, const char *suffix)
{
    char *path = pl_xmalloc(64);
    snprintf(path, 64, "/tmp/pl_profile_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    CU_ASSERT_FATAL(fd >= 0);
    size_t len = strlen(text);
    CU_ASSERT_FATAL(write(fd, text, len) == (ssize_t)len);
    close(fd);
    return path;
}

/* ---- good profiles ------------------------------------------------------------------- */

typedef struct {
    char **names;
    size_t n;
} good_ctx;

/* The value an accessor row asks for, as text. */
static void good_value(const pl_profile *p, const char *what, const char *dialect, const char *key,
                       char *out, size_t len)
{
    if (strcmp(what, "limit") == 0) {
        const pl_profile_limits *l = pl_profile_limits_get(p);
        static const char *const keys[] = {"max_message", "max_sessions",  "journal", "findings",
                                           "out_queue",   "max_http_body", "retired"};
        const size_t vals[] = {l->max_message, l->max_sessions,  l->journal, l->findings,
                               l->out_queue,   l->max_http_body, l->retired};
        snprintf(out, len, "?");
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (strcmp(keys[i], key) == 0)
                snprintf(out, len, "%zu", vals[i]);
    } else if (strcmp(what, "string") == 0) {
        snprintf(out, len, "%s", pl_profile_string(p, dialect, key, "DFLT"));
    } else if (strcmp(what, "bool") == 0) {
        snprintf(out, len, "%d", pl_profile_bool(p, dialect, key, -1));
    } else if (strcmp(what, "number") == 0) {
        snprintf(out, len, "%g", pl_profile_number(p, dialect, key, -1));
    } else if (strcmp(what, "behaviour") == 0) {
        snprintf(out, len, "%d", pl_profile_behaviour(p, dialect, key, -1));
    } else if (strcmp(what, "duration") == 0) {
        snprintf(out, len, "%lld", (long long)pl_profile_duration(p, dialect, key, -1));
    } else if (strcmp(what, "reply") == 0) {
        const char *colon = strchr(key, ':');
        const char *r =
            pl_profile_reply(p, dialect, (unsigned)atoi(key), colon ? colon + 1 : NULL, dflt_texts);
        snprintf(out, len, "%s", r ? r : "(null)");
    } else if (strcmp(what, "item") == 0) {
        char k[128];
        snprintf(k, sizeof k, "%s", key);
        char *colon = strchr(k, ':');
        CU_ASSERT_PTR_NOT_NULL_FATAL(colon);
        *colon = '\0';
        snprintf(out, len, "%s",
                 pl_profile_list_item(p, dialect, k, (unsigned)atoi(colon + 1), "DFLT"));
    } else if (strcmp(what, "section") == 0) {
        snprintf(out, len, "%s", pl_profile_section(p, dialect) ? "present" : "absent");
    } else {
        snprintf(out, len, "unknown accessor %s", what);
    }
}

static void good_row(char **f, int nf, void *ctx)
{
    good_ctx *g = ctx;
    char path[512], got[512];
    snprintf(path, sizeof path, "%s/%s", GOOD_DIR, f[0]);
    pl_profile *p = load_or_report(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL(pl_profile_path(p), path);
    good_value(p, f[1], f[2], f[3], got, sizeof got);
    if (strcmp(got, f[4]) != 0)
        fprintf(stderr, "\n  %s: %s %s %s: want \"%s\", got \"%s\"\n", f[0], f[1], f[2], f[3], f[4],
                got);
    CU_ASSERT_STRING_EQUAL(got, f[4]);
    tick_off(g->names, g->n, f[0]);
    pl_profile_free(p);
    (void)nf;
}

static void test_good_profiles(void)
{
    good_ctx g;
    g.n = pl_test_list_files(GOOD_DIR, ".yaml", ".json", &g.names);
    CU_ASSERT(g.n >= 6);
    /* each file loads on its own too (values are checked row by row) */
    for (size_t i = 0; i < g.n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", GOOD_DIR, g.names[i]);
        pl_profile *p = load_or_report(path);
        CU_ASSERT_PTR_NOT_NULL(p);
        pl_profile_free(p);
    }
    size_t rows = for_each_row(GOOD_DIR "/expected.tsv", 5, 5, good_row, &g);
    CU_ASSERT(rows >= 80);
    expect_all_listed(g.names, g.n, GOOD_DIR);
}

/* ---- bad profiles -------------------------------------------------------------------- */

/* 1 when the dialect is live and publishes behaviour names (so unknown ones are errors). */
static int dialect_checks_behaviours(const char *id)
{
    const pl_dialect *d = pl_dialect_find(id);
    return d && pl_dialect_live(d) && d->behaviours;
}

static void bad_row(char **f, int nf, void *ctx)
{
    good_ctx *g = ctx;
    char path[512], err[1024], want[1024];
    snprintf(path, sizeof path, "%s/%s", BAD_DIR, f[0]);
    tick_off(g->names, g->n, f[0]);
    if (nf > 3 && strncmp(f[3], "behaviours:", 11) == 0 && !dialect_checks_behaviours(f[3] + 11)) {
        pl_profile *p = load_or_report(path); /* names not published: accepted */
        CU_ASSERT_PTR_NOT_NULL(p);
        pl_profile_free(p);
        return;
    }
    memset(err, 'x', sizeof err);
    pl_profile *p = pl_profile_load(path, SCHEMAS, err, sizeof err);
    snprintf(want, sizeof want, "%s:%s: ", path, f[1]);
    int ok = !p && strncmp(err, want, strlen(want)) == 0 && strstr(err + strlen(want), f[2]);
    if (!ok)
        fprintf(stderr, "\n  %s: want \"%s%s\", got %s \"%s\"\n", f[0], want, f[2],
                p ? "success" : "error", p ? "" : err);
    CU_ASSERT(ok);
    pl_profile_free(p);
}

static void test_bad_profiles(void)
{
    good_ctx g;
    g.n = pl_test_list_files(BAD_DIR, ".yaml", ".json", &g.names);
    size_t rows = for_each_row(BAD_DIR "/expected.tsv", 3, 4, bad_row, &g);
    CU_ASSERT(rows >= 45);
    expect_all_listed(g.names, g.n, BAD_DIR);
}

/* ---- sizes --------------------------------------------------------------------------- */

static void expect_size(const char *s, int rc, size_t want)
{
    size_t got = 12345;
    int r = pl_profile_parse_size(s, &got);
    if (r != rc || (rc == 0 && got != want))
        fprintf(stderr, "\n  size \"%s\": want %d %zu, got %d %zu\n", s ? s : "(null)", rc, want, r,
                got);
    CU_ASSERT_EQUAL(r, rc);
    CU_ASSERT_EQUAL(got, rc == 0 ? want : 12345); /* untouched on error */
}

static void test_parse_size(void)
{
    expect_size("0", 0, 0);
    expect_size("123", 0, 123);
    expect_size("007", 0, 7);
    expect_size("512B", 0, 512);
    expect_size("1KiB", 0, 1024);
    expect_size("64KiB", 0, 65536);
    expect_size("1MiB", 0, 1048576);
    expect_size("3GiB", 0, (size_t)3 << 30);
    expect_size("1KB", 0, 1000);
    expect_size("2MB", 0, 2000000);
    expect_size("5GB", 0, (size_t)5000000000u);
    expect_size("0MiB", 0, 0);
    char max[32];
    snprintf(max, sizeof max, "%zu", SIZE_MAX);
    expect_size(max, 0, SIZE_MAX);
    char over[40];
    snprintf(over, sizeof over, "%zu0", SIZE_MAX); /* ten times too big */
    expect_size(over, -1, 0);
    snprintf(over, sizeof over, "%zuKiB", SIZE_MAX / 1024 + 1);
    expect_size(over, -1, 0);
    snprintf(over, sizeof over, "%zuKiB", SIZE_MAX / 1024);
    expect_size(over, 0, SIZE_MAX / 1024 * 1024);
    expect_size("18446744073709551616", -1, 0);
    const char *bad[] = {NULL,   "",    " 1",   "1 ",  "+1",   "-1",    "1.5MiB", "1e3",
                         "0x10", "KiB", "1kib", "1kB", "1Kib", "1 KiB", "1KiBs",  "1TiB",
                         "1iB",  "1M",  "1K",   "1b",  "½",    "1MiB\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_size(bad[i], -1, 0);
    size_t out;
    CU_ASSERT_EQUAL(pl_profile_parse_size("1", NULL), -1);
    (void)out;
}

/* ---- durations, flags and the live dialect, on generated profiles -------------------- */

/* Loads text as a temporary profile; NULL with the error in err. */
static pl_profile *load_text(const char *text, const char *suffix, char *err, size_t errlen,
                             char **path_out)
{
    char *path = write_temp(text, suffix);
    pl_profile *p = pl_profile_load(path, SCHEMAS, err, errlen);
    if (path_out)
        *path_out = path;
    else {
        unlink(path);
        free(path);
    }
    return p;
}

static void test_durations(void)
{
    char err[1024];
    pl_profile *p = load_text("volc:\n"
                              "  timing:\n"
                              "    a: 0\n"
                              "    b: \"0\"\n"
                              "    c: 0.25\n"
                              "    d: 2m\n"
                              "    e: 1min\n"
                              "    f: 1h\n"
                              "    g: 1.5ms\n"
                              "    h: 7us\n"
                              "    i: \"42\"\n"
                              "    j: 1e3ms\n"
                              "    k.l_m: 1s\n",
                              ".yaml", err, sizeof err, NULL);
    if (!p)
        fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct {
        const char *key;
        int64_t us;
    } want[] = {{"a", 0},        {"b", 0},          {"c", 250000},      {"d", 120000000},
                {"e", 60000000}, {"f", 3600000000}, {"g", 1500},        {"h", 7},
                {"i", 42000000}, {"j", 1000000},    {"k.l_m", 1000000}, {"z", -7}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int64_t got = pl_profile_duration(p, "volc", want[i].key, -7);
        if (got != want[i].us)
            fprintf(stderr, "\n  timing %s: want %lld, got %lld\n", want[i].key,
                    (long long)want[i].us, (long long)got);
        CU_ASSERT_EQUAL(got, want[i].us);
    }
    CU_ASSERT_EQUAL(pl_profile_duration(p, "aicall", "a", -7), -7);
    CU_ASSERT_EQUAL(pl_profile_duration(p, NULL, "a", -7), -7);
    CU_ASSERT_EQUAL(pl_profile_duration(p, "volc", NULL, -7), -7);
    pl_profile_free(p);
}

static void test_flags(void)
{
    char err[1024];
    pl_profile *p = load_text("trtc:\n"
                              "  push_to_talk: yes\n"
                              "  a: on\n  b: off\n  c: yes\n  d: no\n  e: true\n  f: false\n"
                              "  g: \"true\"\n  h: 1\n  i: maybe\n"
                              "volc:\n  push_to_talk: off\n"
                              "bailian:\n  push_to_talk: true\n",
                              ".yaml", err, sizeof err, NULL);
    if (!p)
        fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(pl_profile_bool(p, "trtc", "push_to_talk", -1), 1);
    CU_ASSERT_EQUAL(pl_profile_bool(p, "volc", "push_to_talk", -1), 0);
    CU_ASSERT_EQUAL(pl_profile_bool(p, "bailian", "push_to_talk", -1), 1);
    /* push_to_talk is normalised to a boolean; other keys keep their text */
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(pl_profile_section(p, "trtc"), "push_to_talk")));
    CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(pl_profile_section(p, "volc"), "push_to_talk")));
    CU_ASSERT_STRING_EQUAL(pl_profile_string(p, "trtc", "a", "D"), "on");
    const char *keys = "abcdefghi";
    const int want[] = {1, 0, 1, 0, 1, 0, 1, -1, -1};
    for (size_t i = 0; keys[i]; i++) {
        char k[2] = {keys[i], '\0'};
        CU_ASSERT_EQUAL(pl_profile_bool(p, "trtc", k, -1), want[i]);
    }
    CU_ASSERT_EQUAL(pl_profile_number(p, "trtc", "h", -1), 1);
    pl_profile_free(p);
}

/* Behaviour names: every name the dialect publishes is accepted and read back; an unknown
 * one fails at its key. A dialect without a table accepts any name. */
static void test_behaviour_names(void)
{
    const char *ids[] = {"aicall", "bailian", "trtc", "volc"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const pl_dialect *d = pl_dialect_find(ids[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        pl_buf y = PL_BUF_INIT;
        pl_buf_printf(&y, "%s:\n  behaviour:\n", ids[i]);
        size_t n = 0;
        for (const pl_behaviour_info *b = d->behaviours; b && b->name; b++, n++)
            pl_buf_printf(&y, "    %s: %s\n", b->name, b->default_on ? "off" : "on");
        pl_buf_puts(&y, "    no_such_behaviour: off\n");
        char err[1024], *path;
        pl_profile *p = load_text(y.data, ".yaml", err, sizeof err, &path);
        if (dialect_checks_behaviours(ids[i])) {
            CU_ASSERT_PTR_NULL(p);
            char want[600];
            snprintf(want, sizeof want,
                     "%s:%zu:5: /%s/behaviour/no_such_behaviour: unknown behaviour "
                     "\"no_such_behaviour\" of %s (known: %s",
                     path, n + 3, ids[i], ids[i], d->behaviours[0].name);
            if (!p && strncmp(err, want, strlen(want)) != 0)
                fprintf(stderr, "\n  want \"%s\"\n  got  \"%s\"\n", want, err);
            CU_ASSERT(!p && strncmp(err, want, strlen(want)) == 0);
            pl_profile_free(p);
            /* without the unknown name it loads, and every switch reads back */
            pl_buf_truncate(&y, y.len - strlen("    no_such_behaviour: off\n"));
            p = load_text(y.data, ".yaml", err, sizeof err, NULL);
            CU_ASSERT_PTR_NOT_NULL_FATAL(p);
            for (const pl_behaviour_info *b = d->behaviours; b->name; b++)
                CU_ASSERT_EQUAL(pl_profile_behaviour(p, ids[i], b->name, -1), !b->default_on);
        } else {
            CU_ASSERT_PTR_NOT_NULL(p);
            CU_ASSERT_EQUAL(pl_profile_behaviour(p, ids[i], "no_such_behaviour", -1), 0);
        }
        pl_profile_free(p);
        unlink(path);
        free(path);
        pl_buf_free(&y);
    }
}

/* ---- replies, defaults, files -------------------------------------------------------- */

static void test_reply_cycling(void)
{
    pl_profile *p = pl_profile_new_default();
    for (unsigned n = 0; n < 6; n++)
        CU_ASSERT_STRING_EQUAL(pl_profile_reply(p, "aicall", n, NULL, dflt_texts),
                               dflt_texts[n % 2]);
    /* canned mode ignores the user's words */
    CU_ASSERT_STRING_EQUAL(pl_profile_reply(p, "aicall", 1, "hi", dflt_texts), "D1");
    const char *const one[] = {"only", NULL}, *const none[] = {NULL};
    CU_ASSERT_STRING_EQUAL(pl_profile_reply(p, "aicall", 4000000000u, NULL, one), "only");
    CU_ASSERT_PTR_NULL(pl_profile_reply(p, "aicall", 0, NULL, none));
    CU_ASSERT_PTR_NULL(pl_profile_reply(p, "aicall", 0, NULL, NULL));
    pl_profile_free(p);

    char err[1024];
    p = load_text("aicall:\n  replies: { mode: echo }\n"
                  "trtc:\n  replies: { mode: canned, texts: [A, B, C] }\n",
                  ".yaml", err, sizeof err, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL(pl_profile_reply(p, "aicall", 0, "you said", dflt_texts), "you said");
    CU_ASSERT_STRING_EQUAL(pl_profile_reply(p, "aicall", 1, NULL, dflt_texts), "D1");
    CU_ASSERT_PTR_NULL(pl_profile_reply(p, "aicall", 1, NULL, NULL));
    const char *abc = "ABCABCA";
    for (unsigned n = 0; n < 7; n++) {
        char want[2] = {abc[n], '\0'};
        CU_ASSERT_STRING_EQUAL(pl_profile_reply(p, "trtc", n, "ignored", dflt_texts), want);
    }
    CU_ASSERT_STRING_EQUAL(pl_profile_reply(p, "trtc", 1, NULL, NULL), "B");
    /* a dialect without a section uses the built-in texts */
    CU_ASSERT_STRING_EQUAL(pl_profile_reply(p, "volc", 3, "x", dflt_texts), "D1");
    pl_profile_free(p);
}

static void test_defaults(void)
{
    pl_profile *p = pl_profile_new_default();
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    const pl_profile_limits *l = pl_profile_limits_get(p);
    CU_ASSERT_EQUAL(l->max_message, 1024 * 1024);
    CU_ASSERT_EQUAL(l->max_sessions, 4096);
    CU_ASSERT_EQUAL(l->journal, 2000);
    CU_ASSERT_EQUAL(l->findings, 1000);
    CU_ASSERT_EQUAL(l->out_queue, 8 * 1024 * 1024);
    CU_ASSERT_EQUAL(l->max_http_body, 1024 * 1024);
    CU_ASSERT_EQUAL(l->retired, 1024);
    CU_ASSERT_STRING_EQUAL(pl_profile_path(p), "(built-in)");
    const char *ids[] = {"aicall", "bailian", "trtc", "volc", "limits", "", NULL};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        CU_ASSERT_PTR_NULL(pl_profile_section(p, ids[i]));
        CU_ASSERT_EQUAL(pl_profile_behaviour(p, ids[i], "idle_timeout", 7), 7);
        CU_ASSERT_EQUAL(pl_profile_duration(p, ids[i], "think", 300000), 300000);
        CU_ASSERT_STRING_EQUAL(pl_profile_string(p, ids[i], "agent_id", "dflt"), "dflt");
        CU_ASSERT_EQUAL(pl_profile_bool(p, ids[i], "push_to_talk", 0), 0);
        CU_ASSERT_EQUAL(pl_profile_number(p, ids[i], "x", 2.5), 2.5);
        CU_ASSERT_STRING_EQUAL(pl_profile_list_item(p, ids[i], "user_speech", 3, "u"), "u");
    }
    pl_profile_free(p);
    pl_profile_free(NULL);
    CU_ASSERT_STRING_EQUAL(pl_profile_path(NULL), "(built-in)");
}

static void test_files(void)
{
    char err[1024];
    pl_profile *p = pl_profile_load("tests/data/profiles/no-such.yaml", SCHEMAS, err, sizeof err);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT(strncmp(err, "tests/data/profiles/no-such.yaml: ", 34) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));

    p = pl_profile_load(NULL, SCHEMAS, err, sizeof err);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT(err[0] != '\0');

    /* the schema is required: a wrong schema root is an error, not "no checks" */
    p = pl_profile_load(GOOD_DIR "/full.yaml", "tests/data/profiles", err, sizeof err);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "profile schema"));

    /* small, empty and absent error buffers are safe */
    char tiny[12];
    p = pl_profile_load(BAD_DIR "/timing-bad-duration.yaml", SCHEMAS, tiny, sizeof tiny);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_EQUAL(strlen(tiny), sizeof tiny - 1);
    CU_ASSERT_PTR_NULL(pl_profile_load(BAD_DIR "/timing-bad-duration.yaml", SCHEMAS, NULL, 0));
    CU_ASSERT_PTR_NULL(pl_profile_load(BAD_DIR "/size-too-big.yaml", SCHEMAS, tiny, 0));
    CU_ASSERT_PTR_NULL(pl_profile_load(BAD_DIR "/syntax.yaml", SCHEMAS, NULL, 0));
    CU_ASSERT_PTR_NULL(pl_profile_load(BAD_DIR "/top-unknown-key.yaml", SCHEMAS, NULL, 0));

    /* a profile may be shared: loading twice gives independent profiles */
    pl_profile *a = load_or_report(GOOD_DIR "/full.yaml"),
               *b = load_or_report(GOOD_DIR "/full.yaml");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(pl_profile_section(a, "aicall") != pl_profile_section(b, "aicall"));
    pl_profile_free(a);
    pl_profile_free(b);
}

/* The documented example must load and say what docs/profile.md says it says. */
static void test_example(void)
{
    pl_profile *p = load_or_report(EXAMPLE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(pl_profile_limits_get(p)->max_message, 1024 * 1024);
    CU_ASSERT_STRING_EQUAL(pl_profile_string(p, "aicall", "agent_id", "x"), "parley_agent");
    CU_ASSERT_EQUAL(pl_profile_behaviour(p, "aicall", "idle_timeout", -1), 0);
    CU_ASSERT_EQUAL(pl_profile_duration(p, "aicall", "think", -1), 300000);
    pl_profile_free(p);
}

/* Every prefix of the complete profiles loads or fails with "file:…" (no crash, no leak:
 * the loader's own passes must cope with whatever shape the schema let through). */
static void test_prefixes(void)
{
    const char *files[] = {GOOD_DIR "/full.yaml", GOOD_DIR "/full.json", EXAMPLE};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char msg[256], err[1024];
        size_t len = 0;
        char *text = pl_file_read(files[i], &len, msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        char *path = write_temp("", pl_test_has_suffix(files[i], ".json") ? ".json" : ".yaml");
        size_t loaded = 0;
        for (size_t n = 0; n <= len; n++) {
            FILE *f = fopen(path, "wb");
            CU_ASSERT_PTR_NOT_NULL_FATAL(f);
            CU_ASSERT_EQUAL(fwrite(text, 1, n, f), n);
            fclose(f);
            pl_profile *p = pl_profile_load(path, SCHEMAS, err, sizeof err);
            if (p)
                loaded++;
            else
                CU_ASSERT(strncmp(err, path, strlen(path)) == 0 && err[strlen(path)] == ':');
            pl_profile_free(p);
        }
        CU_ASSERT(loaded > 0);
        unlink(path);
        free(path);
        free(text);
    }
}

static void test_schema_is_draft07(void)
{
    char err[512];
    pl_schema_set *set = pl_schema_set_new(SCHEMAS);
    const cJSON *s = pl_schema_set_load(set, "profile.schema.json", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
    int rc = pl_schema_check(set, s, &errs);
    for (size_t i = 0; i < errs.n; i++) {
        char *m = pl_schema_error_format(&errs.v[i]);
        fprintf(stderr, "\n  %s\n", m);
        free(m);
    }
    CU_ASSERT_EQUAL(rc, 1);
    pl_schema_errors_free(&errs);
    pl_schema_set_free(set);
}

/* Every property of the schema carries a title and a description (editors show them). */
static void check_documented(const cJSON *props, const char *where)
{
    for (const cJSON *m = cJSON_IsObject(props) ? props->child : NULL; m; m = m->next) {
        int ok = cJSON_IsString(cJSON_GetObjectItem(m, "title")) &&
                 cJSON_IsString(cJSON_GetObjectItem(m, "description"));
        if (!ok)
            fprintf(stderr, "\n  schema %s/%s has no title or description\n", where, m->string);
        CU_ASSERT(ok);
    }
}

static void walk_properties(const cJSON *node, pl_buf *where)
{
    if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
        return;
    for (const cJSON *m = node->child; m; m = m->next) {
        size_t len = where->len;
        pl_buf_printf(where, "/%s", m->string ? m->string : "#");
        if (m->string && strcmp(m->string, "properties") == 0)
            check_documented(m, where->data);
        walk_properties(m, where);
        pl_buf_truncate(where, len);
    }
}

static void test_schema_documented(void)
{
    char err[512];
    cJSON *s = NULL;
    char *text = pl_file_read(SCHEMAS "/profile.schema.json", NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    s = cJSON_Parse(text);
    free(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    pl_buf where = PL_BUF_INIT;
    pl_buf_puts(&where, "");
    walk_properties(s, &where);
    pl_buf_free(&where);
    cJSON_Delete(s);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"good profiles give the values in expected.tsv", test_good_profiles},
        {"bad profiles fail as listed in expected.tsv", test_bad_profiles},
        {"size parsing", test_parse_size},
        {"durations: numbers, strings, units", test_durations},
        {"flags: booleans and on/off strings", test_flags},
        {"behaviour names are the dialect's", test_behaviour_names},
        {"replies cycle; echo falls back to canned", test_reply_cycling},
        {"built-in defaults", test_defaults},
        {"missing files, missing schema, small error buffers", test_files},
        {"docs/examples/profile.yaml loads", test_example},
        {"every prefix of a profile loads or fails cleanly", test_prefixes},
        {"profile.schema.json is a valid draft-07 schema", test_schema_is_draft07},
        {"every schema property has a title and description", test_schema_documented},
        {NULL, NULL},
    };
    return pl_test_main("profile", cases);
}
