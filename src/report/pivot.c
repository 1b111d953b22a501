/*
 * pivot — a sweep as a pivot table. See pivot.h.
 *
 * Axis values are the schema's own formatting of each entry's value, so two
 * runs land in the same row exactly when `finelab compare` would show them
 * the same. Rendering lays out one label column and equal-width cell
 * columns, each with a spare cell on both sides for the selection brackets,
 * and scrolls so the selected cell stays in view: the view holds no scroll
 * state of its own.
 */
#include "src/report/pivot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/preset/schema.h"

enum { VALUE_MAX = PRESET_PATH_MAX + 64, LABEL_MAX = 12 };

static const char *const heat_utf8[PIVOT_HEAT_LEVELS] = {"▁", "▂", "▄", "▆", "█"};
static const char *const heat_ascii[PIVOT_HEAT_LEVELS] = {".", ":", "+", "#", "@"};

/* --- keys ---------------------------------------------------------------------------- */

static int key_varies(const PivotEntry *e, int n, int k) {
    const SchemaKey *key = schema_at(k);
    char a[VALUE_MAX], b[VALUE_MAX];
    if (n < 2) return 0;
    schema_format(key, e[0].preset, a, sizeof a);
    for (int i = 1; i < n; i++) {
        schema_format(key, e[i].preset, b, sizeof b);
        if (strcmp(a, b) != 0) return 1;
    }
    return 0;
}

int pivot_varying_keys(const PivotEntry *e, int n, int *keys, int cap) {
    int count = 0;
    for (int k = 0; k < schema_count(); k++) {
        if (!key_varies(e, n, k)) continue;
        if (count < cap) keys[count] = k;
        count++;
    }
    return count;
}

void pivot_default_keys(const PivotEntry *e, int n, int *row_key, int *col_key) {
    const SchemaKey *res = schema_find("data", "resolution");
    const SchemaKey *dim = schema_find("model", "bilinear_dim");
    *row_key = *col_key = -1;
    if (res && dim && key_varies(e, n, schema_index(res)) && key_varies(e, n, schema_index(dim))) {
        *row_key = schema_index(res);
        *col_key = schema_index(dim);
        return;
    }
    int keys[2];
    int count = pivot_varying_keys(e, n, keys, 2);
    if (count > 0) *row_key = keys[0];
    if (count > 1) *col_key = keys[1];
}

/* --- building ------------------------------------------------------------------------ */

static int is_number(const char *s, double *v) {
    char *end;
    *v = strtod(s, &end);
    return end != s && *end == '\0';
}

static int value_cmp(const char *a, const char *b, int numeric) {
    double x, y;
    if (!numeric) return strcmp(a, b);
    is_number(a, &x);
    is_number(b, &y);
    return (x > y) - (x < y);
}

/* Orders values numerically when every one is a number, else by strcmp;
 * an insertion sort, as axes hold a handful of values. */
static void sort_values(char **values, int n, int descending) {
    int numeric = 1;
    double v;
    for (int i = 0; i < n && numeric; i++) numeric = is_number(values[i], &v);
    for (int i = 1; i < n; i++) {
        char *x = values[i];
        int j = i;
        for (; j > 0; j--) {
            int c = value_cmp(values[j - 1], x, numeric);
            if ((descending ? -c : c) <= 0) break;
            values[j] = values[j - 1];
        }
        values[j] = x;
    }
}

static void free_values(char **values, int n) {
    if (!values) return;
    for (int i = 0; i < n; i++) free(values[i]);
    free(values);
}

static int find_value(char **values, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (strcmp(values[i], s) == 0) return i;
    return -1;
}

/* The distinct values of key over the entries, sorted, and each entry's
 * index among them in idx. key -1 gives one value, "all". */
static Status axis_build(const PivotEntry *e, int n, int key, int descending, char ***out,
                         int *n_out, int *idx) {
    char buf[VALUE_MAX];
    int count = 0;
    char **values = calloc(n > 0 ? (size_t)n : 1, sizeof *values);
    if (!values) return ST_NOMEM;
    for (int i = 0; i < n; i++) {
        if (key >= 0)
            schema_format(schema_at(key), e[i].preset, buf, sizeof buf);
        else
            snprintf(buf, sizeof buf, "all");
        if (find_value(values, count, buf) >= 0) continue;
        if (!(values[count] = strdup(buf))) {
            free_values(values, count);
            return ST_NOMEM;
        }
        count++;
    }
    sort_values(values, count, descending);
    for (int i = 0; i < n; i++) {
        if (key >= 0)
            schema_format(schema_at(key), e[i].preset, buf, sizeof buf);
        else
            snprintf(buf, sizeof buf, "all");
        idx[i] = find_value(values, count, buf);
    }
    *out = values;
    *n_out = count;
    return ST_OK;
}

