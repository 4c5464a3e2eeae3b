/* pl_junit.c — JUnit XML report writer (see pl_junit.h and docs/junit.md).
 *
 * Strings that become attributes are cleaned when they are added (valid XML 1.0
 * characters only, one line, bounded), so duplicate names are detected on exactly what
 * gets written. Bodies and wire logs are kept as raw bytes in a bounded head+tail
 * capture (pl_junit_text) and cleaned when rendered, because a log arrives in chunks that
 * may split a UTF-8 sequence. Rendering escapes & < > in text and also " ' in attributes;
 * CR, and TAB/LF inside attributes, are written as character references so parsers keep
 * them. All numbers are integers formatted with %lld, so no locale can change them. */
#include "reports/pl_junit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_utf8.h"

#define PL_JUNIT_ELLIPSIS "\xE2\x80\xA6"    /* U+2026 "…" */
#define PL_JUNIT_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
#define PL_JUNIT_MAX_SECONDS 1e9            /* clamp for absurd times (~31 years) */

/* Raw bytes, bounded: the first max/2 bytes in head, the last max/2 in a ring (tail),
 * and a count of the bytes dropped between them. */
typedef struct {
    pl_buf head;
    char *tail;
    size_t half, tail_start, tail_len;
    unsigned long long dropped;
} pl_junit_text;

typedef struct {
    char *name, *value;
} pl_junit_prop;

typedef struct {
    pl_junit_prop *items;
    size_t n, cap;
} pl_junit_props;

struct pl_junit_case {
    char *classname, *name;
    long long ms;
    pl_junit_status status;
    char *type, *message; /* NULL = attribute omitted */
    pl_junit_text detail, out, err;
};

struct pl_junit_suite {
    char *name, *timestamp, *hostname;
    pl_junit_props props;
    pl_junit_case **cases;
    size_t ncases, cap;
};

struct pl_junit {
    char *name;
    pl_junit_props props;
    pl_junit_suite **suites;
    size_t nsuites, cap;
};

/* ---- growth ---------------------------------------------------------------------- */

/* Makes room for one more element in *arr (n used, *cap allocated). */
static void pl_junit_grow(void **arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return;
    *cap = *cap ? *cap * 2 : 8;
    *arr = pl_xrealloc(*arr, *cap * elem);
}

/* ---- character cleaning ------------------------------------------------------------ */

/* Length a UTF-8 lead byte announces (1 for ASCII and for bytes that cannot lead). */
static size_t pl_junit_seq_len(unsigned char c)
{
    if (c >= 0xF0)
        return 4;
    if (c >= 0xE0)
        return 3;
    if (c >= 0xC0)
        return 2;
    return 1;
}

/* Decodes one code point at p (n > 0 bytes left). Returns the bytes consumed; an invalid
 * sequence consumes one byte and yields U+FFFD. */
static size_t pl_junit_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t len = pl_utf8_decode(p, n, cp);
    if (len)
        return len;
    *cp = 0xFFFD;
    return 1;
}

/* XML 1.0 Char production (surrogates never get here: the decoder rejects them). */
static int pl_junit_xml_char(uint32_t cp)
{
    if (cp < 0x20)
        return cp == 0x9 || cp == 0xA || cp == 0xD;
    return cp != 0xFFFE && cp != 0xFFFF;
}

/* Appends p[0..n) to out as valid XML-character UTF-8: invalid bytes → U+FFFD,
 * forbidden characters dropped. one_line turns CR LF, CR, LF and TAB into one space. */
static void pl_junit_clean(pl_buf *out, const char *p, size_t n, int one_line)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = pl_junit_decode(s + i, n - i, &cp);
        if (one_line && (cp == '\r' || cp == '\n' || cp == '\t')) {
            if (cp == '\r' && i + 1 < n && s[i + 1] == '\n')
                len = 2;
            pl_buf_putc(out, ' ');
        } else if (cp == 0xFFFD && len == 1)
            pl_buf_puts(out, PL_JUNIT_REPLACEMENT);
        else if (pl_junit_xml_char(cp))
            pl_buf_append(out, s + i, len);
        i += len;
    }
}

