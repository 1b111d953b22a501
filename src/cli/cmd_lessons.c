/*
 * cmd_lessons — the lessons from the shell. See cmd_lessons.h.
 *
 * Both families are read (demo and cub, on the asked dataset or each on
 * its newest complete group); each lesson reads the family lessons_family
 * picks. The text form is a block per lesson; the Markdown form a table
 * whose first two columns (the lesson, the tutorial) do not depend on the
 * store, which is what tests/src/cli/test_readme.sh holds README's block to.
 */
#include "src/cli/cmd_lessons.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cli/cli.h"
#include "src/report/lessons.h"

typedef struct LessonsArgs {
    const char *runs_dir, *presets_dir, *dataset;
    int md;
} LessonsArgs;

static int lessons_args(int argc, char **argv, LessonsArgs *a) {
    *a = (LessonsArgs){.runs_dir = "runs", .presets_dir = "presets"};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--md") == 0) {
            a->md = 1;
        } else if (strcmp(argv[i], "--runs-dir") == 0) {
            if (!(a->runs_dir = cli_value("lessons", argc, argv, &i))) return -1;
        } else if (strcmp(argv[i], "--presets") == 0) {
            if (!(a->presets_dir = cli_value("lessons", argc, argv, &i))) return -1;
        } else if (strcmp(argv[i], "--dataset") == 0) {
            if (!(a->dataset = cli_value("lessons", argc, argv, &i))) return -1;
        } else {
            cli_error("lessons",
                      "unexpected argument '%s' (usage: finelab lessons [--md] "
                      "[--dataset PATH] [--runs-dir DIR] [--presets DIR])",
                      argv[i]);
            return -1;
        }
    }
    return 0;
}

/* A Markdown cell: '|' escaped, newlines as spaces. */
static void md_cell(const char *s) {
    fputs("| ", stdout);
    for (; *s; s++)
        if (*s == '|')
            fputs("\\|", stdout);
        else
            putchar(*s == '\n' ? ' ' : *s);
    putchar(' ');
}

static void print_md(const LessonResult *res) {
    printf("| lesson | the tutorial | this store | margin | shows? | next |\n"
           "|---|---|---|---|---|---|\n");
    for (int i = 0; i < LESSON_COUNT; i++) {
        const Lesson *l = lessons_get(i);
        const LessonResult *r = &res[i];
        char lesson[LESSON_TEXT_MAX], state[LESSON_TEXT_MAX];
        snprintf(lesson, sizeof lesson, "%s %s: %s", l->id, l->title, l->rule);
        snprintf(state, sizeof state, r->state == LESSON_SHOWS ? "**%s**" : "%s",
                 lessons_state_name(r->state));
        md_cell(lesson);
        md_cell(l->tutorial);
        md_cell(r->state == LESSON_MISSING ? r->missing_text : r->figures);
        md_cell(r->margins[0] ? r->margins : "-");
        md_cell(state);
        md_cell(r->next);
        printf("|\n");
    }
}

static void print_text(const LessonResult *res) {
    for (int i = 0; i < LESSON_COUNT; i++) {
        const Lesson *l = lessons_get(i);
        const LessonResult *r = &res[i];
        printf("%s%s %s: %s\n", i ? "\n" : "", l->id, l->title, lessons_state_name(r->state));
        printf("  rule:       %s\n", l->rule);
        printf("  tutorial:   %s\n", l->tutorial);
        if (r->state == LESSON_MISSING)
            printf("  missing:    %s\n", r->missing_text);
        else
            printf("  this store: %s (%s family)\n", r->figures, famruns_family_name(r->family));
        if (r->margins[0]) printf("  margin:     %s\n", r->margins);
        printf("  next:       %s\n", r->next);
    }
}

/* Whether a lesson reads family f. */
static int family_used(const LessonResult *res, Family f) {
    for (int i = 0; i < LESSON_COUNT; i++)
        if (res[i].family == f) return 1;
    return 0;
}

/* The groups read with their wall times, and the other datasets with
 * runs of them; in Markdown, a paragraph each. */
static void print_footer(FamGroup *const g[FAMILY_COUNT], const LessonResult *res, int md) {
    for (int f = 0; f < FAMILY_COUNT; f++) {
        if (!family_used(res, (Family)f)) continue;
        char group[2 * FAM_PATH_MAX], wall[512];
        famruns_describe(g[f], group, sizeof group);
        lessons_wall_time(g[f], wall, sizeof wall);
        printf("%s%s; %s\n", md ? "\n" : "", group, wall);
        for (int k = 0; k < g[f]->n_datasets; k++)
            if (!famruns_same_dataset(g[f]->datasets[k], g[f]->dataset))
                printf("%salso %s runs on %s: finelab lessons --dataset %s\n", md ? "\n" : "",
                       famruns_family_name((Family)f), g[f]->datasets[k], g[f]->datasets[k]);
    }
}

int cmd_lessons(int argc, char **argv) {
    LessonsArgs a;
    if (lessons_args(argc, argv, &a)) return CLI_BAD_INPUT;
    FamGroup *g[FAMILY_COUNT] = {0};
    LessonResult *res = malloc(sizeof *res * LESSON_COUNT);
    int code = CLI_OK;
    Error err = {0};
    for (int f = 0; f < FAMILY_COUNT && res; f++)
        if (!(g[f] = malloc(sizeof *g[f])) ||
            famruns_find(g[f], (Family)f, a.runs_dir, a.presets_dir, a.dataset, &err)) {
            cli_error("lessons", "%s", err.msg[0] ? err.msg : "out of memory");
            code = CLI_FAILED;
            break;
        }
    if (!res) {
        cli_error("lessons", "out of memory");
        code = CLI_FAILED;
    }
    if (code == CLI_OK) {
        lessons_run((const FamGroup *const *)g, res);
        if (a.md) {
            print_md(res);
        } else {
            printf("The tutorial's lessons in %s\n\n", a.runs_dir);
            print_text(res);
            printf("\n");
        }
        print_footer(g, res, a.md);
    }
    for (int f = 0; f < FAMILY_COUNT; f++) free(g[f]);
    free(res);
    return code;
}
