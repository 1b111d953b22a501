/*
 * error — status names and the Error message buffer. See error.h.
 */
#include "engine/base/error.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const status_names[ST_COUNT_] = {
    [ST_OK] = "ok",
    [ST_NOMEM] = "out of memory",
    [ST_ARG] = "bad argument",
    [ST_SHAPE] = "bad shape",
    [ST_IO] = "i/o error",
    [ST_FORMAT] = "bad format",
    [ST_NUMERIC] = "not a finite number",
    [ST_STATE] = "invalid state",
};

const char *error_status_name(Status s) {
    if ((int)s < 0 || s >= ST_COUNT_) return "unknown status";
    return status_names[s];
}

Status error_setv(Error *e, Status s, const char *fmt, va_list ap) {
    if (e) {
        e->status = s;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    }
    return s;
}

Status error_set(Error *e, Status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    error_setv(e, s, fmt, ap);
    va_end(ap);
    return s;
}

void error_clear(Error *e) {
    if (!e) return;
    e->status = ST_OK;
    e->msg[0] = '\0';
}

void error_abort(const char *expr, const char *file, int line) {
    /* A broken invariant is a bug in finelab itself; there is no caller to
     * return to safely, so this is the one place library code stops. */
    fprintf(stderr, "finelab: internal check failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