static void pivot_fill(Pivot *p, const PivotEntry *e, int n, const int *ri, const int *ci) {
    for (int i = 0; i < p->n_rows * p->n_cols; i++)
        p->cells[i] = (PivotCell){.accuracy = -1, .run = -1, .n = 0};
    for (int i = 0; i < n; i++) {
        PivotCell *c = &p->cells[ri[i] * p->n_cols + ci[i]];
        double acc = e[i].best_accuracy;
        c->n++;
        if (acc >= 0 && acc > c->accuracy) { /* NaN fails both tests */
            c->accuracy = acc;
            c->run = e[i].run;
            c->pruned_at = e[i].pruned_at;
        } else if (c->run < 0) {
            c->run = e[i].run;
            c->pruned_at = e[i].pruned_at;
        }
    }
    for (int i = 0; i < p->n_rows * p->n_cols; i++) {
        double acc = p->cells[i].accuracy;
        if (acc < 0) continue;
        if (p->min_acc < 0 || acc < p->min_acc) p->min_acc = acc;
        if (acc > p->max_acc) p->max_acc = acc;
    }
}

Status pivot_build(Pivot *p, const PivotEntry *e, int n, int row_key, int col_key, int descending) {
    memset(p, 0, sizeof *p);
    p->row_key = row_key;
    p->col_key = col_key;
    p->min_acc = p->max_acc = -1;
    if (n < 0 || row_key < -1 || col_key < -1 || row_key >= schema_count() ||
        col_key >= schema_count())
        return ST_ARG;
    Status s = ST_NOMEM;
    int *ri = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    int *ci = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!ri || !ci) goto fail;
    if ((s = axis_build(e, n, row_key, descending, &p->row_values, &p->n_rows, ri))) goto fail;
    if ((s = axis_build(e, n, col_key, descending, &p->col_values, &p->n_cols, ci))) goto fail;
    s = ST_NOMEM;
    p->cells =
        malloc(sizeof *p->cells * (size_t)(p->n_rows * p->n_cols > 0 ? p->n_rows * p->n_cols : 1));
    if (!p->cells) goto fail;
    pivot_fill(p, e, n, ri, ci);
    free(ri);
    free(ci);
    return ST_OK;
fail:
    free(ri);
    free(ci);
    pivot_fini(p);
    p->row_key = row_key;
    p->col_key = col_key;
    return s;
}

void pivot_fini(Pivot *p) {
    if (!p) return;
    free_values(p->row_values, p->n_rows);
    free_values(p->col_values, p->n_cols);
    free(p->cells);
    memset(p, 0, sizeof *p);
    p->row_key = p->col_key = -1;
    p->min_acc = p->max_acc = -1;
}

int pivot_heat(const Pivot *p, double acc) {
    if (!(acc >= 0) || p->max_acc < 0) return 0;
    if (p->max_acc <= p->min_acc) return PIVOT_HEAT_LEVELS;
    int level = 1 + (int)floor((acc - p->min_acc) / (p->max_acc - p->min_acc) * PIVOT_HEAT_LEVELS);
    return level < 1 ? 1 : level > PIVOT_HEAT_LEVELS ? PIVOT_HEAT_LEVELS : level;
}

/* --- rendering ----------------------------------------------------------------------- */

/* Writes s (cut to width cells, the last one an ellipsis when cut) left- or
 * right-aligned in [x, x + width), stopping before x_end. */
static void draw_cell(TextGrid *g, int x, int y, int width, int x_end, const char *s, int right,
                      const char *ell, int style) {
    int cells = textgrid_utf8_cells(s), keep = cells <= width ? cells : width - 1;
    int pad = right && cells < width ? width - cells : 0;
    int cx = x + pad;
    for (int i = 0; i < keep && *s && cx < x_end; i++, s += textgrid_utf8_len(s))
        textgrid_put(g, cx++, y, s, style);
    if (cells > width && width > 0 && cx < x_end) textgrid_put(g, cx, y, ell, style);
}

/* The text of a cell: heat glyph and percentage, '-' or an ellipsis. */
static int cell_text(const Pivot *p, const PivotCell *c, int ascii, char *buf, size_t cap) {
    int level = pivot_heat(p, c->accuracy);
    if (c->n == 0)
        snprintf(buf, cap, "-");
    else if (level == 0)
        snprintf(buf, cap, "%s", ascii ? "..." : "…");
    else if (c->pruned_at > 0) /* the accuracy it had when pruned, and where */
        snprintf(buf, cap, "%.2f%% @%d", 100 * c->accuracy, c->pruned_at);
    else
        snprintf(buf, cap, "%s %.2f%%", ascii ? heat_ascii[level - 1] : heat_utf8[level - 1],
                 100 * c->accuracy);
    return c->pruned_at > 0 && c->n ? PIVOT_STYLE_PRUNED : level;
}

static const char *key_name(int key) {
    return key >= 0 ? schema_at(key)->key : "";
}

typedef struct Grid {
    int label_w, cell_w, stride;
    int first_row, first_col, n_vis_rows, n_vis_cols;
} Grid;

