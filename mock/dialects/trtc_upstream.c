/* trtc_upstream.c — checks of the LLM and custom-TTS answers (see trtc_upstream.h).
 *
 * LLM. The order of the checks: an error JSON ({"error":…}, any status) is the integrator's
 * documented way to fail and gives trtc.llm.error (should) — or trtc.llm.shape when the
 * error member is not an object with a message; otherwise a status other than 200 gives
 * trtc.llm.status and nothing more is judged. Then the Content-Type against the request
 * (stream:true → text/event-stream, else application/json; parameters ignored, case
 * insensitive). A server that answered the other format than asked (JSON to a streaming
 * request, SSE to a non-streaming one) gets one content_type finding and its text is
 * extracted quietly. The SSE parser follows the WHATWG event-stream rules where they
 * matter here: lines end in LF, CRLF or CR; ":" lines are comments; "field: value" with one
 * optional space after the colon (so "data:{…}" is accepted, as several OpenAI-compatible
 * servers send it); event, id and retry fields are tolerated; a blank line ends an event.
 * Each rule gives at most one finding per answer, naming the first case and the count.
 *
 * TTS. A JSON Content-Type is the error answer (status not judged: the doc decides success
 * by Content-Type); otherwise status 200, the audio Content-Type for the Format,
 * Transfer-Encoding: chunked, a non-empty body, and the body itself: the WAV header
 * (RIFF/WAVE, fmt chunk: PCM, 16-bit, the requested rate and channels; data = what follows
 * the data chunk header, since a streamed WAV often carries a placeholder size), whole
 * 16-bit frames for pcm, the magic bytes of mp3/ogg. The duration is data bytes /
 * (rate × channels × 2). */
#include "mock/dialects/trtc_upstream.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "core/pl_utf8.h"
#include "mock/dialects/trtc_rules.h"

#define QUOTE 64

/* ---- helpers ------------------------------------------------------------------------ */

static const char *quote(char out[QUOTE], const char *s)
{
    return pl_utf8_quote(out, QUOTE, s, strlen(s));
}

static const cJSON *get(const cJSON *o, const char *name)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

/* The media type of a Content-Type value (before ';', trimmed), in out; "" for NULL. */
static const char *media_type(char out[96], const char *ct)
{
    out[0] = '\0';
    if (!ct)
        return out;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n > 95)
        n = 95;
    memcpy(out, ct, n);
    out[n] = '\0';
    return out;
}

static int media_is(const char *media, const char *want)
{
    return strcasecmp(media, want) == 0;
}

/* The first non-blank byte of body, or 0. */
static char first_char(const char *body, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n')
            return body[i];
    return 0;
}

/* Parses exactly s[0..n): one JSON value and only whitespace after it (cJSON alone stops
 * after the first value). NULL when it is not. */
static cJSON *parse_exact(const char *s, size_t n)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(s, n, &end, 0);
    if (!j)
        return NULL;
    for (const char *p = end; p && p < s + n; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            cJSON_Delete(j);
            return NULL;
        }
    return j;
}

/* An error member's code (string or number) and message into the result. */
static void error_fields(const cJSON *err, char code[64], char message[256])
{
    const cJSON *c = get(err, "code"), *t = get(err, "type"), *m = get(err, "message");
    if (cJSON_IsString(c))
        snprintf(code, 64, "%s", c->valuestring);
    else if (cJSON_IsNumber(c))
        snprintf(code, 64, "%g", c->valuedouble);
    else if (cJSON_IsString(t))
        snprintf(code, 64, "%s", t->valuestring);
    if (cJSON_IsString(m))
        snprintf(message, 256, "%s", m->valuestring);
    else if (cJSON_IsString(err))
        snprintf(message, 256, "%s", err->valuestring);
}

/* ---- LLM ---------------------------------------------------------------------------- */

