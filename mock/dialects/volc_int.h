/* volc_int.h — what the two halves of the volc dialect share.
 *
 * mock/dialects/volc.c is the room side: one volc_sess per room-bridge session (a user in a
 * Volcengine RTC room), the TLV codec, the rules (volc_rules.c) and the binary messages the
 * user sends to the bot. mock/dialects/volc_cloud.c is the server side: the OpenAPI
 * (POST /?Action=…&Version=…, V4-signed), the voice-chat tasks it starts, the bot each task
 * puts in its room, the agent's rounds and the server-message callbacks. A task reaches the
 * users of its room through the sessions registered here; a session reaches its room's task
 * through the cloud (pl_session_cloud). docs/dev/volc-spec.md fixes the names. */
#ifndef VOLC_INT_H
#define VOLC_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mock/dialects/volc_rules.h"
#include "mock/pl_session.h"

#define VOLC_DIALECT "volc"

typedef struct volc_cloud volc_cloud;

/* One room-bridge session. */
typedef struct volc_sess {
    pl_session *s;
    volc_cloud *cloud; /* NULL once the cloud is gone (server stopping) */
    pl_volc_rules *rules;
    char bot[128];          /* the bot user id while a task's bot is in this room, else "" */
    int left_reported;      /* volc.task.not_stopped said once */
    struct volc_sess *next; /* the cloud's list of sessions */
} volc_sess;

/* TLV framing (protocols/volc.md §2.1): 4-byte magic, uint32 big-endian length, JSON. */
unsigned char *volc_tlv_build(const char magic[4], const void *value, size_t len,
                              size_t *out_len);

/* Adds "length" (the byte count of the value as encode() writes it) to {"magic","value"}. */
void volc_tlv_add_length(cJSON *msg);

/* Session side → cloud. */
void volc_cloud_attach(volc_cloud *c, volc_sess *vs);
void volc_cloud_detach(volc_cloud *c, volc_sess *vs);
/* A ctrl command (canonical Command spelling) or a func answer reached the room's bot. */
void volc_cloud_ctrl(volc_cloud *c, volc_sess *vs, const char *command, const cJSON *value);
void volc_cloud_func(volc_cloud *c, volc_sess *vs, const char *tool_call_id, const char *content);
/* Whether the session's room has a running task (for volc.task.not_stopped). */
int volc_cloud_room_busy(volc_cloud *c, const char *room);
int volc_cloud_act(volc_cloud *c, volc_sess *vs, const char *name, const cJSON *args, char *err,
                   size_t errlen);

/* Cloud → session side: the bot of a task entered / left this session's room. */
void volc_sess_bot_joined(volc_sess *vs, const char *bot);
void volc_sess_bot_left(volc_sess *vs, const char *bot, const char *reason);
void volc_sess_event(volc_sess *vs, const char *event, const char *user, const char *k,
                     const char *v);

extern const pl_api_info volc_acts[];

#endif
