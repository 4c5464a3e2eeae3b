/* pl_admin.c — HTTP admin API of the mock (see pl_admin.h for the endpoints).
 *
 * A request goes: LWS_CALLBACK_HTTP (path, method) → for POST, HTTP_BODY chunks up to
 * limits.max_http_body → HTTP_BODY_COMPLETION → route → a whole JSON response → headers
 * and body written from HTTP_WRITEABLE in 16 KiB pieces. A drive request parks the
 * connection until the driver answers (pl_admin_drive_done) or the client goes away
 * (HTTP_DROP_PROTOCOL/CLOSED_HTTP cancel the command). */
#include "mock/pl_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include <cjson/cJSON.h>

#include "core/pl_json.h"
#include "core/pl_clock.h"
#include "core/pl_log.h"
#include "mock/pl_driver.h"
#include "mock/pl_server.h"
#include "mock/pl_session.h"
#include "mock/pl_sessions.h"

#define PL_ADMIN_PREFIX "/_parley/"
#define PL_ADMIN_DRIVE_TIMEOUT_US (10 * 1000000LL)

/* ---- responses -------------------------------------------------------------------- */

/* Sets the response: body is malloc'd and taken over; ctype static (NULL: JSON). */
static void pl_admin_respond_raw(pl_admin_req *r, unsigned status, char *body, size_t len,
                                 const char *ctype)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "ev", "http");
    cJSON_AddStringToObject(rec, "method", r->method);
    cJSON_AddStringToObject(rec, "path", r->path);
    cJSON_AddNumberToObject(rec, "status", status);
    pl_server_trace_record(r->srv, rec);
    free(r->resp);
    r->status = status;
    r->resp = body;
    r->resp_len = len;
    snprintf(r->resp_type, sizeof r->resp_type, "%s", ctype ? ctype : "application/json");
    r->sent = 0;
    lws_callback_on_writable(r->wsi);
}

static void pl_admin_respond(pl_admin_req *r, unsigned status, cJSON *doc)
{
    char *txt = cJSON_PrintUnformatted(doc);
    pl_admin_respond_raw(r, status, txt, strlen(txt), NULL);
    cJSON_Delete(doc);
}

static void pl_admin_error(pl_admin_req *r, unsigned status, const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    cJSON_AddStringToObject(o, "path", r->path);
    pl_admin_respond(r, status, o);
}

static int pl_admin_write(pl_admin_req *r)
{
    if (!r->resp)
        return 0; /* still waiting (drive) */
    if (!r->headers_sent) {
        unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start,
                                           *end = hdr + sizeof hdr;
        if (lws_add_http_common_headers(r->wsi, r->status, r->resp_type, r->resp_len, &p,
                                        end) ||
            lws_finalize_write_http_header(r->wsi, start, &p, end))
            return -1;
        r->headers_sent = 1;
        lws_callback_on_writable(r->wsi);
        return 0;
    }
    size_t chunk = r->resp_len - r->sent;
    if (chunk > 16384)
        chunk = 16384;
    unsigned char *buf = pl_xmalloc(LWS_PRE + chunk + 1);
    memcpy(buf + LWS_PRE, r->resp + r->sent, chunk);
    int last = r->sent + chunk == r->resp_len;
    int n = lws_write(r->wsi, buf + LWS_PRE, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    free(buf);
    if (n < (int)chunk)
        return -1;
    r->sent += chunk;
    if (!last) {
        lws_callback_on_writable(r->wsi);
        return 0;
    }
    free(r->resp);
    r->resp = NULL;
    return lws_http_transaction_completed(r->wsi) ? -1 : 0;
}

/* ---- routes ----------------------------------------------------------------------- */

static cJSON *pl_admin_index(pl_server *srv)
{
    char base[300];
    snprintf(base, sizeof base, "%s://%s:%d", pl_server_tls(srv) ? "wss" : "ws",
             pl_server_host(srv), pl_server_port(srv));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "parley", PARLEY_VERSION);
    cJSON *eps = cJSON_AddArrayToObject(o, "endpoints");
    static const char *const list[] = {
        "GET /_parley/health", "GET /_parley/sessions", "GET /_parley/sessions/ID",
        "GET /_parley/sessions/ID/journal?since=N", "GET /_parley/sessions/ID/findings",
        "POST /_parley/sessions/ID/push[?raw=1|?event=1]", "POST /_parley/sessions/ID/behaviour",
        "POST /_parley/sessions/ID/close", "GET /_parley/drivers", "POST /_parley/drivers/ID/drive",
        "WS /_parley/driver", NULL};
    for (size_t i = 0; list[i]; i++)
        cJSON_AddItemToArray(eps, cJSON_CreateString(list[i]));
    cJSON *ds = cJSON_AddArrayToObject(o, "dialects");
    for (const pl_dialect *const *d = pl_dialect_all(); *d; d++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", (*d)->id);
        cJSON_AddBoolToObject(e, "live", pl_dialect_live(*d));
        char url[600];
        if ((*d)->bridge_op) {
            snprintf(url, sizeof url, "%s/%s/room?room=R&user=U", base, (*d)->id);
            cJSON_AddStringToObject(e, "bridge", url);
        }
        if ((*d)->ws_path) {
            snprintf(url, sizeof url, "%s%s", base, (*d)->ws_path);
            cJSON_AddStringToObject(e, "websocket", url);
        }
        cJSON_AddItemToArray(ds, e);
    }
    return o;
}