typedef struct {
    pl_finding_fn emit; /* NULL: quiet (the other format than asked is being read) */
    void *user;
    pl_trtc_llm_result *out;
    pl_buf text;
    int chunks, done, error_chunk;
    /* framing: the first bad case and the count */
    int bad_lines, first_bad_line;
    char first_bad[QUOTE];
    int multi_data, multi_line;
    int unterminated, unterminated_line;
    int after_done, after_done_line;
    /* chunk_json */
    int bad_chunks, first_bad_chunk, first_bad_chunk_line;
    char bad_chunk_why[200];
} sse_state;

/* One chunk (the data of an event, or one of its data lines). */
static void sse_chunk(sse_state *s, const char *data, size_t n, int line)
{
    char q[QUOTE];
    while (n && (data[n - 1] == ' ' || data[n - 1] == '\t'))
        n--;
    if (s->done) {
        if (!s->after_done++)
            s->after_done_line = line;
        return;
    }
    if (n == 6 && memcmp(data, "[DONE]", 6) == 0) {
        s->done = 1;
        return;
    }
    s->chunks++;
    cJSON *c = parse_exact(data, n);
    char why[200] = "";
    if (!c) {
        snprintf(why, sizeof why, "is not JSON (\"%s\")", pl_utf8_quote(q, QUOTE, data, n));
    } else if (!cJSON_IsObject(c)) {
        snprintf(why, sizeof why, "is %s, not a JSON object", pl_json_kind(c));
    } else if (get(c, "error") && !cJSON_IsNull(get(c, "error")) && !get(c, "choices")) {
        if (!s->error_chunk++) {
            error_fields(get(c, "error"), s->out->code, s->out->message);
            if (s->emit)
                pl_trtc_report(s->emit, s->user, "trtc.llm.error",
                               "the LLM stream carried an error chunk (line %d): code \"%s\", "
                               "message \"%s\"; TRTC reports 10030 llm_error 30202",
                               line, s->out->code, quote(q, s->out->message));
        }
    } else if (cJSON_IsString(get(c, "type")) &&
               strcmp(get(c, "type")->valuestring, "meta.info") == 0) {
        const cJSON *mi = get(c, "metainfo");
        if (cJSON_IsObject(mi)) {
            cJSON_Delete(s->out->metainfo);
            s->out->metainfo = cJSON_Duplicate(mi, 1);
        } else {
            snprintf(why, sizeof why, "is a meta.info chunk whose metainfo is %s, not an object",
                     pl_json_kind(mi));
        }
    } else {
        const cJSON *ch = get(c, "choices"), *c0 = cJSON_GetArrayItem(ch, 0);
        const cJSON *delta = get(c0, "delta"), *content = get(delta, "content");
        if (!cJSON_IsArray(ch))
            snprintf(why, sizeof why, "has choices %s, expected an array", pl_json_kind(ch));
        else if (!c0 && !get(c, "usage"))
            snprintf(why, sizeof why, "has an empty choices array (and no usage)");
        else if (!c0)
            ; /* the usage chunk of stream_options.include_usage */
        else if (!cJSON_IsObject(delta))
            snprintf(why, sizeof why, "has choices[0].delta %s, expected an object%s",
                     pl_json_kind(delta),
                     get(c0, "message") ? " (it has choices[0].message: a non-streaming shape)"
                                        : "");
        else if (content && !cJSON_IsNull(content) && !cJSON_IsString(content))
            snprintf(why, sizeof why, "has choices[0].delta.content %s, expected a string",
                     pl_json_kind(content));
        else if (cJSON_IsString(content))
            pl_buf_puts(&s->text, content->valuestring);
    }
    if (why[0] && !s->bad_chunks++) {
        s->first_bad_chunk = s->chunks;
        s->first_bad_chunk_line = line;
        snprintf(s->bad_chunk_why, sizeof s->bad_chunk_why, "%s", why);
    }
    cJSON_Delete(c);
}

