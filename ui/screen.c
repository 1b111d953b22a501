/*
 * screen — what several screens draw alike. See screen.h. (The screens'
 * own tables are in their scr_*.c files, listed in screens.c; this file
 * includes none of them, so they may all call it.)
 */
#include "ui/screen.h"

void screen_no_sweep(TextGrid *g, const char *screen) {
    textgrid_printf(g, 0, 0, ST_DIM,
                    "%s: no sweep yet (a preset with a [sweep] section, run with r on 1)", screen);
}
