-- scripts/hgw-dump against the emulated PR-600MI (tests/servers/hgw_emu.py).
local support = require "support"
local hs = require "hgw_support"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"
local PW = "Gw-pass 1"

local function dump(args, env)
  local dir = support.tmpdir("hgwdumprun")
  support.sh(("cd %s && %s %s %s/scripts/hgw-dump %s > %s/out 2> %s/err; echo $? > %s/rc")
    :format(dir, env or "", LUA, support.top, args, dir, dir, dir))
  return tonumber(support.read(dir .. "/rc")), support.read(dir .. "/out") or "",
         support.read(dir .. "/err") or "", dir
end

describe("hgw-dump", function()
  local emu
  setup(function()
    emu = hs.start{ password = PW, charset = "euc-jp" }
    emu.client("nvr510", "bind", { duid = "00:03:00:01:02:00:5e:10:00:01" })
  end)
  teardown(function() emu.stop() end)

  it("saves every page of the profile and the pages they link to", function()
    local out = support.tmpdir("hgwdumpout")
    local rc, stdout, stderr = dump(("--address %s --out %s"):format(emu.address, out),
                                    "HGW_PASSWORD=" .. hs.quote(PW))
    assert.equal(0, rc, stderr)
    assert.equal("", stderr)
    local base = out .. "/ntt_information_fifth_current"
    local raw = assert(support.read(base .. ".raw"))
    assert.truthy(raw:find("charset=EUC-JP", 1, true))
    assert.is_nil(raw:find("接続中", 1, true))                        -- EUC-JP bytes, as received
    assert.truthy(support.read(base .. ".utf8.html"):find("接続中", 1, true))
    local rows = support.read(base .. ".rows.txt")
    assert.truthy(rows:find("## [ IPv6接続状態 ]", 1, true))
    assert.truthy(rows:find("IPv6プレフィックス | 2001:db8:1234:5600::/56", 1, true))
    assert.truthy(support.read(out .. "/ntt_information_dhcpV6Server.rows.txt")
      :find("2001:db8:1234:5610::/60 | 00:03:00:01:02:00:5e:10:00:01", 1, true))
    assert.truthy(support.read(out .. "/ntt_information_dhcpV4Server.raw"))  -- a page of the profile
    assert.truthy(support.read(out .. "/ntt_top.raw"))                       -- reached by a link only
    assert.matches("logged in to " .. emu.address .. " (Digest, current password)", stdout, 1, true)
    assert.matches("status: mac 00:00:5e:00:53:01, wan_mac 00:00:5e:00:53:02, firmware 1.02.03, " ..
                   "wan_ipv4 203.0.113.45, ipv6 connected, prefix 2001:db8:1234:5600::/56", stdout, 1, true)
    assert.matches("leases: 1\n  2001:db8:1234:5610::/60 duid 00:03:00:01:02:00:5e:10:00:01", stdout, 1, true)
    assert.is_nil(stdout:find(PW, 1, true))
  end)

  it("takes the password from a file", function()
    local dir = support.tmpdir("hgwdumppw")
    support.write(dir .. "/pw", PW .. "\n")
    local rc, stdout = dump(("--address %s --password-file %s --out %s/o --max-pages 1")
                            :format(emu.address, dir .. "/pw", dir))
    assert.equal(0, rc)
    assert.matches("(stopped at --max-pages 1)", stdout, 1, true)
    assert.truthy(support.read(dir .. "/o/ntt_information_fifth_current.raw"))
    assert.is_nil(support.read(dir .. "/o/ntt_top.raw"))
  end)

  it("names a missing label, saves the page and exits 1", function()
    local broken = hs.start{ password = PW }
    broken.control("set", { drop_labels = { "IPv6プレフィックス" } })
    local out = support.tmpdir("hgwdumpbroken")
    local rc, stdout, stderr = dump(("--address %s --out %s"):format(broken.address, out),
                                    "HGW_PASSWORD=" .. hs.quote(PW))
    assert.equal(1, rc)
    assert.equal(("hgw-dump: hgw: page 'status' (/ntt/information/fifth/current): label " ..
                  "'IPv6プレフィックス' not found in section 'IPv6' (page saved to %s/hgw-pr600mi-status.html)\n")
                 :format(out), stderr)
    assert.truthy(support.read(out .. "/hgw-pr600mi-status.html"))
    assert.truthy(support.read(out .. "/ntt_information_fifth_current.rows.txt"))
    assert.matches("leases: 0", stdout, 1, true)
    broken.stop()
  end)

  it("says the login was refused, with the login's message, and prints no password", function()
    local rc, stdout, stderr = dump(("--address %s"):format(emu.address), "HGW_PASSWORD=Wrong-9")
    assert.equal(1, rc)
    assert.equal(('hgw-dump: hgw: %s rejected user "user" (password changed, or the gateway ' ..
                  'was reset or replaced?)\n'):format(emu.address), stderr)
    assert.is_nil((stdout .. stderr):find("Wrong-9", 1, true))
  end)

  it("says so when the gateway cannot be reached", function()
    local rc, _, stderr = dump("--address 127.0.0.1:1 --timeout 2", "HGW_PASSWORD=x")
    assert.equal(1, rc)
    assert.matches("^hgw%-dump: hgw: no gateway found %(tried: address 127%.0%.0%.1:1: .*refused", stderr)
  end)

  it("refuses a password on the command line, and explains itself with --help", function()
    local rc, _, stderr = dump("--address 127.0.0.1 --password secret")
    assert.equal(2, rc)
    assert.matches("--password is not accepted", stderr, 1, true)
    rc, _, stderr = dump("--address 127.0.0.1")
    assert.equal(2, rc)
    assert.matches("no password: set $HGW_PASSWORD or use --password-file", stderr, 1, true)
    local out
    rc, out = dump("--help")
    assert.equal(0, rc)
    assert.matches("usage: hgw-dump", out, 1, true)
  end)
end)
