/* rc_volc_api.c — the business backend's side of the Volcengine OpenAPI (shared/protocols/
 * volc.md §1): V4-signed POSTs to PARLEY_URL's origin (parley plays rtc.volcengineapi.com),
 * on the lws loop like everything else (nothing blocks).
 *
 *   POST /?Action=StartVoiceChat&Version=2024-12-01 HTTP/1.1
 *   Host: <parley host:port>                      (signed)
 *   Content-Type: application/json                (signed)
 *   X-Date: 20250101T000000Z                      (signed)
 *   X-Content-Sha256: <hex SHA-256 of the body>   (signed)
 *   Authorization: HMAC-SHA256 Credential=<AK>/<date>/cn-north-1/rtc/request,
 *                  SignedHeaders=content-type;host;x-content-sha256;x-date, Signature=<hex>
 *
 * The answer {"ResponseMetadata":{…[,"Error":{"Code",…}]}[,"Result":"ok"]} answers the drive
 * command: ok with the action's result, or ok:false with ResponseMetadata.Error.Code (§1.3).
 * A Start while a bot runs stops it first, as RtcClient.startAudioBot does; leaveRoom's Stop
 * leaves the room when its answer is in (rc_volc_leave_room). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rc.h"
#include "rc_bugs.h"
#include "rc_volc_int.h"
#include "rc_volc_sign.h"

#define RC_VOLC_API_PROTOCOL "rc-volc-api"
#define RC_VOLC_API_TIMEOUT_S 8 /* no answer by then: the call fails */
#define RC_VOLC_ENDPOINT "ep-parley-ref"
#define RC_VOLC_SYSTEM_PROMPT "You are a helpful assistant."
#define RC_VOLC_VOICE "BV001_streaming"
#define RC_VOLC_BAD_KEY_SUFFIX "-wrong" /* the bad-v4 bug's secret: the real one + this */

typedef enum { RC_VOLC_START, RC_VOLC_STOP, RC_VOLC_UPDATE } rc_volc_kind;

typedef struct rc_volc_job {
    struct rc_volc_job *prev, *next; /* v->jobs */
    rc_volc *v;                      /* NULL once the client is stopping */
    struct lws *wsi;
    rc_volc_kind kind;
    char action[24], version[16];
    char task[RC_VOLC_ID_MAX]; /* STOP: the task it stops */
    int64_t cmd;               /* the drive command to answer, or 0 */
    rc_volc_after after;
    rc_volc_start_args *start; /* START, or AFTER_START: the Start (owned) */
    /* the request */
    char path[96], x_date[17], body_hash[65], authorization[512];
    char *body;
    size_t body_len;
    int body_sent;
    /* the answer */
    int status;
    char *resp;
    size_t resp_len, resp_cap;
    int finished, in_connect, failed_early;
    int64_t t0_us;
} rc_volc_job;

static int rc_volc_job_send(rc_volc *v, rc_volc_job *j, cJSON *body, char *err, size_t errlen);
static int rc_volc_start_job(rc_volc *v, int64_t cmd, rc_volc_start_args *a, char *err,
                             size_t errlen);

/* ---- jobs --------------------------------------------------------------------------- */

static void rc_volc_job_unlink(rc_volc_job *j)
{
    if (!j->v)
        return;
    if (j->prev)
        j->prev->next = j->next;
    else
        j->v->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    j->prev = j->next = NULL;
}

static void rc_volc_job_free(rc_volc_job *j)
{
    rc_volc_job_unlink(j);
    free(j->start);
    free(j->body);
    free(j->resp);
    free(j);
}

static rc_volc_job *rc_volc_job_new(rc_volc_kind kind, const char *action, const char *version,
                                    int64_t cmd)
{
    rc_volc_job *j = rc_xcalloc(1, sizeof *j);
    j->kind = kind;
    snprintf(j->action, sizeof j->action, "%s", action);
    snprintf(j->version, sizeof j->version, "%s", version);
    j->cmd = cmd;
    return j;
}

static cJSON *rc_volc_result(const cJSON *meta)
{
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(meta, "RequestId");
    cJSON *r = cJSON_CreateObject();
    if (cJSON_IsString(rid))
        cJSON_AddStringToObject(r, "request_id", rid->valuestring);
    return r;
}

