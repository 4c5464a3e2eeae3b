/* aicall_rules.c — the stateful AICall rules (see aicall_rules.h for the contract).
 *
 * How it works. Each DataChannel message goes through three steps: the envelope (is it a
 * JSON object, a known type in the right direction, ids and seqId consistent), then one
 * handler per direction that updates the session state and checks the state rules, and
 * meanwhile the deadlines: before any event is handled, every expectation whose deadline
 * is earlier than the event's time fires (confirmation not received, mic not muted, …).
 *
 * The state is a handful of scalars plus one small FIFO ring per confirmation type
 * (1004, 1005, 1006, 1007, 1008, 1009, 1015, 1001): a request (1102, …) pushes an entry,
 * its confirmation pops the oldest, since no message carries an ack id (aicall.md §5,
 * §8.5). A ring holds RING_CAP entries; an overflow drops the oldest as if it had expired.
 * Expired entries are counted, so that a late confirmation is not reported a second time
 * as unsolicited.
 *
 * The rule table (catalog[]) is indexed by the R_* enum; report() fills a pl_finding
 * from it, and drops the rules that restate a schema constraint while the message being
 * handled has already been reported by the schema layer (restates_schema(), one finding
 * per bad field). The callback and its user pointer are stored in the object only for the length
 * of one public call. */
#include "mock/dialects/aicall_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"

#define RING_CAP 8
#define MIC_CAP 4
#define ID_TEXT 48 /* ids and voice ids are kept as a hash plus this many bytes of text */
#define MS(us) ((long long)((us) / 1000))

/* ---- rule catalog ------------------------------------------------------------------- */

enum {
    R_MALFORMED,
    R_NOT_OBJECT,
    R_TYPE_INVALID,
    R_DATA_NOT_OBJECT,
    R_DATA_MISSING,
    R_IDS_MISSING,
    R_SENDER_CHANGED,
    R_RECEIVER_MISMATCH,
    R_SEQ,
    R_UNKNOWN_TYPE,
    R_WRONG_DIR,
    R_FIELD,
    R_READY_BEFORE,
    R_READY_NO_RESP,
    R_PTT_START_OFF,
    R_PTT_START_OPEN,
    R_PTT_END_NO_START,
    R_PTT_SHORT,
    R_PTT_LONG,
    R_PTT_ECHO_MISSING,
    R_PTT_ECHO_MISMATCH,
    R_PTT_ECHO_DUP,
    R_PTT_NOT_LISTENING,
    R_PTT_NOT_ANSWERED,
    R_PTT_CANCELLED_ANSWERED,
    R_CONFIRM_TIMEOUT,
    R_CONFIRM_TIMEOUT_INF,
    R_CONFIRM_MISMATCH,
    R_CONFIRM_UNSOLICITED,
    R_MIC_ENABLE,
    R_MIC_DISABLE,
    R_MIC_START,
    R_MIC_END,
    R_UNPUBLISHED,
    R_STATE_UNCHANGED,
    R_ASR_RANGE,
    R_RATE_RANGE,
    R_PROMPT_EMPTY,
    R_BAILIAN_JSON,
    R_CUSTOM_JSON,
    R__COUNT
};

#define MUST PL_LEVEL_MUST
#define SHOULD PL_LEVEL_SHOULD

