/* test_session.c — the transport-neutral session core (mock/pl_session.c) with a fake host
 * and a fake dialect: bridge framing and its findings, bounded journal and findings,
 * oversize and partial messages, deferred close, behaviour precedence, sends after close.
 * The aicall dialect's behaviour is tested through the same core in test_aicall_dialect.c. */
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "mock/pl_session.h"
#include "pl_test.h"

/* ---- fake host -------------------------------------------------------------------- */

typedef struct {
    pl_session *s;
    char *out[64];
    size_t nout;
    int64_t now;
    int timers[PL_SESSION_TIMERS]; /* 1 armed */
    int closed_code;
    int close_sync; /* call pl_session_disconnected from inside close() */
} fake_host;

static int fh_write(void *h, const void *data, size_t len, int binary)
{
    fake_host *f = h;
    (void)binary;
    if (f->nout < 64)
        f->out[f->nout++] = pl_xstrndup(data, len);
    return 0;
}

static void fh_timer(void *h, int slot, int64_t delay)
{
    ((fake_host *)h)->timers[slot] = delay >= 0;
}

static void fh_close(void *h, int code, const char *reason)
{
    fake_host *f = h;
    (void)reason;
    f->closed_code = code;
    if (f->close_sync)
        pl_session_disconnected(f->s, code, NULL, 0);
}

static int64_t fh_now(void *h)
{
    return ((fake_host *)h)->now;
}

static const pl_session_host_ops fh_ops = {.write = fh_write, .timer = fh_timer, .close = fh_close, .now = fh_now};

static void fh_reset(fake_host *f)
{
    for (size_t i = 0; i < f->nout; i++)
        free(f->out[i]);
    f->nout = 0;
}

/* ---- fake dialect "fake": payload "close" makes behave() close the session ------------ */

typedef struct {
    pl_session *s;
    int messages, closes;
    int *closed_flag;
} fake_state;

static int g_closed; /* set by the close hook; read by the test */

static cJSON *fd_decode(const void *data, size_t len, int binary)
{
    (void)binary;
    return cJSON_ParseWithLength(data, len);
}

static void fd_classify(const cJSON *msg, pl_dir dir, char *kind, size_t n)
{
    (void)dir;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(msg, "t");
    snprintf(kind, n, "fake.%s", cJSON_IsString(t) ? t->valuestring : "unknown");
}

static char *fd_encode(const cJSON *msg, size_t *len, int *binary)
{
    char *t = cJSON_PrintUnformatted(msg);
    *len = strlen(t);
    *binary = 0;
    return t;
}

static void *fd_open(pl_session *s)
{
    fake_state *st = calloc(1, sizeof *st);
    st->s = s;
    return st;
}

static void fd_message(void *st, pl_dir dir, const char *kind, const cJSON *msg, const void *raw,
                       size_t len, int schema_ok)
{
    (void)dir, (void)kind, (void)raw, (void)len, (void)schema_ok;
    fake_state *f = st;
    f->messages++;
    if (!msg)
        pl_session_findingf(f->s, "fake.malformed", PL_LEVEL_MUST, "test", "not JSON");
}

static void fd_behave(void *st, const char *kind, const cJSON *msg)
{
    fake_state *f = st;
    (void)msg;
    if (!strcmp(kind, "fake.close")) {
        pl_session_close(f->s, 1000, "asked");
        f->messages += 100; /* the state must still be valid after the close */
        return;
    }
    if (!strcmp(kind, "fake.ping") && pl_session_behaviour(f->s, "pong")) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "t", "pong");
        pl_session_send(f->s, "agent", m);
        cJSON_Delete(m);
    }
}

static void fd_close(void *st)
{
    g_closed++;
    free(st);
}

static const pl_behaviour_info fd_behaviours[] = {
    {"pong", 1, "ping -> pong"}, {"quiet", 0, "off by default"}, {NULL, 0, NULL}};

static const pl_dialect fake_dialect = {
    .id = "fake",
    .vendor = "test",
    .transport = "bridge",
    .seed = "-",
    .bridge_op = "datachannel",
    .behaviours = fd_behaviours,
    .decode = fd_decode,
    .classify = fd_classify,
    .encode = fd_encode,
    .open = fd_open,
    .message = fd_message,
    .behave = fd_behave,
    .close = fd_close,
};

/* ---- helpers ---------------------------------------------------------------------- */

