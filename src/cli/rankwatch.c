/*
 * rankwatch — SIGTERM on rank 0 of an MPI job. See rankwatch.h.
 *
 * The handler is async-signal-safe (one write(2)); the thread does the
 * rest in a normal context while the main thread is stuck in MPI.
 */
#include "src/cli/rankwatch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/base/dist.h"
#include "src/run/runstore.h"

static int watch_pipe[2] = {-1, -1};
static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static char watch_run[1024];
static uint64_t *watch_pids, *watch_hosts;
static int watch_ranks;

static uint64_t rankwatch_host(void) {
    char name[256] = "";
    gethostname(name, sizeof name - 1);
    uint64_t h = 0xCBF29CE484222325ULL;
    for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001B3ULL;
    return h;
}

static void rankwatch_on_term(int sig) {
    char c = (char)sig;
    if (write(watch_pipe[1], &c, 1) < 0) _exit(128 + sig);
}

/* Which rank is gone, as far as this host can tell, into buf. */
static void rankwatch_cause(char *buf, size_t cap) {
    uint64_t here = rankwatch_host();
    for (int r = 1; r < watch_ranks; r++)
        if (watch_hosts[r] == here && kill((pid_t)watch_pids[r], 0) != 0 && errno == ESRCH) {
            snprintf(buf, cap,
                     "rank %d (pid %llu) died (killed or out of memory); mpirun ended the job", r,
                     (unsigned long long)watch_pids[r]);
            return;
        }
    snprintf(buf, cap,
             "mpirun ended the job (SIGTERM): a rank died or failed on another node, or the job "
             "was cancelled");
}

static void *rankwatch_thread(void *arg) {
    (void)arg;
    char c;
    while (read(watch_pipe[0], &c, 1) < 0 && errno == EINTR) {
    }
    pthread_mutex_lock(&watch_mu);
    RunWriter w;
    runstore_null(&w);
    if (watch_run[0] && runstore_read_status(watch_run, &w.status, NULL) == ST_OK &&
        (w.status.state == RUN_RUNNING || w.status.state == RUN_QUEUED ||
         w.status.state == RUN_INTERRUPTED)) {
        snprintf(w.dir, sizeof w.dir, "%s", watch_run);
        w.status.state = RUN_FAILED;
        rankwatch_cause(w.status.error, sizeof w.status.error);
        runstore_write_status(&w, NULL);
        fprintf(stderr, "finelab: %s: %s\n", watch_run, w.status.error);
    }
    _exit(128 + SIGTERM);
    return NULL;
}

void rankwatch_start(void) {
    int n = dist_size();
    if (n == 1) return;
    watch_pids = calloc((size_t)n, sizeof *watch_pids);
    watch_hosts = calloc((size_t)n, sizeof *watch_hosts);
    if (!watch_pids || !watch_hosts) return; /* then no epitaph, as without rankwatch */
    if (dist_gather_u64((uint64_t)getpid(), watch_pids, NULL) ||
        dist_gather_u64(rankwatch_host(), watch_hosts, NULL))
        return;
    watch_ranks = n;
    if (dist_rank() != 0 || pipe(watch_pipe) != 0) return;
    pthread_t th;
    if (pthread_create(&th, NULL, rankwatch_thread, NULL) != 0) return;
    pthread_detach(th);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = rankwatch_on_term;
    sigaction(SIGTERM, &sa, NULL);
}

void rankwatch_set_run(const char *run_dir) {
    pthread_mutex_lock(&watch_mu);
    snprintf(watch_run, sizeof watch_run, "%s", run_dir ? run_dir : "");
    pthread_mutex_unlock(&watch_mu);
}
