/* pl_session.h — one client's conversation with the mock agent, independent of transport.
 *
 * A session is what one client connection is to parley: a room-bridge socket
 * (/aicall/room?room=R&user=U) or a native vendor socket (bailian). It runs the
 * dialect-neutral half of DESIGN §6's data flow: it unwraps bridge frames, has the dialect
 * decode and classify each payload, checks the payload against schemas/<dialect>/<kind>.json,
 * feeds the dialect's rules, records everything in a bounded journal and the trace,
 * reports findings (journal, trace, stderr, observer) and lets the dialect's default
 * behaviour answer. What the session sends goes the same way in reverse and is checked
 * the same way, so the mock's own messages and messages pushed by a person are judged too.
 *
 * The session never touches a socket or a clock's timer itself: the host (mock/pl_ws.c
 * on libwebsockets, or a unit test with a fake clock) gives it ops to write a frame, arm a
 * timer slot and close, and calls back into it with pl_session_input(),
 * pl_session_timer_fire(), pl_session_tick() and pl_session_disconnected().
 *
 * Memory per session is bounded by the profile's limits: journal records (oldest dropped,
 * counted), stored findings (all counted), and the host's output queue. Nothing is scanned
 * per message: every operation is O(1) in the session's history.
 *
 * Ownership: pl_session_new() returns a session the host frees with pl_session_free()
 * (after pl_session_disconnected(), or directly at shutdown). Strings and borrowed objects
 * passed in opts must outlive the session. cJSON results of the *_json functions are
 * new objects the caller deletes. */
#ifndef PL_SESSION_H
#define PL_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_finding.h"
#include "core/pl_trace.h"
#include "mock/pl_dialect.h"
#include "mock/pl_profile.h"
#include "mock/pl_catalog.h"

#define PL_SESSION_TIMERS 8 /* timer slots per session, 0..7, for the dialect */

typedef enum {
    PL_TRANSPORT_BRIDGE, /* room bridge: JSON frames {"op":…} / {"event":…} (docs/bridge.md) */
    PL_TRANSPORT_NATIVE  /* the vendor's own frames on the socket (bailian) */
} pl_transport;

typedef struct {
    /* Queue one WebSocket message to the peer; never blocks. Returns 0, or -1 when the peer
     * is gone or its queue is over the limit (the host then closes it). */
    int (*write)(void *host, const void *data, size_t len, int binary);
    /* Arm timer slot (delay_us >= 0) or cancel it (delay_us < 0). When it fires the host
     * calls pl_session_timer_fire(s, slot). Re-arming replaces the earlier deadline. */
    void (*timer)(void *host, int slot, int64_t delay_us);
    /* Close the transport with a WebSocket close code and reason. */
    void (*close)(void *host, int code, const char *reason);
    /* Monotonic now in µs; NULL means pl_clock_mono_us() (tests use a fake clock). */
    int64_t (*now)(void *host);
    /* Optional (scenario faults): drop the connection without a close frame (the session
     * then sees 1006), and split every later message into WebSocket fragments of at most
     * size bytes (0: whole messages again). NULL: the fault is not available. */
    void (*abort)(void *host);
    void (*fragment)(void *host, size_t size);
} pl_session_host_ops;

/* Called with every journal record as it is made (the runner's scenario engine, the live
 * view). rec is borrowed for the length of the call. */
typedef void (*pl_session_observer_fn)(void *user, pl_session *s, const cJSON *rec);

/* Sees every vendor payload parley is about to send (pl_session_send, pl_session_send_raw)
 * before it is judged or written; msg is the decoded message when the sender had one, else
 * NULL. Returns 0 to let it go, 1 when the filter took it: it is then neither judged nor
 * written, and the filter may send it (or something else) later with pl_session_inject().
 * This is how scenario faults drop, delay, duplicate, reorder and corrupt messages. */
typedef int (*pl_session_filter_fn)(void *user, pl_session *s, const char *from,
                                    const void *data, size_t len, int binary, const cJSON *msg);

