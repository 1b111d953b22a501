/*
 * scr_editor_state — the Editor screen's state: the preset being edited, the key
 * under the cursor and what the checks found. The Editor (scr_editor.c)
 * owns it; the other screens open it through app_edit and the range test
 * writes a rate into its form. UI thread only.
 */
#ifndef FINELAB_SCR_EDITOR_STATE_H
#define FINELAB_SCR_EDITOR_STATE_H

#include "src/preset/preset.h"

typedef struct EditorState {
    /* a copy of the preset being edited, and as it was opened (or last saved) */
    Preset preset, orig;
    char path[1024];
    int field, typing, dirty;
    char text[1024]; /* the value being typed */
    char error[768]; /* why the typed value was refused */
    /* what preflight_sweep finds wrong with the preset's files, on the key
     * problem_field (-1: on none); rechecked when check_due */
    char problem[768];
    int problem_field, check_due;
    /* the dataset's training and test images and classes as its index
     * reads (-1: unreadable), for the memory estimate; read with the
     * preflight */
    int train, test, classes;
} EditorState;

#endif