/* A call went through: the model's state, then the drive command's answer. */
static void rc_volc_succeeded(rc_volc *v, rc_volc_job *j, const cJSON *meta)
{
    cJSON *r = rc_volc_result(meta);
    if (j->kind == RC_VOLC_START) {
        const rc_volc_start_args *a = j->start;
        v->bot_enabled = 1;
        v->auto_func = a->auto_func;
        snprintf(v->bot, sizeof v->bot, "%s", a->bot_id);
        snprintf(v->task, sizeof v->task, "%s", a->task_id);
        snprintf(v->version, sizeof v->version, "%s", a->version);
        rc_log("volc: task %s started (bot %s, Version %s)", a->task_id, a->bot_id, a->version);
        cJSON_AddStringToObject(r, "task_id", a->task_id);
        cJSON_AddStringToObject(r, "bot_id", a->bot_id);
    } else if (j->kind == RC_VOLC_STOP && strcmp(j->task, v->task) == 0) {
        v->bot_enabled = 0;
    }
    rc_volc_reply_ok(v, j->cmd, r);
}

/* What comes after a Stop (whatever its outcome): the Start it made way for, or leaving. */
static void rc_volc_then(rc_volc *v, rc_volc_job *j, const char *error)
{
    if (j->after == RC_VOLC_AFTER_LEAVE) {
        rc_volc_leave_after_stop(v, j->cmd, !error);
    } else if (j->after == RC_VOLC_AFTER_START) {
        char err[300];
        rc_volc_start_args *a = j->start;
        j->start = NULL;
        if (error)
            rc_log("volc: the Stop before the new Start failed (%s); starting anyway", error);
        if (rc_volc_start_job(v, j->cmd, a, err, sizeof err))
            rc_volc_reply_error(v, j->cmd, err);
    }
}

/* "" when the answer is a success, else why not: Error.Code, or what is wrong with it. */
static void rc_volc_outcome(const rc_volc_job *j, const char *error, const cJSON *meta, char *why,
                            size_t n)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(meta, "Error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "Code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "Message");
    why[0] = '\0';
    if (error) {
        snprintf(why, n, "%s", error);
    } else if (e) { /* any Error is a failure (the demo's base.ts), whatever the status */
        snprintf(why, n, "%s", cJSON_IsString(code) ? code->valuestring : "Error");
        rc_log("volc: %s: HTTP %d %s: %s", j->action, j->status, why,
               cJSON_IsString(msg) ? msg->valuestring : "");
        return;
    } else if (j->status < 200 || j->status > 299) {
        snprintf(why, n, "HTTP %d", j->status);
    } else if (!cJSON_IsObject(meta)) {
        snprintf(why, n, "the answer has no ResponseMetadata");
    }
    if (why[0])
        rc_log("volc: %s failed: %s", j->action, why);
}

/* The answer (or the failure) is here: exactly once per job. */
static void rc_volc_job_done(rc_volc_job *j, const char *error)
{
    if (j->finished)
        return;
    j->finished = 1;
    rc_volc *v = j->v;
    if (!v)
        return;
    cJSON *doc = error ? NULL : cJSON_ParseWithLength(j->resp ? j->resp : "", j->resp_len);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(doc, "ResponseMetadata");
    char why[300];
    rc_volc_outcome(j, error, meta, why, sizeof why);
    rc_debug("volc < %s %d %.*s", j->action, j->status,
             (int)(j->resp_len > 500 ? 500 : j->resp_len), j->resp ? j->resp : "");
    if (j->after != RC_VOLC_AFTER_NONE) { /* a Stop of the current task */
        if (!why[0])
            v->bot_enabled = 0;
        rc_volc_then(v, j, why[0] ? why : NULL);
    } else if (why[0]) {
        rc_volc_reply_error(v, j->cmd, why);
    } else {
        rc_volc_succeeded(v, j, meta);
    }
    cJSON_Delete(doc);
}

/* ---- the HTTP client on lws ---------------------------------------------------------- */

static int rc_volc_add_header(struct lws *wsi, const char *name, const char *value,
                              unsigned char **p, unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

static int rc_volc_job_headers(struct lws *wsi, rc_volc_job *j, unsigned char **p,
                               unsigned char *end)
{
    char cl[32];
    snprintf(cl, sizeof cl, "%zu", j->body_len);
    if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (const unsigned char *)"application/json", 16, p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, (const unsigned char *)cl,
                                     (int)strlen(cl), p, end) ||
        rc_volc_add_header(wsi, "X-Date:", j->x_date, p, end) ||
        rc_volc_add_header(wsi, "X-Content-Sha256:", j->body_hash, p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                     (const unsigned char *)j->authorization,
                                     (int)strlen(j->authorization), p, end))
        return -1;
    lws_client_http_body_pending(wsi, 1);
    lws_callback_on_writable(wsi);
    return 0;
}

