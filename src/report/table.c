/*
 * table — the transposed compare table. See table.h.
 *
 * Rendering is two passes: a layout (each data column's abbreviated name,
 * width, alignment and whether it keeps two cells for " ▲"; which columns
 * fit after the fixed marker and run-id columns), then one pass per visible
 * row. Sorting is an insertion sort over run indices: stable, in place, no
 * allocation, and fast enough for the tens to hundreds of runs compared.
 */
#include "src/report/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    MARK_W = 2,   /* '>' (selected) and '=' (baseline) before the run id */
    SEP_W = 2,    /* spaces between columns; a sort mark may sit in the second */
    HEAD_MAX = 14 /* longest column name before it is cut with an ellipsis */
};

typedef struct Col {
    int width;     /* cells, without the separator */
    int numeric;   /* some value is a number: sort numerically, align right */
    int dir;       /* +1 higher is better, -1 lower is better, 0 neutral (preset keys) */
    int arrows;    /* a baseline is pinned: the last two cells hold " ▲" */
    char head[96]; /* the abbreviated name */
} Col;

typedef struct Layout {
    int id_w;        /* run-id column width */
    int first, last; /* data columns shown: [first, last) */
    int more_right;  /* columns hidden on the right: › in the last cell */
    int data_end;    /* x (exclusive) where data columns must stop */
    Col *cols;       /* one per CompareRow */
} Layout;

static const struct {
    const char *label;
    int dir;
} directions[] = {
    {"best held-out", 1}, {"final held-out", 1}, {"test acc", 1}, {"train acc", 1},
    {"images/s", 1},      {"final loss", -1},    {"time", -1},
};

/* --- text helpers ------------------------------------------------------------------ */

/* Copies s into out (cap bytes), cut to max cells with ell as the last
 * cell when it is longer. */
static void fit(const char *s, int max, const char *ell, char *out, size_t cap) {
    size_t n = 0;
    int cells = textgrid_utf8_cells(s), keep = cells <= max ? cells : max - 1;
    for (int i = 0; i < keep && *s; i++) {
        size_t len = (size_t)textgrid_utf8_len(s);
        if (n + len + 1 > cap) break;
        memcpy(out + n, s, len);
        n += len;
        s += len;
    }
    if (cells > max && max > 0 && n + strlen(ell) + 1 <= cap) {
        memcpy(out + n, ell, strlen(ell));
        n += strlen(ell);
    }
    out[n] = '\0';
}

/* Writes s left- or right-aligned in [x, x + width), one character per
 * cell; when longer, its last visible cell is ell. */
static void draw_cell(TextGrid *g, int x, int y, int width, const char *s, int right,
                      const char *ell, int style) {
    int cells = textgrid_utf8_cells(s), keep = cells <= width ? cells : width - 1;
    int cx = x + (right && cells < width ? width - cells : 0);
    for (int i = 0; i < keep; i++, s += textgrid_utf8_len(s)) textgrid_put(g, cx++, y, s, style);
    if (cells > width && width > 0) textgrid_put(g, cx, y, ell, style);
}

/* --- sorting ----------------------------------------------------------------------- */

static int col_numeric(const CompareTable *t, int col) {
    for (int i = 0; i < t->n_runs; i++)
        if (!isnan(t->rows[col].values[i])) return 1;
    return 0;
}

static int text_missing(const char *s) {
    return !s[0] || strcmp(s, "-") == 0;
}

/* <0, 0, >0 as run a sorts before, with or after run b; missing values
 * after every present one whatever the direction. */
static int table_cmp(const CompareTable *t, int col, int numeric, int desc, int a, int b) {
    int c;
    if (col < 0) {
        c = strcmp(t->runs[a].id, t->runs[b].id);
    } else {
        const CompareRow *r = &t->rows[col];
        int ma = numeric ? isnan(r->values[a]) : text_missing(r->cells[a]);
        int mb = numeric ? isnan(r->values[b]) : text_missing(r->cells[b]);
        if (ma || mb) return ma - mb;
        c = numeric ? (r->values[a] > r->values[b]) - (r->values[a] < r->values[b])
                    : strcmp(r->cells[a], r->cells[b]);
    }
    return desc ? -c : c;
}

