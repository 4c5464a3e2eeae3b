/* test_trtc_rules.c — the TRTC rules (mock/dialects/trtc_rules.c) and upstream answer checks
 * (mock/dialects/trtc_upstream.c), data-driven.
 *
 * Rules: each tests/data/trtc/rules/NAME.jsonl is one session: one JSON object per line, in
 * time order ('#' lines and blank lines are comments):
 *   {"opts":{"max_custom_bytes":1000,"max_msgs_per_s":30,"max_bytes_per_s":8192,
 *            "callback_timeout_ms":5000}}           optional, first
 *   {"covers":["trtc.custom.rate",…]}                rules a clean file exercises
 *   {"room":{"user":"user_1","bot":"ai_1"}}          pl_trtc_rules_room(); "bot":null: no bot.
 *        Before any room line the room is user "user_1" with bot "ai_1".
 *   {"t_ms":0,"up":20000,"payload":{…}}              a client custom message: the bridge frame
 *        {"op":"custom_cmd","cmdId":2,"reliable":true,"ordered":true,"data":<text>} through
 *        pl_trtc_rules_frame(), then the payload {"type":20000,"sender":<user>,"receiver":
 *        [<bot>],"payload":…} through pl_trtc_rules_message()
 *   {"t_ms":5,"down":10001,"payload":{…}}            an agent custom message: frame {"event":
 *        "custom_cmd","from":<bot>,"cmdId":1,"data":<text>}, payload {"type":10001,"sender":
 *        <bot>,"receiver":[],"payload":…}
 *     members of up/down lines: "env" merges into the envelope and "frame" into the frame (a
 *     null member deletes), "size":N pads the data to exactly N bytes (a top-level "pad"
 *     string), "data":"text" replaces the data, "noframe":true skips the frame call,
 *     "repeat":N with "every_ms":D sends the line N times, "kind" overrides the
 *     classification, "schema_ok" (0 reported, 1 passed; absent: -1)
 *   {"t_ms":9,"dir":"c2a","kind":"trtc.callback.answer","msg":{…}}   a payload as is
 *   {"t_ms":40,"tick":true}
 *   {"expect":["trtc.…",…],"expect_text":["substring",…]}   last line
 * A custom payload is classified as the dialect does (docs/dev/trtc-spec.md): trtc.<type>
 * for the seven types, trtc.legacy for a string type, trtc.unknown, trtc.malformed.
 *
 * Upstream: tests/data/trtc/upstream/llm/NAME.sse (streaming) and NAME.json (not) are LLM
 * answers: a first line "#! {…}" then the body, byte for byte. The header gives "status"
 * (200), "content_type" (by extension; null: none), "streaming" (by extension),
 * "crlf":true (the body's LF become CRLF), "cr":true (… become CR), "strip_final_newline",
 * "expect"/"expect_text"/"covers" as above, and the result: "text", "metainfo", "failed",
 * "code", "message". tests/data/trtc/upstream/tts/NAME.jsonl hold TTS cases, one per line:
 * {"name":…,"want":{"format","sample_rate","channels"},"status":200,"content_type":…,
 * "chunked":true,"body":B,"duration_ms":D,"expect":[…],…} with B one of {"$wav":{"rate",
 * "channels","bits","tag","ms"|"bytes","data_size","no_fmt","no_data","list"}} (a WAV with
 * a fmt chunk, an optional LIST chunk, and a data chunk; data_size "stream" writes
 * 0xFFFFFFFF), {"$pcm":{"rate","channels","ms"}|N bytes}, {"$hex":"…","pad":N},
 * {"$text":"…"}.
 *
 * expect is the exact multiset of rule ids emitted; each expect_text must occur in some
 * finding's message. The suite checks that every catalog rule (but the cloud's trtc.api.*)
 * has a failing case and a clean case (expect [] with the rule in covers). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pl_buf.h"
#include "mock/dialects/trtc_rules.h"
#include "mock/dialects/trtc_upstream.h"
#include "pl_test.h"

#define RULES_DIR "tests/data/trtc/rules"
#define LLM_DIR "tests/data/trtc/upstream/llm"
#define TTS_DIR "tests/data/trtc/upstream/tts"
#define MAX_RULES 96

/* ---- findings ----------------------------------------------------------------------- */

typedef struct {
    char **ids;
    size_t n, cap;
    pl_buf text; /* every message, one per line */
    int bad;     /* a finding not matching the catalog */
} collect;

#define COLLECT_INIT {NULL, 0, 0, PL_BUF_INIT, 0}

static int rule_index(const char *id)
{
    int k = 0;
    for (const pl_rule_info *i = pl_trtc_rules_catalog(); i->rule; i++, k++)
        if (strcmp(i->rule, id) == 0)
            return k;
    return -1;
}

static void on_finding(void *user, const pl_finding *f)
{
    collect *c = user;
    const pl_rule_info *i = pl_trtc_rule(f->rule);
    if (!i || i->level != f->level || i->source != f->source || !f->message[0] ||
        strlen(f->message) >= sizeof f->message - 1) {
        fprintf(stderr, "  finding %s does not match the catalog (or its message was cut)\n",
                f->rule);
        c->bad = 1;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 8;
        c->ids = pl_xrealloc(c->ids, c->cap * sizeof *c->ids);
    }
    c->ids[c->n++] = pl_xstrdup(f->rule);
    pl_buf_printf(&c->text, "%s: %s\n", f->rule, f->message);
}

