/*
 * scr_editor — screen 2: a form generated from the preset schema. The
 * tutorial's knobs (schema_knob: transfer mode, resolution, bilinear dim,
 * weight decay, then the solver's basics) come first, then every other key
 * under its section, in table order; each key is one row. Left/right cycle
 * through the key's choices or suggested values (mode, resolution
 * 224/336/448, bilinear dim 1024..8192, pooling, lr policy ...), Enter types
 * a value, validated on every keystroke against the key's type and range.
 * A row is marked '*' when its value is not the default and '+' when it
 * differs from the preset as opened (or last saved); a key that does
 * nothing in the current setting (schema_unused) is dimmed and says why.
 * The help line shows the range and help text. L runs the range test of
 * the form as it stands (scr_lrfind.h), whose rate comes back into the
 * form. Saving writes the file
 * atomically and only when the whole preset is valid. The files the preset
 * names are checked as a run would check them before it starts
 * (preflight.h), when the editor opens and after every change, and a
 * problem shows on the key at fault.
 *
 * Above the form, the batch's trade-off (footprint.h), for the values as
 * typed: the effective batch batch_size x iter_size and the estimated peak
 * memory of training with its parts, the largest over a sweep's runs;
 * it follows batch_size, iter_size, resolution, width, mode ... on every
 * change and keystroke.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/preset/schema.h"
#include "src/run/footprint.h"
#include "src/run/preflight.h"
#include "ui/scr_lrfind.h"
#include "ui/screen.h"
#include "ui/term.h"

enum { EDITOR_LINES_MAX = 128 }; /* keys and headings of the form */

/* The keys in the form's order: the knobs, then the other keys in table
 * order. Fills order (schema_count() entries). */
static void editor_order(const SchemaKey **order) {
    int n = 0;
    CHECK(schema_count() < EDITOR_LINES_MAX);
    for (int i = 0; i < schema_knob_count(); i++) order[n++] = schema_knob(i);
    for (int j = 0; j < schema_count(); j++)
        if (schema_knob_rank(schema_at(j)) < 0) order[n++] = schema_at(j);
}

/* The key on row i of the form (0 <= i < schema_count()). */
static const SchemaKey *editor_key(int i) {
    const SchemaKey *order[EDITOR_LINES_MAX];
    editor_order(order);
    return order[i];
}

/* The selected key. */
static const SchemaKey *editor_selected(const App *a) {
    return editor_key(a->editor.field);
}

/* The dataset's counts the memory estimate needs, from its index. */
static void editor_dataset_counts(App *a) {
    Dataset ds;
    Error err = {0};
    a->editor.train = a->editor.test = a->editor.classes = -1;
    if (preflight_dataset(&a->editor.preset, &ds, &err) == ST_OK) {
        a->editor.train = ds.n_train;
        a->editor.test = ds.n_test + ds.n_val; /* one cached view each, as test images */
        a->editor.classes = ds.num_classes;
    }
    dataset_fini(&ds);
}

/* Reruns the preflight of the preset being edited when it is due (the
 * editor opened or a value changed): the problem and the key it is on. */
static void editor_preflight(App *a) {
    if (!a->editor.check_due) return;
    a->editor.check_due = 0;
    editor_dataset_counts(a);
    a->editor.problem[0] = '\0';
    a->editor.problem_field = -1;
    const char *key;
    Error err = {0};
    if (preflight_sweep(&a->editor.preset, a->runs_dir, &key, &err) == ST_OK) return;
    snprintf(a->editor.problem, sizeof a->editor.problem, "%s", err.msg);
    const SchemaKey *k = key ? schema_find_dotted(key) : NULL;
    if (k) a->editor.problem_field = schema_index(k);
}

/* The problem as shown beside its key: without the key in front. */
static const char *editor_problem_note(const App *a, const SchemaKey *k) {
    const char *msg = a->editor.problem;
    size_t ns = strlen(k->section), nk = strlen(k->key);
    if (strncmp(msg, k->section, ns) == 0 && msg[ns] == '.' &&
        strncmp(msg + ns + 1, k->key, nk) == 0 && strncmp(msg + ns + 1 + nk, ": ", 2) == 0)
        return msg + ns + 1 + nk + 2;
    return msg;
}

/* The defaults, made once: the '*' marks compare with them. */
static const Preset *editor_defaults(void) {
    static Preset d;
    static int made;
    if (!made) preset_defaults(&d), made = 1;
    return &d;
}

