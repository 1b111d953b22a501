/*
 * text — the two string helpers the preset reader and the sweep share:
 * a bounded copy of n bytes and trimming white space in place.
 */
#ifndef FINELAB_PRESET_TEXT_H
#define FINELAB_PRESET_TEXT_H

#include <stddef.h>

/* dst = the first n bytes of src (fewer when cap is smaller), terminated;
 * nothing is written when cap is 0. */
void text_copy(char *dst, size_t cap, const char *src, size_t n);
/* s without its leading and trailing white space, in place. */
void text_trim(char *s);

#endif