static void collect_free(collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->ids[i]);
    free(c->ids);
    pl_buf_free(&c->text);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const cJSON *member(const cJSON *o, const char *name)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

static double num_opt(const cJSON *o, const char *name, double dflt)
{
    const cJSON *v = member(o, name);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) != 0;
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static int64_t ms_opt(const cJSON *o, const char *name, int64_t dflt_us)
{
    const cJSON *v = member(o, name);
    return cJSON_IsNumber(v) ? (int64_t)(v->valuedouble * 1000) : dflt_us;
}

/* ---- expectations and coverage ------------------------------------------------------ */

typedef struct {
    int negative[MAX_RULES];
    int clean[MAX_RULES];
    int asserts, cases;
} coverage;

/* Compares the emitted multiset with hdr's expect and its expect_text; records coverage.
 * Returns 1 when it matches. */
static int check_expect(const char *name, const cJSON *hdr, collect *c, coverage *cov)
{
    const cJSON *exp = member(hdr, "expect"), *e;
    size_t ne = (size_t)cJSON_GetArraySize(exp);
    char **want = pl_xcalloc(ne + 1, sizeof *want);
    size_t k = 0;
    int ok = !c->bad;
    cov->cases++;
    cJSON_ArrayForEach(e, exp)
    {
        if (!cJSON_IsString(e) || rule_index(e->valuestring) < 0) {
            fprintf(stderr, "  %s: expect names an unknown rule\n", name);
            ok = 0;
            continue;
        }
        want[k++] = e->valuestring;
        cov->negative[rule_index(e->valuestring)] = 1;
    }
    qsort(want, k, sizeof *want, cmp_str);
    if (c->n)
        qsort(c->ids, c->n, sizeof *c->ids, cmp_str);
    int same = k == c->n;
    for (size_t i = 0; same && i < k; i++)
        same = strcmp(want[i], c->ids[i]) == 0;
    cov->asserts++;
    if (getenv("PL_TEST_VERBOSE")) /* every finding, for docs and debugging */
        printf("  %s:\n%s", name, c->text.data ? c->text.data : "");
    if (!same) {
        fprintf(stderr, "\n  %s: expected [", name);
        for (size_t i = 0; i < k; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", want[i]);
        fprintf(stderr, "]\n  got:\n%s", c->text.data ? c->text.data : "  (nothing)\n");
        ok = 0;
    }
    cJSON_ArrayForEach(e, member(hdr, "expect_text"))
    {
        cov->asserts++;
        if (!cJSON_IsString(e) || !c->text.data || !strstr(c->text.data, e->valuestring)) {
            fprintf(stderr, "\n  %s: no finding message contains \"%s\"; got:\n%s", name,
                    cJSON_IsString(e) ? e->valuestring : "?", c->text.data ? c->text.data : "");
            ok = 0;
        }
    }
    cJSON_ArrayForEach(e, member(hdr, "covers"))
    {
        if (!cJSON_IsString(e) || rule_index(e->valuestring) < 0) {
            fprintf(stderr, "  %s: covers names an unknown rule\n", name);
            ok = 0;
        } else if (ne == 0) {
            cov->clean[rule_index(e->valuestring)] = 1;
        }
    }
    free(want);
    return ok;
}

/* ---- rules: building messages ------------------------------------------------------- */

typedef struct {
    char user[64], bot[64]; /* bot "" = none */
} room_ids;

/* Members of extra replace those of o; a null member deletes. */
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

/* The custom message text of an up/down line (malloc'd), or NULL on a bad line. */
static char *build_data(const cJSON *ln, int type, int up, const room_ids *room)
{
    const cJSON *raw = member(ln, "data");
    if (cJSON_IsString(raw))
        return pl_xstrdup(raw->valuestring);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "type", type);
    cJSON_AddStringToObject(m, "sender", up ? room->user : room->bot);
    cJSON *rec = cJSON_AddArrayToObject(m, "receiver");
    if (up && room->bot[0])
        cJSON_AddItemToArray(rec, cJSON_CreateString(room->bot));
    const cJSON *p = member(ln, "payload");
    cJSON_AddItemToObject(m, "payload", p ? cJSON_Duplicate(p, 1) : cJSON_CreateObject());
    merge(m, member(ln, "env"));
    char *text = cJSON_PrintUnformatted(m);
    size_t want = (size_t)num_opt(ln, "size", 0), len = strlen(text);
    if (want > len) {
        if (want < len + 9) {
            fprintf(stderr, "  size %zu: too small to pad %zu bytes\n", want, len);
            free(text);
            cJSON_Delete(m);
            return NULL;
        }
        size_t k = want - len - 9; /* ,"pad":"" */
        char *pad = pl_xmalloc(k + 1);
        memset(pad, 'x', k);
        pad[k] = '\0';
        cJSON_AddStringToObject(m, "pad", pad);
        free(pad);
        free(text);
        text = cJSON_PrintUnformatted(m);
        if (strlen(text) != want) {
            fprintf(stderr, "  size %zu: padded to %zu\n", want, strlen(text));
            free(text);
            text = NULL;
        }
    }
    cJSON_Delete(m);
    return text;
}

