/* pl_rules_data.c — the data-driven rules test harness (see pl_rules_data.h). Its own
 * static names start with prd_: a test may include this file instead of linking it. */
#include "pl_rules_data.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "pl_test.h"

struct pl_rules_suite {
    const pl_rules_dialect *d;
    int nrules;
    int *negative; /* per catalog rule: a case triggered it */
    int *clean;    /* per catalog rule: a clean case covers it */
    int cases, asserts, failed;
};

/* The harness's part of a run. */
typedef struct {
    pl_rules_suite *s;
    char **ids;
    size_t n, cap;
    pl_buf text; /* every finding, one per line */
    int bad;     /* a finding not matching the catalog, or a failed pl_rules_check */
} prd_collect;

const cJSON *pl_rules_member(const cJSON *o, const char *name)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

double pl_rules_num(const cJSON *o, const char *name, double dflt)
{
    const cJSON *v = pl_rules_member(o, name);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) != 0;
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

long long pl_rules_ms(const cJSON *o, const char *name, long long dflt_us)
{
    const cJSON *v = pl_rules_member(o, name);
    return cJSON_IsNumber(v) ? (long long)(v->valuedouble * 1000) : dflt_us;
}

static int prd_rule_index(const pl_rules_suite *s, const char *id)
{
    int k = 0;
    for (const pl_rule_info *i = s->d->catalog; id && i->rule; i++, k++)
        if (strcmp(i->rule, id) == 0)
            return k;
    return -1;
}

pl_rules_suite *pl_rules_suite_new(const pl_rules_dialect *d)
{
    pl_rules_suite *s = pl_xcalloc(1, sizeof *s);
    s->d = d;
    for (const pl_rule_info *i = d->catalog; i->rule; i++)
        s->nrules++;
    s->negative = pl_xcalloc((size_t)s->nrules + 1, sizeof *s->negative);
    s->clean = pl_xcalloc((size_t)s->nrules + 1, sizeof *s->clean);
    return s;
}

void pl_rules_suite_free(pl_rules_suite *s)
{
    if (!s)
        return;
    free(s->negative);
    free(s->clean);
    free(s);
}

int pl_rules_suite_cases(const pl_rules_suite *s)
{
    return s->cases;
}

int pl_rules_suite_asserts(const pl_rules_suite *s)
{
    return s->asserts;
}

/* ---- one run ------------------------------------------------------------------------ */

static void prd_on_finding(void *user, const pl_finding *f)
{
    pl_rules_run *run = user;
    prd_collect *c = run->priv;
    int k = prd_rule_index(c->s, f->rule);
    const pl_rule_info *i = k >= 0 ? &c->s->d->catalog[k] : NULL;
    if (!i || i->level != f->level || i->source != f->source || !f->message[0] ||
        strlen(f->message) >= sizeof f->message - 1) {
        fprintf(stderr,
                "  %s:%d: finding %s does not match the %s catalog (or its message "
                "was cut): %s\n",
                run->name, run->line, f->rule ? f->rule : "(null)", c->s->d->name, f->message);
        c->bad = 1;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 8;
        c->ids = pl_xrealloc(c->ids, c->cap * sizeof *c->ids);
    }
    c->ids[c->n++] = pl_xstrdup(f->rule ? f->rule : "(null)");
    pl_buf_printf(&c->text, "%s: %s\n", f->rule ? f->rule : "(null)", f->message);
}

pl_rules_run *pl_rules_run_begin(pl_rules_suite *s, const char *name)
{
    pl_rules_run *run = pl_xcalloc(1, sizeof *run);
    prd_collect *c = pl_xcalloc(1, sizeof *c);
    c->s = s;
    c->text = (pl_buf)PL_BUF_INIT;
    run->emit = prd_on_finding;
    run->user = run;
    run->name = pl_xstrdup(name);
    run->priv = c;
    return run;
}

static void prd_run_free(pl_rules_run *run)
{
    prd_collect *c = run->priv;
    for (size_t i = 0; i < c->n; i++)
        free(c->ids[i]);
    free(c->ids);
    pl_buf_free(&c->text);
    free(c);
    free((char *)run->name);
    free(run);
}

size_t pl_rules_run_count(const pl_rules_run *run)
{
    return ((const prd_collect *)run->priv)->n;
}

int pl_rules_check(pl_rules_run *run, int ok, const char *fmt, ...)
{
    prd_collect *c = run->priv;
    c->s->asserts++;
    if (ok)
        return 1;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  %s:%d: ", run->name, run->line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    c->bad = 1;
    return 0;
}

