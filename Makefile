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

# Cross builds for router CPUs: make cross ARCH=armhf|arm64|mips [OPT=-Os]
# (and s390x: big-endian, with a Debian port, so the suite runs under qemu).
# The target's Debian packages (OpenSSL, Lua 5.1, the ARM lua5.1 itself)
# are extracted into SYSROOT by .ci/deps-cross.sh. SYSROOT= (empty) builds
# against packages installed with dpkg multiarch instead (untested here: the
# ARM lua5.1 cannot be installed beside the native one). CROSS_PREFIX, CC,
# AR, STRIP and QEMU can be overridden (e.g. an OpenWrt toolchain).
ARCH       ?=
ifneq ($(ARCH),)
TRIPLET_armhf := arm-linux-gnueabihf
TRIPLET_arm64 := aarch64-linux-gnu
TRIPLET_mips  := mips-linux-gnu
TRIPLET_s390x := s390x-linux-gnu
QEMU_armhf    := qemu-arm
QEMU_arm64    := qemu-aarch64
QEMU_s390x    := qemu-s390x
TRIPLET      ?= $(TRIPLET_$(ARCH))
ifeq ($(TRIPLET),)
$(error unknown ARCH=$(ARCH): armhf, arm64, mips or s390x (or set TRIPLET))
endif
CROSS_PREFIX ?= $(TRIPLET)-
QEMU         ?= $(QEMU_$(ARCH))
# OPT=-Os (the footprint build) gets its own directory: make does not
# rebuild objects when only the flags change.
BUILD        ?= build-$(ARCH)$(if $(filter -Os,$(OPT)),-os)
SYSROOT      ?= $(CURDIR)/build-$(ARCH)/sysroot
ifeq ($(origin CC),default)
CC           := $(CROSS_PREFIX)gcc
endif
ifeq ($(origin AR),default)
AR           := $(CROSS_PREFIX)ar
endif
STRIP        ?= $(CROSS_PREFIX)strip
ifeq ($(QEMU),)
# No Debian port to take OpenSSL from (big-endian MIPS): a compile-only
# check against the host's OpenSSL and Lua headers, searched after the
# cross compiler's own (-idirafter), so libc comes from the target.
CROSS_ONLY   := objects
PKG_CONFIG   := false
CPPFLAGS     += -idirafter /usr/include/lua5.1 -idirafter /usr/include \
                -idirafter /usr/include/$(shell gcc -print-multiarch 2>/dev/null)
else
CROSS_ONLY   :=
PKG_CONFIG   := PKG_CONFIG_SYSROOT_DIR=$(SYSROOT) \
                PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/$(TRIPLET)/pkgconfig:$(SYSROOT)/usr/share/pkgconfig \
                pkg-config
ifneq ($(SYSROOT),)
# pkg-config drops -I/usr/include as a system directory, and OpenSSL's
# configuration.h lives in the multiarch include directory.
CPPFLAGS     += -I$(SYSROOT)/usr/include/$(TRIPLET) -I$(SYSROOT)/usr/include
LDFLAGS      += -L$(SYSROOT)/usr/lib/$(TRIPLET) \
                -Wl,-rpath-link,$(SYSROOT)/usr/lib/$(TRIPLET):$(SYSROOT)/lib/$(TRIPLET)
endif
endif
endif
BUILD      ?= build
STRIP      ?= strip

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

