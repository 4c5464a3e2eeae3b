/* test_volc_rules.c — the volc rules (mock/dialects/volc_rules.c), data-driven through the
 * shared harness (pl_rules_data.h).
 *
 * Each tests/data/volc/rules/NAME.jsonl is one session (the harness's format: opts, covers,
 * event lines, an expect line). Before any room line the room is user "user_1" with the bot
 * "voiceChat_user_1". Event lines:
 *   {"opts":{"max_tlv_bytes":65536,"func_timeout_ms":10000}}          optional, first
 *   {"room":{"user":"user_1","bot":"bot_2"}}     pl_volc_rules_room(); "bot":null: no bot
 *   {"t_ms":0,"up":"ctrl","value":{…}}           a client TLV: the bridge frame {"op":
 *        "user_binary","to":<bot>,"data_b64":…} through pl_volc_rules_frame(), then the TLV
 *        (magic = the "up" string, its first 4 bytes, space-padded) through
 *        pl_volc_rules_message(c2a) with its raw bytes, decoded and classified as the
 *        dialect does (docs/dev/volc-spec.md "Message kinds")
 *   {"t_ms":0,"down":"conv","value":{…}}         an agent TLV (no frame), message(a2c)
 *     members of up/down lines: "value" an object (sent as unformatted JSON) or a string
 *     (sent as its bytes); "hex" the value bytes in hex instead; "length" the header length
 *     to write; "size":N pads the object value ("pad" member) so the TLV is exactly N bytes;
 *     "to" the frame's "to" (null: left out), "noframe":true; "kind" overrides the
 *     classification; "schema_ok" (0 reported, 1 passed; absent -1); "repeat":N with
 *     "every_ms":D. Shorthands for the agent: "down":"conv" with "round":R,"code":C (a full
 *     conv value, TaskId "task_1"); "down":"subv" with "data":[{…}] (each entry over the
 *     defaults text "…", language "zh", userId <bot>, sequence 0, definite/paragraph false);
 *     "down":"tool" with "calls":["call_1",…] (get_current_weather calls)
 *   {"t_ms":0,"dir":"c2a","hex":"7375"}          raw bytes as a room payload (decoded here)
 *   {"t_ms":9,"dir":"c2a","kind":"volc.callback.answer","msg":{…}}   a record as is
 *   {"t_ms":40,"tick":true}
 *   {"command":{…},"ret":0,"canon":"interrupt"}  pl_volc_check_command(); ret and canon
 *        (null: none) are asserted when given
 * The suite checks that every catalog rule but the cloud's (volc.api.*,
 * volc.task.not_stopped) has a triggering and a clean case. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pl_buf.h"
#include "core/pl_utf8.h"
#include "mock/dialects/volc_rules.h"
#include "pl_rules_data.h"
#include "pl_test.h"

#ifndef PL_RULES_DATA_LINKED
#include "pl_rules_data.c" /* until tests/CMakeLists.txt links it into every unit test */
#endif

#define RULES_DIR "tests/data/volc/rules"

typedef struct {
    pl_volc_rules *r;
    char user[64], bot[64]; /* bot "" = none */
} vstate;

static const char *const exempt[] = {"volc.api.", "volc.task.", NULL};

/* ---- building TLVs ------------------------------------------------------------------- */

static void merge(cJSON *o, const cJSON *extra)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, extra)
    {
        cJSON_DeleteItemFromObjectCaseSensitive(o, e->string);
        if (!cJSON_IsNull(e))
            cJSON_AddItemToObject(o, e->string, cJSON_Duplicate(e, 1));
    }
}