static int rc_volc_job_write(struct lws *wsi, rc_volc_job *j)
{
    if (j->body_sent)
        return 0;
    unsigned char *buf = rc_xmalloc(LWS_PRE + j->body_len + 1);
    memcpy(buf + LWS_PRE, j->body, j->body_len);
    int n = lws_write(wsi, buf + LWS_PRE, j->body_len, LWS_WRITE_HTTP_FINAL);
    free(buf);
    j->body_sent = 1;
    lws_client_http_body_pending(wsi, 0);
    return n < (int)j->body_len ? -1 : 0;
}

static int rc_volc_job_read(rc_volc_job *j, const void *in, size_t len)
{
    if (j->resp_len + len > RC_VOLC_MAX_BODY) {
        rc_volc_job_done(j, "the answer is over 1 MiB");
        return -1;
    }
    if (j->resp_len + len + 1 > j->resp_cap) {
        size_t cap = j->resp_cap ? j->resp_cap : 2048;
        while (cap < j->resp_len + len + 1)
            cap *= 2;
        j->resp = rc_xrealloc(j->resp, cap);
        j->resp_cap = cap;
    }
    memcpy(j->resp + j->resp_len, in, len);
    j->resp_len += len;
    j->resp[j->resp_len] = '\0';
    return 0;
}

/* lws is done with the connection: the job ends here (unless its starter still holds it). */
static void rc_volc_job_gone(struct lws *wsi, rc_volc_job *j, const char *why)
{
    lws_set_wsi_user(wsi, NULL);
    j->wsi = NULL;
    if (j->in_connect) { /* rc_volc_job_send frees it */
        j->failed_early = 1;
        return;
    }
    char msg[300];
    if (!j->finished && !j->status) { /* lws' own timeouts end here too */
        snprintf(msg, sizeof msg, "%s (no answer after %.1f s)", why,
                 (double)(rc_now_us() - j->t0_us) / 1e6);
        why = msg;
    }
    rc_volc_job_done(j, why);
    rc_volc_job_free(j);
}

