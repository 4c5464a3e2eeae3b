/* pl_session.c — the transport-neutral session core (see pl_session.h).
 *
 * Three parts: the bridge framing (docs/bridge.md) that turns a client frame into either
 * a vendor payload or a room op; the judge, which runs every payload in either direction
 * through decode → classify → schema → rules and records it; and the journal, a ring of
 * records bounded in count and bytes, mirrored to the trace and to an observer.
 *
 * Re-entrancy: dialect hooks call back into the session (a behaviour sends, a send runs
 * the rules). The "current message" used to tie findings to a record is saved and
 * restored around every nested judgement, and the dialect's close hook is deferred until
 * no hook of this session is running, so a hook never sees its state freed under it. */
#include "mock/pl_session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_crypto.h"
#include "core/pl_log.h"
#include "core/pl_utf8.h"

#define PL_SESSION_JOURNAL_PAYLOAD (16 * 1024)      /* payload bytes kept per record */
#define PL_SESSION_JOURNAL_BINARY 1024              /* base64 chars of a binary payload kept
                                                     * (audio frames: their size is recorded) */
#define PL_SESSION_JOURNAL_BYTES (4 * 1024 * 1024)  /* payload bytes kept per journal */
#define PL_SESSION_OVERSIZE_HEAD 1024               /* bytes of an oversize message kept */
#define PL_SESSION_KIND_MAX 64

static const char *const pl_session_room_ops[] = {"publish",        "unpublish", "audio_capture",
                                                  "mute_local_mic", "leave",     NULL};

struct pl_session {
    pl_session_opts o;
    char *id, *room, *user;
    const pl_dialect *d;
    const pl_profile_limits *lim;
    void *st;          /* dialect state */
    int open;          /* transport alive */
    int ended;         /* dialect close hook has run (or is pending) */
    int end_pending;   /* transport gone while a hook ran: run the close hook after it */
    int busy;          /* depth of dialect hooks running */
    int closing;       /* pl_session_close() asked the host to close */
    int close_code;    /* as pl_session_disconnected() got it; 0 while open */
    int64_t t0_us, t0_wall_us, closed_us;
    uint64_t n;        /* journal record counter */
    /* journal ring */
    cJSON **ring;
    size_t cap, cap_max, head, count, bytes; /* cap grows by doubling up to cap_max */
    size_t *ring_bytes;
    uint64_t dropped;
    /* findings */
    cJSON *findings; /* array, at most lim->findings entries */
    size_t nfindings;
    uint64_t findings_dropped, must, should;
    uint64_t in, out;
    /* the message being judged, for findings' "ref" and "kind" */
    uint64_t cur_n;
    char cur_kind[PL_SESSION_KIND_MAX];
    signed char *ov; /* behaviour overrides: -1 unset, 0 off, 1 on; one per dialect behaviour */
    size_t nbehaviours;
    pl_session_observer_fn observer;
    void *observer_user;
    pl_session_filter_fn filter;
    void *filter_user;
    const cJSON *rec_msg; /* the decoded payload of the "msg" record being committed */
};

/* The direction of what the peer sends, and of what parley sends: the client's messages
 * are c2a, unless parley plays the client (o.peer_is_agent), when the peer is the agent. */
static pl_dir pl_session_dir_in(const pl_session *s)
{
    return s->o.peer_is_agent ? PL_DIR_A2C : PL_DIR_C2A;
}

static pl_dir pl_session_dir_out(const pl_session *s)
{
    return s->o.peer_is_agent ? PL_DIR_C2A : PL_DIR_A2C;
}

/* ---- journal ---------------------------------------------------------------------- */

int64_t pl_session_now(const pl_session *s)
{
    if (s->ended)
        return s->closed_us; /* the host is gone: time stops at the disconnect */
    return s->o.ops && s->o.ops->now ? s->o.ops->now(s->o.host) : pl_clock_mono_us();
}

static cJSON *pl_session_rec(pl_session *s, const char *ev)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "session", s->id);
    cJSON_AddNumberToObject(rec, "n", (double)++s->n);
    cJSON_AddNumberToObject(rec, "t_ms", (double)(pl_session_now(s) - s->t0_us) / 1000.0);
    cJSON_AddStringToObject(rec, "ev", ev);
    return rec;
}

static void pl_session_ring_pop(pl_session *s)
{
    cJSON_Delete(s->ring[s->head]);
    s->bytes -= s->ring_bytes[s->head];
    s->head = (s->head + 1) % s->cap;
    s->count--;
    s->dropped++;
}

/* Doubles the ring (up to limits.journal), keeping the records in order from index 0: a
 * quiet session costs a few hundred bytes, not the whole limit. */