static const pl_rule_info catalog[] = {
    [R_MALFORMED] =
        {"aicall.malformed_json", MUST,
         "aicall.md §1.1: the DataChannel custom message carries UTF-8 JSON in the body",
         "A DataChannel message body is not valid JSON."},
    [R_NOT_OBJECT] = {"aicall.envelope.not_object", MUST,
                      "aicall.md §1.2: the envelope is a JSON object {type, seqId, senderId, "
                      "receiverId, data}",
                      "The message is valid JSON but not an object."},
    [R_TYPE_INVALID] = {"aicall.envelope.type_invalid", MUST,
                        "aicall.md §1.2: \"type\": int, the message type; §1.3: the readiness "
                        "handshake uses type \"ready_req\" / \"ready_resp\"",
                        "type is missing, not an integer, or a string other than ready_req / "
                        "ready_resp."},
    [R_DATA_NOT_OBJECT] = {"aicall.envelope.data_not_object", MUST,
                           "aicall.md §1.2: \"data\": object; omitted (or null) when there is no "
                           "payload",
                           "data is present but neither an object nor null."},
    [R_DATA_MISSING] = {"aicall.envelope.data_missing", SHOULD,
                        "aicall.md §1.2 and §8.2: Android 1.8 ignores every message whose data is "
                        "not a JSON object, so the agent always sends \"data\": {...}, {} at least",
                        "An agent message has no data object (Android 1.8 drops it)."},
    [R_IDS_MISSING] = {"aicall.envelope.ids_missing", SHOULD,
                       "aicall.md §1.2: senderId (the sender's RTC userId) and receiverId (the "
                       "target userId, \"\" = broadcast) in both directions; seed 003 examples",
                       "senderId or receiverId is missing or not a string."},
    [R_SENDER_CHANGED] = {"aicall.envelope.sender_changed", SHOULD,
                          "aicall.md §1.2: senderId is the sender's RTC userId (agent: its "
                          "AIAgentUserId)",
                          "senderId differs from the one the same side used before."},
    [R_RECEIVER_MISMATCH] =
        {"aicall.envelope.receiver_mismatch", SHOULD,
         "aicall.md §1.2: receiverId is the target userId (W: agentInfo.userId); "
         "\"\" means broadcast",
         "receiverId is neither \"\" nor the other side's senderId."},
    [R_SEQ] = {"aicall.envelope.seq_not_increasing", SHOULD,
               "aicall.md §1.2: seqId is a per-sender counter (W: from 1, +1 per message) "
               "[inference]",
               "seqId does not increase from one message to the next of the same sender."},
    [R_UNKNOWN_TYPE] = {"aicall.unknown_type", SHOULD,
                        "aicall.md §2-§3: the types are 1000-1018 (agent->client) and 1100-1120 "
                        "(client->agent); §8.3: iOS drops unknown types",
                        "An integer type outside 1000-1018 and 1100-1120."},
    [R_WRONG_DIR] = {"aicall.type.wrong_direction", MUST,
                     "aicall.md §2-§3: 1000-1018 are agent->client, 1100-1120 client->agent; §1.3: "
                     "ready_req client->agent, ready_resp agent->client",
                     "A known type sent in the wrong direction."},
    [R_FIELD] = {"aicall.data.field_invalid", MUST,
                 "aicall.md §2-§3 data fields (1105/1007/1102/1004/1109/1008/1015 enable:bool, "
                 "1001 state:int 1-3, 1103/1005 voiceId:string, 1118/1120 numbers, "
                 "1115/1117/1011 strings)",
                 "A data field the state rules read is missing or of the wrong type or value."},
    [R_READY_BEFORE] = {"aicall.ready.message_before_resp", MUST,
                        "aicall.md §1.3: W's sendMsgToDataChannel refuses to send until _dcReady "
                        "(ready_resp); \"需要等回调触发后，才可以给智能体发送消息\"",
                        "A client that opened with ready_req sent an AICall message before "
                        "ready_resp."},
    [R_READY_NO_RESP] = {"aicall.ready.no_resp", MUST,
                         "aicall.md §1.3: the client repeats ready_req (50/100/500/2000 ms) and "
                         "gives up after 30 attempts; the agent answers ready_resp",
                         "ready_req was not answered by ready_resp in time."},
    [R_PTT_START_OFF] =
        {"aicall.ptt.start_without_enable", MUST,
         "aicall.md §5: 1106 is sent only if push-to-talk is enabled (I18 L268-329, "
         "W L25542-25560); §3: \"Valid only in push-to-talk mode\"; seed 003: "
         "请确保已经启动对讲机模式",
         "1106 while push-to-talk is off (last 1105/1007, or the start config)."},
    [R_PTT_START_OPEN] = {"aicall.ptt.start_while_open", MUST,
                          "aicall.md §5: 1106 only if no turn is already open "
                          "(isStartPushToTalk == false)",
                          "1106 while the previous press has not been closed by 1107/1108."},
    [R_PTT_END_NO_START] = {"aicall.ptt.end_without_start", MUST,
                            "aicall.md §5: \"1107/1108 only if a turn is open; both close it\"",
                            "1107 or 1108 with no open press."},
    [R_PTT_SHORT] = {"aicall.ptt.short_press_finished", SHOULD,
                     "aicall.md §5/§7: all three official UIs send 1108 instead of 1107 when the "
                     "press lasted <= 0.5 s",
                     "1107 ends a press shorter than 500 ms (the UIs cancel it with 1108)."},
    [R_PTT_LONG] = {"aicall.ptt.press_too_long", SHOULD,
                    "aicall.md §7: longest push-to-talk press 60 s, then auto-finish (1107)",
                    "A press stayed open longer than 60 s."},
    [R_PTT_ECHO_MISSING] = {"aicall.ptt.echo_missing", MUST,
                            "seed 003 / aicall.md §3: 1105 is confirmed by 1007; "
                            "\"无论是OpenAPI，还是通过DataChannel开启/关闭对讲机模式，"
                            "智能体服务都会发送该消息告诉结果\"",
                            "1105 was not confirmed by 1007 within the timeout."},
    [R_PTT_ECHO_MISMATCH] = {"aicall.ptt.echo_mismatch", SHOULD,
                             "aicall.md §5: the agent confirms by sending the resulting value "
                             "(1105→1007); \"最终的开关以回调为准\" allows a refusal, hence should",
                             "1007 carries the opposite of the 1105 it answers."},
    [R_PTT_ECHO_DUP] = {"aicall.ptt.echo_duplicate", SHOULD,
                        "aicall.md §2: 1007 confirms the push-to-talk state (reply to 1105; "
                        "unsolicited when the mode changed by OpenAPI)",
                        "1007 with no 1105 pending that does not change the mode."},
    [R_PTT_NOT_LISTENING] = {"aicall.ptt.not_listening_during_press", MUST,
                             "aicall.md §4.1 (D intercom-mode): while the button is held "
                             "(1106…1107) \"其状态将始终保持在聆听状态\"",
                             "1001 Thinking/Speaking while a press is open."},
    [R_PTT_NOT_ANSWERED] = {"aicall.ptt.finish_not_answered", SHOULD,
                            "aicall.md §4.1 (D intercom-mode): 1107 → "
                            "\"智能体会进入思考状态，并很快播报结果\"",
                            "After 1107 ending a press with recognised speech, no 1001 "
                            "Thinking/Speaking in time."},
    [R_PTT_CANCELLED_ANSWERED] = {"aicall.ptt.cancelled_turn_answered", MUST,
                                  "aicall.md §3/§4.1 (D intercom-mode): 1108 → "
                                  "\"智能体不做任何处理，立即回到等待按住开始讲话状态\"",
                                  "1002/1014/1017 answers the user sentence of a press "
                                  "cancelled with 1108."},
    [R_CONFIRM_TIMEOUT] = {"aicall.confirm.timeout", MUST,
                           "aicall.md §5: the agent confirms the toggles by sending the resulting "
                           "value: 1102→1004, 1103→1005, 1104→1006, 1109→1008, 1110→1009, "
                           "1119→1001",
                           "A request was not confirmed within the timeout."},
    [R_CONFIRM_TIMEOUT_INF] = {"aicall.confirm.timeout_inferred", SHOULD,
                               "aicall.md §3/§5: 1113/1114 → 1015 {enable:true/false} [inference]",
                               "1113/1114 was not confirmed by 1015 within the timeout."},
    [R_CONFIRM_MISMATCH] = {"aicall.confirm.value_mismatch", SHOULD,
                            "aicall.md §5: the echo carries the resulting value; "
                            "\"最终的开关以回调为准\" allows a refusal, hence should",
                            "1004/1005/1008/1015 differs from the value the request asked for."},
    [R_CONFIRM_UNSOLICITED] = {"aicall.confirm.unsolicited", SHOULD,
                               "aicall.md §5: 1004/1005/1006/1008/1009 confirm 1102/1103/1104/"
                               "1109/1110; matched by type only, one answer per request",
                               "A confirmation with no request pending."},
    [R_MIC_ENABLE] = {"aicall.mic.ptt_enable_not_muted", SHOULD,
                      "aicall.md §5: on enable: mute the mic (muteLocalMic(true)) but keep "
                      "publishing audio; seed 003 enablePushToTalk: muteLocalMic(enable)",
                      "The mic is not muted soon after 1105 {enable:true}."},
    [R_MIC_DISABLE] = {"aicall.mic.ptt_disable_not_unmuted", SHOULD,
                       "seed 003 enablePushToTalk: muteLocalMic(enable), so 1105 {enable:false} "
                       "unmutes",
                       "The mic is not unmuted soon after 1105 {enable:false}."},
    [R_MIC_START] = {"aicall.mic.ptt_start_not_unmuted", MUST,
                     "aicall.md §5: \"On 1106: unmute\"; the agent hears only what you publish; "
                     "seed 003 startPushToTalk",
                     "The mic is not unmuted soon after 1106."},
    [R_MIC_END] = {"aicall.mic.ptt_end_not_muted", SHOULD,
                   "aicall.md §5: \"On 1107/1108: mute again\"; seed 003 finishPushToTalk / "
                   "cancelPushToTalk",
                   "The mic is not muted soon after 1107/1108."},
    [R_UNPUBLISHED] = {"aicall.media.audio_unpublished", SHOULD,
                       "aicall.md §1.1: DataChannel needs the sender to be publishing audio or "
                       "video; the SDKs mute the mic rather than unpublish it",
                       "The client unpublished its audio and did not leave."},
    [R_STATE_UNCHANGED] = {"aicall.state.unchanged", SHOULD,
                           "aicall.md §2/§4.1: 1001 AgentStateChanged reports a change of state "
                           "(or answers 1119)",
                           "1001 repeats the current state with no 1119 pending."},
    [R_ASR_RANGE] = {"aicall.param.asr_max_silence_range", MUST,
                     "aicall.md §3/§7: 1118 asrMaxSilence:int (ms, 200-1200)",
                     "1118 asrMaxSilence outside 200-1200 ms."},
    [R_RATE_RANGE] = {"aicall.param.speech_rate_range", MUST,
                      "aicall.md §3: 1120 speechRate:number (0.5-2.0)",
                      "1120 speechRate outside 0.5-2.0."},
    [R_PROMPT_EMPTY] = {"aicall.param.prompt_empty", MUST,
                        "aicall.md §3: 1115 prompt:string (must be non-empty)",
                        "1115 with an empty prompt."},
    [R_BAILIAN_JSON] = {"aicall.param.bailian_params_not_json", MUST,
                        "aicall.md §3: 1117 params:string (a JSON-encoded object)",
                        "1117 params is not a JSON-encoded object."},
    [R_CUSTOM_JSON] = {"aicall.param.custom_message_not_json", MUST,
                       "aicall.md §2: 1011 message:string, a JSON-encoded string; the SDKs "
                       "JSON.parse(message)",
                       "1011 message is not valid JSON."},
    [R__COUNT] = {NULL, MUST, NULL, NULL},
};

