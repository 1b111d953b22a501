/*
 * ini — a small INI reader: `[section]` headers, `key = value` lines, `;`
 * and `#` comment lines and blank lines, with the line number of each
 * pair, lines of any length, and spaces trimmed around keys and values.
 * What finelab's own files need that inih does not give: inih cuts a line
 * at its buffer (200 bytes by default) and reports the rest as a malformed
 * line, so an error message naming long paths would not read back.
 *
 * Pure over a text buffer (the caller reads the file and names it in
 * errors); reentrant, any thread. The text is modified in place (lines
 * are cut and trimmed), and the strings handed to the handler point into
 * it.
 */
#ifndef FINELAB_INI_H
#define FINELAB_INI_H

#include <stddef.h>

/* Called for each `key = value` with its section ("" before the first
 * header) and 1-based line number; returns nonzero to go on, 0 to stop
 * (that line is then the one ini_parse reports). */
typedef int (*IniHandler)(void *ctx, const char *section, const char *key, const char *value,
                          int line);

/* Parses text (len bytes, NUL-terminated at len): 0 when every line is
 * well formed and the handler took every pair, else the number of the
 * first line that is not (a header without its `]`, a line without `=`,
 * an empty key, a NUL byte inside the text) or that the handler refused. */
int ini_parse(char *text, size_t len, IniHandler handler, void *ctx);

#endif
