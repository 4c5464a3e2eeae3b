/* rc_aicall.c — the SDK engine: a model of the AICallKit Web engine (aliyun-auikit-aicall
 * 2.10, "W") on top of the room bridge. Facts: shared/protocols/aicall.md (§n below).
 *
 *   call      bridge connect → joined: publish audio, callBegin, `call` answered
 *             → the agent joined and published: readiness handshake (ready_req until ready_resp,
 *               §1.3) → agentDataChannelAvailable; only now may AICall messages go out
 *   handup    1100 StopAgent, 100 ms later leave (§3, §7) → callEnd
 *   the call also ends when the agent leaves (errorOccurred -10101), says it will (1010), or
 *   the connection is lost.
 *
 * Every AICall message goes out through rc_aicall_send(): {type, data, seqId, senderId,
 * receiverId}, seqId counting from 1 per call (§1.2). */
#include "rc_aicall_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_bugs.h"

#define RC_HANDUP_DELAY_US 100000 /* 1100 → leave (§7) */
#define RC_RESYNC_DELAY_US 500000 /* reconnected → 1119 (§7: iOS, Web) */
#define RC_READY_MAX_TRIES 30     /* §1.3 */

static void rc_aicall_on_event(void *user, const char *event, const cJSON *frame);
static void rc_aicall_on_close(void *user, int code, const char *why);
static const rc_bridge_ops rc_aicall_bridge_ops = {rc_aicall_on_event, rc_aicall_on_close};

rc_aicall *rc_aicall_new(rc_net *net, const char *bridge_url)
{
    rc_aicall *a = rc_xcalloc(1, sizeof *a);
    a->net = net;
    a->url = bridge_url;
    if (bridge_url && rc_ws_url_param(bridge_url, "user", a->user, sizeof a->user))
        a->user[0] = '\0';
    snprintf(a->agent, sizeof a->agent, "%s", RC_DEFAULT_AGENT);
    a->agent_state = 1;
    return a;
}

void rc_aicall_set_driver(rc_aicall *a, rc_driver *d)
{
    a->drv = d;
}

void rc_aicall_callback(rc_aicall *a, const char *name, cJSON *args)
{
    if (a->drv)
        rc_driver_callback(a->drv, name, args);
    else
        cJSON_Delete(args);
}

void rc_aicall_timer(rc_aicall *a, lws_sorted_usec_list_t *t, sul_cb_t cb, int64_t us)
{
    lws_sul_schedule(rc_net_context(a->net), 0, t, cb, us);
}

/* ---- sending ------------------------------------------------------------------------ */

const char *rc_aicall_can_send(const rc_aicall *a)
{
    if (!a->bridge || !a->joined)
        return "not connected";
    if (!a->dc_ready && !rc_bug_on(RC_BUG_SEND_BEFORE_READY))
        return "data channel not ready";
    return NULL;
}

/* W's envelope: {type, data, seqId, senderId, receiverId} (§1.2), the key order W uses.
 * Takes data; the next seqId is a->seq + 1. */
static cJSON *rc_aicall_envelope(const rc_aicall *a, int type, cJSON *data)
{
    cJSON *m = cJSON_CreateObject();
    if (rc_bug_on(RC_BUG_TYPE_AS_STRING)) {
        char t[16];
        snprintf(t, sizeof t, "%d", type);
        cJSON_AddStringToObject(m, "type", t);
    } else {
        cJSON_AddNumberToObject(m, "type", type);
    }
    if (rc_bug_on(RC_BUG_DATA_AS_STRING)) {
        char *txt = cJSON_PrintUnformatted(data);
        cJSON_AddStringToObject(m, "data", txt ? txt : "{}");
        free(txt);
        cJSON_Delete(data);
    } else {
        cJSON_AddItemToObject(m, "data", data);
    }
    cJSON_AddNumberToObject(m, "seqId", rc_bug_on(RC_BUG_SEQ_RESET) ? 1 : (double)(a->seq + 1));
    cJSON_AddStringToObject(m, "senderId", a->user);
    cJSON_AddStringToObject(m, "receiverId",
                            rc_bug_on(RC_BUG_WRONG_RECEIVER) ? "not-the-agent" : a->agent);
    return m;
}