_Static_assert(sizeof catalog / sizeof catalog[0] == R__COUNT + 1, "catalog matches R_*");

const pl_rule_info *pl_aicall_rules_catalog(void)
{
    return catalog;
}

/* ---- message types ------------------------------------------------------------------ */

/* Names as in W's AICallMessageType (schemas/aicall/catalog.json), indexed by type - 1000. */
static const char *const a2c_names[] = {
    "AgentErrorOccurs",           /* 1000 */
    "AgentStateChanged",          /* 1001 */
    "AgentSubtitleNotify",        /* 1002 */
    "UserSubtitleNotify",         /* 1003 */
    "VoiceInterruptChanged",      /* 1004 */
    "VoiceIdChanged",             /* 1005 */
    "RTCTokenResponsed",          /* 1006 */
    "PushToTalkChanged",          /* 1007 */
    "VoiceprintUsingChanged",     /* 1008 */
    "VoiceprintClearSucceed",     /* 1009 */
    "AgentWillLeave",             /* 1010 */
    "CustomMessageReceived",      /* 1011 */
    "HumanTakeoverWillStart",     /* 1012 */
    "HumanTakeoverConnected",     /* 1013 */
    "AgentEmotionNotify",         /* 1014 */
    "VisionCustomCaptureChanged", /* 1015 */
    "SpeakingInterruptedReason",  /* 1016 */
    "LLMReplyCompleted",          /* 1017 */
    "VcrResultReceived",          /* 1018 */
};
/* Names as in W's AICallMessageType (schemas/aicall/catalog.json), indexed by type - 1100. */
static const char *const c2a_names[] = {
    "StopAgent",                 /* 1100 */
    "InterruptSpeaking",         /* 1101 */
    "EnableVoiceInterrupt",      /* 1102 */
    "SwitchVoiceId",             /* 1103 */
    "RequestRTCToken",           /* 1104 */
    "EnablePushToTalk",          /* 1105 */
    "StartPushToTalk",           /* 1106 */
    "FinishPushToTalk",          /* 1107 */
    "CancelPushToTalk",          /* 1108 */
    "UseVoiceprint",             /* 1109 */
    "ClearVoiceprint",           /* 1110 */
    "SendTextToAgent",           /* 1111 */
    "SendCustomMessageToServer", /* 1112 */
    "StartVisionCustomCapture",  /* 1113 */
    "StopVisionCustomCapture",   /* 1114 */
    "UpdateLlmSystemPrompt",     /* 1115 */
    "UpdateVcrConfig",           /* 1116 */
    "UpdateBailianAppParams",    /* 1117 */
    "UpdateAsrMaxSilence",       /* 1118 */
    "QueryAgentState",           /* 1119 */
    "UpdateTtsSpeechRate",       /* 1120 */
};
#define N_A2C ((int)(sizeof a2c_names / sizeof a2c_names[0]))
#define N_C2A ((int)(sizeof c2a_names / sizeof c2a_names[0]))

static int is_a2c_type(int t)
{
    return t >= 1000 && t < 1000 + N_A2C;
}

static int is_c2a_type(int t)
{
    return t >= 1100 && t < 1100 + N_C2A;
}

static const char *type_name(int t)
{
    unsigned a = (unsigned)t - 1000u, c = (unsigned)t - 1100u; /* wrap: one compare each */
    if (a < (unsigned)N_A2C)
        return a2c_names[a];
    if (c < (unsigned)N_C2A)
        return c2a_names[c];
    return "?";
}

static const char *state_name(int s)
{
    static const char *const names[] = {"?", "Listening", "Thinking", "Speaking"};
    return s >= 1 && s <= 3 ? names[s] : "?";
}

static const char *side(pl_dir d)
{
    return d == PL_DIR_C2A ? "client" : "agent";
}

/* ---- confirmation rings ------------------------------------------------------------- */

/* One ring per confirmation type; requests map to them in echo_of(). */
enum { E_1001, E_1004, E_1005, E_1006, E_1007, E_1008, E_1009, E_1015, E__COUNT };
typedef enum { V_NONE, V_BOOL, V_STR } vkind;

static const struct {
    int type;
    vkind kind;
    const char *field;
    int timeout_rule;
    int mismatch_rule;
    int unsolicited_ok; /* 1001 and 1015 also report changes nobody asked for */
} echoes[E__COUNT] = {
    [E_1001] = {1001, V_NONE, NULL, R_CONFIRM_TIMEOUT, -1, 1},
    [E_1004] = {1004, V_BOOL, "enable", R_CONFIRM_TIMEOUT, R_CONFIRM_MISMATCH, 0},
    [E_1005] = {1005, V_STR, "voiceId", R_CONFIRM_TIMEOUT, R_CONFIRM_MISMATCH, 0},
    [E_1006] = {1006, V_NONE, NULL, R_CONFIRM_TIMEOUT, -1, 0},
    [E_1007] = {1007, V_BOOL, "enable", R_PTT_ECHO_MISSING, R_PTT_ECHO_MISMATCH, 1},
    [E_1008] = {1008, V_BOOL, "enable", R_CONFIRM_TIMEOUT, R_CONFIRM_MISMATCH, 0},
    [E_1009] = {1009, V_NONE, NULL, R_CONFIRM_TIMEOUT, -1, 0},
    [E_1015] = {1015, V_BOOL, "enable", R_CONFIRM_TIMEOUT_INF, R_CONFIRM_MISMATCH, 1},
};

static int echo_of(int req)
{
    switch (req) {
    case 1102:
        return E_1004;
    case 1103:
        return E_1005;
    case 1104:
        return E_1006;
    case 1105:
        return E_1007;
    case 1109:
        return E_1008;
    case 1110:
        return E_1009;
    case 1113:
    case 1114:
        return E_1015;
    case 1119:
        return E_1001;
    default:
        return -1;
    }
}

static int echo_index(int type)
{
    for (int e = 0; e < E__COUNT; e++)
        if (echoes[e].type == type)
            return e;
    return -1;
}

/* A string remembered by hash, with its first bytes for messages. */
typedef struct {
    int set;
    uint64_t hash;
    char text[ID_TEXT];
} pl_aicall_rules_str;