/* Dispatches an event whose data lines are in data (joined by '\n'). */
static void sse_event(sse_state *s, const pl_buf *data, int lines, int line)
{
    if (lines == 1) {
        sse_chunk(s, data->data, data->len, line);
        return;
    }
    cJSON *joined = parse_exact(data->data, data->len);
    if (joined) { /* one JSON value split over data lines: legal SSE */
        cJSON_Delete(joined);
        sse_chunk(s, data->data, data->len, line);
        return;
    }
    if (!s->multi_data++)
        s->multi_line = line;
    const char *p = data->data, *end = data->data + data->len;
    while (p <= end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        sse_chunk(s, p, n, line);
        if (!nl)
            break;
        p = nl + 1;
    }
}

static void sse_parse(sse_state *s, const char *body, size_t len)
{
    pl_buf data = PL_BUF_INIT;
    int data_lines = 0, event_line = 0, lineno = 0;
    size_t i = len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* a BOM */
    while (i < len) {
        size_t j = i;
        while (j < len && body[j] != '\n' && body[j] != '\r')
            j++;
        const char *ln = body + i;
        size_t n = j - i;
        if (j < len && body[j] == '\r' && j + 1 < len && body[j + 1] == '\n')
            j++;
        i = j + 1;
        lineno++;
        if (n == 0) { /* blank: the end of an event */
            if (data_lines)
                sse_event(s, &data, data_lines, event_line);
            pl_buf_reset(&data);
            data_lines = 0;
            event_line = 0;
            continue;
        }
        if (ln[0] == ':')
            continue; /* comment */
        const char *colon = memchr(ln, ':', n);
        size_t fn = colon ? (size_t)(colon - ln) : n;
        const char *v = colon ? colon + 1 : ln + n;
        size_t vn = (size_t)(ln + n - v);
        if (vn && *v == ' ')
            v++, vn--;
        if (!event_line)
            event_line = lineno;
        if (fn == 4 && memcmp(ln, "data", 4) == 0) {
            if (data_lines++)
                pl_buf_putc(&data, '\n');
            pl_buf_append(&data, v, vn);
        } else if ((fn == 5 && memcmp(ln, "event", 5) == 0) ||
                   (fn == 2 && memcmp(ln, "id", 2) == 0) ||
                   (fn == 5 && memcmp(ln, "retry", 5) == 0)) {
            /* tolerated */
        } else if (!s->bad_lines++) {
            s->first_bad_line = lineno;
            pl_utf8_quote(s->first_bad, sizeof s->first_bad, ln, n);
        }
    }
    if (data_lines) { /* the body ended inside an event */
        s->unterminated = 1;
        s->unterminated_line = event_line;
        sse_event(s, &data, data_lines, event_line);
    }
    pl_buf_free(&data);
}