/* What is drawn on one line of the form: a heading, or a key (its row). */
typedef struct EditorLine {
    const char *heading;
    const SchemaKey *k;
    int field;
} EditorLine;

/* Fills lines with the form's headings and keys; returns how many. */
static int editor_lines(EditorLine *lines) {
    const SchemaKey *order[EDITOR_LINES_MAX];
    int n = 0, keys = schema_count(), sections = 0;
    while (schema_section(sections)) sections++;
    CHECK(1 + sections + keys <= EDITOR_LINES_MAX);
    editor_order(order);
    const char *section = NULL;
    lines[n++] = (EditorLine){"the tutorial's knobs", NULL, -1};
    for (int i = 0; i < keys; i++) {
        const SchemaKey *k = order[i];
        if (i >= schema_knob_count() && (!section || strcmp(section, k->section) != 0)) {
            section = k->section;
            lines[n++] = (EditorLine){section, NULL, -1};
        }
        lines[n++] = (EditorLine){NULL, k, i};
    }
    return n;
}

/* One key's row: marks, name (section.key among the knobs), value, and why
 * it does nothing when it does nothing. */
static void editor_row(App *a, TextGrid *g, int y, const EditorLine *l) {
    const SchemaKey *k = l->k;
    char name[96], value[1100], line[1400];
    int selected = l->field == a->editor.field;
    if (l->field < schema_knob_count())
        snprintf(name, sizeof name, "%s.%s", k->section, k->key);
    else
        snprintf(name, sizeof name, "%s", k->key);
    if (selected && a->editor.typing)
        snprintf(value, sizeof value, "%s_", a->editor.text);
    else
        schema_format(k, &a->editor.preset, value, sizeof value);
    const char *unused = schema_unused(k, &a->editor.preset);
    snprintf(line, sizeof line, "%c%c %-22s = %s%s%s%s",
             schema_same(k, &a->editor.preset, editor_defaults()) ? ' ' : '*',
             schema_same(k, &a->editor.preset, &a->editor.orig) ? ' ' : '+', name, value,
             unused ? "   (" : "", unused ? unused : "", unused ? ")" : "");
    int cells = textgrid_text(g, 0, y, line, selected ? ST_SELECTED : unused ? ST_DIM : 0);
    if (schema_index(k) == a->editor.problem_field) /* the preflight's problem, on its key */
        textgrid_printf(g, cells, y, ST_ERROR, "  ! %s", editor_problem_note(a, k));
}

/* The estimate for p: the largest over its sweep's runs (*runs of them). */
static void editor_footprint(const App *a, const Preset *p, Footprint *out, int *runs) {
    int n_train = a->editor.train > 0 ? a->editor.train : 0,
        n_test = a->editor.test > 0 ? a->editor.test : 0;
    int classes = a->editor.classes > 0 ? a->editor.classes : 0;
    *runs = preset_sweep_count(p);
    footprint_estimate(p, n_train, n_test, classes, out);
    Preset *item = *runs > 1 ? malloc(sizeof *item) : NULL;
    for (int i = 0; item && i < *runs; i++) {
        Footprint f;
        if (preset_sweep_item(p, i, item, NULL, 0, NULL)) continue;
        footprint_estimate(item, n_train, n_test, classes, &f);
        if (f.total > out->total) *out = f;
    }
    free(item);
}

/* Two lines at y: the effective batch and the memory estimate, then its
 * parts. While a value is typed, for the value typed (when it parses). */
