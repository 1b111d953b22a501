/*
 * fuzz_journal — reading a study's journal (src/run/study.c: study_read,
 * src/search/journal.c) on any text, and what a worker decides from it:
 * a requeued trial, ASHA's next promotion, TPE's next draw over the
 * trials' points. A failed read must name the file and its line; a read
 * that succeeds must leave trials every decision can take.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/run/study.h"
#include "src/search/tpe.h"
#include "tests/fuzz/fuzz.h"

static char runs[256], dir[400];

static const char preset[] = "[experiment]\nname = f\n[solver]\nmax_iter = 90\ntest_interval = "
                             "10\n[sweep]\nstrategy = asha\nsamples = 20\nmin_iter = 10\n"
                             "sampler = tpe\nsolver.base_lr = loguniform(1e-4, 1)\n"
                             "model.width = 0.0625, 0.125\n";

FUZZ_TARGET(fuzz_journal) {
    if (!runs[0]) {
        fuzz_path(runs, sizeof runs, "runs");
        snprintf(dir, sizeof dir, "%s/studies/f", runs);
        fuzz_mkdir(runs);
        char studies[300], path[500];
        snprintf(studies, sizeof studies, "%s/studies", runs);
        fuzz_mkdir(studies);
        fuzz_mkdir(dir);
        snprintf(path, sizeof path, "%s/preset.ini", dir);
        fuzz_write(path, preset, sizeof preset - 1);
    }
    char journal[500];
    snprintf(journal, sizeof journal, "%s/journal.tsv", dir);
    fuzz_write(journal, data, size);
    Study s;
    Preset *p = malloc(sizeof *p);
    Error err = {0};
    FUZZ_CHECK(p, "out of memory");
    FUZZ_CHECK(study_open(&s, runs, "f", p, &err) == ST_OK, err.msg);
    if (study_read(&s, &err)) {
        FUZZ_CHECK(strstr(err.msg, "journal.tsv:") != NULL, err.msg);
    } else {
        FUZZ_CHECK(s.n >= 0 && s.n <= STUDY_TRIALS_MAX, "trial count");
        int r = journal_requeued(s.trials, s.n), rung = -1;
        FUZZ_CHECK(r >= -1 && r < s.n, "requeued trial");
        AshaRungs rungs;
        asha_rungs(&rungs, 10, 3, 90);
        static AshaTrial a[STUDY_TRIALS_MAX];
        static TpeTrial obs[STUDY_TRIALS_MAX];
        int m = 0;
        for (int i = 0; i < s.n; i++) {
            a[i] = s.trials[i].asha;
            if (s.trials[i].n_x < 2) continue;
            obs[m] = (TpeTrial){.state = s.trials[i].asha.busy ? TPE_RUNNING : TPE_COMPLETE,
                                .value = s.trials[i].asha.score[0].accuracy};
            memcpy(obs[m].x, s.trials[i].x, sizeof obs[m].x);
            obs[m].x[1] = obs[m].x[1] != 0; /* a category's index */
            m++;
        }
        int next = asha_next(a, s.n, &rungs, 3, &rung);
        FUZZ_CHECK(next >= -1 && next < s.n && rung >= 0 && rung < rungs.n_rungs, "asha_next");
        TpeDim dims[2] = {{.kind = TPE_LOGUNIFORM, .lo = 1e-4, .hi = 1},
                          {.kind = TPE_CATEGORICAL, .n_choices = 2}};
        Rng rng;
        rng_seed(&rng, 1);
        double x[2];
        if (tpe_suggest(dims, 2, obs, m, &rng, x))
            FUZZ_CHECK(x[0] >= 1e-4 && x[0] <= 1 && (x[1] == 0 || x[1] == 1), "tpe draw");
    }
    study_close(&s);
    free(p);
    return 0;
}
