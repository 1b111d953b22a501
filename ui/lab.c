/*
 * lab — the lab's main loop (UI thread). See lab.h.
 *
 * The loop sleeps in select() on the keyboard and the bridge's wake pipe,
 * with a timeout that is 2 s when idle (to notice other processes' runs in
 * the store) and at most 100 ms when a redraw is pending, so the screen is
 * redrawn only when something changed and at most 10 times a second. A
 * lost terminal (SIGHUP) stops drawing; the running job and the queue still
 * finish into the run store. Quitting with a job active asks whether to
 * stop it or keep training headless in this terminal.
 */
#include "ui/lab.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "engine/base/timer.h"
#include "engine/io/fileio.h"
#include "ui/app.h"
#include "ui/frame.h"
#include "ui/keys.h"
#include "ui/screens.h"
#include "ui/term.h"

static volatile sig_atomic_t got_hup, got_int;

static void on_hup(int sig) {
    (void)sig;
    got_hup = 1;
}

static void on_int(int sig) {
    (void)sig;
    got_int = 1;
}

/* The lab's signals: a closed terminal, Ctrl-C and kill end it through
 * its loop; a closed pipe is an error where it is written, not a death. */
static void lab_catch_signals(void) {
    static const struct {
        int sig;
        void (*handler)(int);
    } catches[] = {{SIGHUP, on_hup}, {SIGINT, on_int}, {SIGTERM, on_int}, {SIGPIPE, SIG_IGN}};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    for (size_t i = 0; i < sizeof catches / sizeof catches[0]; i++) {
        sa.sa_handler = catches[i].handler;
        sigaction(catches[i].sig, &sa, NULL);
    }
}

static void handle_event(App *a, const BridgeEvent *ev) {
    switch (ev->kind) {
    case BRIDGE_EV_QUEUED:
        app_log(a, "queued job %d: %s", ev->job, ev->text);
        break;
    case BRIDGE_EV_STARTED:
        app_log(a, "job %d started: %s", ev->job, ev->run_dir);
        if (!a->monitor.dir[0] || a->screen != SCR_MONITOR)
            snprintf(a->monitor.dir, sizeof a->monitor.dir, "%s", ev->run_dir);
        app_load_runs(a);
        break;
    case BRIDGE_EV_ROW:
        if (ev->row.phase != PHASE_TRAIN)
            app_log(a, "iter %d: %s accuracy %.2f%%, loss %.4f", ev->row.iter,
                    train_phase_name(ev->row.phase), 100 * ev->row.accuracy, ev->row.loss);
        break;
    case BRIDGE_EV_LOG:
        if (ev->log_kind != TRAIN_LOG_ROW) app_log(a, "%s", ev->text); /* rows: drawn above */
        break;
    case BRIDGE_EV_FINISHED:
        if (!ev->run_dir[0]) { /* refused before its run directory was made */
            app_message(a, 1, "job %d did not start: %s", ev->job, ev->text);
            app_log(a, "job %d did not start: %s", ev->job, ev->text);
        } else if (ev->state == RUN_DONE && strcmp(ev->heldout, "val") == 0)
            app_message(a, 0,
                        "%s done: final val accuracy %.2f%%, test %.2f%% (on the best "
                        "validation pass's weights)",
                        ev->run_dir, 100 * ev->accuracy, 100 * ev->test_accuracy);
        else if (ev->state == RUN_DONE)
            app_message(a, 0, "%s done: final test accuracy %.2f%%", ev->run_dir,
                        100 * ev->accuracy);
        else
            app_message(a, ev->state != RUN_STOPPED, "%s %s%s%s", ev->run_dir,
                        runstore_state_name(ev->state), ev->text[0] ? ": " : "", ev->text);
        app_load_runs(a);
        break;
    case BRIDGE_EV_LRFIND: /* the view draws the curve; here the line that says it ended */
        app_message(a, ev->state == RUN_FAILED, "range test (job %d): %s", ev->job, ev->text);
        app_log(a, "range test (job %d): %s", ev->job, ev->text);
        break;
    }
    a->dirty = 1;
}

