/* rc_trtc_http.c — the business backend's HTTP server: an lws vhost on 127.0.0.1 (a free
 * port) in the refclient's one context, so it runs on the same loop as everything else.
 *
 *   POST /trtc/callback        TRTC's server callbacks 901…909 (§3): Sign checked in constant
 *                              time (base64(HMAC-SHA256(key, raw body))), SdkAppId present;
 *                              200 {"code":0}, or 401 {"code":401,"message":"bad signature"};
 *                              a valid one → onServerCallback, and 902 → the restart logic
 *   POST /v1/chat/completions  an OpenAI-compatible LLM (§4): "Hello from the reference LLM."
 *                              as SSE in 3 chunks + data: [DONE] (stream:true) or one
 *                              chat.completion; onLLMRequest with the X-Task-Id and
 *                              X-Rquest-Id / X-Request-Id it saw
 *   POST /tts                  a custom TTS (§5): 200 ms of a 440 Hz tone, 16-bit, at the asked
 *                              SampleRate and Channel, wav (with its header) or pcm, chunked
 *                              (Transfer-Encoding: chunked, Content-Type audio/wav or
 *                              audio/L16); onTTSRequest
 *
 * A request: LWS_CALLBACK_HTTP (path, method) → HTTP_BODY pieces (at most 1 MiB kept) →
 * HTTP_BODY_COMPLETION → the handler builds the whole answer → HTTP_WRITEABLE writes the
 * headers, then the body: in one piece with Content-Length, or chunk by chunk (chunked
 * framing written here: lws only adds it when it compresses). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rc.h"
#include "rc_bugs.h"
#include "rc_trtc_int.h"
#include "rc_trtc_sign.h"

#define RC_TRTC_LLM_REPLY_1 "Hello from "
#define RC_TRTC_LLM_REPLY_2 "the reference "
#define RC_TRTC_LLM_REPLY_3 "LLM."
#define RC_TRTC_TONE_HZ 440.0
#define RC_TRTC_TONE_MS 200
#define RC_TRTC_TONE_AMP 8000.0
#define RC_TRTC_PIECE 3200 /* bytes of audio per chunk */
#define RC_TRTC_MAX_PIECES 64

typedef enum { RC_RT_NONE, RC_RT_CALLBACK, RC_RT_LLM, RC_RT_TTS } rc_trtc_route;

/* One request (lws' per-connection user space; reset for each request on a kept-alive one). */
typedef struct {
    rc_trtc_route route;
    int post, handled;
    char path[128];
    char *body;
    size_t len, cap, total;
    /* the answer */
    unsigned status;
    const char *ctype;
    int chunked, headers_sent;
    unsigned char *resp;
    size_t resp_len, sent;
    size_t cuts[RC_TRTC_MAX_PIECES]; /* chunked: where each chunk ends */
    int n_cuts, cut;
} rc_trtc_req;

static rc_trtc *rc_trtc_of(struct lws *wsi)
{
    rc_trtc **slot = lws_protocol_vh_priv_get(lws_get_vhost(wsi), lws_get_protocol(wsi));
    return slot ? *slot : NULL;
}

static void rc_trtc_req_release(rc_trtc_req *r)
{
    free(r->body);
    free(r->resp);
    r->body = NULL;
    r->resp = NULL;
}

/* ---- answers ------------------------------------------------------------------------ */

/* The whole answer: resp (malloc'd, taken over). cuts: chunk ends when chunked. */
static void rc_trtc_respond(struct lws *wsi, rc_trtc_req *r, unsigned status, const char *ctype,
                            unsigned char *resp, size_t len, int chunked)
{
    r->handled = 1;
    r->status = status;
    r->ctype = ctype;
    free(r->resp);
    r->resp = resp;
    r->resp_len = len;
    r->sent = 0;
    r->chunked = chunked;
    if (chunked && !r->n_cuts) { /* one chunk per RC_TRTC_PIECE bytes */
        for (size_t end = RC_TRTC_PIECE; r->n_cuts < RC_TRTC_MAX_PIECES - 1 && end < len;
             end += RC_TRTC_PIECE)
            r->cuts[r->n_cuts++] = end;
        r->cuts[r->n_cuts++] = len;
    }
    rc_debug("trtc http: %s → %u %s, %zu bytes%s", r->path, status, ctype, len,
             chunked ? " chunked" : "");
    lws_callback_on_writable(wsi);
}

