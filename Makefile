# Rift: plain GNU make. `make` builds every binary into $(BUILD)/bin; `make test` builds and runs every test.
# Modules are found by globbing, so adding a lib module, a unit test or a fuzz target needs no edit here:
#   lib/NAME.c, lib/*/NAME.c        -> $(BUILD)/lib/librift.a
#   proto/NAME.proto                -> $(BUILD)/gen/proto/NAME.pb-c.{c,h} (in librift.a)
#   services/NAME/*.c               -> $(BUILD)/bin/rift-NAME
#   agent/**/*.c                    -> $(BUILD)/bin/rift-agent;  cli/*.c -> $(BUILD)/bin/riftctl
#   tests/unit/test_NAME.c          -> $(BUILD)/tests/test_NAME (cmocka)
#   tests/fuzz/fuzz_NAME.c          -> $(BUILD)/fuzz/fuzz_NAME (libFuzzer, `make fuzz`)
# Set BUILD=other-dir to keep several builds apart (make asan uses build-asan).

BUILD    ?= build
CC       ?= cc
OPT      ?= -O2 -D_FORTIFY_SOURCE=2
SANITIZE ?=
PKGS     := libevent libevent_openssl libcjson libsodium libcurl openssl libprotobuf-c sqlite3 yaml-0.1
# libmongoc is linked only into the store's MongoDB plugin (see lib/store.c), never into programs.
MONGO_CFLAGS := $(shell pkg-config --cflags libmongoc-1.0)
MONGO_LIBS   := $(shell pkg-config --libs libmongoc-1.0 libcjson libsodium)
AGENT_PKGS := libnl-route-3.0 libnetfilter_queue libmnl

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
AGENT_CFLAGS := $(shell pkg-config --cflags $(AGENT_PKGS) 2>/dev/null)
AGENT_LIBS   := $(shell pkg-config --libs $(AGENT_PKGS) 2>/dev/null)

WARN   := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter -Wstrict-prototypes \
          -Wmissing-prototypes -Wvla -Wno-missing-field-initializers
CFLAGS ?= $(OPT) -g
override CFLAGS += -std=gnu11 -pipe -fno-strict-aliasing -fstack-protector-strong $(WARN) $(SANITIZE) \
          -I. -I$(BUILD)/gen $(PKG_CFLAGS) -D_GNU_SOURCE
LDFLAGS ?=
# --as-needed drops libraries a program never calls; rift_* symbols are exported for the store plugin.
override LDFLAGS += $(SANITIZE) -Wl,--as-needed -Wl,--export-dynamic-symbol=rift_*
LDLIBS := $(PKG_LIBS) -lm -lpthread

# ---- sources ---------------------------------------------------------------------------------------
PROTOS     := $(wildcard proto/*.proto)
PROTO_C    := $(PROTOS:%.proto=$(BUILD)/gen/%.pb-c.c)
PROTO_H    := $(PROTOS:%.proto=$(BUILD)/gen/%.pb-c.h)
LIB_SRC    := $(filter-out lib/store_mongo.c,$(wildcard lib/*.c lib/*/*.c))
STORE_PLUGIN := $(BUILD)/lib/rift-store-mongo.so
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(PROTO_C:$(BUILD)/gen/%.c=$(BUILD)/obj/gen/%.o)
LIBRIFT    := $(BUILD)/lib/librift.a

