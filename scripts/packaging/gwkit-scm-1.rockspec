-- LuaRocks: build and install gwkit with the system's OpenSSL.
--   luarocks make scripts/packaging/gwkit-scm-1.rockspec [--tree DIR]
--   luarocks make scripts/packaging/gwkit-scm-1.rockspec OPENSSL_DIR=/opt/ssl
-- (run from the top of the checkout). The "make" build type drives the
-- project's Makefile, so the C sources are never listed twice; OPENSSL_DIR,
-- OPENSSL_INCDIR and OPENSSL_LIBDIR are honoured as for any rock.
rockspec_format = "3.0"
package = "gwkit"
version = "scm-1"
source = {
  url = "git+file://.",   -- `luarocks make` builds the current directory
}
description = {
  summary = "SMTP submission that picks a working AUTH mechanism, and HTTP Digest, for router scripts",
  detailed = [[
A small C99 core over OpenSSL and a thin Lua 5.1 layer: SMTP (STARTTLS and
implicit TLS, TLS >= 1.2, SCRAM/PLAIN/LOGIN/CRAM-MD5 with fallback on a
refused mechanism) and an HTTP/1.1 client with RFC 7616 Digest, for the Lua
scripts a router runs; gwmail and gwhttp command-line tools.]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1, < 5.2",   -- PUC Lua 5.1 or LuaJIT
}
external_dependencies = {
  OPENSSL = { header = "openssl/ssl.h", library = "ssl" },
}
build = {
  type = "make",
  build_target = "all",
  build_variables = {
    BUILD = "build-luarocks",
    OPT = "$(CFLAGS)",                       -- CFLAGS itself would drop the Makefile's flags
    LUA_CFLAGS = "-I$(LUA_INCDIR)",
    SSL_CFLAGS = "-I$(OPENSSL_INCDIR)",
    SSL_LIBS = "-L$(OPENSSL_LIBDIR) -Wl,-rpath,$(OPENSSL_LIBDIR) -lssl -lcrypto -pthread",
  },
  install_target = "install",
  install_variables = {
    BUILD = "build-luarocks",
    PREFIX = "$(PREFIX)",
    LUA_LIBDIR = "$(LIBDIR)",
    LUA_SHAREDIR = "$(LUADIR)",
    BINDIR = "$(BINDIR)",
    -- the install target would otherwise rebuild with the default flags
    OPT = "$(CFLAGS)",
    LUA_CFLAGS = "-I$(LUA_INCDIR)",
    SSL_CFLAGS = "-I$(OPENSSL_INCDIR)",
    SSL_LIBS = "-L$(OPENSSL_LIBDIR) -Wl,-rpath,$(OPENSSL_LIBDIR) -lssl -lcrypto -pthread",
  },
}
