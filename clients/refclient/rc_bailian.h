/* rc_bailian.h — the bailian model: what an app on the DashScope Python SDK's
 * MultiModalDialog (dashscope/multimodal/multimodal_dialog.py) does on the wire, driven by
 * parley's driver channel. Facts: shared/protocols/bailian.md (cited as §n); names:
 * docs/dev/bailian-spec.md. rc_main.c and rc_actions.c only need these. */
#ifndef RC_BAILIAN_H
#define RC_BAILIAN_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "rc_driver.h"
#include "rc_ws.h"

typedef struct rc_bailian rc_bailian;

/* url: PARLEY_URL, the multimodal-dialog endpoint (may be NULL: `start` then fails);
 * api_key goes into `Authorization: Bearer <key>`. */
rc_bailian *rc_bailian_new(rc_net *net, const char *url, const char *api_key);
/* Replies and callbacks go to d from now on. */
void rc_bailian_set_driver(rc_bailian *b, rc_driver *d);
/* Answers what is pending with "client stopping", closes the dialog (1001), frees. */
void rc_bailian_free(rc_bailian *b);

/* The action table (rc_bailian_actions.c): count, names and --help args by index. */
int rc_bailian_action_count(void);
const char *rc_bailian_action_name(int i);
const char *rc_bailian_action_args(int i);
/* Runs action i with the drive command's id and args; answered now or later, exactly once. */
void rc_bailian_drive(rc_bailian *b, int i, int64_t id, const cJSON *args);

#endif
