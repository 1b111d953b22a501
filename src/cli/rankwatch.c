/*
 * rankwatch — rank 0's watcher process of an MPI job. See rankwatch.h.
 *
 * Rank 0 listens on a seqpacket socket (an abstract Unix name of its host
 * and pid) before the ranks gather, so every rank on its host can connect
 * as soon as the gather returns; the connections wait in the backlog until
 * the watcher, which inherits the socket on fd 0, accepts them. A rank's
 * end closes its connection at the moment its files close: the same moment
 * the launcher learns of it, one message sooner than the launcher's kill of
 * the others. Messages, one per packet: "rank R PID" (first, on each
 * connection), "run DIR", "term", "fail MESSAGE".
 */
#define _GNU_SOURCE /* POSIX_SPAWN_SETSID, close_range */
#include "src/cli/rankwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/base/dist.h"
#include "src/run/runstore.h"

extern char **environ;

#define WATCH_MSG 4096 /* longest message */

static int watch_tx = -1; /* this rank's connection to the watcher (-1: none) */
static int watch_rank;

static uint64_t rankwatch_host(void) {
    char name[256] = "";
    gethostname(name, sizeof name - 1);
    uint64_t h = 0xCBF29CE484222325ULL;
    for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001B3ULL;
    return h;
}

/* The watcher's address for the job whose rank 0 is pid on host. */
static socklen_t rankwatch_address(struct sockaddr_un *a, uint64_t host, uint64_t pid) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "finelab-rankwatch-%016llx-%llu",
                     (unsigned long long)host, (unsigned long long)pid);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* Async-signal-safe (send). */
