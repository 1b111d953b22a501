/*
 * cmd_bench — the `finelab bench` subcommand (data pipeline throughput).
 * Runs on the main thread; prints to stdout; returns a CLI exit code.
 */
#ifndef FINELAB_CMD_BENCH_H
#define FINELAB_CMD_BENCH_H

/* argv[0] is "bench". */
int cmd_bench(int argc, char **argv);

#endif
