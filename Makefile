# finelab — one Makefile for every build variant.
#
#   make                 build ./finelab (release) after installing missing packages
#   make run             build and open the lab
#   make test            build and run every test (BUILD=asan for ASan + UBSan)
#   make test-tsan       the threaded tests (bridge, loader) under ThreadSanitizer
#   make test-mpi        install Open MPI, build with it, run tests/src/cli/test_mpi.sh (mpirun -np 2)
#   make test-mpich      the same with MPICH (build/mpich, mpirun.mpich)
#   make bench           build and run the benchmarks
#   make bench-mpi       1 rank x 2 threads against 2 ranks x 1 thread (MPI built in), and
#                        the scaling to 8-128 nodes on paper (bench/mpi_model.sh)
#   make bench-search    finelab's TPE and ASHA against python3-optuna on the demo's stage 1
#   make bench-workers   an asha study finished by 1, 2 and 4 Slurm array workers (real Slurm)
#   make bench-dnnl      install oneDNN (libdnnl-dev), build and run bench/dnnl/bench_dnnl:
#                        finelab's conv layers against oneDNN's (nothing else needs oneDNN)
#   make BUILD=debug|asan|tsan   other variants, each in build/<variant>/
#   make deps            install missing Debian packages (apt-get, through sudo when not root)
#   make deps-slurm      install Slurm and munge (tests/src/cli/test_slurm.sh starts its own daemons)
#   make deps-optuna     install python3-optuna and python3-sklearn (the tests read a study with
#                        Optuna and check its fANOVA importance against finelab's)
#   make lint-deps       check the dependency rule of docs/DESIGN.md (tests/lib/lint_deps.sh)
#   make fuzz            install clang's libFuzzer, build the fuzz harnesses (build/fuzz) and
#                        run each for FUZZ_SECONDS (default 60) on its corpus (tests/fuzz/run.sh)
#   make fuzz-seeds      rewrite the seed files of tests/fuzz/corpus/ from the project's writers
#   make format-check    clang-format in check mode on all sources
#   make readme-lessons RUNS=DIR   README's lessons block from the run store DIR
#   make MPI=1|MPI=0     with / without MPI (default: with it when pkg-config finds it);
#                        make deps MPI=1 installs Open MPI

BUILD ?= release
VARIANTS := release debug asan tsan
ifeq ($(filter $(BUILD),$(VARIANTS)),)
$(error BUILD must be one of: $(VARIANTS) (got '$(BUILD)'))
endif
OUT ?= build/$(BUILD)

# --- Debian packages ------------------------------------------------------
RUN_PKGS := gcc make pkg-config libc6-dev libncurses-dev libopenblas-dev libjpeg62-turbo-dev \
            libfftw3-dev libcairo2-dev
TEST_PKGS := libcmocka-dev tmux procps bsdutils python3 poppler-utils
FORMAT_PKGS := clang-format
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# $(call install_missing,PACKAGES): apt-get install whichever are not installed.
define install_missing
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "make deps: not a Debian system; install these yourself: $(1)"; exit 0; fi; \
	missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $$missing >/dev/null && echo "make deps: installed:$$missing"; \
	fi
endef

# --- MPI (optional: data-parallel training, engine/base/dist.c) ---------------
# MPI=1 builds with MPI, MPI=0 without; unset, with it when pkg-config finds
# Open MPI (ompi-c) or MPICH. Only `make deps MPI=1` installs it.
MPI_DEB_PKGS := libopenmpi-dev openmpi-bin
MPI_PC := $(shell pkg-config --exists ompi-c 2>/dev/null && echo ompi-c || \
            { pkg-config --exists mpich 2>/dev/null && echo mpich; } || echo ompi-c)
ifeq ($(MPI),)
  MPI := $(shell pkg-config --exists $(MPI_PC) 2>/dev/null && echo 1 || echo 0)
endif
ifeq ($(origin MPI),command line)
  MPI_DEPS := $(if $(filter 1,$(MPI)),$(MPI_DEB_PKGS))
endif

