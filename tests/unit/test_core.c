/* test_core.c — pl_buf, pl_clock, pl_utf8, pl_trace. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_json.h"
#include "core/pl_trace.h"
#include "core/pl_utf8.h"
#include "pl_test.h"

static void test_buf(void)
{
    pl_buf b = PL_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        pl_buf_printf(&b, "%d,", i);
    CU_ASSERT_EQUAL(b.len, strlen(b.data));
    CU_ASSERT_NSTRING_EQUAL(b.data, "0,1,2,", 6);
    pl_buf_truncate(&b, 2);
    CU_ASSERT_STRING_EQUAL(b.data, "0,");
    pl_buf_append(&b, "\0x", 2);
    CU_ASSERT_EQUAL(b.len, 4);
    char *s = pl_buf_take(&b);
    CU_ASSERT_PTR_NULL(b.data);
    free(s);
    pl_buf_free(&b);
}

static void test_file_atomic(void)
{
    char dir[] = "/tmp/pltestXXXXXX", path[64], err[256];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/f.txt", dir);
    CU_ASSERT_EQUAL(pl_file_write_atomic(path, "hello", 5, err, sizeof err), 0);
    size_t len;
    char *got = pl_file_read(path, &len, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_EQUAL(len, 5);
    CU_ASSERT_STRING_EQUAL(got, "hello");
    free(got);
    CU_ASSERT_PTR_NULL(pl_file_read("/nonexistent/x", &len, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
    CU_ASSERT_EQUAL(pl_file_write_atomic("/nonexistent/x/y", "a", 1, err, sizeof err), -1);
    unlink(path);
    rmdir(dir);
}

static void test_clock(void)
{
    char iso[PL_CLOCK_ISO_LEN];
    CU_ASSERT_STRING_EQUAL(pl_clock_iso8601(0, iso), "1970-01-01T00:00:00.000Z");
    CU_ASSERT_STRING_EQUAL(pl_clock_iso8601(1551113065123456LL, iso), "2019-02-25T16:44:25.123Z");
    CU_ASSERT_STRING_EQUAL(pl_clock_iso8601(-1000, iso), "1969-12-31T23:59:59.999Z");
    int64_t a = pl_clock_mono_us(), b = pl_clock_mono_us();
    CU_ASSERT(b >= a);
    CU_ASSERT(pl_clock_wall_us() > 1700000000LL * 1000000);
    int64_t us;
    CU_ASSERT(pl_clock_parse_duration("500ms", &us) == 0 && us == 500000);
    CU_ASSERT(pl_clock_parse_duration("1.5s", &us) == 0 && us == 1500000);
    CU_ASSERT(pl_clock_parse_duration("2", &us) == 0 && us == 2000000);
    CU_ASSERT(pl_clock_parse_duration("250us", &us) == 0 && us == 250);
    CU_ASSERT(pl_clock_parse_duration("2m", &us) == 0 && us == 120000000);
    CU_ASSERT_EQUAL(pl_clock_parse_duration("", &us), -1);
    CU_ASSERT_EQUAL(pl_clock_parse_duration("5 parsecs", &us), -1);
    CU_ASSERT_EQUAL(pl_clock_parse_duration("-1s", &us), -1);
    CU_ASSERT_EQUAL(pl_clock_parse_duration("nan", &us), -1);
}

static void test_utf8(void)
{
    size_t bad;
    CU_ASSERT(pl_utf8_valid("h\xc3\xa9llo \xe6\x9c\xaa \xf0\x9f\x98\x80", 15, NULL));
    CU_ASSERT_EQUAL(pl_utf8_count("h\xc3\xa9llo \xe6\x9c\xaa \xf0\x9f\x98\x80", 15), 9);
    CU_ASSERT(!pl_utf8_valid("ab\xff", 3, &bad) && bad == 2);
    CU_ASSERT(!pl_utf8_valid("\xc0\xaf", 2, &bad) && bad == 0);         /* overlong '/' */
    CU_ASSERT(!pl_utf8_valid("\xed\xa0\x80", 3, &bad) && bad == 0);     /* surrogate */
    CU_ASSERT(!pl_utf8_valid("\xf4\x90\x80\x80", 4, &bad) && bad == 0); /* > U+10FFFF */
    CU_ASSERT(!pl_utf8_valid("x\xe6\x9c", 3, &bad) && bad == 1);        /* truncated */
    CU_ASSERT(pl_utf8_valid("", 0, NULL));

    uint32_t cp = 0;
    CU_ASSERT(pl_utf8_decode("A", 1, &cp) == 1 && cp == 'A');
    CU_ASSERT(pl_utf8_decode("\xe6\x9c\xaa", 3, &cp) == 3 && cp == 0x672A);
    CU_ASSERT(pl_utf8_decode("\xf0\x9f\x98\x80", 4, &cp) == 4 && cp == 0x1F600);
    CU_ASSERT_EQUAL(pl_utf8_decode("\xe6\x9c", 2, &cp), 0);  /* truncated */
    CU_ASSERT_EQUAL(pl_utf8_decode("\xed\xa0\x80", 3, &cp), 0); /* surrogate */

    int line, col;
    const char *t = "ab\n\xe6\x9c\xaax\r\ny\rz";
    pl_utf8_linecol(t, strlen(t), 0, &line, &col);
    CU_ASSERT(line == 1 && col == 1);
    pl_utf8_linecol(t, strlen(t), 6, &line, &col); /* 'x': after one 3-byte character */
    CU_ASSERT(line == 2 && col == 2);
    pl_utf8_linecol(t, strlen(t), 9, &line, &col); /* 'y' after CR LF */
    CU_ASSERT(line == 3 && col == 1);
    pl_utf8_linecol(t, strlen(t), 11, &line, &col); /* 'z' after a lone CR */
    CU_ASSERT(line == 4 && col == 1);
}

