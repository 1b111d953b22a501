/*
 * scr_lessons — screen 7: the tutorial's lessons checked on the run store
 * (src/report/lessons.h), as `finelab lessons` prints them: a row per
 * lesson in the tutorial's order with whether it shows and by how many
 * standard errors, and below, the selected lesson's rule, the tutorial's
 * figures, the store's, the margins and what to run next; the family's
 * wall time against the demo's budget at the bottom. Enter queues the
 * selected lesson's missing runs on the engine (on the dataset the screen
 * reads), d steps through the datasets the store has runs of.
 *
 * The screen owns its state (LessonsView, one per lab, as scr_lrfind's
 * LrFindView): the two families' groups and the lessons read from them,
 * read again whenever the lab has reread the store (every 2 s, so runs of
 * other processes and Slurm tasks come in as they finish), and only while
 * the screen is drawn. Its text is ASCII (only the rule under the list is
 * a box-drawing line, in UTF-8 locales), and a lesson's state is a word, so
 * it reads the same in any locale and without colour.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/preset/preset.h"
#include "src/report/lessons.h"
#include "ui/screen.h"

typedef struct LessonsView {
    FamGroup groups[FAMILY_COUNT];
    LessonResult results[LESSON_COUNT];
    double read_at;             /* the App's runs_loaded_at when read; 0: never */
    int sel;                    /* the lesson selected */
    char dataset[FAM_PATH_MAX]; /* "" the newest complete group; else the one d picked */
    char presets_dir[1024];     /* where the family folders are */
    char error[512];            /* why the store could not be read, "" */
} LessonsView;

static LessonsView the_view; /* one per lab */
static LessonsView *const view = &the_view;

/* The first presets directory holding a family folder (presets/demo). */
static void lessons_presets_dir(const App *a) {
    snprintf(view->presets_dir, sizeof view->presets_dir, "%s", a->presets_dirs[0]);
    for (int d = 0; d < a->n_presets_dirs; d++)
        for (int f = 0; f < FAMILY_COUNT; f++) {
            char path[1400];
            snprintf(path, sizeof path, "%s/%s/%s", a->presets_dirs[d],
                     famruns_family_name((Family)f), famruns_role_file(FAM_STAGE1));
            if (fileio_exists(path)) {
                snprintf(view->presets_dir, sizeof view->presets_dir, "%s", a->presets_dirs[d]);
                return;
            }
        }
}

/* Reads the families' runs and checks the lessons, when the lab has
 * reread the store since the last reading. */
static void lessons_read(App *a) {
    if (view->read_at != 0 && view->read_at == a->runs_loaded_at) return;
    view->read_at = a->runs_loaded_at;
    lessons_presets_dir(a);
    Error err = {0};
    const FamGroup *g[FAMILY_COUNT];
    view->error[0] = '\0';
    for (int f = 0; f < FAMILY_COUNT; f++) {
        if (famruns_find(&view->groups[f], (Family)f, a->runs_dir, view->presets_dir, view->dataset,
                         &err))
            snprintf(view->error, sizeof view->error, "%s", err.msg);
        g[f] = &view->groups[f];
    }
    lessons_run(g, view->results);
}

/* --- drawing ---------------------------------------------------------------------- */

/* Writes s from (x, y) up to column w, breaking at spaces (later lines
 * from x as well) on at most max rows; returns the rows used. g NULL
 * only counts them. */
static int wrap(TextGrid *g, int w, int x, int y, const char *s, int style, int max) {
    int rows = 0;
    w -= x;
    char line[LESSON_NEXT_MAX];
    while (*s && rows < max && w > 8) {
        size_t n = 0, cut = 0;
        int cells = 0;
        while (s[n] && cells < w) {
            n += (size_t)textgrid_utf8_len(s + n);
            cells++;
            if (s[n] == ' ') cut = n;
        }
        if (!s[n] || !cut) cut = n; /* the rest fits, or a word longer than the line */
        snprintf(line, sizeof line, "%.*s", (int)cut, s);
        if (g) textgrid_text(g, x, y + rows, line, style);
        rows++;
        s += cut;
        while (*s == ' ') s++;
    }
    return rows;
}

static int state_style(LessonState s) {
    return s == LESSON_SHOWS ? ST_GOOD : s == LESSON_NOT_SHOWN ? ST_BAD : ST_DIM;
}

/* The margin column: "29.7 SE", "+25.0 pts" (L1's gap), "-". */
static void margin_cell(const LessonResult *r, int lesson, char *buf, size_t cap) {
    if (isnan(r->margin))
        snprintf(buf, cap, "-");
    else if (lesson == 1)
        snprintf(buf, cap, "%+.1f pts", r->margin);
    else
        snprintf(buf, cap, "%.1f SE", r->margin);
}

