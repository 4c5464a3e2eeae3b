/* bench_core.c — figures for the hot paths of the core layer: schema validation of
 * catalog messages (every frame of every session goes through it), YAML loading
 * (every scenario file), SHA-256/HMAC (every signed request), trace records.
 * Prints one line per figure; not a test (timings never gate CI). Run from the
 * source tree: build/bench_core [iterations]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_crypto.h"
#include "core/pl_json.h"
#include "core/pl_trace.h"
#include "core/pl_yaml.h"
#include "schemas/pl_schema.h"

static cJSON *bench_load_json(const char *path)
{
    char err[1200];
    cJSON *j = pl_json_load_file(path, err, sizeof err);
    if (!j) {
        fprintf(stderr, "bench: %s\n", err);
        exit(2);
    }
    return j;
}

static void bench_report(const char *what, long n, int64_t us)
{
    printf("%-44s %9ld ops  %9.3f us/op  %11.0f ops/s\n", what, n, (double)us / (double)n,
           us ? (double)n * 1e6 / (double)us : 0.0);
}

static void bench_schema(long n)
{
    char err[512];
    pl_schema_set *set = pl_schema_set_new("schemas");
    const cJSON *s_ok = pl_schema_set_load(set, "aicall/1105.json", err, sizeof err);
    const cJSON *s_st = pl_schema_set_load(set, "aicall/1001.json", err, sizeof err);
    if (!s_ok || !s_st) {
        fprintf(stderr, "bench: %s\n", err);
        exit(2);
    }
    cJSON *good = cJSON_Parse("{\"type\":1105,\"senderId\":\"u1\",\"receiverId\":\"agent\","
                              "\"seqId\":7,\"data\":{\"enable\":true}}");
    cJSON *bad = cJSON_Parse("{\"type\":1105,\"senderId\":1,\"data\":{\"enable\":\"yes\"}}");
    cJSON *state = bench_load_json("tests/data/aicall/valid/1001_robot_status_doc.json");
    int64_t t0 = pl_clock_mono_us();
    for (long i = 0; i < n; i++)
        pl_schema_validate(set, s_ok, good, NULL);
    bench_report("schema: valid aicall.1105", n, pl_clock_mono_us() - t0);
    t0 = pl_clock_mono_us();
    for (long i = 0; i < n; i++)
        pl_schema_validate(set, s_st, state, NULL);
    bench_report("schema: valid aicall.1001", n, pl_clock_mono_us() - t0);
    t0 = pl_clock_mono_us();
    for (long i = 0; i < n; i++) {
        pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
        pl_schema_validate(set, s_ok, bad, &errs);
        pl_schema_errors_free(&errs);
    }
    bench_report("schema: invalid aicall.1105, errors collected", n, pl_clock_mono_us() - t0);
    cJSON_Delete(good);
    cJSON_Delete(bad);
    cJSON_Delete(state);
    pl_schema_set_free(set);
}

static void bench_yaml(long n)
{
    char err[512];
    size_t len;
    char *text = pl_file_read("tests/data/yaml/good/scenario.yaml", &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "bench: %s\n", err);
        exit(2);
    }
    int64_t t0 = pl_clock_mono_us();
    for (long i = 0; i < n; i++) {
        pl_yaml_error ye;
        pl_yaml_free(pl_yaml_load_string("scenario.yaml", text, len, &ye));
    }
    bench_report("yaml: load scenario.yaml (with positions)", n, pl_clock_mono_us() - t0);
    free(text);
}

static void bench_crypto(long n)
{
    char body[1024], hex[65];
    unsigned char mac[32];
    memset(body, 'a', sizeof body);
    int64_t t0 = pl_clock_mono_us();
    for (long i = 0; i < n; i++)
        pl_crypto_sha256_hex(body, sizeof body, hex);
    bench_report("crypto: sha256 hex of 1 KiB", n, pl_clock_mono_us() - t0);
    t0 = pl_clock_mono_us();
    for (long i = 0; i < n; i++)
        pl_crypto_hmac_sha256("key", 3, body, 64, mac);
    bench_report("crypto: hmac-sha256 of 64 B", n, pl_clock_mono_us() - t0);
}

static void bench_trace(long n)
{
    char err[512];
    pl_trace *t = pl_trace_open("/dev/null", err, sizeof err);
    const char *msg = "{\"type\":1105,\"senderId\":\"u1\",\"receiverId\":\"agent\",\"data\":{\"enable\":true}}";
    int64_t t0 = pl_clock_mono_us();
    for (long i = 0; i < n; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "ev", "msg");
        cJSON_AddStringToObject(r, "kind", "aicall.1105");
        pl_trace_add_payload(r, msg, strlen(msg), 0);
        pl_trace_record(t, r);
    }
    pl_trace_close(t);
    bench_report("trace: message record to /dev/null", n, pl_clock_mono_us() - t0);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    if (n <= 0)
        n = 100000;
    bench_schema(n);
    bench_yaml(n / 20 ? n / 20 : 1);
    bench_crypto(n);
    bench_trace(n);
    return 0;
}