static void pl_session_ring_grow(pl_session *s)
{
    size_t cap = s->cap * 2 < s->cap_max ? s->cap * 2 : s->cap_max;
    cJSON **ring = pl_xcalloc(cap, sizeof *ring);
    size_t *bytes = pl_xcalloc(cap, sizeof *bytes);
    for (size_t k = 0; k < s->count; k++) {
        ring[k] = s->ring[(s->head + k) % s->cap];
        bytes[k] = s->ring_bytes[(s->head + k) % s->cap];
    }
    free(s->ring);
    free(s->ring_bytes);
    s->ring = ring;
    s->ring_bytes = bytes;
    s->cap = cap;
    s->head = 0;
}

/* Cuts a payload field of a journal copy to PL_SESSION_JOURNAL_PAYLOAD bytes. */
static size_t pl_session_trim_payload(cJSON *rec)
{
    const char *fields[] = {"text", "b64"};
    for (size_t i = 0; i < 2; i++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, fields[i]);
        if (!cJSON_IsString(v))
            continue;
        size_t len = strlen(v->valuestring);
        size_t keep = i == 0 ? PL_SESSION_JOURNAL_PAYLOAD : PL_SESSION_JOURNAL_BINARY;
        if (len <= keep)
            return len;
        size_t cut = keep;
        while (i == 0 && cut > 0 && ((unsigned char)v->valuestring[cut] & 0xC0) == 0x80)
            cut--; /* keep whole UTF-8 characters */
        char *t = pl_xstrndup(v->valuestring, cut);
        cJSON_ReplaceItemInObjectCaseSensitive(rec, fields[i], cJSON_CreateString(t));
        free(t);
        cJSON_AddBoolToObject(rec, "truncated", 1);
        return cut;
    }
    return 0;
}

/* Hands a finished record to the trace (whole), the observer and the journal (payload
 * trimmed); takes ownership. */
static void pl_session_commit(pl_session *s, cJSON *rec)
{
    if (s->o.trace)
        pl_trace_write(s->o.trace, rec);
    if (s->observer)
        s->observer(s->observer_user, s, rec);
    size_t b = pl_session_trim_payload(rec) + 128;
    if (s->count == s->cap && s->cap < s->cap_max)
        pl_session_ring_grow(s);
    while (s->count && (s->count == s->cap || s->bytes + b > PL_SESSION_JOURNAL_BYTES))
        pl_session_ring_pop(s);
    size_t i = (s->head + s->count) % s->cap;
    s->ring[i] = rec;
    s->ring_bytes[i] = b;
    s->bytes += b;
    s->count++;
}

void pl_session_note(pl_session *s, cJSON *rec)
{
    cJSON *r = pl_session_rec(s, "note");
    cJSON *ev = cJSON_DetachItemFromObjectCaseSensitive(rec, "ev");
    if (ev)
        cJSON_ReplaceItemInObjectCaseSensitive(r, "ev", ev);
    cJSON *child = rec->child;
    rec->child = NULL;
    while (child) {
        cJSON *next = child->next;
        child->prev = child->next = NULL;
        if (!cJSON_GetObjectItemCaseSensitive(r, child->string))
            cJSON_AddItemToObject(r, child->string, child);
        else
            cJSON_Delete(child);
        child = next;
    }
    cJSON_Delete(rec);
    pl_session_commit(s, r);
}

/* ---- findings --------------------------------------------------------------------- */

void pl_session_finding(pl_session *s, const pl_finding *f)
{
    if (f->level == PL_LEVEL_MUST)
        s->must++;
    else
        s->should++;
    cJSON *rec = pl_session_rec(s, "finding");
    cJSON_AddStringToObject(rec, "rule", f->rule);
    cJSON_AddStringToObject(rec, "level", pl_level_name(f->level));
    cJSON_AddStringToObject(rec, "message", f->message);
    if (s->cur_kind[0])
        cJSON_AddStringToObject(rec, "kind", s->cur_kind);
    if (s->cur_n)
        cJSON_AddNumberToObject(rec, "ref", (double)s->cur_n);
    cJSON_AddStringToObject(rec, "source", f->source ? f->source : "");
    if (s->nfindings < s->lim->findings) {
        cJSON_AddItemToArray(s->findings, cJSON_Duplicate(rec, 1));
        s->nfindings++;
    } else {
        s->findings_dropped++;
    }
    if (s->o.log_findings)
        pl_log(PL_LOG_WARN, "finding: %s %s (%s)%s%s: %s", s->id, f->rule,
               pl_level_name(f->level), s->cur_kind[0] ? " on " : "", s->cur_kind, f->message);
    pl_session_commit(s, rec);
}

void pl_session_finding_fn(void *session, const pl_finding *f)
{
    pl_session_finding(session, f);
}

void pl_session_findingf(pl_session *s, const char *rule, pl_level level, const char *source,
                         const char *fmt, ...)
{
    pl_finding f = {.rule = rule, .level = level, .source = source};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.message, sizeof f.message, fmt, ap);
    va_end(ap);
    pl_session_finding(s, &f);
}

