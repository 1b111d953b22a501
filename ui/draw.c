/*
 * draw — curses output. See draw.h.
 *
 * Styles from the TextGrids map to colour pairs: chart series 1..8 to
 * distinct colours (series also differ by glyph, so monochrome terminals and
 * NO_COLOR still tell them apart), heat levels to a blue-to-red ramp, and
 * the named styles to bold / reverse / dim. wnoutrefresh + doupdate send
 * only the cells that changed.
 */
#include "draw.h"

#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "screens.h"
#include "timer.h"

static const char *const tab_names[SCR_COUNT] = {"Presets", "Editor", "Runs", "Monitor",
                                                 "Compare", "Grid",   "Help"};

enum {
    PAIR_SERIES = 1,
    PAIR_HEAT = 10,
    PAIR_TITLE = 20,
    PAIR_ERROR,
    PAIR_GOOD,
    PAIR_BAD,
    PAIR_BAR
};

int draw_start(App *a, char *why, size_t cap) {
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
    /* Engine or library messages must not scribble over the screen. */
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
    draw_size(a);
    return 0;
}

void draw_stop(void) {
    if (!isendwin()) endwin();
}

void draw_size(App *a) {
    getmaxyx(stdscr, a->h, a->w);
}

int draw_getch(void) {
    return getch();
}

static attr_t style_attr(const App *a, int style) {
    if (style >= 1 && style <= ST_SERIES_MAX)
        return a->color ? COLOR_PAIR(PAIR_SERIES + style - 1) : (style == 1 ? A_BOLD : A_NORMAL);
    if (style > ST_HEAT && style <= ST_HEAT + 5)
        return a->color ? COLOR_PAIR(PAIR_HEAT + style - ST_HEAT - 1)
                        : (style >= ST_HEAT + 4 ? A_BOLD : A_NORMAL);
    switch (style) {
    case ST_TITLE:
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
    case ST_KEY:
        return A_BOLD;
    default:
        return A_NORMAL;
    }
}

/* Copies g to the screen at row y0. */
static void blit(const App *a, const TextGrid *g, int y0) {
    for (int y = 0; y < g->h; y++) {
        move(y0 + y, 0);
        for (int x = 0; x < g->w; x++) {
            const TextCell *c = textgrid_at(g, x, y);
            attr_t at = style_attr(a, c->style);
            if (at) attron(at);
            addstr(c->ch);
            if (at) attroff(at);
        }
    }
}

static void draw_tabs(const App *a) {
    move(0, 0);
    clrtoeol();
    int x = 0;
    for (int i = 0; i < SCR_COUNT && x < a->w; i++) {
        char label[32];
        snprintf(label, sizeof label, " %d %s ", i + 1, tab_names[i]);
        attr_t at = i == (int)a->screen ? (a->color ? COLOR_PAIR(PAIR_TITLE) | A_BOLD : A_REVERSE)
                                        : A_NORMAL;
        attron(at);
        mvaddnstr(0, x, label, a->w - x);
        attroff(at);
        x += (int)strlen(label);
    }
    BridgeSnapshot s;
    bridge_snapshot(a->bridge, &s);
    char right[96];
    if (s.running)
        snprintf(right, sizeof right, "%s %d/%d%s", s.paused ? "paused" : "training", s.iter,
                 s.max_iter, s.queued ? " +queue" : "");
    else
        snprintf(right, sizeof right, "%s", s.queued ? "queued" : "idle");
    int rx = a->w - (int)strlen(right) - 1;
    if (rx > x) mvaddstr(0, rx, right);
}

static void draw_bar(const App *a) {
    int n;
    const KeyBinding *k = keys_table(&n);
    move(a->h - 1, 0);
    clrtoeol();
    int x = 0;
    for (int i = 0; i < n && x < a->w; i++) {
        if (!k[i].bar || !(k[i].screens & (1u << a->screen))) continue;
        if (a->screen == SCR_EDITOR && a->edit_typing) break;
        attron(A_BOLD);
        mvaddnstr(a->h - 1, x, k[i].label, a->w - x);
        attroff(A_BOLD);
        x += (int)strlen(k[i].label);
        attr_t at = a->color ? COLOR_PAIR(PAIR_BAR) : A_REVERSE;
        attron(at);
        mvaddnstr(a->h - 1, x, k[i].bar, a->w - x);
        attroff(at);
        x += (int)strlen(k[i].bar) + 1;
    }
}

static void draw_status(const App *a) {
    move(a->h - 2, 0);
    clrtoeol();
    if (!a->message[0]) return;
    attr_t at = a->message_error ? style_attr(a, ST_ERROR) : A_NORMAL;
    attron(at);
    mvaddnstr(a->h - 2, 0, a->message, a->w);
    attroff(at);
}

double draw_frame(App *a) {
    double t0 = timer_now();
    erase();
    if (a->w < 80 || a->h < 24) {
        char msg[128];
        snprintf(msg, sizeof msg, "terminal too small: %dx%d, finelab needs 80x24", a->w, a->h);
        mvaddnstr(a->h / 2, 0, msg, a->w);
        wnoutrefresh(stdscr);
        doupdate();
        return timer_now() - t0;
    }
    TextGrid g;
    if (textgrid_init(&g, a->w, a->h - 3) == ST_OK) {
        void (*body[SCR_COUNT])(App *, TextGrid *) = {presets_draw, editor_draw,     runs_draw,
                                                      monitor_draw, comparescr_draw, grid_draw,
                                                      help_draw};
        body[a->screen](a, &g);
        blit(a, &g, 1);
        textgrid_fini(&g);
    }
    draw_tabs(a);
    draw_status(a);
    draw_bar(a);
    wnoutrefresh(stdscr);
    doupdate();
    a->dirty = 0;
    return timer_now() - t0;
}

int ui_confirm(App *a, const char *question) {
    move(a->h - 2, 0);
    clrtoeol();
    attron(A_BOLD);
    mvaddnstr(a->h - 2, 0, question, a->w - 8);
    addstr(" [y/n] ");
    attroff(A_BOLD);
    refresh();
    nodelay(stdscr, FALSE);
    int ch;
    do ch = getch();
    while (ch != 'y' && ch != 'n' && ch != 'Y' && ch != 'N' && ch != 27 && ch != ERR);
    nodelay(stdscr, TRUE);
    a->dirty = 1;
    return ch == 'y' || ch == 'Y';
}

int ui_prompt(App *a, const char *question, char *buf, size_t cap) {
    size_t n = strlen(buf);
    nodelay(stdscr, FALSE);
    curs_set(1);
    int ok = 0;
    for (;;) {
        move(a->h - 2, 0);
        clrtoeol();
        attron(A_BOLD);
        mvaddnstr(a->h - 2, 0, question, a->w / 2);
        attroff(A_BOLD);
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
