/* rc_trtc_api.c — the business backend's side of the cloud API (shared/protocols/trtc.md §1):
 * TencentCloud API 3.0 POSTs, TC3-signed, to PARLEY_URL's origin (parley plays
 * trtc.tencentcloudapi.com), on the lws loop like everything else (nothing blocks).
 *
 *   POST / HTTP/1.1
 *   Host: <parley host:port>              (signed)
 *   Content-Type: application/json        (signed)
 *   X-TC-Action: StartAIConversation
 *   X-TC-Timestamp: <unix seconds>
 *   X-TC-Version: 2019-07-22
 *   X-TC-Region: ap-guangzhou
 *   Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<UTC date>/trtc/tc3_request,
 *                  SignedHeaders=content-type;host, Signature=<hex>
 *
 * The answer {"Response":{…,"RequestId"}} (HTTP 200 also for errors, §1.4) answers the drive
 * command: ok with the action's result, or ok:false with Response.Error.Code.
 *
 * The backend also reacts to the 902 callback (rc_trtc_http.c hands it over): LeaveCode 98 (the
 * bot left on an error) → StartAIConversation again with the same arguments and a new
 * SessionId, 100 ms later (the spec wants it within 1 s), then onTaskRestarted; any other
 * LeaveCode → nothing. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rc.h"
#include "rc_bugs.h"
#include "rc_trtc_int.h"
#include "rc_trtc_sign.h"

#define RC_TRTC_API_TIMEOUT_S 8   /* no answer by then: the call fails */
#define RC_TRTC_RESTART_US 100000 /* 902 LeaveCode 98 → the new Start */
#define RC_TRTC_LLM_MODEL "parley-ref-llm"
#define RC_TRTC_LLM_KEY "parley-llm-key"
#define RC_TRTC_TTS_KEY "parley-tts-key"
#define RC_TRTC_FLOW_VOICE "v-female-R2s4N9qJ"
#define RC_TRTC_SYSTEM_PROMPT "You are a helpful assistant."

typedef struct rc_trtc_job {
    struct rc_trtc_job *prev, *next; /* t->jobs */
    rc_trtc *t;                      /* NULL once the client is stopping */
    struct lws *wsi;
    char action[40];
    int64_t cmd; /* the drive command to answer, or 0 */
    rc_trtc_result_fn result_of;
    /* StartAIConversation: what the task is remembered with */
    int is_start, restarts;
    rc_trtc_start_args start;
    char session_id[128], previous[RC_TRTC_TASK_ID_MAX];
    /* the request */
    char host_hdr[300], path[8], timestamp[24], authorization[512];
    char *body;
    size_t body_len;
    int body_sent;
    /* the answer */
    int status;
    char *resp;
    size_t resp_len, resp_cap;
    int finished, in_connect, failed_early;
    int64_t t0_us;
} rc_trtc_job;

/* ---- jobs --------------------------------------------------------------------------- */

static void rc_trtc_job_unlink(rc_trtc_job *j)
{
    if (!j->t)
        return;
    if (j->prev)
        j->prev->next = j->next;
    else
        j->t->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    j->prev = j->next = NULL;
}

static void rc_trtc_job_free(rc_trtc_job *j)
{
    rc_trtc_job_unlink(j);
    free(j->body);
    free(j->resp);
    free(j);
}

static void rc_trtc_task_add(rc_trtc *t, const rc_trtc_job *j, const char *task_id)
{
    rc_trtc_task *k = rc_xcalloc(1, sizeof *k);
    snprintf(k->task_id, sizeof k->task_id, "%s", task_id);
    snprintf(k->session_id, sizeof k->session_id, "%s", j->session_id);
    k->args = j->start;
    k->restarts = j->restarts;
    k->next = t->tasks;
    t->tasks = k;
    int n = 0; /* keep the newest RC_TRTC_MAX_TASKS */
    for (rc_trtc_task *p = t->tasks; p; p = p->next)
        if (++n == RC_TRTC_MAX_TASKS)
            while (p->next) {
                rc_trtc_task *old = p->next;
                p->next = old->next;
                free(old);
            }
}

rc_trtc_task *rc_trtc_task_find(rc_trtc *t, const char *task_id)
{
    for (rc_trtc_task *k = t->tasks; k; k = k->next)
        if (strcmp(k->task_id, task_id) == 0)
            return k;
    return NULL;
}

/* A Start's answer: remember the task, answer {task_id, request_id}; after a restart,
 * onTaskRestarted. */