static int rc_volc_client_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len)
{
    rc_volc_job *j = user;
    char msg[200];
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        return j ? rc_volc_job_headers(wsi, j, (unsigned char **)in,
                                       (unsigned char *)*(char **)in + len)
                 : 0;
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
        return j ? rc_volc_job_write(wsi, j) : 0;
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        if (j)
            j->status = (int)lws_http_client_http_response(wsi);
        break;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        if (j && rc_volc_job_read(j, in, len))
            return -1;
        break;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        char buffer[4096 + LWS_PRE], *px = buffer + LWS_PRE;
        int lenx = sizeof buffer - LWS_PRE;
        return lws_http_client_read(wsi, &px, &lenx) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        if (j)
            rc_volc_job_done(j, NULL);
        return -1; /* one request per connection */
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (j) {
            snprintf(msg, sizeof msg, "cannot connect: %s",
                     in && len ? (const char *)in : "connection failed");
            rc_volc_job_gone(wsi, j, msg);
        }
        return 0;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
    case LWS_CALLBACK_WSI_DESTROY:
        if (j)
            rc_volc_job_gone(wsi, j, "the connection closed before the answer");
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols rc_volc_protocols[] = {
    {RC_VOLC_API_PROTOCOL, rc_volc_client_cb, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int rc_volc_api_init(rc_volc *v, char *err, size_t errlen)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN; /* a client-only vhost */
    info.protocols = rc_volc_protocols;
    info.vhost_name = "rc-volc";
    if (v->tls) /* lws makes a vhost's client TLS context only with this option */
        info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    v->vh = lws_create_vhost(rc_net_context(v->net), &info);
    if (!v->vh) {
        snprintf(err, errlen, "cannot create the OpenAPI client's vhost");
        return -1;
    }
    if (v->tls && lws_init_vhost_client_ssl(&info, v->vh)) {
        snprintf(err, errlen, "cannot set up TLS for the OpenAPI client");
        return -1;
    }
    return 0;
}

/* X-Date, X-Content-Sha256 and Authorization for j's body. 0/-1. */
static int rc_volc_job_sign(const rc_volc *v, rc_volc_job *j)
{
    char key[512];
    snprintf(key, sizeof key, "%s%s", v->creds.secret_key,
             rc_bug_on(RC_BUG_BAD_V4) ? RC_VOLC_BAD_KEY_SUFFIX : "");
    rc_v4_x_date((int64_t)time(NULL), j->x_date);
    rc_v4_request r = {.access_key = v->creds.access_key,
                       .secret_key = key,
                       .region = RC_VOLC_REGION,
                       .service = RC_VOLC_SERVICE,
                       .method = "POST",
                       .path = "/",
                       .query = j->path + 2, /* after "/?" */
                       .x_date = j->x_date,
                       .host = v->host_hdr,
                       .content_type = "application/json",
                       .signed_headers = RC_V4_HEADERS_PYTHON,
                       .body = j->body,
                       .body_len = j->body_len};
    return rc_v4_authorization(&r, j->authorization, sizeof j->authorization, NULL, j->body_hash);
}

/* Signs and sends body (owned) as j. 0, or -1 with err (j is gone then). */
static int rc_volc_job_send(rc_volc *v, rc_volc_job *j, cJSON *body, char *err, size_t errlen)
{
    j->v = v;
    j->body = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (!j->body)
        j->body = rc_xstrdup("{}"); /* cJSON out of memory: the call fails at parley */
    j->body_len = strlen(j->body);
    snprintf(j->path, sizeof j->path, "/?Action=%s&Version=%s", j->action, j->version);
    if (rc_volc_job_sign(v, j)) {
        snprintf(err, errlen, "cannot sign the request");
        j->v = NULL;
        rc_volc_job_free(j);
        return -1;
    }
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = rc_net_context(v->net);
    ci.vhost = v->vh; /* where RC_VOLC_API_PROTOCOL is listed */
    ci.address = v->host;
    ci.port = v->port;
    ci.path = j->path;
    ci.host = v->host_hdr;
    ci.method = "POST";
    ci.ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
    if (v->tls)
        ci.ssl_connection |= LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
                             LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_EXPIRED;
    ci.local_protocol_name = RC_VOLC_API_PROTOCOL;
    ci.userdata = j;
    j->next = v->jobs;
    if (v->jobs)
        v->jobs->prev = j;
    v->jobs = j;
    rc_debug("volc > %s %s", j->path, j->body);
    j->t0_us = rc_now_us();
    j->in_connect = 1;
    j->wsi = lws_client_connect_via_info(&ci);
    j->in_connect = 0;
    if (!j->wsi || j->failed_early) {
        snprintf(err, errlen, "cannot connect to %s://%s/", v->tls ? "https" : "http", v->host_hdr);
        rc_volc_job_free(j);
        return -1;
    }
    lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, RC_VOLC_API_TIMEOUT_S);
    return 0;
}

/* ---- StartVoiceChat bodies (§1.4, §1.5) --------------------------------------------------- */

static void rc_volc_add_tools(cJSON *llm)
{
    cJSON *tools = cJSON_AddArrayToObject(llm, "Tools");
    cJSON *t = cJSON_CreateObject();
    cJSON_AddItemToArray(tools, t);
    cJSON_AddStringToObject(t, "type", "function");
    cJSON *fn = cJSON_AddObjectToObject(t, "function");
    cJSON_AddStringToObject(fn, "name", RC_VOLC_WEATHER);
    cJSON_AddStringToObject(fn, "description", "Get the current weather of a city.");
    cJSON *params = cJSON_AddObjectToObject(fn, "parameters");
    cJSON_AddStringToObject(params, "type", "object");
    cJSON *loc = cJSON_AddObjectToObject(cJSON_AddObjectToObject(params, "properties"), "location");
    cJSON_AddStringToObject(loc, "type", "string");
    cJSON_AddStringToObject(loc, "description", "The city, e.g. Beijing");
    cJSON_AddItemToObject(params, "required",
                          cJSON_CreateStringArray((const char *[]){"location"}, 1));
}

/* Config of 2024-12-01 / 2025-06-01: the demo's Custom.json, smaller. */
static cJSON *rc_volc_config(const rc_volc_start_args *a)
{
    cJSON *c = cJSON_CreateObject();
    cJSON *asr = cJSON_AddObjectToObject(c, "ASRConfig");
    cJSON_AddStringToObject(asr, "Provider", "volcano");
    cJSON *ap = cJSON_AddObjectToObject(asr, "ProviderParams");
    cJSON_AddStringToObject(ap, "Mode", "smallmodel");
    cJSON_AddStringToObject(ap, "AppId", "parley_asr");
    cJSON_AddStringToObject(ap, "Cluster", "volcengine_streaming_common");
    cJSON_AddNumberToObject(asr, "TurnDetectionMode", a->turn_detection_mode);
    cJSON *tts = cJSON_AddObjectToObject(c, "TTSConfig");
    cJSON_AddStringToObject(tts, "Provider", "volcano");
    cJSON *tp = cJSON_AddObjectToObject(tts, "ProviderParams");
    cJSON *app = cJSON_AddObjectToObject(tp, "app");
    cJSON_AddStringToObject(app, "appid", "parley_tts");
    cJSON_AddStringToObject(app, "cluster", "volcano_tts");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(tp, "audio"), "voice_type", RC_VOLC_VOICE);
    cJSON *llm = cJSON_AddObjectToObject(c, "LLMConfig");
    cJSON_AddStringToObject(llm, "Mode", "ArkV3");
    cJSON_AddStringToObject(llm, "EndPointId", RC_VOLC_ENDPOINT);
    cJSON_AddItemToObject(llm, "SystemMessages",
                          cJSON_CreateStringArray((const char *[]){RC_VOLC_SYSTEM_PROMPT}, 1));
    if (a->tools)
        rc_volc_add_tools(llm);
    cJSON_AddNumberToObject(c, "InterruptMode", a->interrupt_mode);
    if (a->subtitle_mode >= 0 || a->subtitle_url[0]) {
        cJSON *s = cJSON_AddObjectToObject(c, "SubtitleConfig");
        if (a->subtitle_mode >= 0)
            cJSON_AddNumberToObject(s, "SubtitleMode", a->subtitle_mode);
        if (a->subtitle_url[0]) {
            cJSON_AddStringToObject(s, "ServerMessageUrl", a->subtitle_url);
            cJSON_AddStringToObject(s, "ServerMessageSignature", a->signature);
        }
    }
    if (a->function_url[0]) {
        cJSON *f = cJSON_AddObjectToObject(c, "FunctionCallingConfig");
        cJSON_AddStringToObject(f, "ServerMessageUrl", a->function_url);
        cJSON_AddStringToObject(f, "ServerMessageSignature", a->signature);
    }
    return c;
}