const char *rc_aicall_send(rc_aicall *a, int type, cJSON *data, size_t cut)
{
    const char *why = rc_aicall_can_send(a);
    if (why) {
        cJSON_Delete(data);
        return why;
    }
    cJSON *m = rc_aicall_envelope(a, type, data ? data : cJSON_CreateObject());
    char *txt = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    if (!txt)
        return "out of memory";
    size_t len = strlen(txt);
    int rc = rc_bridge_datachannel(a->bridge, txt, len > cut ? len - cut : 0);
    free(txt);
    if (rc < 0)
        return "send queue full";
    a->seq++;
    rc_debug("sent %d (seqId %lld)", type, (long long)a->seq);
    return NULL;
}

int rc_aicall_send_raw(rc_aicall *a, const char *text, size_t len)
{
    return rc_bridge_datachannel(a->bridge, text, len);
}

int rc_aicall_mute(rc_aicall *a, int mute)
{
    if (!a->bridge || !a->joined || rc_bridge_mute_local_mic(a->bridge, mute) < 0)
        return -1;
    a->mic_muted = mute;
    return 0;
}

/* ---- the readiness handshake (§1.3) ------------------------------------------------- */

/* R's retry steps: 50 ms for the first second, 100 ms until 2 s, 500 ms until 3 s, then 2 s. */
static int64_t rc_ready_interval_us(int64_t elapsed_us)
{
    if (elapsed_us < 1000000)
        return 50000;
    if (elapsed_us < 2000000)
        return 100000;
    if (elapsed_us < 3000000)
        return 500000;
    return 2000000;
}

static void rc_ready_send(rc_aicall *a);

static void rc_ready_timer_cb(lws_sorted_usec_list_t *sul)
{
    rc_aicall *a = lws_container_of(sul, rc_aicall, ready_timer);
    if (a->bridge && !a->dc_ready)
        rc_ready_send(a);
}

static void rc_ready_send(rc_aicall *a)
{
    static const char req[] = "{\"key\":\"aliyun_aigc\",\"version\":\"1.0\",\"type\":\"ready_req\","
                              "\"data\":{\"ready\":true}}";
    a->ready_tries++;
    if (rc_bridge_datachannel(a->bridge, req, sizeof req - 1) < 0)
        rc_log("ready_req #%d could not be queued", a->ready_tries);
    if (a->ready_tries >= RC_READY_MAX_TRIES) {
        rc_log("ready_req: sent %d times, no ready_resp: giving up", a->ready_tries);
        return;
    }
    rc_aicall_timer(a, &a->ready_timer, rc_ready_timer_cb,
                    rc_ready_interval_us(rc_now_us() - a->ready_t0_us));
}

/* R starts when the local DataChannel is published and the agent's is subscribed. */
static void rc_ready_maybe_start(rc_aicall *a)
{
    if (!a->joined || !a->published || !a->agent_joined || !a->agent_published || a->dc_ready ||
        a->ready_tries)
        return;
    rc_log("readiness handshake with %s", a->agent);
    a->ready_t0_us = rc_now_us();
    rc_ready_send(a);
}

static void rc_resync_cb(lws_sorted_usec_list_t *sul)
{
    rc_aicall *a = lws_container_of(sul, rc_aicall, resync_timer);
    a->resync_pending = 0;
    if (rc_bug_on(RC_BUG_NO_RESYNC))
        return;
    const char *why = rc_aicall_send(a, 1119, NULL, 0); /* QueryAgentState (§3, §5) */
    if (why)
        rc_log("resync: 1119 not sent: %s", why);
    else
        rc_log("resync: sent 1119 QueryAgentState");
}

void rc_aicall_ready(rc_aicall *a)
{
    if (a->dc_ready) {
        rc_debug("ready_resp again: ignored");
        return;
    }
    a->dc_ready = 1;
    lws_sul_cancel(&a->ready_timer);
    rc_log("data channel ready after %d ready_req", a->ready_tries);
    rc_aicall_callback(a, "agentDataChannelAvailable", NULL);
    if (a->resync_pending)
        rc_aicall_timer(a, &a->resync_timer, rc_resync_cb, RC_RESYNC_DELAY_US);
}

/* ---- the call ----------------------------------------------------------------------- */