/* Largest cut ≤ max that does not split a UTF-8 sequence of the (valid) text s. */
static size_t pl_junit_cut(const char *s, size_t max)
{
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* A cleaned, one-line, bounded copy for an attribute value; NULL stays NULL. */
static char *pl_junit_attr_dup(const char *s)
{
    if (!s)
        return NULL;
    pl_buf b = PL_BUF_INIT;
    pl_junit_clean(&b, s, strlen(s), 1);
    if (b.len > PL_JUNIT_ATTR_MAX) {
        size_t keep = sizeof PL_JUNIT_ELLIPSIS - 1;
        pl_buf_truncate(&b, pl_junit_cut(b.data, PL_JUNIT_ATTR_MAX - keep));
        pl_buf_puts(&b, PL_JUNIT_ELLIPSIS);
    }
    if (!b.data)
        return pl_xstrdup("");
    return pl_buf_take(&b);
}

/* Like pl_junit_attr_dup, but NULL or "" (after cleaning) becomes fallback. */
static char *pl_junit_name_dup(const char *s, const char *fallback)
{
    char *d = pl_junit_attr_dup(s);
    if (d && *d)
        return d;
    free(d);
    return pl_xstrdup(fallback);
}

/* ---- bounded raw text ------------------------------------------------------------- */

static void pl_junit_text_init(pl_junit_text *t, size_t max)
{
    memset(t, 0, sizeof *t);
    t->half = max / 2;
}

static void pl_junit_text_free(pl_junit_text *t)
{
    pl_buf_free(&t->head);
    free(t->tail);
}

/* Puts p[0..n) into the tail ring, dropping its oldest bytes when full. */
static void pl_junit_ring_put(pl_junit_text *t, const char *p, size_t n)
{
    if (!t->tail)
        t->tail = pl_xmalloc(t->half);
    if (n >= t->half) {
        t->dropped += t->tail_len + (n - t->half);
        memcpy(t->tail, p + n - t->half, t->half);
        t->tail_start = 0;
        t->tail_len = t->half;
        return;
    }
    size_t over = t->tail_len + n > t->half ? t->tail_len + n - t->half : 0;
    t->dropped += over;
    t->tail_start = (t->tail_start + over) % t->half;
    t->tail_len -= over;
    size_t end = (t->tail_start + t->tail_len) % t->half;
    size_t first = n < t->half - end ? n : t->half - end;
    memcpy(t->tail + end, p, first);
    memcpy(t->tail, p + first, n - first);
    t->tail_len += n;
}

static void pl_junit_text_add(pl_junit_text *t, const char *p, size_t n)
{
    if (!p || !n)
        return;
    size_t room = t->half - t->head.len;
    size_t take = n < room ? n : room;
    pl_buf_append(&t->head, p, take);
    if (n > take)
        pl_junit_ring_put(t, p + take, n - take);
}

/* The tail ring in order, as a new pl_buf. */
static pl_buf pl_junit_ring_linear(const pl_junit_text *t)
{
    pl_buf b = PL_BUF_INIT;
    size_t first = t->tail_len < t->half - t->tail_start ? t->tail_len : t->half - t->tail_start;
    if (t->tail_len) {
        pl_buf_append(&b, t->tail + t->tail_start, first);
        pl_buf_append(&b, t->tail, t->tail_len - first);
    }
    return b;
}

/* Bytes at the end of p[0..n) that start an incomplete UTF-8 sequence (cut by a drop). */
static size_t pl_junit_partial_end(const char *p, size_t n)
{
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = (unsigned char)p[n - back];
        if ((c & 0xC0) != 0x80)
            return c >= 0xC0 && pl_junit_seq_len(c) > back ? back : 0;
    }
    return 0;
}

