/*
 * blas_setup — choosing and switching the OpenBLAS kernel. See
 * blas_setup.h.
 */
#include "src/run/blas_setup.h"

#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/base/blas.h"
#include "engine/base/blas_kernel.h"
#include "engine/base/cpu.h"

extern char **environ;

static const char *const self_exe = "/proc/self/exe";

/* environ without OPENBLAS_CORETYPE and the self-check marker, then
 * OPENBLAS_CORETYPE=core, the marker and one BLAS thread; malloc'd
 * pointers into static and environ strings (free the array only). */
static char **child_env(char *coretype) {
    size_t n = 0;
    while (environ[n]) n++;
    char **env = malloc(sizeof(char *) * (n + 4));
    if (!env) return NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "OPENBLAS_CORETYPE=", 18) != 0 &&
            strncmp(environ[i], "OPENBLAS_NUM_THREADS=", 21) != 0 &&
            strncmp(environ[i], "FINELAB_BLAS_SELFCHECK=", 23) != 0)
            env[m++] = environ[i];
    static char marker[] = "FINELAB_BLAS_SELFCHECK=1", one[] = "OPENBLAS_NUM_THREADS=1";
    env[m++] = coretype;
    env[m++] = marker;
    env[m++] = one;
    env[m] = NULL;
    return env;
}

/* 1 when core passes the self-check in a child process. */
static int kernel_passes(const char *argv0, const char *core) {
    char coretype[64];
    snprintf(coretype, sizeof coretype, "OPENBLAS_CORETYPE=%s", core);
    char **env = child_env(coretype);
    if (!env) return 0;
    char *args[] = {(char *)(uintptr_t)argv0, NULL};
    pid_t pid;
    int ok = 0, status;
    if (posix_spawn(&pid, self_exe, NULL, NULL, args, env) == 0 && waitpid(pid, &status, 0) == pid)
        ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    free(env);
    return ok;
}

static void set_why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_why(const char *fmt, ...) {
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    setenv("FINELAB_BLAS_WHY", why, 1);
}

int blas_setup_start(char **argv, int *exit_code) {
    if (getenv("FINELAB_BLAS_SELFCHECK")) {
        *exit_code = blas_kernel_selfcheck(blas_gemm, NULL) == 0 ? 0 : 1;
        return 1;
    }
    if (getenv("FINELAB_BLAS_WHY")) return 0; /* settled before this process started */
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (user) {
        set_why("set by the user (OPENBLAS_CORETYPE=%s)", user);
        return 0;
    }
    CpuFeatures cpu = cpu_detect();
    const char *picked = getenv("FINELAB_BLAS_SIMULATE_PICKED");
    if (!picked) picked = blas_corename();
    const char *cand[BLAS_KERNEL_CANDIDATES_MAX];
    int n = blas_kernel_candidates(&cpu, picked, cand, BLAS_KERNEL_CANDIDATES_MAX);
    if (n == 0) {
        set_why("picked by the library (the CPU has %s)", cpu_level_name(&cpu));
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (!kernel_passes(argv[0], cand[i])) continue;
        set_why("chosen by finelab (the library picked %s; the CPU has %s and %s passed the "
                "self-check)",
                picked, cpu_level_name(&cpu), cand[i]);
        setenv("OPENBLAS_CORETYPE", cand[i], 1);
        execv(self_exe, argv);
        /* Still here: the program could not start again. */
        unsetenv("OPENBLAS_CORETYPE");
        set_why("picked by the library (%s passed the self-check but finelab could not "
                "restart with it)",
                cand[i]);
        return 0;
    }
    set_why("picked by the library (no better kernel for the CPU's %s passed the self-check)",
            cpu_level_name(&cpu));
    return 0;
}

void blas_setup_describe(int threads, char *buf, size_t cap) {
    const char *why = getenv("FINELAB_BLAS_WHY");
    snprintf(buf, cap, "BLAS: %s, %d threads; kernel %s, %s", blas_config(),
             threads > 0 ? threads : blas_threads(), blas_corename(),
             why ? why : "picked by the library");
}
