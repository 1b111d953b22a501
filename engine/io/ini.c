/*
 * ini — the INI line reader. See ini.h.
 *
 * One pass over the buffer, a line at a time: each line is cut at its
 * newline, trimmed, and classified (blank, comment, header, pair). A NUL
 * byte inside the text would end C strings early and hide the rest of its
 * line, so it makes its line malformed rather than silently cutting it.
 */
#include "engine/io/ini.h"

#include <string.h>

/* Trims spaces, tabs and a carriage return off both ends of s[0..*n),
 * returning its start; s[*n] becomes the terminating NUL. */
static char *ini_trim(char *s, size_t *n) {
    while (*n && (s[0] == ' ' || s[0] == '\t')) s++, (*n)--;
    while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\r')) (*n)--;
    s[*n] = '\0';
    return s;
}

int ini_parse(char *text, size_t len, IniHandler handler, void *ctx) {
    char section[128] = "";
    int lineno = 0;
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *next = nl ? nl + 1 : end;
        lineno++;
        if (memchr(p, '\0', n)) return lineno;
        char *line = ini_trim(p, &n);
        p = next;
        if (n == 0 || line[0] == ';' || line[0] == '#') continue;
        if (line[0] == '[') {
            char *close = strchr(line, ']');
            if (!close || close[1] || (size_t)(close - line) >= sizeof section) return lineno;
            *close = '\0';
            memcpy(section, line + 1, (size_t)(close - line));
            continue;
        }
        char *eq = strchr(line, '=');
        if (!eq) return lineno;
        size_t kn = (size_t)(eq - line), vn = strlen(eq + 1);
        char *value = ini_trim(eq + 1, &vn);
        char *key = ini_trim(line, &kn);
        if (!kn || !handler(ctx, section, key, value, lineno)) return lineno;
    }
    return 0;
}
