/*
 * term — curses input and output. See term.h.
 *
 * Styles from the TextGrids map to colour pairs: chart series 1..8 to
 * distinct colours (series also differ by glyph, so monochrome terminals and
 * NO_COLOR still tell them apart), heat levels to a blue-to-red ramp, and
 * the named styles to bold / reverse / dim. erase + wnoutrefresh + doupdate
 * send only the cells that changed since the last frame.
 */
#include "ui/term.h"

#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    PAIR_SERIES = 1,
    PAIR_HEAT = 10,
    PAIR_TITLE = 20,
    PAIR_ERROR,
    PAIR_GOOD,
    PAIR_BAD,
    PAIR_BAR
};

int term_start(App *a, char *why, size_t cap) {
    const char *term = getenv("TERM");
    if (!term || !*term || strcmp(term, "dumb") == 0) {
        snprintf(why, cap, "TERM is %s", term && *term ? term : "not set");
        return -1;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(why, cap, "not on a terminal");
        return -1;
    }
    a->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    /* newterm, unlike initscr, returns NULL instead of exiting. */
    SCREEN *s = newterm(NULL, stdout, stdin);
    if (!s) {
        snprintf(why, cap, "curses cannot drive TERM=%s", term);
        return -1;
    }
    set_term(s);
    char path[1200];
    snprintf(path, sizeof path, "%s/.tui-stderr.log", a->runs_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) {
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    a->color = has_colors() && !getenv("NO_COLOR");
    a->mono = !a->color;
    if (a->color) {
        start_color();
        use_default_colors();
        const short series[8] = {COLOR_CYAN, COLOR_YELLOW, COLOR_GREEN, COLOR_MAGENTA,
                                 COLOR_RED,  COLOR_BLUE,   COLOR_WHITE, COLOR_CYAN};
        for (int i = 0; i < 8; i++) init_pair((short)(PAIR_SERIES + i), series[i], -1);
        const short heat[5] = {COLOR_BLUE, COLOR_CYAN, COLOR_GREEN, COLOR_YELLOW, COLOR_RED};
        for (int i = 0; i < 5; i++) init_pair((short)(PAIR_HEAT + i), heat[i], -1);
        init_pair(PAIR_TITLE, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_ERROR, COLOR_RED, -1);
        init_pair(PAIR_GOOD, COLOR_GREEN, -1);
        init_pair(PAIR_BAD, COLOR_RED, -1);
        init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
    }
    term_size(a);
    return 0;
}

void term_stop(void) {
    if (!isendwin()) endwin();
}

void term_size(App *a) {
    getmaxyx(stdscr, a->h, a->w);
}

int term_getch(void) {
    int ch = getch();
    if (ch >= KEY_F0 && ch <= KEY_F(63)) return TERM_KEY_F(ch - KEY_F0);
    switch (ch) {
    case ERR:
        return TERM_KEY_NONE;
    case '\r':
    case KEY_ENTER:
        return TERM_KEY_ENTER;
    case KEY_BACKSPACE:
    case 8:
        return TERM_KEY_BACKSPACE;
    case KEY_UP:
        return TERM_KEY_UP;
    case KEY_DOWN:
        return TERM_KEY_DOWN;
    case KEY_LEFT:
        return TERM_KEY_LEFT;
    case KEY_RIGHT:
        return TERM_KEY_RIGHT;
    case KEY_PPAGE:
        return TERM_KEY_PGUP;
    case KEY_NPAGE:
        return TERM_KEY_PGDN;
    case KEY_BTAB:
        return TERM_KEY_BTAB;
    case KEY_RESIZE:
        return TERM_KEY_RESIZE;
    default:
        return ch >= KEY_MIN ? TERM_KEY_OTHER : ch;
    }
}

static attr_t style_attr(const App *a, int style) {
    if (style >= 1 && style <= ST_SERIES_MAX)
        return a->color ? COLOR_PAIR(PAIR_SERIES + style - 1) : (style == 1 ? A_BOLD : A_NORMAL);
    if (style > ST_HEAT && style <= ST_HEAT + 5)
        return a->color ? COLOR_PAIR(PAIR_HEAT + style - ST_HEAT - 1)
                        : (style >= ST_HEAT + 4 ? A_BOLD : A_NORMAL);
    switch (style) {
    case ST_TITLE:
    case ST_KEY:
        return A_BOLD;
    case ST_HEADER:
        return A_BOLD | A_UNDERLINE;
    case ST_SELECTED:
        return A_REVERSE;
    case ST_DIM:
        return A_DIM;
    case ST_ERROR:
        return a->color ? COLOR_PAIR(PAIR_ERROR) | A_BOLD : A_BOLD;
    case ST_GOOD:
        return a->color ? COLOR_PAIR(PAIR_GOOD) : A_BOLD;
    case ST_BAD:
        return a->color ? COLOR_PAIR(PAIR_BAD) : A_UNDERLINE;
    case ST_TAB:
        return a->color ? COLOR_PAIR(PAIR_TITLE) | A_BOLD : A_REVERSE;
    case ST_BAR:
        return a->color ? COLOR_PAIR(PAIR_BAR) : A_REVERSE;
    default:
        return A_NORMAL;
    }
}

void term_show(const App *a, const TextGrid *g) {
    erase();
    for (int y = 0; y < g->h && y < a->h; y++) {
        move(y, 0);
        for (int x = 0; x < g->w && x < a->w; x++) {
            const TextCell *c = textgrid_at(g, x, y);
            attr_t at = style_attr(a, c->style);
            if (at) attron(at);
            addstr(c->ch);
            if (at) attroff(at);
        }
    }
    wnoutrefresh(stdscr);
    doupdate();
}

void term_repaint(void) {
    clearok(curscr, TRUE);
}

/* The question in bold on the status line (the second row from the bottom). */
static void ask(App *a, const char *question, int room) {
    move(a->h - 2, 0);
    clrtoeol();
    attron(A_BOLD);
    mvaddnstr(a->h - 2, 0, question, room);
    attroff(A_BOLD);
}

/* Blocks for one of the keys in keys (or Esc, or a lost terminal). */
static int wait_key(const char *keys) {
    nodelay(stdscr, FALSE);
    int ch;
    do ch = getch();
    while (ch != 27 && ch != ERR && (ch <= 0 || ch > 255 || !strchr(keys, ch)));
    nodelay(stdscr, TRUE);
    return ch;
}

int term_confirm(App *a, const char *question) {
    ask(a, question, a->w - 8);
    attron(A_BOLD);
    addstr(" [y/n] ");
    attroff(A_BOLD);
    refresh();
    int ch = wait_key("yYnN");
    a->dirty = 1;
    return ch == 'y' || ch == 'Y';
}

int term_choose(App *a, const char *question, const char *choices) {
    ask(a, question, a->w);
    refresh();
    int ch = wait_key(choices);
    a->dirty = 1;
    return ch == 27 || ch == ERR ? 0 : ch;
}

int term_prompt(App *a, const char *question, char *buf, size_t cap) {
    size_t n = strlen(buf);
    nodelay(stdscr, FALSE);
    curs_set(1);
    int ok = 0;
    for (;;) {
        ask(a, question, a->w / 2);
        addstr(" ");
        addnstr(buf, a->w / 2 - 2);
        refresh();
        int ch = getch();
        if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
            ok = n > 0;
            break;
        }
        if (ch == 27 || ch == ERR) break;
        if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0)
            buf[--n] = '\0';
        else if (ch >= 32 && ch < 127 && n + 1 < cap) {
            buf[n++] = (char)ch;
            buf[n] = '\0';
        }
    }
    curs_set(0);
    nodelay(stdscr, TRUE);
    a->dirty = 1;
    return ok;
}
