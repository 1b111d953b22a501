/*
 * fuzz_solver_import — `finelab import-solver` (src/preset/solver_import.c)
 * on any text: a Caffe solver.prototxt becomes a [solver] section.
 *
 * solver_import promises that what it returns always loads; the harness
 * loads it (preset_parse) and validates it as the command's caller would,
 * and a failure must come with a message naming the file.
 */
#include <stdlib.h>
#include <string.h>

#include "src/preset/preset.h"
#include "src/preset/solver_import.h"
#include "tests/fuzz/fuzz.h"

FUZZ_TARGET(fuzz_solver_import) {
    char *text = fuzz_text(data, size);
    Error e = {0};
    char *ini = solver_import(text, "solver.prototxt", &e);
    if (ini) {
        Preset *p = malloc(sizeof *p);
        FUZZ_CHECK(p, "out of memory");
        Status st = preset_parse(p, ini, "imported.ini", &e);
        FUZZ_CHECK(st == ST_OK, e.msg);
        (void)preset_validate(p, &e);
        free(p);
        free(ini);
    } else {
        FUZZ_CHECK(strncmp(e.msg, "solver.prototxt", 15) == 0, e.msg);
    }
    free(text);
    return 0;
}