static void grid_layout(Grid *G, const Pivot *p, const PivotView *v, int w, int h) {
    char buf[64];
    G->label_w = textgrid_utf8_cells(key_name(p->row_key));
    for (int r = 0; r < p->n_rows; r++) {
        int n = textgrid_utf8_cells(p->row_values[r]);
        if (n > G->label_w) G->label_w = n;
    }
    int cap = w / 3 > 4 ? w / 3 : 4;
    if (G->label_w > cap) G->label_w = cap;
    G->cell_w = 1;
    for (int c = 0; c < p->n_cols; c++) {
        int n = textgrid_utf8_cells(p->col_values[c]);
        if (n > LABEL_MAX) n = LABEL_MAX;
        if (n > G->cell_w) G->cell_w = n;
    }
    for (int i = 0; i < p->n_rows * p->n_cols; i++) {
        cell_text(p, &p->cells[i], v->ascii, buf, sizeof buf);
        int n = textgrid_utf8_cells(buf);
        if (n > G->cell_w) G->cell_w = n;
    }
    G->stride = G->cell_w + 2;
    G->n_vis_cols = (w - G->label_w - 1) / G->stride;
    if (G->n_vis_cols < 1) G->n_vis_cols = 1;
    G->n_vis_rows = h - 2;
    G->first_col = v->sel_col >= G->n_vis_cols ? v->sel_col - G->n_vis_cols + 1 : 0;
    G->first_row = v->sel_row >= G->n_vis_rows ? v->sel_row - G->n_vis_rows + 1 : 0;
}

static void render_cell(TextGrid *g, int x, int y, int x_end, const Grid *G, const Pivot *p,
                        const PivotView *v, int r, int c) {
    char buf[64];
    int level = cell_text(p, &p->cells[r * p->n_cols + c], v->ascii, buf, sizeof buf);
    int selected = r == v->sel_row && c == v->sel_col;
    int style = selected ? PIVOT_STYLE_SELECTED : level;
    for (int i = 0; i < G->cell_w && x + 1 + i < x_end; i++)
        textgrid_put(g, x + 1 + i, y, " ", style);
    draw_cell(g, x + 1, y, G->cell_w, x_end, buf, 1, v->ascii ? "~" : "…", style);
    if (!selected) return;
    if (x < x_end) textgrid_put(g, x, y, "[", style);
    if (x + G->cell_w + 1 < x_end) textgrid_put(g, x + G->cell_w + 1, y, "]", style);
}

void pivot_render(TextGrid *g, int x0, int y0, int w, int h, const Pivot *p, const PivotView *v) {
    if (w < 8 || h < 3) return;
    const char *ell = v->ascii ? "~" : "…";
    int x_end = x0 + w;
    if (p->n_rows == 0 || p->n_cols == 0) {
        draw_cell(g, x0, y0, w, x_end, "(no runs)", 0, ell, 0);
        return;
    }
    Grid G;
    grid_layout(&G, p, v, w, h);
    int xc = x0 + G.label_w + 1; /* the first visible column's left bracket */
    int more_right = G.first_col + G.n_vis_cols < p->n_cols;
    draw_cell(g, xc + 1, y0, x_end - xc - 1 - more_right, x_end, key_name(p->col_key), 0, ell,
              PIVOT_STYLE_HEADER);
    if (G.first_col > 0) textgrid_put(g, xc, y0, v->ascii ? "<" : "‹", PIVOT_STYLE_HEADER);
    if (more_right) textgrid_put(g, x_end - 1, y0, v->ascii ? ">" : "›", PIVOT_STYLE_HEADER);
    draw_cell(g, x0, y0 + 1, G.label_w, x_end, key_name(p->row_key), 0, ell, PIVOT_STYLE_HEADER);
    for (int c = G.first_col; c < p->n_cols && c < G.first_col + G.n_vis_cols; c++)
        draw_cell(g, xc + (c - G.first_col) * G.stride + 1, y0 + 1, G.cell_w, x_end,
                  p->col_values[c], 1, ell, PIVOT_STYLE_HEADER);
    for (int r = G.first_row; r < p->n_rows && r < G.first_row + G.n_vis_rows; r++) {
        int y = y0 + 2 + r - G.first_row;
        draw_cell(g, x0, y, G.label_w, x_end, p->row_values[r], 0, ell, PIVOT_STYLE_HEADER);
        for (int c = G.first_col; c < p->n_cols && c < G.first_col + G.n_vis_cols; c++)
            render_cell(g, xc + (c - G.first_col) * G.stride, y, x_end, &G, p, v, r, c);
    }
}

int pivot_selected_run(const Pivot *p, const PivotView *v) {
    if (v->sel_row < 0 || v->sel_row >= p->n_rows || v->sel_col < 0 || v->sel_col >= p->n_cols)
        return -1;
    return p->cells[v->sel_row * p->n_cols + v->sel_col].run;
}

void pivot_clamp(PivotView *v, const Pivot *p) {
    if (v->sel_row >= p->n_rows) v->sel_row = p->n_rows - 1;
    if (v->sel_col >= p->n_cols) v->sel_col = p->n_cols - 1;
    if (v->sel_row < 0) v->sel_row = 0;
    if (v->sel_col < 0) v->sel_col = 0;
}