/* The value of an agent shorthand line, or NULL. */
static cJSON *shorthand(const cJSON *ln, const char *magic, const vstate *v, long long t_us)
{
    if (!strcmp(magic, "conv") && pl_rules_member(ln, "code")) {
        static const char *const desc[] = {"error",     "listening",   "thinking",
                                           "answering", "interrupted", "answerFinish"};
        int code = (int)pl_rules_num(ln, "code", 0);
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "TaskId", "task_1");
        cJSON_AddStringToObject(m, "UserID", v->bot);
        cJSON_AddNumberToObject(m, "RoundID", pl_rules_num(ln, "round", 0));
        cJSON_AddNumberToObject(m, "EventTime", (double)(1765769502847LL + t_us / 1000));
        cJSON *st = cJSON_AddObjectToObject(m, "Stage");
        cJSON_AddItemToObject(st, "Code", cJSON_Duplicate(pl_rules_member(ln, "code"), 1));
        cJSON_AddStringToObject(st, "Description", code >= 0 && code <= 5 ? desc[code] : "?");
        return m;
    }
    if (!strcmp(magic, "subv") && pl_rules_member(ln, "data")) {
        cJSON *m = cJSON_CreateObject(), *e;
        cJSON_AddStringToObject(m, "type", "subtitle");
        cJSON *data = cJSON_AddArrayToObject(m, "data");
        cJSON_ArrayForEach(e, pl_rules_member(ln, "data"))
        {
            cJSON *d = cJSON_CreateObject();
            cJSON_AddStringToObject(d, "text", "…");
            cJSON_AddStringToObject(d, "language", "zh");
            cJSON_AddStringToObject(d, "userId", v->bot);
            cJSON_AddNumberToObject(d, "sequence", 0);
            cJSON_AddBoolToObject(d, "definite", 0);
            cJSON_AddBoolToObject(d, "paragraph", 0);
            merge(d, e);
            cJSON_AddItemToArray(data, d);
        }
        return m;
    }
    if (!strcmp(magic, "tool") && pl_rules_member(ln, "calls")) {
        cJSON *m = cJSON_CreateObject(), *e;
        cJSON_AddStringToObject(m, "subscriber_user_id", "");
        cJSON *calls = cJSON_AddArrayToObject(m, "tool_calls");
        cJSON_ArrayForEach(e, pl_rules_member(ln, "calls"))
        {
            cJSON *c = cJSON_CreateObject();
            cJSON_AddItemToObject(c, "id", cJSON_Duplicate(e, 1));
            cJSON_AddStringToObject(c, "type", "function");
            cJSON *f = cJSON_AddObjectToObject(c, "function");
            cJSON_AddStringToObject(f, "name", "get_current_weather");
            cJSON_AddStringToObject(f, "arguments", "{\"location\": \"北京市\"}");
            cJSON_AddItemToArray(calls, c);
        }
        return m;
    }
    return NULL;
}

static int hex_bytes(const char *h, pl_buf *b)
{
    for (size_t i = 0; h[i]; i += 2) {
        unsigned v;
        if (!h[i + 1] || sscanf(h + i, "%2x", &v) != 1)
            return -1;
        pl_buf_putc(b, (char)v);
    }
    return 0;
}

/* The TLV of an up/down line into b; 0, or -1 on a bad line. */
static int build_tlv(const cJSON *ln, const char *magic, const vstate *v, long long t_us, pl_buf *b)
{
    pl_buf val = PL_BUF_INIT;
    const cJSON *value = pl_rules_member(ln, "value"), *hex = pl_rules_member(ln, "hex");
    cJSON *own = value ? NULL : shorthand(ln, magic, v, t_us);
    if (own)
        value = own;
    if (cJSON_IsString(hex)) {
        if (hex_bytes(hex->valuestring, &val) < 0) {
            pl_buf_free(&val);
            return -1;
        }
    } else if (cJSON_IsString(value)) {
        pl_buf_puts(&val, value->valuestring);
    } else if (value) {
        cJSON *copy = cJSON_Duplicate(value, 1);
        char *text = cJSON_PrintUnformatted(copy);
        size_t want = (size_t)pl_rules_num(ln, "size", 0);
        if (want && cJSON_IsObject(copy)) {
            size_t have = strlen(text) + 8, extra = copy->child ? 9 : 8; /* [,]"pad":"" */
            if (want < have + extra) {
                free(text);
                cJSON_Delete(copy);
                cJSON_Delete(own);
                return -1;
            }
            char *pad = pl_xmalloc(want - have - extra + 1);
            memset(pad, 'x', want - have - extra);
            pad[want - have - extra] = '\0';
            cJSON_AddStringToObject(copy, "pad", pad);
            free(pad);
            free(text);
            text = cJSON_PrintUnformatted(copy);
            if (strlen(text) + 8 != want) { /* the padding missed: a bad line */
                free(text);
                cJSON_Delete(copy);
                cJSON_Delete(own);
                return -1;
            }
        }
        pl_buf_puts(&val, text);
        free(text);
        cJSON_Delete(copy);
    }
    cJSON_Delete(own);
    char m[4] = {' ', ' ', ' ', ' '};
    memcpy(m, magic, strlen(magic) < 4 ? strlen(magic) : 4);
    size_t n = val.len;
    double hdr = pl_rules_num(ln, "length", (double)n);
    unsigned long h = (unsigned long)hdr;
    unsigned char head[8] = {(unsigned char)m[0],      (unsigned char)m[1],
                             (unsigned char)m[2],      (unsigned char)m[3],
                             (unsigned char)(h >> 24), (unsigned char)(h >> 16),
                             (unsigned char)(h >> 8),  (unsigned char)h};
    pl_buf_append(b, head, 8);
    if (n)
        pl_buf_append(b, val.data, n);
    pl_buf_free(&val);
    return 0;
}