static cJSON *pl_admin_body_json(pl_admin_req *r)
{
    cJSON *doc = r->body.len ? cJSON_ParseWithLength(r->body.data, r->body.len) : NULL;
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        pl_admin_error(r, 400, "the request body must be a JSON object%s", "");
        return NULL;
    }
    return doc;
}

static int pl_admin_query_flag(pl_admin_req *r, const char *name)
{
    char buf[64];
    const char *v = lws_get_urlarg_by_name(r->wsi, name, buf, sizeof buf);
    return v && (!strcmp(v, "1") || !strcmp(v, "true"));
}

static void pl_admin_push(pl_admin_req *r, pl_session *s)
{
    if (!pl_session_is_open(s)) {
        pl_admin_error(r, 409, "session %s is closed", pl_session_id(s));
        return;
    }
    pl_session_stats before, after;
    pl_session_get_stats(s, &before);
    const pl_dialect *d = pl_session_dialect(s);
    const char *from = pl_profile_string(pl_session_profile(s), d->id, "agent_id", "parley_agent");
    int rc;
    if (pl_admin_query_flag(r, "raw=")) {
        rc = pl_session_send_raw(s, from, r->body.data ? r->body.data : "", r->body.len, 0);
    } else if (pl_admin_query_flag(r, "event=")) {
        cJSON *ev = pl_admin_body_json(r);
        if (!ev)
            return;
        rc = pl_session_send_event(s, ev);
    } else {
        cJSON *msg = r->body.len ? cJSON_ParseWithLength(r->body.data, r->body.len) : NULL;
        if (!msg) {
            pl_admin_error(r, 400, "the body is not JSON; use ?raw=1 to send bytes as they are%s",
                           "");
            return;
        }
        rc = pl_session_send(s, from, msg);
        cJSON_Delete(msg);
    }
    pl_session_get_stats(s, &after);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", rc == 0);
    cJSON_AddStringToObject(o, "session", pl_session_id(s));
    cJSON *f = cJSON_AddObjectToObject(o, "findings");
    cJSON_AddNumberToObject(f, "must", (double)(after.findings_must - before.findings_must));
    cJSON_AddNumberToObject(f, "should", (double)(after.findings_should - before.findings_should));
    pl_admin_respond(r, rc == 0 ? 200 : 409, o);
}

static void pl_admin_behaviour(pl_admin_req *r, pl_session *s)
{
    cJSON *b = pl_admin_body_json(r);
    if (!b)
        return;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(b, "name");
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(b, "on");
    if (!cJSON_IsString(name) || !cJSON_IsBool(on))
        pl_admin_error(r, 400, "want {\"name\":\"…\",\"on\":true|false}%s", "");
    else if (pl_session_set_behaviour(s, name->valuestring, cJSON_IsTrue(on)))
        pl_admin_error(r, 400, "no behaviour called %s in this dialect (see docs)",
                       name->valuestring);
    else
        pl_admin_respond(r, 200, cJSON_CreateTrue());
    cJSON_Delete(b);
}

static void pl_admin_close(pl_admin_req *r, pl_session *s)
{
    cJSON *b = r->body.len ? pl_admin_body_json(r) : cJSON_CreateObject();
    if (!b)
        return;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(b, "code");
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(b, "reason");
    int c = cJSON_IsNumber(code) ? code->valueint : 1000;
    if (c < 1000 || c > 4999 || c == 1005 || c == 1006 || c == 1015)
        pl_admin_error(r, 400, "close code must be 1000-4999 and sendable (not 1005/1006/1015)%s",
                       "");
    else {
        pl_session_close(s, c, cJSON_IsString(reason) ? reason->valuestring : "");
        pl_admin_respond(r, 200, cJSON_CreateTrue());
    }
    cJSON_Delete(b);
}

