/*
 * draw — the only file that calls curses: starting and stopping it, the
 * tab bar, the function-key bar, the status line, copying a screen's
 * TextGrid to the terminal with colours (or, under NO_COLOR and on
 * monochrome terminals, attributes only), and the small dialogs. UI thread
 * only; stderr is redirected while curses owns the terminal.
 */
#ifndef FINELAB_DRAW_H
#define FINELAB_DRAW_H

#include "app.h"

/* Starts curses; returns 0, or -1 (with a reason in why) when it cannot. */
int draw_start(App *a, char *why, size_t cap);
void draw_stop(void);
/* Reads the terminal size into a->w, a->h. */
void draw_size(App *a);
/* Draws the whole screen (tab bar, body, status line, key bar). Returns
 * the seconds it took. */
double draw_frame(App *a);
/* Next key (ERR when none is waiting). */
int draw_getch(void);

#endif