static pl_profile *load_profile(const char *path)
{
    char err[512];
    pl_profile *p = path ? pl_profile_load(path, "schemas", err, sizeof err)
                         : pl_profile_new_default();
    if (!p)
        fprintf(stderr, "%s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    return p;
}

static pl_session *open_session(fake_host *f, const pl_profile *p)
{
    memset(f, 0, sizeof *f);
    g_closed = 0;
    pl_session_opts o = {.dialect = &fake_dialect, .transport = PL_TRANSPORT_BRIDGE, .id = "s1",
                         .room = "r", .user = "u", .profile = p, .behave = 1, .ops = &fh_ops,
                         .host = f};
    f->s = pl_session_new(&o);
    return f->s;
}

static void input(pl_session *s, const char *text)
{
    pl_session_input(s, text, strlen(text), 0);
}

/* The rules of the stored findings, space separated. */
static char *finding_rules(pl_session *s)
{
    cJSON *arr = pl_session_findings_json(s);
    pl_buf b = PL_BUF_INIT;
    const cJSON *f;
    cJSON_ArrayForEach(f, arr)
        pl_buf_printf(&b, "%s%s", b.len ? " " : "",
                      cJSON_GetObjectItemCaseSensitive(f, "rule")->valuestring);
    cJSON_Delete(arr);
    return b.data ? pl_buf_take(&b) : pl_xstrdup("");
}

/* ---- cases ------------------------------------------------------------------------ */

static void test_joined_first(void)
{
    fake_host f;
    pl_profile *p = load_profile(NULL);
    pl_session *s = open_session(&f, p);
    CU_ASSERT_EQUAL_FATAL(f.nout, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.out[0], "\"event\":\"joined\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(f.out[0], "\"session\":\"s1\""));
    fh_reset(&f);
    pl_session_free(s);
    pl_profile_free(p);
}

typedef struct {
    const char *frame;
    int binary;
    const char *rules;
} frame_case;

static void test_bridge_findings(void)
{
    static const frame_case cases[] = {
        {"{bad", 0, "bridge.malformed_frame"},
        {"[1,2]", 0, "bridge.malformed_frame"},
        {"{\"op\":7}", 0, "bridge.malformed_frame"},
        {"{\"op\":\"dance\"}", 0, "bridge.unknown_op"},
        {"{\"op\":\"datachannel\"}", 0, "bridge.payload_invalid"},
        {"{\"op\":\"datachannel\",\"data\":{}}", 0, "bridge.payload_invalid"},
        {"{\"op\":\"datachannel\",\"data\":\"nope\"}", 0, "fake.malformed"},
        {"{\"op\":\"publish\",\"media\":\"smell\"}", 0, "bridge.room_op_invalid"},
        {"{\"op\":\"mute_local_mic\",\"mute\":\"yes\"}", 0, "bridge.room_op_invalid"},
        {"{\"op\":\"audio_capture\"}", 0, "bridge.room_op_invalid"},
        {"\x01\x02", 1, "bridge.binary_frame"},
        {"{\"op\":\"publish\",\"media\":\"\xff\"}", 0, "transport.invalid_utf8"},
        {"{\"op\":\"datachannel\",\"data\":\"{\\\"t\\\":\\\"x\\\"}\"}", 0, ""},
        {"{\"op\":\"publish\",\"media\":\"audio\"}", 0, ""},
        {"{\"op\":\"mute_local_mic\",\"mute\":true}", 0, ""},
    };
    pl_profile *p = load_profile(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_host f;
        pl_session *s = open_session(&f, p);
        pl_session_input(s, cases[i].frame, strlen(cases[i].frame), cases[i].binary);
        char *got = finding_rules(s);
        if (strcmp(got, cases[i].rules))
            fprintf(stderr, "case %zu %s: got '%s', want '%s'\n", i, cases[i].frame, got,
                    cases[i].rules);
        CU_ASSERT_STRING_EQUAL(got, cases[i].rules);
        CU_ASSERT_TRUE(pl_session_is_open(s)); /* bad input never closes the session */
        free(got);
        fh_reset(&f);
        pl_session_free(s);
    }
    pl_profile_free(p);
}

static void test_journal_bounded(void)
{
    fake_host f;
    pl_profile *p = load_profile("tests/data/session/small.yaml");
    pl_session *s = open_session(&f, p);
    for (int i = 0; i < 50; i++)
        input(s, "{\"op\":\"dance\"}"); /* a frame record and a finding each */
    pl_session_stats st;
    pl_session_get_stats(s, &st);
    CU_ASSERT_EQUAL(st.findings_must, 50);
    CU_ASSERT_EQUAL(st.findings_dropped, 47); /* limits.findings 3 */
    cJSON *j = pl_session_journal_json(s, 0);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(j, "records");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(recs), 10); /* limits.journal 10 */
    /* 1 open + 1 joined event + 100 = 102 records made, the last 10 kept */
    CU_ASSERT_EQUAL(cJSON_GetObjectItemCaseSensitive(j, "dropped")->valueint, 92);
    CU_ASSERT_EQUAL(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(recs, 0), "n")->valueint,
                    93);
    cJSON_Delete(j);
    j = pl_session_journal_json(s, 100);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "records")), 2);
    cJSON_Delete(j);
    fh_reset(&f);
    pl_session_free(s);
    pl_profile_free(p);
}