static int rc_refuse(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

/* Forgets the connection's state (not the call's). */
static void rc_aicall_connection_reset(rc_aicall *a)
{
    a->joined = a->published = 0;
    a->agent_joined = a->agent_published = 0;
    a->dc_ready = 0;
    a->ready_tries = 0;
    a->press_open = 0; /* the agent's side of the press is gone with the connection */
    lws_sul_cancel(&a->ready_timer);
    lws_sul_cancel(&a->resync_timer);
    a->resync_pending = 0;
}

static void rc_aicall_reply_error(rc_aicall *a, int64_t *cmd, const char *why)
{
    if (*cmd && a->drv)
        rc_driver_reply_error(a->drv, *cmd, why);
    *cmd = 0;
}

/* The call is over (the bridge is already closed or gone): answers what waited for it, fires
 * callEnd once, and resets. */
static void rc_aicall_finish(rc_aicall *a, const char *why)
{
    rc_aicall_connection_reset(a);
    lws_sul_cancel(&a->handup_timer);
    rc_actions_call_ended(a, why);
    rc_aicall_reply_error(a, &a->call_cmd, why);
    rc_aicall_reply_error(a, &a->reconnect_cmd, why);
    if (a->handup_cmd && a->drv) /* what handup wanted happened */
        rc_driver_reply_ok(a->drv, a->handup_cmd, NULL);
    a->handup_cmd = 0;
    if (a->in_call && a->began) {
        rc_log("call ended: %s", why);
        rc_aicall_callback(a, "callEnd", NULL);
    }
    a->in_call = a->began = 0;
}

void rc_aicall_hang_up_now(rc_aicall *a, const char *why)
{
    if (a->bridge) {
        if (a->joined)
            rc_bridge_leave(a->bridge);
        rc_bridge_close(a->bridge, 1000);
        a->bridge = NULL;
    }
    rc_aicall_finish(a, why);
}

int rc_aicall_call(rc_aicall *a, int64_t cmd, char *err, size_t errlen)
{
    if (a->in_call || a->bridge)
        return rc_refuse(err, errlen, "already in a call");
    if (!a->url)
        return rc_refuse(err, errlen, "no bridge URL (PARLEY_URL or --url)");
    /* a new call: W's engine state as after init (§1.2 seqId from 1, §4.1 Listening) */
    a->seq = 0;
    a->ptt = a->mic_muted = 0;
    a->agent_state = 1;
    a->agent_learned = 0;
    snprintf(a->agent, sizeof a->agent, "%s", RC_DEFAULT_AGENT);
    rc_aicall_connection_reset(a);
    a->bridge = rc_bridge_open(a->net, a->url, &rc_aicall_bridge_ops, a, err, errlen);
    if (!a->bridge)
        return -1;
    rc_log("call: joining %s", a->url);
    a->in_call = 1;
    a->call_cmd = cmd;
    return 0;
}

static void rc_handup_cb(lws_sorted_usec_list_t *sul)
{
    rc_aicall *a = lws_container_of(sul, rc_aicall, handup_timer);
    rc_aicall_hang_up_now(a, "hung up");
}

int rc_aicall_handup(rc_aicall *a, int64_t cmd, char *err, size_t errlen)
{
    if (!a->in_call || !a->joined)
        return rc_refuse(err, errlen, "not connected");
    if (a->handup_cmd)
        return rc_refuse(err, errlen, "already hanging up");
    if (!rc_bug_on(RC_BUG_HANDUP_WITHOUT_STOP)) {
        /* StopAgent; when it cannot be sent, W's handup leaves all the same */
        const char *why = rc_aicall_send(a, 1100, NULL, 0);
        if (why)
            rc_log("handup: 1100 not sent: %s", why);
    }
    a->handup_cmd = cmd;
    rc_aicall_timer(a, &a->handup_timer, rc_handup_cb, RC_HANDUP_DELAY_US);
    return 0;
}

int rc_aicall_reconnect(rc_aicall *a, int64_t cmd, char *err, size_t errlen)
{
    if (!a->in_call || !a->joined)
        return rc_refuse(err, errlen, "not connected");
    if (a->handup_cmd || a->reconnect_cmd)
        return rc_refuse(err, errlen, "the connection is already changing");
    rc_log("reconnect: dropping the bridge connection");
    rc_bridge_drop(a->bridge);
    a->bridge = NULL;
    rc_aicall_connection_reset(a);
    rc_actions_call_ended(a, "the connection was dropped");
    a->bridge = rc_bridge_open(a->net, a->url, &rc_aicall_bridge_ops, a, err, errlen);
    if (!a->bridge) {
        rc_aicall_finish(a, err);
        return -1;
    }
    a->reconnect_cmd = cmd;
    return 0;
}

void rc_aicall_free(rc_aicall *a)
{
    if (!a)
        return;
    if (a->bridge) {
        rc_bridge_close(a->bridge, 1001);
        a->bridge = NULL;
    }
    a->began = 0; /* no callEnd: the app is going away, not hanging up */
    rc_aicall_reply_error(a, &a->handup_cmd, "client stopping");
    rc_aicall_finish(a, "client stopping");
    free(a);
}

/* ---- room events -------------------------------------------------------------------- */

static void rc_aicall_on_joined(rc_aicall *a)
{
    a->joined = 1;
    a->published = rc_bridge_publish(a->bridge, "audio") == 0;
    if (a->reconnect_cmd) {
        /* the local mic keeps its state across a reconnect: tell the new connection */
        if (a->mic_muted)
            rc_bridge_mute_local_mic(a->bridge, 1);
        rc_log("reconnect: joined again");
        rc_driver_reply_ok(a->drv, a->reconnect_cmd, NULL);
        a->reconnect_cmd = 0;
        a->resync_pending = 1;
    } else if (!a->began) {
        a->began = 1;
        rc_log("call: joined as %s", a->user);
        rc_aicall_callback(a, "callBegin", NULL);
        if (a->call_cmd)
            rc_driver_reply_ok(a->drv, a->call_cmd, NULL);
        a->call_cmd = 0;
    }
    rc_ready_maybe_start(a);
}

static const char *rc_str(const cJSON *frame, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(frame, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void rc_aicall_on_user_joined(rc_aicall *a, const char *user)
{
    if (!a->agent_learned && *user && strlen(user) < sizeof a->agent) {
        snprintf(a->agent, sizeof a->agent, "%s", user);
        a->agent_learned = 1;
    }
    if (strcmp(user, a->agent) == 0) {
        a->agent_joined = 1;
        rc_ready_maybe_start(a);
    } else {
        rc_log("user %s joined (not the agent)", user);
    }
}

static void rc_aicall_on_agent_left(rc_aicall *a, const char *reason)
{
    if (a->handup_cmd) { /* our own 1100 sent it away: no error, just leave now */
        rc_log("the agent left the room (%s) while we hang up", reason);
        rc_aicall_hang_up_now(a, "hung up");
        return;
    }
    rc_log("the agent left the room (%s)", reason);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "code", -10101); /* AgentLeaveChannel (§6.2) */
    cJSON_AddStringToObject(e, "msg", "the agent left the channel");
    rc_aicall_callback(a, "errorOccurred", e);
    rc_aicall_hang_up_now(a, "the agent left");
}

static void rc_aicall_on_event(void *user, const char *event, const cJSON *frame)
{
    rc_aicall *a = user;
    const char *who = rc_str(frame, "user");
    int from_agent = strcmp(who, a->agent) == 0;
    if (strcmp(event, "joined") == 0) {
        rc_aicall_on_joined(a);
    } else if (strcmp(event, "user_joined") == 0) {
        rc_aicall_on_user_joined(a, who);
    } else if (strcmp(event, "user_publish") == 0 && from_agent) {
        a->agent_published = 1;
        rc_ready_maybe_start(a);
    } else if (strcmp(event, "user_unpublish") == 0 && from_agent) {
        a->agent_published = 0;
    } else if (strcmp(event, "datachannel") == 0) {
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(frame, "data");
        if (strcmp(rc_str(frame, "from"), a->agent) != 0) /* W checks the sender (§1.1) */
            rc_log("ignored a data channel message from '%s' (not the agent)",
                   rc_str(frame, "from"));
        else if (!cJSON_IsString(data))
            rc_log("ignored a datachannel event without a data string");
        else
            rc_incoming(a, data->valuestring, strlen(data->valuestring));
    } else if (strcmp(event, "user_left") == 0 && from_agent) {
        rc_aicall_on_agent_left(a, rc_str(frame, "reason"));
    } else {
        rc_debug("event %s (nothing to do)", event);
    }
}

static void rc_aicall_on_close(void *user, int code, const char *why)
{
    rc_aicall *a = user;
    char msg[256];
    a->bridge = NULL;
    if (code == 0)
        snprintf(msg, sizeof msg, "cannot connect to the bridge: %s", why);
    else
        snprintf(msg, sizeof msg, "the bridge connection closed (%d, %s)", code, why);
    rc_log("%s", msg);
    rc_aicall_finish(a, msg);
}
