/* trtc_int.h — what the two halves of the trtc dialect share.
 *
 * mock/dialects/trtc.c is the room side: one trtc_sess per room-bridge session (a user in a
 * TRTC room), its codec, rules and the custom messages it receives. mock/dialects/trtc_cloud.c
 * is the server side: the cloud API (POST / with X-TC-Action), the tasks it starts, the bot each
 * task puts in its room, the agent's rounds, the callbacks 901–909 and the custom LLM/TTS calls.
 * A task talks to the users of its room through the sessions registered here; a session reaches
 * its room's task through the cloud (pl_session_cloud). */
#ifndef TRTC_INT_H
#define TRTC_INT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "mock/dialects/trtc_rules.h"
#include "mock/pl_session.h"

#define TRTC_DIALECT "trtc"

typedef struct trtc_cloud trtc_cloud;
typedef struct trtc_task trtc_task;

/* One room-bridge session. */
typedef struct trtc_sess {
    pl_session *s;
    trtc_cloud *cloud; /* NULL once the cloud is gone (server stopping) */
    pl_trtc_rules *rules;
    char bot[128];          /* the bot user id while a task's bot is in this room, else "" */
    char callback_url[512]; /* act callback_url: this room's callbacks go here ("" = default) */
    struct trtc_sess *next; /* the cloud's list of sessions */
} trtc_sess;

/* Session side → cloud. */
void trtc_cloud_attach(trtc_cloud *c, trtc_sess *ts);
void trtc_cloud_detach(trtc_cloud *c, trtc_sess *ts);
/* A client's 20000 text / 20001 interrupt reached the bot of the session's room. */
void trtc_cloud_user_text(trtc_cloud *c, trtc_sess *ts, const char *text);
void trtc_cloud_user_interrupt(trtc_cloud *c, trtc_sess *ts);
/* pl_dialect.act for a session: leave/say/speak/error/start_failed on its room's task. */
int trtc_cloud_act(trtc_cloud *c, trtc_sess *ts, const char *name, const cJSON *args, char *err,
                   size_t errlen);

/* Cloud → session side: the bot of a task entered / left this session's room. */
void trtc_sess_bot_joined(trtc_sess *ts, const char *bot);
void trtc_sess_bot_left(trtc_sess *ts, const char *bot, int leave_code);

extern const pl_api_info trtc_acts[];

#endif
