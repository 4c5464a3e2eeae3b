/* rc_aicall.h — the SDK model: what the AICallKit Web engine (aliyun-auikit-aicall 2.10)
 * does on the wire, driven by parley's driver channel. rc_main.c only needs these. */
#ifndef RC_AICALL_H
#define RC_AICALL_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "rc_driver.h"
#include "rc_ws.h"

typedef struct rc_aicall rc_aicall;

/* bridge_url may be NULL (then `call` fails); its user= parameter is our user id, checked by
 * the caller (rc_ws_url_param). */
rc_aicall *rc_aicall_new(rc_net *net, const char *bridge_url);
/* Replies and callbacks go to d from now on. */
void rc_aicall_set_driver(rc_aicall *a, rc_driver *d);
/* rc_driver_ops.on_drive: runs one drive command (rc_actions.c). */
void rc_aicall_drive(void *a, int64_t id, const char *action, const cJSON *args);
/* Answers what is pending with "client stopping", closes the bridge (1001), frees. */
void rc_aicall_free(rc_aicall *a);

/* The actions (rc_actions.c). */
int rc_action_find(const char *name); /* index, or -1 */
int rc_action_count(void);
/* The names for hello.actions, leaving out bit i of leave_out (a new array). */
cJSON *rc_actions_hello(uint64_t leave_out);
/* One line per action with its args, for --help. */
void rc_actions_list(FILE *f);

#endif
