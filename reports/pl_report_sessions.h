/* pl_report_sessions.h — the mock's findings as a JUnit report (`parley mock --junit`).
 *
 * One testsuite "parley mock", one testcase per session (live or retired) named
 * "<id> room=R user=U" with classname "<dialect>.mock": a session with must-level findings
 * fails (type = its first must rule, the body lists every stored finding with its rule,
 * level, message and source); should-level findings alone leave it passing but are listed
 * in system-out, followed by the tail of its journal, so a CI reader sees what happened. */
#ifndef PL_REPORT_SESSIONS_H
#define PL_REPORT_SESSIONS_H

#include <stddef.h>

#include "mock/pl_sessions.h"

/* Writes the report atomically; 0, or -1 with a message in err. profile_path may be NULL. */
int pl_report_sessions_junit(const pl_sessions *sessions, const char *path,
                             const char *profile_path, char *err, size_t errlen);

#endif
