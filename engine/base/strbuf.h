/*
 * strbuf — a growable text buffer for building files and reports: append
 * bytes, strings or printf-formatted text, then take the result. A failed
 * allocation makes the buffer "failed" for good: later appends do nothing
 * and strbuf_take returns NULL, so a writer appends freely and checks once
 * at the end. While not failed, the text is NUL-terminated (s is NULL until
 * the first append). Caller storage, zero-initialised (StrBuf b = {0});
 * one thread at a time.
 */
#ifndef FINELAB_STRBUF_H
#define FINELAB_STRBUF_H

#include <stddef.h>

typedef struct StrBuf {
    char *s;    /* the text, len bytes + NUL; owned */
    size_t len; /* bytes appended */
    size_t cap; /* bytes allocated */
    int failed; /* 1 after an allocation failure */
} StrBuf;

/* Appends n bytes of data (which may hold NULs). */
void strbuf_add(StrBuf *b, const void *data, size_t n);
/* Appends the string s. */
void strbuf_puts(StrBuf *b, const char *s);
/* Appends printf-formatted text of any length. */
void strbuf_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the text to the caller (who frees it; "" when nothing was
 * appended) and empties b. NULL when b failed (its memory is freed then). */
char *strbuf_take(StrBuf *b);
/* Frees the text and empties b. */
void strbuf_fini(StrBuf *b);

#endif