static void editor_batch_lines(const App *a, TextGrid *g, int y) {
    Preset *p = malloc(sizeof *p);
    if (!p) return;
    *p = a->editor.preset;
    if (a->editor.typing) {
        Preset *trial = malloc(sizeof *trial);
        if (trial) {
            *trial = a->editor.preset;
            if (schema_parse(editor_selected(a), a->editor.text, trial, 0, NULL) == ST_OK)
                *p = *trial;
            free(trial);
        }
    }
    Footprint f;
    int runs;
    editor_footprint(a, p, &f, &runs);
    char total[32], par[32], act[32], grad[32], ws[32], data[32], cache[32], sweep[48] = "";
    footprint_format(f.total, total, sizeof total);
    footprint_format(f.params, par, sizeof par);
    footprint_format(f.activations, act, sizeof act);
    footprint_format(f.gradients, grad, sizeof grad);
    footprint_format(f.workspace, ws, sizeof ws);
    footprint_format(f.loader, data, sizeof data);
    footprint_format(f.cache, cache, sizeof cache);
    int cached = p->transfer.mode == TRANSFER_LAST_LAYER && p->transfer.feature_cache;
    int unread = cached && a->editor.train < 0; /* the cache's size is not known */
    if (runs > 1) snprintf(sweep, sizeof sweep, " (the largest of %d runs)", runs);
    textgrid_printf(g, 0, y, ST_HEADER,
                    "effective batch %d = batch_size %d x iter_size %d per process   "
                    "peak memory ~%s%s%s",
                    f.effective_batch, p->solver.batch_size, p->solver.iter_size, total,
                    unread ? " + cache" : "", sweep);
    char tail[64] = "";
    if (cached) snprintf(tail, sizeof tail, "  cache %s", unread ? "?" : cache);
    textgrid_printf(g, 0, y + 1, ST_DIM,
                    "  params %s  activations %s  act. grads %s  workspace %s  loader %s%s", par,
                    act, grad, ws, data, tail);
    free(p);
}

static void editor_draw(App *a, TextGrid *g) {
    char line[1400];
    if (!a->editor.path[0]) {
        textgrid_text(g, 0, 0, "Editor: pick a preset on screen 1 and press Enter", ST_DIM);
        return;
    }
    editor_preflight(a);
    snprintf(line, sizeof line, "Editing %s%s", a->editor.path,
             a->editor.dirty ? "  (modified)" : "");
    textgrid_text(g, 0, 0, line, ST_TITLE);
    textgrid_text(g, 0, 1,
                  "* not the default   + changed since opened   dim (unused ...): no effect here",
                  ST_DIM);
    editor_batch_lines(a, g, 2);
    EditorLine lines[EDITOR_LINES_MAX];
    int n = editor_lines(lines), rows = g->h - 7, sel_row = 0;
    for (int i = 0; i < n; i++)
        if (lines[i].field == a->editor.field) sel_row = i;
    int top = sel_row >= rows ? sel_row - rows + 1 : 0;
    for (int i = top; i < n && i - top < rows; i++) {
        if (lines[i].heading) {
            snprintf(line, sizeof line, "[%s]", lines[i].heading);
            textgrid_text(g, 0, 4 + i - top, line, ST_HEADER);
        } else {
            editor_row(a, g, 4 + i - top, &lines[i]);
        }
    }
    const SchemaKey *k = editor_selected(a);
    char what[512];
    schema_describe(k, what, sizeof what);
    snprintf(line, sizeof line, "%s.%s: %s", k->section, k->key, k->help);
    textgrid_text(g, 0, g->h - 3, line, 0);
    snprintf(line, sizeof line, "values: %s", what);
    textgrid_text(g, 0, g->h - 2, line, ST_DIM);
    if (a->editor.error[0])
        textgrid_text(g, 0, g->h - 1, a->editor.error, ST_ERROR);
    else if (a->editor.problem[0])
        textgrid_printf(g, 0, g->h - 1, ST_ERROR, "cannot run: %s", a->editor.problem);
}

/* Applies text to the selected key; 0 on success, else edit_error says why. */
static int editor_apply(App *a, const char *text) {
    const SchemaKey *k = editor_selected(a);
    Error err = {0};
    Preset trial = a->editor.preset;
    if (schema_parse(k, text, &trial, 0, &err)) {
        snprintf(a->editor.error, sizeof a->editor.error, "%s.%s: %s", k->section, k->key, err.msg);
        return -1;
    }
    a->editor.preset = trial;
    a->editor.dirty = 1;
    a->editor.check_due = 1;
    a->editor.error[0] = '\0';
    return 0;
}

static void editor_cycle(App *a, int dir) {
    if (!a->editor.path[0]) return;
    const SchemaKey *k = editor_selected(a);
    char now[1100];
    schema_format(k, &a->editor.preset, now, sizeof now);
    int count = 0, at = -1;
    for (const char *s; (s = schema_suggestion(k, count)); count++)
        if (strcmp(s, now) == 0) at = count;
    if (count == 0) {
        app_message(a, 0, "%s.%s has no choices: press Enter to type a value", k->section, k->key);
        return;
    }
    int next = at < 0 ? (dir > 0 ? 0 : count - 1) : (at + dir + count) % count;
    editor_apply(a, schema_suggestion(k, next));
}

static void editor_next_choice(App *a) {
    editor_cycle(a, 1);
}

