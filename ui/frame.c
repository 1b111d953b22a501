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

/* Row 0: a tab per screen, the current one highlighted (a view without a
 * tab, while shown, after them); on the right what the engine thread is
 * doing (its phase and count outside training). */
static void frame_tabs(const App *a, TextGrid *g) {
    int x = 0;
    for (int i = 0; i < SCR_TABS && x < g->w; i++) {
        char label[32];
        snprintf(label, sizeof label, " %d %s ", i + 1, screens_get((Screen)i)->name);
        x += textgrid_text(g, x, 0, label, i == (int)a->screen ? ST_TAB : 0);
    }
    if (a->screen >= SCR_TABS)
        x += textgrid_printf(g, x, 0, ST_TAB, " %s ", screens_get(a->screen)->name);
    BridgeSnapshot s;
    bridge_snapshot(a->bridge, &s);
    char right[96];
    int other = s.phase[0] && strcmp(s.phase, "train") != 0; /* cache, test, ... */
    if (s.running && other && s.phase_total > 0)
        snprintf(right, sizeof right, "%s%s %ld/%ld%s", s.paused ? "paused: " : "", s.phase,
                 s.phase_done, s.phase_total, s.queued ? " +queue" : "");
    else if (s.running && other)
        snprintf(right, sizeof right, "%s%s%s", s.paused ? "paused: " : "", s.phase,
                 s.queued ? " +queue" : "");
    else if (s.running)
        snprintf(right, sizeof right, "%s %d/%d%s", s.paused ? "paused" : "training", s.iter,
                 s.max_iter, s.queued ? " +queue" : "");
    else
        snprintf(right, sizeof right, "%s", s.queued ? "queued" : "idle");
    int rx = g->w - (int)strlen(right) - 1;
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