/* The kind as the dialect classifies a custom payload (docs/dev/trtc-spec.md). */
static void classify(const cJSON *m, char *kind, size_t cap)
{
    static const int types[] = {10000, 10001, 10002, 10020, 10030, 20000, 20001};
    const cJSON *t = member(m, "type");
    if (!m) {
        snprintf(kind, cap, "trtc.malformed");
        return;
    }
    snprintf(kind, cap, "trtc.unknown");
    if (cJSON_IsString(t)) {
        snprintf(kind, cap, "trtc.legacy");
        return;
    }
    for (size_t i = 0; cJSON_IsNumber(t) && i < sizeof types / sizeof *types; i++)
        if (t->valuedouble == types[i])
            snprintf(kind, cap, "trtc.%d", types[i]);
}

/* Feeds one up/down line once. */
static int feed_custom(pl_trtc_rules *r, const cJSON *ln, int64_t t, const room_ids *room,
                       collect *c)
{
    const cJSON *up = member(ln, "up"), *down = member(ln, "down");
    int is_up = up != NULL;
    int type = (int)(is_up ? up->valuedouble : down->valuedouble);
    char *data = build_data(ln, type, is_up, room);
    if (!data)
        return -1;
    pl_dir d = is_up ? PL_DIR_C2A : PL_DIR_A2C;
    if (!cJSON_IsTrue(member(ln, "noframe"))) {
        cJSON *f = cJSON_CreateObject();
        if (is_up) {
            cJSON_AddStringToObject(f, "op", "custom_cmd");
            cJSON_AddNumberToObject(f, "cmdId", 2);
            cJSON_AddBoolToObject(f, "reliable", 1);
            cJSON_AddBoolToObject(f, "ordered", 1);
        } else {
            cJSON_AddStringToObject(f, "event", "custom_cmd");
            cJSON_AddStringToObject(f, "from", room->bot);
            cJSON_AddNumberToObject(f, "cmdId", 1);
        }
        cJSON_AddStringToObject(f, "data", data);
        merge(f, member(ln, "frame"));
        pl_trtc_rules_frame(r, d, f, t, on_finding, c);
        cJSON_Delete(f);
    }
    cJSON *m = cJSON_Parse(data);
    char kind[64];
    const cJSON *kg = member(ln, "kind");
    if (cJSON_IsString(kg))
        snprintf(kind, sizeof kind, "%s", kg->valuestring);
    else
        classify(m, kind, sizeof kind);
    pl_trtc_rules_message(r, d, kind, m, data, strlen(data), (int)num_opt(ln, "schema_ok", -1), t,
                          on_finding, c);
    cJSON_Delete(m);
    free(data);
    return 0;
}

/* Feeds one event line; returns 0, or -1 on a malformed test line. */
static int feed(pl_trtc_rules *r, const cJSON *ln, room_ids *room, collect *c)
{
    int64_t t = ms_opt(ln, "t_ms", -1);
    if (t < 0)
        return -1;
    if (cJSON_IsTrue(member(ln, "tick"))) {
        pl_trtc_rules_tick(r, t, on_finding, c);
        return 0;
    }
    if (member(ln, "up") || member(ln, "down")) {
        int n = (int)num_opt(ln, "repeat", 1);
        int64_t every = ms_opt(ln, "every_ms", 0);
        for (int i = 0; i < n; i++)
            if (feed_custom(r, ln, t + i * every, room, c) < 0)
                return -1;
        return 0;
    }
    const cJSON *dir = member(ln, "dir"), *kind = member(ln, "kind"), *msg = member(ln, "msg");
    if (!cJSON_IsString(dir) || !cJSON_IsString(kind) || !msg)
        return -1;
    char *raw = cJSON_PrintUnformatted(msg);
    pl_trtc_rules_message(r, strcmp(dir->valuestring, "c2a") == 0 ? PL_DIR_C2A : PL_DIR_A2C,
                          kind->valuestring, msg, raw, strlen(raw),
                          (int)num_opt(ln, "schema_ok", -1), t, on_finding, c);
    free(raw);
    return 0;
}

static void set_room(pl_trtc_rules *r, const cJSON *spec, room_ids *room)
{
    const cJSON *u = member(spec, "user"), *b = member(spec, "bot");
    snprintf(room->user, sizeof room->user, "%s", cJSON_IsString(u) ? u->valuestring : "");
    snprintf(room->bot, sizeof room->bot, "%s", cJSON_IsString(b) ? b->valuestring : "");
    pl_trtc_rules_room(r, cJSON_IsString(u) ? u->valuestring : NULL,
                       cJSON_IsString(b) ? b->valuestring : NULL);
}

static void parse_opts(const cJSON *o, pl_trtc_rules_opts *opts)
{
    opts->max_custom_bytes = (size_t)num_opt(o, "max_custom_bytes", (double)opts->max_custom_bytes);
    opts->max_msgs_per_s = (int)num_opt(o, "max_msgs_per_s", opts->max_msgs_per_s);
    opts->max_bytes_per_s = (size_t)num_opt(o, "max_bytes_per_s", (double)opts->max_bytes_per_s);
    opts->callback_timeout_us = ms_opt(o, "callback_timeout_ms", opts->callback_timeout_us);
}