/* After the UI is gone: print progress until the queue is empty. */
static void finish_headless(App *a, int print) {
    while (bridge_busy(a->bridge)) {
        fd_set rd;
        FD_ZERO(&rd);
        int fd = bridge_wake_fd(a->bridge);
        FD_SET(fd, &rd);
        struct timeval tv = {1, 0};
        if (select(fd + 1, &rd, NULL, NULL, &tv) > 0) bridge_drain_wake(a->bridge);
        BridgeEvent ev;
        while (bridge_poll(a->bridge, &ev))
            if (print && ev.kind == BRIDGE_EV_ROW && ev.row.phase != PHASE_TRAIN)
                printf("iter %d: %s accuracy %.2f%%\n", ev.row.iter, train_phase_name(ev.row.phase),
                       100 * ev.row.accuracy);
            else if (print && ev.kind == BRIDGE_EV_FINISHED)
                printf("%s: %s\n", ev.run_dir, runstore_state_name(ev.state));
        if (got_int) { /* Ctrl-C, or another finelab's stop: snapshot and stop */
            bridge_stop(a->bridge);
            got_int = 0;
        }
    }
}

/* Quit: with a job active, ask whether to stop it or keep training.
 * 1: quit and stop the job, 2: quit and keep training, 0: stay. */
static int ask_quit(App *a) {
    if (!bridge_busy(a->bridge)) return 1;
    int ch =
        term_choose(a, "a run is active: [s]top it, [k]eep it running headless, [c]ancel", "skc");
    if (ch == 's') return 1;
    if (ch == 'k') return 2;
    a->quit = 0;
    return 0;
}

int lab_options(LabOptions *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    snprintf(o->runs_dir, sizeof o->runs_dir, "runs");
    snprintf(o->presets_dirs[0], sizeof o->presets_dirs[0], "presets");
    o->n_presets_dirs = 1;
    for (int i = 1; i < argc; i++) {
        int option = strcmp(argv[i], "--runs-dir") == 0 || strcmp(argv[i], "--presets") == 0;
        if (!option || i + 1 == argc) return i; /* not ours, or without its value */
        if (strcmp(argv[i], "--runs-dir") == 0)
            snprintf(o->runs_dir, sizeof o->runs_dir, "%s", argv[++i]);
        else if (strcmp(argv[i], "--presets") == 0 && o->n_presets_dirs < LAB_PRESETS_DIRS_MAX) {
            /* The same directory twice (presets and ./presets) is listed once. */
            char want[PATH_MAX], have[PATH_MAX];
            const char *dir = argv[++i];
            int dup = 0;
            for (int d = 0; d < o->n_presets_dirs && !dup; d++)
                dup = realpath(dir, want) && realpath(o->presets_dirs[d], have) &&
                      strcmp(want, have) == 0;
            if (!dup)
                snprintf(o->presets_dirs[o->n_presets_dirs++], sizeof o->presets_dirs[0], "%s",
                         dir);
        }
    }
    return 0;
}

/* FINELAB_DRAW_STATS=FILE: on exit, write frame counts and draw times per
 * screen there (how the redraw time in the README was measured). */
static double stat_sum[SCR_COUNT], stat_max[SCR_COUNT];
static int stat_n[SCR_COUNT];

/* Writes the file whole or not at all (atomic_file.h); a failure (a full
 * disk) is kept in *err for stderr once curses has let go of it. */
static Status write_draw_stats(const App *a, Error *err) {
    const char *path = getenv("FINELAB_DRAW_STATS");
    if (!path || !path[0]) return ST_OK;
    char text[96 * (SCR_COUNT + 1)];
    size_t len = (size_t)snprintf(text, sizeof text, "terminal %dx%d\n", a->w, a->h);
    for (int s = 0; s < SCR_COUNT && len < sizeof text; s++)
        if (stat_n[s])
            len += (size_t)snprintf(text + len, sizeof text - len,
                                    "screen %d: %d frames, mean %.3f ms, max %.3f ms\n", s + 1,
                                    stat_n[s], 1e3 * stat_sum[s] / stat_n[s], 1e3 * stat_max[s]);
    return fileio_write_atomic(path, text, len < sizeof text ? len : sizeof text - 1, err);
}