# --- flags ------------------------------------------------------------------
# Recursive (=) on purpose: pkg-config runs when a recipe needs the flags,
# which is after `deps` has installed the packages on a fresh machine.
ENGINE_PKGS := openblas libjpeg fftw3f
ifeq ($(MPI),1)
  ENGINE_PKGS += $(MPI_PC)
endif
ENGINE_PKG_CFLAGS = $(shell pkg-config --cflags $(ENGINE_PKGS))
UI_PKG_CFLAGS = $(shell pkg-config --cflags ncursesw)
SRC_PKG_CFLAGS =
# cairo draws finelab plot's pictures: only src/plot/ (and its tests) see its headers.
PLOT_PKG_CFLAGS = $(shell pkg-config --cflags cairo)
LIBS = $(shell pkg-config --libs ncursesw cairo $(ENGINE_PKGS)) -lpthread -lm
TEST_LIBS = $(shell pkg-config --libs cmocka)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wold-style-definition -Wpointer-arith -Wcast-qual -Wwrite-strings -Wformat=2 \
        -Wundef -Wvla -Wnull-dereference -Wimplicit-fallthrough
BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -MMD -MP
ifeq ($(BUILD),release)
  VARIANT_CFLAGS := -O2 -g
else ifeq ($(BUILD),debug)
  VARIANT_CFLAGS := -O0 -g3
else ifeq ($(BUILD),asan)
  VARIANT_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
                    -fno-omit-frame-pointer
  VARIANT_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(BUILD),tsan)
  VARIANT_CFLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
  VARIANT_LDFLAGS := -fsanitize=thread
endif
CFLAGS_ALL = $(BASE_CFLAGS) $(VARIANT_CFLAGS) $(CFLAGS)

# `make V=1` shows full command lines.
ifeq ($(V),1)
  Q :=
  SAY := @true
else
  Q := @
  SAY := @echo
endif

