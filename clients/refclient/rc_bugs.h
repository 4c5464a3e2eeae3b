/* rc_bugs.h — --bug flags: each one breaks exactly one behaviour of the refclient, so that
 * parley's rules and scenarios can be shown to catch it (docs/refclient.md, "Bug flags"). */
#ifndef RC_BUGS_H
#define RC_BUGS_H

#include <stdint.h>
#include <stdio.h>

#include "rc.h"

typedef enum {
    RC_BUG_NO_MUTE_ON_ENABLE,
    RC_BUG_START_WITHOUT_ENABLE,
    RC_BUG_IGNORE_1007,
    RC_BUG_WRONG_RECEIVER,
    RC_BUG_DATA_AS_STRING,
    RC_BUG_SEND_BEFORE_READY,
    RC_BUG_SEQ_RESET,
    RC_BUG_FINISH_SHORT_PRESS,
    RC_BUG_NO_UNMUTE_ON_START,
    RC_BUG_NO_MUTE_ON_FINISH,
    RC_BUG_NO_RESYNC,
    RC_BUG_IGNORE_AGENT_LEAVE,
    RC_BUG_IGNORE_ERROR,
    RC_BUG_HANDUP_WITHOUT_STOP,
    RC_BUG_BAD_JSON,
    RC_BUG_DOUBLE_START,
    RC_BUG_IGNORE_1016,
    RC_BUG_TYPE_AS_STRING,
    /* bailian */
    RC_BUG_OVERSIZE_FRAME,
    RC_BUG_FAST_CADENCE,
    RC_BUG_AUDIO_BEFORE_LISTENING,
    RC_BUG_URL_IMAGE,
    RC_BUG_NO_HEARTBEAT,
    RC_BUG_FRAMES_BEFORE_CONNECT,
    /* trtc */
    RC_BUG_CUSTOM_OVER_1K,
    RC_BUG_INTERRUPT_NO_RECEIVER,
    RC_BUG_NO_RETRY_ON_98,
    RC_BUG_RETRY_ON_0,
    RC_BUG_BAD_SIGNATURE_CHECK,
    RC_BUG_WRONG_CMD_ID,
    RC_BUG_BAD_TC3,
    /* volc */
    RC_BUG_WRONG_TLV_LENGTH,
    RC_BUG_INTERRUPT_BEFORE_JOIN,
    RC_BUG_FUNC_UNKNOWN_ID,
    RC_BUG_NO_STOP_ON_LEAVE,
    RC_BUG_LISTEN_FUNC_MAGIC,
    RC_BUG_BAD_V4,
    RC_BUG_COUNT
} rc_bug;

/* The bug called NAME, or -1. */
int rc_bug_find(const char *name);
/* One line per bug: "  name  what breaks". */
void rc_bugs_list(FILE *f);
/* Comma-separated names of the bugs set in mask, into buf. */
void rc_bugs_names(uint64_t mask, char *buf, size_t len);

/* Whether --bug enabled this one. */
static inline int rc_bug_on(rc_bug b)
{
    return (rc_cfg.bugs >> b) & 1u;
}

#endif