static void main_loop(App *a) {
    double last_draw = 0;
    int idle_errs = 0;
    while (!a->quit && !got_hup) {
        BridgeEvent ev;
        while (bridge_poll(a->bridge, &ev)) handle_event(a, &ev);
        double now = timer_now();
        if (now - a->runs_loaded_at > 2.0) {
            /* Rereading the store redraws only the screens that show it. */
            int dirty = a->dirty;
            app_load_runs(a);
            a->dirty = dirty || screens_get(a->screen)->shows_runs;
        }
        if (a->dirty && now - last_draw >= 0.1) {
            Screen shown = a->screen;
            double took = frame_draw(a);
            stat_sum[shown] += took;
            stat_n[shown]++;
            if (took > stat_max[shown]) stat_max[shown] = took;
            last_draw = timer_now();
        }
        if (got_int) {
            got_int = 0;
            a->quit = 1;
            break;
        }
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(STDIN_FILENO, &rd);
        int wake = bridge_wake_fd(a->bridge);
        FD_SET(wake, &rd);
        double wait = a->dirty ? 0.1 - (timer_now() - last_draw) : 2.0;
        if (wait < 0.005) wait = 0.005;
        struct timeval tv = {(time_t)wait, (suseconds_t)((wait - (int)wait) * 1e6)};
        int r = select((wake > STDIN_FILENO ? wake : STDIN_FILENO) + 1, &rd, NULL, NULL, &tv);
        if (r < 0 && errno != EINTR) break;
        if (r == 0) continue;
        if (r < 0) {
            /* A signal, e.g. SIGWINCH: curses turns it into KEY_RESIZE on the next read. */
            FD_ZERO(&rd);
            FD_SET(STDIN_FILENO, &rd);
        }
        if (FD_ISSET(wake, &rd)) {
            bridge_drain_wake(a->bridge);
            BridgeSnapshot s;
            bridge_snapshot(a->bridge, &s);
            if (s.generation != a->seen_generation) {
                a->seen_generation = s.generation;
                a->dirty = 1;
                /* The job's status.ini moved on too: reread the store within
                 * half a second rather than the idle 2 s. */
                double soon = timer_now() - 1.5;
                if (a->runs_loaded_at > soon) a->runs_loaded_at = soon;
            }
        }
        if (FD_ISSET(STDIN_FILENO, &rd)) {
            int ch, got = 0;
            while ((ch = term_getch()) != TERM_KEY_NONE) {
                got = 1;
                if (ch == TERM_KEY_RESIZE) {
                    term_size(a);
                    a->dirty = 1;
                    continue;
                }
                if (!keys_dispatch(a, screens_get(a->screen), ch)) continue;
                if (a->quit) break;
            }
            /* Readable yet no key, again and again: the terminal is gone
             * (signal wake-ups, r < 0, do not count). */
            if (r > 0) idle_errs = got ? 0 : idle_errs + 1;
            if (idle_errs > 50) got_hup = 1;
        }
        if (a->quit) {
            int how = ask_quit(a);
            if (how == 1) {
                bridge_stop(a->bridge);
            } else if (how == 2) {
                term_stop();
                printf("finelab: the lab is closed; training goes on here (Ctrl-C stops it after a "
                       "snapshot; closing the terminal lets it finish)\n");
                fflush(stdout);
                finish_headless(a, 1);
            }
        }
    }
}

LabResult lab_run(const LabOptions *o, char *why, size_t cap) {
    setlocale(LC_ALL, "");
    App *a = app_create(o->runs_dir, o->presets_dirs, o->n_presets_dirs);
    if (!a) return LAB_FAILED;
    Error err = {0};
    if (fileio_mkdirs(a->runs_dir, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        app_destroy(a);
        return LAB_BAD_INPUT;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(why, cap, "no terminal");
        app_destroy(a);
        return LAB_NO_TERMINAL;
    }
    if (!(a->bridge = bridge_create(a->runs_dir, &err))) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        app_destroy(a);
        return LAB_FAILED;
    }
    if (term_start(a, why, cap)) {
        app_destroy(a);
        return LAB_NO_TERMINAL;
    }
    lab_catch_signals();
    app_load_presets(a);
    app_load_runs(a);
    app_log(a, "finelab started: presets from %s, runs in %s", a->presets_dirs[0], a->runs_dir);
    a->dirty = 1;
    main_loop(a);
    Error stats_err = {0};
    Status stats = write_draw_stats(a, &stats_err);
    if (got_hup) {
        /* The terminal is gone: no more drawing; the work still finishes. */
        finish_headless(a, 0);
    } else {
        term_stop();
    }
    if (stats) fprintf(stderr, "finelab: FINELAB_DRAW_STATS: %s\n", stats_err.msg);
    app_destroy(a);
    return LAB_OK;
}
