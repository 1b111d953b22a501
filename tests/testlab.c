/*
 * testlab — a temporary directory with a generated dataset. See testlab.h.
 */
#include "tests/testlab.h"

#include <stdio.h>

#include "engine/synth/synth.h"
#include "tests/testutil.h"

int testlab_init(TestLab *lab, const char *name, int classes, int per_class) {
    if (testutil_tmpdir(lab->dir, sizeof lab->dir, name)) return -1;
    snprintf(lab->data, sizeof lab->data, "%s/birds", lab->dir);
    snprintf(lab->runs, sizeof lab->runs, "%s/runs", lab->dir);
    SynthConfig sc = {.classes = classes, .per_class = per_class, .size = 64, .seed = 5};
    return synth_generate(&sc, lab->data, NULL, NULL) == ST_OK ? 0 : -1;
}

int testlab_fini(const TestLab *lab) {
    return testutil_rmtree(lab->dir);
}