static void rc_trtc_started(rc_trtc *t, rc_trtc_job *j, const cJSON *resp)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(resp, "TaskId");
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(resp, "RequestId");
    if (!cJSON_IsString(id) || !id->valuestring[0] ||
        strlen(id->valuestring) >= RC_TRTC_TASK_ID_MAX) {
        rc_log("trtc: StartAIConversation answered without a usable TaskId");
        rc_trtc_reply_error(t, j->cmd, "the answer has no TaskId");
        return;
    }
    rc_trtc_task_add(t, j, id->valuestring);
    snprintf(t->current, sizeof t->current, "%s", id->valuestring);
    snprintf(t->bot, sizeof t->bot, "%s", j->start.bot);
    t->sdk_app_id = j->start.sdk_app_id;
    rc_log("trtc: task %s started (session %s)%s", id->valuestring, j->session_id,
           j->restarts ? " after LeaveCode 98" : "");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "task_id", id->valuestring);
    cJSON_AddStringToObject(r, "session_id", j->session_id);
    if (cJSON_IsString(rid))
        cJSON_AddStringToObject(r, "request_id", rid->valuestring);
    rc_trtc_reply_ok(t, j->cmd, r);
    if (j->restarts) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "task_id", id->valuestring);
        cJSON_AddStringToObject(a, "previous_task_id", j->previous);
        rc_trtc_callback(t, "onTaskRestarted", a);
    }
}

/* The answer (or the failure) is here: exactly once per job. */
static void rc_trtc_job_done(rc_trtc_job *j, const char *error)
{
    if (j->finished)
        return;
    j->finished = 1;
    rc_trtc *t = j->t;
    if (!t)
        return;
    char why[300];
    cJSON *doc = NULL;
    const cJSON *resp = NULL, *err = NULL;
    if (error) {
        snprintf(why, sizeof why, "%s", error);
    } else if (j->status != 200) {
        snprintf(why, sizeof why, "HTTP %d", j->status);
    } else {
        doc = cJSON_ParseWithLength(j->resp ? j->resp : "", j->resp_len);
        resp = cJSON_GetObjectItemCaseSensitive(doc, "Response");
        err = cJSON_GetObjectItemCaseSensitive(resp, "Error");
        if (!cJSON_IsObject(resp)) {
            snprintf(why, sizeof why, "the answer has no Response object");
        } else if (err) {
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "Code");
            const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "Message");
            snprintf(why, sizeof why, "%s", cJSON_IsString(code) ? code->valuestring : "Error");
            rc_log("trtc: %s: %s: %s", j->action, why, cJSON_IsString(msg) ? msg->valuestring : "");
        } else {
            why[0] = '\0';
        }
    }
    if (why[0]) {
        if (!err)
            rc_log("trtc: %s failed: %s", j->action, why);
        if (j->restarts)
            rc_log("trtc: the restart after LeaveCode 98 failed: %s", why);
        rc_trtc_reply_error(t, j->cmd, why);
    } else if (j->is_start) {
        rc_trtc_started(t, j, resp);
    } else {
        rc_trtc_reply_ok(t, j->cmd, j->result_of ? j->result_of(resp) : NULL);
    }
    cJSON_Delete(doc);
}

/* ---- the HTTP client on lws ---------------------------------------------------------- */

static int rc_trtc_add_header(struct lws *wsi, const char *name, const char *value,
                              unsigned char **p, unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

static int rc_trtc_job_headers(struct lws *wsi, rc_trtc_job *j, unsigned char **p,
                               unsigned char *end)
{
    char cl[32];
    snprintf(cl, sizeof cl, "%zu", j->body_len);
    if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (const unsigned char *)"application/json", 16, p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, (const unsigned char *)cl,
                                     (int)strlen(cl), p, end) ||
        rc_trtc_add_header(wsi, "X-TC-Action:", j->action, p, end) ||
        rc_trtc_add_header(wsi, "X-TC-Timestamp:", j->timestamp, p, end) ||
        rc_trtc_add_header(wsi, "X-TC-Version:", RC_TRTC_VERSION, p, end) ||
        rc_trtc_add_header(wsi, "X-TC-Region:", RC_TRTC_REGION, p, end) ||
        rc_trtc_add_header(wsi, "X-TC-RequestClient:", "parley-refclient/" RC_VERSION, p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                     (const unsigned char *)j->authorization,
                                     (int)strlen(j->authorization), p, end))
        return -1;
    lws_client_http_body_pending(wsi, 1);
    lws_callback_on_writable(wsi);
    return 0;
}