/* Column widths of the list: they and "d: N datasets" fit in 80. */
enum { COL_LESSON = 33, COL_STATE = 13, COL_MARGIN = 9 };

static void lessons_rows(TextGrid *g, int y) {
    char line[512], margin[32];
    textgrid_printf(g, 0, y, ST_HEADER, "  %-*s %-*s %-*s %s", COL_LESSON, "lesson", COL_STATE,
                    "state", COL_MARGIN, "margin", "family");
    for (int i = 0; i < LESSON_COUNT; i++) {
        const Lesson *l = lessons_get(i);
        const LessonResult *r = &view->results[i];
        int sel = i == view->sel, row = y + 1 + i, style = sel ? ST_SELECTED : 0;
        margin_cell(r, i, margin, sizeof margin);
        snprintf(line, sizeof line, "%c %s %-*s ", sel ? '>' : ' ', l->id, COL_LESSON - 3,
                 l->title);
        int x = textgrid_text(g, 0, row, line, style);
        snprintf(line, sizeof line, "%-*s", COL_STATE, lessons_state_name(r->state));
        x += textgrid_text(g, x, row, line, sel ? ST_SELECTED : state_style(r->state));
        snprintf(line, sizeof line, " %-*s %s", COL_MARGIN, margin, famruns_family_name(r->family));
        x += textgrid_text(g, x, row, line, style);
        for (; sel && x < g->w; x++) textgrid_put(g, x, row, " ", ST_SELECTED);
    }
}

/* The selected lesson from row y on, up to row end (exclusive). */
static void lessons_detail(TextGrid *g, int y, int end) {
    const Lesson *l = lessons_get(view->sel);
    const LessonResult *r = &view->results[view->sel];
    char text[LESSON_NEXT_MAX + 64];
    snprintf(text, sizeof text, "%s %s: %s", l->id, l->title, l->rule);
    y += wrap(g, g->w, 0, y, text, ST_TITLE, end - y);
    struct {
        const char *name, *text;
    } rows[] = {
        {"tutorial:", l->tutorial},
        {r->state == LESSON_MISSING ? "missing:" : "store:",
         r->state == LESSON_MISSING ? r->missing_text : r->figures},
        {"margin:", r->margins},
        {"next:", r->next},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0] && y < end; k++) {
        if (!rows[k].text[0]) continue;
        textgrid_text(g, 0, y, rows[k].name, ST_DIM);
        y += wrap(g, g->w, 10, y, rows[k].text, 0, end - y);
    }
    if (r->state == LESSON_MISSING && y < end)
        textgrid_text(g, 10, y, "Enter queues the missing runs here", ST_KEY);
}

/* Whether a lesson reads family f. */
static int family_used(Family f) {
    for (int i = 0; i < LESSON_COUNT; i++)
        if (view->results[i].family == f) return 1;
    return 0;
}

/* The groups read with their wall times, on the last rows; returns how
 * many rows. */
static int lessons_footer(TextGrid *g) {
    char line[2 * FAM_PATH_MAX + 600], group[2 * FAM_PATH_MAX], wall[512];
    int y = g->h - 1;
    for (int f = FAMILY_COUNT - 1; f >= 0 && y > 0; f--) {
        const FamGroup *fg = &view->groups[f];
        if (!family_used((Family)f)) continue;
        famruns_describe(fg, group, sizeof group);
        lessons_wall_time(fg, wall, sizeof wall);
        snprintf(line, sizeof line, "%s; %s", group, wall);
        int rows = wrap(NULL, g->w, 0, 0, line, 0, 2);
        y -= rows;
        wrap(g, g->w, 0, y + 1, line, ST_DIM, rows);
    }
    return g->h - 1 - y;
}

static void lessons_draw(App *a, TextGrid *g) {
    lessons_read(a);
    const FamGroup *demo = &view->groups[FAMILY_DEMO];
    textgrid_printf(g, 0, 0, ST_TITLE, "Lessons: the tutorial's, checked on %s", a->runs_dir);
    if (view->error[0]) {
        textgrid_printf(g, 0, 1, ST_ERROR, "%s", view->error);
        return;
    }
    lessons_rows(g, 1);
    if (demo->n_datasets > 1) { /* at the header's end: the title may fill its row */
        char more[64];
        snprintf(more, sizeof more, "d: %d datasets", demo->n_datasets);
        textgrid_text(g, g->w - (int)strlen(more), 1, more, ST_DIM);
    }
    int y = 2 + LESSON_COUNT;
    for (int k = 0; k < g->w; k++) textgrid_put(g, k, y, a->utf8 ? "\xe2\x94\x80" : "-", ST_DIM);
    int footer = lessons_footer(g);
    lessons_detail(g, y + 1, g->h - footer);
}