/* Continuation bytes at the start of p[0..n) (the rest of a sequence cut by a drop). */
static size_t pl_junit_partial_start(const char *p, size_t n)
{
    size_t i = 0;
    while (i < 3 && i < n && ((unsigned char)p[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/* Appends the cleaned text (head, drop note, tail) to out; multi-line kept. */
static void pl_junit_text_clean(pl_buf *out, const pl_junit_text *t)
{
    pl_buf tail = pl_junit_ring_linear(t);
    if (!t->dropped) {
        pl_buf all = PL_BUF_INIT;
        pl_buf_append(&all, t->head.data, t->head.len);
        pl_buf_append(&all, tail.data, tail.len);
        pl_junit_clean(out, all.data, all.len, 0);
        pl_buf_free(&all);
    } else {
        size_t hn = t->head.len - pl_junit_partial_end(t->head.data, t->head.len);
        size_t ts = pl_junit_partial_start(tail.data, tail.len);
        /* The count includes the bytes of a character cut in two by the drop. */
        unsigned long long gone = t->dropped + (t->head.len - hn) + ts;
        pl_junit_clean(out, t->head.data, hn, 0);
        pl_buf_printf(out, "\n[parley: truncated, %llu bytes dropped here]\n", gone);
        pl_junit_clean(out, tail.data + ts, tail.len - ts, 0);
    }
    pl_buf_free(&tail);
}

static int pl_junit_text_empty(const pl_junit_text *t)
{
    return t->head.len == 0;
}

/* ---- building ---------------------------------------------------------------------- */

static void pl_junit_props_add(pl_junit_props *p, const char *name, const char *value)
{
    pl_junit_grow((void **)&p->items, p->n, &p->cap, sizeof *p->items);
    p->items[p->n].name = pl_junit_attr_dup(name ? name : "");
    p->items[p->n].value = pl_junit_attr_dup(value ? value : "");
    p->n++;
}

static void pl_junit_props_free(pl_junit_props *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].name);
        free(p->items[i].value);
    }
    free(p->items);
}

pl_junit *pl_junit_new(const char *name)
{
    pl_junit *j = pl_xcalloc(1, sizeof *j);
    j->name = pl_junit_attr_dup(name);
    return j;
}

static void pl_junit_case_free(pl_junit_case *c)
{
    free(c->classname);
    free(c->name);
    free(c->type);
    free(c->message);
    pl_junit_text_free(&c->detail);
    pl_junit_text_free(&c->out);
    pl_junit_text_free(&c->err);
    free(c);
}

static void pl_junit_suite_free(pl_junit_suite *s)
{
    for (size_t i = 0; i < s->ncases; i++)
        pl_junit_case_free(s->cases[i]);
    free(s->cases);
    pl_junit_props_free(&s->props);
    free(s->name);
    free(s->timestamp);
    free(s->hostname);
    free(s);
}

void pl_junit_free(pl_junit *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->nsuites; i++)
        pl_junit_suite_free(j->suites[i]);
    free(j->suites);
    pl_junit_props_free(&j->props);
    free(j->name);
    free(j);
}

void pl_junit_property(pl_junit *j, const char *name, const char *value)
{
    pl_junit_props_add(&j->props, name, value);
}

void pl_junit_suite_property(pl_junit_suite *s, const char *name, const char *value)
{
    pl_junit_props_add(&s->props, name, value);
}

pl_junit_suite *pl_junit_suite_add(pl_junit *j, const char *name, const char *timestamp,
                                   const char *hostname)
{
    pl_junit_suite *s = pl_xcalloc(1, sizeof *s);
    s->name = pl_junit_name_dup(name, "(unnamed)");
    s->timestamp = pl_junit_attr_dup(timestamp);
    s->hostname = pl_junit_attr_dup(hostname);
    pl_junit_grow((void **)&j->suites, j->nsuites, &j->cap, sizeof *j->suites);
    j->suites[j->nsuites++] = s;
    return s;
}

static int pl_junit_name_taken(const pl_junit_suite *s, const char *classname, const char *name)
{
    for (size_t i = 0; i < s->ncases; i++)
        if (!strcmp(s->cases[i]->name, name) && !strcmp(s->cases[i]->classname, classname))
            return 1;
    return 0;
}

/* name if unused in (suite, classname), else the first free "name #k", k = 2, 3, …;
 * takes ownership of name. */
static char *pl_junit_unique(const pl_junit_suite *s, const char *classname, char *name)
{
    if (!pl_junit_name_taken(s, classname, name))
        return name;
    pl_buf b = PL_BUF_INIT;
    for (unsigned long k = 2;; k++) {
        pl_buf_reset(&b);
        pl_buf_printf(&b, "%s #%lu", name, k);
        if (!pl_junit_name_taken(s, classname, b.data))
            break;
    }
    free(name);
    return pl_buf_take(&b);
}

/* Seconds → whole milliseconds, rounded; negative, NaN → 0; clamped. */
static long long pl_junit_ms(double seconds)
{
    if (!(seconds > 0))
        return 0;
    if (seconds > PL_JUNIT_MAX_SECONDS)
        seconds = PL_JUNIT_MAX_SECONDS;
    return (long long)(seconds * 1000.0 + 0.5);
}

pl_junit_case *pl_junit_case_add(pl_junit_suite *s, const char *classname, const char *name,
                                 double seconds)
{
    pl_junit_case *c = pl_xcalloc(1, sizeof *c);
    c->classname = pl_junit_name_dup(classname, s->name);
    c->name = pl_junit_unique(s, c->classname, pl_junit_name_dup(name, "(unnamed)"));
    c->ms = pl_junit_ms(seconds);
    c->status = PL_JUNIT_PASS;
    pl_junit_text_init(&c->detail, PL_JUNIT_BODY_MAX);
    pl_junit_text_init(&c->out, PL_JUNIT_STREAM_MAX);
    pl_junit_text_init(&c->err, PL_JUNIT_STREAM_MAX);
    pl_junit_grow((void **)&s->cases, s->ncases, &s->cap, sizeof *s->cases);
    s->cases[s->ncases++] = c;
    return c;
}

