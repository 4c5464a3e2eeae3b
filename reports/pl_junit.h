/* pl_junit.h — the JUnit XML report writer (DESIGN §7, anchors §8).
 *
 * The runner builds a report in memory while scenarios run: one pl_junit per run, one
 * suite per scenario file or dialect, one case per scenario (× matrix entry). At the end
 * (or on SIGINT/SIGTERM, from the event loop, not from the handler) it calls
 * pl_junit_write(), which renders the document and replaces the file atomically.
 *
 * The rendered document is always well-formed UTF-8 XML valid against the Jenkins
 * junit-4 XSD (tests/data/junit/jenkins-junit.xsd), whatever bytes the caller passes:
 * invalid UTF-8 becomes U+FFFD, characters XML 1.0 forbids are dropped, everything is
 * escaped, and every string is bounded (limits below). Counts and times of suites and of
 * the whole report are computed from the cases. Output is deterministic for the same
 * calls. docs/junit.md has the exact mapping.
 *
 * Ownership: the pl_junit owns every suite, case and string; all string arguments are
 * copied, so callers may free theirs right away. Suite and case pointers stay valid until
 * pl_junit_free(). Nothing here is thread-safe; one report belongs to one thread. */
#ifndef PL_JUNIT_H
#define PL_JUNIT_H

#include <stddef.h>

/* Bounds (bytes of UTF-8 after cleaning; "…" or a note marks every cut). */
#define PL_JUNIT_ATTR_MAX 1024            /* any attribute value (names, message, type, …) */
#define PL_JUNIT_BODY_MAX (64 * 1024)     /* failure/error body: first and last half kept */
#define PL_JUNIT_STREAM_MAX (1024 * 1024) /* system-out and system-err, each, per case */

typedef enum {
    PL_JUNIT_PASS,    /* no child element */
    PL_JUNIT_FAILURE, /* <failure>: the client violated the contract */
    PL_JUNIT_ERROR,   /* <error>: the harness could not judge (crash, bad scenario, …) */
    PL_JUNIT_SKIPPED  /* <skipped>: e.g. a drive action the client does not support */
} pl_junit_status;

typedef struct pl_junit pl_junit;
typedef struct pl_junit_suite pl_junit_suite;
typedef struct pl_junit_case pl_junit_case;

typedef struct {
    size_t tests, failures, errors, skipped;
    long long time_ms; /* sum of the cases' times, milliseconds */
} pl_junit_counts;

/* A report: <testsuites name=…>. name may be NULL (attribute omitted). */
pl_junit *pl_junit_new(const char *name);
void pl_junit_free(pl_junit *j);

/* Report-level property (client, parley version, seed, …): emitted first in every
 * suite's <properties>, in the order added. NULL value is written as "". */
void pl_junit_property(pl_junit *j, const char *name, const char *value);

/* Adds a suite. timestamp (e.g. "2026-01-01T12:00:00") and hostname may be NULL
 * (attribute omitted); an empty or NULL name becomes "(unnamed)". */
pl_junit_suite *pl_junit_suite_add(pl_junit *j, const char *name, const char *timestamp,
                                   const char *hostname);

/* Suite-level property, emitted after the report-level ones. */
void pl_junit_suite_property(pl_junit_suite *s, const char *name, const char *value);

/* Adds a passing case. classname NULL/empty → the suite name; name NULL/empty →
 * "(unnamed)". A name already used in this suite with the same classname gets " #2",
 * " #3", … (the first free one). seconds < 0 or NaN → 0; kept to the millisecond. */
pl_junit_case *pl_junit_case_add(pl_junit_suite *s, const char *classname, const char *name,
                                 double seconds);

/* Sets the verdict. type (rule id, "timeout", …) and message (one line; newlines become
 * spaces) may be NULL. detail is the multi-line body of <failure>/<error>; it is ignored
 * for PASS and SKIPPED (a skip's message becomes the <skipped> text, as the XSD allows no
 * attributes there). A case has at most one verdict: a later call replaces the current one
 * only if it is more severe (ERROR > FAILURE > SKIPPED > PASS), so the first failure is kept
 * and a harness error overrides it. */
void pl_junit_case_result(pl_junit_case *c, pl_junit_status status, const char *type,
                          const char *message, const char *detail);

/* Appends raw bytes (wire log; may be binary or invalid UTF-8) to <system-out> or
 * <system-err>. Beyond PL_JUNIT_STREAM_MAX the first and last halves are kept and a note
 * says how many bytes were dropped in between. */
void pl_junit_case_stdout(pl_junit_case *c, const char *text, size_t len);
void pl_junit_case_stderr(pl_junit_case *c, const char *text, size_t len);

/* Totals over all suites (suite == NULL) or one suite. */
pl_junit_counts pl_junit_count(const pl_junit *j, const pl_junit_suite *suite);

/* The whole document, NUL-terminated; caller frees. */
char *pl_junit_render(const pl_junit *j);

/* Renders and writes atomically (temp file in the same directory, fsync, rename): a
 * reader sees the old file or the complete new one. Returns 0, or -1 with a message. */
int pl_junit_write(const pl_junit *j, const char *path, char *err, size_t errlen);

#endif
