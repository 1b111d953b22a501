/*
 * json — a small pull-reader for strict JSON (RFC 8259), the JSON string
 * literal writer, and the UTF-8 check both need.
 *
 * The reader builds nothing: a caller that knows the shape of its text
 * walks it with a cursor, asking for the next string, number or bracket and
 * skipping whatever it does not need. It reads a Json, a cursor over a text
 * of n bytes (which need not be NUL-terminated); the text must already be
 * valid UTF-8 (json_utf8_invalid_at), so bytes >= 0x80 are plain string
 * content here.
 *
 * Every function that can fail returns a Status and fills j->err with a
 * sentence naming j->path and the byte offset at fault:
 *   "PATH: bad JSON WHAT at byte N: expected ':', found 'x'"
 * (WHAT is j->what, "header" for a safetensors header), or ST_NOMEM with
 * "PATH: out of memory parsing the WHAT". After a failure the cursor is
 * left where the fault is; the caller stops reading.
 *
 * All functions that read skip the whitespace before the token they read.
 * A Json is caller storage; one thread at a time per cursor.
 *
 *   Json j = {.s = text, .n = len, .path = path, .what = "header", .err = err};
 *   if ((s = json_expect(&j, '{')) != ST_OK) return s;
 *   if (!json_accept(&j, '}')) {               // a non-empty object
 *       do {
 *           char *key;
 *           if ((s = json_string(&j, &key)) != ST_OK) return s;
 *           ...json_expect(&j, ':'), then the value...
 *       } while (json_next(&j, '}', &s));
 *       if (s != ST_OK) return s;
 *   }
 */
#ifndef FINELAB_JSON_H
#define FINELAB_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"
#include "engine/base/strbuf.h"

/* serde_json's nesting limit; json_skip rejects deeper values like there. */
#define JSON_MAX_DEPTH 127

/* A cursor over a JSON text. Set s, n, path, what and err; pos starts at 0
 * (or wherever reading should begin) and only moves forward. */
typedef struct Json {
    const char *s;    /* the text, n bytes, valid UTF-8 */
    size_t n, pos;    /* its length; the cursor, a byte offset into s */
    const char *path; /* names the text's file in messages */
    const char *what; /* what the text is, for messages ("header"); NULL is "text" */
    Error *err;       /* receives failures; may be NULL */
} Json;

/* How json_number found a number to be. */
typedef enum JsonNumKind {
    JSON_UINT,     /* a non-negative integer that fits uint64_t (also "-0") */
    JSON_NEGATIVE, /* an integer below zero */
    JSON_FRACTION, /* has a fraction or an exponent ("1.0", "1e3") */
    JSON_HUGE,     /* a non-negative integer above UINT64_MAX */
} JsonNumKind;

/* --- reading --------------------------------------------------------------- */

/* Fails with ST_FORMAT and "PATH: bad JSON WHAT at byte POS: " followed by
 * the printf-formatted text. Returns ST_FORMAT. */
Status json_fail(Json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The byte at the cursor after whitespace, or '\0' at the end of the text.
 * Moves past the whitespace only. */
char json_peek(Json *j);
/* Moves past whitespace and c and returns 1 when c comes next; otherwise
 * returns 0 with the cursor after the whitespace. */
int json_accept(Json *j, char c);
/* Moves past whitespace and c; fails with "expected 'c', found ..." when
 * something else comes next. */
Status json_expect(Json *j, char c);
/* Moves past whitespace and word ("null", "true", ...) and returns 1 when
 * word comes next; otherwise returns 0 with the cursor after whitespace. */
int json_accept_word(Json *j, const char *word);
/* Moves past whitespace; 1 when that reaches the end of the text. */
int json_at_end(Json *j);

/* Reads the string at the cursor. With out, stores a malloc'd NUL-terminated
 * copy with every escape decoded (\u surrogate pairs joined, encoded as
 * UTF-8) for the caller to free; without, only checks the string. Fails on a
 * missing or unterminated string, an unescaped control character, a bad
 * escape, an unpaired surrogate, and \u0000 (the copy could not hold it);
 * *out is NULL then. */
Status json_string(Json *j, char **out);
/* Reads the number at the cursor into *kind; *val is the value for
 * JSON_UINT (for the other kinds it is unspecified). Fails on anything that
 * is not a JSON number: no digits, leading zeros, "1." or "1e". */
Status json_number(Json *j, uint64_t *val, JsonNumKind *kind);
/* Reads and discards the value at the cursor: an object or array (whole),
 * string, number, true, false or null. depth is the value's nesting level
 * (1 for the text's top value); containers nested deeper than
 * JSON_MAX_DEPTH fail. */
Status json_skip(Json *j, int depth);

/* Iterates a container whose opening bracket was consumed and which is not
 * empty (json_accept(j, close) returned 0): call after each element. Moves
 * past a ',' and returns 1 (another element follows), or past close and
 * returns 0 (the container is done). On anything else sets *st to a failure
 * and returns 0, so `do { ... } while (json_next(j, ']', &s));` ends with s
 * holding the outcome; *st is left alone otherwise. */
int json_next(Json *j, char close, Status *st);

/* --- writing --------------------------------------------------------------- */

/* Appends s (NUL-terminated UTF-8) to b as a JSON string literal: quotes,
 * the two-character escapes for '"', '\\' and \b \f \n \r \t, \u00XX for
 * the other control characters, every other byte as it is. */
void json_put_string(StrBuf *b, const char *s);

/* --- UTF-8 ----------------------------------------------------------------- */

/* Index of the first byte of s[0..n) that breaks UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF included), or n when all n
 * bytes are valid. */
size_t json_utf8_invalid_at(const void *s, size_t n);
/* 1 when the NUL-terminated s is valid UTF-8, else 0. */
int json_utf8_valid(const char *s);

#endif
