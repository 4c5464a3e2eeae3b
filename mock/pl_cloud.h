/* pl_cloud.h — what the server-side halves of the dialects with a cloud API share
 * (mock/dialects/trtc_cloud.c, volc_cloud.c): the trace records of an exchange or a finding
 * that belongs to no live session, header lookup in an API request (with the Host-without-
 * port variant the signature checks retry with), and the first schema error of a request
 * body in the terms an API gateway answers with (which parameter, missing or invalid).
 * Each dialect keeps its own envelope, codes and wording. */
#ifndef PL_CLOUD_H
#define PL_CLOUD_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/pl_finding.h"
#include "mock/pl_server.h"

/* An exchange of the dialect's cloud with no session to judge it in: a trace record
 * {"ev":"cloud","dialect","dir","kind","room"?,"msg"} (msg is copied; NULL → null). */
void pl_cloud_trace_exchange(pl_server *srv, const char *dialect, pl_dir dir, const char *kind,
                             const char *room, const cJSON *msg);
/* A finding with no session: one line on stderr and a trace record {"ev":"finding",…}. */
void pl_cloud_trace_finding(pl_server *srv, const char *dialect, const pl_finding *f);

/* An API request's header as the signature checks read it. */
typedef struct {
    const pl_server_http_req *req;
    int host_without_port; /* 1: the Host value without ":port" (a signer given a bare host) */
} pl_cloud_sig;
/* The value of header name into out (n bytes); "" and -1 when the request has none. */
int pl_cloud_header(const pl_server_http_req *req, const char *name, char *out, size_t n);
/* pl_tc3_header_fn over a pl_cloud_sig (impl). */
int pl_cloud_sig_header(const void *impl, const char *name, char *out, size_t n);

/* The first error of body against the catalog's schema of kind, as a gateway names it. */
typedef struct {
    int missing;            /* 1: a required member is absent (MissingParameter) */
    int keyword_additional; /* 1: an unknown member (additionalProperties) */
    int keyword_type;       /* 1: a member of the wrong type */
    char param[512];        /* the parameter: "AgentConfig.UserId" (prefix + instance path);
                               with missing the absent member's full name ("Config"), or ""
                               when the validator's text does not name it */
    char *what;         /* the validator's text (malloc'd; free with pl_cloud_param_free) */
} pl_cloud_param;
/* 1 and *out filled when body does not match; 0 when it does or no schema exists for kind.
 * prefix ("" or a parameter name such as "LLMConfig") goes before the instance path. */
int pl_cloud_schema_error(pl_server *srv, const char *kind, const cJSON *body, const char *prefix,
                          pl_cloud_param *out);
void pl_cloud_param_free(pl_cloud_param *p);

#endif
