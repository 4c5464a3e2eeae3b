/* pl_faults.c — scenario faults on what parley sends (DESIGN §4 "Faults", anchors §10.9).
 *
 * Message-level faults (drop, delay, duplicate, reorder, corrupt) wait for the next
 * `count` vendor payloads parley sends in the run's session that match their pattern; a
 * `probability` below 1 draws from the run's generator, seeded from --seed, so a failing
 * run can be replayed exactly. They work through the session's outgoing filter: a payload
 * a fault takes is not judged or written; what it sends later (a delayed, duplicated,
 * reordered or corrupted copy) goes out through pl_session_inject, so the journal shows
 * exactly what the client received. `stall` holds everything for a while and then lets it
 * go in order. Transport faults (close, disconnect, slice) are session calls made by the
 * fault step itself (pl_steps.c). */
#include "runner/pl_engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_json.h"

struct pl_fault {
    pl_fault *next;
    char action[16];
    cJSON *match; /* NULL: any payload */
    long left;
    int64_t delay_us;
    char corrupt[16];
    double probability;
};

struct pl_held {
    pl_held *next;
    pl_session *s;
    int64_t due_us;  /* run time */
    int after_next;  /* reorder: goes out right after the next payload */
    char *from;
    unsigned char *data;
    size_t len;
    int binary;
};

static double pl_faults_random(pl_run *r)
{
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return (double)((r->rng * 0x2545F4914F6CDD1DULL) >> 11) / (double)(1ULL << 53);
}

void pl_faults_add(pl_run *r, const cJSON *step)
{
    pl_fault *f = pl_xcalloc(1, sizeof *f);
    snprintf(f->action, sizeof f->action, "%s", pl_json_str(step, "action", ""));
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(step, "match");
    f->match = m ? cJSON_Duplicate(m, 1) : NULL;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(step, "count");
    f->left = cJSON_IsNumber(c) ? (long)c->valuedouble : 1;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(step, "delay_us");
    f->delay_us = cJSON_IsNumber(d) ? (int64_t)d->valuedouble : 0;
    snprintf(f->corrupt, sizeof f->corrupt, "%s", pl_json_str(step, "corrupt", "json"));
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(step, "probability");
    f->probability = cJSON_IsNumber(p) ? p->valuedouble : 1.0;
    pl_fault **tail = &r->faults;
    while (*tail)
        tail = &(*tail)->next;
    *tail = f;
    char *ms = f->match ? cJSON_PrintUnformatted(f->match) : NULL;
    pl_run_wire(r, "+%.3fs -- fault %s armed for the next %ld payload%s parley sends%s%s",
                (double)pl_run_now(r) / 1e6, f->action, f->left, f->left == 1 ? "" : "s",
                ms ? " matching " : "", ms ? ms : "");
    free(ms);
}

static void pl_faults_release_cb(lws_sorted_usec_list_t *sul);

static void pl_faults_arm(pl_run *r)
{
    int64_t due = INT64_MAX;
    for (pl_held *h = r->held; h; h = h->next)
        if (!h->after_next && h->due_us < due)
            due = h->due_us;
    if (r->stalled && r->stall_until < due)
        due = r->stall_until;
    if (due == INT64_MAX) {
        lws_sul_cancel(&r->sul_fault);
        return;
    }
    int64_t in = due - pl_run_now(r);
    lws_sul_schedule(r->e->ctx, 0, &r->sul_fault, pl_faults_release_cb, in > 0 ? in : 1);
}

static void pl_faults_hold(pl_run *r, pl_session *s, const char *from, const void *data,
                           size_t len, int binary, int64_t due_us, int after_next)
{
    pl_held *h = pl_xcalloc(1, sizeof *h);
    h->s = s;
    h->due_us = due_us;
    h->after_next = after_next;
    h->from = from ? pl_xstrdup(from) : NULL;
    h->data = pl_xmalloc(len + 1);
    memcpy(h->data, data, len);
    h->len = len;
    h->binary = binary;
    pl_held **tail = &r->held;
    while (*tail)
        tail = &(*tail)->next;
    *tail = h;
    pl_faults_arm(r);
}

static void pl_faults_free_held(pl_held *h)
{
    free(h->from);
    free(h->data);
    free(h);
}

