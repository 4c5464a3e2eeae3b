/* rc_bugs.c — the table of --bug flags (see rc_bugs.h). The code that each flag breaks
 * tests rc_bug_on(RC_BUG_…) at exactly one place; grep for the constant to find it. */
#include "rc_bugs.h"

#include <string.h>

static const struct {
    const char *name;
    const char *what;
} rc_bug_table[RC_BUG_COUNT] = {
    [RC_BUG_NO_MUTE_ON_ENABLE] = {"no-mute-on-enable",
                                  "enablePushToTalk(true) sends no mute_local_mic"},
    [RC_BUG_START_WITHOUT_ENABLE] = {"start-without-enable",
                                     "startPushToTalk skips the push-to-talk-enabled gate"},
    [RC_BUG_IGNORE_1007] = {"ignore-1007", "1007 never fires pushToTalkChanged"},
    [RC_BUG_WRONG_RECEIVER] = {"wrong-receiver", "receiverId is \"not-the-agent\""},
    [RC_BUG_DATA_AS_STRING] = {"data-as-string",
                               "data is sent as a JSON-encoded string instead of an object"},
    [RC_BUG_SEND_BEFORE_READY] = {"send-before-ready",
                                  "AICall messages go out without waiting for ready_resp"},
    [RC_BUG_SEQ_RESET] = {"seq-reset", "seqId is 1 on every message"},
    [RC_BUG_FINISH_SHORT_PRESS] = {"finish-short-press",
                                   "pushToTalkButton sends 1107 even for presses <= 500 ms"},
    [RC_BUG_NO_UNMUTE_ON_START] = {"no-unmute-on-start", "startPushToTalk does not unmute"},
    [RC_BUG_NO_MUTE_ON_FINISH] = {"no-mute-on-finish",
                                  "finishPushToTalk and cancelPushToTalk do not mute"},
    [RC_BUG_NO_RESYNC] = {"no-resync", "no 1119 QueryAgentState after reconnect"},
    [RC_BUG_IGNORE_AGENT_LEAVE] = {"ignore-agent-leave",
                                   "1010 fires no agentWillLeave and does not hang up"},
    [RC_BUG_IGNORE_ERROR] = {"ignore-error", "1000 fires no errorOccurred"},
    [RC_BUG_HANDUP_WITHOUT_STOP] = {"handup-without-stop", "handup leaves without 1100"},
    [RC_BUG_BAD_JSON] = {"bad-json",
                         "sendTextToAgent sends its message cut short by the last 2 bytes"},
    [RC_BUG_DOUBLE_START] = {"double-start", "startPushToTalk skips the open-press check"},
    [RC_BUG_IGNORE_1016] = {"ignore-1016", "1016 fires no speakingInterrupted"},
    [RC_BUG_TYPE_AS_STRING] = {"type-as-string", "type is sent as a string, e.g. \"1105\""},
    [RC_BUG_OVERSIZE_FRAME] = {"oversize-frame",
                               "bailian LiveAI frames are 190000 decoded bytes (over 180 KB)"},
    [RC_BUG_FAST_CADENCE] = {"fast-cadence", "bailian LiveAI frames every 250 ms, not 500 ms"},
    [RC_BUG_AUDIO_BEFORE_LISTENING] = {"audio-before-listening",
                                       "bailian: one audio chunk right after Start, before "
                                       "Listening"},
    [RC_BUG_URL_IMAGE] = {"url-image", "bailian LiveAI frames are {type:url} images"},
    [RC_BUG_NO_HEARTBEAT] = {"no-heartbeat",
                             "bailian: no keep-alive HeartBeat even when heartbeat_ms is set"},
    [RC_BUG_FRAMES_BEFORE_CONNECT] = {"frames-before-connect",
                                      "bailian: the frame stream starts right after Start, not "
                                      "after switch_video_call_success"},
    [RC_BUG_CUSTOM_OVER_1K] = {"custom-over-1k",
                               "trtc: sendText pads the 20000 JSON to 1100 bytes (limit 1000)"},
    [RC_BUG_INTERRUPT_NO_RECEIVER] = {"interrupt-no-receiver",
                                      "trtc: the 20001 interrupt has receiver: []"},
    [RC_BUG_NO_RETRY_ON_98] = {"no-retry-on-98",
                               "trtc: no new StartAIConversation after a 902 with LeaveCode 98"},
    [RC_BUG_RETRY_ON_0] = {"retry-on-0",
                           "trtc: StartAIConversation again after a 902 with LeaveCode 0 too"},
    [RC_BUG_BAD_SIGNATURE_CHECK] = {"bad-signature-check",
                                    "trtc: the callback receiver answers 200 without checking "
                                    "Sign"},
    [RC_BUG_WRONG_CMD_ID] = {"wrong-cmd-id", "trtc: 20000/20001 go out on cmdID 1, not 2"},
    [RC_BUG_BAD_TC3] = {"bad-tc3",
                        "trtc: TC3 signs with the local date +1 day, not the UTC date (every "
                        "cloud API call fails)"},
    [RC_BUG_WRONG_TLV_LENGTH] = {"wrong-tlv-length",
                                 "volc: every ctrl/func TLV header says one byte more than the "
                                 "value has"},
    [RC_BUG_INTERRUPT_BEFORE_JOIN] = {"interrupt-before-join",
                                      "volc: joinRoom sends a ctrl interrupt to the would-be bot "
                                      "at once, before any bot is in the room"},
    [RC_BUG_FUNC_UNKNOWN_ID] = {"func-unknown-id",
                                "volc: tool answers (func) carry ToolCallID \"call_unknown\""},
    [RC_BUG_NO_STOP_ON_LEAVE] = {"no-stop-on-leave",
                                 "volc: leaveRoom leaves without StopVoiceChat"},
    [RC_BUG_LISTEN_FUNC_MAGIC] = {"listen-func-magic",
                                  "volc: tool calls are only recognised under magic func (the "
                                  "pre-6ec1ca5 demo): never answered"},
    [RC_BUG_BAD_V4] = {"bad-v4", "volc: V4 signs with the wrong secret key (every OpenAPI call "
                                 "fails SignatureDoesNotMatch)"},
};
_Static_assert(RC_BUG_COUNT <= 64, "rc_config.bugs is a 64-bit mask");

int rc_bug_find(const char *name)
{
    for (int i = 0; i < RC_BUG_COUNT; i++)
        if (strcmp(rc_bug_table[i].name, name) == 0)
            return i;
    return -1;
}

void rc_bugs_list(FILE *f)
{
    for (int i = 0; i < RC_BUG_COUNT; i++)
        fprintf(f, "  %-22s %s\n", rc_bug_table[i].name, rc_bug_table[i].what);
}

void rc_bugs_names(uint64_t mask, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < RC_BUG_COUNT && used < len; i++) {
        if (!((mask >> i) & 1u))
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", rc_bug_table[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
