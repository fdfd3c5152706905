-- gwkit.rt: Yamaha's rt.mail{...} on top of gwkit.smtp.
-- The field checks and the mapping to smtp.send arguments are tested through
-- rt._mail_args; the sending itself is the SMTP layer's (tested there, against
-- real servers). rt.mail's own result handling is tested with a stand-in
-- gwkit.smtp module placed in package.loaded for the duration of a test.

local support = require "support"
local rt = require "gwkit.rt"

local function base(extra)
  local t = {
    smtp_address = "smtp.example.jp",
    from = "router@example.jp",
    to = "admin@example.jp",
    subject = "PD changed",
    text = "prefix changed",
  }
  for k, v in pairs(extra or {}) do
    if v == "nil" then t[k] = nil else t[k] = v end
  end
  return t
end

local error_of = support.error_of

local function invalid(field)
  return "'rt.mail': '" .. field .. "' field value of argument #1 is invalid."
end

describe("rt.mail: errors worded like the router's", function()
  local cases = {
    -- required fields
    { "no smtp_address", { smtp_address = "nil" }, invalid("smtp_address") },
    { "no from", { from = "nil" }, invalid("from") },
    { "no to", { to = "nil" }, invalid("to") },
    -- wrong types
    { "smtp_address number", { smtp_address = 1 }, invalid("smtp_address") },
    { "smtp_port table", { smtp_port = {} }, invalid("smtp_port") },
    { "smtp_auth_name number", { smtp_auth_name = 1 }, invalid("smtp_auth_name") },
    { "smtp_auth_password boolean", { smtp_auth_name = "u", smtp_auth_password = true },
      invalid("smtp_auth_password") },
    { "smtp_auth_protocol number", { smtp_auth_protocol = 1 }, invalid("smtp_auth_protocol") },
    { "smtp_encrypt boolean", { smtp_encrypt = true }, invalid("smtp_encrypt") },
    { "from table", { from = {} }, invalid("from") },
    { "to number", { to = 5 }, invalid("to") },
    { "subject number", { subject = 5 }, invalid("subject") },
    { "text table", { text = {} }, invalid("text") },
    { "text number", { text = 5 }, invalid("text") },
    { "preface_of_text number", { preface_of_text = 1 }, invalid("preface_of_text") },
    { "timeout string", { timeout = "10" }, invalid("timeout") },
    { "allow_plaintext_auth string", { allow_plaintext_auth = "yes" }, invalid("allow_plaintext_auth") },
    { "trace string", { trace = "yes" }, invalid("trace") },
    -- wrong values
    { "empty smtp_address", { smtp_address = "" }, invalid("smtp_address") },
    { "smtp_address with a space", { smtp_address = "smtp example" }, invalid("smtp_address") },
    { "smtp_address with CRLF", { smtp_address = "smtp\r\nx" }, invalid("smtp_address") },
    { "port 0", { smtp_port = 0 }, invalid("smtp_port") },
    { "port 65536", { smtp_port = 65536 }, invalid("smtp_port") },
    { "port 25.5", { smtp_port = 25.5 }, invalid("smtp_port") },
    { "port 'abc'", { smtp_port = "abc" }, invalid("smtp_port") },
    { "unknown smtp_auth_protocol", { smtp_auth_protocol = "ntlm" }, invalid("smtp_auth_protocol") },
    { "unknown smtp_encrypt", { smtp_encrypt = "ssl3" }, invalid("smtp_encrypt") },
    { "protocol without a name", { smtp_auth_protocol = "plain" }, invalid("smtp_auth_name") },
    { "name without a password", { smtp_auth_name = "u" }, invalid("smtp_auth_password") },
    { "empty password", { smtp_auth_name = "u", smtp_auth_password = "" }, invalid("smtp_auth_password") },
    { "name with CRLF", { smtp_auth_name = "u\r\nQUIT", smtp_auth_password = "p" }, invalid("smtp_auth_name") },
    { "bad from address", { from = "router" }, invalid("from") },
    { "from with CRLF", { from = "r@example.jp\r\nBcc: x@y" }, invalid("from") },
    { "bad to address", { to = "admin" }, invalid("to") },
    { "to with CRLF", { to = "a@example.jp\r\nBcc: x@y" }, invalid("to") },
    { "empty to", { to = "" }, invalid("to") },
    { "empty to table", { to = {} }, invalid("to") },
    { "to table with a number", { to = { "a@example.jp", 5 } }, invalid("to") },
    { "to table with a hole", { to = { "a@example.jp", nil, "b@example.jp" } }, invalid("to") },
    { "to table with a name key", { to = { x = "a@example.jp" } }, invalid("to") },
    { "subject with CRLF", { subject = "hi\r\nBcc: x@y" }, invalid("subject") },
    { "subject with LF", { subject = "hi\nX: y" }, invalid("subject") },
    { "timeout 0", { timeout = 0 }, invalid("timeout") },
    { "timeout NaN", { timeout = 0 / 0 }, invalid("timeout") },
    -- what gwkit cannot do
    { "pop-before-smtp", { smtp_auth_protocol = "pop-before-smtp" },
      "'rt.mail': 'smtp_auth_protocol' field value of argument #1 is not supported by gwkit: pop-before-smtp." },
    { "digest-md5", { smtp_auth_protocol = "DIGEST-MD5", smtp_auth_name = "u", smtp_auth_password = "p" },
      "'rt.mail': 'smtp_auth_protocol' field value of argument #1 is not supported by gwkit: digest-md5." },
    -- fields neither the router nor gwkit has
    { "an unknown field", { pop_address = "pop.example.jp" },
      "'rt.mail': 'pop_address' field of argument #1 is unknown." },
  }
  for _, c in ipairs(cases) do
    it("raises for " .. c[1], function()
      assert.are.equal(c[3], error_of(rt._mail_args, base(c[2])))
      assert.are.equal(c[3], error_of(rt.mail, base(c[2])))
    end)
  end

  for _, v in ipairs({ "string", 42, true }) do
    it("raises for a non-table argument (" .. type(v) .. ")", function()
      assert.are.equal("'rt.mail': argument #1 is invalid.", error_of(rt.mail, v))
    end)
  end
  it("raises for no argument", function()
    assert.are.equal("'rt.mail': argument #1 is invalid.", error_of(rt.mail))
  end)
end)