static int prd_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pl_rules_run_finish(pl_rules_run *run, const cJSON *hdr, const cJSON *covers)
{
    prd_collect *c = run->priv;
    pl_rules_suite *s = c->s;
    const char *name = run->name;
    const cJSON *exp = pl_rules_member(hdr, "expect"), *e;
    size_t ne = (size_t)cJSON_GetArraySize(exp);
    char **want = pl_xcalloc(ne + 1, sizeof *want);
    size_t k = 0;
    int ok = !c->bad;
    s->cases++;
    if (!cJSON_IsArray(exp)) {
        fprintf(stderr, "  %s: no \"expect\" list\n", name);
        ok = 0;
    }
    cJSON_ArrayForEach(e, exp)
    {
        int idx = cJSON_IsString(e) ? prd_rule_index(s, e->valuestring) : -1;
        if (idx < 0) {
            fprintf(stderr, "  %s: expect names an unknown rule %s\n", name,
                    cJSON_IsString(e) ? e->valuestring : "(not a string)");
            ok = 0;
            continue;
        }
        want[k++] = e->valuestring;
        s->negative[idx] = 1;
    }
    qsort(want, k, sizeof *want, prd_cmp_str);
    if (c->n)
        qsort(c->ids, c->n, sizeof *c->ids, prd_cmp_str);
    int same = k == c->n;
    for (size_t i = 0; same && i < k; i++)
        same = strcmp(want[i], c->ids[i]) == 0;
    s->asserts++;
    if (getenv("PL_TEST_VERBOSE"))
        printf("  %s:\n%s", name, c->text.data ? c->text.data : "");
    if (!same) {
        fprintf(stderr, "\n  %s: expected [", name);
        for (size_t i = 0; i < k; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", want[i]);
        fprintf(stderr, "]\n  got:\n%s", c->text.data ? c->text.data : "  (nothing)\n");
        ok = 0;
    }
    cJSON_ArrayForEach(e, pl_rules_member(hdr, "expect_text"))
    {
        s->asserts++;
        if (!cJSON_IsString(e) || !c->text.data || !strstr(c->text.data, e->valuestring)) {
            fprintf(stderr, "\n  %s: no finding message contains \"%s\"; got:\n%s", name,
                    cJSON_IsString(e) ? e->valuestring : "?",
                    c->text.data ? c->text.data : "  (nothing)\n");
            ok = 0;
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        const cJSON *list = pass ? covers : pl_rules_member(hdr, "covers");
        cJSON_ArrayForEach(e, list)
        {
            int idx = cJSON_IsString(e) ? prd_rule_index(s, e->valuestring) : -1;
            if (idx < 0) {
                fprintf(stderr, "  %s: covers names an unknown rule %s\n", name,
                        cJSON_IsString(e) ? e->valuestring : "(not a string)");
                ok = 0;
            } else if (ne == 0) {
                s->clean[idx] = 1;
            }
        }
    }
    free(want);
    prd_run_free(run);
    return ok;
}

/* ---- files -------------------------------------------------------------------------- */

int pl_rules_suite_run_file(pl_rules_suite *s, const char *path, const char *name)
{
    char err[256];
    char *text = pl_file_read(path, NULL, err, sizeof err);
    if (!text) {
        fprintf(stderr, "  %s: %s\n", path, err);
        s->cases++;
        return 0;
    }
    pl_rules_run *run = pl_rules_run_begin(s, name);
    cJSON *opts = NULL, *covers = NULL;
    void *state = NULL;
    int ok = 1, done = 0, opened = 0, lineno = 0;
    for (char *line = text, *next; line && ok; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (run)
            run->line = lineno;
        if (!line[0] || line[0] == '#')
            continue;
        cJSON *ln = cJSON_Parse(line);
        if (!ln || done) {
            fprintf(stderr, "  %s:%d: %s\n", name, lineno,
                    done ? "a line after the expect line" : "not JSON");
            ok = 0;
        } else if (pl_rules_member(ln, "expect")) {
            ok = pl_rules_run_finish(run, ln, covers);
            run = NULL;
            done = 1;
        } else if (pl_rules_member(ln, "opts")) {
            if (opened || opts) {
                fprintf(stderr, "  %s:%d: opts must come once, before the events\n", name, lineno);
                ok = 0;
            } else {
                opts = cJSON_DetachItemFromObjectCaseSensitive(ln, "opts");
            }
        } else if (pl_rules_member(ln, "covers")) {
            cJSON_Delete(covers);
            covers = cJSON_DetachItemFromObjectCaseSensitive(ln, "covers");
        } else {
            if (!opened) {
                state = s->d->open(opts, run);
                opened = 1;
            }
            if (s->d->feed(state, ln, run) < 0) {
                fprintf(stderr, "  %s:%d: not an event line: %s\n", name, lineno, line);
                ok = 0;
            }
        }
        cJSON_Delete(ln);
    }
    if (!done && ok) {
        fprintf(stderr, "  %s: no expect line\n", name);
        ok = 0;
    }
    if (run) {
        s->cases++;
        prd_run_free(run);
    }
    if (opened && s->d->close)
        s->d->close(state);
    cJSON_Delete(opts);
    cJSON_Delete(covers);
    free(text);
    return ok;
}

int pl_rules_suite_run_dir(pl_rules_suite *s, const char *dir)
{
    char **names;
    size_t n = pl_test_list_files(dir, ".jsonl", NULL, &names);
    CU_ASSERT_FATAL(n > 0);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        int ok = pl_rules_suite_run_file(s, path, names[i]);
        if (!ok) {
            fprintf(stderr, "  FAILED: %s\n", names[i]);
            failed++;
        }
        CU_ASSERT(ok);
    }
    printf("\n  %zu/%zu %s rule files passed\n", n - (size_t)failed, n, s->d->name);
    pl_test_free_names(names, n);
    s->failed += failed;
    return failed;
}

static int prd_exempt(const pl_rules_suite *s, const char *id)
{
    for (const char *const *p = s->d->exempt; p && *p; p++)
        if (strncmp(id, *p, strlen(*p)) == 0)
            return 1;
    return 0;
}

void pl_rules_suite_coverage(pl_rules_suite *s)
{
    int k = 0, rules = 0;
    for (const pl_rule_info *i = s->d->catalog; i->rule; i++, k++) {
        if (prd_exempt(s, i->rule))
            continue;
        rules++;
        if (!s->negative[k])
            fprintf(stderr, "  no case triggers %s\n", i->rule);
        if (!s->clean[k])
            fprintf(stderr, "  no clean case covers %s\n", i->rule);
        CU_ASSERT(s->negative[k] && s->clean[k]);
    }
    printf("\n  %s: %d rules covered by %d cases, %d expectations\n", s->d->name, rules, s->cases,
           s->asserts);
}