typedef struct {
    int64_t t_us;
    int type;              /* the request, e.g. 1102 */
    int b;                 /* requested boolean (V_BOOL) */
    pl_aicall_rules_str s; /* requested string (V_STR) */
} pl_aicall_rules_req;

typedef struct {
    pl_aicall_rules_req q[RING_CAP];
    unsigned head, len;
    unsigned expired; /* requests given up on: their late answers are not unsolicited */
} pl_aicall_rules_ring;

/* ---- session state ------------------------------------------------------------------ */

/* "The mic should be (un)muted within the deadline after this message." Room-bridge events
 * can lag the DataChannel, so expectations queue up and mic events satisfy them in order. */
typedef struct {
    int muted;   /* wanted state */
    int rule;    /* R_MIC_* */
    int trigger; /* 1105 … 1108 */
    int64_t t_us;
} pl_aicall_rules_mic_want;

enum { READY_UNSEEN, READY_UNUSED, READY_WAIT, READY_DONE };
enum { SRC_START, SRC_1105, SRC_1007 };

struct pl_aicall_rules {
    pl_aicall_rules_opts o;
    pl_finding_fn emit; /* valid during one public call only */
    void *user;
    int shape_reported; /* during one message: the schema layer reported its shape */

    /* envelope, indexed by pl_dir */
    pl_aicall_rules_str sender[2];
    int seq_set[2];
    int64_t seq[2];

    /* readiness handshake (§1.3) */
    int ready;
    int64_t ready_t;
    int ready_reported;

    pl_aicall_rules_ring rings[E__COUNT];

    /* push-to-talk (§5) */
    int ptt;       /* the client's view: 1 on, 0 off, -1 unknown */
    int ptt_src;   /* what set it: SRC_* */
    int ptt_agent; /* last mode the agent reported by 1007 (or the start config) */
    int press_open;
    int64_t press_t;
    int press_long_reported;
    int press_speech; /* a 1003 with text arrived during the press */
    int press_sid_set;
    int64_t press_sid; /* sentenceId of that 1003 */
    int cancelled_set;
    int64_t cancelled_sid, cancelled_t;
    int answer_due; /* 1107 after speech: 1001 Thinking/Speaking expected */
    int64_t answer_t;

    int state; /* agent state from 1001: 0 unknown, 1..3 */

    /* mic and media */
    int mic_muted;
    pl_aicall_rules_mic_want mic[MIC_CAP]; /* pending expectations, oldest first */
    unsigned nmic;
    int unpublished, unpublished_reported;
    int64_t unpublished_t;
    int left;
};

void pl_aicall_rules_opts_init(pl_aicall_rules_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ptt_initially = 0;
    o->mic_initially_muted = 0;
    o->check_mic = 1;
    o->confirm_timeout_us = 5000000;
    o->ready_timeout_us = 2000000;
    o->mic_deadline_us = 1000000;
    o->answer_timeout_us = 5000000;
    o->ptt_min_press_us = 500000;
    o->ptt_max_press_us = 61000000;
    o->race_us = 500000;
}

pl_aicall_rules *pl_aicall_rules_new(const pl_aicall_rules_opts *opts)
{
    pl_aicall_rules *r = pl_xcalloc(1, sizeof *r);
    if (opts)
        r->o = *opts;
    else
        pl_aicall_rules_opts_init(&r->o);
    r->ptt = r->o.ptt_initially < 0 ? -1 : r->o.ptt_initially != 0;
    r->ptt_agent = r->ptt;
    r->ptt_src = SRC_START;
    r->mic_muted = r->o.mic_initially_muted != 0;
    return r;
}

void pl_aicall_rules_free(pl_aicall_rules *r)
{
    free(r);
}

/* ---- small helpers ------------------------------------------------------------------ */

/* Rules that only restate a constraint every schemas/aicall/<type>.json also checks
 * (docs/rules-aicall.md, "Dedupe with the schema layer"): quiet for a message whose shape
 * the schema layer has already reported. aicall.envelope.ids_missing is partly such a rule
 * and is handled in check_ids(). */
static int restates_schema(int rule)
{
    switch (rule) {
    case R_NOT_OBJECT:
    case R_TYPE_INVALID:
    case R_DATA_NOT_OBJECT:
    case R_DATA_MISSING:
    case R_FIELD:
    case R_ASR_RANGE:
    case R_RATE_RANGE:
    case R_PROMPT_EMPTY:
        return 1;
    default:
        return 0;
    }
}

__attribute__((format(printf, 3, 4))) static void report(pl_aicall_rules *r, int rule,
                                                         const char *fmt, ...)
{
    if (!r->emit || (r->shape_reported && restates_schema(rule)))
        return;
    pl_finding f;
    f.rule = catalog[rule].rule;
    f.level = catalog[rule].level;
    f.source = catalog[rule].source;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.message, sizeof f.message, fmt, ap);
    va_end(ap);
    r->emit(r->user, &f);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void str_set(pl_aicall_rules_str *d, const char *s)
{
    d->set = 1;
    d->hash = hash_str(s);
    snprintf(d->text, sizeof d->text, "%s", s);
}

static int str_eq(const pl_aicall_rules_str *d, const char *s)
{
    return d->set && d->hash == hash_str(s) && strncmp(d->text, s, sizeof d->text - 1) == 0;
}

static int json_int64(const cJSON *v, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return 0;
    double d = v->valuedouble;
    if (!(d >= -9.0e18 && d <= 9.0e18) || (double)(int64_t)d != d)
        return 0;
    *out = (int64_t)d;
    return 1;
}

static const char *tf(int b)
{
    return b ? "true" : "false";
}

/* The message being handled: its type and its data object (NULL if absent or bad). */
typedef struct {
    int type;
    const cJSON *data;
    int data_bad; /* data was not an object: already reported, field rules stay quiet */
    int64_t t;
} pl_aicall_rules_msg;

static const cJSON *field(const pl_aicall_rules_msg *m, const char *name)
{
    return m->data ? cJSON_GetObjectItemCaseSensitive(m->data, name) : NULL;
}

static void bad_field(pl_aicall_rules *r, const pl_aicall_rules_msg *m, const char *name,
                      const cJSON *v, const char *want)
{
    if (!m->data_bad)
        report(r, R_FIELD, "%d %s: data.%s is %s, expected %s", m->type, type_name(m->type), name,
               pl_json_kind(v), want);
}

static int field_bool(pl_aicall_rules *r, const pl_aicall_rules_msg *m, const char *name, int *out)
{
    const cJSON *v = field(m, name);
    if (cJSON_IsBool(v)) {
        *out = cJSON_IsTrue(v) != 0;
        return 1;
    }
    bad_field(r, m, name, v, "a boolean");
    return 0;
}

static const char *field_str(pl_aicall_rules *r, const pl_aicall_rules_msg *m, const char *name)
{
    const cJSON *v = field(m, name);
    if (cJSON_IsString(v))
        return v->valuestring;
    bad_field(r, m, name, v, "a string");
    return NULL;
}

