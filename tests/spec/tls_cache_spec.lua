-- The process keeps its client SSL_CTXs, one per set of TLS options
-- (cext/net/tlsctx.c): a second connection with the same options makes
-- none, and nothing stale or looser is ever reused: a CA file changed on
-- disk is read again, and a context made without verification never
-- serves a connection that asks for it. Sends run in this process against
-- the fault server's self-signed certificate.
local support = require "support"
local smtp = require "gwkit.smtp"
local core = require "gwkit.core"

local srv, dir, ca, other

local function send(opts)
  local t = { server = "127.0.0.1", port = srv.port, user = "someone@example.jp",
    password = "Secret-42", from = "someone@example.jp", to = "admin@example.jp",
    subject = "cache", text = "x\n", timeout = 5 }
  for k, v in pairs(opts) do t[k] = v end
  local res, err = smtp.send(t)
  return res and "OK" or err
end

-- Replaces path with the contents of from, as a new file (new inode).
local function replace(path, from)
  support.write(path .. ".new", support.read(from))
  assert(os.rename(path .. ".new", path))
end

describe("the TLS contexts of a process", function()
  setup(function()
    srv = support.quirk("normal", { lifetime = 120 })
    dir = support.tmpdir("tls-cache")
    ca = dir .. "/ca.pem"
    replace(ca, srv.cafile)
    other = support.make_cert(support.tmpdir("tls-cache-other"))
  end)

  it("makes one SSL_CTX for several connections with the same options", function()
    local before = core.tls_contexts_made()
    for _ = 1, 3 do assert.equal("OK", send{ cafile = ca }) end
    assert.equal(1, core.tls_contexts_made() - before)
  end)

  it("reads a CA file again when it changed on disk", function()
    assert.equal("OK", send{ cafile = ca })
    local before = core.tls_contexts_made()
    replace(ca, other)
    assert.matches("tls: certificate of 127%.0%.0%.1 not trusted", send{ cafile = ca })
    replace(ca, srv.cafile)
    assert.equal("OK", send{ cafile = ca })
    assert.equal(2, core.tls_contexts_made() - before)
  end)

  it("never lends a context made without verification to a verifying connection", function()
    assert.equal("OK", send{ cafile = other, verify = false })
    assert.matches("not trusted", send{ cafile = other })
    assert.equal("OK", send{ verify = false })
    assert.matches("not trusted", send{})
  end)

  it("keeps separate contexts for separate CA files", function()
    local before = core.tls_contexts_made()
    assert.matches("not trusted", send{ cafile = other })
    assert.equal("OK", send{ cafile = ca })
    assert.matches("not trusted", send{ cafile = other })
    assert.equal("OK", send{ cafile = ca })
    assert.is_true(core.tls_contexts_made() - before <= 2)
  end)
end)