/* POST …/act {"name":"leave","args":{"code":98}}: the dialect's act (pl_dialect.act). */
static void pl_admin_act(pl_admin_req *r, pl_session *s)
{
    cJSON *b = pl_admin_body_json(r);
    if (!b)
        return;
    const char *name = pl_json_str(b, "name", NULL);
    char err[256];
    if (!name)
        pl_admin_error(r, 400, "act needs {\"name\": …, \"args\": {…}}%s", "");
    else if (pl_session_act(s, name, cJSON_GetObjectItemCaseSensitive(b, "args"), err, sizeof err))
        pl_admin_error(r, 409, "%s", err);
    else
        pl_admin_respond(r, 200, cJSON_CreateTrue());
    cJSON_Delete(b);
}

/* Copies the first path segment of rest ("s3" of "s3/journal") into id; returns the rest
 * of the path after it ("/journal", or ""). */
static const char *pl_admin_id(const char *rest, char *id, size_t idlen)
{
    size_t n = strcspn(rest, "/");
    snprintf(id, idlen, "%.*s", (int)(n < idlen - 1 ? n : idlen - 1), rest);
    return rest + n;
}

/* Is s one of the three names a, b, c? */
static int pl_admin_is(const char *s, const char *a, const char *b, const char *c)
{
    return !strcmp(s, a) || !strcmp(s, b) || !strcmp(s, c);
}

static void pl_admin_session(pl_admin_req *r, const char *rest)
{
    char id[64];
    const char *tail = pl_admin_id(rest, id, sizeof id);
    const char *sub = *tail ? tail + 1 : "";
    pl_session *s = pl_sessions_find(pl_server_sessions(r->srv), id);
    if (!s) {
        pl_admin_error(r, 404, "no session %s (GET /_parley/sessions lists them)", id);
        return;
    }
    int get = !r->post;
    if (!*sub && get) {
        cJSON *o = pl_session_summary_json(s);
        cJSON_AddItemToObject(o, "findings_list", pl_session_findings_json(s));
        pl_admin_respond(r, 200, o);
    } else if (!strcmp(sub, "journal") && get) {
        char buf[32];
        const char *since = lws_get_urlarg_by_name(r->wsi, "since=", buf, sizeof buf);
        pl_admin_respond(r, 200, pl_session_journal_json(s, since ? strtoull(since, NULL, 10) : 0));
    } else if (!strcmp(sub, "findings") && get) {
        pl_admin_respond(r, 200, pl_session_findings_json(s));
    } else if (!strcmp(sub, "push") && !get) {
        pl_admin_push(r, s);
    } else if (!strcmp(sub, "behaviour") && !get) {
        pl_admin_behaviour(r, s);
    } else if (!strcmp(sub, "close") && !get) {
        pl_admin_close(r, s);
    } else if (!strcmp(sub, "act") && !get) {
        pl_admin_act(r, s);
    } else if (pl_admin_is(sub, "", "journal", "findings") ||
               pl_admin_is(sub, "push", "behaviour", "close")) {
        pl_admin_error(r, 405, "wrong method for %s (GET reads, POST acts: see GET /_parley/)",
                       r->path);
    } else {
        pl_admin_error(r, 404, "no such session endpoint (or wrong method): %s", sub);
    }
}

static void pl_admin_drive_done(void *user, const cJSON *reply, const char *error)
{
    pl_admin_req *r = user;
    r->wait_driver = NULL;
    r->wait_id = 0;
    if (!reply) {
        pl_admin_error(r, strcmp(error, "timeout") ? 502 : 504, "drive: %s", error);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "reply", cJSON_Duplicate(reply, 1));
    pl_admin_respond(r, 200, o);
}

