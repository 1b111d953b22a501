/*
 * ini — the INI line reader. See ini.h.
 *
 * One pass over the buffer, a line at a time: each line is cut at its
 * newline, trimmed, and classified (blank, comment, header, pair, and in
 * the loose syntax a continuation). A NUL byte inside the text would end C
 * strings early and hide the rest of its line, so it makes its line
 * malformed rather than silently cutting it.
 *
 * The loose syntax hands a key to the handler only once the lines that
 * continue its value have been read: they are joined to it in place, each
 * moved back over the newline and indentation before it, so the buffer
 * never grows and a value may be any length.
 */
#include "engine/io/ini.h"

#include <ctype.h>
#include <string.h>

enum { INI_STRICT_SECTION_MAX = 128 };

/* Trims spaces, tabs and a carriage return off both ends of s[0..*n),
 * returning its start; s[*n] becomes the terminating NUL. */
static char *ini_trim(char *s, size_t *n) {
    while (*n && (s[0] == ' ' || s[0] == '\t')) s++, (*n)--;
    while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\r')) (*n)--;
    s[*n] = '\0';
    return s;
}

/* The loose syntax's end of a value (or a key): the first of chars (NULL:
 * none) or a ';' that follows white space, as inih reads inline comments. */
static char *ini_stop(char *s, const char *chars) {
    int was_space = 0;
    for (; *s; s++) {
        if (chars && strchr(chars, *s)) break;
        if (was_space && *s == ';') break;
        was_space = isspace((unsigned char)*s);
    }
    return s;
}

/* 1 when s reads "name =" or "name:" (name of letters, digits, '_', '.',
 * '-'): an indented line like that is a key, not a continuation. */
static int ini_looks_like_key(const char *s) {
    size_t i = 0;
    while (s[i] && (isalnum((unsigned char)s[i]) || strchr("_.-", s[i]))) i++;
    if (i == 0) return 0;
    while (s[i] == ' ' || s[i] == '\t') i++;
    return s[i] == '=' || s[i] == ':';
}

/* A key waiting for its continuation lines (loose syntax). */
typedef struct Pending {
    const char *key;
    char *value; /* its end is where a continuation is joined */
    size_t len;
    int line;
} Pending;

typedef struct Reader {
    IniSyntax syntax;
    IniHandler pair;
    IniHeader header;
    void *ctx;
    const char *section;
    Pending pending;
    int first_bad; /* the first malformed or refused line, 0: none */
} Reader;

/* Records line as bad; returns 1 when reading goes on. */
static int ini_bad(Reader *r, int line) {
    if (!r->first_bad) r->first_bad = line;
    return r->syntax == INI_LOOSE;
}

/* Hands the pending key to the handler; returns 1 when reading goes on. */
static int ini_flush(Reader *r) {
    Pending *p = &r->pending;
    if (!p->key) return 1;
    p->value[p->len] = '\0';
    int ok = r->pair(r->ctx, r->section, p->key, p->value, p->line);
    p->key = NULL;
    return ok || ini_bad(r, p->line);
}

/* A "[section]" line (trimmed); returns 1 when reading goes on. */
static int ini_section(Reader *r, char *line, int lineno) {
    char *close = strchr(line, ']');
    if (!close) return ini_bad(r, lineno);
    *close = '\0';
    char *rest = close + 1;
    if (r->syntax == INI_STRICT) {
        if (*rest || (size_t)(close - line) >= INI_STRICT_SECTION_MAX) return ini_bad(r, lineno);
    } else {
        while (*rest == ' ' || *rest == '\t') rest++;
    }
    r->section = line + 1;
    if (r->header && !r->header(r->ctx, r->section, rest, lineno)) return ini_bad(r, lineno);
    return 1;
}

/* A "key = value" line (trimmed); the loose syntax keeps it pending. */
static int ini_pair(Reader *r, char *line, int lineno) {
    int loose = r->syntax == INI_LOOSE;
    char *sep = loose ? ini_stop(line, "=:") : strchr(line, '=');
    if (!sep || !*sep || *sep == ';') return ini_bad(r, lineno);
    size_t kn = (size_t)(sep - line);
    char *value = sep + 1;
    if (loose) *ini_stop(value, NULL) = '\0';
    size_t vn = strlen(value);
    value = ini_trim(value, &vn);
    char *key = ini_trim(line, &kn);
    if (!kn && !loose) return ini_bad(r, lineno);
    if (!loose) return r->pair(r->ctx, r->section, key, value, lineno) || ini_bad(r, lineno);
    r->pending = (Pending){.key = key, .value = value, .len = vn, .line = lineno};
    return 1;
}

/* A continuation line's text t joined to the pending value with a space. */
static void ini_continue(Reader *r, char *t) {
    *ini_stop(t, NULL) = '\0';
    size_t n = strlen(t);
    t = ini_trim(t, &n);
    Pending *p = &r->pending;
    p->value[p->len++] = ' ';
    memmove(p->value + p->len, t, n); /* backwards: over what was read */
    p->len += n;
}

int ini_parse_syntax(char *text, size_t len, IniSyntax syntax, IniHandler pair, IniHeader header,
                     void *ctx) {
    Reader r = {.syntax = syntax, .pair = pair, .header = header, .ctx = ctx, .section = ""};
    int lineno = 0;
    char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* a UTF-8 byte order mark */
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *next = nl ? nl + 1 : end;
        lineno++;
        int indented = n && (p[0] == ' ' || p[0] == '\t');
        if (memchr(p, '\0', n)) {
            p = next;
            if (!ini_flush(&r) || !ini_bad(&r, lineno)) return r.first_bad;
            continue;
        }
        char *line = ini_trim(p, &n);
        p = next;
        if (n == 0 || line[0] == ';' || line[0] == '#') continue;
        if (syntax == INI_LOOSE && indented && line[0] != '[' && r.pending.key &&
            !ini_looks_like_key(line)) {
            ini_continue(&r, line);
            continue;
        }
        if (!ini_flush(&r)) return r.first_bad;
        int go_on = line[0] == '[' ? ini_section(&r, line, lineno) : ini_pair(&r, line, lineno);
        if (!go_on) return r.first_bad;
    }
    ini_flush(&r);
    return r.first_bad;
}

int ini_parse(char *text, size_t len, IniHandler handler, void *ctx) {
    return ini_parse_syntax(text, len, INI_STRICT, handler, NULL, ctx);
}
