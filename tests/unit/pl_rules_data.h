/* pl_rules_data.h — the data-driven test harness of the dialect rules modules.
 *
 * A rules test is data: each tests/data/<dialect>/rules/NAME.jsonl is one session, one JSON
 * object per line in time order ('#' lines and blank lines are comments):
 *   {"opts":{…}}                    optional, before the first event line: handed to open()
 *   {"covers":["<rule id>",…]}      rules a clean file exercises (may also sit in the expect
 *                                   line)
 *   … event lines …                 anything else: handed to the dialect's feed()
 *   {"expect":["<rule id>",…],"expect_text":["substring",…]}   last line
 * expect is the exact multiset of rule ids emitted during the file; each expect_text must
 * occur in some finding's message. Every finding must name a catalog rule with the
 * catalog's level and source (the same pointer) and a message that is not empty and was
 * not cut at pl_finding.message's size. A file with "expect":[] marks its covers as cleanly
 * exercised; any other expect marks its rules as triggered. pl_rules_suite_coverage() then
 * asserts that every catalog rule (but those the dialect exempts, e.g. the cloud API's) has
 * both: a case that triggers it and a near miss that does not.
 *
 * The dialect part is a pl_rules_dialect: its catalog, and open/feed/close callbacks that
 * build the rules object and turn one event line into calls of the rules module, passing
 * run->emit and run->user as the finding callback. Line formats are the dialect's (see each
 * test_<dialect>_rules.c). Data that is not a jsonl session (trtc's LLM answers) can use a
 * run directly: pl_rules_run_begin(), the checks with run->emit/run->user,
 * pl_rules_run_finish() with the header that holds expect/expect_text/covers.
 *
 * Setting PL_TEST_VERBOSE prints every finding of every case (for docs and debugging). */
#ifndef PL_RULES_DATA_H
#define PL_RULES_DATA_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/pl_finding.h"

typedef struct pl_rules_run pl_rules_run;
typedef struct pl_rules_suite pl_rules_suite;

typedef struct {
    const char *name;            /* "volc": for messages */
    const pl_rule_info *catalog; /* NULL-rule-terminated */
    const char *const *exempt;   /* rule-id prefixes that need no data case (NULL-terminated,
                                    or NULL): rules other code emits */
    /* A fresh rules object for one file; opts is the "opts" member of the file's opts line,
     * or NULL. Called at the first event line. */
    void *(*open)(const cJSON *opts, pl_rules_run *run);
    /* One event line: 0, or -1 when the line is not understood (the file fails). */
    int (*feed)(void *state, const cJSON *line, pl_rules_run *run);
    void (*close)(void *state);
} pl_rules_dialect;

/* What open() and feed() see of the current case. */
struct pl_rules_run {
    pl_finding_fn emit; /* hand these to the rules module */
    void *user;
    const char *name; /* the case (file name) */
    int line;         /* the line being fed (1-based) */
    void *priv;       /* the harness's */
};

pl_rules_suite *pl_rules_suite_new(const pl_rules_dialect *d);
void pl_rules_suite_free(pl_rules_suite *s);

/* Runs every *.jsonl of dir in name order (one CU_ASSERT per file, failures printed);
 * returns the number of files that failed. Fails the test when dir has none. */
int pl_rules_suite_run_dir(pl_rules_suite *s, const char *dir);

/* Runs one file (path; name is what messages call it); 1 when it passes. */
int pl_rules_suite_run_file(pl_rules_suite *s, const char *path, const char *name);

/* Asserts that every non-exempt catalog rule has a triggering and a clean case among the
 * cases run so far, prints what is missing and the totals. */
void pl_rules_suite_coverage(pl_rules_suite *s);

/* Totals so far: cases (files and direct runs), assertions (expect lists, expect_texts and
 * pl_rules_check calls). */
int pl_rules_suite_cases(const pl_rules_suite *s);
int pl_rules_suite_asserts(const pl_rules_suite *s);

/* A direct case: collect findings from run->emit/run->user, then judge them against hdr's
 * expect/expect_text/covers (covers may also be given apart, or NULL). finish returns 1
 * when the case passes and frees the run. */
pl_rules_run *pl_rules_run_begin(pl_rules_suite *s, const char *name);
int pl_rules_run_finish(pl_rules_run *run, const cJSON *hdr, const cJSON *covers);

/* An extra assertion inside a case (a return value, an out parameter): counted; when ok is
 * 0 the message is printed with the case and line and the case fails. Returns ok. */
int pl_rules_check(pl_rules_run *run, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The rule ids emitted so far in the run, in order (for feed()s that assert on them). */
size_t pl_rules_run_count(const pl_rules_run *run);

/* Small line readers: a member of o (NULL when o is not an object), a number or boolean
 * (dflt when absent), milliseconds as microseconds (dflt_us when absent). */
const cJSON *pl_rules_member(const cJSON *o, const char *name);
double pl_rules_num(const cJSON *o, const char *name, double dflt);
long long pl_rules_ms(const cJSON *o, const char *name, long long dflt_us);

#endif
