/* pl_dialect.h — the registry of vendor dialects (DESIGN §1).
 *
 * Today each entry describes the dialect (id, vendor protocol, native transport,
 * seed); the codec/classify/rules/behaviour function pointers of DESIGN §6 join
 * this struct with the mock issue, so a new vendor stays one file plus data. */
#ifndef PL_DIALECT_H
#define PL_DIALECT_H

typedef struct {
    const char *id;        /* "aicall" — prefix of every message kind */
    const char *vendor;    /* human name of the vendor protocol */
    const char *transport; /* native transport as parley speaks it */
    const char *seed;      /* the vendor page the facts start from */
} pl_dialect_info;

/* NULL-terminated table, in DESIGN §1 order. */
const pl_dialect_info *pl_dialect_all(void);
const pl_dialect_info *pl_dialect_find(const char *id);

#endif
