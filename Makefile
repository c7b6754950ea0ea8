# LispOS -- the one entry point.
#
#   make              build everything into build/
#   make check        run every test through prove (SANITIZE=1: ASan+UBSan,
#                     TSAN=1: ThreadSanitizer, DEBUG=1: assertions on; each
#                     builds in its own build/ dir)
#   make run          build and start the local REPL on data/ (see README)
#   make bench        benchmarks, side by side with their peers
#   make soak         long crash loops (bounded in count and time)
#   make fuzz         fuzzers (bounded in count and time)
#   make fixture      this release's store fixture (tests/upgrade/, once per
#                     release: docs/releasing.md)
#   make clean        remove build/
#   make deps         install missing Debian packages (conf/deps.txt)
#
# The core (drivers/*.c, ckpt/, gc/, lisp/; later store/ and auth's ACL
# part) is compiled freestanding: -ffreestanding -nostdinc, with only the
# compiler's own headers and drivers/freestanding/ on the include path, so a
# stray #include <stdio.h> fails the build instead of leaking the host in.

SANITIZE ?= 0
TSAN     ?= 0
DEBUG    ?= 0
BUILD    ?= build$(if $(filter 1,$(SANITIZE)),/san)$(if $(filter 1,$(TSAN)),/tsan)$(if $(filter 1,$(DEBUG)),/debug)
CC       ?= cc
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
DATA     ?= data

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -MMD -MP
LDLIBS   := -luring -lpthread -lm
# LO_DEBUG turns LO_ASSERT on (drivers/platform.h).
ifeq ($(DEBUG),1)
CFLAGS   += -DLO_DEBUG
endif
ifeq ($(SANITIZE),1)
CFLAGS   += -DLO_DEBUG -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif
# ThreadSanitizer keeps its shadow memory where the store's region usually
# goes (2^45): LO_TSAN moves the region below 2^39 (ckpt/ckpt.h).  Races
# it reports stop the test (halt_on_error); tests/tsan.supp lists the
# few that are benign, each with its reason.
ifeq ($(TSAN),1)
CFLAGS   += -DLO_DEBUG -DLO_TSAN -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=thread
export TSAN_OPTIONS ?= halt_on_error=1 second_deadlock_stack=1 \
                       suppressions=$(abspath tests/tsan.supp)
endif

GCC_INCLUDE := $(shell $(CC) -print-file-name=include)
CORE_FLAGS  := -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
               -isystem drivers/freestanding
HOST_FLAGS  := -D_GNU_SOURCE