/* Runs one rules file; returns 1 when it passes. */
static int run_rules_file(const char *name, coverage *cov)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", RULES_DIR, name);
    char *text = pl_file_read(path, NULL, err, sizeof err);
    if (!text) {
        fprintf(stderr, "  %s: %s\n", path, err);
        return 0;
    }
    pl_trtc_rules_opts opts;
    pl_trtc_rules_opts_init(&opts);
    pl_trtc_rules *r = NULL;
    room_ids room;
    collect c = COLLECT_INIT;
    cJSON *covers = NULL;
    int ok = 1, done = 0, lineno = 0;
    for (char *line = text, *next; line && ok; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (!line[0] || line[0] == '#')
            continue;
        cJSON *ln = cJSON_Parse(line);
        if (!ln || done) {
            fprintf(stderr, "  %s:%d: %s\n", name, lineno, done ? "line after expect" : "bad JSON");
            ok = 0;
        } else if (member(ln, "opts")) {
            if (r)
                ok = 0;
            else
                parse_opts(member(ln, "opts"), &opts);
        } else if (member(ln, "covers")) {
            cJSON_Delete(covers);
            covers = cJSON_DetachItemFromObjectCaseSensitive(ln, "covers");
        } else if (member(ln, "expect")) {
            if (covers)
                cJSON_AddItemToObject(ln, "covers", cJSON_Duplicate(covers, 1));
            ok = check_expect(name, ln, &c, cov);
            done = 1;
        } else {
            if (!r) {
                r = pl_trtc_rules_new(&opts);
                cJSON *dflt = cJSON_Parse("{\"user\":\"user_1\",\"bot\":\"ai_1\"}");
                set_room(r, dflt, &room);
                cJSON_Delete(dflt);
            }
            if (member(ln, "room")) {
                set_room(r, member(ln, "room"), &room);
            } else if (feed(r, ln, &room, &c) < 0) {
                fprintf(stderr, "  %s:%d: not an event line\n", name, lineno);
                ok = 0;
            }
        }
        cJSON_Delete(ln);
    }
    if (!done && ok) {
        fprintf(stderr, "  %s: no expect line\n", name);
        ok = 0;
    }
    collect_free(&c);
    cJSON_Delete(covers);
    pl_trtc_rules_free(r);
    free(text);
    return ok;
}

/* ---- upstream: LLM files ------------------------------------------------------------ */

/* s with every LF replaced by CRLF (crlf) or CR. */
static char *convert_newlines(const char *s, size_t len, int crlf, size_t *out_len)
{
    pl_buf b = PL_BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            pl_buf_puts(&b, crlf ? "\r\n" : "\r");
        else
            pl_buf_putc(&b, s[i]);
    }
    *out_len = b.len;
    return b.len ? pl_buf_take(&b) : pl_xstrdup("");
}

static int check_llm_result(const char *name, const cJSON *hdr, const pl_trtc_llm_result *res,
                            coverage *cov)
{
    int ok = 1;
    const cJSON *text = member(hdr, "text"), *mi = member(hdr, "metainfo");
    const cJSON *failed = member(hdr, "failed"), *code = member(hdr, "code");
    const cJSON *message = member(hdr, "message");
    if (cJSON_IsString(text)) {
        cov->asserts++;
        if (!res->text || strcmp(res->text, text->valuestring) != 0) {
            fprintf(stderr, "  %s: text \"%s\", expected \"%s\"\n", name,
                    res->text ? res->text : "(null)", text->valuestring);
            ok = 0;
        }
    }
    if (mi) {
        cov->asserts++;
        int same = cJSON_IsNull(mi) ? res->metainfo == NULL
                                    : res->metainfo && cJSON_Compare(mi, res->metainfo, 1);
        if (!same) {
            fprintf(stderr, "  %s: metainfo differs\n", name);
            ok = 0;
        }
    }
    if (failed) {
        cov->asserts++;
        if (res->failed != (int)num_opt(hdr, "failed", 0)) {
            fprintf(stderr, "  %s: failed %d\n", name, res->failed);
            ok = 0;
        }
    }
    if (cJSON_IsString(code)) {
        cov->asserts++;
        if (strcmp(res->code, code->valuestring) != 0) {
            fprintf(stderr, "  %s: code \"%s\"\n", name, res->code);
            ok = 0;
        }
    }
    if (cJSON_IsString(message)) {
        cov->asserts++;
        if (strcmp(res->message, message->valuestring) != 0) {
            fprintf(stderr, "  %s: message \"%s\"\n", name, res->message);
            ok = 0;
        }
    }
    return ok;
}

