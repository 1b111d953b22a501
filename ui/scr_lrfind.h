/*
 * scr_lrfind — the lab's view of a preset's learning-rate range test
 * (src/run/lrfind.h): opened by L on the Presets screen (the selected
 * preset) or the Editor (the form as it stands), and by the Monitor's f on
 * a run whose diagnosis asks for the range test's rate (the run's preset),
 * it queues the test on the engine thread and draws the curve and the
 * suggestions as they come; Enter writes the selected suggestion's rate:
 * from Presets and the Monitor as a fork
 * (presets/user/<name>_lr<rate>.ini, through app_new_preset, as `c` copies),
 * from the Editor into the open form (solver.base_lr, marked changed, saved
 * by F2). The view's state is its own (scr_lrfind.c), not the App's. UI
 * thread only.
 */
#ifndef FINELAB_SCR_LRFIND_H
#define FINELAB_SCR_LRFIND_H

#include "ui/app.h"

/* Shows the view for preset p (saved as path; into_form: the Editor's open
 * form is where a rate goes) and queues its range test with the default
 * range, unless the view already shows a test of that file that runs or
 * waits. A sweep is refused on the status line. */
void scr_lrfind_open(App *a, const char *path, const Preset *p, int into_form);

#endif