static cJSON *rc_volc_agent_config(const rc_volc *v, const rc_volc_start_args *a)
{
    cJSON *ag = cJSON_CreateObject();
    cJSON_AddItemToObject(ag, "TargetUserId",
                          cJSON_CreateStringArray((const char *[]){v->user}, 1));
    if (a->welcome[0])
        cJSON_AddStringToObject(ag, "WelcomeMessage", a->welcome);
    cJSON_AddStringToObject(ag, "UserId", a->bot_id);
    cJSON_AddBoolToObject(ag, "EnableConversationStateCallback", a->state_callback);
    if (a->server_message_url[0]) {
        cJSON_AddStringToObject(ag, "ServerMessageURLForRTS", a->server_message_url);
        cJSON_AddStringToObject(ag, "ServerMessageSignatureForRTS", a->signature);
    }
    return ag;
}

/* 2024-06-01 (§1.5, the seed's generation): the bot is Config.BotName, the welcome
 * LLMConfig.WelcomeSpeech. */
static cJSON *rc_volc_legacy_config(const rc_volc_start_args *a)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "BotName", a->bot_id);
    cJSON *asr = cJSON_AddObjectToObject(c, "ASRConfig");
    cJSON_AddStringToObject(asr, "AppId", "parley_asr");
    cJSON_AddStringToObject(asr, "Cluster", "volcengine_streaming_common");
    cJSON *tts = cJSON_AddObjectToObject(c, "TTSConfig");
    cJSON_AddStringToObject(tts, "AppId", "parley_tts");
    cJSON_AddStringToObject(tts, "VoiceType", RC_VOLC_VOICE);
    cJSON_AddStringToObject(tts, "Cluster", "volcano_tts");
    cJSON *llm = cJSON_AddObjectToObject(c, "LLMConfig");
    cJSON_AddStringToObject(llm, "Mode", "ArkV3");
    cJSON_AddStringToObject(llm, "EndPointId", RC_VOLC_ENDPOINT);
    if (a->welcome[0])
        cJSON_AddStringToObject(llm, "WelcomeSpeech", a->welcome);
    if (a->tools)
        rc_volc_add_tools(llm);
    return c;
}