/* The dialect's decode and classify (volc-spec.md "Message kinds"), mirrored. */
static cJSON *decode(const unsigned char *p, size_t len, char *kind, size_t cap)
{
    static const char *const magics[] = {"subv", "conv", "tool", "func", "ctrl"};
    if (len < 8) {
        snprintf(kind, cap, "volc.malformed");
        return NULL;
    }
    char magic[5];
    for (int i = 0; i < 4; i++)
        magic[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    magic[4] = '\0';
    unsigned long hdr =
        (unsigned long)p[4] << 24 | (unsigned long)p[5] << 16 | (unsigned long)p[6] << 8 | p[7];
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "magic", magic);
    cJSON_AddNumberToObject(m, "length", (double)hdr);
    cJSON *v = pl_utf8_valid(p + 8, len - 8, NULL)
                   ? cJSON_ParseWithLength((const char *)p + 8, len - 8)
                   : NULL;
    if (v) {
        cJSON_AddItemToObject(m, "value", v);
    } else {
        char *t = pl_xmalloc(len + 8);
        pl_utf8_quote(t, len + 8, (const char *)p + 8, len - 8);
        cJSON_AddStringToObject(m, "text", t);
        free(t);
    }
    snprintf(kind, cap, "volc.unknown");
    for (int i = 0; i < 5; i++)
        if (!strcmp(magic, magics[i]))
            snprintf(kind, cap, "volc.%s", magics[i]);
    return m;
}

static void feed_bytes(vstate *v, pl_dir dir, const cJSON *ln, const unsigned char *p, size_t len,
                       long long t, pl_rules_run *run)
{
    char kind[64];
    cJSON *m = decode(p, len, kind, sizeof kind);
    const cJSON *kg = pl_rules_member(ln, "kind");
    if (cJSON_IsString(kg))
        snprintf(kind, sizeof kind, "%s", kg->valuestring);
    pl_volc_rules_message(v->r, dir, kind, m, p, len, (int)pl_rules_num(ln, "schema_ok", -1), t,
                          run->emit, run->user);
    cJSON_Delete(m);
}

static int feed_tlv(vstate *v, const cJSON *ln, long long t, pl_rules_run *run)
{
    const cJSON *up = pl_rules_member(ln, "up"), *down = pl_rules_member(ln, "down");
    const cJSON *magic = up ? up : down;
    if (!cJSON_IsString(magic))
        return -1;
    pl_buf b = PL_BUF_INIT;
    if (build_tlv(ln, magic->valuestring, v, t, &b) < 0) {
        pl_buf_free(&b);
        return -1;
    }
    if (up && !cJSON_IsTrue(pl_rules_member(ln, "noframe"))) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "op", "user_binary");
        const cJSON *to = pl_rules_member(ln, "to");
        if (to && !cJSON_IsNull(to))
            cJSON_AddItemToObject(f, "to", cJSON_Duplicate(to, 1));
        else if (!to)
            cJSON_AddStringToObject(f, "to", v->bot[0] ? v->bot : "voiceChat_user_1");
        cJSON_AddStringToObject(f, "data_b64", "(not decoded by the rules)");
        pl_volc_rules_frame(v->r, PL_DIR_C2A, f, t, run->emit, run->user);
        cJSON_Delete(f);
    }
    feed_bytes(v, up ? PL_DIR_C2A : PL_DIR_A2C, ln, (const unsigned char *)b.data, b.len, t, run);
    pl_buf_free(&b);
    return 0;
}