static int pl_junit_severity(pl_junit_status st)
{
    switch (st) {
    case PL_JUNIT_ERROR:
        return 3;
    case PL_JUNIT_FAILURE:
        return 2;
    case PL_JUNIT_SKIPPED:
        return 1;
    default:
        return 0;
    }
}

void pl_junit_case_result(pl_junit_case *c, pl_junit_status status, const char *type,
                          const char *message, const char *detail)
{
    if (pl_junit_severity(status) <= pl_junit_severity(c->status))
        return;
    c->status = status;
    free(c->type);
    free(c->message);
    c->type = pl_junit_attr_dup(type);
    c->message = pl_junit_attr_dup(message);
    pl_junit_text_free(&c->detail);
    pl_junit_text_init(&c->detail, PL_JUNIT_BODY_MAX);
    if (detail && (status == PL_JUNIT_FAILURE || status == PL_JUNIT_ERROR))
        pl_junit_text_add(&c->detail, detail, strlen(detail));
}

void pl_junit_case_stdout(pl_junit_case *c, const char *text, size_t len)
{
    pl_junit_text_add(&c->out, text, len);
}

void pl_junit_case_stderr(pl_junit_case *c, const char *text, size_t len)
{
    pl_junit_text_add(&c->err, text, len);
}

/* ---- counting ---------------------------------------------------------------------- */

static void pl_junit_count_suite(const pl_junit_suite *s, pl_junit_counts *n)
{
    for (size_t i = 0; i < s->ncases; i++) {
        const pl_junit_case *c = s->cases[i];
        n->tests++;
        n->failures += c->status == PL_JUNIT_FAILURE;
        n->errors += c->status == PL_JUNIT_ERROR;
        n->skipped += c->status == PL_JUNIT_SKIPPED;
        n->time_ms += c->ms;
    }
}

pl_junit_counts pl_junit_count(const pl_junit *j, const pl_junit_suite *suite)
{
    pl_junit_counts n = {0, 0, 0, 0, 0};
    if (suite)
        pl_junit_count_suite(suite, &n);
    else
        for (size_t i = 0; i < j->nsuites; i++)
            pl_junit_count_suite(j->suites[i], &n);
    return n;
}

/* ---- rendering --------------------------------------------------------------------- */

/* The entity for c in text (attr = 0) or in an attribute value, or NULL. */
static const char *pl_junit_entity(char c, int attr)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>': /* always, so "]]>" can never appear */
        return "&gt;";
    case '\r': /* parsers would turn a raw CR into LF */
        return "&#13;";
    case '"':
        return attr ? "&quot;" : NULL;
    case '\'':
        return attr ? "&apos;" : NULL;
    case '\t': /* attribute-value normalisation would turn these into spaces */
        return attr ? "&#9;" : NULL;
    case '\n':
        return attr ? "&#10;" : NULL;
    default:
        return NULL;
    }
}

/* Appends cleaned text s[0..n) escaped for text content or an attribute value. */
static void pl_junit_escape(pl_buf *out, const char *s, size_t n, int attr)
{
    size_t run = 0; /* start of the pending unescaped run */
    for (size_t i = 0; i < n; i++) {
        const char *rep = pl_junit_entity(s[i], attr);
        if (!rep)
            continue;
        pl_buf_append(out, s + run, i - run);
        pl_buf_puts(out, rep);
        run = i + 1;
    }
    pl_buf_append(out, s + run, n - run);
}

/* Writes ` key="value"` (value already cleaned); nothing if value is NULL. */
static void pl_junit_attr(pl_buf *out, const char *key, const char *value)
{
    if (!value)
        return;
    pl_buf_printf(out, " %s=\"", key);
    pl_junit_escape(out, value, strlen(value), 1);
    pl_buf_putc(out, '"');
}

/* Milliseconds as decimal seconds "S.mmm", integer math only. */
static void pl_junit_time(pl_buf *out, long long ms)
{
    pl_buf_printf(out, " time=\"%lld.%03lld\"", ms / 1000, ms % 1000);
}

/* A raw bounded text cleaned and escaped as element content. */
static void pl_junit_text_out(pl_buf *out, const pl_junit_text *t)
{
    pl_buf clean = PL_BUF_INIT;
    pl_junit_text_clean(&clean, t);
    pl_junit_escape(out, clean.data, clean.len, 0);
    pl_buf_free(&clean);
}

