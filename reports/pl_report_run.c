/* pl_report_run.c — `parley run` results as JUnit XML (see pl_report_run.h). */
#include "reports/pl_report_run.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "reports/pl_junit.h"

struct pl_report_run {
    pl_junit *j;
    struct {
        char *file;
        pl_junit_suite *suite;
    } *suites;
    size_t nsuites;
    int have_client;
    char timestamp[32], host[128];
};

pl_report_run *pl_report_run_new(const char *name)
{
    pl_report_run *rep = pl_xcalloc(1, sizeof *rep);
    rep->j = pl_junit_new(name);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(rep->timestamp, sizeof rep->timestamp, "%Y-%m-%dT%H:%M:%S", &tm);
    if (gethostname(rep->host, sizeof rep->host - 1))
        rep->host[0] = '\0';
    return rep;
}

void pl_report_run_free(pl_report_run *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->nsuites; i++)
        free(rep->suites[i].file);
    free(rep->suites);
    pl_junit_free(rep->j);
    free(rep);
}

void pl_report_run_property(pl_report_run *rep, const char *name, const char *value)
{
    pl_junit_property(rep->j, name, value);
}

static pl_junit_suite *pl_report_run_suite(pl_report_run *rep, const char *file)
{
    for (size_t i = 0; i < rep->nsuites; i++)
        if (!strcmp(rep->suites[i].file, file))
            return rep->suites[i].suite;
    rep->suites = pl_xrealloc(rep->suites, (rep->nsuites + 1) * sizeof *rep->suites);
    rep->suites[rep->nsuites].file = pl_xstrdup(file);
    rep->suites[rep->nsuites].suite =
        pl_junit_suite_add(rep->j, file, rep->timestamp, rep->host[0] ? rep->host : NULL);
    return rep->suites[rep->nsuites++].suite;
}

static pl_junit_case *pl_report_run_case(pl_report_run *rep, const pl_scenario *sc, double secs)
{
    char cls[256];
    pl_junit_suite *s = pl_report_run_suite(rep, sc->file);
    return pl_junit_case_add(s, pl_scenario_classname(sc, cls, sizeof cls), sc->id, secs);
}

/* The scenario's own words first, so a reader of a failure knows what was asked. */
static void pl_report_run_header(pl_buf *b, const pl_scenario *sc)
{
    pl_buf_printf(b, "scenario %s (%s:%d, %s)\n", sc->id, sc->file, sc->line,
                  sc->level == PL_LEVEL_SHOULD ? "should" : "must");
    if (sc->title[0])
        pl_buf_printf(b, "title: %s\n", sc->title);
    if (sc->requirement)
        pl_buf_printf(b, "requirement: %s\n", sc->requirement);
    if (sc->source)
        pl_buf_printf(b, "source: %s\n", sc->source);
}

void pl_report_run_add(pl_report_run *rep, const pl_scenario *sc, const pl_run_result *res)
{
    if (res->hello && !rep->have_client) {
        rep->have_client = 1;
        pl_junit_property(rep->j, "client.name", pl_json_str(res->hello, "client", ""));
        pl_junit_property(rep->j, "client.version", pl_json_str(res->hello, "version", ""));
    }
    pl_junit_case *c = pl_report_run_case(rep, sc, res->seconds);
    static const pl_junit_status map[] = {PL_JUNIT_PASS, PL_JUNIT_PASS, PL_JUNIT_FAILURE,
                                          PL_JUNIT_SKIPPED, PL_JUNIT_ERROR};
    pl_junit_case_result(c, map[res->verdict], res->type[0] ? res->type : NULL,
                         res->message[0] ? res->message : NULL, res->detail.data);
    pl_buf out = {0};
    pl_report_run_header(&out, sc);
    pl_buf_printf(&out, "verdict: %s\n", pl_verdict_name(res->verdict));
    if (res->notes.len) {
        pl_buf_puts(&out, "---- notes ----\n");
        pl_buf_append(&out, res->notes.data, res->notes.len);
    }
    pl_buf_puts(&out, "---- wire log ----\n");
    if (res->wire.len)
        pl_buf_append(&out, res->wire.data, res->wire.len);
    pl_junit_case_stdout(c, out.data, out.len);
    pl_buf_free(&out);
    if (res->client.len)
        pl_junit_case_stderr(c, res->client.data, res->client.len);
}

void pl_report_run_not_run(pl_report_run *rep, const pl_scenario *sc, const char *reason)
{
    pl_junit_case *c = pl_report_run_case(rep, sc, 0);
    pl_junit_case_result(c, PL_JUNIT_SKIPPED, NULL, reason, NULL);
}

int pl_report_run_write(pl_report_run *rep, const char *path, char *err, size_t errlen)
{
    return pl_junit_write(rep->j, path, err, errlen);
}
