/* pl_sessions.c — session registry (see pl_sessions.h).
 *
 * Live sessions sit in an array with swap-remove (order is restored for listings by
 * sorting on the numeric id); retired ones in a FIFO ring of fixed capacity. Lookups by id
 * are linear: they serve the admin API and driver hello, never a per-message path. */
#include "mock/pl_sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"

struct pl_sessions {
    pl_session **live;
    size_t nlive, max_live;
    pl_session **retired; /* ring */
    size_t rhead, rcount, max_retired;
    uint64_t retired_dropped;
    uint64_t next;
};

pl_sessions *pl_sessions_new(size_t max_live, size_t max_retired)
{
    pl_sessions *r = pl_xcalloc(1, sizeof *r);
    r->max_live = max_live ? max_live : 1;
    r->live = pl_xcalloc(r->max_live, sizeof *r->live);
    r->max_retired = max_retired;
    r->retired = pl_xcalloc(max_retired ? max_retired : 1, sizeof *r->retired);
    return r;
}

void pl_sessions_free(pl_sessions *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nlive; i++)
        pl_session_free(r->live[i]);
    for (size_t i = 0; i < r->rcount; i++)
        pl_session_free(r->retired[(r->rhead + i) % r->max_retired]);
    free(r->live);
    free(r->retired);
    free(r);
}

void pl_sessions_next_id(pl_sessions *r, char *buf, size_t len)
{
    snprintf(buf, len, "s%llu", (unsigned long long)++r->next);
}

void pl_sessions_add(pl_sessions *r, pl_session *s)
{
    if (r->nlive >= r->max_live) { /* callers check the limit first */
        pl_session_free(s);
        return;
    }
    r->live[r->nlive++] = s;
}

void pl_sessions_retire(pl_sessions *r, pl_session *s)
{
    size_t i = 0;
    while (i < r->nlive && r->live[i] != s)
        i++;
    if (i == r->nlive)
        return;
    r->live[i] = r->live[--r->nlive];
    if (!r->max_retired) {
        pl_session_free(s);
        r->retired_dropped++;
        return;
    }
    if (r->rcount == r->max_retired) {
        pl_session_free(r->retired[r->rhead]);
        r->rhead = (r->rhead + 1) % r->max_retired;
        r->rcount--;
        r->retired_dropped++;
    }
    r->retired[(r->rhead + r->rcount++) % r->max_retired] = s;
}

pl_session *pl_sessions_find(const pl_sessions *r, const char *id)
{
    for (size_t i = 0; i < r->nlive; i++)
        if (strcmp(pl_session_id(r->live[i]), id) == 0)
            return r->live[i];
    for (size_t i = 0; i < r->rcount; i++) {
        pl_session *s = r->retired[(r->rhead + i) % r->max_retired];
        if (strcmp(pl_session_id(s), id) == 0)
            return s;
    }
    return NULL;
}

static unsigned long long pl_sessions_num(const pl_session *s)
{
    return strtoull(pl_session_id(s) + 1, NULL, 10);
}

pl_session *pl_sessions_find_room(const pl_sessions *r, const char *room)
{
    pl_session *best = NULL;
    for (size_t i = 0; i < r->nlive; i++) {
        const char *rm = pl_session_room(r->live[i]);
        if (rm && strcmp(rm, room) == 0 &&
            (!best || pl_sessions_num(r->live[i]) > pl_sessions_num(best)))
            best = r->live[i];
    }
    for (size_t i = r->rcount; !best && i > 0; i--) {
        pl_session *s = r->retired[(r->rhead + i - 1) % r->max_retired];
        const char *rm = pl_session_room(s);
        if (rm && strcmp(rm, room) == 0)
            best = s;
    }
    return best;
}

size_t pl_sessions_live(const pl_sessions *r)
{
    return r->nlive;
}

static int pl_sessions_cmp(const void *a, const void *b)
{
    unsigned long long x = pl_sessions_num(*(pl_session *const *)a);
    unsigned long long y = pl_sessions_num(*(pl_session *const *)b);
    return x < y ? -1 : x > y;
}

void pl_sessions_each(const pl_sessions *r, void (*fn)(void *user, pl_session *s), void *user)
{
    pl_session **sorted = pl_xmalloc((r->nlive + 1) * sizeof *sorted);
    memcpy(sorted, r->live, r->nlive * sizeof *sorted);
    qsort(sorted, r->nlive, sizeof *sorted, pl_sessions_cmp);
    for (size_t i = 0; i < r->nlive; i++)
        fn(user, sorted[i]);
    free(sorted);
    for (size_t i = 0; i < r->rcount; i++)
        fn(user, r->retired[(r->rhead + i) % r->max_retired]);
}

void pl_sessions_tick(pl_sessions *r)
{
    for (size_t i = 0; i < r->nlive; i++)
        pl_session_tick(r->live[i]);
}

static void pl_sessions_add_summary(void *user, pl_session *s)
{
    cJSON_AddItemToArray(user, pl_session_summary_json(s));
}

cJSON *pl_sessions_json(const pl_sessions *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "live", (double)r->nlive);
    cJSON_AddNumberToObject(o, "retired", (double)r->rcount);
    cJSON_AddNumberToObject(o, "retired_dropped", (double)r->retired_dropped);
    cJSON *arr = cJSON_AddArrayToObject(o, "sessions");
    pl_sessions_each(r, pl_sessions_add_summary, arr);
    return o;
}
