/*
 * ini — finelab's one INI reader: `[section]` headers, `key = value`
 * lines, `;` and `#` comment lines and blank lines, with the line number of
 * each pair, lines of any length, and spaces trimmed around keys and
 * values. What finelab's files need that inih does not give: inih cuts a
 * line at its buffer (200 bytes as Debian builds it) and reports the rest
 * as a malformed line, so a path longer than that would not read back.
 *
 * Two syntaxes. INI_STRICT (status.ini, which finelab writes itself):
 * exactly the above, and the first malformed line ends the reading.
 * INI_LOOSE (presets, which people write), inih's reading of a file:
 * `key: value` too; a `;` after white space starts a comment; an indented
 * line that does not read `name =` or `name:` continues the value of the
 * key above it in its section, joined with one space (Python's
 * configparser); an empty key goes to the handler (which says what is
 * wrong); text after a header's `]` goes to the header callback; and the
 * reading goes on past a malformed line (the first is still returned).
 * A UTF-8 byte order mark at the start is skipped in both.
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

typedef enum IniSyntax { INI_STRICT, INI_LOOSE } IniSyntax;

/* Called for each `[section]` header with what follows its `]` (INI_LOOSE;
 * "" in INI_STRICT, where anything there is malformed); returns nonzero to
 * go on, 0 to count the line as refused. */
typedef int (*IniHeader)(void *ctx, const char *section, const char *rest, int line);

/* Parses text (len bytes, NUL-terminated at len): 0 when every line is
 * well formed and the handler took every pair, else the number of the
 * first line that is not (a header without its `]`, a line without `=`,
 * in INI_STRICT an empty key, a NUL byte inside the text) or that the
 * handler refused. header may be NULL. A pair's line is its key's, the
 * continuation lines of its value included. */
int ini_parse_syntax(char *text, size_t len, IniSyntax syntax, IniHandler handler, IniHeader header,
                     void *ctx);
/* ini_parse_syntax in INI_STRICT, without a header callback. */
int ini_parse(char *text, size_t len, IniHandler handler, void *ctx);

#endif