/* The streaming answer's body; reports (unless quiet) framing, chunks, [DONE], empty. */
static void llm_stream(const char *body, size_t len, pl_trtc_llm_result *out, pl_finding_fn emit,
                       void *user)
{
    sse_state s;
    memset(&s, 0, sizeof s);
    s.emit = emit;
    s.user = user;
    s.out = out;
    s.text = (pl_buf)PL_BUF_INIT;
    sse_parse(&s, body, len);
    if (emit) {
        if (s.bad_lines)
            pl_trtc_report(emit, user, "trtc.llm.sse_framing",
                           "line %d of the stream is \"%s\" (%d such line%s): expected \"data: "
                           "<json>\", a \":\" comment, an event:/id:/retry: field or a blank "
                           "line",
                           s.first_bad_line, s.first_bad, s.bad_lines, s.bad_lines > 1 ? "s" : "");
        else if (s.multi_data)
            pl_trtc_report(emit, user, "trtc.llm.sse_framing",
                           "the event at line %d has several data: lines that are not one JSON "
                           "value (%d such event%s): each chunk is its own event, ended by a "
                           "blank line",
                           s.multi_line, s.multi_data, s.multi_data > 1 ? "s" : "");
        else if (s.unterminated)
            pl_trtc_report(emit, user, "trtc.llm.sse_framing",
                           "the last event (line %d) is not ended by a blank line: a strict SSE "
                           "parser discards it; end every event with \"\\n\\n\"",
                           s.unterminated_line);
        else if (s.after_done)
            pl_trtc_report(emit, user, "trtc.llm.sse_framing",
                           "%d event%s after data: [DONE] (line %d): [DONE] ends the stream",
                           s.after_done, s.after_done > 1 ? "s" : "", s.after_done_line);
        if (s.bad_chunks)
            pl_trtc_report(emit, user, "trtc.llm.chunk_json",
                           "chunk %d (line %d) %s (%d bad chunk%s of %d): expected an OpenAI "
                           "chat.completion.chunk with choices[0].delta",
                           s.first_bad_chunk, s.first_bad_chunk_line, s.bad_chunk_why,
                           s.bad_chunks, s.bad_chunks > 1 ? "s" : "", s.chunks);
        if (!s.done)
            pl_trtc_report(emit, user, "trtc.llm.no_done",
                           "the stream ended without data: [DONE] after %d chunk%s (%zu bytes)",
                           s.chunks, s.chunks == 1 ? "" : "s", len);
        if (!s.text.len && !s.error_chunk)
            pl_trtc_report(emit, user, "trtc.llm.empty",
                           "no reply text in %d chunk%s: no choices[0].delta.content carried "
                           "any text",
                           s.chunks, s.chunks == 1 ? "" : "s");
    }
    if (!s.text.len || s.error_chunk)
        out->failed = 1;
    free(out->text);
    out->text = s.text.len ? pl_buf_take(&s.text) : pl_xstrdup("");
    pl_buf_free(&s.text);
}

/* The non-streaming answer's body; reports (unless quiet) shape and empty. */
static void llm_json(const char *body, size_t len, pl_trtc_llm_result *out, pl_finding_fn emit,
                     void *user)
{
    char q[QUOTE], why[160] = "";
    cJSON *j = parse_exact(body, len);
    const cJSON *ch = get(j, "choices"), *c0 = cJSON_GetArrayItem(ch, 0);
    const cJSON *m = get(c0, "message"), *content = get(m, "content");
    if (!j)
        snprintf(why, sizeof why, "is not JSON (%zu bytes: \"%s\")", len,
                 pl_utf8_quote(q, QUOTE, body, len));
    else if (!cJSON_IsObject(j))
        snprintf(why, sizeof why, "is %s, not a JSON object", pl_json_kind(j));
    else if (!cJSON_IsArray(ch))
        snprintf(why, sizeof why, "has choices %s, expected an array", pl_json_kind(ch));
    else if (!c0)
        snprintf(why, sizeof why, "has an empty choices array");
    else if (!cJSON_IsObject(m))
        snprintf(why, sizeof why, "has choices[0].message %s, expected an object%s",
                 pl_json_kind(m), get(c0, "delta") ? " (it has choices[0].delta: a stream chunk)"
                                                   : "");
    else if (!cJSON_IsString(content))
        snprintf(why, sizeof why, "has choices[0].message.content %s, expected a string%s",
                 pl_json_kind(content),
                 get(m, "tool_calls") ? " (tool_calls are not spoken)" : "");
    if (why[0]) {
        if (emit)
            pl_trtc_report(emit, user, "trtc.llm.shape",
                           "the non-streaming answer %s: expected OpenAI JSON with "
                           "choices[0].message.content",
                           why);
        out->failed = 1;
    } else {
        free(out->text);
        out->text = pl_xstrdup(content->valuestring);
        if (!out->text[0]) {
            out->failed = 1;
            if (emit)
                pl_trtc_report(emit, user, "trtc.llm.empty",
                               "choices[0].message.content is \"\": no reply text");
        }
    }
    const cJSON *mi = get(m, "metainfo");
    if (cJSON_IsObject(mi))
        out->metainfo = cJSON_Duplicate(mi, 1);
    cJSON_Delete(j);
}

