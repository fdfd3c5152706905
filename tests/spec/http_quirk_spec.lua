-- gwkit.http against the scriptable HTTP server (tests/servers/httpd_quirk.py):
-- the Digest variants, nonce handling, framing edge cases and faults that
-- lighttpd does not show. The server verifies every Digest answer itself;
-- its "R" records say what it concluded.
local support = require "support"
local http = require "gwkit.http"

local USER, PASS = "user", "Gw-pass 1"

local function get(srv, extra)
  local t = { url = srv.url .. "/status", user = USER, password = PASS, timeout = 5 }
  for k, v in pairs(extra or {}) do t[k] = v end
  return http.request(t)
end

local function verdicts(srv)
  local out = {}
  for _, r in ipairs(srv.records()) do out[#out + 1] = r.verdict end
  return table.concat(out, " ")
end

describe("Digest variants", function()
  local cases = {
    { "digest", "SHA-256", "auth" },
    { "digest-two-headers", "SHA-256", "auth" },
    { "digest-md5", "MD5", "auth" },
    { "digest-md5-sess", "MD5-sess", "auth" },
    { "digest-sha256-sess", "SHA-256-sess", "auth" },
    { "digest-sha512-256", "SHA-512-256", "auth" },
    { "digest-no-qop", "MD5", "" },
    { "digest-userhash", "SHA-256", "auth" },
    { "digest-odd", "SHA-256", "auth" },
  }
  for _, c in ipairs(cases) do
    it("answers " .. c[1] .. " with " .. c[2], function()
      local srv = support.httpq(c[1])
      local res, err = get(srv)
      assert.is_nil(err)
      assert.equal(200, res.status)
      assert.equal(c[2], res.auth.algorithm)
      assert.equal(c[3], res.auth.qop)
      assert.equal("no-auth ok", verdicts(srv))
    end)
  end

  it("answers qop=auth-int over the body", function()
    local srv = support.httpq("digest-auth-int")
    local body = "line one\r\nline two\0\xff"
    local res, err = get(srv, { url = srv.url .. "/echo", method = "POST", body = body })
    assert.is_nil(err)
    assert.equal(200, res.status)
    assert.equal("auth-int", res.auth.qop)
    assert.equal(body, res.body)
  end)

  it("reports a wrong password once: one challenge, one answer", function()
    local srv = support.httpq("digest")
    local res, err, info = get(srv, { password = "not it" })
    assert.is_nil(res)
    assert.equal("auth_failed", info.kind)
    assert.equal("http: 401 from 127.0.0.1 for user user: credentials rejected", err)
    assert.equal("no-auth bad-response", verdicts(srv))
  end)

  it("never shows the password or the digest in the trace", function()
    local srv = support.httpq("digest")
    local trace, lines = support.tracer()
    assert(get(srv, { trace = trace }))
    local text = table.concat(lines, "\n")
    assert.truthy(text:find("WWW-Authenticate: Digest", 1, true))
    assert.truthy(text:find('response="<redacted>"', 1, true))
    assert.truthy(text:find("algorithm=SHA-256", 1, true))
    assert.is_nil(text:find(PASS, 1, true))
  end)
end)

describe("nonces", function()
  it("answers stale=true with the new nonce, not as a failed login", function()
    local srv = support.httpq("stale")
    local res, err = get(srv)
    assert.is_nil(err)
    assert.equal(200, res.status)
    assert.equal("no-auth stale-forced ok", verdicts(srv))
  end)

  it("reuses the nonce with an increasing nc: one round trip per request", function()
    local srv = support.httpq("digest")
    local s = http.session{ user = USER, password = PASS, timeout = 5 }
    for i = 1, 4 do assert.equal(200, assert(s:request{ url = srv.url .. "/p" .. i }).status) end
    s:close()
    local rs = srv.records()
    assert.equal(5, #rs)
    assert.equal("no-auth ok ok ok ok", verdicts(srv))
    assert.same({ "00000001", "00000002", "00000003", "00000004" },
                { rs[2].nc, rs[3].nc, rs[4].nc, rs[5].nc })
  end)

  it("takes the nextnonce of Authentication-Info", function()
    local srv = support.httpq("nextnonce")
    local s = http.session{ user = USER, password = PASS, timeout = 5 }
    for i = 1, 3 do assert.equal(200, assert(s:request{ url = srv.url .. "/p" .. i }).status) end
    s:close()
    local rs = srv.records()
    assert.equal("no-auth ok ok ok", verdicts(srv))
    assert.same({ "00000001", "00000001", "00000001" }, { rs[2].nc, rs[3].nc, rs[4].nc })
  end)

  it("checks rspauth when the server sends it", function()
    local srv = support.httpq("rspauth")
    local res, err = get(srv)
    assert.is_nil(err)
    assert.equal(200, res.status)
  end)

  it("fails when rspauth does not match", function()
    local srv = support.httpq("rspauth-bad")
    local res, err, info = get(srv)
    assert.is_nil(res)
    assert.equal("auth_failed", info.kind)
    assert.matches("rspauth", err)
  end)
end)

describe("other authentication", function()
  it("keeps the gateway's session cookie", function()
    local srv = support.httpq("session-cookie")
    local s = http.session{ user = USER, password = PASS, timeout = 5 }
    for i = 1, 3 do assert.equal(200, assert(s:request{ url = srv.url .. "/p" .. i }).status) end
    s:close()
    local rs = srv.records()
    assert.equal("-", rs[1].cookie)
    assert.equal("HGWSESSIONID", rs[3].cookie)
  end)

  it("answers Basic over plain http only when allowed", function()
    local srv = support.httpq("basic")
    local res, _, info = get(srv)
    assert.is_nil(res)
    assert.equal("auth_unavailable", info.kind)
    res = assert(get(srv, { allow_basic_plaintext = true }))
    assert.equal(200, res.status)
    assert.equal("Basic", res.auth.scheme)
  end)

  it("sends a bearer token", function()
    local srv = support.httpq("bearer", { extra = { "--token", "tok-123" } })
    local res = assert(http.request{ url = srv.url .. "/hook", auth = "bearer", token = "tok-123" })
    assert.equal(200, res.status)
  end)
end)

describe("framing and faults", function()
  it("decodes chunks with extensions, odd hex and trailers", function()
    local srv = support.httpq("chunked-edge")
    local res = assert(http.request{ url = srv.url .. "/x", timeout = 5 })
    assert.equal(200, res.status)
    assert.equal(1000, #res.body)
    -- The server logs what it sent once it has sent it all.
    local d = support.wait(3, function() return srv.log():match(" D len=(%d+)") end)
    assert.equal("1000", d)
  end)

  it("reads a body without length to the close", function()
    local srv = support.httpq("no-length")
    local res = assert(http.request{ url = srv.url .. "/x", timeout = 5 })
    assert.equal(10000, #res.body)
  end)

  it("takes a 2 MiB body under max_body and refuses it over", function()
    local srv = support.httpq("max-body")
    local res = assert(http.request{ url = srv.url .. "/x", timeout = 5 })
    assert.equal(2 * 1024 * 1024, #res.body)
    local _, err, info = http.request{ url = srv.url .. "/x", timeout = 5, max_body = 1024 * 1024 }
    assert.equal("protocol", info.kind)
    assert.matches("body larger than 1048576 bytes", err)
  end)

  it("refuses a 1 MB header line without waiting for all of it", function()
    local srv = support.httpq("huge-header")
    local _, err, info = http.request{ url = srv.url .. "/x", timeout = 5 }
    assert.equal("protocol", info.kind)
    assert.matches("longer than", err)
  end)

  it("gives up on a body that stalls, within the timeout", function()
    local srv = support.httpq("stall-body")
    local t0 = os.time()
    local _, err, info = http.request{ url = srv.url .. "/x", timeout = 1 }
    assert.equal("timeout", info.kind)
    assert.truthy(err)
    assert.is_true(os.time() - t0 <= 3)
  end)
end)

describe("redirects", function()
  it("never carries credentials or cookies to another origin", function()
    local srv = support.httpq("redirect-cross-origin", { port2 = true })
    local res, err = get(srv)
    assert.is_nil(err)
    assert.equal(200, res.status)
    local rs = srv.records()
    local last = rs[#rs]
    assert.equal("2", last.listener)
    assert.equal("-", last.authorization)
    assert.equal("-", last.cookie)
    assert.matches(":" .. srv.port2 .. "/final$", res.url)
  end)

  it("keeps authenticating on the same origin", function()
    local srv = support.httpq("redirect-same-origin")
    local res = assert(get(srv))
    assert.equal(200, res.status)
    local rs = srv.records()
    assert.equal("/final", rs[#rs].target)
    assert.equal("ok", rs[#rs].verdict)
  end)

  it("stops after the redirect limit", function()
    local srv = support.httpq("redirect-loop")
    local res, err, info = http.request{ url = srv.url .. "/loop/0", redirects = 3, timeout = 5 }
    assert.is_nil(res)
    assert.equal("protocol", info.kind)
    assert.matches("too many redirects", err)
    assert.equal(4, #srv.records())
  end)
end)

describe("URLs", function()
  local bad = {
    { "http://user:pw@127.0.0.1/", "credentials in the URL" },
    { "ftp://127.0.0.1/", "" },
    { "http://127.0.0.1:99999/", "" },
    { "http://[fe80::1/", "" },
    { "http://127.0.0.1/a b", "" },
  }
  for _, b in ipairs(bad) do
    it("refuses " .. b[1], function()
      local res, err, info = http.request{ url = b[1] }
      assert.is_nil(res)
      assert.equal("bad_argument", info.kind)
      assert.truthy(err:find(b[2], 1, true), err)
    end)
  end

  it("keeps the path and query byte for byte", function()
    local srv = support.httpq("open")
    local target = "/echo/a%2Fb;p=1?q=%E3%81%82&x=1+2&&y"
    local res = assert(http.request{ url = srv.url .. target })
    assert.equal(200, res.status)
    assert.equal(target, srv.records()[1].target)
  end)
end)