static void rc_trtc_respond_json(struct lws *wsi, rc_trtc_req *r, unsigned status, cJSON *doc)
{
    char *txt = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    rc_trtc_respond(wsi, r, status, "application/json", (unsigned char *)txt, strlen(txt), 0);
}

/* {"code":N,"message":M}: the callback receiver's shape (and 404/405/413 here). */
static void rc_trtc_respond_code(struct lws *wsi, rc_trtc_req *r, unsigned status, int code,
                                 const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "code", code);
    if (message)
        cJSON_AddStringToObject(o, "message", message);
    rc_trtc_respond_json(wsi, r, status, o);
}

/* {"error":{"code","message"}}: what the custom TTS and the LLM say when they fail (§5). */
static void rc_trtc_respond_error(struct lws *wsi, rc_trtc_req *r, unsigned status,
                                  const char *code, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    rc_trtc_respond_json(wsi, r, status, o);
}

static int rc_trtc_write(struct lws *wsi, rc_trtc_req *r)
{
    if (!r->handled || !r->resp)
        return 0;
    if (!r->headers_sent) {
        unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start,
                                           *end = hdr + sizeof hdr;
        if (lws_add_http_header_status(wsi, r->status, &p, end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                         (const unsigned char *)r->ctype, (int)strlen(r->ctype), &p,
                                         end))
            return -1;
        if (r->chunked ? lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING,
                                                      (const unsigned char *)"chunked", 7, &p, end)
                       : lws_add_http_header_content_length(wsi, r->resp_len, &p, end))
            return -1;
        if (lws_finalize_write_http_header(wsi, start, &p, end))
            return -1;
        r->headers_sent = 1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    size_t end = r->chunked ? r->cuts[r->cut] : r->resp_len;
    size_t n = end - r->sent;
    int last = !r->chunked || r->cut == r->n_cuts - 1;
    unsigned char *buf = rc_xmalloc(LWS_PRE + n + 32);
    unsigned char *o = buf + LWS_PRE;
    size_t len = 0;
    if (r->chunked)
        len += (size_t)sprintf((char *)o, "%zx\r\n", n);
    memcpy(o + len, r->resp + r->sent, n);
    len += n;
    if (r->chunked) {
        memcpy(o + len, last ? "\r\n0\r\n\r\n" : "\r\n", last ? 7 : 2);
        len += last ? 7 : 2;
    }
    int w = lws_write(wsi, o, len, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    free(buf);
    if (w < (int)len)
        return -1;
    r->sent = end;
    r->cut++;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    free(r->resp);
    r->resp = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- request headers ---------------------------------------------------------------- */

/* A header lws does not know by name ("sign", "x-task-id"); 0, or -1 when absent. */
static int rc_trtc_header(struct lws *wsi, const char *name, char *out, size_t n)
{
    char key[64];
    snprintf(key, sizeof key, "%s:", name);
    int klen = (int)strlen(key);
    int len = lws_hdr_custom_length(wsi, key, klen);
    if (len < 0 || (size_t)len >= n || lws_hdr_custom_copy(wsi, out, (int)n, key, klen) < 0) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

/* ---- POST /trtc/callback (§3) ------------------------------------------------------- */

static int rc_trtc_number(const cJSON *v, int def)
{
    if (cJSON_IsNumber(v))
        return v->valueint;
    if (cJSON_IsString(v) && v->valuestring[0]) /* EventMsTs-style digit strings */
        return atoi(v->valuestring);
    return def;
}

static void rc_trtc_on_callback(rc_trtc *t, struct lws *wsi, rc_trtc_req *r)
{
    char sign[256], app[64];
    int has_sign = rc_trtc_header(wsi, "sign", sign, sizeof sign) == 0;
    if (rc_trtc_header(wsi, "sdkappid", app, sizeof app)) {
        rc_log("trtc: a callback without an SdkAppId header: 400");
        rc_trtc_respond_code(wsi, r, 400, 400, "missing SdkAppId header");
        return;
    }
    if (!rc_bug_on(RC_BUG_BAD_SIGNATURE_CHECK) &&
        !(has_sign &&
          rc_trtc_callback_sign_ok(rc_cfg.callback_key, r->body ? r->body : "", r->len, sign))) {
        rc_log("trtc: a callback with %s Sign: 401", has_sign ? "a wrong" : "no");
        rc_trtc_respond_code(wsi, r, 401, 401, "bad signature");
        return;
    }
    cJSON *doc = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        rc_log("trtc: a callback whose body is not a JSON object: 400");
        rc_trtc_respond_code(wsi, r, 400, 400, "the body is not a JSON object");
        return;
    }
    rc_trtc_respond_code(wsi, r, 200, 0, NULL);

    int event = rc_trtc_number(cJSON_GetObjectItemCaseSensitive(doc, "EventType"), 0);
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(doc, "EventInfo");
    const cJSON *payload = cJSON_GetObjectItemCaseSensitive(info, "Payload");
    const cJSON *task = cJSON_GetObjectItemCaseSensitive(info, "TaskId");
    const cJSON *leave = cJSON_GetObjectItemCaseSensitive(payload, "LeaveCode");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(payload, "Status");
    const char *task_id = cJSON_IsString(task) ? task->valuestring : "";
    cJSON *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(a, "event", event);
    cJSON_AddStringToObject(a, "task_id", task_id);
    if (leave)
        cJSON_AddNumberToObject(a, "leaveCode", rc_trtc_number(leave, -1));
    if (status)
        cJSON_AddNumberToObject(a, "status", rc_trtc_number(status, -1));
    rc_trtc_callback(t, "onServerCallback", a);
    if (event == 902)
        rc_trtc_api_task_stopped(t, task_id, rc_trtc_number(leave, -1));
    cJSON_Delete(doc);
}

/* ---- POST /v1/chat/completions (§4) --------------------------------------------------- */

/* The text of the last user message (a string content, or the text parts of an array). */
static const char *rc_trtc_last_user_text(const cJSON *body)
{
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(body, "messages"), *m;
    const char *text = "";
    cJSON_ArrayForEach(m, msgs)
    {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
        if (cJSON_IsString(role) && strcmp(role->valuestring, "user") == 0 &&
            cJSON_IsString(content))
            text = content->valuestring;
    }
    return text;
}

static char *rc_trtc_chunk(const char *id, long created, const char *model, const char *content)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "id", id);
    cJSON_AddStringToObject(c, "object", "chat.completion.chunk");
    cJSON_AddNumberToObject(c, "created", (double)created);
    cJSON_AddStringToObject(c, "model", model);
    cJSON *ch = cJSON_CreateObject();
    cJSON_AddNumberToObject(ch, "index", 0);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(ch, "delta"), "content", content);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(c, "choices"), ch);
    char *txt = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    return txt;
}

