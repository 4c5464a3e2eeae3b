/* trtc_upstream.h — checks of the integrator's answers to parley's outbound calls: the
 * OpenAI-compatible LLM (trtc.md §4, SSE or JSON) and the custom TTS (trtc.md §5, raw audio
 * with Transfer-Encoding: chunked and an audio Content-Type by Format, or a JSON error).
 * Findings (rule ids trtc.llm.*, trtc.tts.*; catalog in pl_trtc_rules_catalog()) go
 * through the callback; every message says what was expected and what came. Stateless. */
#ifndef PL_TRTC_UPSTREAM_H
#define PL_TRTC_UPSTREAM_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/pl_finding.h"

typedef struct {
    char *text;      /* the reply text (malloc'd, "" when none) */
    cJSON *metainfo; /* a meta.info chunk's / message's metainfo, or NULL */
    int failed;      /* 1: no usable reply (status, shape, error JSON) */
    char code[64], message[256]; /* error JSON's code/message when there was one */
} pl_trtc_llm_result;

/* Checks an LLM answer (whole body as received) and extracts the reply. streaming: the
 * request had stream:true. content_type NULL when the header was missing. body need not
 * be NUL-terminated. out is always filled (free with pl_trtc_llm_result_free). */
void pl_trtc_llm_check(int streaming, int status, const char *content_type, const char *body,
                       size_t len, pl_trtc_llm_result *out, pl_finding_fn emit, void *user);
void pl_trtc_llm_result_free(pl_trtc_llm_result *r);

typedef struct {
    const char *format; /* "pcm" | "wav" | "mp3" | "ogg_opus" as requested (NULL: wav) */
    int sample_rate, channels; /* <= 0: 16000 / 1 */
} pl_trtc_tts_want;

/* Checks a custom-TTS answer; returns the audio duration in ms (0 when none / failed;
 * mp3 and ogg_opus are not measured: 0). */
double pl_trtc_tts_check(const pl_trtc_tts_want *w, int status, const char *content_type,
                         int chunked, const void *body, size_t len, pl_finding_fn emit, void *user);

#endif