static int rc_trtc_job_write(struct lws *wsi, rc_trtc_job *j)
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

static int rc_trtc_job_read(rc_trtc_job *j, const void *in, size_t len)
{
    if (j->resp_len + len > RC_TRTC_MAX_BODY) {
        rc_trtc_job_done(j, "the answer is over 1 MiB");
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
static void rc_trtc_job_gone(struct lws *wsi, rc_trtc_job *j, const char *why)
{
    lws_set_wsi_user(wsi, NULL);
    j->wsi = NULL;
    if (j->in_connect) { /* rc_trtc_job_start frees it */
        j->failed_early = 1;
        return;
    }
    char msg[300];
    if (!j->finished && !j->status) { /* lws' own timeouts end here too */
        snprintf(msg, sizeof msg, "%s (no answer after %.1f s)", why,
                 (double)(rc_now_us() - j->t0_us) / 1e6);
        why = msg;
    }
    rc_trtc_job_done(j, why);
    rc_trtc_job_free(j);
}

int rc_trtc_client_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len)
{
    rc_trtc_job *j = user;
    char msg[200];
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        return j ? rc_trtc_job_headers(wsi, j, (unsigned char **)in,
                                       (unsigned char *)*(char **)in + len)
                 : 0;
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
        return j ? rc_trtc_job_write(wsi, j) : 0;
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        if (j)
            j->status = (int)lws_http_client_http_response(wsi);
        break;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        if (j && rc_trtc_job_read(j, in, len))
            return -1;
        break;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        char buffer[4096 + LWS_PRE], *px = buffer + LWS_PRE;
        int lenx = sizeof buffer - LWS_PRE;
        return lws_http_client_read(wsi, &px, &lenx) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        if (j)
            rc_trtc_job_done(j, NULL);
        return -1; /* one request per connection */
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (j) {
            snprintf(msg, sizeof msg, "cannot connect: %s",
                     in && len ? (const char *)in : "connection failed");
            rc_trtc_job_gone(wsi, j, msg);
        }
        return 0;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
    case LWS_CALLBACK_WSI_DESTROY:
        if (j)
            rc_trtc_job_gone(wsi, j, "the connection closed before the answer");
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* Signs and sends body (owned) as action. 0, or -1 with err (the job is gone then). */
static int rc_trtc_job_start(rc_trtc *t, rc_trtc_job *j, cJSON *body, char *err, size_t errlen)
{
    j->t = t;
    j->body = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (!j->body)
        j->body = rc_xstrdup("{}"); /* cJSON out of memory: the call fails at parley */
    j->body_len = strlen(j->body);
    snprintf(j->host_hdr, sizeof j->host_hdr, "%s", t->host_hdr);
    snprintf(j->path, sizeof j->path, "/");

    int64_t now = (int64_t)time(NULL);
    snprintf(j->timestamp, sizeof j->timestamp, "%lld", (long long)now);
    char date[11];
    if (rc_bug_on(RC_BUG_BAD_TC3)) { /* the classic: local time, and off by a day */
        time_t tomorrow = (time_t)(now + 86400);
        struct tm tm;
        localtime_r(&tomorrow, &tm);
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
    } else {
        rc_tc3_utc_date(now, date);
    }
    rc_tc3_request r = {.secret_id = rc_cfg.secret_id,
                        .secret_key = rc_cfg.secret_key,
                        .service = RC_TRTC_SERVICE,
                        .host = j->host_hdr,
                        .content_type = "application/json",
                        .action = j->action,
                        .timestamp = now,
                        .date = date,
                        .body = j->body,
                        .body_len = j->body_len};
    if (rc_tc3_authorization(&r, j->authorization, sizeof j->authorization, NULL)) {
        snprintf(err, errlen, "cannot sign the request");
        free(j->body);
        free(j);
        return -1;
    }

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = rc_net_context(t->net);
    ci.vhost = t->vh; /* where RC_TRTC_API_PROTOCOL is listed */
    ci.address = t->host;
    ci.port = t->port;
    ci.path = j->path;
    ci.host = j->host_hdr;
    ci.origin = j->host_hdr;
    ci.method = "POST";
    ci.ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
    if (t->tls)
        ci.ssl_connection |= LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
                             LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_EXPIRED;
    ci.local_protocol_name = RC_TRTC_API_PROTOCOL;
    ci.userdata = j;
    j->next = t->jobs;
    if (t->jobs)
        t->jobs->prev = j;
    t->jobs = j;
    rc_debug("trtc > %s %s", j->action, j->body);
    j->t0_us = rc_now_us();
    j->in_connect = 1;
    j->wsi = lws_client_connect_via_info(&ci);
    j->in_connect = 0;
    if (!j->wsi || j->failed_early) {
        snprintf(err, errlen, "cannot connect to %s://%s/", t->tls ? "https" : "http", t->host_hdr);
        rc_trtc_job_free(j);
        return -1;
    }
    lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, RC_TRTC_API_TIMEOUT_S);
    return 0;
}

/* ---- StartAIConversation (§1.6) ------------------------------------------------------- */

static void rc_trtc_random_session(char *out, size_t n)
{
    unsigned char r[8];
    if (RAND_bytes(r, sizeof r) != 1)
        memset(r, 0, sizeof r);
    snprintf(out, n, "rc-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
             r[6], r[7]);
}

/* A JSON object as the string inside a string field (LLMConfig, TTSConfig). */
static void rc_trtc_add_json_string(cJSON *o, const char *key, cJSON *value)
{
    char *txt = cJSON_PrintUnformatted(value);
    cJSON_AddStringToObject(o, key, txt ? txt : "{}");
    free(txt);
    cJSON_Delete(value);
}

static cJSON *rc_trtc_llm_config(const rc_trtc *t, const rc_trtc_start_args *a)
{
    char url[400];
    if (strcmp(a->llm, "ref") == 0) /* our own OpenAI-compatible endpoint (rc_trtc_http.c) */
        snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/chat/completions", t->http_port);
    else /* parley's origin: parley answers with its built-in LLM */
        snprintf(url, sizeof url, "%s://%s/v1/chat/completions", t->tls ? "https" : "http",
                 t->host_hdr);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "LLMType", "openai");
    cJSON_AddStringToObject(c, "Model", RC_TRTC_LLM_MODEL);
    cJSON_AddStringToObject(c, "APIKey", RC_TRTC_LLM_KEY);
    cJSON_AddStringToObject(c, "APIUrl", url);
    cJSON_AddBoolToObject(c, "Streaming", a->streaming);
    cJSON_AddStringToObject(c, "SystemPrompt", RC_TRTC_SYSTEM_PROMPT);
    cJSON_AddNumberToObject(c, "Timeout", 3);
    return c;
}