static void set_room(vstate *v, const cJSON *spec)
{
    const cJSON *u = pl_rules_member(spec, "user"), *b = pl_rules_member(spec, "bot");
    snprintf(v->user, sizeof v->user, "%s", cJSON_IsString(u) ? u->valuestring : "");
    snprintf(v->bot, sizeof v->bot, "%s", cJSON_IsString(b) ? b->valuestring : "");
    pl_volc_rules_room(v->r, cJSON_IsString(u) ? u->valuestring : NULL,
                       cJSON_IsString(b) ? b->valuestring : NULL);
}

/* ---- the dialect's callbacks for the harness ----------------------------------------- */

static void *v_open(const cJSON *opts, pl_rules_run *run)
{
    (void)run;
    pl_volc_rules_opts o;
    pl_volc_rules_opts_init(&o);
    o.max_tlv_bytes = (size_t)pl_rules_num(opts, "max_tlv_bytes", (double)o.max_tlv_bytes);
    o.func_timeout_us = pl_rules_ms(opts, "func_timeout_ms", o.func_timeout_us);
    vstate *v = pl_xcalloc(1, sizeof *v);
    v->r = pl_volc_rules_new(&o);
    cJSON *dflt = cJSON_Parse("{\"user\":\"user_1\",\"bot\":\"voiceChat_user_1\"}");
    set_room(v, dflt);
    cJSON_Delete(dflt);
    return v;
}

static void v_close(void *st)
{
    vstate *v = st;
    pl_volc_rules_free(v->r);
    free(v);
}

static int feed_command(const cJSON *ln, pl_rules_run *run)
{
    const char *canon = "(unset)";
    int ret = pl_volc_check_command(pl_rules_member(ln, "command"), &canon, run->emit, run->user);
    const cJSON *want_ret = pl_rules_member(ln, "ret"), *want_canon = pl_rules_member(ln, "canon");
    if (cJSON_IsNumber(want_ret))
        pl_rules_check(run, ret == want_ret->valueint,
                       "pl_volc_check_command returned %d, "
                       "expected %d",
                       ret, want_ret->valueint);
    if (want_canon) {
        const char *w = cJSON_IsString(want_canon) ? want_canon->valuestring : NULL;
        pl_rules_check(run, w ? canon && !strcmp(canon, w) : canon == NULL,
                       "canon \"%s\", expected \"%s\"", canon ? canon : "(null)", w ? w : "(null)");
    }
    return 0;
}

static int v_feed(void *st, const cJSON *ln, pl_rules_run *run)
{
    vstate *v = st;
    if (pl_rules_member(ln, "room")) {
        set_room(v, pl_rules_member(ln, "room"));
        return 0;
    }
    if (pl_rules_member(ln, "command"))
        return feed_command(ln, run);
    long long t = pl_rules_ms(ln, "t_ms", -1);
    if (t < 0)
        return -1;
    if (cJSON_IsTrue(pl_rules_member(ln, "tick"))) {
        pl_volc_rules_tick(v->r, t, run->emit, run->user);
        return 0;
    }
    if (pl_rules_member(ln, "up") || pl_rules_member(ln, "down")) {
        int n = (int)pl_rules_num(ln, "repeat", 1);
        long long every = pl_rules_ms(ln, "every_ms", 0);
        for (int i = 0; i < n; i++)
            if (feed_tlv(v, ln, t + i * every, run) < 0)
                return -1;
        return 0;
    }
    const cJSON *dir = pl_rules_member(ln, "dir"), *kind = pl_rules_member(ln, "kind");
    const cJSON *msg = pl_rules_member(ln, "msg"), *hex = pl_rules_member(ln, "hex");
    if (!cJSON_IsString(dir))
        return -1;
    pl_dir d = strcmp(dir->valuestring, "c2a") == 0 ? PL_DIR_C2A : PL_DIR_A2C;
    if (cJSON_IsString(hex)) {
        pl_buf b = PL_BUF_INIT;
        int rc = hex_bytes(hex->valuestring, &b);
        if (!rc)
            feed_bytes(v, d, ln, (const unsigned char *)(b.data ? b.data : ""), b.len, t, run);
        pl_buf_free(&b);
        return rc;
    }
    if (!cJSON_IsString(kind) || !msg)
        return -1;
    char *raw = cJSON_PrintUnformatted(msg);
    pl_volc_rules_message(v->r, d, kind->valuestring, msg, raw, strlen(raw),
                          (int)pl_rules_num(ln, "schema_ok", -1), t, run->emit, run->user);
    free(raw);
    return 0;
}