/* ---- dialect hook calls (deferred close) ----------------------------------------------- */

static void pl_session_end_now(pl_session *s)
{
    s->end_pending = 0;
    if (s->d->close && s->st)
        s->d->close(s->st);
    s->st = NULL;
}

static void pl_session_enter(pl_session *s)
{
    s->busy++;
}

static void pl_session_leave(pl_session *s)
{
    if (--s->busy == 0 && s->end_pending)
        pl_session_end_now(s);
}

/* ---- the judge -------------------------------------------------------------------- */

/* Schema layer: 1 valid, 0 invalid (findings reported), -1 no schema for the kind. */
static int pl_session_schema(pl_session *s, const char *kind, const cJSON *msg)
{
    if (!s->o.catalog || !msg)
        return -1;
    const cJSON *schema = pl_catalog_schema(s->o.catalog, kind);
    if (!schema)
        return -1;
    pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
    int ok = pl_schema_validate(pl_catalog_schemas(s->o.catalog), schema, msg, &errs);
    if (ok != 1) {
        pl_buf b = PL_BUF_INIT;
        size_t shown = errs.n < 3 ? errs.n : 3;
        for (size_t i = 0; i < shown; i++) {
            char *e = pl_schema_error_format(&errs.v[i]);
            pl_buf_printf(&b, "%s%s", i ? "; " : "", e);
            free(e);
        }
        if (errs.n > shown)
            pl_buf_printf(&b, "; and %zu more", errs.n - shown);
        char rule[96];
        snprintf(rule, sizeof rule, "%s.schema", s->d->id);
        /* rule ids are static strings in pl_finding; this one lives for the call only */
        pl_session_findingf(s, rule, PL_LEVEL_MUST, "the message schema of the catalog",
                            "%s does not match schemas/%s/%s.json: %s", kind, s->d->id,
                            kind + strlen(s->d->id) + 1, b.data ? b.data : "invalid");
        pl_buf_free(&b);
    }
    pl_schema_errors_free(&errs);
    free(errs.v);
    return ok == 1 ? 1 : 0;
}

typedef struct {
    uint64_t n;
    char kind[PL_SESSION_KIND_MAX];
} pl_session_cur;

static void pl_session_cur_save(pl_session *s, pl_session_cur *c)
{
    c->n = s->cur_n;
    memcpy(c->kind, s->cur_kind, sizeof c->kind);
}

static void pl_session_cur_restore(pl_session *s, const pl_session_cur *c)
{
    s->cur_n = c->n;
    memcpy(s->cur_kind, c->kind, sizeof c->kind);
}

/* Judges one payload: records it, checks schema and rules; for a client message in agent
 * role runs the default behaviour. msg may be given (already decoded) or NULL. */
static void pl_session_judge_as(pl_session *s, pl_dir dir, const void *data, size_t len,
                                int binary, const cJSON *given, const char *given_kind);

static void pl_session_judge(pl_session *s, pl_dir dir, const void *data, size_t len, int binary,
                             const cJSON *given)
{
    pl_session_judge_as(s, dir, data, len, binary, given, NULL);
}

void pl_session_judge_json(pl_session *s, pl_dir dir, const char *kind, const cJSON *msg,
                           const void *raw, size_t len)
{
    char *txt = raw ? NULL : cJSON_PrintUnformatted(msg);
    pl_session_judge_as(s, dir, raw ? raw : txt, raw ? len : strlen(txt), 0, msg, kind);
    free(txt);
}

static void pl_session_judge_as(pl_session *s, pl_dir dir, const void *data, size_t len,
                                int binary, const cJSON *given, const char *given_kind)
{
    pl_session_cur saved;
    pl_session_cur_save(s, &saved);
    /* Deadlines that passed before this message are reported first, not "on" it. */
    s->cur_n = 0;
    s->cur_kind[0] = '\0';
    pl_session_tick(s);
    cJSON *owned = given ? NULL : s->d->decode(data, len, binary);
    const cJSON *msg = given ? given : owned;
    char kind[PL_SESSION_KIND_MAX];
    if (given_kind)
        snprintf(kind, sizeof kind, "%s", given_kind);
    else if (msg)
        s->d->classify(msg, dir, kind, sizeof kind);
    else
        snprintf(kind, sizeof kind, "%s.malformed", s->d->id);
    cJSON *rec = pl_session_rec(s, "msg");
    cJSON_AddStringToObject(rec, "dir", pl_dir_name(dir));
    cJSON_AddStringToObject(rec, "kind", kind);
    pl_trace_add_payload(rec, data, len, binary);
    s->cur_n = s->n;
    snprintf(s->cur_kind, sizeof s->cur_kind, "%s", kind);
    s->rec_msg = msg;
    pl_session_commit(s, rec);
    s->rec_msg = NULL;

    pl_session_enter(s);
    int schema_ok = pl_session_schema(s, kind, msg);
    if (s->d->message && s->st)
        s->d->message(s->st, dir, kind, msg, data, len, schema_ok);
    if (dir == PL_DIR_C2A && s->o.behave && msg && s->d->behave && s->st && !s->ended &&
        !given_kind)
        s->d->behave(s->st, kind, msg);
    pl_session_leave(s);
    cJSON_Delete(owned);
    pl_session_cur_restore(s, &saved);
}