static void editor_prev_choice(App *a) {
    editor_cycle(a, -1);
}

static void editor_type(App *a) {
    if (!a->editor.path[0]) return;
    schema_format(editor_selected(a), &a->editor.preset, a->editor.text, sizeof a->editor.text);
    a->editor.typing = 1;
}

/* Live validation: what the typed text would give, without applying it. */
static void editor_check_typed(App *a) {
    const SchemaKey *k = editor_selected(a);
    Preset trial = a->editor.preset;
    Error err = {0};
    if (schema_parse(k, a->editor.text, &trial, 0, &err))
        snprintf(a->editor.error, sizeof a->editor.error, "%s.%s: %s", k->section, k->key, err.msg);
    else
        a->editor.error[0] = '\0';
}

static void editor_type_key(App *a, int ch) {
    size_t n = strlen(a->editor.text);
    if (ch == TERM_KEY_ENTER) {
        if (editor_apply(a, a->editor.text) == 0) a->editor.typing = 0;
    } else if (ch == TERM_KEY_ESC) {
        a->editor.typing = 0;
        a->editor.error[0] = '\0';
    } else if (ch == TERM_KEY_BACKSPACE && n > 0) {
        a->editor.text[n - 1] = '\0';
        editor_check_typed(a);
    } else if (ch >= 32 && ch < 127 && n + 1 < sizeof a->editor.text) {
        a->editor.text[n] = (char)ch;
        a->editor.text[n + 1] = '\0';
        editor_check_typed(a);
    }
    a->dirty = 1;
}

static int editor_typing(const App *a) {
    return a->editor.typing;
}

static void editor_save(App *a) {
    if (!a->editor.path[0]) return;
    Error err = {0};
    if (preset_validate(&a->editor.preset, &err)) {
        snprintf(a->editor.error, sizeof a->editor.error, "not saved: %s", err.msg);
        app_message(a, 1, "not saved: %s", err.msg);
        return;
    }
    char *text = preset_format_sweep(&a->editor.preset);
    Status st = text ? fileio_write_atomic(a->editor.path, text, strlen(text), &err) : ST_NOMEM;
    free(text);
    if (st) {
        /* err names the file and the cause; the file keeps its old content. */
        app_message(a, 1, "not saved: %s", err.msg[0] ? err.msg : "out of memory");
        return;
    }
    a->editor.dirty = 0;
    a->editor.orig = a->editor.preset;
    a->editor.error[0] = '\0';
    app_load_presets(a);
    app_message(a, 0, "saved %s", a->editor.path);
}

/* The range test of the form as it stands (valid or not tested); a rate
 * from it comes back into the form. */
static void editor_lrfind(App *a) {
    if (!a->editor.path[0]) return;
    Error err = {0};
    if (preset_validate(&a->editor.preset, &err)) {
        app_message(a, 1, "cannot test: %s", err.msg);
        return;
    }
    scr_lrfind_open(a, a->editor.path, &a->editor.preset, 1);
}

static void editor_back(App *a) {
    if (a->editor.dirty && !term_confirm(a, "discard the unsaved changes?")) return;
    a->editor.dirty = 0;
    a->screen = SCR_PRESETS;
}

/* Moving to another key clears the error of the one left behind. */
static void editor_move(App *a, int delta) {
    app_step(&a->editor.field, schema_count(), delta);
    a->editor.error[0] = '\0';
}

static const KeyBinding editor_keys[] = {
    {TERM_KEY_LEFT, "Left", "Prev", "previous choice or suggested value", editor_prev_choice, 0},
    {TERM_KEY_RIGHT, "Right", "Next", "next choice or suggested value", editor_next_choice, 0},
    {'\n', "Enter", "Type", "type a value (Enter accepts, Esc cancels)", editor_type, 0},
    {TERM_KEY_F(2), "F2", "Save", "save the preset (only when it is valid)", editor_save, 0},
    {'s', "s", NULL, "save the preset", editor_save, 0},
    {'L', "L", "LR find", "learning-rate range test of the form (Enter there sets base_lr)",
     editor_lrfind, 0},
    {TERM_KEY_ESC, "Esc", "Back", "back to the presets", editor_back, 0},
};

const ScreenClass editor_screen = {
    .name = "Editor",
    .draw = editor_draw,
    SCREEN_KEYS(editor_keys),
    .move = editor_move,
    .typing = editor_typing,
    .type_key = editor_type_key,
};
