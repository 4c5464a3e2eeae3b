/* pl_report_sessions.c — JUnit from the mock's sessions (see pl_report_sessions.h). */
#include "reports/pl_report_sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_json.h"
#include "reports/pl_junit.h"

#define PL_REPORT_JOURNAL_TAIL 200 /* journal records copied into system-out */

/* "[must] aicall.ptt.start_without_enable on aicall.1106 (#12): message\n  source: …" */
static void pl_report_finding_lines(pl_buf *b, const cJSON *findings, const char *level)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, findings) {
        if (level && strcmp(pl_json_str(f, "level", ""), level) != 0)
            continue;
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(f, "ref");
        pl_buf_printf(b, "[%s] %s", pl_json_str(f, "level", ""), pl_json_str(f, "rule", ""));
        if (*pl_json_str(f, "kind", ""))
            pl_buf_printf(b, " on %s", pl_json_str(f, "kind", ""));
        if (cJSON_IsNumber(ref))
            pl_buf_printf(b, " (journal #%.0f)", ref->valuedouble);
        pl_buf_printf(b, ": %s\n  source: %s\n", pl_json_str(f, "message", ""),
                      pl_json_str(f, "source", ""));
    }
}

static void pl_report_journal_tail(pl_buf *b, const pl_session *s)
{
    cJSON *j = pl_session_journal_json(s, 0);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(j, "records");
    int n = cJSON_GetArraySize(recs), skip = n > PL_REPORT_JOURNAL_TAIL ? n - PL_REPORT_JOURNAL_TAIL : 0;
    pl_buf_printf(b, "--- journal (%d records%s) ---\n", n - skip, skip ? ", the last ones" : "");
    const cJSON *r;
    int i = 0;
    cJSON_ArrayForEach(r, recs) {
        if (i++ < skip)
            continue;
        char *line = cJSON_PrintUnformatted(r);
        pl_buf_printf(b, "%s\n", line);
        free(line);
    }
    cJSON_Delete(j);
}

typedef struct {
    pl_junit_suite *suite;
} pl_report_ctx;

static void pl_report_session(void *user, pl_session *s)
{
    pl_report_ctx *ctx = user;
    pl_session_stats st;
    pl_session_get_stats(s, &st);
    char cls[96], name[400];
    snprintf(cls, sizeof cls, "%s.mock", pl_session_dialect(s)->id);
    snprintf(name, sizeof name, "%s room=%s user=%s", pl_session_id(s),
             pl_session_room(s) ? pl_session_room(s) : "-",
             pl_session_user(s) ? pl_session_user(s) : "-");
    int64_t end = st.closed_us ? st.closed_us : pl_clock_mono_us();
    pl_junit_case *c =
        pl_junit_case_add(ctx->suite, cls, name, (double)(end - st.opened_us) / 1e6);
    cJSON *findings = pl_session_findings_json(s);
    pl_buf out = PL_BUF_INIT;
    if (st.findings_must) {
        pl_buf body = PL_BUF_INIT;
        pl_report_finding_lines(&body, findings, NULL);
        if (st.findings_dropped)
            pl_buf_printf(&body, "(%llu more findings were counted but not stored)\n",
                          (unsigned long long)st.findings_dropped);
        const cJSON *first = NULL, *f;
        cJSON_ArrayForEach(f, findings) if (!first && !strcmp(pl_json_str(f, "level", ""), "must"))
            first = f;
        char msg[700];
        snprintf(msg, sizeof msg, "%llu must-level finding(s), first: %s: %s",
                 (unsigned long long)st.findings_must, first ? pl_json_str(first, "rule", "") : "?",
                 first ? pl_json_str(first, "message", "") : "");
        pl_junit_case_result(c, PL_JUNIT_FAILURE, first ? pl_json_str(first, "rule", "") : "finding",
                             msg, body.data ? body.data : "");
        pl_buf_free(&body);
    } else if (st.findings_should) {
        pl_buf_printf(&out, "--- should-level findings (not failing) ---\n");
        pl_report_finding_lines(&out, findings, "should");
    }
    pl_report_journal_tail(&out, s);
    pl_junit_case_stdout(c, out.data ? out.data : "", out.len);
    pl_buf_free(&out);
    cJSON_Delete(findings);
}

int pl_report_sessions_junit(const pl_sessions *sessions, const char *path,
                             const char *profile_path, char *err, size_t errlen)
{
    pl_junit *j = pl_junit_new("parley mock");
    pl_junit_property(j, "parley.version", PARLEY_VERSION);
    if (profile_path)
        pl_junit_property(j, "mock.profile", profile_path);
    char ts[PL_CLOCK_ISO_LEN];
    pl_clock_iso8601(pl_clock_wall_us(), ts);
    ts[19] = '\0'; /* the XSD wants no zone and no fraction */
    pl_report_ctx ctx = {pl_junit_suite_add(j, "parley mock", ts, NULL)};
    pl_sessions_each(sessions, pl_report_session, &ctx);
    int rc = pl_junit_write(j, path, err, errlen);
    pl_junit_free(j);
    return rc;
}
