/* test_junit.c — the JUnit XML writer (reports/pl_junit.c).
 *
 * Golden files in tests/data/junit/ pin the exact output of a small mixed report and of a
 * report full of hostile strings; PARLEY_UPDATE_GOLDEN=1 rewrites them instead of
 * comparing. Every rendered document is also checked to be UTF-8 without raw control
 * characters and validated with `xmllint --schema` against the Jenkins XSD (the copy in
 * tests/data/junit/, plus ../shared/testdata/ beside the repo when present and different).
 * Tests run with the source tree as working directory. */
#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/pl_buf.h"
#include "core/pl_utf8.h"
#include "pl_test.h"
#include "reports/pl_junit.h"

extern char **environ;

#define JUNIT_DATA "tests/data/junit/"
#define XSD_LOCAL JUNIT_DATA "jenkins-junit.xsd"
#define XSD_SHARED "../shared/testdata/jenkins-junit.xsd"

/* ---- helpers ----------------------------------------------------------------------- */

/* Runs xmllint --noout --schema xsd on doc (written to a temp file); returns its status. */
static int xmllint_validate(const char *doc, const char *xsd)
{
    char path[] = "/tmp/pl_junit_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    size_t len = strlen(doc);
    int ok = write(fd, doc, len) == (ssize_t)len;
    close(fd);
    if (!ok) {
        unlink(path);
        return -1;
    }
    char *argv[] = {"xmllint", "--noout", "--schema", (char *)xsd, path, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "xmllint", NULL, NULL, argv, environ);
    int status = -1;
    if (rc != 0)
        fprintf(stderr, "\n  cannot run xmllint (%s): install libxml2-utils\n", strerror(rc));
    else if (waitpid(pid, &status, 0) < 0)
        status = -1;
    unlink(path);
    return rc == 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* 1 if the shared XSD exists and differs from the committed copy. */
static int shared_xsd_differs(void)
{
    size_t la, lb;
    char err[256];
    char *a = pl_file_read(XSD_LOCAL, &la, err, sizeof err);
    char *b = pl_file_read(XSD_SHARED, &lb, err, sizeof err);
    int differs = a && b && (la != lb || memcmp(a, b, la) != 0);
    if (differs)
        fprintf(stderr, "\n  note: %s differs from %s; validating against both\n", XSD_SHARED,
                XSD_LOCAL);
    free(a);
    free(b);
    return differs;
}

/* Everything every document must satisfy: UTF-8, no raw C0 controls other than TAB/LF,
 * valid against the Jenkins XSD. */
static void check_doc(const char *doc)
{
    size_t len = strlen(doc);
    CU_ASSERT(pl_utf8_valid(doc, len, NULL));
    int raw_ctl = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)doc[i];
        if (c < 0x20 && c != '\t' && c != '\n')
            raw_ctl = 1;
    }
    CU_ASSERT_FALSE(raw_ctl);
    CU_ASSERT_EQUAL(xmllint_validate(doc, XSD_LOCAL), 0);
    if (shared_xsd_differs())
        CU_ASSERT_EQUAL(xmllint_validate(doc, XSD_SHARED), 0);
}

/* Compares doc with tests/data/junit/<name>, or rewrites it under PARLEY_UPDATE_GOLDEN. */
static void check_golden(const char *name, const char *doc)
{
    char path[256], err[256];
    snprintf(path, sizeof path, JUNIT_DATA "%s", name);
    size_t len = strlen(doc), glen = 0;
    const char *update = getenv("PARLEY_UPDATE_GOLDEN");
    if (update && *update) {
        CU_ASSERT_EQUAL(pl_file_write_atomic(path, doc, len, err, sizeof err), 0);
        fprintf(stderr, "\n  note: rewrote %s\n", path);
        return;
    }
    char *want = pl_file_read(path, &glen, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    size_t i = 0;
    while (i < len && i < glen && doc[i] == want[i])
        i++;
    if (i != len || i != glen)
        fprintf(stderr, "\n  %s: first difference at byte %zu: got \"%.60s\", want \"%.60s\"\n",
                path, i, doc + i, want + i);
    CU_ASSERT(i == len && i == glen);
    free(want);
}

static char *count_substr_end(const char *s, const char *sub, size_t *n)
{
    *n = 0;
    char *last = NULL;
    for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub)) {
        (*n)++;
        last = (char *)p;
    }
    return last;
}

/* ---- reports used by several tests ------------------------------------------------- */

static const char LOG1[] = "> {\"type\":\"session.update\",\"session\":{\"voice\":\"alloy\"}}\n"
                           "< {\"type\":\"session.updated\"}\n";

