/*
 * screens — the one list of the lab's screens, in tab order (the Screen
 * enum of app.h), and the help screen, which is that list's keys written
 * out. The other screens' ScreenClass tables are defined by the scr_*.c
 * files (declared in screen.h).
 * UI thread only.
 */
#ifndef FINELAB_SCREENS_H
#define FINELAB_SCREENS_H

#include "ui/app.h"
#include "ui/screen.h"

/* The class of screen s (0 <= s < SCR_COUNT). */
const ScreenClass *screens_get(Screen s);

#endif