void table_order(const CompareTable *t, const TableView *v, int *order) {
    int col = v->sort_col >= 0 && v->sort_col < t->n_rows ? v->sort_col : -1;
    int numeric = col >= 0 && col_numeric(t, col);
    for (int i = 0; i < t->n_runs; i++) {
        int j = i;
        while (j > 0 && table_cmp(t, col, numeric, v->sort_desc, order[j - 1], i) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
}

/* --- layout ------------------------------------------------------------------------ */

static const char *short_name(const char *label) {
    const char *dot = strrchr(label, '.');
    return dot ? dot + 1 : label;
}

/* The column's name without its section when no other column shares the
 * rest, cut to HEAD_MAX cells. */
static void col_head(const CompareTable *t, int col, const char *ell, char *out, size_t cap) {
    const char *label = t->rows[col].label, *name = short_name(label);
    for (int k = 0; k < t->n_rows && name != label; k++)
        if (k != col && strcmp(short_name(t->rows[k].label), name) == 0) name = label;
    fit(name, HEAD_MAX, ell, out, cap);
}

static int col_dir(const CompareRow *r) {
    if (!r->result) return 0;
    for (size_t i = 0; i < sizeof directions / sizeof directions[0]; i++)
        if (strcmp(directions[i].label, r->label) == 0) return directions[i].dir;
    return 0;
}

static int has_baseline(const CompareTable *t, const TableView *v) {
    return v->baseline >= 0 && v->baseline < t->n_runs;
}

static void col_measure(const CompareTable *t, const TableView *v, int col, Col *c) {
    const CompareRow *r = &t->rows[col];
    col_head(t, col, v->ascii ? "~" : "…", c->head, sizeof c->head);
    c->numeric = col_numeric(t, col);
    c->dir = col_dir(r);
    c->arrows = c->numeric && has_baseline(t, v);
    int content = 0;
    for (int i = 0; i < t->n_runs; i++) {
        int n = textgrid_utf8_cells(r->cells[i]);
        if (n > content) content = n;
    }
    content += c->arrows ? 2 : 0;
    int head = textgrid_utf8_cells(c->head);
    c->width = content > head ? content : head;
}

/* How many data columns from first fit whole before x_end; a first column
 * wider than the space is shrunk to it. */
static int layout_fit(Layout *L, const CompareTable *t, int x_start, int x_end) {
    int x = x_start, k = L->first;
    for (; k < t->n_rows; k++) {
        if (x + SEP_W + L->cols[k].width > x_end) break;
        x += SEP_W + L->cols[k].width;
    }
    if (k == L->first && k < t->n_rows && x_end - x_start - SEP_W >= 1) {
        L->cols[k].width = x_end - x_start - SEP_W;
        L->cols[k].arrows = 0;
        k++;
    }
    return k;
}

static int layout_init(Layout *L, const CompareTable *t, const TableView *v, int x0, int w) {
    memset(L, 0, sizeof *L);
    L->cols = calloc(t->n_rows > 0 ? (size_t)t->n_rows : 1, sizeof *L->cols);
    if (!L->cols) return -1;
    for (int k = 0; k < t->n_rows; k++) col_measure(t, v, k, &L->cols[k]);
    int id_w = 3; /* "run" */
    for (int i = 0; i < t->n_runs; i++) {
        int n = textgrid_utf8_cells(t->runs[i].id);
        if (n > id_w) id_w = n;
    }
    int cap = (w - MARK_W) / 2 > 6 ? (w - MARK_W) / 2 : 6;
    L->id_w = id_w < cap ? id_w : cap;
    L->first = v->scroll_col < 0 ? 0 : v->scroll_col >= t->n_rows ? t->n_rows : v->scroll_col;
    int x_start = x0 + MARK_W + L->id_w;
    L->data_end = x0 + w;
    L->last = layout_fit(L, t, x_start, L->data_end);
    if (L->last < t->n_rows) { /* keep the last cell for › */
        L->more_right = 1;
        L->data_end = x0 + w - 1;
        for (int k = 0; k < t->n_rows; k++) col_measure(t, v, k, &L->cols[k]);
        L->last = layout_fit(L, t, x_start, L->data_end);
    }
    if (L->last == L->first) L->more_right = 0; /* no room for any: no marks either */
    return 0;
}

/* --- drawing ----------------------------------------------------------------------- */

static void render_header(TextGrid *g, int x0, int y0, int w, const Layout *L,
                          const CompareTable *t, const TableView *v) {
    const char *ell = v->ascii ? "~" : "…";
    const char *mark = v->sort_desc ? (v->ascii ? "v" : "↓") : (v->ascii ? "^" : "↑");
    int sort_col = v->sort_col >= 0 && v->sort_col < t->n_rows ? v->sort_col : -1;
    draw_cell(g, x0 + MARK_W, y0, L->id_w, "run", 0, ell, TABLE_STYLE_HEADER);
    if (sort_col < 0) textgrid_put(g, x0 + MARK_W - 1, y0, mark, TABLE_STYLE_HEADER);
    int x = x0 + MARK_W + L->id_w;
    if (L->first > 0 && L->last > L->first)
        textgrid_put(g, x, y0, v->ascii ? "<" : "‹", TABLE_STYLE_HEADER);
    for (int k = L->first; k < L->last; k++) {
        const Col *c = &L->cols[k];
        x += SEP_W;
        /* Aligned as the values are (numbers end before the arrows). */
        int head = textgrid_utf8_cells(c->head), aligned = c->width;
        if (c->numeric && c->arrows && head <= c->width - 2) aligned = c->width - 2;
        draw_cell(g, x, y0, aligned, c->head, c->numeric, ell, TABLE_STYLE_HEADER);
        if (k == sort_col) { /* just left of the name */
            int start = c->numeric && aligned > head ? aligned - head : 0;
            textgrid_put(g, x + start - 1, y0, mark, TABLE_STYLE_HEADER);
        }
        x += c->width;
    }
    if (L->more_right) textgrid_put(g, x0 + w - 1, y0, v->ascii ? ">" : "›", TABLE_STYLE_HEADER);
}

/* The arrow after run's value in row r against the baseline's, and its
 * style; NULL when equal, missing or shown the same. */
static const char *arrow(const CompareRow *r, const Col *c, int run, int base, int ascii,
                         int *style) {
    double a = r->values[run], b = r->values[base];
    if (run == base || isnan(a) || isnan(b) || a == b) return NULL;
    if (strcmp(r->cells[run], r->cells[base]) == 0) return NULL;
    int up = a > b;
    *style = c->dir == 0            ? TABLE_STYLE_NEUTRAL
             : (up == (c->dir > 0)) ? TABLE_STYLE_BETTER
                                    : TABLE_STYLE_WORSE;
    return up ? (ascii ? "^" : "▲") : (ascii ? "v" : "▼");
}

static void render_row(TextGrid *g, int x0, int y, int w, const Layout *L, const CompareTable *t,
                       const TableView *v, int run, int selected) {
    const char *ell = v->ascii ? "~" : "…";
    int base = has_baseline(t, v) ? v->baseline : -1;
    int style = selected                                  ? TABLE_STYLE_SELECTED
                : run == base                             ? TABLE_STYLE_BASELINE
                : t->runs[run].status.state == RUN_PRUNED ? TABLE_STYLE_PRUNED
                                                          : TABLE_STYLE_PLAIN;
    if (selected)
        for (int x = x0; x < x0 + w; x++) textgrid_put(g, x, y, " ", style);
    if (selected) textgrid_put(g, x0, y, ">", style);
    if (run == base) textgrid_put(g, x0 + 1, y, "=", style);
    draw_cell(g, x0 + MARK_W, y, L->id_w, t->runs[run].id, 0, ell, style);
    int x = x0 + MARK_W + L->id_w;
    for (int k = L->first; k < L->last; k++) {
        const Col *c = &L->cols[k];
        const CompareRow *r = &t->rows[k];
        x += SEP_W;
        int value_w = c->width - (c->arrows ? 2 : 0);
        draw_cell(g, x, y, value_w, r->cells[run], c->numeric, ell, style);
        int astyle = 0;
        const char *a = c->arrows ? arrow(r, c, run, base, v->ascii, &astyle) : NULL;
        if (a) textgrid_put(g, x + c->width - 1, y, a, astyle);
        x += c->width;
    }
}

void table_render(TextGrid *g, int x0, int y0, int w, int h, const CompareTable *t,
                  const TableView *v) {
    if (w < 8 || h < 1) return;
    Layout L;
    int *order = malloc(sizeof(int) * (size_t)(t->n_runs > 0 ? t->n_runs : 1));
    if (!order || layout_init(&L, t, v, x0, w)) {
        free(order);
        return;
    }
    table_order(t, v, order);
    render_header(g, x0, y0, w, &L, t, v);
    for (int k = 0; k < h - 1; k++) {
        int pos = v->scroll_row + k;
        if (pos < 0 || pos >= t->n_runs) continue;
        render_row(g, x0, y0 + 1 + k, w, &L, t, v, order[pos], pos == v->selected);
    }
    free(L.cols);
    free(order);
}

/* --- navigation -------------------------------------------------------------------- */

/* The run at sorted position pos, or -1. */
static int run_at_position(const CompareTable *t, const TableView *v, int pos) {
    if (pos < 0 || pos >= t->n_runs) return -1;
    int *order = malloc(sizeof(int) * (size_t)t->n_runs);
    if (!order) return -1;
    table_order(t, v, order);
    int run = order[pos];
    free(order);
    return run;
}

int table_run_at(const CompareTable *t, const TableView *v, int y) {
    return y < 1 ? -1 : run_at_position(t, v, v->scroll_row + y - 1);
}

int table_selected_run(const CompareTable *t, const TableView *v) {
    return run_at_position(t, v, v->selected);
}

static int clampi(int x, int lo, int hi) {
    return x < lo ? lo : x > hi ? hi : x;
}

void table_clamp(TableView *v, const CompareTable *t, int h) {
    if (v->sort_col < -1 || v->sort_col >= t->n_rows) v->sort_col = -1;
    if (v->baseline < -1 || v->baseline >= t->n_runs) v->baseline = -1;
    int last = t->n_runs > 0 ? t->n_runs - 1 : 0;
    v->selected = clampi(v->selected, 0, last);
    v->scroll_col = clampi(v->scroll_col, 0, t->n_rows > 0 ? t->n_rows - 1 : 0);
    int rows = h > 1 ? h - 1 : 1;
    if (v->selected < v->scroll_row) v->scroll_row = v->selected;
    if (v->selected >= v->scroll_row + rows) v->scroll_row = v->selected - rows + 1;
    int max_scroll = t->n_runs - rows > 0 ? t->n_runs - rows : 0;
    v->scroll_row = clampi(v->scroll_row, 0, max_scroll);
}