static cJSON *rc_trtc_tts_config(const rc_trtc *t, const rc_trtc_start_args *a)
{
    cJSON *c = cJSON_CreateObject();
    if (strcmp(a->tts, "custom") == 0) { /* our /tts (§5) */
        char url[128];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/tts", t->http_port);
        cJSON_AddStringToObject(c, "TTSType", "custom");
        cJSON_AddStringToObject(c, "APIKey", RC_TRTC_TTS_KEY);
        cJSON_AddStringToObject(c, "APIUrl", url);
        cJSON_AddStringToObject(c, "AudioFormat", "wav");
        cJSON_AddNumberToObject(c, "SampleRate", 16000);
        cJSON_AddNumberToObject(c, "AudioChannel", 1);
    } else { /* TRTC's own flow TTS (§1.6.2) */
        cJSON_AddStringToObject(c, "TTSType", "flow");
        cJSON_AddStringToObject(c, "VoiceId", RC_TRTC_FLOW_VOICE);
        cJSON_AddStringToObject(c, "Model", "flow_01_turbo");
    }
    return c;
}

static cJSON *rc_trtc_start_body(const rc_trtc *t, const rc_trtc_start_args *a,
                                 const char *session_id)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddNumberToObject(b, "SdkAppId", (double)a->sdk_app_id);
    cJSON_AddStringToObject(b, "RoomId", t->room);
    cJSON *ag = cJSON_AddObjectToObject(b, "AgentConfig");
    cJSON_AddStringToObject(ag, "UserId", a->bot);
    cJSON_AddStringToObject(ag, "UserSig", RC_TRTC_USER_SIG);
    cJSON_AddStringToObject(ag, "TargetUserId", t->user);
    cJSON_AddNumberToObject(ag, "MaxIdleTime", a->max_idle);
    if (a->welcome[0])
        cJSON_AddStringToObject(ag, "WelcomeMessage", a->welcome);
    cJSON_AddNumberToObject(ag, "InterruptMode", a->interrupt_mode);
    cJSON_AddNumberToObject(ag, "TurnDetectionMode", a->turn_detection_mode);
    cJSON_AddStringToObject(b, "SessionId", session_id);
    cJSON_AddNumberToObject(b, "RoomIdType", 1); /* the room id is a string */
    rc_trtc_add_json_string(b, "LLMConfig", rc_trtc_llm_config(t, a));
    rc_trtc_add_json_string(b, "TTSConfig", rc_trtc_tts_config(t, a));
    return b;
}

