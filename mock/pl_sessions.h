/* pl_sessions.h — the mock's registry of sessions: live ones and recently closed ones.
 *
 * The admin API lists sessions and serves their journals; the JUnit export at exit needs
 * the findings of every session, closed ones included. The registry owns every session
 * handed to it. A session that closes moves to the retired list, which keeps the last
 * limits.retired sessions (oldest freed first, counted), so memory stays bounded however
 * long the mock runs. Ids are "s1", "s2", … in creation order. */
#ifndef PL_SESSIONS_H
#define PL_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mock/pl_session.h"

typedef struct pl_sessions pl_sessions;

pl_sessions *pl_sessions_new(size_t max_live, size_t max_retired);
/* Frees every session (live ones are disconnected first). */
void pl_sessions_free(pl_sessions *r);

/* Writes the next id ("s12") into buf. */
void pl_sessions_next_id(pl_sessions *r, char *buf, size_t len);
/* Takes ownership of a new (open) session; the caller keeps the count under max_live
 * (pl_server_connections), a session beyond it is freed. */
void pl_sessions_add(pl_sessions *r, pl_session *s);
/* Moves a session that has disconnected to the retired list (it stays readable). */
void pl_sessions_retire(pl_sessions *r, pl_session *s);

pl_session *pl_sessions_find(const pl_sessions *r, const char *id);
/* The newest live session of a room (driver callbacks), else the newest retired one. */
pl_session *pl_sessions_find_room(const pl_sessions *r, const char *room);
size_t pl_sessions_live(const pl_sessions *r);
/* Calls fn on every session, live first (creation order) then retired (oldest first). */
void pl_sessions_each(const pl_sessions *r, void (*fn)(void *user, pl_session *s), void *user);
/* Calls pl_session_tick on every live session. */
void pl_sessions_tick(pl_sessions *r);

/* {"live":N,"retired":N,"retired_dropped":N,"sessions":[summary…]} */
cJSON *pl_sessions_json(const pl_sessions *r);

#endif