typedef struct {
    const pl_dialect *dialect;
    pl_transport transport;
    const char *id;   /* "s12": unique in the process */
    const char *room; /* bridge query parameters (NULL for native) */
    const char *user;
    const pl_profile *profile;   /* limits, behaviour, replies (borrowed; required) */
    pl_catalog *catalog;         /* schema layer (borrowed, pl_catalog_load); NULL: off */
    pl_trace *trace;             /* borrowed; NULL: no trace */
    int behave;                  /* 1: play the agent (default behaviour); 0: judge only */
    int log_findings;            /* 1: one line per finding on stderr */
    const pl_session_host_ops *ops;
    void *host;
    /* 1: parley is the client and the peer is the agent (`role: client` scenarios against
     * a server): what arrives is judged as a2c, what parley sends as c2a, and there is no
     * default behaviour (behave is ignored). 0: the usual mock, the peer is the client. */
    int peer_is_agent;
    /* Optional, in place before the first record: the observer (pl_session_observe) and
     * behaviour switches (object name -> bool, borrowed, applied silently and listed in
     * the "open" record) that a scenario wants from the very start. */
    pl_session_observer_fn observer;
    void *observer_user;
    const cJSON *behaviour;
    /* The dialect's server state (pl_server_cloud), borrowed; NULL when none. */
    void *cloud;
} pl_session_opts;

typedef struct pl_session pl_session;

/* Creates the session and runs the dialect's open hook (which may already send). */
pl_session *pl_session_new(const pl_session_opts *o);
void pl_session_free(pl_session *s);

/* ---- host → session -------------------------------------------------------------- */

/* One complete WebSocket message from the peer (the client; the agent when
 * opts.peer_is_agent). */
void pl_session_input(pl_session *s, const void *data, size_t len, int binary);
/* A message longer than the limit: only its first head_len bytes were kept. Reported as
 * transport.message_too_large; the session goes on. */
void pl_session_input_oversize(pl_session *s, const void *head, size_t head_len,
                               size_t total_len, int binary);
void pl_session_timer_fire(pl_session *s, int slot);
void pl_session_tick(pl_session *s);
/* Judges a vendor payload seen in direction dir without framing (offline captures,
 * `parley validate`): decode, classify, schema, rules; behaviour only for C2A when the
 * session plays the agent. */
void pl_session_judge_payload(pl_session *s, pl_dir dir, const void *data, size_t len,
                              int binary);
/* A payload that belongs to this session but did not come over its transport (trtc: a cloud
 * API request of the room's business backend, a webhook parley sent and its answer, an LLM
 * answer): judged under the given kind (schema, rules), journaled, traced and observed like
 * any payload, without default behaviour. raw/len: the bytes as exchanged; NULL: msg is
 * printed. */
void pl_session_judge_json(pl_session *s, pl_dir dir, const char *kind, const cJSON *msg,
                           const void *raw, size_t len);
/* The transport is gone. partial/partial_len: bytes of a message that was still arriving
 * (kept in the trace and journal, so nothing received is lost). code: the close code the
 * peer sent, or 1006 for an abrupt disconnect. Runs the dialect's close hook once. */
void pl_session_disconnected(pl_session *s, int code, const void *partial, size_t partial_len);

/* ---- dialect → session (what a dialect may do) ------------------------------------- */

/* Sends a vendor message to the peer, agent → client (client → agent when peer_is_agent):
 * encoded by the dialect, checked (schema + rules), journaled, traced, framed for the transport. from is the sender
 * shown on the bridge ("from"), ignored for native transports. Returns 0 or -1 (closed). */
int pl_session_send(pl_session *s, const char *from, const cJSON *msg);
/* Sends payload bytes as they are (no encode; still decoded and judged), e.g. a
 * deliberately malformed message pushed by a person. */
int pl_session_send_raw(pl_session *s, const char *from, const void *data, size_t len,
                        int binary);
/* Sends a message written by a scenario (`send` step): the dialect completes the envelope
 * members it leaves out (pl_dialect.complete), then as pl_session_send. from may be NULL
 * (the agent). */
int pl_session_send_scripted(pl_session *s, const char *from, cJSON *msg);
/* Sends payload bytes past the filter (pl_session_set_filter): judged, journaled and
 * written like pl_session_send_raw. */