static pl_junit *sample_report(void)
{
    pl_junit *j = pl_junit_new("parley");
    pl_junit_property(j, "client", "ref-client 1.0");
    pl_junit_property(j, "parley.version", "0.1.0");
    pl_junit_property(j, "seed", "42");
    pl_junit_suite *s =
        pl_junit_suite_add(j, "scenarios/openai/session.yaml", "2026-01-01T12:00:00", "ci-1");
    pl_junit_suite_property(s, "dialect", "openai-realtime");
    const char *cls = "openai-realtime.session";
    pl_junit_case *c = pl_junit_case_add(s, cls, "RT-3.2.1 session.update echoed", 0.2104);
    pl_junit_case_stdout(c, LOG1, sizeof LOG1 - 1);
    c = pl_junit_case_add(s, cls, "RT-3.2.2 response.done after audio", 1.02);
    pl_junit_case_result(c, PL_JUNIT_FAILURE, "timeout",
                         "expected event response.done within 1000 ms",
                         "step 4: expect response.done\nwaited 1000 ms, saw 3 other events\n");
    static const char log2[] = "> {\"type\":\"response.create\"}\n";
    pl_junit_case_stdout(c, log2, sizeof log2 - 1);
    c = pl_junit_case_add(s, cls, "RT-3.2.3 vendor-only feature", 0);
    pl_junit_case_result(c, PL_JUNIT_SKIPPED, NULL, "not supported by SDK profile", NULL);
    c = pl_junit_case_add(s, cls, "RT-3.2.4 mock stopped", 0.0034);
    pl_junit_case_result(c, PL_JUNIT_ERROR, "harness", "mock: connection reset by parley",
                         "lws: close 1011 while waiting for step 2\n");
    pl_junit_case_stderr(c, "parley: mock restarted\n", 23);

    s = pl_junit_suite_add(j, "gemini-live", NULL, NULL);
    pl_junit_case_add(s, NULL, "GL-1 setup acknowledged", 0.5);
    pl_junit_suite_add(j, "empty-suite", "2026-01-01T12:00:01", NULL);
    return j;
}

/* A 2000-byte, multi-line message. */
static char *long_message(void)
{
    pl_buf b = PL_BUF_INIT;
    for (int i = 1; b.len < 2000; i++)
        pl_buf_printf(&b, "line %d: expected \"x\" <got 'y'> & more\r\n", i);
    pl_buf_truncate(&b, 2000);
    return pl_buf_take(&b);
}