static void rc_trtc_on_llm(rc_trtc *t, struct lws *wsi, rc_trtc_req *r)
{
    char task[RC_TRTC_TASK_ID_MAX], rid[256], invoke[16];
    const char *rid_header = "X-Rquest-Id"; /* the spelling of most Tencent pages (§6.1) */
    rc_trtc_header(wsi, "x-task-id", task, sizeof task);
    if (rc_trtc_header(wsi, "x-rquest-id", rid, sizeof rid)) {
        rid_header = "X-Request-Id";
        if (rc_trtc_header(wsi, "x-request-id", rid, sizeof rid))
            rid_header = "";
    }
    rc_trtc_header(wsi, "x-invoke-llm", invoke, sizeof invoke);
    cJSON *body = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
    int stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "stream"));

    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "task_id", task);
    cJSON_AddStringToObject(a, "request_id", rid);
    cJSON_AddBoolToObject(a, "headers_ok", task[0] && rid[0]);
    cJSON_AddStringToObject(a, "request_id_header", rid_header);
    cJSON_AddBoolToObject(a, "stream", stream);
    cJSON_AddStringToObject(a, "text", rc_trtc_last_user_text(body));
    cJSON_AddBoolToObject(a, "invoke_llm", strcmp(invoke, "1") == 0);
    rc_trtc_callback(t, "onLLMRequest", a);

    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        rc_trtc_respond_error(wsi, r, 400, "invalid_request_error", "the body is not JSON");
        return;
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, "model");
    char model[128], id[64];
    snprintf(model, sizeof model, "%s", cJSON_IsString(m) ? m->valuestring : "parley-ref-llm");
    snprintf(id, sizeof id, "chatcmpl-ref-%u", ++t->llm_n);
    cJSON_Delete(body);
    long created = (long)time(NULL);
    if (!stream) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "id", id);
        cJSON_AddStringToObject(c, "object", "chat.completion");
        cJSON_AddNumberToObject(c, "created", (double)created);
        cJSON_AddStringToObject(c, "model", model);
        cJSON *ch = cJSON_CreateObject();
        cJSON_AddNumberToObject(ch, "index", 0);
        cJSON *msg = cJSON_AddObjectToObject(ch, "message");
        cJSON_AddStringToObject(msg, "role", "assistant");
        cJSON_AddStringToObject(msg, "content",
                                RC_TRTC_LLM_REPLY_1 RC_TRTC_LLM_REPLY_2 RC_TRTC_LLM_REPLY_3);
        cJSON_AddStringToObject(ch, "finish_reason", "stop");
        cJSON_AddItemToArray(cJSON_AddArrayToObject(c, "choices"), ch);
        rc_trtc_respond_json(wsi, r, 200, c);
        return;
    }
    /* SSE: one event per chunk of the transfer encoding, then data: [DONE] */
    static const char *const parts[] = {RC_TRTC_LLM_REPLY_1, RC_TRTC_LLM_REPLY_2,
                                        RC_TRTC_LLM_REPLY_3};
    size_t cap = 4096, len = 0;
    char *out = rc_xmalloc(cap);
    r->n_cuts = 0;
    for (int i = 0; i < 4; i++) {
        char *chunk = i < 3 ? rc_trtc_chunk(id, created, model, parts[i]) : NULL;
        const char *data = chunk ? chunk : "[DONE]";
        size_t need = strlen(data) + 16;
        if (len + need > cap) {
            while (len + need > cap)
                cap *= 2;
            out = rc_xrealloc(out, cap);
        }
        len += (size_t)sprintf(out + len, "data: %s\n\n", data);
        r->cuts[r->n_cuts++] = len;
        free(chunk);
    }
    rc_trtc_respond(wsi, r, 200, "text/event-stream", (unsigned char *)out, len, 1);
}