/* An {"error":…} answer (no choices): 1 and reported, else 0. */
static int llm_error_answer(int status, const char *ct, const char *media, const char *body,
                            size_t len, pl_trtc_llm_result *out, pl_finding_fn emit, void *user)
{
    if (first_char(body, len) != '{')
        return 0;
    cJSON *j = parse_exact(body, len);
    const cJSON *err = get(j, "error");
    if (!err || cJSON_IsNull(err) || get(j, "choices")) {
        cJSON_Delete(j);
        return 0;
    }
    char q[QUOTE];
    out->failed = 1;
    error_fields(err, out->code, out->message);
    if (cJSON_IsObject(err) && cJSON_IsString(get(err, "message")))
        pl_trtc_report(emit, user, "trtc.llm.error",
                       "the LLM answered an error (HTTP %d): code \"%s\", message \"%s\"; TRTC "
                       "reports 10030 llm_error 30202",
                       status, out->code, quote(q, out->message));
    else
        pl_trtc_report(emit, user, "trtc.llm.shape",
                       "the LLM's error answer (HTTP %d) has error %s%s: expected "
                       "{\"error\":{\"code\":…,\"message\":\"…\"}} (OpenAI: {\"error\":"
                       "{\"message\",\"type\",\"code\"}})",
                       status, pl_json_kind(err),
                       cJSON_IsObject(err) ? " without a message string" : "");
    if (!media_is(media, "application/json"))
        pl_trtc_report(emit, user, "trtc.llm.content_type",
                       "the LLM's error answer has Content-Type %s%s%s, expected application/json",
                       ct ? "\"" : "", ct ? quote(q, ct) : "none", ct ? "\"" : "");
    cJSON_Delete(j);
    return 1;
}

void pl_trtc_llm_check(int streaming, int status, const char *content_type, const char *body,
                       size_t len, pl_trtc_llm_result *out, pl_finding_fn emit, void *user)
{
    char media[96], q[QUOTE], q2[QUOTE];
    memset(out, 0, sizeof *out);
    out->text = pl_xstrdup("");
    if (!body)
        len = 0;
    if (!body)
        body = "";
    media_type(media, content_type);
    if (llm_error_answer(status, content_type, media, body, len, out, emit, user))
        return;
    if (status != 200) {
        out->failed = 1;
        pl_trtc_report(emit, user, "trtc.llm.status",
                       "the LLM answered HTTP %d (Content-Type %s, %zu bytes: \"%s\"), expected "
                       "200",
                       status, content_type ? quote(q, content_type) : "none", len,
                       pl_utf8_quote(q2, QUOTE, body, len));
        return;
    }
    const char *want = streaming ? "text/event-stream" : "application/json";
    int sse = streaming;
    if (!content_type)
        pl_trtc_report(emit, user, "trtc.llm.content_type",
                       "the %s answer has no Content-Type, expected %s",
                       streaming ? "streaming" : "non-streaming", want);
    else if (!media_is(media, want))
        pl_trtc_report(emit, user, "trtc.llm.content_type",
                       "the %s answer has Content-Type \"%s\", expected %s%s",
                       streaming ? "streaming (stream:true)" : "non-streaming (stream:false)",
                       quote(q, content_type), want,
                       media_is(media, "application/json") && streaming
                           ? " (the server ignored stream:true)"
                       : media_is(media, "text/event-stream") && !streaming
                           ? " (the server streamed although stream was false)"
                           : "");
    if (streaming && media_is(media, "application/json"))
        sse = 0;
    else if (!streaming && media_is(media, "text/event-stream"))
        sse = 1;
    pl_finding_fn e = sse == streaming ? emit : NULL; /* the other format: quiet */
    if (sse)
        llm_stream(body, len, out, e, user);
    else
        llm_json(body, len, out, e, user);
}