static int run_llm_file(const char *name, coverage *cov)
{
    char path[512], err[256];
    size_t flen;
    snprintf(path, sizeof path, "%s/%s", LLM_DIR, name);
    char *file = pl_file_read(path, &flen, err, sizeof err);
    if (!file) {
        fprintf(stderr, "  %s: %s\n", path, err);
        return 0;
    }
    char *nl = strchr(file, '\n');
    if (strncmp(file, "#! ", 3) != 0 || !nl) {
        fprintf(stderr, "  %s: no \"#! {…}\" header line\n", name);
        free(file);
        return 0;
    }
    *nl = '\0';
    cJSON *hdr = cJSON_Parse(file + 3);
    if (!hdr) {
        fprintf(stderr, "  %s: the header is not JSON\n", name);
        free(file);
        return 0;
    }
    const char *body = nl + 1;
    size_t len = flen - (size_t)(body - file);
    if (cJSON_IsTrue(member(hdr, "strip_final_newline")) && len && body[len - 1] == '\n')
        len--;
    char *conv = NULL;
    if (cJSON_IsTrue(member(hdr, "crlf")) || cJSON_IsTrue(member(hdr, "cr"))) {
        conv = convert_newlines(body, len, cJSON_IsTrue(member(hdr, "crlf")), &len);
        body = conv;
    }
    int sse = pl_test_has_suffix(name, ".sse");
    int streaming = (int)num_opt(hdr, "streaming", sse);
    const cJSON *ct = member(hdr, "content_type");
    const char *content_type = cJSON_IsString(ct) ? ct->valuestring
                               : cJSON_IsNull(ct) ? NULL
                               : sse              ? "text/event-stream"
                                                  : "application/json";
    int status = (int)num_opt(hdr, "status", 200);
    /* the body is not NUL-terminated where it ends: copy it to an exact-size buffer */
    char *exact = pl_xmalloc(len ? len : 1);
    memcpy(exact, body, len);
    collect c = COLLECT_INIT;
    pl_trtc_llm_result res;
    pl_trtc_llm_check(streaming, status, content_type, exact, len, &res, on_finding, &c);
    int ok = check_expect(name, hdr, &c, cov);
    ok &= check_llm_result(name, hdr, &res, cov);
    pl_trtc_llm_result_free(&res);
    collect_free(&c);
    free(exact);
    free(conv);
    cJSON_Delete(hdr);
    free(file);
    return ok;
}

/* ---- upstream: TTS cases ------------------------------------------------------------ */

static void put16le(pl_buf *b, unsigned v)
{
    unsigned char p[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    pl_buf_append(b, p, 2);
}

static void put32le(pl_buf *b, uint32_t v)
{
    put16le(b, v & 0xffff);
    put16le(b, v >> 16);
}

/* n bytes of a 440 Hz tone, 16-bit little-endian (an odd n ends in half a sample). */
static void tone(pl_buf *b, size_t n, int rate, int channels)
{
    for (size_t i = 0; i < n; i++) {
        size_t frame = i / (2 * (size_t)channels);
        int v = (int)(8000.0 * ((double)((frame * 440 * 4 / (size_t)rate) % 4) - 1.5));
        unsigned u = (unsigned)(v & 0xffff);
        pl_buf_putc(b, (char)(i % 2 ? u >> 8 : u & 0xff));
    }
}

static size_t audio_bytes(const cJSON *spec, int rate, int channels, int bits)
{
    if (member(spec, "bytes"))
        return (size_t)num_opt(spec, "bytes", 0);
    return (size_t)(num_opt(spec, "ms", 200) * rate / 1000) * (size_t)channels *
           (size_t)(bits / 8);
}

/* The body of a TTS case (in b); 0, or -1 for an unknown body spec. */
static int build_tts_body(const cJSON *spec, pl_buf *b)
{
    const cJSON *wav = member(spec, "$wav"), *pcm = member(spec, "$pcm");
    const cJSON *hex = member(spec, "$hex"), *text = member(spec, "$text");
    if (wav) {
        int rate = (int)num_opt(wav, "rate", 16000), ch = (int)num_opt(wav, "channels", 1);
        int bits = (int)num_opt(wav, "bits", 16);
        size_t n = audio_bytes(wav, rate, ch, bits);
        const cJSON *ds = member(wav, "data_size");
        uint32_t data_size = cJSON_IsString(ds) ? 0xFFFFFFFFu
                             : cJSON_IsNumber(ds) ? (uint32_t)ds->valuedouble
                                                  : (uint32_t)n;
        pl_buf_append(b, "RIFF", 4);
        put32le(b, data_size == 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)(36 + n));
        pl_buf_append(b, "WAVE", 4);
        if (cJSON_IsTrue(member(wav, "list"))) {
            pl_buf_append(b, "LIST", 4);
            put32le(b, 5);
            pl_buf_append(b, "INFOx\0", 6); /* 5 bytes + the pad byte */
        }
        if (!cJSON_IsTrue(member(wav, "no_fmt"))) {
            pl_buf_append(b, "fmt ", 4);
            put32le(b, 16);
            put16le(b, (unsigned)num_opt(wav, "tag", 1));
            put16le(b, (unsigned)ch);
            put32le(b, (uint32_t)rate);
            put32le(b, (uint32_t)(rate * ch * bits / 8));
            put16le(b, (unsigned)(ch * bits / 8));
            put16le(b, (unsigned)bits);
        }
        if (!cJSON_IsTrue(member(wav, "no_data"))) {
            pl_buf_append(b, "data", 4);
            put32le(b, data_size);
            tone(b, n, rate, ch);
        }
    } else if (pcm) {
        int rate = (int)num_opt(pcm, "rate", 16000), ch = (int)num_opt(pcm, "channels", 1);
        tone(b, cJSON_IsNumber(pcm) ? (size_t)pcm->valuedouble : audio_bytes(pcm, rate, ch, 16),
             rate, ch);
    } else if (cJSON_IsString(hex)) {
        const char *h = hex->valuestring;
        for (size_t i = 0; h[i] && h[i + 1]; i += 2) {
            unsigned v;
            if (sscanf(h + i, "%2x", &v) != 1)
                return -1;
            pl_buf_putc(b, (char)v);
        }
        for (int i = 0; i < (int)num_opt(spec, "pad", 0); i++)
            pl_buf_putc(b, 0);
    } else if (cJSON_IsString(text)) {
        pl_buf_puts(b, text->valuestring);
    } else if (spec) {
        return -1;
    }
    return 0;
}