static const pl_rules_dialect volc_data = {"volc", NULL, exempt, v_open, v_feed, v_close};

/* ---- suites ------------------------------------------------------------------------- */

static pl_rules_suite *suite;

static void test_rules_files(void)
{
    pl_rules_suite_run_dir(suite, RULES_DIR);
}

/* Runs after the files: every rule but the cloud's has a triggering and a clean case. */
static void test_coverage(void)
{
    pl_rules_suite_coverage(suite);
}

static void test_catalog(void)
{
    const pl_rule_info *cat = pl_volc_rules_catalog();
    int n = 0, cloud = 0;
    for (const pl_rule_info *i = cat; i->rule; i++, n++) {
        CU_ASSERT(strncmp(i->rule, "volc.", 5) == 0);
        CU_ASSERT(i->level == PL_LEVEL_MUST || i->level == PL_LEVEL_SHOULD);
        CU_ASSERT(i->source && strstr(i->source, "volc.md §"));
        CU_ASSERT(i->description && i->description[0]);
        CU_ASSERT(pl_volc_rule(i->rule) == i);
        cloud += strncmp(i->rule, "volc.api.", 9) == 0 || strncmp(i->rule, "volc.task.", 10) == 0;
        for (const pl_rule_info *j = cat; j < i; j++)
            CU_ASSERT(strcmp(i->rule, j->rule) != 0);
    }
    CU_ASSERT_EQUAL(n, 32); /* the list in docs/rules-volc.md */
    CU_ASSERT_EQUAL(cloud, 11);
    CU_ASSERT_PTR_NULL(pl_volc_rule("volc.nope"));
    CU_ASSERT_PTR_NULL(pl_volc_rule(NULL));
    /* the levels the spec gives */
    static const char *const should[] = {"volc.func.timeout",     "volc.func.legacy_magic",
                                         "volc.command.case",     "volc.subv.sequence",
                                         "volc.key_case",         "volc.callback.status",
                                         "volc.callback.timeout", "volc.api.task_not_found",
                                         "volc.task.not_stopped", NULL};
    int ns = 0;
    for (const pl_rule_info *i = cat; i->rule; i++) {
        int want = 0;
        for (const char *const *s = should; *s; s++)
            want |= strcmp(*s, i->rule) == 0;
        ns += want;
        if ((i->level == PL_LEVEL_SHOULD) != want)
            fprintf(stderr, "  %s is %s\n", i->rule, pl_level_name(i->level));
        CU_ASSERT((i->level == PL_LEVEL_SHOULD) == want);
    }
    CU_ASSERT_EQUAL(ns, 9);
}