static int field_num(pl_aicall_rules *r, const pl_aicall_rules_msg *m, const char *name,
                     double *out)
{
    const cJSON *v = field(m, name);
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 1;
    }
    bad_field(r, m, name, v, "a number");
    return 0;
}

/* ---- deadlines ---------------------------------------------------------------------- */

static pl_aicall_rules_mic_want mic_pop(pl_aicall_rules *r, unsigned i)
{
    pl_aicall_rules_mic_want w = r->mic[i];
    memmove(&r->mic[i], &r->mic[i + 1], (r->nmic - i - 1) * sizeof r->mic[0]);
    r->nmic--;
    return w;
}

static pl_aicall_rules_req ring_pop(pl_aicall_rules_ring *g)
{
    pl_aicall_rules_req q = g->q[g->head];
    g->head = (g->head + 1) % RING_CAP;
    g->len--;
    return q;
}

static void ring_push(pl_aicall_rules_ring *g, const pl_aicall_rules_req *q)
{
    if (g->len == RING_CAP) { /* the oldest is given up on, as if it had expired */
        ring_pop(g);
        g->expired++;
    }
    g->q[(g->head + g->len) % RING_CAP] = *q;
    g->len++;
}

static void expire_ring(pl_aicall_rules *r, int e, int64_t t)
{
    pl_aicall_rules_ring *g = &r->rings[e];
    int64_t limit = r->o.confirm_timeout_us;
    while (g->len && t - g->q[g->head].t_us > limit) {
        pl_aicall_rules_req q = ring_pop(g);
        char val[ID_TEXT + 32] = "";
        if (echoes[e].kind == V_BOOL)
            snprintf(val, sizeof val, " {%s:%s}", echoes[e].field, tf(q.b));
        else if (echoes[e].kind == V_STR)
            snprintf(val, sizeof val, " {%s:\"%s\"}", echoes[e].field, q.s.text);
        report(r, echoes[e].timeout_rule,
               "%d %s%s sent %lld ms ago was not confirmed by %d %s within %lld ms", q.type,
               type_name(q.type), val, MS(t - q.t_us), echoes[e].type, type_name(echoes[e].type),
               MS(limit));
        g->expired++;
    }
}

static void expire(pl_aicall_rules *r, int64_t t)
{
    if (r->left)
        return;
    for (int e = 0; e < E__COUNT; e++)
        expire_ring(r, e, t);
    if (r->ready == READY_WAIT && !r->ready_reported && t - r->ready_t > r->o.ready_timeout_us) {
        report(r, R_READY_NO_RESP,
               "ready_req (first sent %lld ms ago) was not answered by ready_resp within %lld ms; "
               "the Web client gives up after 30 attempts",
               MS(t - r->ready_t), MS(r->o.ready_timeout_us));
        r->ready_reported = 1;
    }
    if (r->press_open && !r->press_long_reported && t - r->press_t > r->o.ptt_max_press_us) {
        report(r, R_PTT_LONG,
               "push-to-talk press opened by 1106 %lld ms ago is still open (limit %lld ms); the "
               "official UIs finish it with 1107 at 60 s",
               MS(t - r->press_t), MS(r->o.ptt_max_press_us));
        r->press_long_reported = 1;
    }
    if (r->answer_due && t - r->answer_t > r->o.answer_timeout_us) {
        report(r, R_PTT_NOT_ANSWERED,
               "1107 FinishPushToTalk %lld ms ago ended a press with recognised speech, but no "
               "1001 Thinking/Speaking followed within %lld ms (agent state is %d %s)",
               MS(t - r->answer_t), MS(r->o.answer_timeout_us), r->state, state_name(r->state));
        r->answer_due = 0;
    }
    while (r->nmic && t - r->mic[0].t_us > r->o.mic_deadline_us) {
        pl_aicall_rules_mic_want w = mic_pop(r, 0);
        if (r->mic_muted != w.muted)
            report(r, w.rule, "mic still %s %lld ms after %d %s; expected %s within %lld ms",
                   r->mic_muted ? "muted" : "unmuted", MS(t - w.t_us), w.trigger,
                   type_name(w.trigger), w.muted ? "muted" : "unmuted", MS(r->o.mic_deadline_us));
    }
    if (r->unpublished && !r->unpublished_reported && t - r->unpublished_t > r->o.race_us) {
        report(r, R_UNPUBLISHED,
               "the client unpublished its audio %lld ms ago and has not left; the DataChannel "
               "needs a published stream (mute the mic instead)",
               MS(t - r->unpublished_t));
        r->unpublished_reported = 1;
    }
}

static void begin(pl_aicall_rules *r, int64_t t, pl_finding_fn emit, void *user)
{
    r->emit = emit;
    r->user = user;
    expire(r, t);
}

static void end(pl_aicall_rules *r)
{
    r->emit = NULL;
    r->user = NULL;
    r->shape_reported = 0;
}

/* Stop expecting confirmations: the session is ending (1100, 1010, left). */
static void stop_expecting(pl_aicall_rules *r)
{
    for (int e = 0; e < E__COUNT; e++) {
        r->rings[e].expired += r->rings[e].len;
        r->rings[e].len = 0;
    }
    r->answer_due = 0;
}

/* The mic should reach state want within the deadline after the trigger message. Compared
 * with the state the mic will have once the queued expectations are met: when it is there
 * already, the SDK changed the mic before sending (W does for 1106, iOS for 1107/1108). */
static void expect_mic(pl_aicall_rules *r, int want, int rule, int trigger, int64_t t)
{
    if (!r->o.check_mic)
        return;
    int will_be = r->nmic ? r->mic[r->nmic - 1].muted : r->mic_muted;
    if (will_be == want)
        return;
    if (r->nmic == MIC_CAP)
        mic_pop(r, 0); /* bounded: the oldest is given up on */
    r->mic[r->nmic++] = (pl_aicall_rules_mic_want){want, rule, trigger, t};
}

/* ---- envelope ----------------------------------------------------------------------- */

static void check_ids(pl_aicall_rules *r, pl_dir dir, const cJSON *msg, int type)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(msg, "senderId");
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(msg, "receiverId");
    /* The envelope schema types both ids but requires neither: after a schema report only an
     * absent id is news. */
    int quiet = r->shape_reported && s && rc;
    if ((!cJSON_IsString(s) || !cJSON_IsString(rc)) && !quiet)
        report(r, R_IDS_MISSING,
               "%d %s from the %s: senderId is %s, receiverId is %s; both "
               "should be strings",
               type, type_name(type), side(dir), cJSON_IsString(s) ? "a string" : pl_json_kind(s),
               cJSON_IsString(rc) ? "a string" : pl_json_kind(rc));
    if (cJSON_IsString(s)) {
        pl_aicall_rules_str *me = &r->sender[dir];
        if (me->set && !str_eq(me, s->valuestring))
            report(r, R_SENDER_CHANGED, "%d %s: the %s's senderId changed from \"%s\" to \"%.*s\"",
                   type, type_name(type), side(dir), me->text, ID_TEXT, s->valuestring);
        if (!str_eq(me, s->valuestring))
            str_set(me, s->valuestring);
    }
    const pl_aicall_rules_str *peer = &r->sender[dir == PL_DIR_C2A ? PL_DIR_A2C : PL_DIR_C2A];
    if (cJSON_IsString(rc) && rc->valuestring[0] && peer->set && !str_eq(peer, rc->valuestring))
        report(r, R_RECEIVER_MISMATCH,
               "%d %s from the %s: receiverId \"%.*s\" is neither \"\" (broadcast) nor the %s's "
               "senderId \"%s\"",
               type, type_name(type), side(dir), ID_TEXT, rc->valuestring,
               side(dir == PL_DIR_C2A ? PL_DIR_A2C : PL_DIR_C2A), peer->text);
}

