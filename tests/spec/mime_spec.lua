-- gwkit.mime: message building (RFC 5322, 2045-2047, 2231).
-- The decoders below are written independently of the module (and checked
-- against RFC 2047's own examples) so that round trips test the encoder.

local mime = require "gwkit.mime"
local core = require "gwkit.core"

local CRLF = "\r\n"
local DATE = "Mon, 18 Sep 2023 15:45:29 +0900"
local JA_SUBJECT = "ルータ警告: PD 変更"

------------------------------------------------------------------------------
-- helpers
------------------------------------------------------------------------------

local function unhex(h) return string.char(tonumber(h, 16)) end

-- RFC 2047 decoding: B and Q, charset ignored (bytes returned as they are),
-- white space between two adjacent encoded words dropped (6.2).
local function decode_words(value)
  value = value:gsub("\r\n([ \t])", "%1")
  local out, pos, prev_was_word = {}, 1, false
  while true do
    local s, e, _, enc, text = value:find("=%?([^?]+)%?([BbQq])%?([^?]*)%?=", pos)
    local gap = value:sub(pos, (s or 0) - 1)
    if not s then gap = value:sub(pos) end
    if not (prev_was_word and s and gap:match("^[ \t]*$")) then out[#out + 1] = gap end
    if not s then break end
    if enc == "B" or enc == "b" then
      out[#out + 1] = assert(core.b64decode(text))
    else
      out[#out + 1] = (text:gsub("_", " "):gsub("=(%x%x)", unhex))
    end
    prev_was_word = true
    pos = e + 1
  end
  return table.concat(out)
end

local function qp_decode(s)
  s = s:gsub("=\r\n", "")
  return (s:gsub("=(%x%x)", unhex))
end

local function b64_decode(s)
  return assert(core.b64decode((s:gsub("\r\n", ""))))
end

-- headers (list of {name, raw value with folds}) and body of a message or part
local function split_message(msg)
  local hend = assert(msg:find("\r\n\r\n", 1, true), "no end of header")
  local head, body = msg:sub(1, hend + 1), msg:sub(hend + 4)
  local headers = {}
  for line in head:gmatch("(.-)\r\n") do
    if line:match("^[ \t]") then
      headers[#headers].raw = headers[#headers].raw .. CRLF .. line
    else
      local name, value = line:match("^([^:]+):(.*)$")
      assert(name, "bad header line: " .. line)
      headers[#headers + 1] = { name = name, raw = value }
    end
  end
  return headers, body
end

local function header(headers, name)
  for _, h in ipairs(headers) do
    if h.name:lower() == name:lower() then return h.raw end
  end
end

local function unfold(raw) return (raw:gsub("\r\n([ \t])", "%1"):gsub("^ ", "")) end

local function parts_of(body, boundary)
  local parts = {}
  local delim = "--" .. boundary
  local pos = assert(body:find(delim, 1, true))
  while true do
    local s = pos + #delim
    if body:sub(s, s + 1) == "--" then break end
    assert(body:sub(s, s + 1) == CRLF)
    local nxt = assert(body:find(CRLF .. delim, s, true))
    parts[#parts + 1] = body:sub(s + 2, nxt - 1)
    pos = nxt + 2
  end
  return parts
end

local function boundary_of(headers)
  return unfold(header(headers, "Content-Type")):match('boundary="([^"]+)"')
end

local function decode_body(headers, body)
  local cte = unfold(header(headers, "Content-Transfer-Encoding"))
  if cte == "base64" then return b64_decode(body) end
  if cte == "quoted-printable" then return qp_decode(body) end
  return body
end

local function lines(s)
  local out = {}
  for l in (s .. CRLF):gmatch("(.-)\r\n") do out[#out + 1] = l end
  return out
end

local function no_bare_cr_lf(s)
  return not s:gsub("\r\n", ""):find("[\r\n]")
end

local function build(t)
  t.from = t.from or "router@example.jp"
  t.to = t.to or "admin@example.jp"
  t.date = t.date or DATE
  t.message_id = t.message_id or "fixed@example.jp"
  return mime.build(t)
end

local function assert_refused(t, fragment)
  local msg, err = build(t)
  assert.is_nil(msg)
  assert.is_string(err)
  assert.are.equal("mime: ", err:sub(1, 6))
  assert.is_truthy(err:find(fragment, 1, true), "expected '" .. fragment .. "' in: " .. err)
end

------------------------------------------------------------------------------

describe("the spec's RFC 2047 decoder", function()
  -- RFC 2047 section 8, the examples of how white space is handled
  local cases = {
    { "(=?ISO-8859-1?Q?a?=)", "(a)" },
    { "(=?ISO-8859-1?Q?a?= b)", "(a b)" },
    { "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)" },
    { "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)" },
    { "(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)" },
    { "(=?ISO-8859-1?Q?a_b?=)", "(a b)" },
    { "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)" },
    { "=?US-ASCII?Q?Keith_Moore?=", "Keith Moore" },
  }
  for _, c in ipairs(cases) do
    it("decodes " .. c[1]:gsub("\r\n", "\\r\\n"), function()
      assert.are.equal(c[2], decode_words(c[1]))
    end)
  end
end)

describe("mime.encode_word", function()
  -- expected values computed with an independent base64 implementation
  local known = {
    { "ルータ", "=?UTF-8?B?44Or44O844K/?=" },
    { "Keld Jørn Simonsen", "=?UTF-8?B?S2VsZCBKw7hybiBTaW1vbnNlbg==?=" },   -- RFC 2047 8
    { "André Pirard", "=?UTF-8?B?QW5kcsOpIFBpcmFyZA==?=" },                  -- RFC 2047 8
    { JA_SUBJECT, "=?UTF-8?B?44Or44O844K/6K2m5ZGKOiBQRCDlpInmm7Q=?=" },
    { "", "" },
  }
  for _, c in ipairs(known) do
    it("encodes " .. c[1], function()
      assert.are.equal(c[2], mime.encode_word(c[1]))
    end)
  end

  it("splits long text into words of at most 75 characters, whole characters each", function()
    local s = string.rep("日本語のテキスト😀", 12)
    local v = assert(mime.encode_word(s, #"Subject: "))
    local n = 0
    for w in v:gmatch("=%?[^?]+%?B%?[^?]*%?=") do
      n = n + 1
      assert.is_true(#w <= 75)
      assert.is_true(mime.is_utf8(assert(core.b64decode(w:match("B%?(.*)%?=$")))))
    end
    assert.is_true(n > 1)
    assert.are.equal(s, decode_words(v))
    for _, l in ipairs(lines("Subject: " .. v)) do assert.is_true(#l <= 76) end
  end)

  it("refuses invalid UTF-8 and CR/LF/NUL", function()
    for _, bad in ipairs({ "\255", "a\r\nb", "a\0" }) do
      local v, err = mime.encode_word(bad)
      assert.is_nil(v)
      assert.is_string(err)
    end
  end)
end)

describe("mime.build: an ASCII-only message", function()
  it("is exactly as expected, byte for byte", function()
    local msg = assert(mime.build{
      from = "Router <router@example.jp>",
      to = { "admin@example.jp", "Ops Team <ops@example.jp>" },
      cc = "noc@example.jp",
      reply_to = "noreply@example.jp",
      subject = "PD changed on lan2",
      text = "prefix changed\nold: 2001:db8:1::/56\nnew: 2001:db8:2::/56\n",
      headers = { { "X-Gwkit-Alert", "pd-change" } },
      date = DATE,
      message_id = "<fixed@example.jp>",
    })
    assert.are.equal(table.concat({
      "Date: Mon, 18 Sep 2023 15:45:29 +0900",
      "From: Router <router@example.jp>",
      "To: admin@example.jp, Ops Team <ops@example.jp>",
      "Cc: noc@example.jp",
      "Reply-To: noreply@example.jp",
      "Subject: PD changed on lan2",
      "Message-ID: <fixed@example.jp>",
      "MIME-Version: 1.0",
      "X-Gwkit-Alert: pd-change",
      "Content-Type: text/plain; charset=UTF-8",
      "Content-Transfer-Encoding: 7bit",
      "",
      "prefix changed",
      "old: 2001:db8:1::/56",
      "new: 2001:db8:2::/56",
      "",
    }, CRLF), msg)
  end)

  it("folds a long ASCII subject at white space within 78 characters", function()
    local subject = ("interface lan2 lost its delegated prefix "):rep(5) .. "end"
    local msg = assert(build{ subject = subject })
    local headers = split_message(msg)
    local raw = header(headers, "Subject")
    assert.is_truthy(raw:find(CRLF, 1, true))
    assert.is_nil(raw:find("=?", 1, true))
    assert.are.equal(subject, unfold(raw))
    for _, l in ipairs(lines(msg)) do assert.is_true(#l <= 78) end
  end)
end)

describe("mime.build: a Japanese subject", function()
  local subjects = {
    JA_SUBJECT,
    string.rep(JA_SUBJECT .. " ", 8),
    "ＰＤ監視: HGW交換を検知しました（MAC アドレス変更）、再ログインに失敗 — パスワード変更？",
    "絵文字 😀🚨 と 4 バイト文字 𠮷野家 を含む件名" .. string.rep("あ", 40),
    "ascii then 日本語",
  }
  for i, s in ipairs(subjects) do
    it("round-trips through encoded words (" .. i .. ")", function()
      local msg = assert(build{ subject = s, text = "x" })
      local headers = split_message(msg)
      local raw = header(headers, "Subject")
      assert.are.equal(s, decode_words(raw:sub(2)))
      for w in raw:gmatch("=%?[^?]+%?B%?[^?]*%?=") do
        assert.is_true(#w <= 75, "word longer than 75: " .. w)
        local bytes = assert(core.b64decode(w:match("B%?(.*)%?=$")))
        assert.is_true(mime.is_utf8(bytes), "a word splits a UTF-8 character")
      end
      for _, l in ipairs(lines(msg)) do
        assert.is_true(#l <= 78, "line longer than 78: " .. l)
        if l:find("=?", 1, true) then assert.is_true(#l <= 76) end
      end
      assert.is_nil(raw:find("[\128-\255]"))
    end)
  end

  it("encodes a non-ASCII display name and keeps the address as is", function()
    local msg = assert(build{ from = { name = "ルータ 太郎", addr = "router@example.jp" } })
    local from = header(split_message(msg), "From")
    assert.are.equal("ルータ 太郎 <router@example.jp>", decode_words(from:sub(2)))
    assert.is_nil(from:find("[\128-\255]"))
  end)
end)

describe("mime.build: body transfer encoding", function()
  local cases = {
    { "short ASCII", "hello\nworld\n", "7bit" },
    { "ASCII with a 998-octet line", string.rep("a", 998) .. "\n", "7bit" },
    { "ASCII with a 999-octet line", string.rep("a", 999) .. "\n", "quoted-printable" },
    { "mostly ASCII with an accent", "Le café est prêt.\nSecond line.\n", "quoted-printable" },
    { "ASCII with a NUL", "a line with a NUL (\0) in it\n", "quoted-printable" },
    { "mostly NUL and control bytes", "\0\1\2\3x\n", "base64" },
    { "Japanese", "プレフィックスが変更されました。\n旧: 2001:db8:1::/56\n", "base64" },
    { "line starting with a dot", ".\n..\n.hidden\n", "7bit" },
    { "trailing white space, 8-bit", "naïve  \ntab\t\n", "quoted-printable" },
    { "empty", "", "7bit" },
  }
  for _, c in ipairs(cases) do
    it("uses " .. c[3] .. " for " .. c[1] .. " and decodes back", function()
      local msg = assert(build{ text = c[2] })
      local headers, body = split_message(msg)
      assert.are.equal(c[3], unfold(header(headers, "Content-Transfer-Encoding")))
      local decoded = decode_body(headers, body)
      local want = c[2]:gsub("\n", CRLF)
      if c[3] == "7bit" and want ~= "" then
        assert.are.equal(want, decoded)
      else
        -- the message ends in CRLF; the content itself is exact
        assert.are.equal(want, decoded:sub(1, #want))
      end
      for _, l in ipairs(lines(body)) do
        if c[3] ~= "7bit" then assert.is_true(#l <= 76) end
      end
      assert.is_true(no_bare_cr_lf(msg))
    end)
  end

  it("normalises every line end to CRLF", function()
    local msg = assert(build{ subject = "eol", text = "unix\nmac\rdos\r\nend" })
    local _, body = split_message(msg)
    assert.are.equal("unix\r\nmac\r\ndos\r\nend\r\n", body)
    assert.is_true(no_bare_cr_lf(msg))
  end)

  it("normalises line ends in a base64 body too", function()
    local msg = assert(build{ text = "一行目\n二行目\r三行目\r\n" })
    local headers, body = split_message(msg)
    assert.are.equal("一行目\r\n二行目\r\n三行目\r\n", decode_body(headers, body))
  end)
end)

describe("quoted-printable (RFC 2045 6.7)", function()
  local known = {
    { "a=b", "a=3Db" },
    { "caf\195\169", "caf=C3=A9" },
    { "trailing  ", "trailing =20" },
    { "tab\t", "tab=09" },
    { "inner space kept", "inner space kept" },
    { ".starts with a dot", "=2Estarts with a dot" },
    { "line\r\n.two", "line\r\n=2Etwo" },
    { "\0\127", "=00=7F" },
    { string.rep("x", 76), string.rep("x", 76) },
    { string.rep("x", 77), string.rep("x", 75) .. "=\r\nxx" },
    { string.rep("x", 74) .. "\195\169", string.rep("x", 74) .. "=\r\n=C3=A9" },
  }
  for _, c in ipairs(known) do
    it("encodes " .. c[1]:sub(1, 20):gsub("[%c\128-\255]", "?"), function()
      assert.are.equal(c[2], mime._qp_encode(c[1]))
    end)
  end

  it("round-trips arbitrary bytes with lines of at most 76 characters", function()
    math.randomseed(42)
    for _ = 1, 50 do
      local t, n = {}, math.random(0, 400)
      for i = 1, n do
        local r = math.random(1, 10)
        if r <= 6 then t[i] = string.char(math.random(32, 126))
        elseif r == 7 then t[i] = " "
        elseif r == 8 then t[i] = "\r\n"
        elseif r == 9 then t[i] = "."
        else t[i] = string.char(math.random(0, 255)):gsub("[\r\n]", "x") end
      end
      local s = table.concat(t)
      local e = mime._qp_encode(s)
      assert.are.equal(s, qp_decode(e))
      for _, l in ipairs(lines(e)) do
        assert.is_true(#l <= 76)
        assert.is_nil(l:find("[ \t]$"))
        assert.is_nil(l:find("^%."))
      end
    end
  end)
end)

describe("mime.build: attachments", function()
  local function attachment_parts(msg)
    local headers, body = split_message(msg)
    local b = boundary_of(headers)
    assert.is_string(b)
    assert.are.equal("multipart/mixed", unfold(header(headers, "Content-Type")):match("^[^;]+"))
    local out = {}
    for i, p in ipairs(parts_of(body, b)) do
      local ph, pb = split_message(p)
      out[i] = { headers = ph, body = pb, data = decode_body(ph, pb) }
    end
    return out, b, body
  end

  it("attaches data with a filename and a default content type", function()
    local data = "2023/09/18 15:45:28: [MAIL] 535 CRAM-MD5 not supported\n"
    local msg = assert(build{ text = "see the log", attachments = {
      { filename = "mail.log", data = data },
      { filename = "dump.bin", data = "\0\1\2\255\r\n\r" },
      { filename = "notes.TXT", data = "x" },
      { filename = "report", data = "{}", content_type = "application/json" },
    } })
    local parts = attachment_parts(msg)
    assert.are.equal(5, #parts)
    assert.are.equal("text/plain; charset=UTF-8", unfold(header(parts[1].headers, "Content-Type")))
    assert.are.equal("see the log", parts[1].data)
    local want = {
      { "text/plain", "mail.log", data },
      { "application/octet-stream", "dump.bin", "\0\1\2\255\r\n\r" },
      { "text/plain", "notes.TXT", "x" },
      { "application/json", "report", "{}" },
    }
    for i, w in ipairs(want) do
      local p = parts[i + 1]
      assert.are.equal(w[1], unfold(header(p.headers, "Content-Type")):match("^[^;]+"))
      assert.are.equal('attachment; filename="' .. w[2] .. '"',
        unfold(header(p.headers, "Content-Disposition")))
      assert.are.equal("base64", unfold(header(p.headers, "Content-Transfer-Encoding")))
      assert.are.equal(w[3], p.data)
      for _, l in ipairs(lines(p.body)) do assert.is_true(#l <= 76) end
    end
    assert.is_true(no_bare_cr_lf(msg))
  end)

  it("reads an attachment from a file, binary-safe", function()
    local path = os.tmpname()
    local data = {}
    for i = 0, 255 do data[#data + 1] = string.char(i) end
    data = table.concat(data):rep(40)
    local f = assert(io.open(path, "wb"))
    f:write(data)
    f:close()
    local msg = assert(build{ text = "attached", attachments = { { path = path } } })
    os.remove(path)
    local parts = attachment_parts(msg)
    assert.are.equal(data, parts[2].data)
    local name = path:match("([^/]+)$")
    assert.are.equal('attachment; filename="' .. name .. '"',
      unfold(header(parts[2].headers, "Content-Disposition")))
  end)

  it("names a non-ASCII file with RFC 2231 and never splits a character", function()
    local name = "ルーター障害ログ_2023年09月18日_プレフィックス委任の変更履歴.log"
    local msg = assert(build{ attachments = { { filename = name, data = "ok" } } })
    local parts = attachment_parts(msg)
    local cd = header(parts[2].headers, "Content-Disposition")
    local segs = {}
    for idx, v in unfold(cd):gmatch("filename%*(%d*)%*?=([^;]+)") do
      segs[#segs + 1] = { tonumber(idx) or 0, v }
    end
    assert.is_true(#segs > 1)
    local joined = {}
    for i, s in ipairs(segs) do
      assert.are.equal(i - 1, s[1])
      local v = s[2]
      if i == 1 then
        assert.are.equal("UTF-8''", v:sub(1, 7))
        v = v:sub(8)
      end
      local bytes = v:gsub("%%(%x%x)", unhex)
      assert.is_true(mime.is_utf8(bytes), "segment splits a character")
      joined[#joined + 1] = bytes
    end
    assert.are.equal(name, table.concat(joined))
    for _, l in ipairs(lines(msg)) do assert.is_true(#l <= 78) end
    assert.are.equal("text/plain", unfold(header(parts[2].headers, "Content-Type")):match("^[^;]+"))
  end)

  it("uses filename*= for a short non-ASCII name", function()
    local msg = assert(build{ attachments = { { filename = "ログ.txt", data = "x" } } })
    local parts = attachment_parts(msg)
    assert.are.equal("attachment; filename*=UTF-8''%E3%83%AD%E3%82%B0.txt",
      unfold(header(parts[2].headers, "Content-Disposition")))
  end)

  it("chooses a boundary that occurs in no part", function()
    for _ = 1, 20 do
      local msg = assert(build{ text = "--=_gwkit_ lines that look like boundaries\n--\n",
        attachments = { { filename = "a.txt", data = "--=_gwkit_00\r\n" } } })
      local parts, b = attachment_parts(msg)
      for _, p in ipairs(parts) do
        assert.is_nil(p.body:find(b, 1, true))
        assert.is_nil(p.data:find(b, 1, true))
      end
    end
  end)

  it("uses a new random boundary each time", function()
    local a = boundary_of((split_message(assert(build{ attachments = { { filename = "a", data = "" } } }))))
    local b = boundary_of((split_message(assert(build{ attachments = { { filename = "a", data = "" } } }))))
    assert.are_not.equal(a, b)
  end)

  it("refuses an unreadable path, naming it", function()
    local path = os.tmpname()
    os.remove(path)
    assert_refused({ attachments = { { path = path } } }, "attachments[1].path: cannot read")
  end)

  it("refuses data and path together, and neither", function()
    assert_refused({ attachments = { { filename = "a", data = "x", path = "/etc/hostname" } } },
      "attachments[1]: give data or path")
    assert_refused({ attachments = { { filename = "a" } } }, "attachments[1]: data or path is required")
  end)
end)

describe("mime.build: html alternative", function()
  it("sends text and html as multipart/alternative", function()
    local msg = assert(build{ text = "plain", html = "<p>富士山</p>" })
    local headers, body = split_message(msg)
    assert.are.equal("multipart/alternative", unfold(header(headers, "Content-Type")):match("^[^;]+"))
    local parts = parts_of(body, boundary_of(headers))
    assert.are.equal(2, #parts)
    local h2, b2 = split_message(parts[2])
    assert.are.equal("text/html; charset=UTF-8", unfold(header(h2, "Content-Type")))
    assert.are.equal("<p>富士山</p>", decode_body(h2, b2))
  end)
end)

describe("mime.build: injection and bad input are refused", function()
  local cases = {
    { "subject CRLF", { subject = "hi\r\nBcc: victim@example.com" }, "subject: contains CR, LF or NUL" },
    { "subject LF", { subject = "hi\nX: y" }, "subject" },
    { "subject NUL", { subject = "hi\0" }, "subject" },
    { "from CRLF", { from = "a@example.jp\r\nBcc: v@example.com" }, "from: address contains CR, LF or NUL" },
    { "from display CR", { from = { name = "x\ry", addr = "a@example.jp" } }, "from: display name" },
    { "to CRLF", { to = "b@example.jp\r\nBcc: v@example.com" }, "to: address contains CR, LF or NUL" },
    { "to list item LF", { to = { "ok@example.jp", "b@example.jp\nX: y" } }, "to[2]: address contains" },
    { "cc CR", { cc = "c@example.jp\r" }, "cc: " },
    { "reply_to LF", { reply_to = "r@example.jp\n" }, "reply_to: " },
    { "header value CRLF", { headers = { { "X-A", "1\r\nBcc: v@example.com" } } }, "headers[X-A]: value contains" },
    { "header map value LF", { headers = { ["X-B"] = "1\n2" } }, "headers[X-B]: value contains" },
    { "header name with colon", { headers = { { "X-A: y", "1" } } }, "name is not a valid field name" },
    { "header name CRLF", { headers = { { "X-A\r\nBcc", "1" } } }, "name is not a valid field name" },
    { "filename CRLF", { attachments = { { filename = "a\r\nX: y.txt", data = "" } } },
      "attachments[1].filename: contains CR, LF or NUL" },
    { "filename NUL", { attachments = { { filename = "a\0.txt", data = "" } } }, "attachments[1].filename" },
    { "path NUL", { attachments = { { path = "/tmp/a\0b" } } }, "attachments[1].path: contains" },
    { "content_type CRLF", { attachments = { { filename = "a", data = "", content_type = "text/plain\r\nX: y" } } },
      "attachments[1].content_type" },
    { "message_id CRLF", { message_id = "a@b\r\nX: y" }, "message_id" },
    { "date CRLF", { date = "Mon\r\nX: y" }, "date: contains CR, LF or NUL" },
    { "missing from", { to = "a@example.jp", date = DATE }, "from: is required", raw = true },
    { "missing to", { from = "a@example.jp", date = DATE }, "to: is required", raw = true },
    { "empty to", { to = {} }, "to: no address given" },
    { "address without @", { to = "admin" }, "to: address must contain exactly one '@'" },
    { "address with two @", { to = "a@b@example.jp" }, "exactly one '@'" },
    { "address with a space", { to = "Admin admin@example.jp" }, "to: address contains a space" },
    { "address with <", { to = "<a@example.jp" }, "to: address contains '<' or '>'" },
    { "two From addresses", { from = "a@example.jp, b@example.jp" }, "from: must be exactly one address" },
  }
  for _, c in ipairs(cases) do
    it("refuses " .. c[1], function()
      local msg, err
      if c.raw then msg, err = mime.build(c[2]) else msg, err = build(c[2]) end
      assert.is_nil(msg)
      assert.is_truthy(err:find(c[3], 1, true), "expected '" .. c[3] .. "' in: " .. tostring(err))
      assert.are.equal("mime: ", err:sub(1, 6))
    end)
  end

  it("refuses headers the builder owns, but takes Date and Message-ID from the fields", function()
    for _, name in ipairs({ "From", "to", "CC", "Reply-To", "Subject", "Date", "Message-ID",
                            "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Bcc" }) do
      assert_refused({ headers = { { name, "x" } } }, "headers[" .. name .. "]: " .. name .. " cannot be set here")
    end
    local msg = assert(build{ date = "Tue, 19 Sep 2023 01:02:03 +0000", message_id = "abc@example.jp" })
    local headers = split_message(msg)
    assert.are.equal(" Tue, 19 Sep 2023 01:02:03 +0000", header(headers, "Date"))
    assert.are.equal(" <abc@example.jp>", header(headers, "Message-ID"))
  end)

  it("takes caller headers as a list and as a map (map in name order)", function()
    local msg = assert(build{ headers = { { "X-Z", "1" }, { "X-Z", "2" }, ["X-B"] = "b", ["X-A"] = "a" } })
    local names = {}
    for _, h in ipairs(split_message(msg)) do
      if h.name:match("^X%-") then names[#names + 1] = h.name .. "=" .. unfold(h.raw) end
    end
    assert.are.same({ "X-Z=1", "X-Z=2", "X-A=a", "X-B=b" }, names)
  end)

  it("encodes a non-ASCII caller header value", function()
    local msg = assert(build{ headers = { { "X-Router", "本社ルータ" } } })
    assert.are.equal("本社ルータ", decode_words(header(split_message(msg), "X-Router"):sub(2)))
  end)

  it("raises on misuse: unknown field, wrong type", function()
    assert.has_error(function() mime.build{ from = "a@b", to = "c@d", subjet = "typo" } end)
    assert.has_error(function() mime.build{ from = "a@b", to = "c@d", subject = 42 } end)
    assert.has_error(function() mime.build{ from = "a@b", to = "c@d", attachments = { { filname = "x" } } } end)
    assert.has_error(function() mime.build("not a table") end)
  end)
end)

describe("UTF-8 validation", function()
  local bad = {
    { "lone continuation byte", "\128" },
    { "0xFF", "ab\255" },
    { "overlong '/'", "\192\175" },
    { "overlong 3-byte", "\224\128\175" },
    { "UTF-16 surrogate", "\237\160\128" },
    { "above U+10FFFF", "\244\144\128\128" },
    { "truncated sequence", "\227\129" },
    { "Shift_JIS bytes", "\131\139\129\91" },
  }
  local good = { "", "ascii", "日本語", "😀", "é", "\239\191\191", "\244\143\191\191" }

  for _, s in ipairs(good) do
    it("accepts " .. s, function() assert.is_true(mime.is_utf8(s)) end)
  end
  for _, c in ipairs(bad) do
    it("rejects " .. c[1], function()
      assert.is_nil((mime.is_utf8(c[2])))
      assert_refused({ subject = "x" .. c[2] }, "subject: is not valid UTF-8")
      assert_refused({ text = c[2] }, "text: is not valid UTF-8")
      assert_refused({ from = { name = c[2], addr = "a@example.jp" } }, "from: display name is not valid UTF-8")
      assert_refused({ attachments = { { filename = c[2], data = "" } } }, "attachments[1].filename")
    end)
  end
end)

describe("addresses", function()
  local ok = {
    { "admin@example.jp", "admin@example.jp", nil },
    { "  admin@example.jp  ", "admin@example.jp", nil },
    { "Admin <admin@example.jp>", "admin@example.jp", "Admin" },
    { '"Doe, John" <john@example.jp>', "john@example.jp", "Doe, John" },
    { '"say \\"hi\\"" <hi@example.jp>', "hi@example.jp", 'say "hi"' },
    { "ルータ <router@example.jp>", "router@example.jp", "ルータ" },
    { "<bare@example.jp>", "bare@example.jp", nil },
    { "用户@例子.广告", "用户@例子.广告", nil },
  }
  for _, c in ipairs(ok) do
    it("parses " .. c[1], function()
      local addr, display = mime.parse_address(c[1])
      assert.are.equal(c[2], addr)
      assert.are.equal(c[3], display)
    end)
  end
  local bad = { "", "admin", "a@b@c", "a b@c", "a@b\r\n", "a@b\0", "Name <a@b", "x <a@>", "<@b>", "a<b>@c" }
  for _, s in ipairs(bad) do
    it("refuses " .. s:gsub("[%c]", "?"), function()
      local addr, err = mime.parse_address(s)
      assert.is_nil(addr)
      assert.are.equal("mime: ", err:sub(1, 6))
    end)
  end

  it("splits a list at commas outside quotes", function()
    local list = assert(mime.parse_address_list('a@x.jp, "Doe, John" <j@x.jp>,B <b@x.jp>'))
    assert.are.equal(3, #list)
    assert.are.same({ "a@x.jp", "j@x.jp", "b@x.jp" }, { list[1].addr, list[2].addr, list[3].addr })
    assert.are.equal("Doe, John", list[2].name)
    assert.are.equal('"Doe, John" <j@x.jp>', list[2].text)
  end)

  it("quotes a display name with specials", function()
    local msg = assert(build{ to = '"Doe, John" <j@example.jp>' })
    assert.are.equal(' "Doe, John" <j@example.jp>', header(split_message(msg), "To"))
  end)

  it("tells when the address itself needs SMTPUTF8", function()
    assert.is_false(mime.needs_smtputf8("admin@example.jp"))
    assert.is_false(mime.needs_smtputf8("ルータ <router@example.jp>"))
    assert.is_true(mime.needs_smtputf8("用户@例子.广告"))
    assert.is_true(mime.needs_smtputf8("Name <ユーザ@example.jp>"))
    assert.is_true(mime.needs_smtputf8({ addr = "ユーザ@example.jp" }))
  end)

  it("is_8bit", function()
    assert.is_false(mime.is_8bit("plain\r\n"))
    assert.is_true(mime.is_8bit("é"))
  end)

  it("check_header_value", function()
    assert.is_true(mime.check_header_value("X-A", "fine value"))
    for _, v in ipairs({ "a\rb", "a\nb", "a\0b" }) do
      local ok2, err = mime.check_header_value("X-A", v)
      assert.is_nil(ok2)
      assert.is_truthy(err:find("X-A", 1, true))
    end
    assert.is_nil((mime.check_header_value("Bad Name", "v")))
  end)
end)

describe("Date and Message-ID", function()
  it("formats RFC 5322 dates with the zone offset", function()
    assert.are.equal("Mon, 18 Sep 2023 15:45:29 +0900", mime.format_date(1695019529, 9 * 3600))
    assert.are.equal("Mon, 18 Sep 2023 06:45:29 +0000", mime.format_date(1695019529, 0))
    assert.are.equal("Mon, 18 Sep 2023 03:15:29 -0330", mime.format_date(1695019529, -(3 * 3600 + 1800)))
    assert.are.equal("Thu, 01 Jan 1970 00:00:00 +0000", mime.format_date(0, 0))
  end)

  it("uses the local zone by default, consistent with os.date", function()
    local t = 1695019529
    local d = mime.format_date(t)
    local l = os.date("*t", t)
    local want = string.format("%02d %s %04d %02d:%02d:%02d", l.day,
      ({ "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" })[l.month],
      l.year, l.hour, l.min, l.sec)
    assert.is_truthy(d:find(want, 1, true), d .. " vs " .. want)
    local sign, hh, mm = d:match("([%+%-])(%d%d)(%d%d)$")
    local off = (tonumber(hh) * 3600 + tonumber(mm) * 60) * (sign == "-" and -1 or 1)
    assert.are.equal(mime.utc_offset(t), off)
    -- the local wall clock is UTC plus the offset
    local u = os.date("!*t", t + off)
    assert.are.same({ l.hour, l.min, l.day }, { u.hour, u.min, u.day })
  end)

  it("adds Date and a random Message-ID on the from domain by default", function()
    local m1 = assert(mime.build{ from = "Router <router@gw.example.jp>", to = "a@example.jp" })
    local m2 = assert(mime.build{ from = "router@gw.example.jp", to = "a@example.jp" })
    local h1, h2 = split_message(m1), split_message(m2)
    assert.is_truthy(unfold(header(h1, "Date")):match(
      "^%a%a%a, %d%d %a%a%a %d%d%d%d %d%d:%d%d:%d%d [%+%-]%d%d%d%d$"))
    local id1 = unfold(header(h1, "Message-ID")):match("^<(%x+)@gw%.example%.jp>$")
    local id2 = unfold(header(h2, "Message-ID")):match("^<(%x+)@gw%.example%.jp>$")
    assert.is_string(id1)
    assert.are.equal(32, #id1)
    assert.are_not.equal(id1, id2)
    assert.are.equal(" 1.0", header(h1, "MIME-Version"))
  end)

  it("takes the domain field for the Message-ID and a numeric date", function()
    local msg = assert(mime.build{ from = "a@example.jp", to = "b@example.jp",
      domain = "mail.example.net", date = 1695019529 })
    local h = split_message(msg)
    assert.is_truthy(unfold(header(h, "Message-ID")):match("@mail%.example%.net>$"))
    assert.are.equal(mime.format_date(1695019529), unfold(header(h, "Date")))
  end)
end)

describe("whole messages", function()
  it("never contain a bare CR or LF, whatever the input line ends", function()
    local msg = assert(build{
      subject = JA_SUBJECT, text = "a\rb\nc\r\nd\n\r",
      html = "<b>\r</b>\n",
      attachments = { { filename = "x.log", data = "1\r2\n3\r\n" } },
      headers = { { "X-Long", string.rep("word ", 40) } },
    })
    assert.is_true(no_bare_cr_lf(msg))
    assert.are.equal(CRLF, msg:sub(-2))
    for _, l in ipairs(lines(msg)) do assert.is_true(#l <= 998) end
  end)
end)
