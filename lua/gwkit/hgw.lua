-- gwkit.hgw: a home gateway's web UI (NTT PR-600MI class) as a Lua object:
-- find the gateway without a hard-coded address, log in the way its
-- challenge asks (Digest or Basic) without ever locking the account, read
-- its status by labels (model profiles are data: gwkit/hgw/<model>.lua),
-- notice when it was replaced (a new MAC changes every EUI-64 address
-- derived from it), and read its DHCPv6-PD lease table.
--
--   local hgw = require "gwkit.hgw"
--   local gw = hgw.new{ model = "pr600mi", password = pw, state_file = "/var/lib/gwkit/hgw" }
--   local st, err = gw:status()   -- st.prefix, st.mac, st.identity.changed, ...
--   gw:close()
--
-- Methods (the README has the options and the messages):
--   gw:discover()  -> {address, how = "address"|"ntt.setup"|"route"|"neighbour", mac}
--   gw:login()     -> true, {scheme, algorithm, password = "current"|"previous #N", address}
--   gw:page(name), gw:fetch(path) -> {name, path, url, status, charset, body, text, rows, truncated}
--   gw:status([{record = false}]) -> {mac, lan_mac, wan_mac, firmware, wan_ipv4, prefix,
--                                     ipv6, dns, dns4, dns6, address, identity}
--   gw:identity([status]) -> {mac, previous_mac, changed, link_local, eui64, previous, message}
--   gw:pd_leases() -> {{prefix, duid, iaid, expires, state}, ...}
--   gw:forget_failures(), gw:close()
-- Failures return nil, "hgw: ...", {kind = ...} (connect, timeout,
-- auth_failed, rate_limited, auth_unavailable, http_status, protocol,
-- unsupported); misuse raises. The password never appears in a message,
-- a trace or the state file.
local core = require "gwkit.core"
local http = require "gwkit.http"
local extract = require "gwkit.hgw.extract"
local discover = require "gwkit.hgw.discover"
local state = require "gwkit.hgw.state"
local identity = require "gwkit.hgw.identity"
local options = require "gwkit.hgw.options"

local M = {}

M.profiles = {
  pr600mi = require "gwkit.hgw.pr600mi",
  pr500mi = require "gwkit.hgw.pr500mi",
  generic = require "gwkit.hgw.generic",
}

local HOUR = 3600
local PROBE_TIMEOUT = 3

local function fail(msg, kind, extra)
  local info = extra or {}
  info.kind = kind
  return nil, msg, info
end

local GW = {}
GW.__index = GW

