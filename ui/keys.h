/*
 * keys — the one table of key bindings: it dispatches keys and generates
 * both the help screen and the function-key bar, so they never disagree
 * (htop's way). UI thread only.
 */
#ifndef FINELAB_KEYS_H
#define FINELAB_KEYS_H

#include "app.h"

typedef struct KeyBinding {
    unsigned screens;  /* bit (1 << Screen) per screen where it works; KEYS_ALL: every one */
    int key;           /* curses key code */
    const char *label; /* how the key is written: "F2", "Enter", "r" */
    const char *bar;   /* short name in the function-key bar, NULL: not shown there */
    const char *help;  /* one line for the help screen */
    void (*action)(App *a);
} KeyBinding;

#define KEYS_ALL 0xFFFFu

/* The table and its length. */
const KeyBinding *keys_table(int *n);
/* Runs the binding for key on the current screen; returns 1 if one ran. */
int keys_dispatch(App *a, int key);

#endif