static int run_tts_case(const char *file, const cJSON *tc, coverage *cov)
{
    char name[256];
    const cJSON *nm = member(tc, "name"), *want = member(tc, "want");
    snprintf(name, sizeof name, "%s:%s", file, cJSON_IsString(nm) ? nm->valuestring : "?");
    pl_buf body = PL_BUF_INIT;
    if (build_tts_body(member(tc, "body"), &body) < 0) {
        fprintf(stderr, "  %s: bad body spec\n", name);
        pl_buf_free(&body);
        return 0;
    }
    const cJSON *fmt = member(want, "format"), *ct = member(tc, "content_type");
    pl_trtc_tts_want w = {cJSON_IsString(fmt) ? fmt->valuestring : "wav",
                          (int)num_opt(want, "sample_rate", 16000),
                          (int)num_opt(want, "channels", 1)};
    collect c = COLLECT_INIT;
    double ms = pl_trtc_tts_check(&w, (int)num_opt(tc, "status", 200),
                                  cJSON_IsString(ct) ? ct->valuestring : NULL,
                                  (int)num_opt(tc, "chunked", 1), body.data, body.len, on_finding,
                                  &c);
    int ok = check_expect(name, tc, &c, cov);
    if (member(tc, "duration_ms")) {
        double d = num_opt(tc, "duration_ms", 0);
        cov->asserts++;
        if (ms < d - 0.01 || ms > d + 0.01) {
            fprintf(stderr, "  %s: duration %.3f ms, expected %.3f\n", name, ms, d);
            ok = 0;
        }
    }
    collect_free(&c);
    pl_buf_free(&body);
    return ok;
}

static int run_tts_file(const char *name, coverage *cov, int *cases)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", TTS_DIR, name);
    char *text = pl_file_read(path, NULL, err, sizeof err);
    if (!text) {
        fprintf(stderr, "  %s: %s\n", path, err);
        return 0;
    }
    int ok = 1, lineno = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (!line[0] || line[0] == '#')
            continue;
        cJSON *tc = cJSON_Parse(line);
        if (!tc) {
            fprintf(stderr, "  %s:%d: bad JSON\n", name, lineno);
            ok = 0;
            continue;
        }
        (*cases)++;
        ok &= run_tts_case(name, tc, cov);
        cJSON_Delete(tc);
    }
    free(text);
    return ok;
}

/* ---- suites ------------------------------------------------------------------------- */

static coverage cov; /* over all data: rules, LLM and TTS */

static void test_rules_files(void)
{
    char **names;
    size_t n = pl_test_list_files(RULES_DIR, ".jsonl", NULL, &names);
    CU_ASSERT_FATAL(n > 0);
    int passed = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = run_rules_file(names[i], &cov);
        passed += ok;
        if (!ok)
            fprintf(stderr, "  FAILED: %s\n", names[i]);
        CU_ASSERT(ok);
    }
    printf("\n  %d/%zu rule files passed\n", passed, n);
    pl_test_free_names(names, n);
}

static void test_llm_files(void)
{
    char **names;
    size_t n = pl_test_list_files(LLM_DIR, ".sse", ".json", &names);
    CU_ASSERT_FATAL(n > 0);
    int passed = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = run_llm_file(names[i], &cov);
        passed += ok;
        if (!ok)
            fprintf(stderr, "  FAILED: %s\n", names[i]);
        CU_ASSERT(ok);
    }
    printf("\n  %d/%zu LLM answers passed\n", passed, n);
    pl_test_free_names(names, n);
}

static void test_tts_files(void)
{
    char **names;
    size_t n = pl_test_list_files(TTS_DIR, ".jsonl", NULL, &names);
    CU_ASSERT_FATAL(n > 0);
    int cases = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = run_tts_file(names[i], &cov, &cases);
        if (!ok)
            fprintf(stderr, "  FAILED: %s\n", names[i]);
        CU_ASSERT(ok);
    }
    printf("\n  %d TTS cases in %zu files\n", cases, n);
    pl_test_free_names(names, n);
}

/* Runs last: every rule but the cloud's has a failing and a clean case somewhere. */
static void test_coverage(void)
{
    int k = 0;
    for (const pl_rule_info *i = pl_trtc_rules_catalog(); i->rule; i++, k++) {
        if (strncmp(i->rule, "trtc.api.", 9) == 0)
            continue;
        if (!cov.negative[k])
            fprintf(stderr, "  no failing case expects %s\n", i->rule);
        if (!cov.clean[k])
            fprintf(stderr, "  no clean case covers %s\n", i->rule);
        CU_ASSERT(cov.negative[k] && cov.clean[k]);
    }
    printf("\n  %d cases, %d expectations\n", cov.cases, cov.asserts);
}