static pl_junit *hostile_report(void)
{
    pl_junit *j = pl_junit_new("\"quoted\" & <tagged> 'apos' ]]>");
    pl_junit_property(j, "multi\x01line", "one\ntwo\tthree\r\nfour");
    pl_junit_property(j, NULL, NULL);
    pl_junit_suite *s =
        pl_junit_suite_add(j, "hostile ]]> <suite>", "2026-01-01T12:00:00\n", "host\x7f\x1b");
    const char *cls = "hostile";
    /* Duplicates: dup, dup #2, then a literal "dup #2" and another dup. */
    pl_junit_case_add(s, cls, "dup", 0.001);
    pl_junit_case_add(s, cls, "dup", 0.001);
    pl_junit_case_add(s, cls, "dup #2", 0.001);
    pl_junit_case_add(s, cls, "dup", 0.001);
    pl_junit_case_add(s, "other.class", "dup", 0.001); /* other classname: kept */
    pl_junit_case_add(s, cls, "", -1.0);
    pl_junit_case_add(s, cls, NULL, NAN);
    pl_junit_case_add(s, "", "classname falls back to suite", 0);
    /* Bad bytes: 0xFF 0xFE, lone surrogate, U+FFFE, U+FFFF, overlong '/', cut sequence. */
    pl_junit_case_add(s, cls,
                      "bad\xff\xfe|\xed\xa0\x80|\xef\xbf\xbe|\xef\xbf\xbf|\xc0\xaf|\xe2\x82", 0);
    pl_junit_case_add(s, cls, "ok: \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xc2\x85", 0);
    /* A control char that vanishes makes the name collide: deduplicated after cleaning. */
    pl_junit_case_add(s, cls, "o\x01k", 0);
    pl_junit_case_add(s, cls, "ok", 0);

    char *msg = long_message();
    pl_junit_case *c = pl_junit_case_add(s, cls, "long message", 12.3456);
    pl_junit_case_result(
        c, PL_JUNIT_FAILURE, "rule\nRT-1", msg,
        "body with ]]> and <![CDATA[x]]> and \x1b[31mred\x1b[0m\r\nnext \x02line\n");
    free(msg);
    static const char wire[] = "NUL:\0|SOH:\x01|DEL:\x7f|cdata:]]>|]]]]>|bad:\xff\x80|"
                               "crlf:\r\n|cr:\r|tab:\t|amp:&lt;|U+FFFF:\xef\xbf\xbf|end\n";
    pl_junit_case_stdout(c, wire, sizeof wire - 1);
    pl_junit_case_stderr(c, "]]>]]>", 6);
    /* The bytes 0..255 as a binary frame. */
    c = pl_junit_case_add(s, cls, "binary frame", 0.0005);
    char bin[256];
    for (int i = 0; i < 256; i++)
        bin[i] = (char)i;
    pl_junit_case_stdout(c, bin, sizeof bin);
    pl_junit_case_result(c, PL_JUNIT_ERROR, "harness", "multi\nline\rmessage", NULL);
    return j;
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_sample_golden(void)
{
    pl_junit *j = sample_report();
    char *doc = pl_junit_render(j);
    check_golden("sample.xml", doc);
    check_doc(doc);
    free(doc);
    pl_junit_free(j);
}

static void test_hostile_golden(void)
{
    pl_junit *j = hostile_report();
    char *doc = pl_junit_render(j);
    check_golden("hostile.xml", doc);
    check_doc(doc);
    CU_ASSERT_PTR_NULL(strstr(doc, "]]>"));
    size_t n;
    count_substr_end(doc, "name=\"dup #2 #2\"", &n);
    CU_ASSERT_EQUAL(n, 1);
    count_substr_end(doc, "name=\"dup #3\"", &n);
    CU_ASSERT_EQUAL(n, 1);
    count_substr_end(doc, "name=\"ok #2\"", &n);
    CU_ASSERT_EQUAL(n, 1);
    free(doc);
    pl_junit_free(j);
}

static void test_counts(void)
{
    pl_junit *j = sample_report();
    pl_junit_counts n = pl_junit_count(j, NULL);
    CU_ASSERT_EQUAL(n.tests, 5);
    CU_ASSERT_EQUAL(n.failures, 1);
    CU_ASSERT_EQUAL(n.errors, 1);
    CU_ASSERT_EQUAL(n.skipped, 1);
    CU_ASSERT_EQUAL(n.time_ms, 210 + 1020 + 0 + 3 + 500);
    char *doc = pl_junit_render(j);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(doc, "<testsuites name=\"parley\" tests=\"5\" failures=\"1\" errors=\"1\" "
                    "time=\"1.733\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(doc, "tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\" "
                                       "time=\"1.233\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<testsuite name=\"empty-suite\" tests=\"0\" failures=\"0\" "
                                       "errors=\"0\" skipped=\"0\" time=\"0.000\""));
    free(doc);
    pl_junit_free(j);

    /* An empty report is still a valid document. */
    j = pl_junit_new(NULL);
    doc = pl_junit_render(j);
    CU_ASSERT_STRING_EQUAL(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
                                "tests=\"0\" failures=\"0\" errors=\"0\" time=\"0.000\">\n"
                                "</testsuites>\n");
    check_doc(doc);
    free(doc);
    pl_junit_free(j);
}

static void test_verdict_precedence(void)
{
    pl_junit *j = pl_junit_new("p");
    pl_junit_suite *s = pl_junit_suite_add(j, "s", NULL, NULL);
    pl_junit_case *a = pl_junit_case_add(s, "c", "first failure kept", 0);
    pl_junit_case_result(a, PL_JUNIT_FAILURE, "R1", "first", "d1");
    pl_junit_case_result(a, PL_JUNIT_FAILURE, "R2", "second", "d2");
    pl_junit_case_result(a, PL_JUNIT_SKIPPED, NULL, "skip", NULL);
    pl_junit_case_result(a, PL_JUNIT_PASS, NULL, NULL, NULL);
    pl_junit_case *b = pl_junit_case_add(s, "c", "error overrides", 0);
    pl_junit_case_result(b, PL_JUNIT_SKIPPED, NULL, "skip", "ignored detail");
    pl_junit_case_result(b, PL_JUNIT_FAILURE, "R1", "fail", "d1");
    pl_junit_case_result(b, PL_JUNIT_ERROR, "timeout", "harness", NULL);
    char *doc = pl_junit_render(j);
    CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<failure message=\"first\" type=\"R1\">d1</failure>"));
    CU_ASSERT_PTR_NULL(strstr(doc, "second"));
    CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<error message=\"harness\" type=\"timeout\"/>"));
    CU_ASSERT_PTR_NULL(strstr(doc, "d1</error>"));
    size_t n;
    count_substr_end(doc, "<failure", &n);
    CU_ASSERT_EQUAL(n, 1);
    count_substr_end(doc, "<skipped", &n);
    CU_ASSERT_EQUAL(n, 0);
    pl_junit_counts c = pl_junit_count(j, s);
    CU_ASSERT(c.failures == 1 && c.errors == 1 && c.skipped == 0 && c.tests == 2);
    check_doc(doc);
    free(doc);
    pl_junit_free(j);
}