static int rc_volc_is_legacy(const char *version)
{
    return strcmp(version, RC_VOLC_LEGACY) == 0;
}

/* {AppId, [BusinessId,] RoomId, TaskId}: what every body starts with. */
static cJSON *rc_volc_body(const rc_volc *v, const char *version, const char *task)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "AppId", v->creds.app_id);
    if (rc_volc_is_legacy(version))
        cJSON_AddStringToObject(b, "BusinessId", RC_VOLC_BUSINESS_ID);
    cJSON_AddStringToObject(b, "RoomId", v->room);
    cJSON_AddStringToObject(b, "TaskId", task);
    return b;
}

static cJSON *rc_volc_start_body(const rc_volc *v, const rc_volc_start_args *a)
{
    cJSON *b = rc_volc_body(v, a->version, a->task_id);
    if (rc_volc_is_legacy(a->version)) {
        cJSON_AddItemToObject(b, "Config", rc_volc_legacy_config(a));
    } else {
        cJSON_AddItemToObject(b, "Config", rc_volc_config(a));
        cJSON_AddItemToObject(b, "AgentConfig", rc_volc_agent_config(v, a));
    }
    return b;
}

/* a (owned) goes with the job. */
static int rc_volc_start_job(rc_volc *v, int64_t cmd, rc_volc_start_args *a, char *err,
                             size_t errlen)
{
    rc_volc_job *j = rc_volc_job_new(RC_VOLC_START, "StartVoiceChat", a->version, cmd);
    j->start = a;
    return rc_volc_job_send(v, j, rc_volc_start_body(v, a), err, errlen);
}

int rc_volc_api_start(rc_volc *v, int64_t cmd, const rc_volc_start_args *a, char *err,
                      size_t errlen)
{
    rc_volc_start_args *copy = rc_xmalloc(sizeof *copy);
    *copy = *a;
    if (!v->bot_enabled)
        return rc_volc_start_job(v, cmd, copy, err, errlen);
    rc_log("volc: a bot is running: StopVoiceChat first");
    rc_volc_job *j = rc_volc_job_new(RC_VOLC_STOP, "StopVoiceChat", v->version, cmd);
    snprintf(j->task, sizeof j->task, "%s", v->task);
    j->after = RC_VOLC_AFTER_START;
    j->start = copy;
    return rc_volc_job_send(v, j, rc_volc_body(v, v->version, v->task), err, errlen);
}

int rc_volc_api_stop(rc_volc *v, int64_t cmd, const char *task, const char *version,
                     rc_volc_after after, char *err, size_t errlen)
{
    version = version ? version : v->version;
    rc_volc_job *j = rc_volc_job_new(RC_VOLC_STOP, "StopVoiceChat", version, cmd);
    snprintf(j->task, sizeof j->task, "%s", task ? task : v->task);
    j->after = after;
    return rc_volc_job_send(v, j, rc_volc_body(v, version, j->task), err, errlen);
}

int rc_volc_api_update(rc_volc *v, int64_t cmd, const char *task, const char *version,
                       const char *command, const char *message, int interrupt_mode, char *err,
                       size_t errlen)
{
    version = version ? version : v->version;
    cJSON *b = rc_volc_body(v, version, task ? task : v->task);
    cJSON_AddStringToObject(b, "Command", command);
    if (message)
        cJSON_AddStringToObject(b, "Message", message);
    if (interrupt_mode >= 0)
        cJSON_AddNumberToObject(b, "InterruptMode", interrupt_mode);
    rc_volc_job *j = rc_volc_job_new(RC_VOLC_UPDATE, "UpdateVoiceChat", version, cmd);
    return rc_volc_job_send(v, j, b, err, errlen);
}

void rc_volc_api_shutdown(rc_volc *v, const char *why)
{
    while (v->jobs) {
        rc_volc_job *j = v->jobs;
        rc_volc_reply_error(v, j->cmd, why);
        j->finished = 1;
        rc_volc_job_unlink(j);
        j->v = NULL; /* lws frees it when the connection ends */
        if (j->wsi)
            lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
}