static void test_catalog(void)
{
    const pl_rule_info *cat = pl_trtc_rules_catalog();
    int n = 0, api = 0;
    for (const pl_rule_info *i = cat; i->rule; i++, n++) {
        CU_ASSERT(strncmp(i->rule, "trtc.", 5) == 0);
        CU_ASSERT(i->level == PL_LEVEL_MUST || i->level == PL_LEVEL_SHOULD);
        CU_ASSERT(i->source && strstr(i->source, "trtc.md §"));
        CU_ASSERT(i->description && i->description[0]);
        CU_ASSERT(pl_trtc_rule(i->rule) == i);
        api += strncmp(i->rule, "trtc.api.", 9) == 0;
        for (const pl_rule_info *j = cat; j < i; j++)
            CU_ASSERT(strcmp(i->rule, j->rule) != 0);
    }
    CU_ASSERT(n == 39); /* the list in docs/rules-trtc.md */
    CU_ASSERT(api == 10);
    CU_ASSERT(n < MAX_RULES);
    CU_ASSERT_PTR_NULL(pl_trtc_rule("trtc.nope"));
    CU_ASSERT_PTR_NULL(pl_trtc_rule(NULL));
}

/* docs/rules-trtc.md lists every rule, as | `id` | level |. */
static void test_doc_lists_rules(void)
{
    char err[256], want[128];
    char *doc = pl_file_read("docs/rules-trtc.md", NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    for (const pl_rule_info *i = pl_trtc_rules_catalog(); i->rule; i++) {
        snprintf(want, sizeof want, "| `%s` | %s |", i->rule, pl_level_name(i->level));
        if (!strstr(doc, want))
            fprintf(stderr, "  docs/rules-trtc.md lacks the row %s\n", want);
        CU_ASSERT_PTR_NOT_NULL(strstr(doc, want));
    }
    free(doc);
}

static cJSON *state_msg(const char *round, int state)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "type", 10001);
    cJSON_AddStringToObject(m, "sender", "ai_1");
    cJSON_AddArrayToObject(m, "receiver");
    cJSON *p = cJSON_AddObjectToObject(m, "payload");
    cJSON_AddStringToObject(p, "roundid", round);
    cJSON_AddNumberToObject(p, "state", state);
    return m;
}

/* The C-level paths the data files do not reach: NULL opts, NULL callback, NULL kind,
 * free(NULL), the report helper, the bounded round memory. */
static void test_api_edges(void)
{
    collect c = COLLECT_INIT;
    pl_trtc_rules_opts o;
    pl_trtc_rules_opts_init(&o);
    CU_ASSERT_EQUAL(o.max_custom_bytes, 1000);
    CU_ASSERT_EQUAL(o.max_msgs_per_s, 30);
    CU_ASSERT_EQUAL(o.max_bytes_per_s, 8192);
    CU_ASSERT_EQUAL(o.callback_timeout_us, 5000000);
    pl_trtc_rules *r = pl_trtc_rules_new(NULL);
    pl_trtc_rules_free(NULL);
    /* no callback: nothing is reported, the state still advances */
    pl_trtc_rules_room(r, "user_1", "ai_1");
    cJSON *m = state_msg("r0", 3);
    pl_trtc_rules_message(r, PL_DIR_A2C, "trtc.10001", m, NULL, 0, 1, 0, NULL, NULL);
    cJSON_Delete(m);
    m = state_msg("r0", 4);
    pl_trtc_rules_message(r, PL_DIR_A2C, "trtc.10001", m, NULL, 0, 1, 1, on_finding, &c);
    cJSON_Delete(m);
    CU_ASSERT_EQUAL(c.n, 0);
    /* NULL kind and NULL message: a malformed payload, nothing to judge */
    pl_trtc_rules_message(r, PL_DIR_C2A, NULL, NULL, "{x", 2, -1, 2, on_finding, &c);
    pl_trtc_rules_tick(r, 3, on_finding, &c);
    CU_ASSERT_EQUAL(c.n, 0);
    /* the round memory is bounded: 10000 rounds, then the first one is forgotten */
    m = state_msg("first", 3);
    pl_trtc_rules_message(r, PL_DIR_A2C, "trtc.10001", m, NULL, 0, 1, 10, on_finding, &c);
    cJSON_Delete(m);
    char id[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "round-%d", i);
        m = state_msg(id, 3);
        pl_trtc_rules_message(r, PL_DIR_A2C, "trtc.10001", m, NULL, 0, 1, 20 + i, on_finding, &c);
        cJSON_Delete(m);
        m = state_msg(id, 4);
        pl_trtc_rules_message(r, PL_DIR_A2C, "trtc.10001", m, NULL, 0, 1, 20 + i, on_finding, &c);
        cJSON_Delete(m);
    }
    CU_ASSERT_EQUAL(c.n, 0);
    m = state_msg("first", 4);
    pl_trtc_rules_message(r, PL_DIR_A2C, "trtc.10001", m, NULL, 0, 1, 20000, on_finding, &c);
    cJSON_Delete(m);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_STRING_EQUAL(c.ids[0], "trtc.state.interrupt_before_speaking");
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text.data, "not among the last 8 rounds"));
    /* rounds used recently stay: 7 others ("first" and 6 more) since "round-9999" */
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "late-%d", i);
        m = state_msg(id, 2);
        pl_trtc_rules_message(r, PL_DIR_A2C, "trtc.10001", m, NULL, 0, 1, 30000 + i, on_finding,
                              &c);
        cJSON_Delete(m);
    }
    m = state_msg("round-9999", 4);
    pl_trtc_rules_message(r, PL_DIR_A2C, "trtc.10001", m, NULL, 0, 1, 40000, on_finding, &c);
    cJSON_Delete(m);
    CU_ASSERT_EQUAL(c.n, 1);
    /* messages quote valid UTF-8 only: invalid and cut sequences become '?' */
    m = cJSON_Parse("{\"type\":20000,\"receiver\":[\"ai_1\"],\"payload\":{}}");
    cJSON_AddStringToObject(m, "sender", "\xff\xfe" "ab\xe4\xbd");
    pl_trtc_rules_message(r, PL_DIR_C2A, "trtc.20000", m, NULL, 0, 1, 50000, on_finding, &c);
    cJSON_Delete(m);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text.data, "has sender \"??ab??\", expected"));
    pl_trtc_rules_free(r);
    /* the shared report helper: catalog level and source, unknown ids and NULL emit ignored */
    pl_trtc_report(on_finding, &c, "trtc.api.signature", "signature %s", "bad");
    pl_trtc_report(on_finding, &c, "trtc.nope", "x");
    pl_trtc_report(NULL, NULL, "trtc.api.signature", "x");
    CU_ASSERT_EQUAL_FATAL(c.n, 3);
    CU_ASSERT_STRING_EQUAL(c.ids[2], "trtc.api.signature");
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text.data, "trtc.api.signature: signature bad"));
    CU_ASSERT_FALSE(c.bad);
    collect_free(&c);
    /* upstream: NULL body, NULL want, NULL callback */
    pl_trtc_llm_result res;
    pl_trtc_llm_check(1, 200, "text/event-stream", NULL, 5, &res, NULL, NULL);
    CU_ASSERT_STRING_EQUAL(res.text, "");
    CU_ASSERT_EQUAL(res.failed, 1);
    pl_trtc_llm_result_free(&res);
    pl_trtc_llm_result_free(&res); /* twice: fine */
    pl_trtc_llm_result_free(NULL);
    static const unsigned char pcm[3200] = {0};
    CU_ASSERT_DOUBLE_EQUAL(pl_trtc_tts_check(NULL, 200, "audio/wav", 1, pcm, sizeof pcm, NULL,
                                             NULL),
                           0, 0.001); /* default Format wav: no RIFF header */
    pl_trtc_tts_want w = {"pcm", 0, 0};      /* 16000 Hz mono */
    CU_ASSERT_DOUBLE_EQUAL(pl_trtc_tts_check(&w, 200, "audio/L16", 1, pcm, sizeof pcm, NULL, NULL),
                           100, 0.001);
    CU_ASSERT_DOUBLE_EQUAL(pl_trtc_tts_check(&w, 200, "audio/L16", 1, NULL, 7, NULL, NULL), 0,
                           0.001);
}

