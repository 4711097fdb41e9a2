# mk/fuzz.mk - libFuzzer harnesses (tests/fuzz/fuzz_*.c); included by the
# Makefile.
#
#   make fuzz                 build every harness into build/fuzz/ and run
#                             each for FUZZ_SECONDS (60) seconds, one at a time
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS=fuzz_model
#   make fuzz-smoke           CI: every harness over its seed corpus, then
#                             FUZZ_SMOKE_RUNS (5000) mutations with a fixed
#                             seed; well under 30 s in all
#
# Needs clang with compiler-rt (Debian: clang, libclang-rt-14-dev).  The
# harnesses are built with -fsanitize=fuzzer,address,undefined; the library
# is compiled again from its sources with the same flags (PLplot is left
# out).  The seed corpora in tests/fuzz/corpus/<harness>/ are only read: new
# inputs go to build/fuzz/corpus/<harness>/ and crashes, timeouts and
# out-of-memory inputs to build/fuzz/artifacts/ (crash-*, timeout-*, oom-*).
# Reproduce one with build/fuzz/<harness> FILE; a fixed crash's input
# belongs in tests/fuzz/corpus/<harness>/ as a regression input.

FUZZ_CC         ?= clang
FUZZ_BUILD      ?= build/fuzz
FUZZ_SECONDS    ?= 60
FUZZ_SMOKE_RUNS ?= 5000
FUZZ_TARGETS    ?= fuzz_model fuzz_args fuzz_predict_rows fuzz_csv fuzz_idx
FUZZ_SAN         = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS     ?= -std=c11 -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)
# The Makefile's own -I flags and libraries when included from it (so that
# a library the Makefile adds is linked here too), else the basic ones.
# -DBP_NO_SIMD: the harnesses fuzz parsers and files, so the library is
# built with its portable kernels only; the vector kernels (tested against
# them in test_kernels, under ASan and UBSan in make test-asan) took clang
# minutes to compile with the fuzzer's instrumentation.
FUZZ_CPPFLAGS    = $(or $(CPPFLAGS_ALL),-Iinclude -Isrc -D_XOPEN_SOURCE=700 \
                   $(shell pkg-config --cflags libcjson 2>/dev/null)) -Icli \
                   -DBP_NO_SIMD
FUZZ_LIBS        = $(or $(LIBS),$(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson) -lm)

FUZZ_LIB_SRC = $(sort $(filter-out src/plot/%,$(wildcard src/*/*.c)))
FUZZ_LIB_OBJ = $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_HDRS    = $(wildcard include/*.h src/*/*.h cli/*.h tests/fuzz/*.h)
# The command's files but main.c, as an archive: a harness links only the
# members it needs (fuzz_args: options.o; fuzz_predict_rows: cmd_predict.o
# and what it calls), so the list need not follow the command's growth.
FUZZ_CLI_SRC = $(sort $(filter-out cli/main.c,$(wildcard cli/*.c)))
FUZZ_CLI_OBJ = $(FUZZ_CLI_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)

# libFuzzer options per harness.  fuzz_model: an input of at most a few KB
# must never make the loader allocate more than 64 MB (-malloc_limit_mb
# turns a larger malloc into a reported "out-of-memory" crash).  The
# command-line harnesses print usage errors, which -close_fd_mask hides
# (libFuzzer keeps its own stderr).
FUZZ_OPTS_fuzz_model        = -dict=tests/fuzz/fuzz_model.dict -malloc_limit_mb=64
FUZZ_OPTS_fuzz_args         = -dict=tests/fuzz/fuzz_args.dict -close_fd_mask=3
FUZZ_OPTS_fuzz_predict_rows = -dict=tests/fuzz/fuzz_predict_rows.dict -close_fd_mask=2
FUZZ_OPTS_fuzz_csv          = -malloc_limit_mb=256
FUZZ_OPTS_fuzz_idx          = -malloc_limit_mb=64

FUZZ_BINS = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)

# Files compiled with AddressSanitizer only: clang 14's UBSan instrumentation
# of the SIMD kernels takes minutes (src/nn/simd.c: 270 s against 30 s with
# ASan alone) and the harnesses run them only on tiny networks.
FUZZ_NO_UBSAN ?= src/nn/simd.c
$(FUZZ_NO_UBSAN:%.c=$(FUZZ_BUILD)/obj/%.o): FUZZ_SAN = -fsanitize=address

.PHONY: fuzz fuzz-build fuzz-smoke

$(FUZZ_BUILD)/obj/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    -c $< -o $@

$(FUZZ_BUILD)/libbackprop.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_BUILD)/libcli.a: $(FUZZ_CLI_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libcli.a \
        $(FUZZ_BUILD)/libbackprop.a $(FUZZ_HDRS)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< \
	    $(FUZZ_BUILD)/libcli.a $(FUZZ_BUILD)/libbackprop.a $(FUZZ_LIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# $(call fuzz_run,HARNESS): run it for FUZZ_SECONDS, one process (libFuzzer's
# default -jobs), growing build/fuzz/corpus/HARNESS from the seed corpus.
fuzz_run = mkdir -p $(FUZZ_BUILD)/corpus/$(1) $(FUZZ_BUILD)/artifacts && \
    echo "  FUZZ    $(1) for $(FUZZ_SECONDS) s" && \
    $(FUZZ_BUILD)/$(1) $(FUZZ_OPTS_$(1)) -max_total_time=$(FUZZ_SECONDS) \
        -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$(1)- \
        $(FUZZ_BUILD)/corpus/$(1) tests/fuzz/corpus/$(1)

# $(call fuzz_smoke,HARNESS): every seed input once (-runs=0), then
# FUZZ_SMOKE_RUNS mutations with a fixed seed into a scratch corpus that is
# thrown away; the log is shown only on failure.
fuzz_smoke = rm -rf $(FUZZ_BUILD)/smoke/$(1) && \
    mkdir -p $(FUZZ_BUILD)/smoke/$(1) $(FUZZ_BUILD)/artifacts && \
    echo "  SMOKE   $(1)" && \
    { $(FUZZ_BUILD)/$(1) $(FUZZ_OPTS_$(1)) -runs=0 \
          -artifact_prefix=$(FUZZ_BUILD)/artifacts/$(1)- \
          tests/fuzz/corpus/$(1) >$(FUZZ_BUILD)/smoke/$(1).log 2>&1 && \
      $(FUZZ_BUILD)/$(1) $(FUZZ_OPTS_$(1)) -runs=$(FUZZ_SMOKE_RUNS) -seed=1 \
          -artifact_prefix=$(FUZZ_BUILD)/artifacts/$(1)- \
          $(FUZZ_BUILD)/smoke/$(1) tests/fuzz/corpus/$(1) \
          >>$(FUZZ_BUILD)/smoke/$(1).log 2>&1 || \
      { tail -40 $(FUZZ_BUILD)/smoke/$(1).log; false; }; } && \
    grep '^\#[0-9]*.*DONE' $(FUZZ_BUILD)/smoke/$(1).log | tail -1 | \
        sed 's/^/          /'

fuzz: fuzz-build
	@$(foreach h,$(FUZZ_TARGETS),$(call fuzz_run,$(h)) && ) true

fuzz-smoke: fuzz-build
	@$(foreach h,$(FUZZ_TARGETS),$(call fuzz_smoke,$(h)) && ) true