static void pl_admin_drive(pl_admin_req *r, const char *rest)
{
    char id[64];
    const char *tail = pl_admin_id(rest, id, sizeof id);
    pl_driver *d = pl_drivers_find(pl_server_drivers(r->srv), id);
    if (d && !strcmp(tail, "/drive") && !r->post) {
        pl_admin_error(r, 405, "%s takes POST {\"drive\":…}", r->path);
        return;
    }
    if (!d || strcmp(tail, "/drive") != 0) {
        pl_admin_error(r, 404, "no driver endpoint %s (POST /_parley/drivers/ID/drive)", rest);
        return;
    }
    cJSON *b = pl_admin_body_json(r);
    if (!b)
        return;
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(b, "drive");
    const cJSON *tmo = cJSON_GetObjectItemCaseSensitive(b, "timeout_ms");
    int64_t timeout = cJSON_IsNumber(tmo) && tmo->valuedouble > 0
                          ? (int64_t)(tmo->valuedouble * 1000)
                          : PL_ADMIN_DRIVE_TIMEOUT_US;
    char err[256];
    if (!cJSON_IsString(action)) {
        pl_admin_error(r, 400, "want {\"drive\":\"actionName\",\"args\":{…}}%s", "");
    } else {
        r->wait_id = pl_driver_drive(d, action->valuestring,
                                     cJSON_GetObjectItemCaseSensitive(b, "args"), timeout,
                                     pl_admin_drive_done, r, err, sizeof err);
        if (r->wait_id)
            r->wait_driver = d;
        else
            pl_admin_error(r, 409, "%s", err);
    }
    cJSON_Delete(b);
}

/* Any header of the request, by name (known tokens first, then custom ones). */
static int pl_admin_header(const void *impl, const char *name, char *out, size_t n)
{
    const pl_admin_req *r = impl;
    size_t nl = strlen(name);
    for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
        const char *tn = (const char *)lws_token_to_string((enum lws_token_indexes)t);
        if (!tn || strncasecmp(tn, name, nl) || tn[nl] != ':')
            continue;
        if (lws_hdr_total_length(r->wsi, (enum lws_token_indexes)t) <= 0)
            return -1;
        return lws_hdr_copy(r->wsi, out, (int)n, (enum lws_token_indexes)t);
    }
    char key[128];
    snprintf(key, sizeof key, "%s:", name);
    for (char *k = key; *k; k++)
        *k = (char)tolower((unsigned char)*k);
    if (lws_hdr_custom_length(r->wsi, key, (int)strlen(key)) < 0)
        return -1;
    return lws_hdr_custom_copy(r->wsi, out, (int)n, key, (int)strlen(key));
}

/* A path outside /_parley/: the runner's expect_http or a dialect's HTTP API. */
static void pl_admin_hook(pl_admin_req *r)
{
    /* lws keeps the arguments as fragments (lws_hdr_copy would join them with ','): the
     * query is rebuilt with '&', as sent (a V4 signature covers it). */
    char query[1024] = "", frag[512];
    size_t qlen = 0;
    for (int i = 0; lws_hdr_copy_fragment(r->wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) >= 0;
         i++) {
        int n = snprintf(query + qlen, sizeof query - qlen, "%s%s", qlen ? "&" : "", frag);
        if (n < 0 || (size_t)n >= sizeof query - qlen)
            break;
        qlen += (size_t)n;
    }
    pl_buf_append(&r->body, "", 1); /* NUL for text readers; not counted in body_len */
    pl_server_http_req q = {.method = r->method,
                            .path = r->path,
                            .query = query,
                            .scope = r->scope,
                            .body = r->body.data,
                            .body_len = r->body.len - 1,
                            .header = pl_admin_header,
                            .impl = r};
    int status = 404;
    char *body = NULL;
    const char *ctype = NULL;
    if (pl_server_http_hook(r->srv, &q, &status, &body, &ctype) ||
        pl_server_cloud_http(r->srv, &q, &status, &body, &ctype)) {
        pl_admin_respond_raw(r, (unsigned)status, body ? body : pl_xstrdup(""),
                             body ? strlen(body) : 0, ctype);
        return;
    }
    pl_admin_error(r, 404, "not found: %s (the admin API is under /_parley/)", r->path);
}