static void test_oversize_and_partial(void)
{
    fake_host f;
    pl_profile *p = load_profile(NULL);
    pl_session *s = open_session(&f, p);
    char head[2048];
    memset(head, 'a', sizeof head);
    pl_session_input_oversize(s, head, sizeof head, 2 * 1024 * 1024, 0);
    char *got = finding_rules(s);
    CU_ASSERT_STRING_EQUAL(got, "transport.message_too_large");
    free(got);
    input(s, "{\"op\":\"datachannel\",\"data\":\"{\\\"t\\\":\\\"ping\\\"}\"}");
    CU_ASSERT_PTR_NOT_NULL(strstr(f.out[f.nout - 1], "pong")); /* still answering */
    pl_session_disconnected(s, 1006, "{\"op\":\"da", 10);
    CU_ASSERT_FALSE(pl_session_is_open(s));
    CU_ASSERT_EQUAL(g_closed, 1);
    g_closed = 0;
    cJSON *j = pl_session_journal_json(s, 0);
    char *txt = cJSON_PrintUnformatted(j);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"ev\":\"oversize\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"total\":2097152"));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"ev\":\"partial\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"code\":1006"));
    free(txt);
    cJSON_Delete(j);
    cJSON *m = cJSON_CreateObject();
    CU_ASSERT_EQUAL(pl_session_send(s, "agent", m), -1); /* closed: nothing goes out */
    cJSON_Delete(m);
    fh_reset(&f);
    pl_session_free(s);
    pl_profile_free(p);
}

static void test_deferred_close(void)
{
    fake_host f;
    pl_profile *p = load_profile(NULL);
    pl_session *s = open_session(&f, p);
    f.close_sync = 1; /* the host reports the disconnect from inside close() */
    input(s, "{\"op\":\"datachannel\",\"data\":\"{\\\"t\\\":\\\"close\\\"}\"}");
    CU_ASSERT_EQUAL(f.closed_code, 1000);
    CU_ASSERT_EQUAL(g_closed, 1); /* ran once, after behave() returned (ASan checks) */
    g_closed = 0;
    fh_reset(&f);
    pl_session_free(s);
    pl_profile_free(p);
}

static void test_behaviour_precedence(void)
{
    fake_host f;
    pl_profile *p = load_profile(NULL);
    pl_session *s = open_session(&f, p);
    CU_ASSERT_EQUAL(pl_session_behaviour(s, "pong"), 1);
    CU_ASSERT_EQUAL(pl_session_behaviour(s, "quiet"), 0);
    CU_ASSERT_EQUAL(pl_session_behaviour(s, "nonesuch"), 0);
    CU_ASSERT_EQUAL(pl_session_set_behaviour(s, "nonesuch", 1), -1);
    CU_ASSERT_EQUAL(pl_session_set_behaviour(s, "pong", 0), 0);
    size_t before = f.nout;
    input(s, "{\"op\":\"datachannel\",\"data\":\"{\\\"t\\\":\\\"ping\\\"}\"}");
    CU_ASSERT_EQUAL(f.nout, before); /* switched off: no pong */
    fh_reset(&f);
    pl_session_free(s);
    pl_profile_free(p);
}

static void test_leave_closes(void)
{
    fake_host f;
    pl_profile *p = load_profile(NULL);
    pl_session *s = open_session(&f, p);
    input(s, "{\"op\":\"leave\"}");
    CU_ASSERT_EQUAL(f.closed_code, 1000);
    fh_reset(&f);
    pl_session_free(s);
    CU_ASSERT_EQUAL(g_closed, 1);
    g_closed = 0;
    pl_profile_free(p);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"bridge joined event comes first", test_joined_first},
        {"bridge frame problems are findings, one each", test_bridge_findings},
        {"journal and findings are bounded", test_journal_bounded},
        {"oversize and partial messages are kept", test_oversize_and_partial},
        {"close from a hook is deferred", test_deferred_close},
        {"behaviour: session over profile over default", test_behaviour_precedence},
        {"leave closes with 1000", test_leave_closes},
        {NULL, NULL},
    };
    return pl_test_main("session", cases);
}
