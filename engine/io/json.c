/*
 * json — the cursor reader, the string literal writer and the UTF-8 check.
 * See json.h.
 *
 * The reader is recursive descent over the cursor, strict about the
 * grammar: no leading zeros, no trailing commas, no bare words but true,
 * false and null, control characters in strings only escaped. Strings are
 * decoded into a buffer of the raw length, which decoding never exceeds.
 * Messages describe the byte at the cursor ("'x'", "byte 0x01" or "the end
 * of the WHAT") so a bad file can be found with a hex dump.
 */
#include "engine/io/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- UTF-8 ----------------------------------------------------------------- */

size_t json_utf8_invalid_at(const void *text, size_t n) {
    const uint8_t *s = text;
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int more;
        uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return i;
        }
        if (n - i <= (size_t)more) return i;
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (int k = 2; k <= more; k++)
            if ((s[i + k] & 0xC0) != 0x80) return i;
        i += (size_t)more + 1;
    }
    return n;
}

int json_utf8_valid(const char *s) {
    size_t n = strlen(s);
    return json_utf8_invalid_at(s, n) == n;
}

/* Encodes code point cp (at most U+10FFFF, no surrogate) at o; returns the
 * number of bytes, 1 to 4. */
static size_t utf8_put(char *o, unsigned cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* --- the cursor ------------------------------------------------------------ */

static const char *json_what(const Json *j) {
    return j->what ? j->what : "text";
}

Status json_fail(Json *j, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    Error what = {0}; /* the sentence alone, then placed in the whole message */
    error_setv(&what, ST_FORMAT, fmt, ap);
    va_end(ap);
    return error_set(j->err, ST_FORMAT, "%s: bad JSON %s at byte %zu: %s", j->path, json_what(j),
                     j->pos, what.msg);
}

static Status json_nomem(const Json *j) {
    return error_set(j->err, ST_NOMEM, "%s: out of memory parsing the %s", j->path, json_what(j));
}

static void json_ws(Json *j) {
    while (j->pos < j->n) {
        char c = j->s[j->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        j->pos++;
    }
}

/* Describes the character at the cursor for "expected X, found Y". */
static const char *json_found(const Json *j, char *buf, size_t size) {
    if (j->pos >= j->n) {
        snprintf(buf, size, "the end of the %s", json_what(j));
        return buf;
    }
    unsigned char c = (unsigned char)j->s[j->pos];
    if (c >= 0x20 && c < 0x7F)
        snprintf(buf, size, "'%c'", c);
    else
        snprintf(buf, size, "byte 0x%02X", c);
    return buf;
}

char json_peek(Json *j) {
    json_ws(j);
    return j->pos < j->n ? j->s[j->pos] : '\0';
}

int json_accept(Json *j, char c) {
    json_ws(j);
    if (j->pos < j->n && j->s[j->pos] == c) {
        j->pos++;
        return 1;
    }
    return 0;
}

Status json_expect(Json *j, char c) {
    if (json_accept(j, c)) return ST_OK;
    char buf[64];
    return json_fail(j, "expected '%c', found %s", c, json_found(j, buf, sizeof buf));
}

int json_accept_word(Json *j, const char *word) {
    json_ws(j);
    size_t len = strlen(word);
    if (j->n - j->pos >= len && memcmp(j->s + j->pos, word, len) == 0) {
        j->pos += len;
        return 1;
    }
    return 0;
}

int json_at_end(Json *j) {
    json_ws(j);
    return j->pos == j->n;
}

int json_next(Json *j, char close, Status *st) {
    if (json_accept(j, ',')) return 1;
    if (json_accept(j, close)) return 0;
    char buf[64];
    *st = json_fail(j, "expected ',' or '%c', found %s", close, json_found(j, buf, sizeof buf));
    return 0;
}

/* --- strings --------------------------------------------------------------- */

static int json_hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Decodes the \u escape at s[pos] (pointing at 'u'), pairing surrogates.
 * Returns the code point, or -1 after json_fail. */
static long json_unicode_escape(Json *j) {
    unsigned hi, lo;
    if (j->n - j->pos < 5 || json_hex4(j->s + j->pos + 1, &hi) != 0) {
        json_fail(j, "\\u must be followed by 4 hex digits");
        return -1;
    }
    j->pos += 5;
    if (hi >= 0xDC00 && hi <= 0xDFFF) {
        json_fail(j, "unpaired low surrogate \\u%04X", hi);
        return -1;
    }
    if (hi < 0xD800 || hi > 0xDBFF) return (long)hi;
    if (j->n - j->pos < 6 || j->s[j->pos] != '\\' || j->s[j->pos + 1] != 'u' ||
        json_hex4(j->s + j->pos + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
        json_fail(j, "unpaired high surrogate \\u%04X", hi);
        return -1;
    }
    j->pos += 6;
    return 0x10000 + (((long)hi - 0xD800) << 10) + ((long)lo - 0xDC00);
}

Status json_string(Json *j, char **out) {
    if (out) *out = NULL;
    if (json_peek(j) != '"') {
        char buf[64];
        return json_fail(j, "expected a string, found %s", json_found(j, buf, sizeof buf));
    }
    size_t start = ++j->pos, end = start;
    while (end < j->n && j->s[end] != '"') end += j->s[end] == '\\' ? 2 : 1;
    /* Decoding never grows the text, so the raw length bounds the result. */
    char *o = NULL;
    size_t len = 0;
    if (out) {
        o = malloc((end < j->n ? end : j->n) - start + 1);
        if (!o) return json_nomem(j);
    }
    for (;;) {
        if (j->pos >= j->n) {
            free(o);
            return json_fail(j, "unterminated string");
        }
        unsigned char c = (unsigned char)j->s[j->pos];
        if (c == '"') break;
        if (c < 0x20) {
            free(o);
            return json_fail(j, "control character 0x%02X in a string must be escaped", c);
        }
        if (c != '\\') {
            if (o) o[len++] = (char)c;
            j->pos++;
            continue;
        }
        if (++j->pos >= j->n) {
            free(o);
            return json_fail(j, "unterminated string");
        }
        char e = j->s[j->pos];
        static const char plain[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
        const char *hit = e ? strchr(plain, e) : NULL;
        if (hit) {
            if (o) o[len++] = decoded[hit - plain];
            j->pos++;
            continue;
        }
        if (e != 'u') {
            free(o);
            return json_fail(j, "invalid escape sequence in a string");
        }
        size_t at = j->pos;
        long cp = json_unicode_escape(j);
        if (cp < 0) {
            free(o);
            return ST_FORMAT;
        }
        if (cp == 0) {
            free(o);
            j->pos = at;
            return json_fail(j, "\\u0000 (a NUL character) in a string is not supported");
        }
        if (o) len += utf8_put(o + len, (unsigned)cp);
    }
    j->pos++;
    if (o) {
        o[len] = '\0';
        *out = o;
    }
    return ST_OK;
}

/* --- numbers and skipping -------------------------------------------------- */

static int json_digit_at(const Json *j) {
    return j->pos < j->n && j->s[j->pos] >= '0' && j->s[j->pos] <= '9';
}

Status json_number(Json *j, uint64_t *val, JsonNumKind *kind) {
    json_ws(j);
    const char *s = j->s;
    int neg = 0, huge = 0, frac = 0;
    uint64_t v = 0;
    if (j->pos < j->n && s[j->pos] == '-') {
        neg = 1;
        j->pos++;
    }
    if (!json_digit_at(j)) return json_fail(j, "invalid number");
    if (s[j->pos] == '0') {
        j->pos++;
        if (json_digit_at(j)) return json_fail(j, "numbers must not have leading zeros");
    } else {
        while (json_digit_at(j)) {
            unsigned d = (unsigned)(s[j->pos++] - '0');
            if (v > (UINT64_MAX - d) / 10) huge = 1;
            v = v * 10 + d;
        }
    }
    if (j->pos < j->n && s[j->pos] == '.') {
        frac = 1;
        j->pos++;
        if (!json_digit_at(j)) return json_fail(j, "digit expected after '.'");
        while (json_digit_at(j)) j->pos++;
    }
    if (j->pos < j->n && (s[j->pos] == 'e' || s[j->pos] == 'E')) {
        frac = 1;
        j->pos++;
        if (j->pos < j->n && (s[j->pos] == '+' || s[j->pos] == '-')) j->pos++;
        if (!json_digit_at(j)) return json_fail(j, "digit expected in the exponent");
        while (json_digit_at(j)) j->pos++;
    }
    *val = v;
    *kind = frac                        ? JSON_FRACTION
            : (neg && (v != 0 || huge)) ? JSON_NEGATIVE
            : huge                      ? JSON_HUGE
                                        : JSON_UINT;
    return ST_OK;
}

/* The object or array at the cursor (on open), at nesting level depth. */
static Status json_skip_container(Json *j, int depth, char close) {
    if (depth > JSON_MAX_DEPTH) return json_fail(j, "nested deeper than %d levels", JSON_MAX_DEPTH);
    j->pos++;
    if (json_accept(j, close)) return ST_OK;
    Status s = ST_OK;
    do {
        if (close == '}') {
            if ((s = json_string(j, NULL)) != ST_OK) return s;
            if ((s = json_expect(j, ':')) != ST_OK) return s;
        }
        if ((s = json_skip(j, depth + 1)) != ST_OK) return s;
    } while (json_next(j, close, &s));
    return s;
}

Status json_skip(Json *j, int depth) {
    char c = json_peek(j);
    if (c == '{' || c == '[') return json_skip_container(j, depth, c == '{' ? '}' : ']');
    if (c == '"') return json_string(j, NULL);
    if (c == '-' || (c >= '0' && c <= '9')) {
        uint64_t v;
        JsonNumKind k;
        return json_number(j, &v, &k);
    }
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++)
        if (json_accept_word(j, words[i])) return ST_OK;
    char buf[64];
    return json_fail(j, "expected a value, found %s", json_found(j, buf, sizeof buf));
}

/* --- writing --------------------------------------------------------------- */

void json_put_string(StrBuf *b, const char *s) {
    strbuf_add(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *esc = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                          : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f"
                                      : NULL;
        if (esc) {
            strbuf_puts(b, esc);
        } else if (c < 0x20) {
            char u[8];
            snprintf(u, sizeof u, "\\u%04x", c);
            strbuf_puts(b, u);
        } else {
            strbuf_add(b, s, 1);
        }
    }
    strbuf_add(b, "\"", 1);
}
