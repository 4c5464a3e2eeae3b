/* test_schema.c — focused tests of the draft-07 validator (schemas/pl_schema.h): the exact
 * error paths and messages, Unicode string lengths, $ref across files under a root dir
 * (fixtures in tests/data/schema/), $id handling, ref cycles, instance depth limit, bad
 * regexes, the regex cache, multipleOf with floats, and the bundled meta-schema. The
 * official test suite runs separately in test_schema_suite.c. */
#include "pl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "schemas/pl_schema.h"

#define FIXTURES "tests/data/schema"

static cJSON *J(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    if (!j)
        fprintf(stderr, "bad JSON in test: %s\n", text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    return j;
}

static void dump(const pl_schema_errors *e)
{
    for (size_t i = 0; i < e->n; i++) {
        char *s = pl_schema_error_format(&e->v[i]);
        printf("\n    [%zu] %s (keyword %s)", i, s, e->v[i].keyword);
        free(s);
    }
}

/* Index of the error whose formatted text is exactly want, or -1 (after a dump). */
static int find_err(const pl_schema_errors *e, const char *want)
{
    for (size_t i = 0; i < e->n; i++) {
        char *s = pl_schema_error_format(&e->v[i]);
        int hit = !strcmp(s, want);
        free(s);
        if (hit)
            return (int)i;
    }
    printf("\n    missing error: %s; have:", want);
    dump(e);
    return -1;
}

/* Validates instance text against schema text; returns rc, errors in *errs if given. */
static int run(pl_schema_set *set, const char *schema, const char *inst, pl_schema_errors *errs)
{
    cJSON *s = J(schema), *i = J(inst);
    int rc = pl_schema_validate(set, s, i, errs);
    if (errs)
        for (size_t k = 0; k < errs->n; k++)
            errs->v[k].instance = NULL; /* i is freed below */
    cJSON_Delete(s);
    cJSON_Delete(i);
    return rc;
}

/* Validates and expects rc plus exactly one error formatted as want (NULL: no check). */
static void expect1(pl_schema_set *set, const char *schema, const char *inst, int rc,
                    const char *want)
{
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    int got = run(set, schema, inst, &e);
    if (got != rc)
        printf("\n    %s on %s: rc %d, expected %d", schema, inst, got, rc);
    CU_ASSERT_EQUAL(got, rc);
    if (want) {
        CU_ASSERT_EQUAL(e.n, 1);
        CU_ASSERT(find_err(&e, want) == 0);
    }
    pl_schema_errors_free(&e);
}

static void test_error_format_and_instance(void)
{
    pl_schema_set *set = pl_schema_set_new(NULL);
    cJSON *s = J("{\"properties\":{\"data\":{\"properties\":{\"enable\":{\"type\":\"boolean\"}}}}}");
    cJSON *i = J("{\"data\":{\"enable\":\"yes\"}}");
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(pl_schema_validate(set, s, i, &e), 0);
    CU_ASSERT_EQUAL_FATAL(e.n, 1);
    char *f = pl_schema_error_format(&e.v[0]);
    CU_ASSERT_STRING_EQUAL(f, "/data/enable: expected boolean, got string "
                              "(schema /properties/data/properties/enable/type)");
    free(f);
    CU_ASSERT_STRING_EQUAL(e.v[0].instance_path, "/data/enable");
    CU_ASSERT_STRING_EQUAL(e.v[0].schema_path, "/properties/data/properties/enable/type");
    CU_ASSERT_STRING_EQUAL(e.v[0].keyword, "type");
    CU_ASSERT_PTR_EQUAL(e.v[0].instance,
                        cJSON_GetObjectItem(cJSON_GetObjectItem(i, "data"), "enable"));
    /* out == NULL gives the same verdict */
    CU_ASSERT_EQUAL(pl_schema_validate(set, s, i, NULL), 0);
    pl_schema_errors_free(&e);
    cJSON_Delete(s);
    cJSON_Delete(i);

    /* root errors print as (root) */
    expect1(set, "{\"required\":[\"type\"]}", "{}", 0,
            "(root): missing required property \"type\" (schema /required)");
    expect1(set, "false", "1", 0, "(root): no value allowed here (schema is false) (schema root)");
    pl_schema_set_free(set);
}

static void test_all_errors_across_files(void)
{
    char err[256];
    pl_schema_set *set = pl_schema_set_new(FIXTURES);
    const cJSON *msg = pl_schema_set_load(set, "msg.json", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
    CU_ASSERT_PTR_EQUAL(pl_schema_set_load(set, "msg.json", err, sizeof err), msg); /* cached */
    /* a path relative to the working directory names the same (cached) document */
    CU_ASSERT_PTR_EQUAL(pl_schema_set_load(set, FIXTURES "/msg.json", err, sizeof err), msg);
    cJSON *i = J("{\"type\":1107,\"data\":{\"enable\":\"yes\",\"name\":\"abcdefghijkl\"},\"foo\":1}");
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(pl_schema_validate(set, msg, i, &e), 0);
    CU_ASSERT_EQUAL(e.n, 4);
    CU_ASSERT(find_err(&e, "/type: value not in enum [1105, 1106] (schema /properties/type/enum)") >= 0);
    CU_ASSERT(find_err(&e, "/data/enable: expected boolean, got string "
                           "(schema /properties/data/$ref/properties/enable/type)") >= 0);
    CU_ASSERT(find_err(&e, "/data/name: string longer than 10 characters (12) "
                           "(schema /properties/data/$ref/properties/name/$ref/maxLength)") >= 0);
    int k = find_err(&e, "/foo: additional property \"foo\" not allowed (schema /additionalProperties)");
    CU_ASSERT(k >= 0);
    if (k >= 0)
        CU_ASSERT_PTR_EQUAL(e.v[k].instance, cJSON_GetObjectItem(i, "foo"));
    pl_schema_errors_free(&e);
    cJSON_Delete(i);

    i = J("{}");
    CU_ASSERT_EQUAL(pl_schema_validate(set, msg, i, &e), 0);
    CU_ASSERT_EQUAL(e.n, 2);
    CU_ASSERT(find_err(&e, "(root): missing required property \"type\" (schema /required)") >= 0);
    CU_ASSERT(find_err(&e, "(root): missing required property \"data\" (schema /required)") >= 0);
    pl_schema_errors_free(&e);
    cJSON_Delete(i);

    pl_schema_stats st;
    pl_schema_set_stats(set, &st);
    CU_ASSERT_EQUAL(st.documents, 2); /* msg.json + common.json, each loaded once */
    pl_schema_set_free(set);
}

static void test_file_refs(void)
{
    char err[256];
    pl_schema_set *set = pl_schema_set_new(FIXTURES);
    /* "../common.json" from sub/ */
    const cJSON *nested = pl_schema_set_load(set, "sub/nested.json", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nested);
    cJSON *i = J("{\"name\":\"abcdefghijk\"}");
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(pl_schema_validate(set, nested, i, &e), 0);
    CU_ASSERT(find_err(&e, "/name: string longer than 10 characters (11) "
                           "(schema /properties/name/$ref/maxLength)") == 0);
    pl_schema_errors_free(&e);
    cJSON_Delete(i);

    /* a node inside a loaded document keeps that document's base URI */
    const cJSON *common = pl_schema_set_resolve(set, "tests/data/schema/common.json", err, sizeof err);
    CU_ASSERT_PTR_NULL(common); /* not an absolute URI known to the set */
    common = pl_schema_set_load(set, "common.json", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(common);
    const cJSON *data = cJSON_GetObjectItem(cJSON_GetObjectItem(common, "definitions"), "data");
    i = J("{\"name\":\"abcdefghijkl\"}");
    CU_ASSERT_EQUAL(pl_schema_validate(set, data, i, &e), 0);
    CU_ASSERT(find_err(&e, "/name: string longer than 10 characters (12) "
                           "(schema /properties/name/$ref/maxLength)") == 0);
    pl_schema_errors_free(&e);
    cJSON_Delete(i);

    /* a $ref may not leave the root */
    const cJSON *esc = pl_schema_set_load(set, "escape.json", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(esc);
    i = J("1");
    CU_ASSERT_EQUAL(pl_schema_validate(set, esc, i, &e), -1);
    CU_ASSERT_EQUAL_FATAL(e.n, 1);
    CU_ASSERT_STRING_EQUAL(e.v[0].keyword, "$ref");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.v[0].message, "outside the schema root"));
    pl_schema_errors_free(&e);
    cJSON_Delete(i);

    /* load errors */
    CU_ASSERT_PTR_NULL(pl_schema_set_load(set, "missing.json", err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing.json"));
    CU_ASSERT_PTR_NULL(pl_schema_set_load(set, "broken.json", err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "broken.json:4:1: invalid JSON"));
    pl_schema_set_free(set);
}

static void test_utf8_lengths(void)
{
    pl_schema_set *set = pl_schema_set_new(NULL);
    expect1(set, "{\"maxLength\":3}", "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\"", 1, NULL); /* 日本語 */
    expect1(set, "{\"maxLength\":3}", "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e!\"", 0,
            "(root): string longer than 3 characters (4) (schema /maxLength)");
    expect1(set, "{\"maxLength\":3}", "\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"", 1, NULL);
    expect1(set, "{\"maxLength\":1}", "\"\\ud83d\\ude00\"", 1, NULL); /* escaped surrogate pair */
    expect1(set, "{\"minLength\":2}", "\"\xc3\xa9\"", 0,
            "(root): string shorter than 2 characters (1) (schema /minLength)");
    pl_schema_set_free(set);
}

static void test_ref_cycles(void)
{
    pl_schema_set *set = pl_schema_set_new(NULL);
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(run(set, "{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/b\"},"
                             "\"b\":{\"$ref\":\"#/definitions/a\"}},\"$ref\":\"#/definitions/a\"}",
                        "1", &e), -1);
    CU_ASSERT_EQUAL_FATAL(e.n, 1);
    CU_ASSERT_STRING_EQUAL(e.v[0].keyword, "$ref");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.v[0].message, "cycle"));
    pl_schema_errors_free(&e);
    CU_ASSERT_EQUAL(run(set, "{\"$ref\":\"#\"}", "{}", &e), -1);
    CU_ASSERT_EQUAL(e.n, 1);
    pl_schema_errors_free(&e);
    /* recursion that consumes the instance is fine */
    expect1(set, "{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}]}",
            "[[[[1]],[2,[3]]]]", 1, NULL);
    expect1(set, "{\"properties\":{\"next\":{\"$ref\":\"#\"},\"v\":{\"type\":\"integer\"}}}",
            "{\"next\":{\"next\":{\"next\":{\"v\":\"x\"}}}}", 0,
            "/next/next/next/v: expected integer, got string "
            "(schema /properties/next/$ref/properties/next/$ref/properties/next/$ref/properties/v/type)");
    /* unresolvable */
    expect1(set, "{\"$ref\":\"#/definitions/nope\"}", "1", -1,
            "(root): cannot resolve \"#/definitions/nope\": JSON pointer \"/definitions/nope\" "
            "not found in the schema (schema /$ref)");
    expect1(set, "{\"$ref\":\"http://example.com/x.json\"}", "1", -1, NULL);
    pl_schema_set_free(set);
}

static char *nested_array(int depth)
{
    pl_buf b = PL_BUF_INIT;
    for (int k = 0; k < depth; k++)
        pl_buf_putc(&b, '[');
    for (int k = 0; k < depth; k++)
        pl_buf_putc(&b, ']');
    return pl_buf_take(&b);
}

static void test_deep_nesting(void)
{
    pl_schema_set *set = pl_schema_set_new(NULL);
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    char *deep = nested_array(600);
    CU_ASSERT_EQUAL(run(set, "{\"items\":{\"$ref\":\"#\"}}", deep, &e), 0);
    CU_ASSERT_EQUAL_FATAL(e.n, 1);
    CU_ASSERT_STRING_EQUAL(e.v[0].keyword, "depth");
    CU_ASSERT_STRING_EQUAL(e.v[0].message, "instance nested deeper than 512 levels");
    CU_ASSERT_EQUAL(strlen(e.v[0].instance_path), 2 * 513);
    pl_schema_errors_free(&e);
    free(deep);
    deep = nested_array(500);
    expect1(set, "{\"items\":{\"$ref\":\"#\"}}", deep, 1, NULL);
    expect1(set, "{\"type\":\"array\"}", deep, 1, NULL); /* not descended: no limit hit */
    free(deep);
    pl_schema_set_free(set);
}

static void test_bad_regex(void)
{
    pl_schema_set *set = pl_schema_set_new(NULL);
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(run(set, "{\"pattern\":\"(unclosed\"}", "\"x\"", &e), -1);
    CU_ASSERT_EQUAL_FATAL(e.n, 1);
    CU_ASSERT_STRING_EQUAL(e.v[0].keyword, "pattern");
    CU_ASSERT_STRING_EQUAL(e.v[0].schema_path, "/pattern");
    CU_ASSERT(!strncmp(e.v[0].message, "invalid regex \"(unclosed\": ", 27));
    pl_schema_errors_free(&e);
    /* reported whatever the instance type, and only once per schema location */
    expect1(set, "{\"pattern\":\"[\"}", "12", -1, NULL);
    CU_ASSERT_EQUAL(run(set, "{\"items\":{\"pattern\":\"a{2,1}\"}}", "[\"a\",\"b\",\"c\"]", &e), -1);
    CU_ASSERT_EQUAL(e.n, 1);
    pl_schema_errors_free(&e);
    CU_ASSERT_EQUAL(run(set, "{\"patternProperties\":{\"[\":{}}}", "{}", &e), -1);
    CU_ASSERT_EQUAL_FATAL(e.n, 1);
    CU_ASSERT_STRING_EQUAL(e.v[0].schema_path, "/patternProperties/[");
    pl_schema_errors_free(&e);
    /* a bad regex inside a failing anyOf branch still surfaces */
    CU_ASSERT_EQUAL(run(set, "{\"anyOf\":[{\"pattern\":\"(\"},{\"type\":\"null\"}]}", "\"x\"", &e), -1);
    pl_schema_errors_free(&e);
    pl_schema_set_free(set);
}

static void test_regex_cache(void)
{
    pl_schema_set *set = pl_schema_set_new(NULL);
    cJSON *s = J("{\"properties\":{\"a\":{\"pattern\":\"^a+$\"}},"
                 "\"patternProperties\":{\"^x-\":{\"type\":\"string\"}},"
                 "\"additionalProperties\":false}");
    cJSON *ok = J("{\"a\":\"aaa\",\"x-1\":\"s\"}");
    cJSON *bad = J("{\"a\":\"ab\",\"x-1\":2,\"y\":0}");
    pl_schema_stats st;
    for (int k = 0; k < 50; k++) {
        CU_ASSERT_EQUAL(pl_schema_validate(set, s, ok, NULL), 1);
        pl_schema_set_stats(set, &st);
        CU_ASSERT_EQUAL(st.regex_compiles, 2);
    }
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(pl_schema_validate(set, s, bad, &e), 0);
    CU_ASSERT_EQUAL(e.n, 3);
    CU_ASSERT(find_err(&e, "/a: string does not match pattern \"^a+$\" "
                           "(schema /properties/a/pattern)") >= 0);
    CU_ASSERT(find_err(&e, "/x-1: expected string, got integer "
                           "(schema /patternProperties/^x-/type)") >= 0);
    CU_ASSERT(find_err(&e, "/y: additional property \"y\" not allowed "
                           "(schema /additionalProperties)") >= 0);
    pl_schema_set_stats(set, &st);
    CU_ASSERT_EQUAL(st.regex_compiles, 2);
    CU_ASSERT_EQUAL(st.regexes, 2);
    /* patterns search (unanchored) and understand UTF-8 */
    expect1(set, "{\"pattern\":\"b.d\"}", "\"abcde\"", 1, NULL);
    expect1(set, "{\"pattern\":\"^.$\"}", "\"\xc3\xa9\"", 1, NULL);
    pl_schema_errors_free(&e);
    cJSON_Delete(s);
    cJSON_Delete(ok);
    cJSON_Delete(bad);
    pl_schema_set_free(set);
}

static void test_multiple_of(void)
{
    static const struct {
        const char *x, *m;
        int valid;
    } cases[] = {
        {"0.0075", "0.0001", 1}, {"0.00751", "0.0001", 0}, {"0.3", "0.1", 1},
        {"1.1", "0.1", 1},       {"0.07", "0.01", 1},      {"19.99", "0.01", 1},
        {"4.5", "1.5", 1},       {"4.5", "2", 0},          {"7", "0.5", 1},
        {"10", "3", 0},          {"12", "3", 1},           {"-9", "3", 1},
        {"0", "0.7", 1},         {"1e308", "0.123456789", 0}, {"0.00001", "1", 0},
        {"1000000.001", "1", 0}, {"123456789.1", "0.1", 1},
    };
    pl_schema_set *set = pl_schema_set_new(NULL);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char schema[64];
        snprintf(schema, sizeof schema, "{\"multipleOf\":%s}", cases[k].m);
        int rc = run(set, schema, cases[k].x, NULL);
        if (rc != cases[k].valid)
            printf("\n    %s multipleOf %s: got %d", cases[k].x, cases[k].m, rc);
        CU_ASSERT_EQUAL(rc, cases[k].valid);
    }
    expect1(set, "{\"multipleOf\":2}", "7", 0, "(root): value 7 is not a multiple of 2 (schema /multipleOf)");
    pl_schema_set_free(set);
}

static void test_types_and_equality(void)
{
    pl_schema_set *set = pl_schema_set_new(NULL);
    expect1(set, "{\"type\":\"integer\"}", "1.0", 1, NULL);
    expect1(set, "{\"type\":\"integer\"}", "1.5", 0, "(root): expected integer, got number (schema /type)");
    expect1(set, "{\"type\":[\"string\",\"null\"]}", "1", 0,
            "(root): expected string or null, got integer (schema /type)");
    expect1(set, "{\"type\":[\"string\",\"array\",\"null\"]}", "{}", 0,
            "(root): expected string, array or null, got object (schema /type)");
    expect1(set, "{\"const\":1}", "1.0", 1, NULL);
    expect1(set, "{\"const\":{\"a\":[1,{\"b\":null}]}}", "{\"a\":[1.0,{\"b\":null}]}", 1, NULL);
    expect1(set, "{\"const\":\"ping\"}", "\"pong\"", 0,
            "(root): expected \"ping\", got \"pong\" (schema /const)");
    expect1(set, "{\"enum\":[{\"a\":1},[1,2]]}", "{\"a\":1.0}", 1, NULL);
    expect1(set, "{\"uniqueItems\":true}", "[1,{\"a\":[2]},3,{\"a\":[2.0]}]", 0,
            "/3: item 3 duplicates item 1 (schema /uniqueItems)");
    expect1(set, "{\"format\":\"email\"}", "\"not an email\"", 1, NULL); /* annotation only */
    expect1(set, "{\"x-unknown\":{\"type\":\"string\"}}", "1", 1, NULL);
    expect1(set, "{\"minimum\":10}", "2.5", 0, "(root): value 2.5 is less than minimum 10 (schema /minimum)");
    expect1(set, "{\"exclusiveMaximum\":10}", "10", 0,
            "(root): value 10 is not less than exclusive maximum 10 (schema /exclusiveMaximum)");
    expect1(set, "{\"maxItems\":1}", "[1,2]", 0, "(root): array has more than 1 items (2) (schema /maxItems)");
    expect1(set, "{\"items\":[{}],\"additionalItems\":false}", "[1,2,3]", 0,
            "/1: additional item not allowed (array has 3 items, at most 1 allowed) (schema /additionalItems)");
    expect1(set, "{\"contains\":{\"const\":5}}", "[1,2]", 0,
            "(root): array has no item matching \"contains\" (schema /contains)");
    expect1(set, "{\"dependencies\":{\"a\":[\"b\"]}}", "{\"a\":1}", 0,
            "(root): property \"a\" requires property \"b\" (schema /dependencies/a)");
    expect1(set, "{\"dependencies\":{\"a\":{\"required\":[\"c\"]}}}", "{\"a\":1}", 0,
            "(root): missing required property \"c\" (schema /dependencies/a/required)");
    pl_schema_set_free(set);
}

static void test_property_names(void)
{
    pl_schema_set *set = pl_schema_set_new(NULL);
    cJSON *s = J("{\"propertyNames\":{\"maxLength\":3}}");
    cJSON *i = J("{\"abcd\":1,\"ab\":2}");
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(pl_schema_validate(set, s, i, &e), 0);
    CU_ASSERT_EQUAL_FATAL(e.n, 1);
    CU_ASSERT(find_err(&e, "/abcd: property name \"abcd\": string longer than 3 characters (4) "
                           "(schema /propertyNames/maxLength)") == 0);
    CU_ASSERT_PTR_EQUAL(e.v[0].instance, cJSON_GetObjectItem(i, "abcd"));
    pl_schema_errors_free(&e);
    cJSON_Delete(s);
    cJSON_Delete(i);
    pl_schema_set_free(set);
}

static void test_combinators(void)
{
    pl_schema_set *set = pl_schema_set_new(NULL);
    expect1(set, "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"object\",\"required\":[\"a\"]}]}", "{}", 0,
            "(root): does not match any of the 2 alternatives; closest is /anyOf/1: (root): "
            "missing required property \"a\" (schema /anyOf)");
    expect1(set, "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "3", 0,
            "(root): matches more than one of the 2 alternatives (0 and 1) (schema /oneOf)");
    /* the discriminating alternative wins over one with fewer errors */
    expect1(set, "{\"oneOf\":["
                 "{\"properties\":{\"t\":{\"const\":\"a\"}},\"required\":[\"t\"]},"
                 "{\"properties\":{\"t\":{\"const\":\"b\"},\"x\":{\"type\":\"integer\"},"
                 "\"y\":{\"type\":\"integer\"}},\"required\":[\"t\"]}]}",
            "{\"t\":\"b\",\"x\":\"1\",\"y\":\"2\"}", 0,
            "(root): does not match any of the 2 alternatives; closest is /oneOf/1: /x: "
            "expected integer, got string (+1 more) (schema /oneOf)");
    expect1(set, "{\"not\":{\"type\":\"string\"}}", "\"s\"", 0,
            "(root): value must not match the \"not\" schema (schema /not)");
    expect1(set, "{\"if\":{\"type\":\"integer\"},\"then\":{\"minimum\":5},\"else\":{\"maxLength\":1}}",
            "3", 0, "(root): value 3 is less than minimum 5 (schema /then/minimum)");
    expect1(set, "{\"if\":{\"type\":\"integer\"},\"then\":{\"minimum\":5},\"else\":{\"maxLength\":1}}",
            "\"ab\"", 0, "(root): string longer than 1 characters (2) (schema /else/maxLength)");
    expect1(set, "{\"allOf\":[{\"type\":\"integer\"},{\"maximum\":1}]}", "2", 0,
            "(root): value 2 is greater than maximum 1 (schema /allOf/1/maximum)");
    /* composite messages stay bounded however deep the nesting */
    pl_buf deep = PL_BUF_INIT;
    for (int k = 0; k < 50; k++)
        pl_buf_puts(&deep, "{\"anyOf\":[{\"type\":\"null\"},");
    pl_buf_puts(&deep, "{\"type\":\"string\"}");
    for (int k = 0; k < 50; k++)
        pl_buf_puts(&deep, "]}");
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(run(set, deep.data, "1", &e), 0);
    CU_ASSERT_EQUAL_FATAL(e.n, 1);
    CU_ASSERT(strlen(e.v[0].message) < 400);
    pl_schema_errors_free(&e);
    pl_buf_free(&deep);
    pl_schema_set_free(set);
}

static void test_ids(void)
{
    pl_schema_set *set = pl_schema_set_new(NULL);
    const char *lid = "{\"allOf\":[{\"$ref\":\"#foo\"}],\"definitions\":{\"A\":{\"$id\":\"#foo\",\"type\":\"integer\"}}}";
    expect1(set, lid, "1", 1, NULL);
    expect1(set, lid, "\"a\"", 0, "(root): expected integer, got string (schema /allOf/0/$ref/type)");
    /* base URI change in a subschema, then an anchor relative to it */
    const char *nested = "{\"$id\":\"http://example.com/root\",\"allOf\":[{\"$ref\":\"nested.json#foo\"}],"
        "\"definitions\":{\"A\":{\"$id\":\"nested.json\",\"definitions\":{\"B\":{\"$id\":\"#foo\",\"type\":\"integer\"}}}}}";
    expect1(set, nested, "1", 1, NULL);
    expect1(set, nested, "\"a\"", 0, NULL);
    /* $ref makes a sibling $id inert */
    const char *sib = "{\"$id\":\"http://example.com/base/\",\"definitions\":{"
        "\"foo\":{\"$id\":\"http://example.com/foo.json\",\"type\":\"string\"},"
        "\"base_foo\":{\"$id\":\"foo.json\",\"type\":\"number\"}},"
        "\"allOf\":[{\"$id\":\"http://example.com/\",\"$ref\":\"foo.json\"}]}";
    expect1(set, sib, "5", 1, NULL);
    expect1(set, sib, "\"a\"", 0, NULL);
    /* $ref siblings are ignored */
    expect1(set, "{\"$ref\":\"#/definitions/a\",\"type\":\"string\",\"definitions\":{\"a\":{\"type\":\"integer\"}}}",
            "5", 1, NULL);
    /* an $id inside enum / const is data, not an identifier */
    const char *en = "{\"definitions\":{\"id_in_enum\":{\"enum\":[{\"$id\":\"http://example.com/my.json\",\"type\":\"null\"}]},"
        "\"real\":{\"$id\":\"http://example.com/my.json\",\"type\":\"string\"}},"
        "\"anyOf\":[{\"$ref\":\"#/definitions/id_in_enum\"},{\"$ref\":\"http://example.com/my.json\"}]}";
    expect1(set, en, "\"a string\"", 1, NULL);
    expect1(set, en, "{\"$id\":\"http://example.com/my.json\",\"type\":\"null\"}", 1, NULL);
    expect1(set, en, "1", 0, NULL);
    expect1(set, "{\"const\":{\"$id\":\"#c\"},\"allOf\":[{\"$ref\":\"#c\"}]}", "1", -1, NULL);
    /* pointer escaping: ~1 ~0 and percent-encoding */
    const char *esc = "{\"definitions\":{\"a/b\":{\"type\":\"integer\"},\"c~d\":{\"type\":\"string\"},"
        "\"e%f\":{\"type\":\"null\"},\"g\\\"h\":{\"type\":\"boolean\"}},\"properties\":{"
        "\"x\":{\"$ref\":\"#/definitions/a~1b\"},\"y\":{\"$ref\":\"#/definitions/c~0d\"},"
        "\"z\":{\"$ref\":\"#/definitions/e%25f\"},\"w\":{\"$ref\":\"#/definitions/g%22h\"},"
        "\"v\":{\"$ref\":\"#/properties/x\"},\"u\":{\"$ref\":\"#/items/1\"}},\"items\":[{},{\"const\":7}]}";
    expect1(set, esc, "{\"x\":1,\"y\":\"s\",\"z\":null,\"w\":true,\"v\":2,\"u\":7}", 1, NULL);
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(run(set, esc, "{\"x\":\"1\",\"y\":1,\"z\":1,\"w\":1,\"v\":\"2\",\"u\":8}", &e), 0);
    CU_ASSERT_EQUAL(e.n, 6);
    pl_schema_errors_free(&e);
    /* URN base */
    const char *urn = "{\"$id\":\"urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed\","
        "\"properties\":{\"foo\":{\"$ref\":\"#/definitions/bar\"}},\"definitions\":{\"bar\":{\"type\":\"string\"}}}";
    expect1(set, urn, "{\"foo\":\"x\"}", 1, NULL);
    expect1(set, urn, "{\"foo\":12}", 0, NULL);
    /* ids of an ad-hoc schema are indexed for that call only */
    expect1(set, "{\"$ref\":\"http://example.com/root#foo\"}", "1", -1, NULL);
    pl_schema_set_free(set);
}

static void test_set_add(void)
{
    char err[256];
    pl_schema_set *set = pl_schema_set_new(NULL);
    CU_ASSERT_EQUAL(pl_schema_set_add(set, "urn:parley:common",
                                      J("{\"definitions\":{\"x\":{\"type\":\"integer\"}}}"), err, sizeof err), 0);
    expect1(set, "{\"$ref\":\"urn:parley:common#/definitions/x\"}", "5", 1, NULL);
    expect1(set, "{\"$ref\":\"urn:parley:common#/definitions/x\"}", "\"a\"", 0,
            "(root): expected integer, got string (schema /$ref/type)");
    CU_ASSERT_PTR_NOT_NULL(pl_schema_set_resolve(set, "urn:parley:common#/definitions/x", err, sizeof err));
    /* relative references: dot segments, absolute paths, network-path references */
    CU_ASSERT_EQUAL(pl_schema_set_add(set, "http://example.com/a/d.json",
                                      J("{\"type\":\"integer\"}"), err, sizeof err), 0);
    static const char *const refs[] = {"../d.json", "./../../a/./d.json", "/a/d.json",
        "//example.com/a/d.json", "../x/../d.json#", "http://example.com/a/b/../d.json", NULL};
    for (int k = 0; refs[k]; k++) {
        char schema[200];
        snprintf(schema, sizeof schema,
                 "{\"$id\":\"http://example.com/a/b/c.json\",\"allOf\":[{\"$ref\":\"%s\"}]}", refs[k]);
        if (run(set, schema, "\"s\"", NULL) != 0 || run(set, schema, "1", NULL) != 1)
            printf("\n    ref %s did not resolve to http://example.com/a/d.json", refs[k]);
        CU_ASSERT_EQUAL(run(set, schema, "1", NULL), 1);
        CU_ASSERT_EQUAL(run(set, schema, "\"s\"", NULL), 0);
    }
    /* failures still take the document */
    CU_ASSERT_EQUAL(pl_schema_set_add(set, "urn:parley:common", J("{}"), err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "already registered"));
    CU_ASSERT_EQUAL(pl_schema_set_add(set, "", J("{}"), err, sizeof err), -1);
    CU_ASSERT_EQUAL(pl_schema_set_add(set, NULL, J("{}"), err, sizeof err), -1);
    pl_schema_stats st;
    pl_schema_set_stats(set, &st);
    CU_ASSERT_EQUAL(st.documents, 2);
    pl_schema_set_free(set);
}

static void test_meta_schema(void)
{
    char err[256];
    pl_schema_set *set = pl_schema_set_new("schemas");
    const cJSON *m1 = pl_schema_set_resolve(set, PL_SCHEMA_META_URI, err, sizeof err);
    const cJSON *m2 = pl_schema_set_resolve(set, PL_SCHEMA_META_URI "#", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m1);
    CU_ASSERT_PTR_EQUAL(m1, m2);
    cJSON *good = J("{\"type\":\"object\",\"properties\":{\"a\":{\"minLength\":2}}}");
    cJSON *bad = J("{\"type\":\"foo\",\"properties\":{\"a\":{\"minLength\":-1}}}");
    pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(pl_schema_check(set, good, &e), 1);
    CU_ASSERT_EQUAL(pl_schema_check(set, bad, &e), 0);
    CU_ASSERT(e.n >= 2);
    CU_ASSERT_EQUAL(pl_schema_check(set, m1, NULL), 1); /* the meta-schema validates itself */
    pl_schema_errors_free(&e);
    /* "$ref" to the meta-schema from a schema */
    expect1(set, "{\"$ref\":\"http://json-schema.org/draft-07/schema#\"}", "{\"minLength\":1}", 1, NULL);
    expect1(set, "{\"$ref\":\"http://json-schema.org/draft-07/schema#/definitions/nonNegativeInteger\"}",
            "-1", 0, NULL);
    pl_schema_set_free(set);

    set = pl_schema_set_new(NULL); /* no root: no bundled meta-schema */
    CU_ASSERT_EQUAL(pl_schema_check(set, good, &e), -1);
    CU_ASSERT_EQUAL_FATAL(e.n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.v[0].message, "root directory"));
    pl_schema_errors_free(&e);
    pl_schema_set_free(set);
    cJSON_Delete(good);
    cJSON_Delete(bad);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"error format and instance pointer", test_error_format_and_instance},
        {"all errors across files", test_all_errors_across_files},
        {"file refs under the root", test_file_refs},
        {"utf-8 string lengths", test_utf8_lengths},
        {"ref cycles and unresolvable refs", test_ref_cycles},
        {"deep instance nesting", test_deep_nesting},
        {"bad regex", test_bad_regex},
        {"regex cache", test_regex_cache},
        {"multipleOf with floats", test_multiple_of},
        {"types and deep equality", test_types_and_equality},
        {"propertyNames", test_property_names},
        {"anyOf/oneOf/not/if", test_combinators},
        {"$id and $ref resolution", test_ids},
        {"in-memory documents", test_set_add},
        {"draft-07 meta-schema", test_meta_schema},
        {NULL, NULL},
    };
    return pl_test_main("schema", cases);
}
