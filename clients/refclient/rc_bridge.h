/* rc_bridge.h — the room bridge (parley docs/bridge.md): a WebSocket whose JSON frames mirror
 * the RTC SDK's calls (room ops out: publish, mute_local_mic, datachannel, leave, …) and its
 * callbacks (room events in: joined, user_joined, user_publish, datachannel, user_left, …).
 *
 * This file stands in for ARTC (aicall), the TRTC SDK's room (trtc) and the Volcengine RTC room
 * (volc: binary messages travel base64-encoded). An SDK team replaces it with its own RTC shim;
 * the SDK models (rc_aicall.c, rc_trtc.c, rc_volc.c) only call the functions below. */
#ifndef RC_BRIDGE_H
#define RC_BRIDGE_H

#include <cjson/cJSON.h>

#include "rc_ws.h"

typedef struct rc_bridge rc_bridge;

typedef struct {
    /* A room event: event is its "event" member, frame the whole frame (valid during the
     * call). The bridge may be closed from inside (rc_bridge_close). */
    void (*on_event)(void *user, const char *event, const cJSON *frame);
    /* The connection ended without being asked to (code 0: it never opened). The rc_bridge is
     * gone after this returns. */
    void (*on_close)(void *user, int code, const char *why);
} rc_bridge_ops;

/* Connects to the bridge URL. NULL with err if the connection cannot even start. */
rc_bridge *rc_bridge_open(rc_net *net, const char *url, const rc_bridge_ops *ops, void *user,
                          char *err, size_t errlen);

/* Room ops; each returns 0 when queued, -1 otherwise. */
int rc_bridge_datachannel(rc_bridge *b, const char *payload,
                          size_t len); /* sendDataChannelMessage */
/* trtc: sendCustomCmdMsg(cmdID, data, reliable, ordered) */
int rc_bridge_custom_cmd(rc_bridge *b, int cmd_id, int reliable, int ordered, const char *data,
                         size_t len);
/* volc: sendUserBinaryMessage(to, bytes) → {"op":"user_binary","to":…,"data_b64":…} */
int rc_bridge_user_binary(rc_bridge *b, const char *to, const void *data, size_t len);
int rc_bridge_publish(rc_bridge *b, const char *media);
int rc_bridge_audio_capture(rc_bridge *b, int on); /* start/stopAudioCapture */
int rc_bridge_mute_local_mic(rc_bridge *b, int mute);
int rc_bridge_leave(rc_bridge *b);

/* Closes with code (the queued ops still go out first) and frees. No op is called any more. */
void rc_bridge_close(rc_bridge *b, int code);
/* Cuts the connection like a network drop (no close frame) and frees. */
void rc_bridge_drop(rc_bridge *b);

#endif
