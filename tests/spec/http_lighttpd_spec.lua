-- gwkit.http against a real lighttpd with mod_auth (Digest MD5 and SHA-256,
-- Basic) on loopback (tests/servers/webstack.sh). Round trips are counted
-- in the server's access log, one line per request.
local support = require "support"
local http = require "gwkit.http"

describe("lighttpd with Digest", function()
  local env, base

  setup(function()
    env = support.webstack_start()
    base = "http://" .. env.HOST4 .. ":" .. env.HTTP_PORT
  end)
  teardown(function() support.webstack_stop(env) end)

  local function creds(extra)
    local t = { user = env.USER, password = env.PASS, timeout = 10 }
    for k, v in pairs(extra or {}) do t[k] = v end
    return t
  end

  -- The access-log lines for requests whose target holds `marker` (lighttpd
  -- writes its log a moment after the response: wait until `want` lines
  -- are there, then a little longer to see that no more come).
  local function requests(marker, want)
    local function mine()
      local out = {}
      for _, l in ipairs(support.lines(env.LOG)) do
        if l:find(marker, 1, true) then out[#out + 1] = l end
      end
      return out
    end
    support.wait(3, function() return #mine() >= want end)
    support.sh("sleep 0.3")
    return mine()
  end

  for _, alg in ipairs({ { "digest-md5", "MD5" }, { "digest-sha256", "SHA-256" } }) do
    it("GETs a page through Digest " .. alg[2], function()
      local res, err = http.request(creds{ url = base .. "/" .. alg[1] .. "/status.html" })
      assert.is_nil(err)
      assert.equal(200, res.status)
      assert.truthy(res.body:find(alg[1], 1, true))
      assert.same({ "Digest", alg[2], "auth" },
                  { res.auth.scheme, res.auth.algorithm, res.auth.qop })
    end)

    it("POSTs a body byte for byte through Digest " .. alg[2], function()
      local body = "prefix=2001:db8:1:10::/60&note=\0binary\r\n\xff"
      local res, err = http.request(creds{ url = base .. "/" .. alg[1] .. "/echo.cgi",
        method = "POST", body = body, content_type = "application/octet-stream" })
      assert.is_nil(err)
      assert.equal(200, res.status)
      assert.equal(body, res.body)
      assert.equal("POST", res.headers["x-echo-method"])
      assert.equal(env.USER, res.headers["x-echo-user"])
    end)
  end

  it("picks SHA-256 when the server offers MD5 too", function()
    local res = assert(http.request(creds{ url = base .. "/digest-both/status.html" }))
    assert.equal(200, res.status)
    assert.equal("SHA-256", res.auth.algorithm)
  end)

  it("costs one round trip per request after the first in a session", function()
    local s = http.session(creds())
    for i = 1, 5 do
      local res, err = s:request{ url = base .. "/digest-md5/status.html?session=" .. i }
      assert.is_nil(err)
      assert.equal(200, res.status)
    end
    local lines = requests("?session=", 6)
    s:close()
    -- 401 + 200 for the first, then one 200 each, all on one connection.
    assert.equal(6, #lines)
    assert.matches('" 401 ', lines[1])
    for i = 2, 6 do assert.matches('" 200 ', lines[i]) end
    local conn = lines[1]:match("^%S+ (%d+) ")
    for i = 2, 6 do assert.equal(conn, lines[i]:match("^%S+ (%d+) ")) end
  end)

  it("reports a wrong password once, without retrying", function()
    local res, err, info = http.request(creds{ url = base .. "/digest-sha256/status.html?wrongpw",
                                               password = "wrong password" })
    assert.is_nil(res)
    assert.equal("http: 401 from 127.0.0.1 for user user: credentials rejected", err)
    assert.equal("auth_failed", info.kind)
    assert.equal(401, info.status)
    assert.equal(2, #requests("?wrongpw", 2))    -- the challenge, and one answer
  end)

  it("answers Basic over TLS", function()
    local res, err = http.request(creds{ url = "https://" .. env.TLS_NAME .. ":" ..
      env.HTTPS_PORT .. "/basic/status.html", cafile = env.CAFILE })
    assert.is_nil(err)
    assert.equal(200, res.status)
    assert.equal("Basic", res.auth.scheme)
  end)

  it("will not send Basic over plain http unless allowed", function()
    local res, err, info = http.request(creds{ url = base .. "/basic/status.html" })
    assert.is_nil(res)
    assert.equal("auth_unavailable", info.kind)
    assert.matches("Basic is answered only over https", err)
    res = assert(http.request(creds{ url = base .. "/basic/status.html",
                                     allow_basic_plaintext = true }))
    assert.equal(200, res.status)
  end)

  it("reads a chunked body", function()
    local res = assert(http.request{ url = base .. "/open/chunked.cgi" })
    assert.equal(200, res.status)
    assert.equal(tonumber(res.headers["x-body-length"]), #res.body)
  end)

  it("works over IPv6", function()
    local res = assert(http.request(creds{ url = "http://[::1]:" .. env.HTTP_PORT ..
                                           "/digest-sha256/status.html" }))
    assert.equal(200, res.status)
  end)

  it("saves a download atomically, and keeps a good file when a download fails", function()
    local dir = support.tmpdir("dl")
    local path = dir .. "/big.bin"
    local res, err = http.request(creds{ url = base .. "/digest-sha256/big.bin",
                                         save_file = path, max_body = 4 * 1024 * 1024 })
    assert.is_nil(err)
    assert.equal(path, res.saved)
    assert.equal(env.BIG_SHA256, support.sha256(path))
    -- Too large for max_body: an error, the good file untouched, no debris.
    res, err = http.request(creds{ url = base .. "/digest-sha256/big.bin",
                                   save_file = path, max_body = 1000 })
    assert.is_nil(res)
    assert.matches("body larger than 1000 bytes", err)
    assert.equal(env.BIG_SHA256, support.sha256(path))
    assert.is_nil(support.read(path .. ".gwkit-part"))
  end)

  it("logs in with a UTF-8 user name (charset=UTF-8)", function()
    local res, err = http.request{ url = base .. "/digest-sha256/status.html",
                                   user = env.USER2, password = env.PASS2, timeout = 10 }
    assert.is_nil(err)
    assert.equal(200, res.status)
  end)

  it("speaks HEAD, PUT and DELETE, and sends the caller's headers", function()
    local s = http.session(creds())
    local res = assert(s:request{ url = base .. "/digest-md5/status.html", method = "HEAD" })
    assert.equal(200, res.status)
    assert.equal("", res.body)
    assert.truthy(tonumber(res.headers["content-length"]) > 0)
    for _, m in ipairs({ "PUT", "DELETE" }) do
      res = assert(s:request{ url = base .. "/digest-md5/echo.cgi?format=json", method = m,
        body = m == "PUT" and "new value" or nil,
        headers = { ["X-Router"] = "NVR510", { "X-Order", "2" } } })
      assert.equal(200, res.status)
      assert.truthy(res.body:find('"method": "' .. m .. '"', 1, true), res.body)
      assert.truthy(res.body:find('"x-router": "NVR510"', 1, true), res.body)
    end
    s:close()
  end)

  it("writes into a FIFO given as save_file instead of renaming over it", function()
    -- (/dev/null is such a file: replacing it by a rename, as root, would
    -- break the machine.)
    local dir = support.tmpdir("fifo")
    assert.is_true(support.sh("mkfifo " .. dir .. "/pipe"))
    support.sh(("cat %s/pipe > %s/out &"):format(dir, dir))
    local res, err = http.request{ url = base .. "/open/big.bin", save_file = dir .. "/pipe",
                                   max_body = 4 * 1024 * 1024, timeout = 10 }
    assert.is_nil(err)
    assert.equal(dir .. "/pipe", res.saved)
    assert.is_true(support.sh("test -p " .. dir .. "/pipe"))
    support.wait(5, function() return support.sha256(dir .. "/out") == env.BIG_SHA256 end)
    assert.equal(env.BIG_SHA256, support.sha256(dir .. "/out"))
  end)

  it("refuses a body over max_body in memory", function()
    local res, err, info = http.request{ url = base .. "/open/big.bin", max_body = 65536 }
    assert.is_nil(res)
    assert.equal("protocol", info.kind)
    assert.matches("body larger than 65536 bytes", err)
  end)
end)