void pl_trtc_llm_result_free(pl_trtc_llm_result *r)
{
    if (!r)
        return;
    free(r->text);
    cJSON_Delete(r->metainfo);
    r->text = NULL;
    r->metainfo = NULL;
}

/* ---- TTS ---------------------------------------------------------------------------- */

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* What the first bytes of an audio body look like, for messages. */
static const char *sniff(char out[96], const unsigned char *b, size_t len)
{
    if (len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WAVE", 4) == 0)
        return "a WAV file (RIFF/WAVE)";
    if (len >= 3 && memcmp(b, "ID3", 3) == 0)
        return "MP3 (ID3 tag)";
    if (len >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0)
        return "an MP3 frame";
    if (len >= 4 && memcmp(b, "OggS", 4) == 0)
        return "Ogg (OggS)";
    if (len >= 1 && (b[0] == '{' || b[0] == '<'))
        return b[0] == '{' ? "JSON text" : "HTML/XML text";
    size_t n = len < 4 ? len : 4;
    int k = snprintf(out, 96, "bytes");
    for (size_t i = 0; i < n; i++)
        k += snprintf(out + k, (size_t)(96 - k), " %02x", b[i]);
    return out;
}

/* The Content-Type(s) a format takes; the first is the documented one. */
static const char *const *format_types(const char *format)
{
    static const char *const pcm[] = {"audio/L16", NULL};
    static const char *const wav[] = {"audio/wav", "audio/x-wav", "audio/wave", NULL};
    static const char *const mp3[] = {"audio/mpeg", NULL};
    static const char *const ogg[] = {"audio/ogg", NULL};
    if (strcasecmp(format, "pcm") == 0)
        return pcm;
    if (strcasecmp(format, "mp3") == 0)
        return mp3;
    if (strcasecmp(format, "ogg_opus") == 0)
        return ogg;
    if (strcasecmp(format, "wav") == 0)
        return wav;
    return NULL;
}

/* The JSON error answer: tts.error, or tts.error_shape. */
static void tts_error_answer(int status, const char *body, size_t len, pl_finding_fn emit,
                             void *user)
{
    char q[QUOTE], q2[QUOTE], code[64] = "", message[256] = "";
    cJSON *j = parse_exact(body, len);
    const cJSON *err = get(j, "error"), *c = get(err, "code"), *m = get(err, "message");
    if (cJSON_IsObject(err) && (cJSON_IsString(c) || cJSON_IsNumber(c)) && cJSON_IsString(m)) {
        error_fields(err, code, message);
        pl_trtc_report(emit, user, "trtc.tts.error",
                       "the custom TTS answered an error (HTTP %d): code \"%s\", message \"%s\"; "
                       "TRTC reports 10030 tts_error 30302",
                       status, quote(q, code), quote(q2, message));
    } else {
        char why[128];
        if (!j)
            snprintf(why, sizeof why, "is not JSON (\"%s\")", pl_utf8_quote(q, QUOTE, body, len));
        else if (!cJSON_IsObject(err))
            snprintf(why, sizeof why, "has error %s", pl_json_kind(err));
        else if (!cJSON_IsString(c) && !cJSON_IsNumber(c))
            snprintf(why, sizeof why, "has error.code %s", pl_json_kind(c));
        else
            snprintf(why, sizeof why, "has error.message %s", pl_json_kind(m));
        pl_trtc_report(emit, user, "trtc.tts.error_shape",
                       "the custom TTS's JSON answer (HTTP %d, %zu bytes) %s: expected "
                       "{\"error\":{\"code\":\"ERROR_CODE\",\"message\":\"…\"}}",
                       status, len, why);
    }
    cJSON_Delete(j);
}

/* wav: header checks; the data bytes in *data (0 when none). 0 when the header is unusable. */
static int wav_check(const pl_trtc_tts_want *w, const unsigned char *b, size_t len, int *rate,
                     int *channels, size_t *data, pl_finding_fn emit, void *user)
{
    char s[96];
    *data = 0;
    if (len < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0) {
        pl_trtc_report(emit, user, "trtc.tts.format",
                       "Format wav, but the body (%zu bytes) does not start with a RIFF/WAVE "
                       "header: it starts with %s",
                       len, sniff(s, b, len));
        return 0;
    }
    size_t off = 12;
    int have_fmt = 0;
    unsigned tag = 0, ch = 0, bits = 0;
    uint32_t sr = 0;
    while (off + 8 <= len) {
        uint32_t size = le32(b + off + 4);
        if (memcmp(b + off, "fmt ", 4) == 0 && size >= 16 && off + 8 + 16 <= len) {
            const unsigned char *f = b + off + 8;
            tag = le16(f), ch = le16(f + 2), sr = le32(f + 4), bits = le16(f + 14);
            have_fmt = 1;
        } else if (memcmp(b + off, "data", 4) == 0) {
            *data = len - (off + 8);
            if (size && size != 0xFFFFFFFFu && size < *data)
                *data = size;
            break;
        }
        if (size > len - off - 8)
            break;
        off += 8 + (size_t)size + (size & 1);
    }
    if (!have_fmt) {
        pl_trtc_report(emit, user, "trtc.tts.format",
                       "the WAV answer has no fmt chunk before its data: the sample rate, channels "
                       "and sample size cannot be read");
        return 0;
    }
    char what[256] = "";
    size_t k = 0;
    if (tag != 1 && tag != 0xFFFE)
        k += (size_t)snprintf(what + k, sizeof what - k, "%sformat tag %u (not PCM)",
                              k ? ", " : "", tag);
    if (bits != 16)
        k += (size_t)snprintf(what + k, sizeof what - k, "%s%u-bit samples (16-bit expected)",
                              k ? ", " : "", bits);
    if ((int)sr != w->sample_rate)
        k += (size_t)snprintf(what + k, sizeof what - k, "%s%u Hz (the request asked SampleRate %d)",
                              k ? ", " : "", sr, w->sample_rate);
    if ((int)ch != w->channels)
        k += (size_t)snprintf(what + k, sizeof what - k, "%s%u channel%s (the request asked "
                              "Channel %d)",
                              k ? ", " : "", ch, ch == 1 ? "" : "s", w->channels);
    if (k)
        pl_trtc_report(emit, user, "trtc.tts.format", "the WAV header says %s", what);
    *rate = sr ? (int)sr : w->sample_rate;
    *channels = ch ? (int)ch : w->channels;
    int found_data = off + 8 <= len && memcmp(b + off, "data", 4) == 0;
    if (!found_data) {
        pl_trtc_report(emit, user, "trtc.tts.format",
                       "the WAV answer (%zu bytes) has no data chunk: no audio follows the "
                       "header",
                       len);
        return 0;
    }
    return 1;
}

double pl_trtc_tts_check(const pl_trtc_tts_want *want, int status, const char *content_type,
                         int chunked, const void *body, size_t len, pl_finding_fn emit, void *user)
{
    char media[96], q[QUOTE], q2[QUOTE], s[96];
    pl_trtc_tts_want w = {"wav", 16000, 1};
    if (want) {
        if (want->format && want->format[0])
            w.format = want->format;
        if (want->sample_rate > 0)
            w.sample_rate = want->sample_rate;
        if (want->channels > 0)
            w.channels = want->channels;
    }
    const unsigned char *b = body ? body : (const void *)"";
    if (!body)
        len = 0;
    media_type(media, content_type);
    if (media_is(media, "application/json")) {
        tts_error_answer(status, (const char *)b, len, emit, user);
        return 0;
    }
    const char *const *types = format_types(w.format);
    if (status != 200) {
        int text = 1; /* quote a text body, describe a binary one */
        for (size_t i = 0; i < len && i < QUOTE && text; i++)
            text = b[i] >= 0x20 || b[i] == '\t' || b[i] == '\r' || b[i] == '\n';
        char what[QUOTE + 8];
        if (text)
            snprintf(what, sizeof what, "\"%s\"", pl_utf8_quote(q2, QUOTE, (const char *)b, len));
        else
            snprintf(what, sizeof what, "%s", sniff(s, b, len));
        pl_trtc_report(emit, user, "trtc.tts.status",
                       "the custom TTS answered HTTP %d (Content-Type %s, %zu bytes: %s), "
                       "expected 200 with %s audio (or a JSON error)",
                       status, content_type ? quote(q, content_type) : "none", len, what,
                       types ? types[0] : "audio/*");
        return 0;
    }
    int type_ok = 0;
    for (const char *const *t = types; t && *t && !type_ok; t++)
        type_ok = media_is(media, *t);
    if (!types)
        type_ok = strncasecmp(media, "audio/", 6) == 0;
    if (!content_type)
        pl_trtc_report(emit, user, "trtc.tts.content_type",
                       "the custom TTS answer has no Content-Type, expected %s for Format %s "
                       "(TRTC checks it)",
                       types ? types[0] : "audio/*", w.format);
    else if (!type_ok)
        pl_trtc_report(emit, user, "trtc.tts.content_type",
                       "the custom TTS answer has Content-Type \"%s\", expected %s for Format %s",
                       quote(q, content_type), types ? types[0] : "audio/*", w.format);
    if (!chunked)
        pl_trtc_report(emit, user, "trtc.tts.chunked",
                       "the custom TTS answer (%zu bytes) was not sent with Transfer-Encoding: "
                       "chunked, which TRTC requires",
                       len);
    if (len == 0) {
        pl_trtc_report(emit, user, "trtc.tts.empty",
                       "the custom TTS answered 200 with an empty body: no audio");
        return 0;
    }
    int rate = w.sample_rate, ch = w.channels;
    size_t data = len;
    if (strcasecmp(w.format, "wav") == 0) {
        if (!wav_check(&w, b, len, &rate, &ch, &data, emit, user))
            return 0;
        if (data == 0) {
            pl_trtc_report(emit, user, "trtc.tts.empty",
                           "the WAV answer has a header but no audio data (%zu bytes in all)", len);
            return 0;
        }
    } else if (strcasecmp(w.format, "pcm") == 0) {
        if (len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WAVE", 4) == 0)
            pl_trtc_report(emit, user, "trtc.tts.format",
                           "Format pcm, but the body is a WAV file (RIFF/WAVE header): raw "
                           "16-bit PCM expected, the header would play as noise");
    } else if (strcasecmp(w.format, "mp3") == 0 || strcasecmp(w.format, "ogg_opus") == 0) {
        int mp3 = strcasecmp(w.format, "mp3") == 0;
        int ok = mp3 ? (len >= 3 && memcmp(b, "ID3", 3) == 0) ||
                           (len >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0)
                     : len >= 4 && memcmp(b, "OggS", 4) == 0;
        if (!ok)
            pl_trtc_report(emit, user, "trtc.tts.format",
                           "Format %s, but the body (%zu bytes) starts with %s, not %s", w.format,
                           len, sniff(s, b, len), mp3 ? "an ID3 tag or an MP3 frame" : "OggS");
        return 0; /* not measured */
    } else {
        return 0; /* a Format TRTC does not document: nothing more to judge */
    }
    size_t frame = (size_t)ch * 2;
    if (data % frame)
        pl_trtc_report(emit, user, "trtc.tts.format",
                       "%s audio of %zu bytes is not whole 16-bit frames of %d channel%s (%zu "
                       "bytes each)",
                       strcasecmp(w.format, "wav") == 0 ? "the WAV" : "the PCM", data, ch,
                       ch == 1 ? "" : "s", frame);
    return (double)data * 1000.0 / ((double)rate * (double)ch * 2.0);
}
