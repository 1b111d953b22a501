/*
 * tui — the entry point of the terminal lab, declared here so that main
 * (src/) can start it while only ui/ implements it: src/ never includes a
 * ui/ header, and the two meet at link time. Main thread only.
 */
#ifndef FINELAB_TUI_H
#define FINELAB_TUI_H

/* Runs the lab (`finelab` with no command; argv[0] is the program). Falls
 * back to a headless run of the default preset when there is no terminal
 * or curses cannot start. Returns a CLI exit code. */
int tui_main(int argc, char **argv);

#endif
