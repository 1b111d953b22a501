/*
 * strbuf — growable text with a sticky failure. See strbuf.h.
 */
#include "engine/base/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for n more bytes and the NUL; 0, or -1 (b failed). */
static int strbuf_reserve(StrBuf *b, size_t n) {
    if (b->failed) return -1;
    if (n >= (size_t)-1 / 2 - b->len) {
        b->failed = 1;
        return -1;
    }
    if (b->len + n + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void strbuf_add(StrBuf *b, const void *data, size_t n) {
    if (strbuf_reserve(b, n)) return;
    memcpy(b->s + b->len, data, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void strbuf_puts(StrBuf *b, const char *s) {
    strbuf_add(b, s, strlen(s));
}

void strbuf_printf(StrBuf *b, const char *fmt, ...) {
    if (b->failed) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || strbuf_reserve(b, (size_t)n)) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *strbuf_take(StrBuf *b) {
    if (!b->failed && !b->s) strbuf_add(b, "", 0);
    char *s = b->failed ? NULL : b->s;
    if (b->failed) free(b->s);
    *b = (StrBuf){0};
    return s;
}

void strbuf_fini(StrBuf *b) {
    free(b->s);
    *b = (StrBuf){0};
}
