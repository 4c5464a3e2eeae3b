/* pl_cloud.c — shared helpers of the dialects' cloud APIs (see pl_cloud.h). */
#include "mock/pl_cloud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_log.h"
#include "mock/pl_catalog.h"
#include "schemas/pl_schema.h"

void pl_cloud_trace_exchange(pl_server *srv, const char *dialect, pl_dir dir, const char *kind,
                             const char *room, const cJSON *msg)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "ev", "cloud");
    cJSON_AddStringToObject(rec, "dialect", dialect);
    cJSON_AddStringToObject(rec, "dir", pl_dir_name(dir));
    cJSON_AddStringToObject(rec, "kind", kind);
    if (room && room[0])
        cJSON_AddStringToObject(rec, "room", room);
    cJSON_AddItemToObject(rec, "msg", msg ? cJSON_Duplicate(msg, 1) : cJSON_CreateNull());
    pl_server_trace_record(srv, rec);
}

void pl_cloud_trace_finding(pl_server *srv, const char *dialect, const pl_finding *f)
{
    pl_warn("%s: %s: %s", dialect, f->rule, f->message);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "ev", "finding");
    cJSON_AddStringToObject(rec, "dialect", dialect);
    cJSON_AddStringToObject(rec, "rule", f->rule);
    cJSON_AddStringToObject(rec, "level", pl_level_name(f->level));
    cJSON_AddStringToObject(rec, "message", f->message);
    pl_server_trace_record(srv, rec);
}

int pl_cloud_header(const pl_server_http_req *req, const char *name, char *out, size_t n)
{
    int l = req->header(req->impl, name, out, n);
    if (l < 0)
        out[0] = '\0';
    return l;
}

int pl_cloud_sig_header(const void *impl, const char *name, char *out, size_t n)
{
    const pl_cloud_sig *sg = impl;
    int l = pl_cloud_header(sg->req, name, out, n);
    char *colon = sg->host_without_port && !strcmp(name, "host") ? strrchr(out, ':') : NULL;
    if (colon && !strchr(colon, ']')) {
        *colon = '\0';
        l = (int)(colon - out);
    }
    return l;
}

int pl_cloud_schema_error(pl_server *srv, const char *kind, const cJSON *body, const char *prefix,
                          pl_cloud_param *out)
{
    memset(out, 0, sizeof *out);
    pl_catalog *cat = pl_server_catalog(srv);
    const cJSON *schema = cat ? pl_catalog_schema(cat, kind) : NULL;
    if (!schema)
        return 0;
    pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
    int bad = pl_schema_validate(pl_catalog_schemas(cat), schema, body, &errs) != 1 && errs.n;
    if (bad) {
        const pl_schema_error *e = &errs.v[0];
        char path[256];
        snprintf(path, sizeof path, "%s%s", prefix, e->instance_path);
        for (char *p = path; *p; p++)
            if (*p == '/')
                *p = '.';
        const char *pp = path[0] == '.' ? path + 1 : path;
        const char *q = strchr(e->message ? e->message : "", '"');
        const char *q2 = q ? strchr(q + 1, '"') : NULL;
        out->missing = !strcmp(e->keyword, "required");
        if (out->missing && q2)
            snprintf(out->param, sizeof out->param, "%s%s%.*s", pp, pp[0] ? "." : "",
                     (int)(q2 - q - 1 > 200 ? 200 : q2 - q - 1), q + 1);
        else if (!out->missing)
            snprintf(out->param, sizeof out->param, "%s", pp);
        out->what = pl_schema_error_format(e);
        out->keyword_additional = !strcmp(e->keyword, "additionalProperties");
        out->keyword_type = !strcmp(e->keyword, "type");
    }
    pl_schema_errors_free(&errs);
    free(errs.v);
    return bad;
}

void pl_cloud_param_free(pl_cloud_param *p)
{
    free(p->what);
    p->what = NULL;
}
