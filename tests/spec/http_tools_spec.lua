-- rt.httprequest and scripts/gwhttp, as router scripts and owners use them,
-- against the real lighttpd (tests/servers/webstack.sh).
local support = require "support"
local rt = require "gwkit.rt"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"

describe("rt.httprequest and gwhttp", function()
  local env, base

  setup(function()
    env = support.webstack_start()
    base = "http://" .. env.HOST4 .. ":" .. env.HTTP_PORT
  end)
  teardown(function() support.webstack_stop(env) end)

  local function gwhttp(args, extra_env)
    local dir = support.tmpdir("gwhttp")
    support.sh(("%s %s %s/scripts/gwhttp %s > %s/out 2> %s/err; echo $? > %s/rc")
      :format(extra_env or "", LUA, support.top, args, dir, dir, dir))
    return tonumber(support.read(dir .. "/rc")), support.read(dir .. "/out"),
           support.read(dir .. "/err")
  end

  it("rt.httprequest reads a Digest page with the router's result table", function()
    local r = rt.httprequest{ url = base .. "/digest-md5/pd.html", auth_type = "digest",
                              auth_name = env.USER, auth_pass = env.PASS, timeout = 10 }
    assert.is_true(r.rtn1)
    assert.is_true(r.rtn2)
    assert.equal(200, r.code)
    assert.is_nil(r.err)
    assert.truthy(r.body:find("2001:db8:", 1, true))
    assert.truthy(r.header:find("Content-Type: text/html", 1, true))
  end)

  it("rt.httprequest: rtn1 true and code 401 for a wrong password", function()
    local r = rt.httprequest{ url = base .. "/digest-sha256/status.html",
                              auth_name = env.USER, auth_pass = "nope" }
    assert.is_true(r.rtn1)
    assert.is_false(r.rtn2)
    assert.equal(401, r.code)
    assert.matches("credentials rejected", r.err)
  end)

  it("rt.httprequest posts post_text and saves to save_file", function()
    local r = rt.httprequest{ url = base .. "/open/echo.cgi", post_text = "hello=1",
                              content_type = "application/x-www-form-urlencoded" }
    assert.equal(200, r.code)
    assert.equal("hello=1", r.body)
    local path = support.tmpdir("rt") .. "/big.bin"
    r = rt.httprequest{ url = base .. "/open/big.bin", save_file = path }
    assert.is_true(r.rtn2)
    assert.is_nil(r.body)
    assert.equal(env.BIG_SHA256, support.sha256(path))
  end)

  it("rt.httprequest: rtn1 false when there is no server", function()
    local r = rt.httprequest{ url = "http://127.0.0.1:9/", timeout = 2 }
    assert.is_false(r.rtn1)
    assert.matches("refused", r.err)
  end)

  it("rt.httprequest raises the router's error for a bad field", function()
    local ok, err = pcall(rt.httprequest, { url = 42 })
    assert.is_false(ok)
    assert.equal("'rt.httprequest': 'url' field value of argument #1 is invalid.", err)
    ok, err = pcall(rt.httprequest, { url = base, auth_type = "ntlm" })
    assert.is_false(ok)
    assert.equal("'rt.httprequest': 'auth_type' field value of argument #1 is invalid.", err)
  end)

  it("gwhttp fetches a Digest page, --trace showing the challenge and the algorithm", function()
    local dir = support.tmpdir("pw")
    support.write(dir .. "/pw", env.PASS .. "\n")
    local rc, out, err = gwhttp(("-u %s --password-file %s/pw --trace %s/digest-sha256/status.html")
      :format(env.USER, dir, base))
    assert.equal(0, rc, err)
    assert.truthy(out:find("digest-sha256", 1, true))
    assert.truthy(err:find("S: WWW-Authenticate: Digest", 1, true))
    assert.truthy(err:find("algorithm=SHA-256", 1, true))
    assert.truthy(err:find("*: answered Digest SHA-256 qop=auth", 1, true))
    assert.is_nil(err:find(env.PASS, 1, true))
  end)

  it("gwhttp -o saves, -i shows the head, -f fails on 4xx", function()
    local dir = support.tmpdir("gwhttp-o")
    local rc = gwhttp(("-o %s/big.bin %s/open/big.bin"):format(dir, base))
    assert.equal(0, rc)
    assert.equal(env.BIG_SHA256, support.sha256(dir .. "/big.bin"))
    local rc2, out = gwhttp("-i " .. base .. "/open/status.html")
    assert.equal(0, rc2)
    assert.matches("^HTTP/1%.1 200 OK\r\n", out)
    local rc3 = gwhttp("-f " .. base .. "/digest-md5/status.html")
    assert.equal(22, rc3)
  end)

  it("gwhttp -X PUT -d @file sends the file as the body", function()
    local dir = support.tmpdir("gwhttp-d")
    support.write(dir .. "/body", "prefix=2001:db8:1:20::/60\n")
    local rc, out = gwhttp(("-X PUT -d @%s/body -H 'X-Router: NVR510' %s/open/echo.cgi")
      :format(dir, base))
    assert.equal(0, rc)
    assert.equal("prefix=2001:db8:1:20::/60\n", out)
  end)

  it("gwhttp takes the password from the environment and reports a refusal", function()
    local rc, _, err = gwhttp(("-u %s %s/digest-md5/status.html"):format(env.USER, base),
                              "GWHTTP_PASSWORD=wrong")
    assert.equal(1, rc)
    assert.matches("credentials rejected", err)
    rc = gwhttp("--password x " .. base)
    assert.equal(2, rc)
  end)
end)