/* The rate window and the round ring keep the per-message cost flat: a 100 s flood at
 * 1000 msg/s and 100000 rounds. Prints the cost per message; the bound is loose. */
static void test_many_messages(void)
{
    collect c = COLLECT_INIT;
    pl_trtc_rules *r = pl_trtc_rules_new(NULL);
    pl_trtc_rules_room(r, "user_1", "ai_1");
    const char *data = "{\"type\":20000,\"sender\":\"user_1\",\"receiver\":[\"ai_1\"],"
                       "\"payload\":{\"id\":\"1\",\"message\":\"hi\",\"timestamp\":1}}";
    cJSON *frame = cJSON_CreateObject();
    cJSON_AddStringToObject(frame, "op", "custom_cmd");
    cJSON_AddNumberToObject(frame, "cmdId", 2);
    cJSON_AddBoolToObject(frame, "reliable", 1);
    cJSON_AddBoolToObject(frame, "ordered", 1);
    cJSON_AddStringToObject(frame, "data", data);
    cJSON *m = cJSON_Parse(data);
    clock_t t0 = clock();
    for (int i = 0; i < 100000; i++) {
        int64_t t = (int64_t)i * 1000;
        pl_trtc_rules_frame(r, PL_DIR_C2A, frame, t, on_finding, &c);
        pl_trtc_rules_message(r, PL_DIR_C2A, "trtc.20000", m, data, strlen(data), 1, t, on_finding,
                              &c);
    }
    double us = (double)(clock() - t0) * 1e6 / CLOCKS_PER_SEC / 100000;
    CU_ASSERT_EQUAL(c.n, 1); /* one burst: one finding */
    if (c.n)
        CU_ASSERT_STRING_EQUAL(c.ids[0], "trtc.custom.rate");
    printf("\n  %.2f us per custom message (frame + payload)\n", us);
    CU_ASSERT(us < 200);
    cJSON_Delete(m);
    cJSON_Delete(frame);
    collect_free(&c);
    c = (collect)COLLECT_INIT;
    char id[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(id, sizeof id, "round-%d", i);
        m = state_msg(id, i % 2 ? 3 : 2);
        pl_trtc_rules_message(r, PL_DIR_A2C, "trtc.10001", m, NULL, 0, 1, 200000000 + i,
                              on_finding, &c);
        cJSON_Delete(m);
    }
    CU_ASSERT_EQUAL(c.n, 0);
    pl_trtc_rules_free(r);
    collect_free(&c);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"catalog", test_catalog},         {"doc_lists_rules", test_doc_lists_rules},
        {"rules_files", test_rules_files}, {"llm_files", test_llm_files},
        {"tts_files", test_tts_files},     {"coverage", test_coverage},
        {"api_edges", test_api_edges},     {"many_messages", test_many_messages},
        {NULL, NULL},
    };
    return pl_test_main("trtc_rules", cases);
}