SERVICES   := $(notdir $(patsubst %/,%,$(dir $(wildcard services/*/main.c))))
SERVICE_BINS := $(SERVICES:%=$(BUILD)/bin/rift-%)
AGENT_SRC  := $(wildcard agent/*.c agent/*/*.c)
CLI_SRC    := $(wildcard cli/*.c)
BINS       := $(SERVICE_BINS) $(if $(AGENT_SRC),$(BUILD)/bin/rift-agent) $(if $(CLI_SRC),$(BUILD)/bin/riftctl)

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_HELPERS := $(wildcard tests/helpers/*.c)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
TEST_TOOLS := $(BUILD)/tests/gqlexec
WEB_DIR    := web

.PHONY: all test unit integration fuzz fuzz-smoke asan lint format run bench clean deps web
.DEFAULT_GOAL := all

all: $(BINS) $(UNIT_BINS) $(TEST_TOOLS) $(STORE_PLUGIN) web

deps:
	@scripts/deps.sh

# ---- generated protobuf-c code ----------------------------------------------------------------------
# kept even when a build reached them only through a pattern rule (make would delete them as intermediate)
.SECONDARY: $(PROTO_C) $(PROTO_H)
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: %.proto
	@mkdir -p $(dir $@)
	protoc-c --c_out=$(BUILD)/gen $<

# every object may include generated headers
$(BUILD)/obj/%.o: %.c $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -Wmissing-prototypes -Wshadow,$(CFLAGS)) -MMD -MP -c $< -o $@

$(BUILD)/obj/lib/store_mongo.o: override CFLAGS += $(MONGO_CFLAGS) -fPIC
$(STORE_PLUGIN): $(BUILD)/obj/lib/store_mongo.o
	@mkdir -p $(dir $@)
	$(CC) -shared $(SANITIZE) -o $@ $< $(MONGO_LIBS)

$(LIBRIFT): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# ---- binaries ---------------------------------------------------------------------------------------
define service_rule
$(BUILD)/bin/rift-$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$(wildcard services/$(1)/*.c services/$(1)/*/*.c)) $(LIBRIFT)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach s,$(SERVICES),$(eval $(call service_rule,$(s))))

$(BUILD)/obj/agent/%.o: override CFLAGS += $(AGENT_CFLAGS)
# no -lcurl, no AGENT_LIBS: agent/probes/curl_dl.c and agent/netlink_dl.c load libcurl, libnl and
# libnetfilter_queue when the first request or fault needs them (tests still link them directly).
# No -lssl/-lcrypto either: agent/tls_dl.c loads OpenSSL on the first https connection. The agent's
# objects come before librift.a, so agent/http_lite.o provides the synchronous rift_http_client_* that
# lib/rpc_client.o needs and the archive's curl-based lib/http_client.o is never pulled in.
$(BUILD)/bin/rift-agent: $(AGENT_SRC:%.c=$(BUILD)/obj/%.o) $(LIBRIFT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(filter-out -lcurl -lssl -lcrypto -levent_openssl,$(LDLIBS))

$(BUILD)/bin/riftctl: $(CLI_SRC:%.c=$(BUILD)/obj/%.o) $(LIBRIFT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- tests ------------------------------------------------------------------------------------------
# A unit test may test code of a service or the agent: tests/unit/test_X.c declares what it links
# in a first-line comment `// link: services/auth/foo.c agent/faults/bar.c` (optional).
unit_links = $(patsubst %.c,$(BUILD)/obj/%.o,$(shell sed -n '1s|^// link: ||p' $(1)))
# The linked objects are prerequisites (second expansion), so a change to them relinks the test.
.SECONDEXPANSION:
$(BUILD)/tests/test_%: tests/unit/test_%.c $$(call unit_links,tests/unit/test_$$*.c) \
                       $(TEST_HELPERS:%.c=$(BUILD)/obj/%.o) $(LIBRIFT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(AGENT_CFLAGS) -o $@ $< $(call unit_links,$<) $(TEST_HELPERS:%.c=$(BUILD)/obj/%.o) \
	    $(LIBRIFT) $(LDFLAGS) $(LDLIBS) $(AGENT_LIBS) -lcmocka

# GraphQL differential-test tool: the test schema (tests/graphql/testschema.c) on lib/graphql.
$(BUILD)/tests/gqlexec: tests/graphql/gqlexec.c $(BUILD)/obj/tests/graphql/testschema.o $(LIBRIFT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/obj/tests/graphql/testschema.o $(LIBRIFT) $(LDFLAGS) $(LDLIBS)

# `make test` and `make run` are the README's two commands: they install what is missing first, then
# re-enter make so pkg-config sees the freshly installed libraries.
test:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@BUILD=$(BUILD) scripts/run-tests.sh all

unit: $(UNIT_BINS)
	@BUILD=$(BUILD) scripts/run-tests.sh unit

integration: all
	@BUILD=$(BUILD) scripts/run-tests.sh integration

# ---- fuzzing (clang + libFuzzer) --------------------------------------------------------------------
FUZZ_BUILD := $(BUILD)-fuzz
fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 \
	    SANITIZE="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined" \
	    $(FUZZ_BUILD)/lib/librift.a $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/fuzz/%)

# As for unit tests, the `// link:` objects are prerequisites (second expansion): a changed one relinks.
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(call unit_links,tests/fuzz/fuzz_$$*.c) $(LIBRIFT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(call unit_links,$<) $(LIBRIFT) $(LDFLAGS) $(LDLIBS) $(AGENT_LIBS)

fuzz-smoke: fuzz
	@BUILD=$(BUILD) scripts/run-tests.sh fuzz

# ---- benchmark programs (built on demand by bench/*/run.sh; not part of `all`) ----------------------
BENCH_COMMON := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard bench/common/*.c))
$(BUILD)/bench/%: bench/%.c $(BENCH_COMMON) $(LIBRIFT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BENCH_COMMON) $(LIBRIFT) $(LDFLAGS) $(LDLIBS)

# ---- sanitizers -------------------------------------------------------------------------------------
# A target that fails to build (-k) fails the tier, but the tests that did build still run.
asan:
	@$(MAKE) -k --no-print-directory BUILD=$(BUILD)-asan CC=clang OPT="-O1 -fno-omit-frame-pointer" \
	    SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all; built=$$?; \
	BUILD=$(BUILD)-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 scripts/run-tests.sh unit integration; tested=$$?; \
	if [ $$built -ne 0 ]; then echo "asan: some targets did not build with clang (see above)"; fi; \
	[ $$built -eq 0 ] && [ $$tested -eq 0 ]

# ---- lint -------------------------------------------------------------------------------------------
lint:
	@scripts/lint.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

# ---- web portal (built only once web/ exists) --------------------------------------------------------
web:
	@if [ -f $(WEB_DIR)/package.json ]; then BUILD=$(BUILD) scripts/build-web.sh; fi

run:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@BUILD=$(BUILD) scripts/run-local.sh

bench: all
	@scripts/run-bench.sh

clean:
	rm -rf build build-* 

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