static void test_times(void)
{
    static const struct {
        double s;
        const char *want;
    } cases[] = {
        {0.2104, "time=\"0.210\""},
        {1.2346, "time=\"1.235\""},
        {-3, "time=\"0.000\""},
        {0, "time=\"0.000\""},
        {59.9999, "time=\"60.000\""},
        {1e12, "time=\"1000000000.000\""},
        {INFINITY, "time=\"1000000000.000\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pl_junit *j = pl_junit_new(NULL);
        pl_junit_case_add(pl_junit_suite_add(j, "s", NULL, NULL), "c", "t", cases[i].s);
        char *doc = pl_junit_render(j);
        char *tc = strstr(doc, "<testcase");
        CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
        if (!strstr(tc, cases[i].want))
            fprintf(stderr, "\n  %g: want %s in %s", cases[i].s, cases[i].want, tc);
        CU_ASSERT_PTR_NOT_NULL(strstr(tc, cases[i].want));
        free(doc);
        pl_junit_free(j);
    }
    pl_junit *j = pl_junit_new(NULL);
    pl_junit_case_add(pl_junit_suite_add(j, "s", NULL, NULL), "c", "t", NAN);
    char *doc = pl_junit_render(j);
    CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<testcase name=\"t\" classname=\"c\" time=\"0.000\"/>"));
    free(doc);
    pl_junit_free(j);
}

/* Under a comma-decimal LC_NUMERIC the output must not change. */
static void test_locale(void)
{
    static const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "de_DE@euro", NULL};
    const char *got = NULL;
    for (size_t i = 0; names[i] && !got; i++)
        if (setlocale(LC_NUMERIC, names[i]))
            got = names[i];
    if (!got) {
        fprintf(stderr, "\n  note: no de_DE locale installed; LC_NUMERIC sub-check skipped\n");
        return;
    }
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    CU_ASSERT_STRING_EQUAL(probe, "0,5"); /* the locale is really in effect */
    pl_junit *j = sample_report();
    char *doc = pl_junit_render(j);
    setlocale(LC_NUMERIC, "C");
    check_golden("sample.xml", doc);
    free(doc);
    pl_junit_free(j);
}

static void test_message_bounds(void)
{
    pl_junit *j = hostile_report();
    char *doc = pl_junit_render(j);
    char *m = strstr(doc, "<failure message=\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    m += strlen("<failure message=\"");
    char *end = strchr(m, '"');
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    /* Unescape just enough to measure: the stored value is ≤ PL_JUNIT_ATTR_MAX bytes. */
    size_t raw = 0;
    for (char *p = m; p < end; p++, raw++)
        if (*p == '&')
            p = strchr(p, ';');
    CU_ASSERT(raw <= PL_JUNIT_ATTR_MAX);
    CU_ASSERT(raw > PL_JUNIT_ATTR_MAX - 8);
    CU_ASSERT_NSTRING_EQUAL(end - 3, "\xE2\x80\xA6", 3);
    CU_ASSERT_PTR_NULL(memchr(m, '\n', (size_t)(end - m)));
    CU_ASSERT_PTR_NULL(strstr(doc, "&#10;&#10;")); /* messages are one line */
    free(doc);
    pl_junit_free(j);
}