static void check_seq(pl_aicall_rules *r, pl_dir dir, const cJSON *msg, int type)
{
    int64_t v;
    if (!json_int64(cJSON_GetObjectItemCaseSensitive(msg, "seqId"), &v))
        return;
    if (r->seq_set[dir] && v <= r->seq[dir])
        report(r, R_SEQ, "%d %s from the %s: seqId %lld does not follow the previous %lld", type,
               type_name(type), side(dir), (long long)v, (long long)r->seq[dir]);
    r->seq[dir] = v;
    r->seq_set[dir] = 1;
}

/* Fills m->data; reports data that is not an object (and agent messages without data). */
static void check_data(pl_aicall_rules *r, pl_dir dir, const cJSON *msg, pl_aicall_rules_msg *m)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(msg, "data");
    if (d && !cJSON_IsObject(d) && !cJSON_IsNull(d)) {
        report(r, R_DATA_NOT_OBJECT, "%d %s from the %s: data is %s, expected an object", m->type,
               type_name(m->type), side(dir), pl_json_kind(d));
        m->data_bad = 1;
    } else if (dir == PL_DIR_A2C && !cJSON_IsObject(d)) {
        report(r, R_DATA_MISSING,
               "%d %s from the agent: data is %s; Android 1.8 drops agent "
               "messages without a data object (send {} at least)",
               m->type, type_name(m->type), pl_json_kind(d));
    }
    m->data = cJSON_IsObject(d) ? d : NULL;
}

/* ---- readiness handshake ------------------------------------------------------------ */

static void on_handshake(pl_aicall_rules *r, pl_dir dir, const char *type, int64_t t)
{
    int req = strcmp(type, "ready_req") == 0, resp = strcmp(type, "ready_resp") == 0;
    if (!req && !resp) {
        report(r, R_TYPE_INVALID,
               "%s message has type \"%.*s\": a string type must be "
               "ready_req or ready_resp, AICall types are integers",
               side(dir), ID_TEXT, type);
        return;
    }
    if (req != (dir == PL_DIR_C2A)) {
        report(r, R_WRONG_DIR, "%s sent by the %s; only the %s sends it", type, side(dir),
               req ? "client" : "agent");
        return;
    }
    if (req && r->ready == READY_UNSEEN) {
        r->ready = READY_WAIT;
        r->ready_t = t;
    }
    if (resp && r->ready == READY_WAIT)
        r->ready = READY_DONE;
}

/* A client AICall message: first one decides whether the client uses the handshake. */
static void ready_gate(pl_aicall_rules *r, int type, int64_t t)
{
    if (r->ready == READY_UNSEEN)
        r->ready = READY_UNUSED;
    if (r->ready == READY_WAIT)
        report(r, R_READY_BEFORE,
               "%d %s sent before ready_resp (the client opened with "
               "ready_req %lld ms ago); nothing but ready_req may precede ready_resp",
               type, type_name(type), MS(t - r->ready_t));
}

/* ---- client -> agent ---------------------------------------------------------------- */

static void push_request(pl_aicall_rules *r, const pl_aicall_rules_msg *m, int b, const char *s)
{
    pl_aicall_rules_req q;
    memset(&q, 0, sizeof q);
    q.t_us = m->t;
    q.type = m->type;
    q.b = b;
    if (s)
        str_set(&q.s, s);
    ring_push(&r->rings[echo_of(m->type)], &q);
}

static const char *ptt_off_reason(const pl_aicall_rules *r)
{
    switch (r->ptt_src) {
    case SRC_1105:
        return "the last 1105 EnablePushToTalk asked for enable:false";
    case SRC_1007:
        return "the last 1007 PushToTalkChanged reported enable:false";
    default:
        return "the call started in natural mode and push-to-talk was never enabled";
    }
}

static void on_press_start(pl_aicall_rules *r, const pl_aicall_rules_msg *m)
{
    if (r->ptt == 0)
        report(r, R_PTT_START_OFF, "1106 StartPushToTalk while push-to-talk is off: %s",
               ptt_off_reason(r));
    if (r->press_open)
        report(r, R_PTT_START_OPEN,
               "1106 StartPushToTalk while the press opened by 1106 "
               "%lld ms ago is still open; 1107/1108 must close it first",
               MS(m->t - r->press_t));
    r->press_open = 1; /* tracked even when reported, so one error does not cascade */
    r->press_t = m->t;
    r->press_long_reported = 0;
    r->press_speech = 0;
    r->press_sid_set = 0;
    r->cancelled_set = 0;
    r->answer_due = 0;
    expect_mic(r, 0, R_MIC_START, 1106, m->t);
}

static void on_press_end(pl_aicall_rules *r, const pl_aicall_rules_msg *m)
{
    if (!r->press_open) {
        report(r, R_PTT_END_NO_START,
               "%d %s with no open press (no 1106 StartPushToTalk since "
               "the last 1107/1108)",
               m->type, type_name(m->type));
    } else {
        int64_t held = m->t - r->press_t;
        r->press_open = 0;
        if (m->type == 1107 && held < r->o.ptt_min_press_us)
            report(r, R_PTT_SHORT,
                   "1107 FinishPushToTalk after a press of %lld ms (< %lld ms); "
                   "the official UIs cancel such a press with 1108",
                   MS(held), MS(r->o.ptt_min_press_us));
        if (m->type == 1107 && r->press_speech) {
            r->answer_due = 1;
            r->answer_t = m->t;
        }
        if (m->type == 1108 && r->press_sid_set) {
            r->cancelled_set = 1;
            r->cancelled_sid = r->press_sid;
            r->cancelled_t = m->t;
        }
    }
    expect_mic(r, 1, R_MIC_END, m->type, m->t);
}

static void on_enable_ptt(pl_aicall_rules *r, const pl_aicall_rules_msg *m)
{
    int en;
    if (!field_bool(r, m, "enable", &en))
        return;
    push_request(r, m, en, NULL);
    r->ptt = en; /* the SDKs apply it at once, before 1007 (§5) */
    r->ptt_src = SRC_1105;
    expect_mic(r, en, en ? R_MIC_ENABLE : R_MIC_DISABLE, 1105, m->t);
}

static void check_json_string(pl_aicall_rules *r, const pl_aicall_rules_msg *m, const char *name,
                              int rule, int want_object)
{
    const char *s = field_str(r, m, name);
    if (!s)
        return;
    cJSON *j = cJSON_Parse(s);
    if (!j || (want_object && !cJSON_IsObject(j)))
        report(r, rule, "%d %s: data.%s \"%.60s%s\" is %s, expected a JSON-encoded %s", m->type,
               type_name(m->type), name, s, strlen(s) > 60 ? "…" : "",
               j ? pl_json_kind(j) : "not valid JSON", want_object ? "object" : "value");
    cJSON_Delete(j);
}

