/* pl_finding.h — the verdict vocabulary every layer shares: directions, levels, findings.
 *
 * A finding is one violation of the vendor contract (or of parley's own limits) seen on
 * the wire: a stable rule id ("aicall.ptt.start_without_enable"), a level (must/should,
 * DESIGN §5), the source sentence the rule comes from, and a message with the values.
 * Dialect rules produce them, the session records them (journal, trace, stderr) and the
 * reports turn them into JUnit failures. Header only. */
#ifndef PL_FINDING_H
#define PL_FINDING_H

typedef enum { PL_DIR_C2A /* client -> agent */, PL_DIR_A2C /* agent -> client */ } pl_dir;
typedef enum { PL_LEVEL_MUST, PL_LEVEL_SHOULD } pl_level;

typedef struct {
    const char *rule;   /* stable id, e.g. "aicall.ptt.start_without_enable" (static) */
    pl_level level;
    const char *source; /* where the rule comes from, e.g. "aicall.md §5: ..." (static) */
    char message[512];  /* what happened and what was expected, with the values */
} pl_finding;

typedef void (*pl_finding_fn)(void *user, const pl_finding *f);

typedef struct {
    const char *rule;
    pl_level level;
    const char *source;
    const char *description; /* one line */
} pl_rule_info;

static inline const char *pl_dir_name(pl_dir d)
{
    return d == PL_DIR_C2A ? "c2a" : "a2c";
}

static inline const char *pl_level_name(pl_level l)
{
    return l == PL_LEVEL_MUST ? "must" : "should";
}

#endif
