/* pl_schema_uri.c — the URI arithmetic $ref and $id need (RFC 3986 §5.2 reference
 * resolution with dot-segment removal), percent-decoding of fragments, and JSON
 * pointer token escaping (RFC 6901) for the paths reported in errors. No I/O. */
#include "schemas/pl_schema_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s;
    size_t n;
    int def;
} uri_part;

typedef struct {
    uri_part scheme, auth, path, query, frag;
} uri_parts;

static void uri_parse(const char *u, uri_parts *p)
{
    memset(p, 0, sizeof *p);
    const char *s = u;
    if (isalpha((unsigned char)*s)) {
        const char *q = s + 1;
        while (isalnum((unsigned char)*q) || *q == '+' || *q == '-' || *q == '.')
            q++;
        if (*q == ':') {
            p->scheme = (uri_part){s, (size_t)(q - s), 1};
            s = q + 1;
        }
    }
    if (s[0] == '/' && s[1] == '/') {
        s += 2;
        size_t n = strcspn(s, "/?#");
        p->auth = (uri_part){s, n, 1};
        s += n;
    }
    size_t n = strcspn(s, "?#");
    p->path = (uri_part){s, n, 1};
    s += n;
    if (*s == '?') {
        s++;
        n = strcspn(s, "#");
        p->query = (uri_part){s, n, 1};
        s += n;
    }
    if (*s == '#') {
        s++;
        p->frag = (uri_part){s, strlen(s), 1};
    }
}

/* RFC 3986 §5.2.4, appending the result to out. Works on a private copy because steps
 * B and C rewrite the head of the input. */
static void remove_dot_segments(pl_buf *out, const char *src, size_t n)
{
    char *in = pl_xstrndup(src, n);
    size_t start = out->len, i = 0;
    while (i < n) {
        const char *p = in + i;
        size_t left = n - i;
        if (left >= 3 && !strncmp(p, "../", 3)) {
            i += 3;
        } else if (left >= 2 && !strncmp(p, "./", 2)) {
            i += 2;
        } else if (left >= 3 && !strncmp(p, "/./", 3)) {
            i += 2;
        } else if (left == 2 && !strncmp(p, "/.", 2)) {
            in[i + 1] = '/';
            i += 1;
        } else if ((left >= 4 && !strncmp(p, "/../", 4)) || (left == 3 && !strncmp(p, "/..", 3))) {
            if (left == 3)
                in[i + 2] = '/';
            i += (left == 3) ? 2 : 3;
            size_t k = out->len;
            while (k > start && out->data[k - 1] != '/')
                k--;
            pl_buf_truncate(out, k > start ? k - 1 : start);
        } else if ((left == 1 && p[0] == '.') || (left == 2 && !strncmp(p, "..", 2))) {
            break;
        } else {
            size_t seg = (p[0] == '/') ? 1 : 0;
            while (seg < left && p[seg] != '/')
                seg++;
            pl_buf_append(out, p, seg);
            i += seg;
        }
    }
    free(in);
}

static void put_part(pl_buf *b, const char *pre, const uri_part *p, const char *post)
{
    if (!p->def)
        return;
    pl_buf_puts(b, pre);
    pl_buf_append(b, p->s, p->n);
    pl_buf_puts(b, post);
}

char *pl_schema_uri_resolve(const char *base, const char *ref)
{
    uri_parts B, R;
    uri_parse(base ? base : "", &B);
    uri_parse(ref, &R);
    pl_buf out = PL_BUF_INIT;
    pl_buf_puts(&out, "");
    const uri_part *scheme = R.scheme.def ? &R.scheme : &B.scheme;
    put_part(&out, "", scheme, ":");
    if (R.scheme.def || R.auth.def) {
        put_part(&out, "//", &R.auth, "");
        remove_dot_segments(&out, R.path.s, R.path.n);
        put_part(&out, "?", &R.query, "");
    } else {
        put_part(&out, "//", &B.auth, "");
        if (R.path.n == 0) {
            pl_buf_append(&out, B.path.s, B.path.n);
            put_part(&out, "?", R.query.def ? &R.query : &B.query, "");
        } else {
            if (R.path.s[0] == '/') {
                remove_dot_segments(&out, R.path.s, R.path.n);
            } else {
                pl_buf merged = PL_BUF_INIT;
                if (B.auth.def && B.path.n == 0) {
                    pl_buf_putc(&merged, '/');
                } else {
                    size_t k = B.path.n;
                    while (k > 0 && B.path.s[k - 1] != '/')
                        k--;
                    pl_buf_append(&merged, B.path.s, k);
                }
                pl_buf_append(&merged, R.path.s, R.path.n);
                remove_dot_segments(&out, merged.data, merged.len);
                pl_buf_free(&merged);
            }
            put_part(&out, "?", &R.query, "");
        }
    }
    put_part(&out, "#", &R.frag, "");
    return pl_buf_take(&out);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *pl_schema_pct_decode(const char *s, size_t n)
{
    pl_buf b = PL_BUF_INIT;
    pl_buf_puts(&b, "");
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            pl_buf_putc(&b, (char)(hi * 16 + lo));
            i += 2;
        } else {
            pl_buf_putc(&b, s[i]);
        }
    }
    return pl_buf_take(&b);
}

char *pl_schema_uri_split(const char *uri, char **frag)
{
    const char *h = strchr(uri, '#');
    if (frag)
        *frag = (h && h[1]) ? pl_schema_pct_decode(h + 1, strlen(h + 1)) : NULL;
    return h ? pl_xstrndup(uri, (size_t)(h - uri)) : pl_xstrdup(uri);
}

void pl_schema_ptr_push(pl_buf *b, const char *token)
{
    pl_buf_putc(b, '/');
    for (const char *p = token; *p; p++) {
        if (*p == '~')
            pl_buf_puts(b, "~0");
        else if (*p == '/')
            pl_buf_puts(b, "~1");
        else
            pl_buf_putc(b, *p);
    }
}

void pl_schema_ptr_push_index(pl_buf *b, size_t i)
{
    pl_buf_printf(b, "/%zu", i);
}
