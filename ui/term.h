/*
 * term — the terminal, and the only file that includes or calls curses:
 * starting and stopping it, reading keys (as the TERM_KEY_* codes below, so
 * no other file needs curses's), showing a whole frame from a TextGrid with
 * the styles of app.h mapped to colours (or, under NO_COLOR and on
 * monochrome terminals, to attributes only), and the status-line dialogs.
 * UI thread only; stderr goes to runs/.tui-stderr.log while curses owns the
 * terminal, so engine and library messages cannot scribble over the screen.
 */
#ifndef FINELAB_TERM_H
#define FINELAB_TERM_H

#include <stddef.h>

#include "src/report/textgrid.h"
#include "ui/app.h"

/* Key codes term_getch returns: printable keys as themselves, Enter as
 * '\n' (whichever byte the terminal sends), Backspace as TERM_KEY_BACKSPACE
 * whatever the terminal sends, and the rest as named here. */
enum {
    TERM_KEY_NONE = -1, /* no key is waiting */
    TERM_KEY_TAB = '\t',
    TERM_KEY_ENTER = '\n',
    TERM_KEY_CTRL_L = 12,
    TERM_KEY_ESC = 27,
    TERM_KEY_BACKSPACE = 127,
    TERM_KEY_UP = 0x1000,
    TERM_KEY_DOWN,
    TERM_KEY_LEFT,
    TERM_KEY_RIGHT,
    TERM_KEY_PGUP,
    TERM_KEY_PGDN,
    TERM_KEY_BTAB, /* Shift-Tab */
    TERM_KEY_RESIZE,
    TERM_KEY_OTHER, /* a key with no code here */
    TERM_KEY_F0 = 0x1100,
};
#define TERM_KEY_F(n) (TERM_KEY_F0 + (n))

/* Starts curses; returns 0, or -1 (with a reason in why) when it cannot. */
int term_start(App *a, char *why, size_t cap);
void term_stop(void);
/* Reads the terminal size into a->w, a->h. */
void term_size(App *a);
/* Next key (TERM_KEY_NONE when none is waiting). */
int term_getch(void);
/* Shows g (a->w x a->h) as the whole screen; only changed cells are sent. */
void term_show(const App *a, const TextGrid *g);
/* Makes the next term_show repaint every cell (after garbage on the screen). */
void term_repaint(void);

/* Asks a yes/no question on the status line; 1 for yes. */
int term_confirm(App *a, const char *question);
/* Asks question on the status line and waits for one of the keys in
 * choices (or Esc); returns the key pressed, or 0 for Esc. */
int term_choose(App *a, const char *question, const char *choices);
/* Edits the line of text buf (cap bytes) on the status line; 1 when Enter
 * accepted a non-empty text, 0 when it was cancelled. */
int term_prompt(App *a, const char *question, char *buf, size_t cap);

#endif