/* docs/rules-volc.md lists every rule, as | `id` | level |. */
static void test_doc_lists_rules(void)
{
    char err[256], want[128];
    char *doc = pl_file_read("docs/rules-volc.md", NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    for (const pl_rule_info *i = pl_volc_rules_catalog(); i->rule; i++) {
        snprintf(want, sizeof want, "| `%s` | %s |", i->rule, pl_level_name(i->level));
        if (!strstr(doc, want))
            fprintf(stderr, "  docs/rules-volc.md lacks the row %s\n", want);
        CU_ASSERT_PTR_NOT_NULL(strstr(doc, want));
    }
    free(doc);
}

/* ---- C-level edges ------------------------------------------------------------------- */

typedef struct {
    int n;
    char last[64];
    char text[2048];
} counter;

static void count_finding(void *user, const pl_finding *f)
{
    counter *c = user;
    c->n++;
    snprintf(c->last, sizeof c->last, "%s", f->rule);
    size_t l = strlen(c->text);
    snprintf(c->text + l, sizeof c->text - l, "%s: %s\n", f->rule, f->message);
}

/* A decoded TLV message as the dialect passes it, with its raw bytes in *raw. */
static cJSON *tlv(const char *magic, const char *value_json, unsigned char **raw, size_t *len)
{
    size_t n = strlen(value_json);
    *raw = pl_xmalloc(n + 8);
    memcpy(*raw, magic, 4);
    (*raw)[4] = (unsigned char)(n >> 24);
    (*raw)[5] = (unsigned char)(n >> 16);
    (*raw)[6] = (unsigned char)(n >> 8);
    (*raw)[7] = (unsigned char)n;
    memcpy(*raw + 8, value_json, n);
    *len = n + 8;
    char kind[64];
    return decode(*raw, *len, kind, sizeof kind);
}

static void send_tlv(pl_volc_rules *r, pl_dir dir, const char *kind, const char *magic,
                     const char *value, int64_t t, counter *c)
{
    unsigned char *raw;
    size_t len;
    cJSON *m = tlv(magic, value, &raw, &len);
    pl_volc_rules_message(r, dir, kind, m, raw, len, 1, t, c ? count_finding : NULL, c);
    cJSON_Delete(m);
    free(raw);
}

static void test_api_edges(void)
{
    pl_volc_rules_opts o;
    pl_volc_rules_opts_init(&o);
    CU_ASSERT_EQUAL(o.max_tlv_bytes, 65536);
    CU_ASSERT_EQUAL(o.func_timeout_us, 10000000);
    pl_volc_rules_free(NULL);
    pl_volc_rules *r = pl_volc_rules_new(NULL);
    counter c = {0, "", ""};
    pl_volc_rules_room(r, "user_1", "bot_1");
    /* no callback: nothing reported, the state still advances (the call is pending) */
    send_tlv(r, PL_DIR_A2C, "volc.tool", "tool",
             "{\"tool_calls\":[{\"id\":\"call_a\",\"type\":\"function\",\"function\":"
             "{\"name\":\"f\",\"arguments\":\"{}\"}}]}",
             0, NULL);
    send_tlv(r, PL_DIR_C2A, "volc.func", "func", "{\"ToolCallID\":\"call_a\",\"Content\":\"x\"}",
             1000, &c);
    CU_ASSERT_EQUAL(c.n, 0);
    /* NULL kind and NULL message: a malformed payload */
    pl_volc_rules_message(r, PL_DIR_C2A, NULL, NULL, "abc", 3, -1, 2000, count_finding, &c);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT_STRING_EQUAL(c.last, "volc.tlv.short");
    /* kinds without rules pass; a tick without pending calls does nothing */
    cJSON *m = cJSON_Parse("{\"ResponseMetadata\":{}}");
    pl_volc_rules_message(r, PL_DIR_A2C, "volc.api.error", m, NULL, 0, 1, 3000, count_finding, &c);
    pl_volc_rules_tick(r, 100000000, count_finding, &c);
    cJSON_Delete(m);
    CU_ASSERT_EQUAL(c.n, 1);
    /* the tool-call ring is bounded: 64 calls remembered, the 65th back evicts the first */
    char v[256];
    for (int i = 0; i < 65; i++) {
        snprintf(v, sizeof v,
                 "{\"tool_calls\":[{\"id\":\"call_%d\",\"function\":{\"name\":"
                 "\"f\"}}]}",
                 i);
        send_tlv(r, PL_DIR_A2C, "volc.tool", "tool", v, 200000000 + i, &c);
    }
    send_tlv(r, PL_DIR_C2A, "volc.func", "func", "{\"ToolCallID\":\"call_64\",\"Content\":\"x\"}",
             200000100, &c);
    send_tlv(r, PL_DIR_C2A, "volc.func", "func", "{\"ToolCallID\":\"call_1\",\"Content\":\"x\"}",
             200000101, &c);
    CU_ASSERT_EQUAL(c.n, 1);
    send_tlv(r, PL_DIR_C2A, "volc.func", "func", "{\"ToolCallID\":\"call_0\",\"Content\":\"x\"}",
             200000102, &c);
    CU_ASSERT_EQUAL(c.n, 2);
    CU_ASSERT_STRING_EQUAL(c.last, "volc.func.unknown_id");
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "only the last 64 tool calls are remembered"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "62 pending, the latest \"call_63\" (f)"));
    /* the 62 still pending time out once each; a second tick is quiet */
    pl_volc_rules_tick(r, 200000000 + 10000001 + 64, count_finding, &c);
    CU_ASSERT_EQUAL(c.n, 64);
    pl_volc_rules_tick(r, 300000000, count_finding, &c);
    CU_ASSERT_EQUAL(c.n, 64);
    pl_volc_rules_free(r);

    /* check_command: NULL emit and NULL canon; canon is static and set even on failure */
    const char *canon = "x";
    cJSON *cmd = cJSON_Parse("{\"Command\":\"ExternalTextToSpeech\",\"Message\":\"hi\"}");
    CU_ASSERT_EQUAL(pl_volc_check_command(cmd, &canon, NULL, NULL), -1);
    CU_ASSERT_STRING_EQUAL(canon, "ExternalTextToSpeech");
    CU_ASSERT_EQUAL(pl_volc_check_command(cmd, NULL, NULL, NULL), -1);
    cJSON_Delete(cmd);
    CU_ASSERT_EQUAL(pl_volc_check_command(NULL, &canon, NULL, NULL), -1);
    CU_ASSERT_PTR_NULL(canon);

    /* the shared report helper: catalog level and source, unknown ids and NULL emit ignored */
    counter k = {0, "", ""};
    pl_volc_report(count_finding, &k, "volc.api.signature", "signature %s", "bad");
    pl_volc_report(count_finding, &k, "volc.nope", "x");
    pl_volc_report(NULL, NULL, "volc.api.signature", "x");
    CU_ASSERT_EQUAL(k.n, 1);
    CU_ASSERT_STRING_EQUAL(k.text, "volc.api.signature: signature bad\n");
}