static void pl_admin_route(pl_admin_req *r)
{
    pl_server *srv = r->srv;
    const char *p = r->path;
    pl_server_count_request(srv);
    if (strncmp(p, PL_ADMIN_PREFIX, strlen(PL_ADMIN_PREFIX)) != 0 && strcmp(p, "/_parley")) {
        pl_admin_hook(r);
        return;
    }
    if (strcmp(r->method, "GET") && strcmp(r->method, "POST")) {
        pl_admin_error(r, 405, "the admin API takes GET and POST (%s)", r->method);
        return;
    }
    const char *rest = p + (strcmp(p, "/_parley") ? strlen(PL_ADMIN_PREFIX) : strlen(p));
    if (!*rest && !r->post)
        pl_admin_respond(r, 200, pl_admin_index(srv));
    else if (!strcmp(rest, "health") && !r->post)
        pl_admin_respond(r, 200, pl_server_health_json(srv));
    else if (!strcmp(rest, "sessions") && !r->post)
        pl_admin_respond(r, 200, pl_sessions_json(pl_server_sessions(srv)));
    else if (!strncmp(rest, "sessions/", 9))
        pl_admin_session(r, rest + 9);
    else if (!strcmp(rest, "drivers") && !r->post)
        pl_admin_respond(r, 200, pl_drivers_json(pl_server_drivers(srv)));
    else if (!strncmp(rest, "drivers/", 8))
        pl_admin_drive(r, rest + 8);
    else if (pl_admin_is(rest, "", "health", "sessions") || !strcmp(rest, "drivers"))
        pl_admin_error(r, 405, "%s is read with GET", p);
    else
        pl_admin_error(r, 404, "no admin endpoint %s (GET /_parley/ lists them)", p);
}

/* ---- lws glue --------------------------------------------------------------------- */

static void pl_admin_release(pl_admin_req *r)
{
    if (r->wait_driver)
        pl_driver_cancel(r->wait_driver, r->wait_id);
    r->wait_driver = NULL;
    free(r->resp);
    r->resp = NULL;
    pl_buf_free(&r->body);
}

/* /_parley/runs/N/rest is a scenario run's base URL: the scope N is kept apart and the
 * request is routed as /rest, so a run's expect_http sees only its own requests. */
static void pl_admin_scope(pl_admin_req *r, const char *uri)
{
    static const char runs[] = PL_ADMIN_PREFIX "runs/";
    size_t n = strlen(runs), k = 0;
    if (!strncmp(uri, runs, n)) {
        while (uri[n + k] && uri[n + k] != '/' && k < sizeof r->scope - 1)
            k++;
        if (k > 0 && (!uri[n + k] || uri[n + k] == '/')) {
            memcpy(r->scope, uri + n, k);
            r->scope[k] = 0;
            snprintf(r->path, sizeof r->path, "/%s", uri[n + k] ? uri + n + k + 1 : "");
            return;
        }
    }
    snprintf(r->path, sizeof r->path, "%s", uri);
}

static int pl_admin_begin(pl_server *srv, struct lws *wsi, pl_admin_req *r, const char *uri)
{
    pl_admin_release(r);
    memset(r, 0, sizeof *r);
    r->wsi = wsi;
    r->srv = srv;
    pl_admin_scope(r, uri);
    static const struct {
        enum lws_token_indexes tok;
        const char *name;
        int body;
    } methods[] = {{WSI_TOKEN_POST_URI, "POST", 1},       {WSI_TOKEN_PUT_URI, "PUT", 1},
                   {WSI_TOKEN_PATCH_URI, "PATCH", 1},     {WSI_TOKEN_DELETE_URI, "DELETE", 0},
                   {WSI_TOKEN_OPTIONS_URI, "OPTIONS", 0}, {WSI_TOKEN_HEAD_URI, "HEAD", 0}};
    snprintf(r->method, sizeof r->method, "GET");
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (lws_hdr_total_length(wsi, methods[i].tok) > 0) {
            snprintf(r->method, sizeof r->method, "%s", methods[i].name);
            r->post = methods[i].body;
        }
    if (!r->post)
        pl_admin_route(r);
    return 0;
}

static void pl_admin_body(pl_admin_req *r, const void *in, size_t len)
{
    size_t limit = pl_profile_limits_get(pl_server_profile(r->srv))->max_http_body;
    r->body_total += len;
    if (r->body_total <= limit)
        pl_buf_append(&r->body, in, len);
}

static void pl_admin_body_done(pl_admin_req *r)
{
    size_t limit = pl_profile_limits_get(pl_server_profile(r->srv))->max_http_body;
    if (r->body_total > limit) {
        char msg[64];
        snprintf(msg, sizeof msg, "%zu", limit);
        pl_admin_error(r, 413, "request body over limits.max_http_body (%s bytes)", msg);
        return;
    }
    pl_admin_route(r);
}

int pl_admin_handle(pl_server *srv, struct lws *wsi, enum lws_callback_reasons reason,
                    pl_admin_req *r, void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return pl_admin_begin(srv, wsi, r, in ? (const char *)in : "/");
    case LWS_CALLBACK_HTTP_BODY:
        pl_admin_body(r, in, len);
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        pl_admin_body_done(r);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return pl_admin_write(r);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (r)
            pl_admin_release(r);
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, r, in, len);
}
