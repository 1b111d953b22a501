/*
 * screens — the list of screens and the help screen. See screens.h.
 * Adding a screen means an entry in app.h's Screen enum and one here.
 */
#include "ui/screens.h"

#include "ui/keys.h"

static const ScreenClass help_screen;

static const ScreenClass *const all[SCR_COUNT] = {
    [SCR_PRESETS] = &presets_screen, [SCR_EDITOR] = &editor_screen,   [SCR_RUNS] = &runs_screen,
    [SCR_MONITOR] = &monitor_screen, [SCR_COMPARE] = &compare_screen, [SCR_GRID] = &grid_screen,
    [SCR_LESSONS] = &lessons_screen, [SCR_STUDY] = &study_screen,     [SCR_HELP] = &help_screen,
    [SCR_LRFIND] = &lrfind_screen,
};

const ScreenClass *screens_get(Screen s) {
    return all[s];
}

/* Generated from the key tables, so it lists exactly the keys that work,
 * grouped by the screens they work on. */
static void help_draw(App *a, TextGrid *g) {
    (void)a;
    keys_help(g, all, SCR_COUNT);
}

static const ScreenClass help_screen = {.name = "Help", .draw = help_draw};