/* ---- POST /tts (§5) --------------------------------------------------------------------- */

static void rc_le16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 255);
    p[1] = (unsigned char)(v >> 8);
}

static void rc_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* 200 ms of 440 Hz, 16-bit little-endian, interleaved; with a 44-byte RIFF header for wav. */
static unsigned char *rc_trtc_tone(int rate, int channels, int wav, size_t *len)
{
    size_t frames = (size_t)rate * RC_TRTC_TONE_MS / 1000;
    size_t data = frames * (size_t)channels * 2, head = wav ? 44 : 0;
    unsigned char *out = rc_xmalloc(head + data);
    if (wav) {
        memcpy(out, "RIFF", 4);
        rc_le32(out + 4, (uint32_t)(36 + data));
        memcpy(out + 8, "WAVEfmt ", 8);
        rc_le32(out + 16, 16);
        rc_le16(out + 20, 1); /* PCM */
        rc_le16(out + 22, (unsigned)channels);
        rc_le32(out + 24, (uint32_t)rate);
        rc_le32(out + 28, (uint32_t)(rate * channels * 2));
        rc_le16(out + 32, (unsigned)(channels * 2));
        rc_le16(out + 34, 16);
        memcpy(out + 36, "data", 4);
        rc_le32(out + 40, (uint32_t)data);
    }
    unsigned char *p = out + head;
    for (size_t i = 0; i < frames; i++) {
        double v = RC_TRTC_TONE_AMP * sin(2.0 * M_PI * RC_TRTC_TONE_HZ * (double)i / rate);
        unsigned s = (unsigned)(uint16_t)(int16_t)lrint(v);
        for (int c = 0; c < channels; c++, p += 2)
            rc_le16(p, s);
    }
    *len = head + data;
    return out;
}

