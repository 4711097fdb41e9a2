# backprop - build, test, lab, install.
#
#   make            library, header and command (build/)
#   make test       unit and command-line tests, fuzz corpora, then ASan+UBSan,
#                   TSan and valgrind runs
#   make lab        the seed report's experiments
#   make deps       install the Debian packages the project needs
#   make install    PREFIX=/usr/local (DESTDIR honoured)
#   make clean

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
BUILD   ?= build

# -O2 and plain C: the kernels are written so that gcc vectorises them.
# Never -ffast-math: training must see NaN and Inf to report divergence.
OPTFLAGS ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wformat=2
CPPFLAGS_ALL = -Iinclude -Isrc -D_XOPEN_SOURCE=700 \
               $(shell pkg-config --cflags libcjson 2>/dev/null)
CFLAGS_ALL = -std=c11 $(WARN) $(OPTFLAGS) $(CFLAGS)
LIBS       = $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson) -lcsv -lz -lm -pthread

# Plotting is optional: without PLplot the command still trains and says so.
HAVE_PLPLOT := $(if $(wildcard src/plot/plot.c),$(shell pkg-config --exists plplot 2>/dev/null && echo 1))
ifeq ($(HAVE_PLPLOT),1)
PLOT_SRC   = $(filter-out %/plot_stub.c,$(wildcard src/plot/*.c))
PLOT_FLAGS = $(shell pkg-config --cflags plplot) -DBP_HAVE_PLPLOT=1
PLOT_LIBS  = $(shell pkg-config --libs plplot) -lpng
else
PLOT_SRC   = $(wildcard src/plot/plot_stub.c)
PLOT_FLAGS =
PLOT_LIBS  =
endif

LIB_SRC  = $(sort $(filter-out src/plot/%,$(wildcard src/*.c src/*/*.c)))
CLI_SRC  = $(sort $(wildcard cli/*.c)) $(PLOT_SRC)
TEST_SRC = $(sort $(wildcard tests/unit/test_*.c))
HDRS     = $(wildcard include/*.h src/*.h src/*/*.h cli/*.h tests/unit/*.h)

LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
PLOT_OBJ = $(PLOT_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TESTS    = $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps deps-ensure test test-fast test-asan test-valgrind lab bench \
        bench-fashion bench-cnn install uninstall clean

all: deps-ensure
	@$(MAKE) --no-print-directory $(BUILD)/libbackprop.a $(BUILD)/backprop

deps:
	@scripts/deps.sh install

# make, make test and make lab check the packages first and install what is
# missing, so that a fresh Debian 12 machine needs nothing else.
deps-ensure:
	@scripts/deps.sh check || scripts/deps.sh install

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS_ALL) $(PLOT_FLAGS) $(CPPFLAGS) $(CFLAGS_ALL) -c $< -o $@

# The optimizer's update, the trainer's gradient sums and the count of
# right answers are elementwise loops over every parameter (or sample) of
# every step: gcc -O2's "very cheap" cost model leaves them scalar (their
# length is not a multiple of the vector), the dynamic model vectorises them
# with a scalar tail (and BP_ELEMENTWISE, src/core/clones.h, for AVX-512 and
# AVX2 too).  Elementwise, so the results are the same bits.
$(BUILD)/obj/src/optim/optim.o $(BUILD)/obj/src/train/trainer.o \
$(BUILD)/obj/src/nn/workspace.o: \
    override CFLAGS += -fvect-cost-model=dynamic

# The layers' elementwise loops (pooling, dropout, im2col's sums): the
# same, vectorised for BP_ELEMENTWISE's clones.
$(BUILD)/obj/src/nn/conv.o $(BUILD)/obj/src/nn/pool.o \
$(BUILD)/obj/src/nn/dropout.o: override CFLAGS += -fvect-cost-model=dynamic

$(BUILD)/libbackprop.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/backprop: $(CLI_OBJ) $(BUILD)/libbackprop.a
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS) $(CLI_OBJ) $(BUILD)/libbackprop.a \
	    $(PLOT_LIBS) $(LIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c tests/unit/*.h cli/format.c $(PLOT_OBJ) \
                  $(BUILD)/libbackprop.a $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CPPFLAGS_ALL) $(PLOT_FLAGS) $(CPPFLAGS) $(CFLAGS_ALL) $(LDFLAGS) \
	    $< $(PLOT_OBJ) $(BUILD)/libbackprop.a $(PLOT_LIBS) $(LIBS) -lcmocka -o $@

tests-build: $(BUILD)/libbackprop.a $(BUILD)/backprop $(TESTS)

# The whole suite twice, an optimised build and then the same code under
# AddressSanitizer and UndefinedBehaviorSanitizer, with the fuzz harnesses
# run over their seed corpora in between (mk/fuzz.mk); then the threaded
# trainer under ThreadSanitizer and the command-line tests under valgrind.
test: deps-ensure
	@$(MAKE) --no-print-directory test-fast
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-tsan
	@$(MAKE) --no-print-directory test-valgrind

test-fast: tests-build
	@tests/run.sh $(BUILD)

test-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan \
	    OPTFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    tests-build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    BP_SANITIZED=1 tests/run.sh build/asan

# The trainer's threads under ThreadSanitizer: the library and the tests
# that train on several threads, built in one go (no PLplot, no CLI).
.PHONY: test-tsan
test-tsan:
	@mkdir -p $(BUILD)/tsan
	@echo "  TSAN    $(BUILD)/tsan/test_train"
	@$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) -std=c11 $(WARN) -O1 -g -fsanitize=thread \
	    $(LIB_SRC) tests/unit/test_train.c -o $(BUILD)/tsan/test_train \
	    $(LIBS) -lcmocka
	@TSAN_OPTIONS=halt_on_error=1 $(BUILD)/tsan/test_train >$(BUILD)/tsan/test_train.log 2>&1 \
	    && echo "    no data races ($$(grep -c '^\[       OK' $(BUILD)/tsan/test_train.log) tests)" \
	    || { cat $(BUILD)/tsan/test_train.log; exit 1; }

# The command-line tests that exercise parsing, files and errors (bad values
# of every command, failed writes to stdout, trace on saved models), with the
# command under valgrind's memcheck, two scripts at a time (a few minutes).
VALGRIND_TESTS ?= bad_input roundtrip plot output_errors trace_model train_outputs file_edges
test-valgrind: all
	@command -v valgrind >/dev/null || { echo "test-valgrind needs valgrind" >&2; exit 2; }
	@for t in $(VALGRIND_TESTS); do \
	    echo "  VALGRIND tests/cli/$$t.sh"; \
	done; \
	printf '%s\n' $(VALGRIND_TESTS) | xargs -P 2 -I{} sh -c \
	    'BP=$(CURDIR)/tests/valgrind-backprop.sh BACKPROP=$(CURDIR)/$(BUILD)/backprop \
	     sh tests/cli/{}.sh >$(BUILD)/valgrind-{}.log 2>&1'; \
	status=0; for t in $(VALGRIND_TESTS); do \
	    grep '^FAIL' $(BUILD)/valgrind-$$t.log && status=1; \
	    grep -q '^PASS' $(BUILD)/valgrind-$$t.log || { echo "    $$t: no check ran"; status=1; }; \
	    echo "    $$t: $$(grep -c '^PASS' $(BUILD)/valgrind-$$t.log) checks passed under memcheck"; \
	done; exit $$status

lab: all
	$(BUILD)/backprop lab

# Benchmarks, never part of make test: A (the seed's run against numpy,
# PyTorch and FANN), C (how the cost grows), tabular accuracy against
# scikit-learn, and the Fashion-MNIST MLP against PyTorch (make
# bench-fashion alone; E=epochs R=repeats).  Tables and plots go to
# bench/results/.
bench: all
	@scripts/deps.sh bench
	@bench/run.sh
	@bench/scaling.sh $(BUILD)/backprop
	@if [ -x bench/tabular/run.sh ]; then bench/tabular/run.sh; fi
	@BUILD=$(BUILD) bench/fashion/run.sh

bench-fashion: all
	@scripts/deps.sh bench
	@BUILD=$(BUILD) bench/fashion/run.sh

# The anchor CNN against PyTorch (issue #17's targets; about 40 minutes
# with the defaults, so not part of make bench; E=epochs S=seeds).
bench-cnn: all
	@scripts/deps.sh bench
	@BUILD=$(BUILD) bench/cnn/run.sh

# The kernels' benchmark (bench/kernels_bench.c), with OpenBLAS's sgemm and
# dgemm beside the fast kernels when libopenblas is installed (linked into
# the benchmark only, never into the library).
KB_BLAS = $(shell printf 'int main(void){return 0;}' | \
            $(CC) -x c - -lopenblas -o /dev/null 2>/dev/null && \
            echo -DBP_BENCH_OPENBLAS -lopenblas)
.PHONY: kernels-bench
kernels-bench: $(BUILD)/libbackprop.a
	@mkdir -p $(BUILD)/bench
	@echo "  CC      $(BUILD)/bench/kernels_bench"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) bench/kernels_bench.c \
	    $(BUILD)/libbackprop.a $(KB_BLAS) $(LIBS) -o $(BUILD)/bench/kernels_bench

# The anchor CNN's layers (bench/layers_bench.c): the rows against a whole-
# pass im2col, a direct loop, OpenBLAS's sgemm and oneDNN (each when
# installed; linked into the benchmark only, never into the library).
LB_DNNL = $(shell printf '#include <oneapi/dnnl/dnnl.h>\nint main(void){return 0;}' | \
            $(CC) -x c - -ldnnl -o /dev/null 2>/dev/null && \
            echo -DBP_BENCH_ONEDNN -ldnnl)
.PHONY: layers-bench
layers-bench: $(BUILD)/libbackprop.a
	@mkdir -p $(BUILD)/bench
	@echo "  CC      $(BUILD)/bench/layers_bench"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) bench/layers_bench.c \
	    $(BUILD)/libbackprop.a $(KB_BLAS) $(LB_DNNL) $(LIBS) -o $(BUILD)/bench/layers_bench

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(BUILD)/libbackprop.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/backprop.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(BUILD)/backprop $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define BP_VERSION "\(.*\)"/\1/p' include/backprop.h)|g' \
	    backprop.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/backprop.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libbackprop.a \
	    $(DESTDIR)$(PREFIX)/include/backprop.h \
	    $(DESTDIR)$(PREFIX)/bin/backprop \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/backprop.pc

clean:
	rm -rf build

# make fuzz (FUZZ_SECONDS=N) and make fuzz-smoke: the libFuzzer harnesses.
# Included last so that `make` alone still means `make all`.
include mk/fuzz.mk