/* restarts > 0: the restart of task previous (SessionId new, arguments the same). */
static int rc_trtc_start_job(rc_trtc *t, int64_t cmd, const rc_trtc_start_args *a, int restarts,
                             const char *previous, char *err, size_t errlen)
{
    rc_trtc_job *j = rc_xcalloc(1, sizeof *j);
    snprintf(j->action, sizeof j->action, "StartAIConversation");
    j->cmd = cmd;
    j->is_start = 1;
    j->restarts = restarts;
    j->start = *a;
    snprintf(j->previous, sizeof j->previous, "%s", previous ? previous : "");
    if (a->session_id[0] && !restarts)
        snprintf(j->session_id, sizeof j->session_id, "%s", a->session_id);
    else if (a->session_id[0])
        snprintf(j->session_id, sizeof j->session_id, "%.100s-r%d", a->session_id, restarts);
    else
        rc_trtc_random_session(j->session_id, sizeof j->session_id);
    return rc_trtc_job_start(t, j, rc_trtc_start_body(t, a, j->session_id), err, errlen);
}

int rc_trtc_api_start(rc_trtc *t, int64_t cmd, const rc_trtc_start_args *a, char *err,
                      size_t errlen)
{
    return rc_trtc_start_job(t, cmd, a, 0, NULL, err, errlen);
}

int rc_trtc_api_call(rc_trtc *t, int64_t cmd, const char *action, cJSON *body,
                     rc_trtc_result_fn result_of, char *err, size_t errlen)
{
    rc_trtc_job *j = rc_xcalloc(1, sizeof *j);
    snprintf(j->action, sizeof j->action, "%s", action);
    j->cmd = cmd;
    j->result_of = result_of;
    return rc_trtc_job_start(t, j, body, err, errlen);
}

/* ---- the 902 reaction ----------------------------------------------------------------- */

static void rc_trtc_restart_cb(lws_sorted_usec_list_t *sul)
{
    rc_trtc *t = lws_container_of(sul, rc_trtc, restart_timer);
    for (rc_trtc_task *k = t->tasks; k; k = k->next) {
        if (!k->restart_due)
            continue;
        k->restart_due = 0;
        k->restarted = 1;
        char err[300];
        rc_log("trtc: restarting task %s (LeaveCode 98)", k->task_id);
        /* the new job copies what it needs from k: the list may change before it ends */
        if (rc_trtc_start_job(t, 0, &k->args, k->restarts + 1, k->task_id, err, sizeof err))
            rc_log("trtc: the restart of %s could not start: %s", k->task_id, err);
    }
}

void rc_trtc_api_task_stopped(rc_trtc *t, const char *task_id, int leave_code)
{
    int restart = leave_code == 98 ? !rc_bug_on(RC_BUG_NO_RETRY_ON_98)
                                   : leave_code == 0 && rc_bug_on(RC_BUG_RETRY_ON_0);
    rc_trtc_task *k = rc_trtc_task_find(t, task_id);
    if (!restart) {
        rc_log("trtc: task %s stopped, LeaveCode %d: no restart", task_id, leave_code);
        return;
    }
    if (!k) {
        rc_log("trtc: task %s stopped, LeaveCode %d, but we did not start it: no restart", task_id,
               leave_code);
        return;
    }
    if (k->restart_due || k->restarted) /* a repeated callback: one restart per task */
        return;
    k->restart_due = 1;
    lws_sul_schedule(rc_net_context(t->net), 0, &t->restart_timer, rc_trtc_restart_cb,
                     RC_TRTC_RESTART_US);
}

void rc_trtc_api_shutdown(rc_trtc *t, const char *why)
{
    lws_sul_cancel(&t->restart_timer);
    while (t->jobs) {
        rc_trtc_job *j = t->jobs;
        rc_trtc_reply_error(t, j->cmd, why);
        j->finished = 1;
        rc_trtc_job_unlink(j);
        j->t = NULL; /* lws frees it when the connection ends */
        if (j->wsi)
            lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
}
