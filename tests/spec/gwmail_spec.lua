-- scripts/gwmail, run as a user runs it, against the fault server.
local support = require "support"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"
local GWMAIL = support.top .. "/scripts/gwmail"

-- Runs gwmail with args and stdin; returns exit status, stdout, stderr.
local function gwmail(args, input, env)
  local dir = support.tmpdir("gwmail")
  support.write(dir .. "/in", input or "")
  local cmd = ("%s %s %s %s < %s/in > %s/out 2> %s/err; echo $? > %s/rc")
    :format(env or "", LUA, GWMAIL, args, dir, dir, dir, dir)
  support.sh(cmd)
  return tonumber(support.read(dir .. "/rc")), support.read(dir .. "/out"), support.read(dir .. "/err")
end

describe("gwmail", function()
  it("prints its usage with --help", function()
    local rc, out = gwmail("--help")
    assert.equal(0, rc)
    assert.matches("usage: gwmail", out)
    assert.matches("%-%-probe", out)
  end)

  it("refuses a password on the command line", function()
    local rc, _, err = gwmail("-s 127.0.0.1 --password hunter2 -f a@x -t b@x")
    assert.equal(2, rc)
    assert.matches("password%-file", err)
  end)

  it("names an unknown option", function()
    local rc, _, err = gwmail("--frobnicate")
    assert.equal(2, rc)
    assert.matches("unknown option %-%-frobnicate", err)
  end)

  it("sends through the ISP quirk on the first try, the fallback visible in --trace", function()
    local srv = support.quirk("isp")
    local dir = support.tmpdir("pw")
    support.write(dir .. "/pw", "Secret-42\n")
    local rc, _, err = gwmail(("-s 127.0.0.1 -p %d --cafile %s -u someone@example.jp " ..
      "--password-file %s/pw -m CRAM-MD5,PLAIN,LOGIN -f someone@example.jp " ..
      "-t admin@example.jp --subject 'PD alert' --trace"):format(srv.port, srv.cafile, dir),
      "prefix changed\n")
    assert.equal(0, rc, err)
    assert.truthy(err:find("C: AUTH CRAM-MD5", 1, true))
    assert.truthy(err:find("S: 535 CRAM-MD5 not supported for someone@example.jp", 1, true))
    assert.truthy(err:find("C: AUTH PLAIN <redacted>", 1, true))
    assert.truthy(err:find("mechanisms tried: CRAM-MD5 refused", 1, true))
    assert.is_nil(err:find("Secret-42", 1, true))
    assert.truthy(support.read(srv.dir .. "/1.eml"):find("prefix changed", 1, true))
  end)

  it("takes the password from an environment variable", function()
    local srv = support.quirk("isp")
    local rc, _, err = gwmail(("-s 127.0.0.1 -p %d --cafile %s -u someone@example.jp " ..
      "-f someone@example.jp -t admin@example.jp"):format(srv.port, srv.cafile),
      "x\n", "GWMAIL_PASSWORD=Secret-42")
    assert.equal(0, rc, err)
    assert.matches("sent via 127%.0%.0%.1 %(TLSv1%.3%), AUTH PLAIN", err)
  end)

  it("exits 1 and lists every attempt when nothing works", function()
    local srv = support.quirk("isp")
    local rc, _, err = gwmail(("-s 127.0.0.1 -p %d --cafile %s -u someone@example.jp " ..
      "-f someone@example.jp -t admin@example.jp"):format(srv.port, srv.cafile),
      "x\n", "GWMAIL_PASSWORD=wrong")
    assert.equal(1, rc)
    assert.matches("not sent", err)
    assert.matches("tried PLAIN: 535", err)
    assert.matches("tried CRAM%-MD5: 535", err)
  end)

  it("probes TLS versions, capabilities and working mechanisms", function()
    local srv = support.quirk("isp", { lifetime = 90 })
    local dir = support.tmpdir("pw")
    support.write(dir .. "/pw", "Secret-42\n")
    local rc, out, err = gwmail(("--probe 127.0.0.1 -p %d --cafile %s -u someone@example.jp " ..
      "--password-file %s/pw"):format(srv.port, srv.cafile, dir))
    assert.equal(0, rc, err)
    assert.matches("TLS versions%s+1%.0 no, 1%.1 no, 1%.2 yes, 1%.3 yes", out)
    assert.matches("EHLO before TLS%s+PIPELINING STARTTLS", out)
    assert.matches("AUTH PLAIN%s+works", out)
    assert.matches("AUTH LOGIN%s+works", out)
    assert.matches("AUTH CRAM%-MD5%s+refused: 535 CRAM%-MD5 not supported", out)
  end)
end)