describe("rt.mail: mapping to smtp.send", function()
  it("maps the minimal call", function()
    assert.are.same({
      server = "smtp.example.jp", port = 25, tls = "none",
      from = "router@example.jp", to = { "admin@example.jp" },
      subject = "PD changed", text = "prefix changed",
    }, rt._mail_args(base()))
  end)

  -- TLS mode: smtp_encrypt when given, else what the port implies
  local tls_cases = {
    { {}, 25, "none" },
    { { smtp_port = 25 }, 25, "none" },
    { { smtp_port = 465 }, 465, "tls" },
    { { smtp_port = 587 }, 587, "starttls" },
    { { smtp_port = "587" }, 587, "starttls" },
    { { smtp_port = 2525 }, 2525, "starttls" },
    { { smtp_encrypt = "smtps" }, 465, "tls" },
    { { smtp_encrypt = "tls" }, 465, "tls" },
    { { smtp_encrypt = "SMTPS" }, 465, "tls" },
    { { smtp_encrypt = "starttls" }, 587, "starttls" },
    { { smtp_encrypt = "none" }, 25, "none" },
    { { smtp_encrypt = "starttls", smtp_port = 25 }, 25, "starttls" },
    { { smtp_encrypt = "none", smtp_port = 587 }, 587, "none" },
    { { smtp_encrypt = "smtps", smtp_port = 10465 }, 10465, "tls" },
  }
  for _, c in ipairs(tls_cases) do
    local label = {}
    for k, v in pairs(c[1]) do label[#label + 1] = k .. "=" .. tostring(v) end
    table.sort(label)
    it("port and TLS for {" .. table.concat(label, ", ") .. "} -> " .. c[2] .. " " .. c[3], function()
      local a = rt._mail_args(base(c[1]))
      assert.are.equal(c[2], a.port)
      assert.are.equal(c[3], a.tls)
    end)
  end

  -- authentication
  local auth = { smtp_auth_name = "someone@example.jp", smtp_auth_password = "secret" }
  local function with_auth(extra)
    local t = { smtp_auth_name = auth.smtp_auth_name, smtp_auth_password = auth.smtp_auth_password }
    for k, v in pairs(extra) do t[k] = v end
    return t
  end
  local auth_cases = {
    { "default with a name is auto", with_auth({}), true, nil },
    { "auto", with_auth({ smtp_auth_protocol = "auto" }), true, nil },
    { "plain", with_auth({ smtp_auth_protocol = "plain" }), true, { "PLAIN" } },
    { "login", with_auth({ smtp_auth_protocol = "login" }), true, { "LOGIN" } },
    { "cram-md5", with_auth({ smtp_auth_protocol = "cram-md5" }), true, { "CRAM-MD5" } },
    { "CRAM-MD5 upper case", with_auth({ smtp_auth_protocol = "CRAM-MD5" }), true, { "CRAM-MD5" } },
    { "scram-sha-256", with_auth({ smtp_auth_protocol = "scram-sha-256" }), true, { "SCRAM-SHA-256" } },
    { "scram-sha-1", with_auth({ smtp_auth_protocol = "scram-sha-1" }), true, { "SCRAM-SHA-1" } },
    { "none, even with a name", with_auth({ smtp_auth_protocol = "none" }), false, nil },
    { "no name: none", {}, false, nil },
  }
  for _, c in ipairs(auth_cases) do
    it("authentication: " .. c[1], function()
      local a = rt._mail_args(base(c[2]))
      if c[3] then
        assert.are.equal("someone@example.jp", a.user)
        assert.are.equal("secret", a.password)
      else
        assert.is_nil(a.user)
        assert.is_nil(a.password)
      end
      assert.are.same(c[4], a.mechanisms)
    end)
  end

  it("never turns on plaintext authentication by itself", function()
    local a = rt._mail_args(base(with_auth({ smtp_port = 25 })))
    assert.is_nil(a.allow_plaintext_auth)
    a = rt._mail_args(base(with_auth({ smtp_port = 25, allow_plaintext_auth = true })))
    assert.is_true(a.allow_plaintext_auth)
  end)

  local to_cases = {
    { "admin@example.jp", { "admin@example.jp" } },
    { "a@example.jp,b@example.jp", { "a@example.jp", "b@example.jp" } },
    { " a@example.jp , B <b@example.jp> ", { "a@example.jp", "B <b@example.jp>" } },
    { '"Doe, John" <j@example.jp>, k@example.jp', { '"Doe, John" <j@example.jp>', "k@example.jp" } },
    { { "a@example.jp", " b@example.jp " }, { "a@example.jp", "b@example.jp" } },
  }
  for _, c in ipairs(to_cases) do
    it("to " .. (type(c[1]) == "string" and c[1] or "{table}"), function()
      assert.are.same(c[2], rt._mail_args(base({ to = c[1] })).to)
    end)
  end

  it("keeps a display name in from", function()
    assert.are.equal("Router <router@example.jp>", rt._mail_args(base({ from = "Router <router@example.jp>" })).from)
  end)

  local preface_cases = {
    { "a string on a line of its own", "[RTX830]", "body", "[RTX830]\nbody" },
    { "a string already ending in a line break", "header\n", "body", "header\nbody" },
    { "an empty string", "", "body", "body" },
    { "a string with no text", "only", nil, "only" },
    { "true (a router switch: no effect)", true, "body", "body" },
    { "false", false, "body", "body" },
  }
  for _, c in ipairs(preface_cases) do
    it("preface_of_text: " .. c[1], function()
      local t = base({ preface_of_text = c[2] })
      t.text = c[3]
      assert.are.equal(c[4], rt._mail_args(t).text)
    end)
  end

  it("defaults subject and text to empty strings", function()
    local a = rt._mail_args(base({ subject = "nil", text = "nil" }))
    assert.are.equal("", a.subject)
    assert.are.equal("", a.text)
  end)

  it("passes timeout and trace through", function()
    local trace = function() end
    local a = rt._mail_args(base({ timeout = 15, trace = trace }))
    assert.are.equal(15, a.timeout)
    assert.are.equal(trace, a.trace)
  end)

  it("passes a non-ASCII subject and text through for gwkit.mime to encode", function()
    local a = rt._mail_args(base({ subject = "ルータ警告: PD 変更", text = "本文" }))
    assert.are.equal("ルータ警告: PD 変更", a.subject)
    assert.are.equal("本文", a.text)
  end)
end)

describe("rt.mail: result", function()
  local saved
  before_each(function() saved = package.loaded["gwkit.smtp"] end)
  after_each(function() package.loaded["gwkit.smtp"] = saved end)

  it("returns true when smtp.send succeeds, with the mapped arguments", function()
    local got
    package.loaded["gwkit.smtp"] = {
      send = function(args) got = args return { mechanism = "PLAIN", attempts = {} } end,
    }
    local ok, err = rt.mail(base({ smtp_port = 587, smtp_auth_name = "u", smtp_auth_password = "p" }))
    assert.is_true(ok)
    assert.is_nil(err)
    assert.are.same(rt._mail_args(base({ smtp_port = 587, smtp_auth_name = "u", smtp_auth_password = "p" })), got)
  end)

  it("returns false, the message and info when smtp.send fails", function()
    local info = { kind = "auth_failed", attempts = {} }
    package.loaded["gwkit.smtp"] = {
      send = function() return nil, "auth: every mechanism refused", info end,
    }
    local ok, err, inf = rt.mail(base())
    assert.is_false(ok)
    assert.are.equal("auth: every mechanism refused", err)
    assert.are.equal(info, inf)
  end)
end)
