# gwkit — build, test, install. Overridable variables first.
LUA        ?= lua5.1
LUA_PC     ?= lua5.1
CC         ?= cc
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
DESTDIR    ?=
LUA_LIBDIR ?= $(PREFIX)/lib/lua/5.1
LUA_SHAREDIR ?= $(PREFIX)/share/lua/5.1
BINDIR     ?= $(PREFIX)/bin
BUILD      ?= build

OPT      ?= -O2 -g
WARN      = -std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
            -Wcast-qual -Wstrict-prototypes -Wmissing-prototypes -Wundef \
            -Wwrite-strings -Wredundant-decls -Wnested-externs -Wformat=2
LUA_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LUA_PC) 2>/dev/null)
SSL_CFLAGS := $(shell $(PKG_CONFIG) --cflags openssl 2>/dev/null)
SSL_LIBS   := $(shell $(PKG_CONFIG) --libs openssl 2>/dev/null || echo -lssl -lcrypto) -pthread
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Icext
CFLAGS   += $(OPT) $(WARN) -fPIC -fvisibility=hidden $(SSL_CFLAGS)
LDFLAGS  +=

CORE_SRC := $(wildcard cext/core/*.c cext/net/*.c cext/sasl/*.c cext/smtp/*.c cext/http/*.c)
GLUE_SRC := $(wildcard cext/lua/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
GLUE_OBJ := $(GLUE_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
SO       := $(BUILD)/gwkit/core.so

.PHONY: all test unit spec demo asan fuzz install uninstall env clean lint bench deps

all: $(SO)

$(BUILD)/obj/%.o: %.c $(wildcard cext/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/cext/lua/%.o: cext/lua/%.c $(wildcard cext/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LUA_CFLAGS) -c -o $@ $<

$(BUILD)/libgwcore.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The module links OpenSSL but not liblua: the interpreter provides Lua.
$(SO): $(GLUE_OBJ) $(BUILD)/libgwcore.a
	@mkdir -p $(dir $@)
	$(CC) -shared $(CFLAGS) $(LDFLAGS) -o $@ $(GLUE_OBJ) $(BUILD)/libgwcore.a $(SSL_LIBS)

$(BUILD)/unit/%: tests/unit/%.c tests/unit/check.h $(BUILD)/libgwcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Icext -Itests -o $@ $< $(BUILD)/libgwcore.a $(SSL_LIBS) $(LDFLAGS)

unit: $(UNIT_BIN)

# make test: C known-answer tests, then the busted specs (real servers on
# loopback, started by the specs). Ends with "N passed, N failed".
test: deps all unit
	@LUA=$(LUA) BUILD=$(BUILD) sh tests/run.sh

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) --no-print-directory test BUILD=build-asan \
	  OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" GWKIT_ASAN=1

# libFuzzer targets (clang), each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

demo: deps all
	@LUA=$(LUA) BUILD=$(BUILD) sh tests/demo.sh

bench: deps all
	@LUA=$(LUA) BUILD=$(BUILD) sh tests/bench/run.sh

# Installs the Debian packages the build and the tests need (root only, once).
deps:
	@sh .ci/deps.sh

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
	  --std=c99 --inline-suppr --suppress=missingIncludeSystem -Icext cext
	luacheck --quiet --std lua51 lua $(wildcard scripts/gw*)
	luacheck --quiet --std lua51+busted tests/spec

env:
	@echo "export LUA_PATH='$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;'"
	@echo "export LUA_CPATH='$(CURDIR)/$(BUILD)/?.so;;'"
	@echo "export PATH='$(CURDIR)/scripts:'\"\$$PATH\""

install: all
	install -d $(DESTDIR)$(LUA_LIBDIR)/gwkit $(DESTDIR)$(LUA_SHAREDIR)/gwkit/mime $(DESTDIR)$(BINDIR)
	install -m 0755 $(SO) $(DESTDIR)$(LUA_LIBDIR)/gwkit/core.so
	install -m 0644 lua/gwkit/*.lua $(DESTDIR)$(LUA_SHAREDIR)/gwkit/
	install -m 0644 lua/gwkit/mime/*.lua $(DESTDIR)$(LUA_SHAREDIR)/gwkit/mime/
	for s in $(wildcard scripts/gw*); do install -m 0755 $$s $(DESTDIR)$(BINDIR)/; done

uninstall:
	rm -rf $(DESTDIR)$(LUA_LIBDIR)/gwkit $(DESTDIR)$(LUA_SHAREDIR)/gwkit
	for s in $(notdir $(wildcard scripts/gw*)); do rm -f $(DESTDIR)$(BINDIR)/$$s; done

clean:
	rm -rf build build-asan build-fuzz