int pl_session_inject(pl_session *s, const char *from, const void *data, size_t len, int binary);
/* Sends a room-bridge event ({"event":"user_joined",…}); takes ownership of ev. */
int pl_session_send_event(pl_session *s, cJSON *ev);
void pl_session_timer(pl_session *s, int slot, int64_t delay_us);
void pl_session_finding(pl_session *s, const pl_finding *f);
/* pl_session_finding as a pl_finding_fn (user = the session), for the dialects' rules. */
void pl_session_finding_fn(void *session, const pl_finding *f);
/* Reports a finding from printf-style arguments. */
void pl_session_findingf(pl_session *s, const char *rule, pl_level level, const char *source,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Is the named default auto-response on? Session override, then profile, then the
 * dialect's default; unknown names are off. Always 0 when the session only judges. */
int pl_session_behaviour(const pl_session *s, const char *name);
/* Closes the transport; the host then calls pl_session_disconnected(). */
void pl_session_close(pl_session *s, int code, const char *reason);
int64_t pl_session_now(const pl_session *s);

/* ---- anyone ---------------------------------------------------------------------- */

/* Switches an auto-response for this session (admin API, scenario `behaviour` step).
 * Returns 0, or -1 when the dialect has no behaviour of that name. */
int pl_session_set_behaviour(pl_session *s, const char *name, int on);
/* Adds a record to the journal and trace ({"ev":"callback",…} from the driver channel,
 * notes from the runner). Takes ownership of rec; seq, t_ms and session are filled in. */
void pl_session_note(pl_session *s, cJSON *rec);
void pl_session_observe(pl_session *s, pl_session_observer_fn fn, void *user);
/* While an observer sees a "msg" record: the payload as the dialect decoded it (borrowed,
 * valid only during that call), so an observer need not decode it again. NULL otherwise,
 * and for a payload that did not decode. */
const cJSON *pl_session_record_msg(const pl_session *s);
/* Installs (fn) or removes (NULL) the outgoing-payload filter. */
void pl_session_set_filter(pl_session *s, pl_session_filter_fn fn, void *user);
/* The dialect's act (pl_dialect.act) on this session: 0, or -1 with err set. */
int pl_session_act(pl_session *s, const char *name, const cJSON *args, char *err, size_t errlen);
/* Transport faults (see pl_session_host_ops): 0, or -1 when the host cannot. */
int pl_session_abort(pl_session *s);
int pl_session_fragment(pl_session *s, size_t size);

const char *pl_session_id(const pl_session *s);
const char *pl_session_room(const pl_session *s);
const char *pl_session_user(const pl_session *s);
const pl_dialect *pl_session_dialect(const pl_session *s);
void *pl_session_cloud(const pl_session *s);
int pl_session_peer_is_agent(const pl_session *s);
/* The close code the session ended with (pl_session_disconnected), 0 while open. */
int pl_session_close_code(const pl_session *s);
const pl_profile *pl_session_profile(const pl_session *s);
int pl_session_is_open(const pl_session *s);
/* 1 once pl_session_close() was called (parley is ending it), while still open. */
int pl_session_is_closing(const pl_session *s);
/* 1 when parley asked to close the session (pl_session_close), also after it is gone: the
 * close hook tells "the client left" from "parley ended it" with this. */
int pl_session_closed_by_parley(const pl_session *s);

typedef struct {
    uint64_t in, out;             /* payloads and room ops/events, each direction */
    uint64_t findings_must, findings_should;
    uint64_t journal_dropped;     /* records that fell out of the bounded journal */
    uint64_t findings_dropped;    /* findings counted but not stored */
    int64_t opened_us, closed_us; /* monotonic; closed_us 0 while open */
} pl_session_stats;

void pl_session_get_stats(const pl_session *s, pl_session_stats *st);

/* {"id","dialect","room","user","open","in","out","findings":{"must","should"},…} */
cJSON *pl_session_summary_json(const pl_session *s);
/* {"session":…, "dropped":N, "records":[…]} — records with seq > since (0: all kept). */
cJSON *pl_session_journal_json(const pl_session *s, uint64_t since);
/* The stored findings: [{"seq","rule","level","source","message","kind"}…]. */
cJSON *pl_session_findings_json(const pl_session *s);

#endif
