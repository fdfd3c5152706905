-- core.udp_bind and the UDP socket of the syslog listener (RFC 5426):
-- loopback IPv4 and IPv6, a datagram longer than GW_SYSLOG_DATAGRAM_MAX
-- cut and flagged, nothing waiting, numeric addresses only, a port in use,
-- close and __gc, and malformed datagrams handed to core.log_parse.
local core = require "gwkit.core"
local support = require "support"

local MAX = 8192

-- The next datagram, waiting up to 5 s for it (loopback is immediate, but
-- nothing here depends on it).
local function recv(u)
  local got
  support.wait(5, function()
    local data, peer, port, truncated = u:recv()
    if data then got = { data, peer, port, truncated } end
    return got
  end)
  assert(got, "no datagram within 5 s")
  return unpack(got)
end

describe("core.udp_bind", function()
  for _, host in ipairs({ "127.0.0.1", "::1" }) do
    it("binds " .. host .. " port 0, sends to itself, receives with the peer", function()
      local u = assert(core.udp_bind(host, 0))
      local h, port = u:sockname()
      assert.equal(host, h)
      assert.is_true(port > 0 and port <= 65535)
      assert.is_true(math.floor(u:fd()) == u:fd() and u:fd() >= 0)
      assert.is_true(u:sendto("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", host, port))
      local data, peer, pport, truncated = recv(u)
      assert.equal("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", data)
      assert.equal(host, peer)
      assert.equal(port, pport)
      assert.is_false(truncated)
      local r = core.log_parse(data)
      assert.equal("rfc3164", r.format)
      assert.equal("10.0.0.99", r.host)
      u:close()
    end)
  end

  it("cuts a 9000-byte datagram at 8192 bytes and flags it", function()
    local u = assert(core.udp_bind("127.0.0.1", 0))
    local _, port = u:sockname()
    local big = ("0123456789"):rep(900)
    assert.is_true(u:sendto(big, "127.0.0.1", port))
    local data, _, _, truncated = recv(u)
    assert.equal(MAX, #data)
    assert.equal(big:sub(1, MAX), data)
    assert.is_true(truncated)
    -- exactly 8192 bytes is whole
    assert.is_true(u:sendto(big:sub(1, MAX), "127.0.0.1", port))
    data, _, _, truncated = recv(u)
    assert.equal(MAX, #data)
    assert.is_false(truncated)
    u:close()
  end)

  it("returns nil, \"again\" when nothing is waiting", function()
    local u = assert(core.udp_bind("::1", 0))
    local v, err = u:recv()
    assert.is_nil(v)
    assert.equal("again", err)
    u:close()
  end)

  it("refuses names and bad ports as argument errors, without a lookup", function()
    local ok, err = pcall(core.udp_bind, "localhost", 0)
    assert.is_false(ok)
    assert.truthy(err:find('bad argument #1', 1, true), err)
    assert.truthy(err:find('udp: bind: "localhost" is not a numeric IPv4 or IPv6 address', 1, true), err)
    assert.has_error(function() core.udp_bind("example.invalid", 514) end)
    assert.has_error(function() core.udp_bind("127.0.0.1", 65536) end)
    assert.has_error(function() core.udp_bind("127.0.0.1", -1) end)
    assert.has_error(function() core.udp_bind("127.0.0.1", 1.5) end)
    assert.has_error(function() core.udp_bind("127.0.0.1") end)
    local u = assert(core.udp_bind("127.0.0.1", 0))
    assert.has_error(function() u:sendto("x", "localhost", 514) end)
    assert.has_error(function() u:sendto("x", "127.0.0.1", 0) end)
    assert.has_error(function() u:sendto("x", "::1", 514) end)   -- IPv6 on an IPv4 socket
    u:close()
  end)

  it("reports a port in use (no SO_REUSEADDR sharing) with kind connect", function()
    local a = assert(core.udp_bind("127.0.0.1", 0))
    local _, port = a:sockname()
    local v, err, info = core.udp_bind("127.0.0.1", port)
    assert.is_nil(v)
    local prefix = ("udp: bind 127.0.0.1 port %d: "):format(port)
    assert.equal(prefix, err:sub(1, #prefix))
    assert.truthy(err:find("in use", 1, true), err)
    assert.equal("connect", info.kind)
    a:close()
    local b = assert(core.udp_bind("127.0.0.1", port))   -- free again after close
    b:close()
  end)

  it("binds \"::\" and \"0.0.0.0\" on the same port side by side (IPV6_V6ONLY)", function()
    local ok
    for _ = 1, 5 do   -- the v6 port may be taken on v4 by someone else: retry
      local six = assert(core.udp_bind("::", 0))
      local h, port = six:sockname()
      assert.equal("::", h)
      local four = core.udp_bind("0.0.0.0", port)
      if four then
        assert.same({ "0.0.0.0", port }, { four:sockname() })
        four:close()
        ok = true
      end
      six:close()
      if ok then break end
    end
    assert.is_true(ok)
  end)

  it("close is idempotent; a closed socket answers nil, \"udp: closed\"", function()
    local u = assert(core.udp_bind("127.0.0.1", 0))
    u:close()
    u:close()
    for _, m in ipairs({ "recv", "sockname", "fd" }) do
      local v, err, info = u[m](u)
      assert.is_nil(v)
      assert.equal("udp: closed", err)
      assert.equal("closed", info.kind)
    end
    local v, err = u:sendto("x", "127.0.0.1", 9)
    assert.is_nil(v)
    assert.equal("udp: closed", err)
    assert.equal("gwkit.udp (closed)", tostring(u))
  end)

  it("__gc closes the socket", function()
    local u = assert(core.udp_bind("127.0.0.1", 0))
    local _, port = u:sockname()
    u = nil   -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    local again = assert(core.udp_bind("127.0.0.1", port))
    again:close()
  end)

  it("receives malformed datagrams and log_parse takes them", function()
    local u = assert(core.udp_bind("127.0.0.1", 0))
    local _, port = u:sockname()
    local bin = {}
    for i = 0, 255 do bin[#bin + 1] = string.char(i) end
    local cases = { "", table.concat(bin), ("\0"):rep(MAX), "<>", "<999>x", "<13>",
                    "<165>1 - - - - - [broken", "\255\254<13>Oct 11 22:14:15 h t: m" }
    for _, d in ipairs(cases) do
      assert.is_true(u:sendto(d, "127.0.0.1", port))
      local data, _, _, truncated = recv(u)
      assert.equal(d, data)
      assert.is_false(truncated)
      local r = assert(core.log_parse(data))
      assert.is_string(r.format)
      assert.is_string(r.msg)
    end
    u:close()
  end)
end)