static void on_c2a(pl_aicall_rules *r, const pl_aicall_rules_msg *m)
{
    int b;
    double v;
    const char *s;
    switch (m->type) {
    case 1100:
        stop_expecting(r);
        break;
    case 1105:
        on_enable_ptt(r, m);
        break;
    case 1106:
        on_press_start(r, m);
        break;
    case 1107:
    case 1108:
        on_press_end(r, m);
        break;
    case 1102:
    case 1109:
        if (field_bool(r, m, "enable", &b))
            push_request(r, m, b, NULL);
        break;
    case 1103:
        if ((s = field_str(r, m, "voiceId")))
            push_request(r, m, 0, s);
        break;
    case 1104:
    case 1110:
    case 1119:
        push_request(r, m, 0, NULL);
        break;
    case 1113:
        push_request(r, m, 1, NULL);
        break;
    case 1114:
        push_request(r, m, 0, NULL);
        break;
    case 1115:
        if ((s = field_str(r, m, "prompt")) && !s[0])
            report(r, R_PROMPT_EMPTY, "1115 UpdateLlmSystemPrompt with an empty prompt");
        break;
    case 1117:
        check_json_string(r, m, "params", R_BAILIAN_JSON, 1);
        break;
    case 1118:
        if (field_num(r, m, "asrMaxSilence", &v) && (v < 200 || v > 1200))
            report(r, R_ASR_RANGE,
                   "1118 UpdateAsrMaxSilence asrMaxSilence=%g ms is outside "
                   "200-1200 ms",
                   v);
        break;
    case 1120:
        if (field_num(r, m, "speechRate", &v) && (v < 0.5 || v > 2.0))
            report(r, R_RATE_RANGE, "1120 UpdateTtsSpeechRate speechRate=%g is outside 0.5-2.0", v);
        break;
    default:
        break;
    }
}

/* ---- agent -> client ---------------------------------------------------------------- */

/* A confirmation (not 1007, not 1001): pops the oldest pending request of its ring. */
static void on_echo(pl_aicall_rules *r, const pl_aicall_rules_msg *m, int e)
{
    int b = 0, got = 1;
    const char *s = NULL;
    if (echoes[e].kind == V_BOOL)
        got = field_bool(r, m, echoes[e].field, &b);
    else if (echoes[e].kind == V_STR)
        got = (s = field_str(r, m, echoes[e].field)) != NULL;
    pl_aicall_rules_ring *g = &r->rings[e];
    if (g->len) {
        pl_aicall_rules_req q = ring_pop(g);
        if (!got || echoes[e].kind == V_NONE)
            return;
        if (echoes[e].kind == V_BOOL && q.b != b)
            report(r, echoes[e].mismatch_rule,
                   "%d %s {%s:%s} but the %d %s it answers (sent "
                   "%lld ms earlier) asked for %s:%s",
                   m->type, type_name(m->type), echoes[e].field, tf(b), q.type, type_name(q.type),
                   MS(m->t - q.t_us), echoes[e].field, tf(q.b));
        if (echoes[e].kind == V_STR && !str_eq(&q.s, s))
            report(r, echoes[e].mismatch_rule,
                   "%d %s {%s:\"%.*s\"} but the %d %s it answers "
                   "(sent %lld ms earlier) asked for \"%s\"",
                   m->type, type_name(m->type), echoes[e].field, ID_TEXT, s, q.type,
                   type_name(q.type), MS(m->t - q.t_us), q.s.text);
    } else if (g->expired) {
        g->expired--; /* a late answer, already reported as a timeout */
    } else if (!echoes[e].unsolicited_ok) {
        report(r, R_CONFIRM_UNSOLICITED,
               "%d %s with no request pending (each confirmation "
               "answers one earlier request)",
               m->type, type_name(m->type));
    }
}

static void on_ptt_echo(pl_aicall_rules *r, const pl_aicall_rules_msg *m)
{
    int en, got = field_bool(r, m, "enable", &en);
    pl_aicall_rules_ring *g = &r->rings[E_1007];
    if (g->len) {
        pl_aicall_rules_req q = ring_pop(g);
        if (!got)
            return;
        if (q.b != en)
            report(r, R_PTT_ECHO_MISMATCH,
                   "1007 PushToTalkChanged {enable:%s} but the 1105 "
                   "EnablePushToTalk it answers (sent %lld ms earlier) asked for enable:%s",
                   tf(en), MS(m->t - q.t_us), tf(q.b));
        r->ptt_agent = en;
        if (!g->len) { /* a newer 1105 still pending keeps the client's optimistic view */
            r->ptt = en;
            r->ptt_src = SRC_1007;
        }
        return;
    }
    if (g->expired)
        g->expired--;
    else if (got && r->ptt_agent == en)
        report(r, R_PTT_ECHO_DUP,
               "1007 PushToTalkChanged {enable:%s} with no 1105 pending and "
               "no change: push-to-talk was already %s",
               tf(en), en ? "on" : "off");
    if (!got)
        return;
    r->ptt_agent = en; /* unsolicited: the mode changed by OpenAPI; the callback wins */
    r->ptt = en;
    r->ptt_src = SRC_1007;
}

static void on_state(pl_aicall_rules *r, const pl_aicall_rules_msg *m)
{
    const cJSON *v = field(m, "state");
    int64_t st = 0;
    int got = json_int64(v, &st) && st >= 1 && st <= 3;
    if (!got && !m->data_bad) {
        if (cJSON_IsNumber(v))
            report(r, R_FIELD,
                   "1001 AgentStateChanged: data.state is %g, expected 1 Listening, "
                   "2 Thinking or 3 Speaking",
                   v->valuedouble);
        else
            bad_field(r, m, "state", v, "an integer 1-3");
    }
    pl_aicall_rules_ring *g = &r->rings[E_1001];
    int reply = 0;
    if (g->len) {
        ring_pop(g);
        reply = 1;
    } else if (g->expired) {
        g->expired--;
        reply = 1;
    }
    if (!got)
        return;
    if (!reply && r->state == st)
        report(r, R_STATE_UNCHANGED,
               "1001 AgentStateChanged repeats the current state %d %s "
               "with no 1119 QueryAgentState pending",
               (int)st, state_name((int)st));
    if (r->press_open && st != 1 && m->t - r->press_t >= r->o.race_us)
        report(r, R_PTT_NOT_LISTENING,
               "1001 AgentStateChanged to %d %s %lld ms into a "
               "push-to-talk press (1106 … 1107); the agent stays Listening while the button "
               "is held",
               (int)st, state_name((int)st), MS(m->t - r->press_t));
    if (r->answer_due && st != 1)
        r->answer_due = 0;
    r->state = (int)st;
}

static void on_user_subtitle(pl_aicall_rules *r, const pl_aicall_rules_msg *m)
{
    if (!r->press_open)
        return;
    const cJSON *text = field(m, "text");
    int64_t sid;
    if (cJSON_IsString(text) && text->valuestring[0])
        r->press_speech = 1;
    if (json_int64(field(m, "sentenceId"), &sid)) {
        r->press_sid = sid;
        r->press_sid_set = 1;
    }
}