/* --- keys ------------------------------------------------------------------------- */

/* Whether "name (label)" (the bridge's name of a job) waits or runs here. */
static int lessons_queued_here(App *a, const char *job) {
    char names[BRIDGE_QUEUE_MAX][256];
    int n = bridge_queued_names(a->bridge, names, BRIDGE_QUEUE_MAX);
    for (int i = 0; i < n && i < BRIDGE_QUEUE_MAX; i++)
        if (strcmp(names[i], job) == 0) return 1;
    BridgeSnapshot s;
    bridge_snapshot(a->bridge, &s);
    return s.running && strcmp(s.name, job) == 0;
}

/* Queues missing run m of group g (p, one: scratch). 1 queued, 0 not
 * needed (it runs or waits already), -1 failed (the status line says). */
static int lessons_queue_one(App *a, const FamGroup *g, const LessonMissing *m, Preset *p) {
    char path[1400], job[600];
    Error err = {0};
    snprintf(path, sizeof path, "%s/%s", g->presets_dir, famruns_role_file(m->role));
    if (preset_load(p, path, &err)) {
        app_message(a, 1, "%s", err.msg);
        return -1;
    }
    if (g->dataset[0] && !famruns_same_dataset(g->dataset, p->data.dataset))
        snprintf(p->data.dataset, sizeof p->data.dataset, "%s", g->dataset);
    if (m->label[0])
        snprintf(job, sizeof job, "%s (%s)", p->experiment.name, m->label);
    else
        snprintf(job, sizeof job, "%s", p->experiment.name);
    if (lessons_queued_here(a, job)) return 0;
    return app_queue_item(a, p, m->index < 0 ? 0 : m->index) ? -1 : 1;
}

/* Queues the missing runs of lesson i; adds to *queued and *waiting. */
static int lessons_queue_lesson(App *a, int i, int *queued, int *waiting) {
    const LessonResult *r = &view->results[i];
    const FamGroup *g = &view->groups[r->family];
    Preset *p = malloc(sizeof *p);
    if (!p) return -1;
    int failed = 0;
    for (int k = 0; k < r->n_missing && !failed; k++) {
        const LessonMissing *m = &r->missing[k];
        if (m->no_preset) continue;
        int got = m->running ? 0 : lessons_queue_one(a, g, m, p);
        failed = got < 0;
        *queued += got > 0;
        *waiting += got == 0;
    }
    free(p);
    return failed ? -1 : 0;
}

static void lessons_queue(App *a) {
    const Lesson *l = lessons_get(view->sel);
    const LessonResult *r = &view->results[view->sel];
    if (r->state != LESSON_MISSING) {
        app_message(a, 0, "%s %s: no run is missing (it %s)", l->id, l->title,
                    r->state == LESSON_NOT_MEASURED ? "is not measured"
                                                    : lessons_state_name(r->state));
        return;
    }
    int queued = 0, waiting = 0;
    if (lessons_queue_lesson(a, view->sel, &queued, &waiting)) return;
    if (queued)
        app_message(a, 0, "%s: queued %d missing run%s (%s)%s", l->id, queued,
                    queued == 1 ? "" : "s", r->missing_text,
                    waiting ? "; the others run or wait already" : "");
    else
        app_message(a, 0, "%s: its missing runs run or wait already (%s)", l->id, r->missing_text);
}

/* d: the next dataset the store has demo runs on ("" again after the last). */
static void lessons_dataset(App *a) {
    const FamGroup *g = &view->groups[FAMILY_DEMO];
    int at = -1;
    for (int k = 0; k < g->n_datasets; k++)
        if (view->dataset[0] && famruns_same_dataset(g->datasets[k], view->dataset)) at = k;
    if (at + 1 < g->n_datasets)
        snprintf(view->dataset, sizeof view->dataset, "%s", g->datasets[at + 1]);
    else
        view->dataset[0] = '\0';
    view->read_at = 0;
    app_message(a, 0, "lessons on %s",
                view->dataset[0] ? view->dataset : "the newest complete group");
}

static void lessons_move(App *a, int delta) {
    (void)a;
    app_step(&view->sel, LESSON_COUNT, delta);
}

static const KeyBinding lessons_keys[] = {
    {'\n', "Enter", "Queue", "queue the selected lesson's missing runs (on its dataset)",
     lessons_queue, 0},
    {'d', "d", "Dataset", "the next dataset with runs (default: the newest complete group)",
     lessons_dataset, 0},
};

const ScreenClass lessons_screen = {
    .name = "Lessons",
    .draw = lessons_draw,
    SCREEN_KEYS(lessons_keys),
    .move = lessons_move,
    .shows_runs = 1,
};
