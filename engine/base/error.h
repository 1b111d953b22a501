/*
 * error — status codes and error messages for every finelab library call.
 *
 * Library code (engine/ and src/) never prints and never exits: a call that
 * can fail returns a Status and, when the caller passes an Error, fills it
 * with a sentence that names the file, line, key or tensor at fault.
 * An Error is plain caller storage (no heap), so it is safe on any thread;
 * every function here may be called from any thread.
 */
#ifndef FINELAB_ERROR_H
#define FINELAB_ERROR_H

#include <stdarg.h>

typedef enum Status {
    ST_OK = 0,
    ST_NOMEM,   /* an allocation failed */
    ST_ARG,     /* a caller passed a value outside the documented range */
    ST_SHAPE,   /* tensor shapes do not fit together */
    ST_IO,      /* a file could not be opened, read or written */
    ST_FORMAT,  /* a file's content is malformed */
    ST_NUMERIC, /* NaN or Inf where a finite value is needed */
    ST_STATE,   /* the call is not valid in the object's current state */
    ST_COUNT_
} Status;

/* A failed call's code and sentence; msg is "" while status is ST_OK. */
typedef struct Error {
    Status status;
    char msg[512];
} Error;

/* Short lowercase name of a status ("out of memory", "bad shape", ...). */
const char *error_status_name(Status s);

/* Sets *e (when e is not NULL) to status s with a printf-formatted sentence.
 * Returns s, so `return error_set(err, ST_ARG, "...")` reads naturally. */
Status error_set(Error *e, Status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
Status error_setv(Error *e, Status s, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Resets *e to ST_OK with an empty message; e may be NULL. */
void error_clear(Error *e);

/* Fatal-on-violation check that stays on in release builds: guards memory
 * safety where a violated precondition would corrupt memory. It aborts with
 * the expression and location; it is for programming errors, never for bad
 * input (bad input gets a Status). */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) error_abort(#cond, __FILE__, __LINE__);                                       \
    } while (0)
_Noreturn void error_abort(const char *expr, const char *file, int line);

#endif