/* Sends every held payload that is due, in the order they were taken. */
static void pl_faults_release_cb(lws_sorted_usec_list_t *sul)
{
    pl_run *r = lws_container_of(sul, pl_run, sul_fault);
    int64_t now = pl_run_now(r);
    if (r->stalled && now >= r->stall_until)
        r->stalled = 0;
    for (pl_held **p = &r->held; *p;) {
        pl_held *h = *p;
        if (h->after_next || h->due_us > now || (r->stalled && h->due_us >= r->stall_until)) {
            p = &h->next;
            continue;
        }
        *p = h->next;
        if (h->s == r->session && r->session && pl_session_is_open(r->session))
            pl_session_inject(r->session, h->from, h->data, h->len, h->binary);
        pl_faults_free_held(h);
    }
    pl_faults_arm(r);
}

static void pl_faults_corrupt(const char *how, const void *data, size_t len, pl_buf *out)
{
    const unsigned char *b = data;
    if (!strcmp(how, "truncate")) {
        pl_buf_append(out, b, len / 2);
    } else if (!strcmp(how, "utf8")) {
        pl_buf_append(out, b, len);
        if (len)
            out->data[len / 2] = (char)0xFF; /* never valid in UTF-8 */
        else
            pl_buf_putc(out, (char)0xFF);
    } else { /* json: a stray comma before the last byte */
        if (len)
            pl_buf_append(out, b, len - 1);
        pl_buf_putc(out, ',');
        if (len)
            pl_buf_append(out, b + len - 1, 1);
    }
}

int pl_faults_filter(void *user, pl_session *s, const char *from, const void *data, size_t len,
                     int binary, const cJSON *msg)
{
    pl_run *r = user;
    if (r->phase != PL_PHASE_STEPS)
        return 0;
    int64_t now = pl_run_now(r);
    if (r->stalled && now < r->stall_until) {
        pl_faults_hold(r, s, from, data, len, binary, r->stall_until, 0);
        return 1;
    }
    int released = 0;
    for (pl_held *h = r->held; h; h = h->next)
        if (h->after_next) {
            h->after_next = 0;
            h->due_us = now;
            released = 1;
        }
    if (released)
        pl_faults_arm(r); /* they follow this payload out */
    cJSON *owned = NULL;
    if (!msg)
        msg = owned = pl_session_dialect(s)->decode(data, len, binary);
    int took = 0;
    for (pl_fault *f = r->faults; f; f = f->next) {
        if (f->left <= 0)
            continue;
        pl_match_ctx probe = {NULL, NULL};
        pl_match_result res;
        if (f->match && !pl_match(&probe, f->match, msg, &res))
            continue;
        if (f->probability < 1.0 && pl_faults_random(r) >= f->probability)
            continue;
        f->left--;
        char *shown = pl_xstrndup(binary ? "(binary)" : data, binary ? 8 : len < 200 ? len : 200);
        pl_run_wire(r, "+%.3fs -- fault %s applied to %s", (double)now / 1e6, f->action, shown);
        free(shown);
        if (!strcmp(f->action, "drop")) {
            took = 1;
        } else if (!strcmp(f->action, "delay")) {
            pl_faults_hold(r, s, from, data, len, binary, now + f->delay_us, 0);
            took = 1;
        } else if (!strcmp(f->action, "duplicate")) {
            pl_faults_hold(r, s, from, data, len, binary, now, 0);
        } else if (!strcmp(f->action, "reorder")) {
            pl_faults_hold(r, s, from, data, len, binary, now, 1);
            took = 1;
        } else if (!strcmp(f->action, "corrupt")) {
            pl_buf out = {0};
            pl_faults_corrupt(f->corrupt, data, len, &out);
            pl_faults_hold(r, s, from, out.data ? out.data : "", out.len, binary, now, 0);
            pl_buf_free(&out);
            took = 1;
        }
        break;
    }
    cJSON_Delete(owned);
    return took;
}

void pl_faults_stall(pl_run *r, int64_t for_us)
{
    r->stalled = 1;
    r->stall_until = pl_run_now(r) + for_us;
    pl_run_wire(r, "+%.3fs -- fault stall: nothing goes to the client for %.3fs",
                (double)pl_run_now(r) / 1e6, (double)for_us / 1e6);
    pl_faults_arm(r);
}

void pl_faults_free(pl_run *r)
{
    lws_sul_cancel(&r->sul_fault);
    while (r->faults) {
        pl_fault *f = r->faults;
        r->faults = f->next;
        cJSON_Delete(f->match);
        free(f);
    }
    while (r->held) {
        pl_held *h = r->held;
        r->held = h->next;
        pl_faults_free_held(h);
    }
}