/* A 5 MB wire log fed in uneven chunks: first and last 512 KiB kept, exact drop count. */
static void test_big_wire_log(void)
{
    const size_t total = 5 * 1000 * 1000, half = PL_JUNIT_STREAM_MAX / 2;
    pl_buf log = PL_BUF_INIT;
    for (unsigned long i = 0; log.len < total; i++)
        pl_buf_printf(
            &log, "%08lu send {\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA\"}\n", i);
    pl_buf_truncate(&log, total);

    pl_junit *j = pl_junit_new("big");
    pl_junit_case *c = pl_junit_case_add(pl_junit_suite_add(j, "s", NULL, NULL), "c", "t", 1);
    static const size_t chunks[] = {1, 7, 4093, 70000, 600000, 13};
    size_t off = 0;
    for (size_t k = 0; off < total; k++) {
        size_t n = chunks[k % 6] < total - off ? chunks[k % 6] : total - off;
        pl_junit_case_stdout(c, log.data + off, n);
        off += n;
    }
    char *doc = pl_junit_render(j);
    pl_buf want = PL_BUF_INIT;
    pl_buf_puts(&want, "<system-out>");
    pl_buf_append(&want, log.data, half);
    pl_buf_printf(&want, "\n[parley: truncated, %zu bytes dropped here]\n", total - 2 * half);
    pl_buf_append(&want, log.data + total - half, half);
    pl_buf_puts(&want, "</system-out>");
    CU_ASSERT_PTR_NOT_NULL(strstr(doc, want.data));
    CU_ASSERT(strlen(doc) < PL_JUNIT_STREAM_MAX + 4096);
    check_doc(doc);
    pl_buf_free(&want);
    free(doc);
    pl_junit_free(j);
    pl_buf_free(&log);
}

/* A body over PL_JUNIT_BODY_MAX cut inside 3-byte characters: no U+FFFD at the cut,
 * and the note counts the bytes of the cut characters too. */
static void test_big_body_multibyte(void)
{
    pl_buf body = PL_BUF_INIT;
    for (int i = 0; i < 40000; i++)
        pl_buf_puts(&body, "\xe2\x82\xac"); /* € */
    pl_junit *j = pl_junit_new(NULL);
    pl_junit_case *c = pl_junit_case_add(pl_junit_suite_add(j, "s", NULL, NULL), "c", "t", 0);
    pl_junit_case_result(c, PL_JUNIT_FAILURE, "R", "m", body.data);
    char *doc = pl_junit_render(j);
    CU_ASSERT_PTR_NULL(strstr(doc, "\xEF\xBF\xBD"));
    const size_t half = PL_JUNIT_BODY_MAX / 2;
    size_t head = half / 3 * 3, tail = half / 3 * 3;
    char note[128];
    snprintf(note, sizeof note, "\n[parley: truncated, %zu bytes dropped here]\n",
             body.len - head - tail);
    CU_ASSERT_PTR_NOT_NULL(strstr(doc, note));
    check_doc(doc);
    free(doc);
    pl_junit_free(j);
    pl_buf_free(&body);
}

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void test_write_atomic(void)
{
    char dir[] = "/tmp/pl_junit_dirXXXXXX", path[128], bad[160], err[256];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/report.xml", dir);
    CU_ASSERT_EQUAL(pl_file_write_atomic(path, "old", 3, err, sizeof err), 0);

    pl_junit *j = sample_report();
    char *doc = pl_junit_render(j);
    CU_ASSERT_EQUAL(pl_junit_write(j, path, err, sizeof err), 0);
    size_t len;
    char *got = pl_file_read(path, &len, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_EQUAL(len, strlen(doc));
    CU_ASSERT_STRING_EQUAL(got, doc);
    CU_ASSERT_EQUAL(dir_entries(dir), 1); /* no temp file left behind */
    free(got);

    err[0] = 0;
    CU_ASSERT_EQUAL(pl_junit_write(j, "/nonexistent-parley-dir/r.xml", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
    snprintf(bad, sizeof bad, "%s/sub.xml", path); /* parent is a regular file */
    err[0] = 0;
    CU_ASSERT_EQUAL(pl_junit_write(j, bad, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "Not a directory"));
    if (geteuid() != 0) {
        chmod(dir, 0555);
        err[0] = 0;
        CU_ASSERT_EQUAL(pl_junit_write(j, path, err, sizeof err), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "Permission denied"));
        chmod(dir, 0755);
    } else
        fprintf(stderr, "\n  note: running as root; read-only directory sub-check skipped\n");
    CU_ASSERT_EQUAL(dir_entries(dir), 1);
    got = pl_file_read(path, &len, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(got);
    CU_ASSERT(got && !strcmp(got, doc)); /* a failed write left the old report intact */
    free(got);
    free(doc);
    pl_junit_free(j);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"sample report matches golden file", test_sample_golden},
        {"hostile strings match golden file", test_hostile_golden},
        {"counts computed from cases", test_counts},
        {"one verdict per case, most severe wins", test_verdict_precedence},
        {"times in ms, never negative", test_times},
        {"LC_NUMERIC=de_DE does not change output", test_locale},
        {"message single-line and bounded", test_message_bounds},
        {"5 MB wire log bounded", test_big_wire_log},
        {"body cut at character boundary", test_big_body_multibyte},
        {"atomic write and errors", test_write_atomic},
        {NULL, NULL},
    };
    return pl_test_main("junit", cases);
}