CORE_SRCS := $(wildcard drivers/*.c ckpt/*.c gc/*.c lisp/*.c store/*.c auth/*.c)
# The boot code: lisp/boot/, then the store's Lisp API (store/boot/);
# BOOT_EXTRA: more boot files, appended after them (for developers).
BOOT_EXTRA ?=
BOOT_LISP := $(sort $(wildcard lisp/boot/*.lisp)) \
             $(sort $(wildcard store/boot/*.lisp)) $(BOOT_EXTRA)
BOOT_C    := $(BUILD)/gen/boot.c
# The release ("0.1.0"): the top-level VERSION file, the one place it is
# written (docs/releasing.md); the core gets it as data (lisp/boot.h).
RELEASE_C := $(BUILD)/gen/release.c
HOST_SRCS := $(wildcard drivers/posix/*.c)
TOOL_SRCS := server/lispos_disk.c server/lispos_repl.c
# lispos-server: its own parts (server/), the wire protocol (proto/) and
# the hosted half of auth/ -- the only code that links libevent, OpenSSL,
# msgpack-c and libsodium.
SERVER_SRCS := $(filter-out $(TOOL_SRCS) server/lispos_server.c,\
                 $(wildcard server/*.c)) $(wildcard proto/*.c auth/hosted/*.c)
SERVER_LIB  := $(BUILD)/liblispos-server.a
SERVER_LIBS := -levent_openssl -levent_pthreads -levent -lssl -lcrypto \
               -lmsgpackc -lsodium -linih
# lispos-client and lispos-admin (clients/): they talk to the server only
# through the protocol (proto/frame.c), never link the core, and are the
# only code that links libedit.
CLIENT_MAINS := clients/lispos_client.c clients/lispos_admin.c
CLIENT_SRCS  := $(filter-out $(CLIENT_MAINS),$(wildcard clients/*.c)) \
                proto/frame.c
CLIENT_LIB   := $(BUILD)/liblispos-client.a
CLIENT_LIBS  := -lssl -lcrypto -lmsgpackc -lsodium -linih -ledit
CLIENTS      := $(BUILD)/lispos-client $(BUILD)/lispos-admin
# tests/unit/: C tests, one program each; tests/integration/: scripts that
# drive the programs; tests/helpers/: what the C tests share, compiled once.
TEST_SRCS := $(wildcard tests/unit/*.c)
TEST_SCRIPTS := $(wildcard tests/integration/*.t)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
# A script left in tests/unit/ would never run: stop instead.
STRAY_SCRIPTS := $(wildcard tests/unit/*.t tests/unit/*.sh)
ifneq ($(STRAY_SCRIPTS),)
$(error scripts go to tests/integration/, not tests/unit/: $(STRAY_SCRIPTS))
endif
BENCH_SRCS := $(wildcard tests/bench/*.c)
CRASH_SRCS := $(wildcard tests/crash/*.c)
FUZZ_SRCS  := $(wildcard tests/fuzz/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

CORE_LIB := $(BUILD)/liblispos-core.a
HOST_LIB := $(BUILD)/liblispos-host.a
LIBS     := $(HOST_LIB) $(CORE_LIB)
# The test helpers: an archive, so a test links only the helpers it uses.
HELPER_LIB := $(BUILD)/liblispos-test-helpers.a
# The core calls the platform and the host drivers call the core: one group.
LINK_LIBS = -Wl,--start-group $(LIBS) -Wl,--end-group $(LDLIBS)
TOOLS    := $(BUILD)/lispos-disk $(BUILD)/lispos-repl $(BUILD)/lispos-server
TESTS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%.t,$(TEST_SRCS))
# The example program of docs/embedding.md, extracted from the document
# (tests/integration/embedding_example.t runs it): the page cannot drift.
EXAMPLE  := $(BUILD)/tests/embedding-example
BENCHES  := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
# tests/crash/ckpt_crash.c builds the program build/tests/ckpt-crash.
CRASHERS := $(patsubst tests/crash/ckpt_%.c,$(BUILD)/tests/ckpt-%,\
	$(filter tests/crash/ckpt_%.c,$(CRASH_SRCS)))
# Two variant systems for the upgrade tests (docs/upgrade-design.md section
# 3): $(BUILD)/upgrade/V/lispos-repl, V in a b, is lispos-repl with the boot
# files plus tests/upgrade/boot/V/*.lisp and the release VERSION's with the
# suffix -upgrade-V; only their boot.o and release.o are their own.
UPGRADE_VARIANTS := a b
UPGRADE_REPLS := $(UPGRADE_VARIANTS:%=$(BUILD)/upgrade/%/lispos-repl)
UPGRADE_BOOT := $(wildcard tests/upgrade/boot/*/*.lisp)
# tests/crash/upgrade_crash.c, linked as system B like B's lispos-repl: the
# power lost during an upgrade (tests/integration/upgrade_power.t).
UPGRADE_CRASH := $(BUILD)/upgrade/b/upgrade-crash

.PHONY: all check run bench soak fuzz fixture clean deps
all: $(TOOLS) $(CLIENTS) $(TESTS) $(BENCHES) $(CRASHERS) $(EXAMPLE) $(UPGRADE_REPLS) \
	$(UPGRADE_CRASH)

# ---- dependencies: checked on every run (cheap), installed when missing ----
deps:
	@conf/deps.sh check >/dev/null || conf/deps.sh install

# ---- compiling -------------------------------------------------------------
$(call obj,$(CORE_SRCS)): $(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CORE_FLAGS) -I. -c $< -o $@

$(call obj,$(HOST_SRCS) $(TOOL_SRCS) server/lispos_server.c $(SERVER_SRCS) $(TEST_SRCS) $(HELPER_SRCS) $(BENCH_SRCS) $(CRASH_SRCS) $(FUZZ_SRCS)): $(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(HOST_FLAGS) -I. -c $< -o $@

# The clients print their release (the VERSION file) for --version.
$(call obj,$(CLIENT_SRCS:proto/frame.c=) $(CLIENT_MAINS)): $(BUILD)/obj/%.o: %.c VERSION | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(HOST_FLAGS) -DLO_RELEASE='"$(shell cat VERSION)"' -I. -c $< -o $@

# The system code in Lisp, embedded as data (lisp/boot.h).
$(BOOT_C): $(BOOT_LISP) conf/embed_boot.sh
	@mkdir -p $(@D)
	conf/embed_boot.sh $@ $(BOOT_LISP)

$(BUILD)/obj/gen/boot.o: $(BOOT_C) lisp/boot.h | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CORE_FLAGS) -I. -c $< -o $@