static void pl_junit_render_props(pl_buf *out, const pl_junit *j, const pl_junit_suite *s)
{
    if (!j->props.n && !s->props.n)
        return;
    pl_buf_puts(out, "    <properties>\n");
    const pl_junit_props *lists[2] = {&j->props, &s->props};
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->n; i++) {
            pl_buf_puts(out, "      <property");
            pl_junit_attr(out, "name", lists[l]->items[i].name);
            pl_junit_attr(out, "value", lists[l]->items[i].value);
            pl_buf_puts(out, "/>\n");
        }
    pl_buf_puts(out, "    </properties>\n");
}

/* The verdict element of a failing, erroring or skipped case. */
static void pl_junit_render_verdict(pl_buf *out, const pl_junit_case *c)
{
    if (c->status == PL_JUNIT_SKIPPED) {
        if (c->message && *c->message) {
            pl_buf_puts(out, "      <skipped>");
            pl_junit_escape(out, c->message, strlen(c->message), 0);
            pl_buf_puts(out, "</skipped>\n");
        } else
            pl_buf_puts(out, "      <skipped/>\n");
        return;
    }
    const char *tag = c->status == PL_JUNIT_FAILURE ? "failure" : "error";
    pl_buf_printf(out, "      <%s", tag);
    pl_junit_attr(out, "message", c->message);
    pl_junit_attr(out, "type", c->type);
    if (pl_junit_text_empty(&c->detail)) {
        pl_buf_puts(out, "/>\n");
        return;
    }
    pl_buf_putc(out, '>');
    pl_junit_text_out(out, &c->detail);
    pl_buf_printf(out, "</%s>\n", tag);
}

static void pl_junit_render_stream(pl_buf *out, const char *tag, const pl_junit_text *t)
{
    if (pl_junit_text_empty(t))
        return;
    pl_buf_printf(out, "      <%s>", tag);
    pl_junit_text_out(out, t);
    pl_buf_printf(out, "</%s>\n", tag);
}

static void pl_junit_render_case(pl_buf *out, const pl_junit_case *c)
{
    pl_buf_puts(out, "    <testcase");
    pl_junit_attr(out, "name", c->name);
    pl_junit_attr(out, "classname", c->classname);
    pl_junit_time(out, c->ms);
    int body = c->status != PL_JUNIT_PASS || !pl_junit_text_empty(&c->out) ||
               !pl_junit_text_empty(&c->err);
    if (!body) {
        pl_buf_puts(out, "/>\n");
        return;
    }
    pl_buf_puts(out, ">\n");
    if (c->status != PL_JUNIT_PASS)
        pl_junit_render_verdict(out, c);
    pl_junit_render_stream(out, "system-out", &c->out);
    pl_junit_render_stream(out, "system-err", &c->err);
    pl_buf_puts(out, "    </testcase>\n");
}

static void pl_junit_render_suite(pl_buf *out, const pl_junit *j, const pl_junit_suite *s,
                                  size_t id)
{
    pl_junit_counts n = pl_junit_count(j, s);
    pl_buf_puts(out, "  <testsuite");
    pl_junit_attr(out, "name", s->name);
    pl_buf_printf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"", n.tests,
                  n.failures, n.errors, n.skipped);
    pl_junit_time(out, n.time_ms);
    pl_junit_attr(out, "timestamp", s->timestamp);
    pl_junit_attr(out, "hostname", s->hostname);
    pl_buf_printf(out, " id=\"%zu\">\n", id);
    pl_junit_render_props(out, j, s);
    for (size_t i = 0; i < s->ncases; i++)
        pl_junit_render_case(out, s->cases[i]);
    pl_buf_puts(out, "  </testsuite>\n");
}

char *pl_junit_render(const pl_junit *j)
{
    pl_buf out = PL_BUF_INIT;
    pl_junit_counts n = pl_junit_count(j, NULL);
    pl_buf_puts(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
    pl_junit_attr(&out, "name", j->name);
    /* No "skipped" here: the Jenkins XSD does not allow it on <testsuites>. */
    pl_buf_printf(&out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"", n.tests, n.failures,
                  n.errors);
    pl_junit_time(&out, n.time_ms);
    pl_buf_puts(&out, ">\n");
    for (size_t i = 0; i < j->nsuites; i++)
        pl_junit_render_suite(&out, j, j->suites[i], i);
    pl_buf_puts(&out, "</testsuites>\n");
    return pl_buf_take(&out);
}

int pl_junit_write(const pl_junit *j, const char *path, char *err, size_t errlen)
{
    char *xml = pl_junit_render(j);
    int rc = pl_file_write_atomic(path, xml, strlen(xml), err, errlen);
    free(xml);
    return rc;
}