static void on_reply(pl_aicall_rules *r, const pl_aicall_rules_msg *m)
{
    int64_t sid;
    if (!r->cancelled_set || !json_int64(field(m, "sentenceId"), &sid) || sid != r->cancelled_sid)
        return;
    report(r, R_PTT_CANCELLED_ANSWERED,
           "%d %s for sentenceId %lld, the user sentence of the "
           "press cancelled by 1108 CancelPushToTalk %lld ms earlier; a cancelled turn gets no "
           "answer",
           m->type, type_name(m->type), (long long)sid, MS(m->t - r->cancelled_t));
    r->cancelled_set = 0; /* once per cancelled turn, not per subtitle delta */
}

static void on_a2c(pl_aicall_rules *r, const pl_aicall_rules_msg *m)
{
    switch (m->type) {
    case 1001:
        on_state(r, m);
        break;
    case 1003:
        on_user_subtitle(r, m);
        break;
    case 1002:
    case 1014:
    case 1017:
        on_reply(r, m);
        break;
    case 1007:
        on_ptt_echo(r, m);
        break;
    case 1010:
        stop_expecting(r);
        break;
    case 1011:
        check_json_string(r, m, "message", R_CUSTOM_JSON, 0);
        break;
    default: {
        int e = echo_index(m->type);
        if (e >= 0)
            on_echo(r, m, e);
        break;
    }
    }
}

/* ---- entry points ------------------------------------------------------------------- */

static void on_message(pl_aicall_rules *r, pl_dir dir, const cJSON *msg, int64_t t)
{
    if (!cJSON_IsObject(msg)) {
        report(r, R_NOT_OBJECT, "%s message is %s JSON value, not an object", side(dir),
               pl_json_kind(msg));
        return;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    if (cJSON_IsString(type)) {
        on_handshake(r, dir, type->valuestring, t);
        return;
    }
    int64_t ty;
    if (!json_int64(type, &ty)) {
        report(r, R_TYPE_INVALID, "%s message: type is %s%s, expected an integer message type",
               side(dir), pl_json_kind(type), cJSON_IsNumber(type) ? " that is not an integer" : "");
        return;
    }
    if (dir == PL_DIR_C2A)
        ready_gate(r, (int)ty, t);
    if (ty < 0 || ty > 99999 || (!is_a2c_type((int)ty) && !is_c2a_type((int)ty))) {
        report(r, R_UNKNOWN_TYPE,
               "%s message has unknown type %lld (known: 1000-%d agent->client, "
               "1100-%d client->agent)",
               side(dir), (long long)ty, 999 + N_A2C, 1099 + N_C2A);
        return;
    }
    pl_aicall_rules_msg m = {(int)ty, NULL, 0, t};
    if ((dir == PL_DIR_C2A) != is_c2a_type(m.type)) {
        report(r, R_WRONG_DIR, "%d %s sent by the %s; it is an %s message", m.type,
               type_name(m.type), side(dir),
               is_c2a_type(m.type) ? "client->agent" : "agent->client");
        return;
    }
    check_ids(r, dir, msg, m.type);
    check_seq(r, dir, msg, m.type);
    check_data(r, dir, msg, &m);
    if (dir == PL_DIR_C2A)
        on_c2a(r, &m);
    else
        on_a2c(r, &m);
}

void pl_aicall_rules_message(pl_aicall_rules *r, pl_dir dir, const cJSON *msg, int64_t t_us,
                             pl_finding_fn emit, void *user)
{
    pl_aicall_rules_message_checked(r, dir, msg, -1, t_us, emit, user);
}

void pl_aicall_rules_message_checked(pl_aicall_rules *r, pl_dir dir, const cJSON *msg,
                                     int schema_ok, int64_t t_us, pl_finding_fn emit, void *user)
{
    begin(r, t_us, emit, user); /* deadlines first: they are not about this message */
    r->shape_reported = schema_ok == 0;
    if (msg)
        on_message(r, dir, msg, t_us);
    else
        report(r, R_MALFORMED, "%s message body is not valid JSON", side(dir));
    end(r);
}

void pl_aicall_rules_malformed(pl_aicall_rules *r, pl_dir dir, const char *raw, size_t len,
                               int64_t t_us, pl_finding_fn emit, void *user)
{
    char quote[64];
    size_t n = 0;
    for (; n < len && n < sizeof quote - 1; n++) {
        unsigned char c = (unsigned char)raw[n];
        quote[n] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    quote[n] = '\0';
    begin(r, t_us, emit, user);
    report(r, R_MALFORMED, "%s message body is not valid JSON (%zu bytes: \"%s%s\")", side(dir),
           len, quote, len > n ? "…" : "");
    end(r);
}

void pl_aicall_rules_room(pl_aicall_rules *r, pl_aicall_room_event ev, int64_t t_us,
                          pl_finding_fn emit, void *user)
{
    begin(r, t_us, emit, user);
    switch (ev) {
    case PL_AICALL_ROOM_MIC_MUTED:
    case PL_AICALL_ROOM_MIC_UNMUTED:
    {
        r->mic_muted = ev == PL_AICALL_ROOM_MIC_MUTED;
        unsigned i = 0;
        while (i < r->nmic && r->mic[i].muted != r->mic_muted)
            i++;
        if (i < r->nmic) { /* the oldest that wanted this state */
            mic_pop(r, i);
            break;
        }
        /* Nobody wanted this state: the client moved the mic the other way, so the
         * expectations still waiting for the opposite can no longer be met in order. They
         * are reported now, and later triggers compare with the mic as it really is. */
        while (r->nmic) {
            pl_aicall_rules_mic_want w = mic_pop(r, 0);
            report(r, w.rule, "mic %s %lld ms after %d %s instead of %s", r->mic_muted ? "muted" : "unmuted",
                   MS(t_us - w.t_us), w.trigger, type_name(w.trigger), w.muted ? "muted" : "unmuted");
        }
        break;
    }
    case PL_AICALL_ROOM_AUDIO_UNPUBLISHED:
        if (!r->unpublished) {
            r->unpublished = 1;
            r->unpublished_reported = 0;
            r->unpublished_t = t_us;
        }
        break;
    case PL_AICALL_ROOM_AUDIO_PUBLISHED:
        r->unpublished = 0;
        break;
    case PL_AICALL_ROOM_LEFT:
    case PL_AICALL_ROOM_AGENT_LEFT:
        stop_expecting(r);
        r->left = 1;
        break;
    }
    end(r);
}

void pl_aicall_rules_mic(pl_aicall_rules *r, int muted, int64_t t_us, pl_finding_fn emit,
                         void *user)
{
    pl_aicall_rules_room(r, muted ? PL_AICALL_ROOM_MIC_MUTED : PL_AICALL_ROOM_MIC_UNMUTED, t_us,
                         emit, user);
}

void pl_aicall_rules_tick(pl_aicall_rules *r, int64_t t_us, pl_finding_fn emit, void *user)
{
    begin(r, t_us, emit, user);
    end(r);
}
