/*
 * testpreset — --set assignments for tests. See testpreset.h.
 */
#include "tests/testpreset.h"

#include <stdio.h>

#include "tests/testutil.h"

void testpreset_apply(Preset *p, const char *const *sets, size_t n) {
    for (size_t i = 0; i < n; i++) {
        Error err = {0};
        if (preset_set(p, sets[i], &err)) fail_msg("%s: %s", sets[i], err.msg);
    }
}

void testpreset_set(Preset *p, const char *fmt, ...) {
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    testpreset_apply(p, (const char *const[]){line}, 1);
}
