/*
 * frame — one whole screenful of the lab: the tab bar, the current screen's
 * body, the status line and the function-key bar, composed into one
 * TextGrid and shown through term.c (or, on a terminal under 80x24, a
 * note that it is too small). UI thread only.
 */
#ifndef FINELAB_FRAME_H
#define FINELAB_FRAME_H

#include "ui/app.h"

/* Draws the current screen; clears a->dirty. Returns the seconds it took. */
double frame_draw(App *a);

#endif
