/*
 * text — see text.h.
 */
#include "src/preset/text.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void text_copy(char *dst, size_t cap, const char *src, size_t n) {
    if (cap == 0) return; /* no room even for the NUL */
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void text_trim(char *s) {
    size_t n = strlen(s), i = 0;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    while (i < n && isspace((unsigned char)s[i])) i++;
    memmove(s, s + i, n - i);
    s[n - i] = '\0';
}

const char *text_say(char *msg, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return msg;
}
