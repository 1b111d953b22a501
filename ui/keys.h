/*
 * keys — the keys of the lab: the bindings that work on every screen
 * (switching screens, moving the selection, help, quit) and, through each
 * screen's ScreenClass, the screen's own. The same tables dispatch a key,
 * draw the function-key bar and write the help screen, so the three never
 * disagree (htop binds keys in a table but writes its help by hand; here
 * the help is generated too). UI thread only.
 */
#ifndef FINELAB_KEYS_H
#define FINELAB_KEYS_H

#include "src/report/textgrid.h"
#include "ui/app.h"
#include "ui/screen.h"

/* Runs the binding for key (a term.h code) on screen, the current one:
 * the global bindings first, then the screen's own; while the screen is
 * typing every key goes to it. Returns 1 when something took the key. */
int keys_dispatch(App *a, const ScreenClass *screen, int key);
/* Writes the function-key bar of screen into row y of g. */
void keys_bar(const App *a, const ScreenClass *screen, TextGrid *g, int y);
/* Writes the help (every key: the global ones, then each screen's) into g. */
void keys_help(TextGrid *g, const ScreenClass *const *screens, int n_screens);

#endif
