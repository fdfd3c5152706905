-- The system CA store (no cafile, no capath): the hashed directory
-- (SSL_CERT_DIR) is read lazily; the bundle file (SSL_CERT_FILE) only when
-- a chain needs an issuer the directory lacks, and then only the
-- certificates with that subject, or the whole file when none matches or
-- it holds OpenSSL's trusted format (cext/net/tls.c, cabundle.c). Each
-- case runs a send in a child interpreter with its own SSL_CERT_DIR and
-- SSL_CERT_FILE, against the fault server holding a certificate signed by
-- a CA made here.
local support = require "support"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"

local function sh(cmd)
  local ok = os.execute(cmd)
  return ok == true or ok == 0
end

local pki, srv

local function openssl(args)
  assert(sh("openssl " .. args .. " >/dev/null 2>&1"), "openssl " .. args)
end

-- CA and server certificate (CN localhost, SAN 127.0.0.1), and an unrelated CA.
local function make_pki(dir)
  local ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
  for _, name in ipairs({ "ca", "other" }) do
    openssl(("req -x509 %s -keyout %s/%s.key -out %s/%s.pem -days 2 -subj '/CN=gwkit %s CA' "
      .. "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign")
      :format(ec, dir, name, dir, name, name))
  end
  openssl(("req %s -keyout %s/key.pem -out %s/srv.csr -subj /CN=localhost"):format(ec, dir, dir))
  support.write(dir .. "/ext.cnf", "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
    .. "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
  openssl(("x509 -req -in %s/srv.csr -CA %s/ca.pem -CAkey %s/ca.key -CAcreateserial "
    .. "-out %s/cert.pem -days 2 -extfile %s/ext.cnf"):format(dir, dir, dir, dir, dir))
end

-- A hashed directory holding the named certificates of the pki.
local function hashed(name, certs)
  local d = pki .. "/" .. name
  assert(sh("mkdir -p " .. d))
  for _, c in ipairs(certs) do assert(sh(("cp %s/%s.pem %s/"):format(pki, c, d))) end
  openssl("rehash " .. d)
  return d
end

-- A send in a child process with this CA environment; "OK" or the error.
local function send_with(cert_dir, cert_file)
  local code = ([[
    local smtp = require "gwkit.smtp"
    local res, err = smtp.send{ server = "127.0.0.1", port = %d,
      user = "someone@example.jp", password = "Secret-42", from = "someone@example.jp",
      to = "admin@example.jp", subject = "store", text = "x\n", timeout = 5 }
    io.write(res and "OK" or err)]]):format(srv.port)
  support.write(pki .. "/send.lua", code)
  local p = io.popen(("SSL_CERT_DIR='%s' SSL_CERT_FILE='%s' %s %s/send.lua 2>&1")
    :format(cert_dir, cert_file, LUA, pki))
  local out = p:read("*a")
  p:close()
  return out
end

describe("the system CA store", function()
  setup(function()
    pki = support.tmpdir("tls-store")
    make_pki(pki)
    srv = support.quirk("normal", { tls = false, extra = {
      "--cert", pki .. "/cert.pem", "--key", pki .. "/key.pem" } })
    support.write(pki .. "/bundle.pem", support.read(pki .. "/other.pem") .. support.read(pki .. "/ca.pem"))
    support.write(pki .. "/other-bundle.pem", support.read(pki .. "/other.pem"))
  end)

  it("trusts a CA found in the hashed directory, with no bundle at all", function()
    assert.equal("OK", send_with(hashed("dir-ca", { "other", "ca" }), pki .. "/no-such-file"))
  end)

  it("trusts a CA found only in the bundle (a directory without it, or none)", function()
    assert.equal("OK", send_with(hashed("dir-other", { "other" }), pki .. "/bundle.pem"))
    assert.equal("OK", send_with(pki .. "/no-such-dir", pki .. "/bundle.pem"))
  end)

  it("picks the CA out of the bundle without reading the rest (a broken block after it)", function()
    -- OpenSSL's whole-file reading gives up at the broken block and trusts nothing of the file
    support.write(pki .. "/broken-bundle.pem", support.read(pki .. "/ca.pem")
      .. "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    assert.equal("OK", send_with(pki .. "/no-such-dir", pki .. "/broken-bundle.pem"))
  end)

  it("honours a bundle in OpenSSL's trusted format (read whole, as OpenSSL reads it)", function()
    openssl(("x509 -in %s/ca.pem -addtrust serverAuth -trustout -out %s/trusted.pem"):format(pki, pki))
    support.write(pki .. "/trusted-bundle.pem",
      support.read(pki .. "/other.pem") .. support.read(pki .. "/trusted.pem"))
    assert.equal("OK", send_with(pki .. "/no-such-dir", pki .. "/trusted-bundle.pem"))
  end)

  it("takes every directory of a colon-separated SSL_CERT_DIR", function()
    local dirs = hashed("d1", { "other" }) .. ":" .. hashed("d2", { "ca" })
    assert.equal("OK", send_with(dirs, pki .. "/other-bundle.pem"))
  end)

  it("refuses the server when neither the directory nor the bundle has its CA", function()
    local out = send_with(hashed("dir-only-other", { "other" }), pki .. "/other-bundle.pem")
    assert.matches("tls: certificate of 127%.0%.0%.1 not trusted", out)
    out = send_with(pki .. "/no-such-dir", pki .. "/no-such-file")
    assert.matches("not trusted", out)
  end)
end)