static void rc_trtc_on_tts(rc_trtc *t, struct lws *wsi, rc_trtc_req *r)
{
    char task[RC_TRTC_TASK_ID_MAX];
    rc_trtc_header(wsi, "x-task-id", task, sizeof task);
    cJSON *body = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(body, "Text");
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(body, "Format");
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(body, "SampleRate");
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(body, "Channel");
    const char *format = cJSON_IsString(fmt) ? fmt->valuestring : "wav"; /* the defaults, §5 */
    int sample_rate = cJSON_IsNumber(rate) ? rate->valueint : 16000;
    int channels = cJSON_IsNumber(ch) ? ch->valueint : 1;
    const char *bad = NULL, *code = "InvalidParameter";
    if (!cJSON_IsObject(body))
        bad = "the body is not a JSON object";
    else if (!cJSON_IsString(text) || !text->valuestring[0])
        bad = "Text is required";
    else if (strcmp(format, "wav") != 0 && strcmp(format, "pcm") != 0)
        bad = "only pcm and wav are supported", code = "UnsupportedFormat";
    else if (sample_rate < 8000 || sample_rate > 48000)
        bad = "SampleRate must be 8000-48000";
    else if (channels != 1 && channels != 2)
        bad = "Channel must be 1 or 2";
    if (cJSON_IsString(text)) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "text", text->valuestring);
        cJSON_AddStringToObject(a, "format", format);
        cJSON_AddNumberToObject(a, "sample_rate", sample_rate);
        cJSON_AddNumberToObject(a, "channels", channels);
        cJSON_AddStringToObject(a, "task_id", task);
        rc_trtc_callback(t, "onTTSRequest", a);
    }
    if (bad) {
        rc_log("trtc: TTS request refused: %s", bad);
        cJSON_Delete(body);
        rc_trtc_respond_error(wsi, r, 400, code, bad);
        return;
    }
    int wav = strcmp(format, "wav") == 0;
    cJSON_Delete(body);
    size_t len;
    unsigned char *audio = rc_trtc_tone(sample_rate, channels, wav, &len);
    r->n_cuts = 0;
    rc_trtc_respond(wsi, r, 200, wav ? "audio/wav" : "audio/L16", audio, len, 1);
}

/* ---- lws glue ----------------------------------------------------------------------- */

static void rc_trtc_handle(struct lws *wsi, rc_trtc_req *r)
{
    rc_trtc *t = rc_trtc_of(wsi);
    if (!t) {
        rc_trtc_respond_code(wsi, r, 503, 503, "the client is stopping");
    } else if (r->total > RC_TRTC_MAX_BODY) {
        rc_log("trtc: %s: a body of %zu bytes (limit 1 MiB): 413", r->path, r->total);
        rc_trtc_respond_code(wsi, r, 413, 413, "the body is over 1 MiB");
    } else if (r->route == RC_RT_CALLBACK) {
        rc_trtc_on_callback(t, wsi, r);
    } else if (r->route == RC_RT_LLM) {
        rc_trtc_on_llm(t, wsi, r);
    } else if (r->route == RC_RT_TTS) {
        rc_trtc_on_tts(t, wsi, r);
    }
}