static void rankwatch_send(const char *text, size_t len) {
    if (watch_tx >= 0) (void)send(watch_tx, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void rankwatch_on_term(int sig) {
    rankwatch_send("term", 4);
    _exit(128 + sig);
}

/* Starts the watcher with the listening socket rx on its fd 0; 0 on
 * success. */
static int rankwatch_spawn(int rx) {
    static char prog[] = "finelab", arg[] = RANKWATCH_ARG;
    char *argv[] = {prog, arg, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGTERM);
    sigaddset(&dfl, SIGINT);
    sigaddset(&dfl, SIGUSR1);
    sigaddset(&dfl, SIGPIPE);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, rx, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_init(&at);
    /* A session of its own: a launcher that kills the ranks' process
     * groups does not reach it. */
    posix_spawnattr_setflags(&at,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", &fa, &at, argv, environ) == 0 ? 0 : -1;
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* This rank's connection to the watcher's address a, introduced. */
static int rankwatch_connect(const struct sockaddr_un *a, socklen_t len) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    char hello[64];
    int n = snprintf(hello, sizeof hello, "rank %d %ld", watch_rank, (long)getpid());
    if (connect(fd, (const struct sockaddr *)a, len) != 0 ||
        send(fd, hello, (size_t)n, MSG_NOSIGNAL) != n) {
        close(fd);
        return -1;
    }
    return fd;
}

void rankwatch_start(void) {
    int n = dist_size();
    if (n == 1) return;
    watch_rank = dist_rank();
    struct sockaddr_un a;
    socklen_t alen = 0;
    int rx = -1;
    if (watch_rank == 0) { /* listening before the gather: ranks connect once it returns */
        alen = rankwatch_address(&a, rankwatch_host(), (uint64_t)getpid());
        rx = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (rx >= 0 && (bind(rx, (const struct sockaddr *)&a, alen) != 0 || listen(rx, n) != 0)) {
            close(rx);
            rx = -1;
        }
    }
    /* Rank 0's pid and host to every rank; a rank on another host has no
     * watcher to tell (its connect fails). */
    uint64_t id[2] = {(uint64_t)getpid(), rankwatch_host()};
    if (dist_bcast(id, (int)sizeof id, 0, NULL)) return;
    alen = rankwatch_address(&a, id[1], id[0]);
    watch_tx = rankwatch_connect(&a, alen);
    if (watch_rank != 0 || rx < 0) return;
    if (watch_tx >= 0 && rankwatch_spawn(rx) == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = rankwatch_on_term;
        sigaction(SIGTERM, &sa, NULL);
    }
    close(rx);
}

void rankwatch_set_run(const char *run_dir) {
    char msg[WATCH_MSG];
    int len = snprintf(msg, sizeof msg, "run %s", run_dir ? run_dir : "");
    if (len > 0 && len < (int)sizeof msg) rankwatch_send(msg, (size_t)len);
}

void rankwatch_say(const char *msg) {
    char text[WATCH_MSG];
    int named = strncmp(msg, "rank ", 5) == 0;
    int len = named ? snprintf(text, sizeof text, "fail %s", msg)
                    : snprintf(text, sizeof text, "fail rank %d: %s", watch_rank, msg);
    if (len > 0) rankwatch_send(text, len < (int)sizeof text ? (size_t)len : sizeof text - 1);
}

/* --- the watcher process ---------------------------------------------------- */

typedef struct Watched {
    int fd;
    int rank; /* -1 until its hello */
    long pid;
    int gone; /* the round its end was seen in (0: connected) */
} Watched;

typedef struct Watch {
    Watched *w;
    int n, cap;
    int rank0; /* index of rank 0's connection (-1: not yet introduced) */
    char run[sizeof((RunWriter *)0)->dir];
    char said[sizeof((RunStatus *)0)->error]; /* the first "fail" message */
    int term;                                 /* the round of rank 0's SIGTERM (0: none) */
} Watch;

static void rankwatch_accept(Watch *wt) {
    int fd;
    while ((fd = accept4(0, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        if (wt->n == wt->cap) {
            int cap = wt->cap ? 2 * wt->cap : 8;
            Watched *w = realloc(wt->w, sizeof *w * (size_t)cap);
            if (!w) {
                close(fd);
                return;
            }
            wt->w = w;
            wt->cap = cap;
        }
        wt->w[wt->n++] = (Watched){.fd = fd, .rank = -1};
    }
}

/* Reads what connection i sent; marks its end in round. */
static void rankwatch_read(Watch *wt, int i, int round) {
    Watched *w = &wt->w[i];
    char buf[WATCH_MSG + 1];
    ssize_t got;
    while ((got = recv(w->fd, buf, WATCH_MSG, MSG_DONTWAIT)) > 0) {
        buf[got] = '\0';
        if (sscanf(buf, "rank %d %ld", &w->rank, &w->pid) == 2 && w->rank == 0 && wt->rank0 < 0)
            wt->rank0 = i;
        else if (strncmp(buf, "run ", 4) == 0)
            snprintf(wt->run, sizeof wt->run, "%.*s", (int)sizeof wt->run - 1, buf + 4);
        else if (strcmp(buf, "term") == 0 && !wt->term)
            wt->term = round;
        else if (strncmp(buf, "fail ", 5) == 0 && !wt->said[0])
            snprintf(wt->said, sizeof wt->said, "%.*s", (int)sizeof wt->said - 1, buf + 5);
    }
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        w->gone = round;
        close(w->fd);
        w->fd = -1;
    }
}

/* Why the job ended, into buf: see rankwatch.h for the order. */
static void rankwatch_cause(const Watch *wt, char *buf, size_t cap) {
    if (wt->said[0]) {
        snprintf(buf, cap, "%.*s", (int)cap - 1, wt->said);
        return;
    }
    const Watched *r0 = &wt->w[wt->rank0];
    int before = wt->term ? wt->term : r0->gone;
    const Watched *with = NULL;
    for (int i = 0; i < wt->n; i++) {
        const Watched *w = &wt->w[i];
        if (i == wt->rank0 || w->rank <= 0 || !w->gone) continue;
        if (w->gone < before) {
            snprintf(buf, cap,
                     "rank %d (pid %ld) died (killed or out of memory); the launcher ended the job",
                     w->rank, w->pid);
            return;
        }
        if (w->gone == r0->gone && !with) with = w;
    }
    if (wt->term)
        snprintf(buf, cap,
                 "mpirun ended the job (SIGTERM): a rank died or failed on another node, or "
                 "the job was cancelled");
    else if (with)
        snprintf(buf, cap,
                 "rank 0 (pid %ld) and rank %d (pid %ld) ended together: one was killed or ran "
                 "out of memory, and the launcher ended the rest",
                 r0->pid, with->rank, with->pid);
    else
        snprintf(buf, cap,
                 "rank 0 (pid %ld) died (killed or out of memory); the launcher ended the job",
                 r0->pid);
}

/* Marks wt->run failed with its cause when it still reads as rank 0's. */
static void rankwatch_epitaph(const Watch *wt) {
    RunWriter rw;
    runstore_null(&rw);
    if (!wt->run[0] || runstore_read_status(wt->run, &rw.status, NULL) != ST_OK) return;
    RunState st = rw.status.state;
    if ((st != RUN_RUNNING && st != RUN_QUEUED && st != RUN_INTERRUPTED) ||
        rw.status.pid != wt->w[wt->rank0].pid)
        return;
    memcpy(rw.dir, wt->run, sizeof rw.dir);
    rw.status.state = RUN_FAILED;
    rankwatch_cause(wt, rw.status.error, sizeof rw.status.error);
    runstore_write_status(&rw, NULL);
}

int rankwatch_main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    close_range(3, ~0U, 0); /* whatever rank 0's MPI left open */
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    Watch wt = {.rank0 = -1};
    struct pollfd *pf = NULL;
    int round = 1;
    /* Rank 0 connected before it started this process: its connection is
     * in the backlog, so the loop ends when rank 0 is gone. */
    for (;; round++) {
        struct pollfd *grown = realloc(pf, sizeof *pf * ((size_t)wt.n + 1));
        if (!grown) break;
        pf = grown;
        pf[0] = (struct pollfd){.fd = 0, .events = POLLIN};
        for (int i = 0; i < wt.n; i++)
            pf[1 + i] = (struct pollfd){.fd = wt.w[i].fd, .events = POLLIN};
        int n = wt.n;
        if (poll(pf, (nfds_t)n + 1, -1) < 0 && errno != EINTR) break;
        for (int i = 0; i < n; i++)
            if (wt.w[i].fd >= 0 && pf[1 + i].revents) rankwatch_read(&wt, i, round);
        if (pf[0].revents) rankwatch_accept(&wt);
        if (wt.rank0 >= 0 && wt.w[wt.rank0].gone) break;
    }
    if (wt.rank0 >= 0 && wt.w[wt.rank0].gone) rankwatch_epitaph(&wt);
    for (int i = 0; i < wt.n; i++)
        if (wt.w[i].fd >= 0) close(wt.w[i].fd);
    free(wt.w);
    free(pf);
    return 0;
}