/* ---- client → session ------------------------------------------------------------- */

static void pl_session_frame_record(pl_session *s, const void *data, size_t len, int binary)
{
    cJSON *rec = pl_session_rec(s, "frame");
    cJSON_AddStringToObject(rec, "dir", pl_dir_name(pl_session_dir_in(s)));
    cJSON_AddBoolToObject(rec, "binary", binary);
    pl_trace_add_payload(rec, data, len, binary);
    s->cur_n = s->n;
    s->cur_kind[0] = '\0';
    pl_session_commit(s, rec);
}

static int pl_session_is_room_op(const char *op)
{
    for (size_t i = 0; pl_session_room_ops[i]; i++)
        if (strcmp(op, pl_session_room_ops[i]) == 0)
            return 1;
    return 0;
}

/* Checks the fields of a room op; 0 ok, -1 with a finding. */
static int pl_session_room_fields(pl_session *s, const char *op, const cJSON *f)
{
    const char *want = NULL, *type = NULL;
    const cJSON *v = NULL;
    if (!strcmp(op, "publish") || !strcmp(op, "unpublish")) {
        v = cJSON_GetObjectItemCaseSensitive(f, want = "media");
        type = "\"audio\", \"video\" or \"screen\"";
        if (cJSON_IsString(v) && (!strcmp(v->valuestring, "audio") ||
                                  !strcmp(v->valuestring, "video") ||
                                  !strcmp(v->valuestring, "screen")))
            return 0;
    } else if (!strcmp(op, "audio_capture") || !strcmp(op, "mute_local_mic")) {
        v = cJSON_GetObjectItemCaseSensitive(f, want = op[0] == 'a' ? "on" : "mute");
        type = "a boolean";
        if (cJSON_IsBool(v))
            return 0;
    } else {
        return 0; /* leave: no fields */
    }
    pl_session_findingf(s, "bridge.room_op_invalid", PL_LEVEL_MUST, "docs/bridge.md: room ops",
                        "bridge op %s needs \"%s\" to be %s", op, want, type);
    return -1;
}

static void pl_session_room_op(pl_session *s, const char *op, const cJSON *frame)
{
    cJSON *rec = pl_session_rec(s, "room");
    cJSON_AddStringToObject(rec, "dir", "c2a");
    cJSON_AddStringToObject(rec, "op", op);
    cJSON_AddItemToObject(rec, "frame", cJSON_Duplicate(frame, 1));
    s->cur_n = s->n;
    s->cur_kind[0] = '\0';
    pl_session_commit(s, rec);
    if (pl_session_room_fields(s, op, frame))
        return;
    pl_session_enter(s);
    if (s->d->room && s->st)
        s->d->room(s->st, op, frame);
    pl_session_leave(s);
    if (!strcmp(op, "leave"))
        pl_session_close(s, 1000, "left");
}

/* The vendor payload of a bridge frame: "data" (text) or "data_b64" (binary dialects). */
static void pl_session_bridge_payload(pl_session *s, const cJSON *frame)
{
    const char *field = s->d->bridge_binary ? "data_b64" : "data";
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(frame, field);
    if (!cJSON_IsString(v)) {
        pl_session_findingf(s, "bridge.payload_invalid", PL_LEVEL_MUST,
                            "docs/bridge.md: payload ops",
                            "bridge op %s needs \"%s\" to be a string (%s)", s->d->bridge_op,
                            field, s->d->bridge_binary ? "base64 of the payload" : "the payload");
        return;
    }
    if (s->d->room && s->st) {
        pl_session_enter(s);
        s->d->room(s->st, s->d->bridge_op, frame);
        pl_session_leave(s);
    }
    if (!s->d->bridge_binary) {
        pl_session_judge(s, PL_DIR_C2A, v->valuestring, strlen(v->valuestring), 0, NULL);
        return;
    }
    size_t n = 0;
    unsigned char *bytes = pl_crypto_base64_decode(v->valuestring, strlen(v->valuestring), &n);
    if (!bytes) {
        pl_session_findingf(s, "bridge.payload_invalid", PL_LEVEL_MUST,
                            "docs/bridge.md: payload ops", "\"data_b64\" is not valid base64");
        return;
    }
    pl_session_judge(s, PL_DIR_C2A, bytes, n, 1, NULL);
    free(bytes);
}