static int rc_trtc_begin(struct lws *wsi, rc_trtc_req *r, const char *uri)
{
    rc_trtc_req_release(r);
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", uri);
    r->post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
    if (strcmp(uri, "/trtc/callback") == 0)
        r->route = RC_RT_CALLBACK;
    else if (strcmp(uri, "/v1/chat/completions") == 0)
        r->route = RC_RT_LLM;
    else if (strcmp(uri, "/tts") == 0)
        r->route = RC_RT_TTS;
    if (r->route == RC_RT_NONE) {
        rc_trtc_respond_code(wsi, r, 404, 404, "not found");
        return 0;
    }
    if (!r->post) {
        rc_trtc_respond_code(wsi, r, 405, 405, "POST only");
        return 0;
    }
    /* no body coming: answer now (lws calls HTTP_BODY_COMPLETION only after a body) */
    char cl[32] = "";
    int has_len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
    int has_te = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    if (has_len)
        lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if ((!has_len && !has_te) || (has_len && atoll(cl) == 0))
        rc_trtc_handle(wsi, r);
    return 0;
}

static void rc_trtc_body(rc_trtc_req *r, const void *in, size_t len)
{
    r->total += len;
    if (r->total > RC_TRTC_MAX_BODY)
        return;
    if (r->len + len + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + len + 1)
            cap *= 2;
        r->body = rc_xrealloc(r->body, cap);
        r->cap = cap;
    }
    memcpy(r->body + r->len, in, len);
    r->len += len;
    r->body[r->len] = '\0';
}

static int rc_trtc_http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                           size_t len)
{
    rc_trtc_req *r = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return r ? rc_trtc_begin(wsi, r, in ? (const char *)in : "/") : -1;
    case LWS_CALLBACK_HTTP_BODY:
        if (r && !r->handled)
            rc_trtc_body(r, in, len);
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (r && !r->handled)
            rc_trtc_handle(wsi, r);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return r ? rc_trtc_write(wsi, r) : 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (r)
            rc_trtc_req_release(r);
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols rc_trtc_protocols[] = {
    {"rc-trtc-http", rc_trtc_http_cb, sizeof(rc_trtc_req), 0, 0, NULL, 0},
    {RC_TRTC_API_PROTOCOL, rc_trtc_client_cb, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int rc_trtc_http_start(rc_trtc *t, char *err, size_t errlen)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = 0; /* a free one */
    info.iface = "127.0.0.1";
    info.protocols = rc_trtc_protocols;
    info.vhost_name = "rc-trtc";
    if (t->tls) /* lws makes a vhost's client TLS context only with this option */
        info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    t->vh = lws_create_vhost(rc_net_context(t->net), &info);
    if (!t->vh) {
        snprintf(err, errlen, "cannot start the HTTP server on 127.0.0.1");
        return -1;
    }
    /* the cloud API client's connections are bound to this vhost: https needs its TLS here */
    if (t->tls && lws_init_vhost_client_ssl(&info, t->vh)) {
        snprintf(err, errlen, "cannot set up TLS for the cloud API client");
        return -1;
    }
    t->http_port = lws_get_vhost_listen_port(t->vh);
    rc_trtc **slot = lws_protocol_vh_priv_zalloc(t->vh, &rc_trtc_protocols[0], sizeof *slot);
    if (!slot || t->http_port <= 0) {
        snprintf(err, errlen, "the HTTP server has no port");
        return -1;
    }
    *slot = t;
    return 0;
}

void rc_trtc_http_detach(rc_trtc *t)
{
    rc_trtc **slot = t->vh ? lws_protocol_vh_priv_get(t->vh, &rc_trtc_protocols[0]) : NULL;
    if (slot)
        *slot = NULL;
}