CORE_DIRS := core net sasl smtp http log sys page
CORE_SRC := $(wildcard $(CORE_DIRS:%=cext/%/*.c))
GLUE_SRC := $(wildcard cext/lua/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
GLUE_OBJ := $(GLUE_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
SO       := $(BUILD)/gwkit/core.so

.PHONY: all test unit spec demo asan fuzz install uninstall env clean lint bench deps \
        cross test-cross deps-cross objects install-strip lab lab-stop

all: $(SO)

$(BUILD)/obj/%.o: %.c $(wildcard cext/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/cext/lua/%.o: cext/lua/%.c $(wildcard cext/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LUA_CFLAGS) -c -o $@ $<

$(BUILD)/libgwcore.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

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

# Cross builds (ARCH=armhf|arm64|s390x|mips, see the top): core.so, the C
# unit tests, and a stripped copy core.stripped.so for the footprint; mips
# is compile-only. test-cross runs the C units and the busted suite with the
# target's lua5.1 under qemu-user against servers running natively. The
# build itself is a second make, started once deps-cross has made the
# sysroot that pkg-config reads when this Makefile is parsed.
objects: $(CORE_OBJ) $(GLUE_OBJ)

$(BUILD)/gwkit/core.stripped.so: $(SO)
	$(STRIP) --strip-unneeded -o $@ $<

ifeq ($(ARCH),)
cross test-cross deps-cross:
	@echo "make $@ needs ARCH=armhf, arm64, s390x or mips" >&2; exit 2
else
cross: deps-cross
ifeq ($(CROSS_ONLY),objects)
	@$(MAKE) --no-print-directory objects ARCH=$(ARCH) BUILD=$(BUILD) OPT="$(OPT)"
	@echo "cross $(ARCH): compiled $(words $(CORE_OBJ) $(GLUE_OBJ)) objects in $(BUILD)/obj (compile-only)"
else
	@$(MAKE) --no-print-directory all unit $(BUILD)/gwkit/core.stripped.so ARCH=$(ARCH) BUILD=$(BUILD) OPT="$(OPT)"
	@echo "cross $(ARCH): $(SO), $(BUILD)/gwkit/core.stripped.so, $(BUILD)/unit/"
endif

deps-cross:
	@sh .ci/deps-cross.sh $(ARCH) $(SYSROOT)

test-cross: deps cross
ifeq ($(QEMU),)
	@echo "make test-cross: no qemu for ARCH=$(ARCH) (armhf, arm64, s390x)" >&2; exit 2
else
	@LUA="$(QEMU) -L $(SYSROOT) $(SYSROOT)/usr/bin/lua5.1" RUNNER="$(QEMU) -L $(SYSROOT)" \
	  BUILD=$(BUILD) sh tests/run.sh
endif
endif

# One demo or test suite at a time per machine (fixed loopback ports).
demo: deps all
	@LUA=$(LUA) BUILD=$(BUILD) flock $${GWKIT_TEST_LOCK:-/tmp/gwkit-test.lock} sh tests/demo.sh

bench: deps all
	@LUA=$(LUA) BUILD=$(BUILD) sh tests/bench/run.sh

# The DHCPv6-PD lab (network namespaces, Kea, dhclient) started by hand:
# make lab (starts it and prints how to use it), make lab-stop.
lab: deps all
	@LUA=$(LUA) BUILD=$(BUILD) sh tests/lab/lab.sh start

lab-stop:
	@sh tests/lab/lab.sh stop

# Installs the Debian packages the build and the tests need (root only, once).
deps:
	@sh .ci/deps.sh

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
	  --std=c99 --inline-suppr --suppress=missingIncludeSystem -Icext cext
	luacheck --quiet --std lua51 lua $(filter-out scripts/packaging,$(wildcard scripts/*))
	luacheck --quiet --std lua51+busted tests/spec

env:
	@echo "export LUA_PATH='$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;'"
	@echo "export LUA_CPATH='$(CURDIR)/$(BUILD)/?.so;;'"
	@echo "export PATH='$(CURDIR)/scripts:'\"\$$PATH\""

# Laid out as Debian's Lua packages are: $(LUA_LIBDIR)/gwkit/core.so, every
# Lua file of lua/gwkit (subdirectories kept) under $(LUA_SHAREDIR)/gwkit,
# scripts in $(BINDIR). install-strip installs a stripped core.so.
# LUAC=luac5.1 installs the Lua files compiled and stripped (luac -s), so
# that require does not parse them (tests/bench/RESULTS.md). PUC Lua 5.1
# only: LuaJIT does not load that bytecode. It depends on the word size and
# byte order: a cross build needs the target's luac (under qemu).
LUAC      ?=
LUA_FILES := $(shell find lua/gwkit -name '*.lua' 2>/dev/null | sort)
SCRIPTS   := $(filter-out scripts/packaging,$(wildcard scripts/*))
INSTALL_SO ?= $(SO)
install: all
	install -d $(DESTDIR)$(LUA_LIBDIR)/gwkit $(DESTDIR)$(BINDIR)
	install -m 0755 $(INSTALL_SO) $(DESTDIR)$(LUA_LIBDIR)/gwkit/core.so
	for f in $(LUA_FILES:lua/%=%); do \
	  install -d $(DESTDIR)$(LUA_SHAREDIR)/$$(dirname $$f) && \
	  if [ -n "$(LUAC)" ]; then \
	    $(LUAC) -s -o $(DESTDIR)$(LUA_SHAREDIR)/$$f lua/$$f && \
	    chmod 0644 $(DESTDIR)$(LUA_SHAREDIR)/$$f; \
	  else install -m 0644 lua/$$f $(DESTDIR)$(LUA_SHAREDIR)/$$f; fi || exit 1; done
	for s in $(SCRIPTS); do install -m 0755 $$s $(DESTDIR)$(BINDIR)/ || exit 1; done

install-strip: all $(BUILD)/gwkit/core.stripped.so
	@$(MAKE) --no-print-directory install INSTALL_SO=$(BUILD)/gwkit/core.stripped.so

uninstall:
	rm -rf $(DESTDIR)$(LUA_LIBDIR)/gwkit $(DESTDIR)$(LUA_SHAREDIR)/gwkit
	for s in $(notdir $(SCRIPTS)); do rm -f $(DESTDIR)$(BINDIR)/$$s; done

clean:
	rm -rf build build-asan build-fuzz build-luajit build-os \
	  build-armhf build-armhf-os build-arm64 build-arm64-os build-mips build-mips-os \
	  build-s390x build-s390x-os build-luarocks