static void pl_session_bridge_in(pl_session *s, const void *data, size_t len, int binary)
{
    if (binary) {
        pl_session_frame_record(s, data, len, 1);
        pl_session_findingf(s, "bridge.binary_frame", PL_LEVEL_MUST, "docs/bridge.md: frames",
                            "the room bridge carries JSON text frames; got a binary frame of "
                            "%zu bytes",
                            len);
        return;
    }
    cJSON *frame = cJSON_ParseWithLength(data, len);
    const cJSON *op = frame ? cJSON_GetObjectItemCaseSensitive(frame, "op") : NULL;
    if (!cJSON_IsObject(frame) || !cJSON_IsString(op)) {
        pl_session_frame_record(s, data, len, 0);
        pl_session_findingf(s, "bridge.malformed_frame", PL_LEVEL_MUST, "docs/bridge.md: frames",
                            "a bridge frame must be a JSON object with a string \"op\"; got "
                            "%.80s%s",
                            (const char *)data, len > 80 ? "…" : "");
    } else if (s->d->bridge_op && strcmp(op->valuestring, s->d->bridge_op) == 0) {
        pl_session_bridge_payload(s, frame);
    } else if (pl_session_is_room_op(op->valuestring)) {
        pl_session_room_op(s, op->valuestring, frame);
    } else {
        pl_session_frame_record(s, data, len, 0);
        pl_session_findingf(s, "bridge.unknown_op", PL_LEVEL_MUST, "docs/bridge.md: ops",
                            "unknown bridge op \"%.64s\" (this bridge knows %s, publish, "
                            "unpublish, audio_capture, mute_local_mic, leave)",
                            op->valuestring, s->d->bridge_op ? s->d->bridge_op : "");
    }
    cJSON_Delete(frame);
}

void pl_session_input(pl_session *s, const void *data, size_t len, int binary)
{
    s->in++;
    if (!binary && !pl_utf8_valid(data, len, NULL)) {
        pl_session_frame_record(s, data, len, 0); /* kept as b64: not UTF-8 */
        pl_session_findingf(s, "transport.invalid_utf8", PL_LEVEL_MUST,
                            "RFC 6455 §5.6: text frames carry UTF-8",
                            "a text frame of %zu bytes is not valid UTF-8", len);
        return;
    }
    if (s->o.transport == PL_TRANSPORT_BRIDGE)
        pl_session_bridge_in(s, data, len, binary);
    else
        pl_session_judge(s, pl_session_dir_in(s), data, len, binary, NULL);
}

void pl_session_judge_payload(pl_session *s, pl_dir dir, const void *data, size_t len,
                              int binary)
{
    if (dir == PL_DIR_C2A)
        s->in++;
    else
        s->out++;
    pl_session_judge(s, dir, data, len, binary, NULL);
}

void pl_session_input_oversize(pl_session *s, const void *head, size_t head_len, size_t total_len,
                               int binary)
{
    s->in++;
    cJSON *rec = pl_session_rec(s, "oversize");
    cJSON_AddStringToObject(rec, "dir", pl_dir_name(pl_session_dir_in(s)));
    cJSON_AddNumberToObject(rec, "total", (double)total_len);
    pl_trace_add_payload(rec, head, head_len < PL_SESSION_OVERSIZE_HEAD ? head_len
                                                                        : PL_SESSION_OVERSIZE_HEAD,
                         1);
    s->cur_n = s->n;
    s->cur_kind[0] = '\0';
    pl_session_commit(s, rec);
    pl_session_findingf(s, "transport.message_too_large", PL_LEVEL_MUST,
                        "parley profile limits.max_message",
                        "a %s message of %zu bytes exceeds the limit of %zu bytes; it was "
                        "dropped and the session goes on",
                        binary ? "binary" : "text", total_len, s->lim->max_message);
}

void pl_session_timer_fire(pl_session *s, int slot)
{
    if (!s->st || s->ended || !s->d->timer)
        return;
    pl_session_enter(s);
    s->d->timer(s->st, slot);
    pl_session_leave(s);
}

void pl_session_tick(pl_session *s)
{
    if (!s->st || s->ended || !s->d->tick)
        return;
    pl_session_enter(s);
    s->d->tick(s->st, pl_session_now(s));
    pl_session_leave(s);
}

void pl_session_disconnected(pl_session *s, int code, const void *partial, size_t partial_len)
{
    if (!s->open)
        return;
    if (partial_len) {
        cJSON *rec = pl_session_rec(s, "partial");
        cJSON_AddStringToObject(rec, "dir", pl_dir_name(pl_session_dir_in(s)));
        pl_trace_add_payload(rec, partial, partial_len, 1);
        pl_session_commit(s, rec);
    }
    s->closed_us = pl_session_now(s);
    s->close_code = code;
    s->open = 0;
    cJSON *rec = pl_session_rec(s, "close");
    cJSON_AddNumberToObject(rec, "code", code);
    cJSON_AddBoolToObject(rec, "by_parley", s->closing);
    pl_session_commit(s, rec);
    for (int i = 0; i < PL_SESSION_TIMERS && s->o.ops && s->o.ops->timer; i++)
        s->o.ops->timer(s->o.host, i, -1);
    /* The host may be freed from now on: never call it again (the clock included). */
    s->o.ops = NULL;
    s->o.host = NULL;
    s->ended = 1;
    s->end_pending = 1;
    if (!s->busy)
        pl_session_end_now(s);
}

