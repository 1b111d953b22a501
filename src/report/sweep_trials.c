/*
 * sweep_trials — a halving sweep as a study's trials. See sweep_trials.h.
 */
#include "src/report/sweep_trials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/run/halving_sweep.h"
#include "src/run/runstore.h"

/* Candidate c's trial from its run's status (st, in dir) at the plan's rungs. */
static void sweep_trial_run(StudyTrial *t, const char *dir, const RunStatus *st,
                            const HalvingPlan *plan) {
    snprintf(t->run, sizeof t->run, "%s", dir);
    snprintf(t->started, sizeof t->started, "%s", st->started);
    for (int k = 0; k < plan->n_rungs; k++) {
        if (plan->iter[k] > st->iter) break;
        HalvingScore sc = runstore_heldout_score(dir, plan->iter[k]);
        if (!sc.scored) continue;
        t->asha.reported[k] = 1;
        t->asha.score[k] = sc;
        t->iter[k] = plan->iter[k];
    }
    switch (st->state) {
    case RUN_DONE:
        t->state = TRIAL_COMPLETE;
        break;
    case RUN_PRUNED:
    case RUN_STOPPED:
        t->state = TRIAL_WAITING;
        break;
    case RUN_FAILED:
    case RUN_DIVERGED:
        t->state = TRIAL_FAILED;
        break;
    default:
        t->state = TRIAL_RUNNING, t->asha.busy = 1;
        break;
    }
    if (t->state != TRIAL_RUNNING) snprintf(t->ended, sizeof t->ended, "%s", st->updated);
}

Status sweep_trials_halving(const char *runs_dir, const char *id, Preset *p, StudyTrial *t, int cap,
                            int *n, AshaRungs *rungs, Error *err) {
    Status s = halving_sweep_load(runs_dir, id, p, err);
    if (s) return s;
    HalvingPlan plan;
    int m = preset_sweep_count(p);
    halving_plan(&plan, m, p->sweep.min_iter, p->sweep.eta, p->solver.max_iter);
    rungs->n_rungs = plan.n_rungs;
    memcpy(rungs->iter, plan.iter, sizeof rungs->iter);
    *n = m < cap ? m : cap;
    for (int c = 0; c < *n; c++) {
        StudyTrial *x = &t[c];
        Preset one;
        memset(x, 0, sizeof *x);
        x->n_x = p->sweep.n_keys;
        x->seed = p->solver.random_seed;
        x->state = TRIAL_WAITING;
        preset_sweep_item_point(p, c, x->x);
        preset_sweep_point(p, x->x, &one, x->params, sizeof x->params, NULL);
    }
    char(*dirs)[1024] = calloc((size_t)(*n ? *n : 1), sizeof *dirs);
    if (!dirs) return error_set(err, ST_NOMEM, "out of memory reading %s", id);
    if (!(s = runstore_sweep_runs(runs_dir, id, *n, dirs, err)))
        for (int c = 0; c < *n; c++) {
            RunStatus st;
            if (dirs[c][0] && runstore_read_status(dirs[c], &st, NULL) == ST_OK)
                sweep_trial_run(&t[c], dirs[c], &st, &plan);
        }
    free(dirs);
    return s;
}