function M.new(c)
  options.check(c, M.profiles)
  local profile = type(c.model or "pr600mi") == "string" and M.profiles[c.model or "pr600mi"] or c.model
  local self = setmetatable({ c = c, profile = profile, model = profile.name or "custom",
    address = c.address, user = c.user or "user", max_logins = c.max_logins_per_hour or 3,
    discover_order = c.discover or { "address", "ntt.setup", "routes", "neighbours" },
    rejected = {}, failed = {}, paths = {} }, GW)
  local pw = {}
  if c.password then pw[1] = { c.password, "current" } end
  for i, p in ipairs(c.previous_passwords or {}) do pw[#pw + 1] = { p, "previous #" .. i } end
  self.passwords = pw
  return self
end

function GW:_url(path, address)
  local host, port = options.split_address(address or self.address)
  local scheme = self.c.scheme or "http"
  port = port or self.c.port
  if host:find(":") then host = "[" .. host:gsub("%%", "%%25") .. "]" end
  return scheme .. "://" .. host .. (port and (":" .. port) or "") .. path
end

local function first_path(spec)
  return type(spec.path) == "table" and spec.path[1] or spec.path
end

function GW:_page_spec(name)
  local spec = self.profile.pages[name]
  if not spec then error(("hgw: model %s has no page '%s'"):format(self.model, tostring(name)), 3) end
  return spec
end

-- discover(): the first candidate that answers the profile's probe page.
function GW:discover()
  local path = self.paths[self.profile.probe or "status"] or first_path(self:_page_spec(self.profile.probe or "status"))
  local c = self.c
  local found, err = discover.find({ discover = self.discover_order, address = c.address,
      resolve = c.resolve, proc_route = c.proc_route or "/proc/net/route",
      proc_ipv6_route = c.proc_ipv6_route or "/proc/net/ipv6_route",
      neigh_command = c.neigh_command or { "ip", "neigh", "show" } },
    function(address)
      local res, rerr = http.request{ url = self:_url(path, address), redirects = 0,
        timeout = c.probe_timeout or math.min(c.timeout or 10, PROBE_TIMEOUT),
        verify = c.verify, cafile = c.cafile, trace = c.trace }
      if not res then return nil, rerr end
      if res.status == 200 then return true end
      local hdr = res.headers["www-authenticate"] or ""
      local scheme = hdr:match("^%s*(%a+)")
      local want = self.profile.auth or "digest"
      if res.status == 401 and scheme and (want == "any" or (" " .. hdr:lower()):find("[%s,]" .. want .. "%s")) then
        return true
      end
      if res.status == 401 and scheme then
        return nil, ("HTTP 401 with a %s challenge on %s (model %s expects %s)")
          :format(scheme, path, self.model, want)
      end
      return nil, ("HTTP %d on %s"):format(res.status, path)
    end)
  if not found then return fail(err, "connect") end
  self.address = found.address
  self.found = found
  return found
end

-- Failed logins in the last hour (state file, or this object's memory).
function GW:_failures()
  local now, out = os.time(), {}
  local list = self.c.state_file and state.load(self.c.state_file).failed or self.failed
  for _, t in ipairs(list) do
    if t and now - t < HOUR then out[#out + 1] = t end
  end
  return out
end

function GW:_record_failure()
  local now = os.time()
  self.failed[#self.failed + 1] = now
  if self.c.state_file then
    state.update(self.c.state_file, function(t)
      local keep = {}
      for _, ts in ipairs(t.failed) do if ts and now - ts < HOUR then keep[#keep + 1] = ts end end
      keep[#keep + 1] = now
      t.failed = keep
    end)
  end
end

-- Forgets the recorded failed logins (after the password was fixed by hand).
function GW:forget_failures()
  self.failed, self.rejected = {}, {}
  if self.c.state_file then
    return state.update(self.c.state_file, function(t) t.failed = {} end)
  end
  return true
end

function GW:_rejected_msg()
  return ('hgw: %s rejected user "%s" (password changed, or the gateway was reset or replaced?)')
    :format(self.address, self.user)
end

function GW:_session(password)
  local auth = self.profile.auth
  local basic = self.c.allow_basic or auth == "basic" or auth == "any"
  return http.session{ user = self.user, password = password, timeout = self.c.timeout or 10,
    verify = self.c.verify, cafile = self.c.cafile, trace = self.c.trace,
    auth = basic and "auto" or "digest", allow_basic_plaintext = basic }
end

-- One login with one password: res, or nil, err, info.
function GW:_try(password)
  local s = self:_session(password)
  local path = self.paths[self.profile.probe or "status"] or first_path(self:_page_spec(self.profile.probe or "status"))
  local res, err, info = s:request{ url = self:_url(path), redirects = 3 }
  if res and res.status ~= 401 and res.status < 500 then
    self.prefetched = { path = path, res = res, at = os.time() }  -- for a fetch right after
    return res, s
  end
  s:close()
  if res then
    return fail(("hgw: %s answered %d %s%s"):format(self.address, res.status, res.reason or "",
      res.status == 503 and " (locked after failed logins, or busy?)" or ""), "http_status",
      { status = res.status })
  end
  if info.kind == "auth_unavailable" and info.response then
    local ch = info.response.headers or {}
    local offered = {}
    for _, f in ipairs(ch) do
      if f[1]:lower() == "www-authenticate" then offered[#offered + 1] = (f[2]:match("^(%S+)") or "?") end
    end
    return fail(("hgw: %s asks for %s authentication; model %s expects %s%s"):format(self.address,
      table.concat(offered, "/"), self.model, self.profile.auth or "digest",
      offered[1] == "Basic" and " (Basic sends the password in clear text: set allow_basic = true " ..
      "if this gateway really only offers Basic)" or ""), "auth_unavailable", { status = 401 })
  end
  return nil, "hgw: " .. err:gsub("^http: ", ""), info
end

-- login(): each password at most once per object, and no attempt at all
-- once max_logins_per_hour failed logins are recorded in the last hour.
function GW:login()
  if self.session then return true, self.login_info end
  if #self.passwords == 0 then error("hgw: login needs a password (field 'password')", 2) end
  if not self.address then
    local ok, err, info = self:discover()
    if not ok then return nil, err, info end
  end
  local ok, err, info = self:_login()
  if not ok and (info.kind == "connect" or info.kind == "timeout") and not self.found then
    -- the configured address does not answer: look for the gateway elsewhere
    local found, derr, dinfo = self:discover()
    if not found then return nil, derr, dinfo end
    return self:_login()
  end
  return ok, err, info
end

function GW:_login()
  local rejected = 0
  for i, cred in ipairs(self.passwords) do
    if self.rejected[i] then
      rejected = rejected + 1
    else
      local n = #self:_failures()
      if n >= self.max_logins then
        if rejected > 0 then
          return fail(self:_rejected_msg() .. ("; not trying more passwords: %d failed logins in " ..
            "the last hour (limit %d)"):format(n, self.max_logins), "auth_failed", { rate_limited = true })
        end
        return fail(("hgw: login not attempted: %d failed logins in the last hour (limit %d)")
          :format(n, self.max_logins), "rate_limited", { failures = n, limit = self.max_logins })
      end
      local res, s, info = self:_try(cred[1])
      if res then
        self.session, self.login_index = s, i
        self.login_info = { scheme = res.auth and res.auth.scheme or "none", password = cred[2],
          algorithm = res.auth and res.auth.algorithm, address = self.address }
        return true, self.login_info
      end
      if info.kind ~= "auth_failed" then return nil, s, info end
      self.rejected[i] = true
      rejected = rejected + 1
      self:_record_failure()
    end
  end
  return fail(self:_rejected_msg(), "auth_failed", { status = 401, tried = rejected })
end

function GW:_save(name, body)
  local dir = self.c.dump_dir or (self.c.state_file and self.c.state_file:match("^(.*)/[^/]*$"))
  if not dir then return " (not saved: no dump_dir)" end
  local function safe(x) return (tostring(x):gsub("[^%w_.-]", "_")) end
  local path = ("%s/hgw-%s-%s.html"):format(dir, safe(self.model), safe(name))
  local ok, err = core.write_atomic(path, body)
  return ok and (" (page saved to %s)"):format(path) or (" (not saved: %s)"):format(err)
end

-- fetch(path [, name]): any page of the gateway, logged in, decoded.
function GW:fetch(path, name)
  local ok, err, info = self:login()
  if not ok then return nil, err, info end
  local res
  local pre = self.prefetched
  if pre and pre.path == path and os.time() - pre.at <= 2 then
    res = pre.res
  else
    res, err, info = self.session:request{ url = self:_url(path), redirects = 3 }
  end
  self.prefetched = nil
  if not res then
    if info.kind == "auth_failed" then
      self.session:close()
      self.session = nil
      self.rejected[self.login_index] = true      -- the password that was accepted before
      self:_record_failure()
      return fail(self:_rejected_msg(), "auth_failed", { status = 401 })
    end
    return nil, "hgw: " .. err:gsub("^http: ", ""), info
  end
  local label = ("hgw: page '%s' (%s)"):format(name or path, path)
  if res.status ~= 200 then
    return fail(("%s: HTTP %d %s"):format(label, res.status, res.reason or ""), "http_status",
      { status = res.status })
  end
  local charset = core.page_charset(res.body, res.headers["content-type"])
  local text, derr = core.page_decode(res.body, charset)
  if not text then
    return fail(("%s: %s%s"):format(label, derr or "cannot decode", self:_save(name or "page", res.body)),
      "protocol")
  end
  local rows, truncated = core.html_rows(text)
  return { name = name, path = path, status = res.status, charset = charset, text = text,
           rows = rows, truncated = truncated, body = res.body, url = self:_url(path) }
end

-- page(name): a page of the profile (the first of several paths that does not answer 404).
function GW:page(name)
  local spec = self:_page_spec(name)
  if self.paths[name] then return self:fetch(self.paths[name], name) end
  local paths = type(spec.path) == "table" and spec.path or { spec.path }
  local pg, err, info
  for _, path in ipairs(paths) do
    pg, err, info = self:fetch(path, name)
    if pg then self.paths[name] = path; return pg end
    if info.status ~= 404 then break end
  end
  return nil, err, info
end

function GW:_parse_fail(pg, what)
  return fail(("hgw: page '%s' (%s): %s%s"):format(pg.name, pg.path, what, self:_save(pg.name, pg.body)),
    "protocol", { page = pg.name, path = pg.path })
end

-- status([{record = false}]): record = false leaves the state file alone
-- (hgw-dump), the identity is still compared with it.
function GW:status(opts)
  local pg, err, info = self:page("status")
  if not pg then return nil, err, info end
  local v, why = extract.fields(pg.rows, self:_page_spec("status").fields,
                                { states = self.profile.states, loose = self.profile.loose_labels })
  if not v then return self:_parse_fail(pg, why) end
  local dns = {}
  for _, list in ipairs({ v.dns6 or {}, v.dns4 or {} }) do
    for _, a in ipairs(list) do dns[#dns + 1] = a end
  end
  local st = { mac = v.lan_mac or v.wan_mac, wan_mac = v.wan_mac, lan_mac = v.lan_mac,
    firmware = v.firmware, wan_ipv4 = v.wan_ipv4, prefix = v.prefix, ipv6 = v.ipv6 or "unknown",
    dns = dns, dns4 = v.dns4 or {}, dns6 = v.dns6 or {}, address = self.address }
  st.identity = self:identity(st, opts and opts.record == false)
  return st
end

-- identity([status]): the gateway's MAC and the addresses derived from it
-- (link-local; EUI-64 in the /64s it keeps, ...00::/64 and ...01::/64 of
-- its /56), compared with the state file; written there only on a change.
function GW:identity(st, dry)
  if st == nil then
    local s, err, info = self:status()
    if not s then return nil, err, info end
    return s.identity
  end
  local id = identity.derive(st.mac or st.lan_mac, st.prefix, self.address)
  local old = self.c.state_file and state.load(self.c.state_file) or self.mem or {}
  if identity.compare(id, old) and not dry then
    local mac = id.mac
    self.mem = { mac = mac, link_local = id.link_local, eui64 = id.eui64 }
    if self.c.state_file then
      local ok, err = state.update(self.c.state_file, function(t)
        t.mac, t.link_local, t.eui64 = mac, id.link_local, id.eui64
      end)
      if not ok then id.state_error = err end
    end
  end
  return id
end

-- pd_leases(): the gateway's DHCPv6-PD lease table.
function GW:pd_leases()
  local spec = self.profile.pages.leases
  if not spec or not spec.table then
    return fail(("hgw: model %s shows no lease table"):format(self.model), "unsupported")
  end
  local pg, err, info = self:page("leases")
  if not pg then return nil, err, info end
  local rows, why = extract.table(pg.rows, spec.table)
  if not rows then return self:_parse_fail(pg, why) end
  local out = {}
  for _, r in ipairs(rows) do
    local prefix = extract.TYPES.prefix(r.prefix or "")
    if prefix then
      out[#out + 1] = { prefix = prefix, duid = r.duid ~= "-" and r.duid or nil,
        iaid = r.iaid and extract.TYPES.integer(r.iaid), expires = r.expires and extract.TYPES.integer(r.expires),
        state = r.state ~= "" and r.state or nil }
    end
  end
  return out
end

function GW:close()
  if self.session then self.session:close() end
  self.session = nil
end

return M