/* The state is fixed size and the work per message flat: 100000 rounds of conv 3, 5 and
 * subtitles, 100000 tool calls answered. Prints the cost per message; the bound is loose. */
static void test_many_messages(void)
{
    counter c = {0, "", ""};
    pl_volc_rules *r = pl_volc_rules_new(NULL);
    pl_volc_rules_room(r, "user_1", "bot_1");
    char v[256], id[32];
    clock_t t0 = clock();
    int msgs = 0;
    for (int i = 0; i < 100000; i++) {
        int64_t t = (int64_t)i * 1000;
        snprintf(v, sizeof v, "{\"TaskId\":\"t\",\"RoundID\":%d,\"Stage\":{\"Code\":3}}", i);
        send_tlv(r, PL_DIR_A2C, "volc.conv", "conv", v, t, &c);
        snprintf(v, sizeof v,
                 "{\"type\":\"subtitle\",\"data\":[{\"userId\":\"bot_1\","
                 "\"sequence\":%d,\"roundId\":%d,\"definite\":true}]}",
                 i, i);
        send_tlv(r, PL_DIR_A2C, "volc.subv", "subv", v, t, &c);
        snprintf(v, sizeof v, "{\"TaskId\":\"t\",\"RoundID\":%d,\"Stage\":{\"Code\":5}}", i);
        send_tlv(r, PL_DIR_A2C, "volc.conv", "conv", v, t, &c);
        snprintf(id, sizeof id, "call_%d", i);
        snprintf(v, sizeof v, "{\"tool_calls\":[{\"id\":\"%s\",\"function\":{\"name\":\"f\"}}]}",
                 id);
        send_tlv(r, PL_DIR_A2C, "volc.tool", "tool", v, t, &c);
        snprintf(v, sizeof v, "{\"ToolCallID\":\"%s\",\"Content\":\"ok\"}", id);
        send_tlv(r, PL_DIR_C2A, "volc.func", "func", v, t + 1, &c);
        pl_volc_rules_tick(r, t + 2, count_finding, &c);
        msgs += 5;
    }
    double us = (double)(clock() - t0) * 1e6 / CLOCKS_PER_SEC / msgs;
    CU_ASSERT_EQUAL(c.n, 0);
    if (c.n)
        fprintf(stderr, "%s", c.text);
    printf("\n  %.2f us per message (decode included)\n", us);
    CU_ASSERT(us < 200);
    pl_volc_rules_free(r);
}

int main(void)
{
    pl_rules_dialect d = volc_data;
    d.catalog = pl_volc_rules_catalog();
    suite = pl_rules_suite_new(&d);
    static const pl_test_case cases[] = {
        {"catalog", test_catalog},
        {"doc_lists_rules", test_doc_lists_rules},
        {"rules_files", test_rules_files},
        {"coverage", test_coverage},
        {"api_edges", test_api_edges},
        {"many_messages", test_many_messages},
        {NULL, NULL},
    };
    int rc = pl_test_main("volc_rules", cases);
    pl_rules_suite_free(suite);
    return rc;
}
