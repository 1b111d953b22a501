/*
 * frame — composing a frame. See frame.h.
 */
#include "ui/frame.h"

#include <stdio.h>
#include <string.h>

#include "engine/base/timer.h"
#include "ui/keys.h"
#include "ui/screens.h"
#include "ui/term.h"

/* What the engine thread is doing, for the right of the tab bar: its
 * phase and count outside training, else its iteration. */
static void frame_engine(const App *a, char *right, size_t cap) {
    BridgeSnapshot s;
    bridge_snapshot(a->bridge, &s);
    int other = s.phase[0] && strcmp(s.phase, "train") != 0; /* cache, test, ... */
    if (s.running && other && s.phase_total > 0)
        snprintf(right, cap, "%s%s %ld/%ld%s", s.paused ? "paused: " : "", s.phase, s.phase_done,
                 s.phase_total, s.queued ? " +queue" : "");
    else if (s.running && other)
        snprintf(right, cap, "%s%s%s", s.paused ? "paused: " : "", s.phase,
                 s.queued ? " +queue" : "");
    else if (s.running)
        snprintf(right, cap, "%s %d/%d%s", s.paused ? "paused" : "training", s.iter, s.max_iter,
                 s.queued ? " +queue" : "");
    else
        snprintf(right, cap, "%s", s.queued ? "queued" : "idle");
}

/* The tabs from column 0 (" 1 Presets  2 Editor ...", or one space apart
 * when compact), the current one highlighted, and a view without a tab,
 * while shown, after them; returns the columns taken (draws when g). */
static int frame_tab_row(const App *a, TextGrid *g, int compact) {
    int x = 0;
    char label[48];
    for (int i = 0; i < SCR_TABS; i++) {
        snprintf(label, sizeof label, compact ? " %d %s" : " %d %s ", i + 1,
                 screens_get((Screen)i)->name);
        if (g) textgrid_text(g, x, 0, label, i == (int)a->screen ? ST_TAB : 0);
        x += textgrid_utf8_cells(label);
    }
    if (a->screen >= SCR_TABS) {
        snprintf(label, sizeof label, " %s ", screens_get(a->screen)->name);
        if (g) textgrid_text(g, x + compact, 0, label, ST_TAB);
        x += compact + textgrid_utf8_cells(label);
    }
    return x;
}

/* Row 0: the tabs, and on the right what the engine thread is doing; the
 * tabs close up to one space apart when that makes room for it, and it is
 * left out when even that does not. */
static void frame_tabs(const App *a, TextGrid *g) {
    char right[96];
    frame_engine(a, right, sizeof right);
    int need = (int)strlen(right) + 1;
    int compact =
        frame_tab_row(a, NULL, 0) + need >= g->w && frame_tab_row(a, NULL, 1) + need < g->w;
    int x = frame_tab_row(a, g, compact);
    int rx = g->w - need;
    if (rx > x) textgrid_text(g, rx, 0, right, 0);
}

/* The body of the current screen, rows 1 .. h-3. */
static void frame_body(App *a, TextGrid *g) {
    TextGrid body;
    if (textgrid_init(&body, g->w, g->h - 3) != ST_OK) return;
    screens_get(a->screen)->draw(a, &body);
    textgrid_paste(g, 0, 1, &body, NULL);
    textgrid_fini(&body);
}

double frame_draw(App *a) {
    double t0 = timer_now();
    TextGrid g;
    if (textgrid_init(&g, a->w, a->h) != ST_OK) return timer_now() - t0;
    if (a->w < 80 || a->h < 24) {
        textgrid_printf(&g, 0, a->h / 2, 0, "terminal too small: %dx%d, finelab needs 80x24", a->w,
                        a->h);
    } else {
        frame_body(a, &g);
        frame_tabs(a, &g);
        if (a->message[0])
            textgrid_text(&g, 0, a->h - 2, a->message, a->message_error ? ST_ERROR : 0);
        keys_bar(a, screens_get(a->screen), &g, a->h - 1);
        a->dirty = 0;
    }
    term_show(a, &g);
    textgrid_fini(&g);
    return timer_now() - t0;
}
