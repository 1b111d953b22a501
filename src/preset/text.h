/*
 * text — the string helpers the preset reader, the sweep and the study
 * journal share: a bounded copy of n bytes, trimming white space in
 * place, and a message formatted into the caller's buffer.
 */
#ifndef FINELAB_PRESET_TEXT_H
#define FINELAB_PRESET_TEXT_H

#include <stddef.h>

/* dst = the first n bytes of src (fewer when cap is smaller), terminated;
 * nothing is written when cap is 0. */
void text_copy(char *dst, size_t cap, const char *src, size_t n);
/* s without its leading and trailing white space, in place. */
void text_trim(char *s);
/* Formats into msg (cap bytes) and returns msg: how a checker hands back
 * "what is wrong" as its result. */
__attribute__((format(printf, 3, 4))) const char *text_say(char *msg, size_t cap, const char *fmt,
                                                           ...);

#endif
