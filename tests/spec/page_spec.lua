-- gwkit.core page functions, as gwkit.hgw uses them on a gateway's status
-- page: page_charset (Content-Type, <meta>, UTF-8, Shift_JIS / EUC-JP
-- guess), page_decode (iconv, strict UTF-8) and html_rows (rows of cells
-- to find values by label). The same page in UTF-8, Shift_JIS and EUC-JP
-- (tests/fixtures/pages, made with Python's cp932 / euc_jp codecs) must
-- give the same rows.
local core = require "gwkit.core"
local support = require "support"

local PAGES = support.top .. "/tests/fixtures/pages/"

local function page(name)
  return assert(support.read(PAGES .. name))
end

-- The cell after the one equal to label, in the first row holding it.
local function value_of(rows, label)
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do
      if cell == label then return row[i + 1] end
    end
  end
end

-- The row after the one-cell row equal to label (dt/dd, label/value blocks).
local function next_row(rows, label)
  for i, row in ipairs(rows) do
    if #row == 1 and row[1] == label and rows[i + 1] then return rows[i + 1][1] end
  end
end

local function decoded_rows(bytes, content_type)
  local cs = core.page_charset(bytes, content_type)
  local text, err, info = core.page_decode(bytes, cs)
  assert(text, err)
  assert(info == nil)
  local rows, truncated = core.html_rows(text)
  return rows, truncated, cs, text
end

describe("page_charset", function()
  local CASES = {
    { "plain", nil, "utf-8" },
    { "", nil, "utf-8" },
    { "\227\129\130", nil, "utf-8" },
    { "x", "text/html; charset=Shift_JIS", "shift_jis" },
    { "x", "text/html; charset=\"x-sjis\"", "shift_jis" },
    { "x", "text/html;charset=windows-31j", "shift_jis" },
    { "x", "text/html; charset=cp932", "shift_jis" },
    { "x", "text/html; charset=EUC-JP", "euc-jp" },
    { "x", "text/html; charset=x-euc-jp", "euc-jp" },
    { "x", "text/html; charset=UTF8", "utf-8" },
    { "x", "text/html; charset=ISO-8859-1", "iso-8859-1" },
    { "x", "text/html; charset=US-ASCII", "us-ascii" },
    { "x", "text/html; charset=KOI8-R", "koi8-r" },
    { "x", "text/html", "utf-8" },
    { "<meta charset=\"euc-jp\">", "text/html; charset=sjis", "shift_jis" },
    { "<meta charset=\"euc-jp\">", "text/html", "euc-jp" },
    { "<META HTTP-EQUIV=Content-Type CONTENT='text/html; charset=Shift_JIS'>", nil, "shift_jis" },
    { "<!-- <meta charset=euc-jp> -->x", nil, "utf-8" },
    { string.rep(" ", 4096) .. "<meta charset=euc-jp>", nil, "utf-8" },
    { "\130\160\130\162", nil, "shift_jis" },
    { "\164\162\164\164", nil, "euc-jp" },
  }
  for _, c in ipairs(CASES) do
    it(("%q with %s -> %s"):format(c[1]:sub(1, 40), tostring(c[2]), c[3]), function()
      assert.are.equal(c[3], core.page_charset(c[1], c[2]))
    end)
  end
end)

describe("page_decode", function()
  it("returns UTF-8 for each charset", function()
    assert.are.equal("\227\129\130", core.page_decode("\130\160", "shift_jis"))
    assert.are.equal("\226\145\160", core.page_decode("\135\64", "Shift_JIS"))  -- Windows-31J (1)
    assert.are.equal("C:\\", core.page_decode("C:\\", "sjis"))                -- not a yen sign
    assert.are.equal("\227\129\130", core.page_decode("\164\162", "euc-jp"))
    assert.are.equal("caf\195\169", core.page_decode("caf\233", "iso-8859-1"))
    assert.are.equal("ok", core.page_decode("\239\187\191ok", "utf-8"))        -- BOM dropped
    assert.are.equal("a\0b", core.page_decode("a\0b", "utf-8"))
  end)

  local BAD = {
    { "ab\130", "shift_jis", "page: invalid Shift_JIS at byte 2" },
    { "x\164", "euc-jp", "page: invalid EUC-JP at byte 1" },
    { "ab\192\175", "utf-8", "page: invalid UTF-8 at byte 2" },
    { "\237\160\128", "utf-8", "page: invalid UTF-8 at byte 0" },
    { "\128", "us-ascii", "page: invalid US-ASCII at byte 0" },
    { "x", "x-klingon", "page: unsupported charset x-klingon" },
    { "x", "", "page: unsupported charset " },
  }
  for _, c in ipairs(BAD) do
    it(("refuses %q as %s"):format(c[1], c[2]), function()
      local text, err, info = core.page_decode(c[1], c[2])
      assert.is_nil(text)
      assert.are.equal(c[3], err)
      assert.are.equal("protocol", info.kind)
    end)
  end
end)

describe("html_rows", function()
  it("gives an array of rows of strings and a truncated flag", function()
    local rows, truncated = core.html_rows("<table><tr><th>k</th><td>v</td><td></td></tr></table><p>x</p>")
    assert.are.same({ { "k", "v", "" }, { "x" } }, rows)
    assert.are.equal(false, truncated)
    assert.are.same({}, (core.html_rows("")))
  end)

  it("reads the status page by label", function()
    local rows, truncated, cs = decoded_rows(page("status-utf8.html"))
    assert.are.equal("utf-8", cs)
    assert.are.equal(false, truncated)
    assert.are.equal("203.0.113.5", value_of(rows, "WAN側IPアドレス"))
    assert.are.equal("00:11:22:33:44:55", value_of(rows, "MACアドレス"))
    assert.are.equal("00:11:22:33:44:56", value_of(rows, "LAN側MACアドレス"))
    assert.are.equal("2001:db8:1234:5600::/56", value_of(rows, "IPv6プレフィックス"))
    assert.are.equal("接続中", value_of(rows, "IPv6接続状態"))
    assert.are.equal("Ver 1.05.02", value_of(rows, "ファームウェアバージョン"))
    assert.are.equal("2001:db8::53 2001:db8::54", value_of(rows, "プライマリDNS"))
    assert.are.equal("", value_of(rows, "備考"))
    assert.are.equal("2001:db8:1234:5610::/60", next_row(rows, "DHCPv6-PD 払い出し"))
    assert.are.equal("5分", next_row(rows, "更新間隔"))
    assert.are.same({ "IPv6接続情報" }, rows[9])
    assert.are.same({ "ユーザ名： user パスワード：" }, rows[18])
    assert.are.same({ "A&B", "<none> \"x\" ✓ あ&bogus; –" }, rows[15])
    assert.are.same({ "Copyright © NTT 東日本" }, rows[#rows])
    local all = {}
    for _, row in ipairs(rows) do all[#all + 1] = table.concat(row, "|") end
    all = table.concat(all, "\n")
    for _, hidden in ipairs { "secret", "0123abcd", "document.write", "width: 40%", "コメント", "1分" } do
      assert.is_nil(all:find(hidden, 1, true), hidden)
    end
  end)

  it("gives the same rows for the page in UTF-8, Shift_JIS and EUC-JP", function()
    local want = decoded_rows(page("status-utf8.html"))
    for file, charset in pairs {
      ["status-sjis.html"] = "shift_jis", ["status-eucjp.html"] = "euc-jp",
      ["nometa-sjis.html"] = "shift_jis", ["nometa-eucjp.html"] = "euc-jp",
    } do
      local rows, truncated, cs = decoded_rows(page(file))
      assert.are.equal(charset, cs, file)
      assert.are.equal(false, truncated)
      assert.are.same(want, rows, file)
    end
  end)

  it("takes the Content-Type header's charset over the page's", function()
    local sjis = page("nometa-sjis.html")
    local rows, _, cs = decoded_rows(sjis, "text/html; charset=Windows-31J")
    assert.are.equal("shift_jis", cs)
    assert.are.equal("203.0.113.5", value_of(rows, "WAN側IPアドレス"))
    local text, err, info = core.page_decode(sjis, core.page_charset(sjis, "text/html; charset=euc-jp"))
    assert.is_nil(text)
    assert.matches("^page: invalid EUC%-JP at byte %d+$", err)
    assert.are.equal("protocol", info.kind)
  end)

  it("tolerates broken markup", function()
    local rows, truncated = core.html_rows("a < b </td></tr></table><td class=\"x")
    assert.are.same({ { "a < b" } }, rows)
    assert.are.equal(false, truncated)
    rows = core.html_rows("<table><tr><td>a<td>b<tr><td>c")
    assert.are.same({ { "a", "b" }, { "c" } }, rows)
    rows = core.html_rows("x<")
    assert.are.same({ { "x<" } }, rows)
  end)
end)

describe("bounds", function()
  local big = string.rep("<tr><td>k</td><td>v</td></tr>\n", 5 * 1024 * 1024 / 30 + 1)
  big = "<table>" .. big

  it("refuses to decode a page over 4 MiB", function()
    assert.is_true(#big > 5 * 1024 * 1024)
    local text, err, info = core.page_decode(big, "utf-8")
    assert.is_nil(text)
    assert.are.equal(("page: page too large (%d bytes, limit 4194304)"):format(#big), err)
    assert.are.equal("protocol", info.kind)
    assert.are.equal("utf-8", core.page_charset(big))
  end)

  it("gives the first rows of a 5 MiB page, truncated", function()
    local rows, truncated = core.html_rows(big)
    assert.are.equal(true, truncated)
    assert.are.equal(4096, #rows)
    assert.are.same({ "k", "v" }, rows[4096])
  end)

  it("cuts rows and cells at their bounds", function()
    local rows, truncated = core.html_rows(string.rep("<p>x</p>", 4097))
    assert.are.equal(4096, #rows)
    assert.are.equal(true, truncated)
    rows, truncated = core.html_rows("<table><tr>" .. string.rep("<td>c", 300))
    assert.are.equal(256, #rows[1])
    assert.are.equal(true, truncated)
    rows, truncated = core.html_rows(string.rep("<table><tr><td>x", 20))
    assert.are.equal(16, #rows)
    assert.are.equal(true, truncated)
  end)
end)

describe("argument errors", function()
  local function raises(f, ...)
    local ok, err = pcall(f, ...)
    assert.is_false(ok)
    assert.matches("bad argument #%d", err)
    assert.matches("string expected", err)
  end

  it("raises on arguments that are not strings", function()
    for _, bad in ipairs { 42, true, {}, print } do
      raises(core.page_charset, bad)
      raises(core.page_charset, "x", bad)
      raises(core.page_decode, bad, "utf-8")
      raises(core.page_decode, "x", bad)
      raises(core.html_rows, bad)
    end
    raises(core.page_charset)
    raises(core.page_decode, "x")
    raises(core.page_decode, nil, "utf-8")
    raises(core.html_rows)
  end)

  it("takes nil for the optional content type", function()
    assert.are.equal("utf-8", core.page_charset("x", nil))
  end)
end)