$(RELEASE_C): VERSION conf/gen_release.sh
	@mkdir -p $(@D)
	conf/gen_release.sh VERSION $@

$(BUILD)/obj/gen/release.o: $(RELEASE_C) lisp/boot.h | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CORE_FLAGS) -I. -c $< -o $@

$(CORE_LIB): $(call obj,$(CORE_SRCS)) $(BUILD)/obj/gen/boot.o $(BUILD)/obj/gen/release.o
	@rm -f $@
	ar rcs $@ $^

$(HOST_LIB): $(call obj,$(HOST_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(HELPER_LIB): $(call obj,$(HELPER_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/lispos-%: $(BUILD)/obj/server/lispos_%.o $(LIBS)
	$(CC) $(LDFLAGS) $< $(LINK_LIBS) -o $@

$(SERVER_LIB): $(call obj,$(SERVER_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/lispos-server: $(BUILD)/obj/server/lispos_server.o $(SERVER_LIB) $(LIBS)
	$(CC) $(LDFLAGS) $< $(SERVER_LIB) $(LINK_LIBS) $(SERVER_LIBS) -o $@

$(CLIENT_LIB): $(call obj,$(CLIENT_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(CLIENTS): $(BUILD)/lispos-%: $(BUILD)/obj/clients/lispos_%.o $(CLIENT_LIB)
	$(CC) $(LDFLAGS) $^ $(CLIENT_LIBS) -o $@

# The upgrade variants: the same objects and archives, linked with their own
# boot.o and release.o first, so the archive's members are not pulled in.
$(BUILD)/upgrade/%/boot.c: $(BOOT_LISP) $(UPGRADE_BOOT) conf/embed_boot.sh
	@mkdir -p $(@D)
	conf/embed_boot.sh $@ $(BOOT_LISP) \
		$(sort $(wildcard tests/upgrade/boot/$*/*.lisp))

$(BUILD)/upgrade/%/release.c: VERSION conf/gen_release.sh
	@mkdir -p $(@D)
	conf/gen_release.sh VERSION $@ --suffix upgrade-$*

.SECONDARY: $(foreach v,$(UPGRADE_VARIANTS),$(foreach f,boot release,\
	$(BUILD)/upgrade/$(v)/$(f).c $(BUILD)/upgrade/$(v)/$(f).o))
$(BUILD)/upgrade/%.o: $(BUILD)/upgrade/%.c lisp/boot.h | deps
	$(CC) $(CFLAGS) $(CORE_FLAGS) -I. -c $< -o $@

$(BUILD)/upgrade/%/lispos-repl: $(BUILD)/obj/server/lispos_repl.o \
		$(BUILD)/upgrade/%/boot.o $(BUILD)/upgrade/%/release.o $(LIBS)
	$(CC) $(LDFLAGS) $(filter %.o,$^) $(LINK_LIBS) -o $@

$(BUILD)/upgrade/%/upgrade-crash: $(BUILD)/obj/tests/crash/upgrade_crash.o \
		$(BUILD)/upgrade/%/boot.o $(BUILD)/upgrade/%/release.o $(LIBS)
	$(CC) $(LDFLAGS) $(filter %.o,$^) $(LINK_LIBS) -o $@

$(BUILD)/tests/%.t: $(BUILD)/obj/tests/unit/%.o $(HELPER_LIB) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $< $(HELPER_LIB) $(LINK_LIBS) -o $@

# Tests of the server's parts (tests/unit/server_*.c, proto_*.c) link them.
SERVER_TESTS := $(filter $(BUILD)/tests/server_%.t $(BUILD)/tests/proto_%.t,\
                         $(TESTS))
$(SERVER_TESTS): $(BUILD)/tests/%.t: \
		$(BUILD)/obj/tests/unit/%.o $(HELPER_LIB) $(SERVER_LIB) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $< $(HELPER_LIB) $(SERVER_LIB) $(LINK_LIBS) \
		$(SERVER_LIBS) -o $@

$(BUILD)/gen/embedding_example.c: docs/embedding.md conf/extract_example.sh
	@mkdir -p $(@D)
	conf/extract_example.sh docs/embedding.md embedding_example.c > $@

$(EXAMPLE): $(BUILD)/gen/embedding_example.c $(LIBS)
	@mkdir -p $(@D) $(BUILD)/obj/gen
	$(CC) $(CFLAGS) $(HOST_FLAGS) -I. -c $< -o $(BUILD)/obj/gen/embedding_example.o
	$(CC) $(LDFLAGS) $(BUILD)/obj/gen/embedding_example.o $(LINK_LIBS) -o $@

# Crash harnesses use SQLite as their oracle (tests only).
$(CRASHERS): $(BUILD)/tests/ckpt-%: $(BUILD)/obj/tests/crash/ckpt_%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $< $(LINK_LIBS) -lsqlite3 -o $@

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $< $(LINK_LIBS) -o $@

# The server's load client speaks TLS and MessagePack itself.
$(BUILD)/bench/server_bench: LDLIBS += -lssl -lcrypto -lmsgpackc
# The store's benchmark runs SQLite beside it (tests/bench/store_bench.c).
$(BUILD)/bench/store_bench: LDLIBS += -lsqlite3

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- running -------------------------------------------------------------
# Tests find programs through LISPOS_BUILD; scratch files go to TMPDIR.
check: all
	LISPOS_BUILD=$(abspath $(BUILD)) prove -j$(JOBS) --timer --exec '' \
		$(TESTS) $(TEST_SCRIPTS)

# "make run": the server on the default data directory, data/ (made with
# --init on first use: a store, a self-signed TLS certificate, the
# administrator "admin" with a password printed once), serving on
# 127.0.0.1:7453 until Ctrl-C.  The local REPL stays build/lispos-repl.
run: $(BUILD)/lispos-server
	@if [ -e $(DATA)/lispos.store ] && [ ! -e $(DATA)/tls/server.crt ]; then \
	    echo "make run: $(DATA)/lispos.store was made by lispos-repl, not the server:"; \
	    echo "  move it away, or use another directory: make run DATA=dir"; exit 1; fi
	@[ -e $(DATA)/lispos.store ] || $(BUILD)/lispos-server --init --data $(DATA)
	@echo "lispos-server: serving $(DATA) on 127.0.0.1:7453 (TLS; Ctrl-C stops it)."
	@echo "  Connect with any MessagePack-RPC client over TLS (docs/protocol.md),"
	@echo "  trusting $(DATA)/tls/server.crt, and log in as admin."
	$(BUILD)/lispos-server --data $(DATA)

bench: all
	LISPOS_BUILD=$(abspath $(BUILD)) tests/bench/run.sh

# Long crash loops, bounded in count and time (fresh seeds, printed).
# Fuzzers arrive with the reader and the protocol.
soak: all
	timeout 1800 $(BUILD)/tests/ckpt-crash --iterations $${SOAK_ITERATIONS:-5000}
	timeout 1200 $(BUILD)/tests/ckpt-kill --rounds $${SOAK_ROUNDS:-300}
	LISPOS_BUILD=$(abspath $(BUILD)) LISPOS_GC_STRESS=1 timeout 3600 prove --exec "" tests/integration/lisp_gc_stress.t
	LISPOS_BUILD=$(abspath $(BUILD)) UPGRADE_POWER_ROUNDS=$${SOAK_UPGRADE_ROUNDS:-500} \
		UPGRADE_POWER_SECONDS=1500 timeout 1800 prove -v --exec "" tests/integration/upgrade_power.t

# The store fixture of the release in VERSION (docs/releasing.md): made
# once per release, then opened by every later build's make check
# (tests/integration/upgrade_fixtures.t).
fixture: $(TOOLS)
	tests/upgrade/make_fixture.sh $(BUILD)

# Coverage-guided fuzzers (libFuzzer, clang, ASan + UBSan) of the server's
# frame decoder and RPC dispatch, FUZZ_SECONDS each (bounded), on the
# seeds in tests/fuzz/corpus/ (what they find goes to build/fuzz/found/,
# not into the tree; a crash leaves its input in build/fuzz/ and fails).
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
FUZZERS      := frame_fuzz rpc_fuzz
fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang \
		CFLAGS="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link" \
		$(FUZZERS:%=$(FUZZ_BUILD)/fuzz/%)
	@for f in $(FUZZERS); do \
	    mkdir -p $(FUZZ_BUILD)/found/$$f && \
	    echo "fuzz: $$f for $(FUZZ_SECONDS) s" && \
	    (cd $(FUZZ_BUILD) && ./fuzz/$$f \
	        -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=4096 \
	        -print_final_stats=1 found/$$f $(abspath tests/fuzz/corpus/$$f)) \
	        || exit 1; \
	done

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(SERVER_LIB) $(HELPER_LIB) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $< $(SERVER_LIB) $(HELPER_LIB) \
		$(LINK_LIBS) $(SERVER_LIBS) -o $@

clean:
	rm -rf build