/* ---- session → client ------------------------------------------------------------- */

static int pl_session_write(pl_session *s, const void *data, size_t len, int binary)
{
    if (!s->open || !s->o.ops || !s->o.ops->write)
        return -1;
    s->out++;
    return s->o.ops->write(s->o.host, data, len, binary);
}

static int pl_session_write_json(pl_session *s, const cJSON *frame)
{
    char *txt = cJSON_PrintUnformatted(frame);
    int rc = pl_session_write(s, txt, strlen(txt), 0);
    free(txt);
    return rc;
}

/* Frames a payload for the transport and writes it. */
static int pl_session_frame_out(pl_session *s, const char *from, const void *data, size_t len,
                                int binary)
{
    if (s->o.transport == PL_TRANSPORT_NATIVE)
        return pl_session_write(s, data, len, binary);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "event", s->d->bridge_event ? s->d->bridge_event
                                        : s->d->bridge_op  ? s->d->bridge_op
                                                           : "payload");
    if (from)
        cJSON_AddStringToObject(f, "from", from);
    if (s->d->frame_out && s->st)
        s->d->frame_out(s->st, f);
    if (s->d->bridge_binary || binary) {
        char *b64 = pl_crypto_base64_encode(data, len);
        cJSON_AddStringToObject(f, "data_b64", b64);
        free(b64);
    } else {
        char *t = pl_xstrndup(data, len);
        cJSON_AddStringToObject(f, "data", t);
        free(t);
    }
    int rc = pl_session_write_json(s, f);
    cJSON_Delete(f);
    return rc;
}

int pl_session_inject(pl_session *s, const char *from, const void *data, size_t len, int binary)
{
    if (!s->open)
        return -1;
    pl_session_judge(s, pl_session_dir_out(s), data, len, binary, NULL);
    return pl_session_frame_out(s, from, data, len, binary);
}

int pl_session_send_raw(pl_session *s, const char *from, const void *data, size_t len,
                        int binary)
{
    if (!s->open)
        return -1;
    if (s->filter && s->filter(s->filter_user, s, from, data, len, binary, NULL))
        return 0;
    return pl_session_inject(s, from, data, len, binary);
}

int pl_session_send(pl_session *s, const char *from, const cJSON *msg)
{
    if (!s->open)
        return -1;
    size_t len = 0;
    int binary = 0;
    char *bytes = s->d->encode(msg, &len, &binary);
    if (!bytes)
        return -1;
    int rc = 0;
    if (!s->filter || !s->filter(s->filter_user, s, from, bytes, len, binary, msg)) {
        pl_session_judge(s, pl_session_dir_out(s), bytes, len, binary, msg);
        rc = pl_session_frame_out(s, from, bytes, len, binary);
    }
    free(bytes);
    return rc;
}

int pl_session_send_scripted(pl_session *s, const char *from, cJSON *msg)
{
    if (!s->open)
        return -1;
    if (s->d->complete && s->st)
        s->d->complete(s->st, msg, &from);
    return pl_session_send(s, from, msg);
}

