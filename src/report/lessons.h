/*
 * lessons — the tutorial's lessons (docs/DESIGN.md sections 1 and 11),
 * checked against a run store: for each, the tutorial's figures, the
 * store's (the test accuracies of the runs it reads, from famruns.h),
 * whether it shows by a margin the test set can resolve, and what to run
 * next. A difference of two test accuracies p1, p2 (fractions) on n1, n2
 * test images has the standard error sqrt(p1 q1 / n1 + p2 q2 / n2); its
 * margin is the difference over that.
 *
 * The lessons are rules as data: one const table, a row per lesson in the
 * tutorial's order (the words, the tutorial's figures, the roles it reads,
 * its rule function, the hint when it does not show), and one loop. A rule
 * reads only a FamGroup (plain data), so each is tested on groups filled
 * by hand. Pure; any thread; results are caller storage.
 */
#ifndef FINELAB_LESSONS_H
#define FINELAB_LESSONS_H

#include "src/report/famruns.h"

typedef enum LessonState {
    LESSON_SHOWS,
    LESSON_NOT_SHOWN,
    LESSON_MISSING,      /* a run it reads has not finished (or has no preset) */
    LESSON_NOT_MEASURED, /* its runs are there but cannot say (no train accuracy, ...) */
    LESSON_STATE_COUNT
} LessonState;

enum { LESSON_COUNT = 7, LESSON_MISSING_MAX = 32, LESSON_TEXT_MAX = 512, LESSON_NEXT_MAX = 4096 };

/* The thresholds, in standard errors of the difference (L1: points). */
#define LESSONS_MARGIN_SE    2.0  /* "beats" / "below": by two standard errors */
#define LESSONS_WD_MARGIN_SE 1.0  /* weight decay: 1 SE below, and within 1 SE */
#define LESSONS_OVERFIT_GAP  0.10 /* stage 1's train accuracy 10 points above test */
#define LESSONS_SPREAD_RATIO 0.5  /* spread over dims at most half that over resolutions */

/* A run a lesson reads and the store lacks. */
typedef struct LessonMissing {
    FamRole role;
    int index;     /* the sweep combination (preset_sweep_item's), -1: the preset itself */
    int running;   /* a run of it is running now */
    int no_preset; /* the family has no preset for the role */
    char label[256];
} LessonMissing;

typedef struct LessonResult {
    LessonState state;
    Family family;                      /* whose runs it read */
    double margin;                      /* the deciding margin (SEs; L1: points); NAN when none */
    char figures[LESSON_TEXT_MAX];      /* the store's figures: the runs' test accuracies */
    char margins[LESSON_TEXT_MAX];      /* each margin against its threshold */
    char missing_text[LESSON_TEXT_MAX]; /* the missing runs named, "" when none */
    char next[LESSON_NEXT_MAX];         /* what to run next ("-" when it shows) */
    LessonMissing missing[LESSON_MISSING_MAX];
    int n_missing;
} LessonResult;

typedef struct Lesson {
    const char *id;       /* "L0" */
    const char *title;    /* a few words: "transfer decides" */
    const char *rule;     /* the rule in words */
    const char *tutorial; /* the tutorial's figures */
    unsigned roles;       /* bit (1 << FamRole) for each role it reads */
    /* Reads g into r (state, figures, margins, missing runs); r comes in
     * with state LESSON_NOT_MEASURED and empty texts. */
    void (*rule_fn)(const FamGroup *g, LessonResult *r);
    /* When it does not show: what to try ('@' stands for the family's
     * preset folder, presets/demo). */
    const char *hint;
} Lesson;

/* Lesson i (0 <= i < LESSON_COUNT), in the tutorial's order. */
const Lesson *lessons_get(int i);
/* "shows", "does not show", "runs missing", "not measured". */
const char *lessons_state_name(LessonState s);

/* The standard error of p1 - p2 (fractions; n1, n2 test images). */
double lessons_se(double p1, int n1, double p2, int n2);
/* (a - b) / lessons_se: how many standard errors a is above b; +-INFINITY
 * when they differ with a zero standard error (0 and 100%), 0 when equal. */
double lessons_margin(double a, int na, double b, int nb);

/* The family whose runs lesson l reads: cub when groups[FAMILY_CUB]
 * (NULL: none) holds a finished run of one of its roles, else demo. */
Family lessons_family(const Lesson *l, const FamGroup *const groups[FAMILY_COUNT]);
/* Checks lesson l on g: the rule, then the missing runs named and what to
 * run next (`finelab run ...` for each, on g's dataset), or the lesson's
 * hint when it does not show. */
void lessons_eval(const Lesson *l, const FamGroup *g, LessonResult *r);
/* Every lesson, each on its family's group (lessons_family). */
void lessons_run(const FamGroup *const groups[FAMILY_COUNT], LessonResult out[LESSON_COUNT]);

/* The family's wall time, the sum of its finished runs' (status seconds):
 * "wall time 23m 40s against the 30-minute budget" (the budget for the
 * demo family only), and how many runs recorded none. */
void lessons_wall_time(const FamGroup *g, char *buf, size_t cap);
enum { LESSONS_BUDGET_SECONDS = 30 * 60 }; /* the demo family's budget (DESIGN.md 11) */

#endif
