/* pl_dialect.c — the table of dialects parley knows (see pl_dialect.h).
 *
 * A live dialect is defined in its own file (mock/dialects/<id>.c) and listed here by
 * its symbol. A dialect whose file has not been written yet is listed with its
 * description only, so `parley list dialects` shows the whole picture of DESIGN §1. */
#include "mock/pl_dialect.h"

#include <stddef.h>
#include <string.h>

extern const pl_dialect pl_dialect_aicall;
extern const pl_dialect pl_dialect_bailian;
extern const pl_dialect pl_dialect_trtc;
extern const pl_dialect pl_dialect_volc;

static const pl_dialect *const pl_dialects[] = {
    &pl_dialect_bailian, &pl_dialect_aicall, &pl_dialect_trtc, &pl_dialect_volc,
    NULL,
};

const pl_dialect *const *pl_dialect_all(void)
{
    return pl_dialects;
}

const pl_dialect *pl_dialect_find(const char *id)
{
    for (const pl_dialect *const *d = pl_dialects; *d; d++)
        if (strcmp((*d)->id, id) == 0)
            return *d;
    return NULL;
}

int pl_dialect_live(const pl_dialect *d)
{
    return d && d->decode && d->classify && d->encode && d->open;
}

const pl_behaviour_info *pl_dialect_behaviour(const pl_dialect *d, const char *name)
{
    if (!d || !d->behaviours || !name)
        return NULL;
    for (const pl_behaviour_info *b = d->behaviours; b->name; b++)
        if (strcmp(b->name, name) == 0)
            return b;
    return NULL;
}