int pl_session_send_event(pl_session *s, cJSON *ev)
{
    if (!s->open) {
        cJSON_Delete(ev);
        return -1;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(ev, "event");
    cJSON *rec = pl_session_rec(s, "event");
    cJSON_AddStringToObject(rec, "dir", "a2c");
    cJSON_AddStringToObject(rec, "event", cJSON_IsString(name) ? name->valuestring : "");
    cJSON_AddItemToObject(rec, "frame", cJSON_Duplicate(ev, 1));
    pl_session_commit(s, rec);
    int rc = pl_session_write_json(s, ev);
    cJSON_Delete(ev);
    return rc;
}

void pl_session_timer(pl_session *s, int slot, int64_t delay_us)
{
    if (slot < 0 || slot >= PL_SESSION_TIMERS || !s->o.ops || !s->o.ops->timer)
        return;
    if (!s->open && delay_us >= 0)
        return;
    s->o.ops->timer(s->o.host, slot, delay_us);
}

void pl_session_close(pl_session *s, int code, const char *reason)
{
    if (!s->open || s->closing)
        return;
    s->closing = 1;
    cJSON *rec = pl_session_rec(s, "closing");
    cJSON_AddNumberToObject(rec, "code", code);
    cJSON_AddStringToObject(rec, "reason", reason ? reason : "");
    pl_session_commit(s, rec);
    if (s->o.ops && s->o.ops->close)
        s->o.ops->close(s->o.host, code, reason);
}

/* ---- behaviour -------------------------------------------------------------------- */

static long pl_session_behaviour_index(const pl_session *s, const char *name)
{
    for (size_t i = 0; i < s->nbehaviours; i++)
        if (strcmp(s->d->behaviours[i].name, name) == 0)
            return (long)i;
    return -1;
}

int pl_session_behaviour(const pl_session *s, const char *name)
{
    long i = pl_session_behaviour_index(s, name);
    if (!s->o.behave || i < 0)
        return 0;
    if (s->ov[i] >= 0)
        return s->ov[i];
    return pl_profile_behaviour(s->o.profile, s->d->id, name, s->d->behaviours[i].default_on);
}

int pl_session_set_behaviour(pl_session *s, const char *name, int on)
{
    long i = pl_session_behaviour_index(s, name);
    if (i < 0)
        return -1;
    s->ov[i] = on ? 1 : 0;
    cJSON *rec = pl_session_rec(s, "behaviour");
    cJSON_AddStringToObject(rec, "name", name);
    cJSON_AddBoolToObject(rec, "on", on);
    pl_session_commit(s, rec);
    return 0;
}

/* ---- life cycle ------------------------------------------------------------------- */

pl_session *pl_session_new(const pl_session_opts *o)
{
    pl_session *s = pl_xcalloc(1, sizeof *s);
    s->o = *o;
    s->d = o->dialect;
    s->id = pl_xstrdup(o->id ? o->id : "s0");
    s->room = o->room ? pl_xstrdup(o->room) : NULL;
    s->user = o->user ? pl_xstrdup(o->user) : NULL;
    s->o.id = s->id;
    s->o.room = s->room;
    s->o.user = s->user;
    if (o->peer_is_agent)
        s->o.behave = 0; /* parley is the client: there is no agent behaviour to play */
    s->lim = pl_profile_limits_get(o->profile);
    s->cap_max = s->lim->journal ? s->lim->journal : 1;
    s->cap = s->cap_max < 16 ? s->cap_max : 16;
    s->ring = pl_xcalloc(s->cap, sizeof *s->ring);
    s->ring_bytes = pl_xcalloc(s->cap, sizeof *s->ring_bytes);
    s->findings = cJSON_CreateArray();
    for (const pl_behaviour_info *b = s->d->behaviours; b && b->name; b++)
        s->nbehaviours++;
    s->ov = pl_xmalloc(s->nbehaviours + 1);
    memset(s->ov, -1, s->nbehaviours + 1);
    s->t0_us = pl_session_now(s);
    s->t0_wall_us = pl_clock_wall_us();
    s->open = 1;
    s->observer = o->observer;
    s->observer_user = o->observer_user;
    cJSON *sw = NULL;
    const cJSON *b;
    cJSON_ArrayForEach(b, o->behaviour)
    {
        long i = b->string ? pl_session_behaviour_index(s, b->string) : -1;
        if (i < 0 || !cJSON_IsBool(b))
            continue;
        s->ov[i] = cJSON_IsTrue(b) ? 1 : 0;
        if (!sw)
            sw = cJSON_CreateObject();
        cJSON_AddBoolToObject(sw, b->string, cJSON_IsTrue(b));
    }

    cJSON *rec = pl_session_rec(s, "open");
    cJSON_AddStringToObject(rec, "dialect", s->d->id);
    cJSON_AddStringToObject(rec, "transport",
                            o->transport == PL_TRANSPORT_BRIDGE ? "bridge" : "native");
    if (s->room)
        cJSON_AddStringToObject(rec, "room", s->room);
    if (s->user)
        cJSON_AddStringToObject(rec, "user", s->user);
    if (sw)
        cJSON_AddItemToObject(rec, "behaviour", sw);
    pl_session_commit(s, rec);
    if (o->transport == PL_TRANSPORT_BRIDGE) {
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddStringToObject(ev, "event", "joined");
        cJSON_AddStringToObject(ev, "room", s->room ? s->room : "");
        cJSON_AddStringToObject(ev, "user", s->user ? s->user : "");
        cJSON_AddStringToObject(ev, "session", s->id);
        pl_session_send_event(s, ev);
    }
    if (s->d->open) {
        pl_session_enter(s);
        s->st = s->d->open(s);
        pl_session_leave(s);
    }
    return s;
}

void pl_session_free(pl_session *s)
{
    if (!s)
        return;
    if (s->open)
        pl_session_disconnected(s, 1001, NULL, 0);
    if (s->st)
        pl_session_end_now(s);
    while (s->count)
        pl_session_ring_pop(s);
    free(s->ring);
    free(s->ring_bytes);
    cJSON_Delete(s->findings);
    free(s->ov);
    free(s->id);
    free(s->room);
    free(s->user);
    free(s);
}

/* ---- introspection ---------------------------------------------------------------- */

void pl_session_observe(pl_session *s, pl_session_observer_fn fn, void *user)
{
    s->observer = fn;
    s->observer_user = user;
}

const cJSON *pl_session_record_msg(const pl_session *s)
{
    return s->rec_msg;
}

void pl_session_set_filter(pl_session *s, pl_session_filter_fn fn, void *user)
{
    s->filter = fn;
    s->filter_user = user;
}

int pl_session_abort(pl_session *s)
{
    if (!s->open || !s->o.ops || !s->o.ops->abort)
        return -1;
    s->o.ops->abort(s->o.host);
    return 0;
}

int pl_session_fragment(pl_session *s, size_t size)
{
    if (!s->open || !s->o.ops || !s->o.ops->fragment)
        return -1;
    s->o.ops->fragment(s->o.host, size);
    return 0;
}

const char *pl_session_id(const pl_session *s)
{
    return s->id;
}

const char *pl_session_room(const pl_session *s)
{
    return s->room;
}

const char *pl_session_user(const pl_session *s)
{
    return s->user;
}

int pl_session_peer_is_agent(const pl_session *s)
{
    return s->o.peer_is_agent;
}

int pl_session_close_code(const pl_session *s)
{
    return s->open ? 0 : s->close_code;
}

const pl_dialect *pl_session_dialect(const pl_session *s)
{
    return s->d;
}

int pl_session_act(pl_session *s, const char *name, const cJSON *args, char *err, size_t errlen)
{
    if (!s->d->act || !s->st) {
        snprintf(err, errlen, "the %s dialect has no acts", s->d->id);
        return -1;
    }
    pl_session_enter(s);
    int rc = s->d->act(s->st, name, args, err, errlen);
    pl_session_leave(s);
    return rc;
}

void *pl_session_cloud(const pl_session *s)
{
    return s->o.cloud;
}

const pl_profile *pl_session_profile(const pl_session *s)
{
    return s->o.profile;
}

int pl_session_is_open(const pl_session *s)
{
    return s->open;
}

int pl_session_is_closing(const pl_session *s)
{
    return s->open && s->closing;
}

int pl_session_closed_by_parley(const pl_session *s)
{
    return s->closing;
}

void pl_session_get_stats(const pl_session *s, pl_session_stats *st)
{
    st->in = s->in;
    st->out = s->out;
    st->findings_must = s->must;
    st->findings_should = s->should;
    st->journal_dropped = s->dropped;
    st->findings_dropped = s->findings_dropped;
    st->opened_us = s->t0_us;
    st->closed_us = s->closed_us;
}

cJSON *pl_session_summary_json(const pl_session *s)
{
    char ts[PL_CLOCK_ISO_LEN];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", s->id);
    cJSON_AddStringToObject(o, "dialect", s->d->id);
    cJSON_AddStringToObject(o, "transport",
                            s->o.transport == PL_TRANSPORT_BRIDGE ? "bridge" : "native");
    if (s->room)
        cJSON_AddStringToObject(o, "room", s->room);
    if (s->user)
        cJSON_AddStringToObject(o, "user", s->user);
    cJSON_AddBoolToObject(o, "open", s->open);
    cJSON_AddStringToObject(o, "opened", pl_clock_iso8601(s->t0_wall_us, ts));
    int64_t end = s->open ? pl_session_now(s) : s->closed_us;
    cJSON_AddNumberToObject(o, "duration_ms", (double)((end - s->t0_us) / 1000));
    cJSON_AddNumberToObject(o, "in", (double)s->in);
    cJSON_AddNumberToObject(o, "out", (double)s->out);
    cJSON *f = cJSON_AddObjectToObject(o, "findings");
    cJSON_AddNumberToObject(f, "must", (double)s->must);
    cJSON_AddNumberToObject(f, "should", (double)s->should);
    cJSON_AddNumberToObject(f, "not_stored", (double)s->findings_dropped);
    cJSON *j = cJSON_AddObjectToObject(o, "journal");
    cJSON_AddNumberToObject(j, "records", (double)s->count);
    cJSON_AddNumberToObject(j, "dropped", (double)s->dropped);
    return o;
}

cJSON *pl_session_journal_json(const pl_session *s, uint64_t since)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "session", s->id);
    cJSON_AddNumberToObject(o, "dropped", (double)s->dropped);
    cJSON *arr = cJSON_AddArrayToObject(o, "records");
    for (size_t k = 0; k < s->count; k++) {
        const cJSON *rec = s->ring[(s->head + k) % s->cap];
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(rec, "n");
        if (since && cJSON_IsNumber(n) && (uint64_t)n->valuedouble <= since)
            continue;
        cJSON_AddItemToArray(arr, cJSON_Duplicate(rec, 1));
    }
    return o;
}

cJSON *pl_session_findings_json(const pl_session *s)
{
    return cJSON_Duplicate(s->findings, 1);
}