# --- sources ----------------------------------------------------------------
# One folder per concept (docs/DESIGN.md): engine/<concept>/, src/<concept>/,
# ui/, and main.c above both front ends. Every include names its file from
# the repository root ("engine/nn/layer.h"), so the one include path is -I.
ENGINE_DIRS := base io nn data synth train
SRC_DIRS := preset search run report plot cli
ENGINE_SRC := $(foreach d,$(ENGINE_DIRS),$(wildcard engine/$(d)/*.c))
SRC_SRC := $(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.c))
UI_SRC := $(wildcard ui/*.c)
MAIN_SRC := main.c
# Tests mirror the source tree: tests/engine/nn/test_conv.c tests
# engine/nn/conv.c; tests/ui/ drives the lab in tmux, tests/src/cli/ the
# program; their helpers are in tests/lib/.
TEST_MAIN_SRC := $(sort $(shell find tests -name 'test_*.c'))
TEST_SUPPORT_SRC := $(wildcard tests/lib/*.c)
BENCH_MAIN_SRC := $(wildcard bench/bench_*.c)
BENCH_SUPPORT_SRC := $(filter-out $(BENCH_MAIN_SRC),$(wildcard bench/*.c))
# The oneDNN comparison, in a folder of its own so that bench/'s globs (and
# so every other build) do not need oneDNN; only `make bench-dnnl` builds it.
DNNL_BENCH_SRC := $(wildcard bench/dnnl/*.c)
# The fuzz harnesses, one per reader (tests/fuzz/fuzz_<name>.c), their
# shared helpers, and the program that writes their seed corpora.
FUZZ_NAMES := preset solver_import safetensors caffemodel jpeg dataset runstore journal
FUZZ_HARNESS_SRC := $(FUZZ_NAMES:%=tests/fuzz/fuzz_%.c) tests/fuzz/fuzz.c
FUZZ_SEEDS_SRC := tests/fuzz/seeds.c
# Every C file the build compiles (tests/src/cli/test_tree.sh checks none is missed;
# bench/dnnl/ only `make bench-dnnl` compiles).
ALL_C := $(ENGINE_SRC) $(SRC_SRC) $(UI_SRC) $(MAIN_SRC) $(TEST_MAIN_SRC) $(TEST_SUPPORT_SRC) \
         $(BENCH_MAIN_SRC) $(BENCH_SUPPORT_SRC) $(DNNL_BENCH_SRC) $(FUZZ_HARNESS_SRC) \
         $(FUZZ_SEEDS_SRC)

ENGINE_OBJ := $(ENGINE_SRC:%.c=$(OUT)/%.o)
SRC_OBJ := $(SRC_SRC:%.c=$(OUT)/%.o)
UI_OBJ := $(UI_SRC:%.c=$(OUT)/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(OUT)/%.o)
TEST_SUPPORT_OBJ := $(TEST_SUPPORT_SRC:%.c=$(OUT)/%.o)
TEST_BIN := $(TEST_MAIN_SRC:tests/%.c=$(OUT)/tests/%)
TEST_SCRIPTS := $(sort $(shell find tests -name 'test_*.sh'))
BENCH_SUPPORT_OBJ := $(BENCH_SUPPORT_SRC:%.c=$(OUT)/%.o)
BENCH_BIN := $(BENCH_MAIN_SRC:bench/%.c=$(OUT)/bench/%)
ENGINE_LIB := $(OUT)/libfinelab.a
APP_LIB := $(OUT)/libfinelab_app.a
BIN := $(OUT)/finelab

.PHONY: all run demo-data test test-build test-tsan test-mpi test-mpich bench bench-mpi deps deps-test lint-deps format \
        format-check clean readme-keys readme-lessons list-sources
.DEFAULT_GOAL := all
.SECONDARY:

all: $(BIN)
ifeq ($(BUILD),release)
all: finelab
finelab: $(BIN)
	@ln -sf $(BIN) finelab
endif

deps:
	$(call install_missing,$(RUN_PKGS) $(MPI_DEPS))

deps-test: deps
	$(call install_missing,$(TEST_PKGS))

# --- Slurm (finelab submit) -------------------------------------------------
# Only for tests/src/cli/test_slurm.sh, which starts munged, slurmctld and slurmd of
# its own and skips where they are not installed; .ci/run installs them.
SLURM_PKGS := slurm-wlm munge
.PHONY: deps-slurm
deps-slurm:
	$(call install_missing,$(SLURM_PKGS))

# Debian's python3-optuna, the peer tests/src/report/test_optuna_log.sh
# hands a finelab study to, and python3-sklearn, which Optuna's fANOVA
# importance needs (test_study_report.sh ranks keys with it); the tests
# skip without them, and .ci/run installs them.
.PHONY: deps-optuna
deps-optuna:
	$(call install_missing,python3-optuna python3-sklearn)

# The lab on the embedded default: the generated datasets the demo presets
# name (presets/demo/*.ini) are made on first run, and made again when an
# earlier generation was cut short (synth.txt says complete = 1 at the end).
# The backbone they transfer from is committed in models/.
SYNTH_demo := --classes 20 --per-class 60 --size 256
SYNTH_tiny := --classes 4 --per-class 40 --size 96
demo-data: all
	@$(foreach d,demo tiny,grep -qs '^complete = 1' data/$(d)/synth.txt || \
	  { echo "making data/$(d): finelab synth data/$(d) $(SYNTH_$(d))"; \
	    $(BIN) synth data/$(d) $(SYNTH_$(d)); } || exit 1;)

run: demo-data
	$(BIN)

# Which folder may include which is checked by `make lint-deps`, not by
# include paths: every object sees the whole tree through -I. Each part gets
# only its own libraries' flags (ncursesw's, for one, sets _XOPEN_SOURCE).
$(OUT)/engine/%.o: PKG_CFLAGS = $(ENGINE_PKG_CFLAGS)
$(OUT)/src/%.o: PKG_CFLAGS = $(SRC_PKG_CFLAGS)
$(OUT)/src/plot/%.o: PKG_CFLAGS = $(PLOT_PKG_CFLAGS)
$(OUT)/main.o: PKG_CFLAGS = $(SRC_PKG_CFLAGS)
$(OUT)/ui/%.o: PKG_CFLAGS = $(UI_PKG_CFLAGS)
$(OUT)/tests/%.o: PKG_CFLAGS = $(ENGINE_PKG_CFLAGS) $(SRC_PKG_CFLAGS)
$(OUT)/tests/src/plot/%.o: PKG_CFLAGS = $(ENGINE_PKG_CFLAGS) $(SRC_PKG_CFLAGS) $(PLOT_PKG_CFLAGS)
$(OUT)/tests/lib/testpng.o: PKG_CFLAGS = $(ENGINE_PKG_CFLAGS) $(SRC_PKG_CFLAGS) $(PLOT_PKG_CFLAGS)
$(OUT)/bench/%.o: PKG_CFLAGS = $(ENGINE_PKG_CFLAGS)
# dist.o is the one object MPI=0/1 changes: $(OUT)/mpi.flag holds the
# setting and is rewritten (so dist.o is rebuilt) only when it changes.
MPI_FLAG := $(OUT)/mpi.flag
$(shell mkdir -p $(OUT) && [ "$$(cat $(MPI_FLAG) 2>/dev/null)" = "$(MPI)" ] || \
  echo "$(MPI)" > $(MPI_FLAG))
$(OUT)/engine/base/dist.o: $(MPI_FLAG)
ifeq ($(MPI),1)
$(OUT)/engine/base/dist.o: PKG_CFLAGS = $(ENGINE_PKG_CFLAGS) -DFINELAB_MPI
endif
$(OUT)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(SAY) "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) -I. $(PKG_CFLAGS) -c $< -o $@

$(OUT)/tests/%.o: tests/%.c | deps-test
	@mkdir -p $(@D)
	$(SAY) "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) -I. $(PKG_CFLAGS) -c $< -o $@

$(ENGINE_LIB): $(ENGINE_OBJ)
	@rm -f $@
	$(SAY) "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(APP_LIB): $(SRC_OBJ) $(UI_OBJ)
	@rm -f $@
	$(SAY) "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(BIN): $(MAIN_OBJ) $(APP_LIB) $(ENGINE_LIB)
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(VARIANT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(OUT)/tests/%: $(OUT)/tests/%.o $(TEST_SUPPORT_OBJ) $(APP_LIB) $(ENGINE_LIB)
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(VARIANT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LIBS)

$(OUT)/bench/%: $(OUT)/bench/%.o $(BENCH_SUPPORT_OBJ) $(APP_LIB) $(ENGINE_LIB)
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(VARIANT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# The fuzz regression test replays tests/fuzz/regressions/ and corpus/
# through the harnesses, built here with the variant's compiler and flags
# (before the libraries on the link line, which resolve what they use).
$(OUT)/tests/fuzz/test_fuzz_regressions: $(OUT)/tests/fuzz/test_fuzz_regressions.o \
                                         $(FUZZ_HARNESS_SRC:%.c=$(OUT)/%.o) $(TEST_SUPPORT_OBJ) \
                                         $(APP_LIB) $(ENGINE_LIB)
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(VARIANT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LIBS)

test-build: deps-test $(BIN) $(TEST_BIN)

test: test-build
	@FINELAB_BIN=$(BIN) tests/lib/run.sh $(BUILD) $(TEST_BIN) $(TEST_SCRIPTS)

# The threaded tests (engine bridge, loader, thread pool) under ThreadSanitizer; OpenBLAS
# runs single-threaded there, since its own threads are not instrumented.
TSAN_TESTS := src/run/test_bridge engine/data/test_loader engine/base/test_parallel \
              engine/nn/test_tensor_sketch engine/nn/test_maxpool engine/nn/test_conv_direct
test-tsan:
	$(MAKE) BUILD=tsan deps-test $(TSAN_TESTS:%=build/tsan/tests/%)
	@OPENBLAS_NUM_THREADS=1 tests/lib/run.sh tsan $(TSAN_TESTS:%=build/tsan/tests/%)

# The MPI tests alone (tests/src/cli/test_mpi.sh: mpirun -np 2 against one
# process), after installing Open MPI; `make test` runs them too when MPI is built in.
test-mpi:
	$(MAKE) MPI=1 deps-test $(BIN) $(OUT)/tests/engine/train/test_trainer_dist
	@FINELAB_BIN=$(BIN) tests/lib/run.sh $(BUILD) tests/src/cli/test_mpi.sh

# The same tests against MPICH (libmpich-dev, mpich; Debian keeps it beside
# Open MPI): a build of its own in build/mpich, launched by mpirun.mpich.
MPICH_DEB_PKGS := libmpich-dev mpich
test-mpich:
	$(MAKE) deps-test
	$(call install_missing,$(MPICH_DEB_PKGS))
	$(MAKE) MPI=1 MPI_PC=mpich OUT=build/mpich build/mpich/finelab \
	    build/mpich/tests/engine/train/test_trainer_dist
	@FINELAB_BIN=build/mpich/finelab MPIRUN=mpirun.mpich tests/lib/run.sh mpich tests/src/cli/test_mpi.sh

# bench/run.sh runs them all, and PyTorch's side where python3-torch is installed.
bench: deps $(BIN) $(BENCH_BIN)
	$(call install_missing,bc)
	@bench/run.sh $(OUT)

# Data-parallel scaling on this machine: 1 rank x 2 BLAS threads against 2
# ranks x 1 (bench/mpi_scaling.sh; needs MPI built in, make deps MPI=1), on
# the demo's stage 2 and on VGG-16 at 224 px, with the share of the
# gradient sums hidden behind backward; then the scaling at 8-128 nodes on
# paper from measured backward times (bench/mpi_model.sh).
bench-mpi: $(BIN) $(OUT)/bench/bench_backward
	@bench/mpi_scaling.sh $(OUT)
	@bench/mpi_scaling.sh $(OUT) 1 224 8 10
	@bench/mpi_model.sh $(OUT)

# finelab's samplers (random, TPE, ASHA + TPE) against Debian's
# python3-optuna on the demo's stage 1 at equal budgets, over seeds
# (bench/search_compare.sh; Optuna is installed here, needed by nothing
# else). SEARCH_SEEDS, SEARCH_TRIALS, SEARCH_ITER size it.
.PHONY: bench-search
bench-search: demo-data deps-optuna
	@bench/search_compare.sh $(OUT)

# An asha study on the demo's stage 1 finished by 1, 2 and 4 workers, each
# a Slurm array task on a real single-host Slurm started for it
# (bench/asha_workers.sh, tests/lib/slurm.sh; needs root): wall time and
# iterations per second. WORKERS_TRIALS, WORKERS_ITER, WORKERS_LIST size it.
.PHONY: bench-workers
bench-workers: demo-data deps-slurm
	@bench/asha_workers.sh $(OUT)

# finelab's conv layers against oneDNN's (Debian's libdnnl-dev), per
# VGG-16 layer: where oneDNN wins, and by how much. oneDNN stays optional:
# nothing else includes or links it. bench_dnnl holds OpenMP at 2 threads
# itself; OMP_NUM_THREADS=2 keeps oneDNN's pool there from the start, and
# OMP_WAIT_POLICY=PASSIVE stops its idle threads spinning: libgomp's spin
# (milliseconds after each primitive) took the cores from finelab's layers
# timed next and made them read up to 1.9x slower (the small recipe's 13
# layers 18.8 ms against 12.2). Passive is also how oneDNN would have to
# run beside finelab's pool in one process. The OpenBLAS kernel is the one
# finelab runs (bench/blas_kernel.sh).
# BENCH_DNNL_ARGS: small|224|all, then both|direct|winograd|auto.
DNNL_PKGS := libdnnl-dev
DNNL_BENCH_BIN := $(OUT)/bench/dnnl/bench_dnnl
.PHONY: bench-dnnl deps-dnnl
deps-dnnl: deps
	$(call install_missing,$(DNNL_PKGS))

$(OUT)/bench/dnnl/%.o: PKG_CFLAGS = $(ENGINE_PKG_CFLAGS) -fopenmp
$(DNNL_BENCH_SRC:%.c=$(OUT)/%.o): | deps-dnnl

$(DNNL_BENCH_BIN): $(OUT)/bench/dnnl/bench_dnnl.o $(ENGINE_LIB)
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(VARIANT_LDFLAGS) $(LDFLAGS) -fopenmp -o $@ $^ -ldnnl $(LIBS)

bench-dnnl: $(BIN) $(DNNL_BENCH_BIN)
	@. bench/blas_kernel.sh && bench_kernel $(OUT) && \
	  OMP_NUM_THREADS=2 OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-PASSIVE} \
	  $(DNNL_BENCH_BIN) $(BENCH_DNNL_ARGS)

# --- fuzzing ----------------------------------------------------------------
# libFuzzer harnesses (tests/fuzz/), built with clang into build/fuzz: the
# engine and src objects with -fsanitize=fuzzer-no-link (coverage, no
# main), the harnesses linked with -fsanitize=fuzzer, all under ASan and
# UBSan, without MPI. tests/fuzz/run.sh runs each for FUZZ_SECONDS on a
# scratch copy of its corpus and fails on any crash, leak or timeout.
FUZZ_PKGS := clang libclang-rt-dev
FUZZ_CC ?= clang
FUZZ_OUT := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = $(BASE_CFLAGS) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) $(CFLAGS)
FUZZ_PKG_CFLAGS = $(shell pkg-config --cflags openblas libjpeg fftw3f)
FUZZ_LIBS = $(shell pkg-config --libs openblas libjpeg fftw3f) -lpthread -lm
# Every engine and src object the harnesses may pull in. Those with GCC's
# __builtin_shuffle (Winograd's files, max pooling), which clang lacks, are
# built by $(CC) without instrumentation: no reader runs them, but the run
# store's snapshot check links the network that names them.
FUZZ_GCC_SRC := $(wildcard engine/nn/conv_winograd*.c) engine/nn/maxpool.c
# src/plot/ (cairo's pictures) reads nothing a user hands finelab, so no
# harness pulls it in and the fuzz build needs no cairo.
FUZZ_LIB_SRC := $(filter-out $(FUZZ_GCC_SRC) src/plot/%,$(ENGINE_SRC) $(SRC_SRC))
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_OUT)/%.o) $(FUZZ_GCC_SRC:%.c=$(FUZZ_OUT)/%.gcc.o)
$(FUZZ_OUT)/%.gcc.o: %.c | deps-fuzz
	@mkdir -p $(@D)
	$(SAY) "  CC      $< (gcc, for fuzz)"
	$(Q)$(CC) $(BASE_CFLAGS) -O2 -I. $(FUZZ_PKG_CFLAGS) -c $< -o $@
FUZZ_BIN := $(FUZZ_NAMES:%=$(FUZZ_OUT)/fuzz_%)
.PHONY: fuzz fuzz-build deps-fuzz fuzz-seeds

deps-fuzz: deps
	$(call install_missing,$(FUZZ_PKGS))

$(FUZZ_OUT)/engine/%.o: PKG_CFLAGS = $(FUZZ_PKG_CFLAGS)
$(FUZZ_OUT)/src/%.o: PKG_CFLAGS = $(SRC_PKG_CFLAGS)
$(FUZZ_OUT)/tests/%.o: PKG_CFLAGS = $(FUZZ_PKG_CFLAGS) $(SRC_PKG_CFLAGS) -DFINELAB_LIBFUZZER
$(FUZZ_OUT)/%.o: %.c | deps-fuzz
	@mkdir -p $(@D)
	$(SAY) "  CC      $< (fuzz)"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -I. $(PKG_CFLAGS) -c $< -o $@

$(FUZZ_OUT)/libfinelab_fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(SAY) "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(FUZZ_OUT)/fuzz_%: $(FUZZ_OUT)/tests/fuzz/fuzz_%.o $(FUZZ_OUT)/tests/fuzz/fuzz.o \
                    $(FUZZ_OUT)/libfinelab_fuzz.a
	$(SAY) "  LD      $@"
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(FUZZ_LIBS)

fuzz-build: deps-fuzz $(FUZZ_BIN)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_OUT) $(FUZZ_NAMES)

# The seed corpora come from the project's own writers (safetensors, the
# tests' caffemodel writer, the JPEG encoder, the synthetic CUB writer, the
# run store); the presets' seeds are the shipped presets and test fixtures.
$(OUT)/tests/fuzz/seeds: $(OUT)/tests/fuzz/seeds.o $(TEST_SUPPORT_OBJ) $(APP_LIB) $(ENGINE_LIB)
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(VARIANT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LIBS)

fuzz-seeds: deps-test $(OUT)/tests/fuzz/seeds
	@$(OUT)/tests/fuzz/seeds tests/fuzz/corpus
	@mkdir -p tests/fuzz/corpus/preset && for f in presets/*/*.ini tests/fixtures/presets/*.ini; do \
	  cp "$$f" "tests/fuzz/corpus/preset/seed_$$(echo "$$f" | tr / _)"; done
	@echo "fuzz-seeds: tests/fuzz/corpus/ rewritten"

# --- checks -----------------------------------------------------------------
# Needs the objects: the circle check reads what they define and use.
lint-deps: $(ENGINE_LIB) $(APP_LIB) $(MAIN_OBJ)
	@tests/lib/lint_deps.sh $(OUT)

# Every C source and header of the tree (tests/src/cli/test_tree.sh checks that the
# globs miss none).
FORMAT_FILES = $(ALL_C) $(foreach d,$(ENGINE_DIRS),$(wildcard engine/$(d)/*.h)) \
               $(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.h)) $(wildcard ui/*.h tests/lib/*.h) \
               $(wildcard tests/fuzz/*.h bench/*.h)
format-check:
	$(call install_missing,$(FORMAT_PKGS))
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: ok"

format:
	$(call install_missing,$(FORMAT_PKGS))
	clang-format -i $(FORMAT_FILES)

# What the build compiles and what format-check covers, one path a line.
list-sources:
	@printf 'compiled %s\n' $(ALL_C)
	@printf 'formatted %s\n' $(FORMAT_FILES)

# Rewrites README.md's preset reference from the schema (tests/src/cli/test_readme.sh checks it).
readme-keys: $(BIN)
	@awk -v keys="$$($(BIN) keys --md)" '/<!-- keys:begin -->/{print; print keys; skip=1; next} \
	  /<!-- keys:end -->/{skip=0} !skip' README.md > README.md.tmp && mv README.md.tmp README.md
	@echo "README.md: preset reference regenerated"

# Rewrites README.md's lessons block ("What the demo family shows") from a run
# store: make readme-lessons RUNS=DIR. The block is `finelab lessons --md`'s
# output, written through a temporary file and renamed over README.md; a
# store that cannot be read leaves README.md as it was.
readme-lessons: $(BIN)
	@[ -n "$(RUNS)" ] || { echo "make readme-lessons: name the run store, RUNS=DIR"; exit 2; }
	@$(BIN) lessons --md --runs-dir "$(RUNS)" > README.md.lessons.tmp && \
	  awk -v block=README.md.lessons.tmp \
	    '/<!-- lessons:begin -->/{print; while ((getline l < block) > 0) print l; skip=1; next} \
	     /<!-- lessons:end -->/{skip=0} !skip' README.md > README.md.tmp && \
	  mv README.md.tmp README.md; rc=$$?; rm -f README.md.lessons.tmp README.md.tmp; \
	  [ $$rc -eq 0 ] && echo "README.md: lessons block regenerated from $(RUNS)"

clean:
	rm -rf build finelab

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
ifneq ($(filter fuzz fuzz-build build/fuzz/%,$(MAKECMDGOALS)),)
-include $(shell find $(FUZZ_OUT) -name '*.d' 2>/dev/null)
endif