static void test_json_parse(void)
{
    char err[256];
    const char *ok = "{\"a\": [1, 2]}\n", *cut = "{\n  \"a\": [1,\n", *bad = "{\n  \"a\": [1,\n}";
    cJSON *j = pl_json_parse("m.json", ok, strlen(ok), err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(j);
    cJSON_Delete(j);
    CU_ASSERT_PTR_NULL(pl_json_parse("m.json", bad, strlen(bad), err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "m.json:3:1: invalid JSON");
    CU_ASSERT_PTR_NULL(pl_json_parse("m.json", cut, strlen(cut), err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "m.json:3:1: invalid JSON"); /* truncated: the end of input */
    CU_ASSERT_PTR_NULL(pl_json_parse("m.json", "{} {}", 5, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "m.json:1:4: invalid JSON (unexpected data after the value)");
    CU_ASSERT_PTR_NULL(pl_json_parse("m.json", "{}\0x", 4, err, sizeof err)); /* NUL then data */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "m.json:1:3: invalid JSON"));
    CU_ASSERT_PTR_NULL(pl_json_load_file("/nonexistent/m.json", err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/m.json: No such file"));
}

static char *slurp(const char *path)
{
    char err[256];
    char *s = pl_file_read(path, NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(s);
    return s;
}

static void test_trace_records(void)
{
    char path[] = "/tmp/pltraceXXXXXX", err[256];
    int fd = mkstemp(path);
    close(fd);
    pl_trace *t = pl_trace_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "ev", "msg");
    pl_trace_add_payload(r, "{\"type\":1105}", 13, 0);
    pl_trace_record(t, r);
    r = cJSON_CreateObject();
    pl_trace_add_payload(r, "\xff\x00\x01", 3, 0); /* invalid UTF-8 and NUL: base64 */
    pl_trace_record(t, r);
    pl_trace_record(t, cJSON_CreateObject()); /* empty record still gets the header */
    CU_ASSERT_EQUAL(pl_trace_count(t), 3);
    CU_ASSERT_EQUAL(pl_trace_close(t), 0);

    char *s = slurp(path);
    char *l1 = s, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
    CU_ASSERT_NSTRING_EQUAL(l1, "{\"seq\":1,\"ts\":\"", 15);
    CU_ASSERT_PTR_NOT_NULL(strstr(l1, "\"ev\":\"msg\",\"len\":13,\"text\":\"{\\\"type\\\":1105}\"}\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(l2, "\"len\":3,\"b64\":\"/wAB\"}\n"));
    CU_ASSERT_NSTRING_EQUAL(l3, "{\"seq\":3,", 9);
    CU_ASSERT_EQUAL(l3[strlen(l3) - 2], '}');
    /* every line parses as JSON */
    for (char *line = s; *line;) {
        char *nl = strchr(line, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
        cJSON *j = cJSON_ParseWithLength(line, (size_t)(nl - line));
        CU_ASSERT_PTR_NOT_NULL(j);
        cJSON_Delete(j);
        line = nl + 1;
    }
    free(s);
    unlink(path);
    CU_ASSERT_PTR_NULL(pl_trace_open("/nonexistent/dir/t.jsonl", err, sizeof err));
}

/* A writer killed with SIGKILL at an arbitrary moment leaves whole lines, except that the
 * very last one may be cut by the kernel inside the interrupted write. */
static void test_trace_kill_whole_lines(void)
{
    char path[] = "/tmp/pltraceXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    pid_t pid = fork();
    if (pid == 0) {
        char err[256];
        pl_trace *t = pl_trace_open(path, err, sizeof err);
        char big[3000];
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        for (long i = 0;; i++) {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddNumberToObject(r, "i", (double)i);
            cJSON_AddStringToObject(r, "pad", big + (i % 2000));
            pl_trace_record(t, r);
        }
    }
    /* Kill once a few flushes have happened (generous deadline for loaded machines). */
    struct stat st;
    for (int i = 0; i < 6000; i++) {
        if (stat(path, &st) == 0 && st.st_size > 200000)
            break;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    char *s = slurp(path);
    size_t len = strlen(s);
    CU_ASSERT(len > 65536); /* at least one 64 KiB flush happened */
    /* The kernel may cut a write(2) that SIGKILL interrupts (a page at a time), so only the
     * last line may be unterminated; every terminated line must be whole. */
    char *end = strrchr(s, '\n');
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    end[1] = '\0';
    long lines = 0, good = 0;
    for (char *line = s; *line; lines++) {
        char *nl = strchr(line, '\n');
        cJSON *j = cJSON_ParseWithLength(line, (size_t)(nl - line));
        good += j != NULL;
        cJSON_Delete(j);
        line = nl + 1;
    }
    CU_ASSERT_EQUAL(lines, good);
    free(s);
    unlink(path);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"buf", test_buf},
        {"file read / atomic write", test_file_atomic},
        {"clock", test_clock},
        {"utf8", test_utf8},
        {"json parse with positions", test_json_parse},
        {"trace records", test_trace_records},
        {"trace killed mid-run keeps whole lines", test_trace_kill_whole_lines},
        {NULL, NULL},
    };
    return pl_test_main("core", cases);
}
