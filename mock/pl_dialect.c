/* pl_dialect.c — the table of dialects parley knows (see pl_dialect.h). */
#include "mock/pl_dialect.h"

#include <stddef.h>
#include <string.h>

static const pl_dialect_info pl_dialects[] = {
    {"bailian", "Alibaba Bailian multimodal dialog (DashScope multimodal-dialog), incl. LiveAI video",
     "WebSocket /api-ws/v1/inference, JSON text + binary audio", "000"},
    {"aicall", "Alibaba AICallKit agent DataChannel messages 1000-1018 / 1100-1120",
     "RTC data channel -> room bridge /aicall/room", "003"},
    {"trtc", "Tencent TRTC AI conversation: cloud APIs, custom messages, callbacks 901-909",
     "HTTP (TC3-HMAC-SHA256), webhooks, RTC custom cmd -> room bridge /trtc/room", "001"},
    {"volc", "Volcengine RTC AIGC: Start/Update/StopVoiceChat, binary room messages",
     "HTTP (V4 HMAC-SHA256), RTC binary messages -> room bridge /volc/room", "002"},
    {NULL, NULL, NULL, NULL},
};

const pl_dialect_info *pl_dialect_all(void)
{
    return pl_dialects;
}

const pl_dialect_info *pl_dialect_find(const char *id)
{
    for (const pl_dialect_info *d = pl_dialects; d->id; d++)
        if (strcmp(d->id, id) == 0)
            return d;
    return NULL;
}
