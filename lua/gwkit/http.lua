-- gwkit.http: HTTP/1.1 with Digest (RFC 7616) and Basic authentication,
-- cookies, redirects and connection reuse. The C core parses URLs and
-- responses, runs one exchange per call (gwkit.core.http_open) and answers
-- challenges (gwkit.core.http_auth); this file holds the policy.
local core = require "gwkit.core"

local M = {}

M.USER_AGENT = "gwkit/" .. core.version

local OPTIONS = {
  url = "string", method = "string", headers = "table", body = "string",
  content_type = "string", user = "string", password = "string", token = "string",
  auth = "string", timeout = "number", verify = "boolean", tls_min = "string",
  cafile = "string", capath = "string", family = "string", max_body = "number",
  save_file = "string", redirects = "number", allow_basic_plaintext = "boolean",
  trace = "function",
}
local AUTH_MODES = { auto = true, digest = true, basic = true, bearer = true, none = true }
local REDIRECT = { [301] = true, [302] = true, [303] = true, [307] = true, [308] = true }

local function argerror(field, what)
  error(("http: bad field '%s' (%s)"):format(field, what), 4)
end

local function check(opts)
  if type(opts) ~= "table" then error("http: options table expected", 3) end
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then argerror(tostring(k), "unknown option") end
    if type(v) ~= want then argerror(k, want .. " expected") end
  end
  if opts.auth and not AUTH_MODES[opts.auth] then
    argerror("auth", '"auto", "digest", "basic", "bearer" or "none" expected')
  end
  if opts.auth == "bearer" and not opts.token then argerror("token", "string expected") end
  if opts.password and not opts.user then argerror("user", "string expected with a password") end
  if opts.method and not opts.method:match("^[%a%-]+$") then argerror("method", "a token expected") end
  if opts.family and opts.family ~= "inet" and opts.family ~= "inet6" then
    argerror("family", '"inet" or "inet6" expected')
  end
  if opts.redirects and (opts.redirects < 0 or opts.redirects > 20) then
    argerror("redirects", "0..20 expected")
  end
  return opts
end

local function merge(defaults, opts)
  local c = {}
  for k, v in pairs(defaults) do c[k] = v end
  for k, v in pairs(opts) do c[k] = v end
  return c
end

local function origin_of(u)
  return (u.tls and "https://" or "http://") .. u.authority
end

-- A URL string that parses back to u (a zone id written as %25).
local function url_string(u)
  local host = u.ipv6 and ("[" .. u.host:gsub("%%", "%%25") .. "]") or u.host
  local default = u.tls and 443 or 80
  return (u.tls and "https://" or "http://") .. host ..
    (u.port ~= default and (":" .. u.port) or "") .. u.target
end
M._url_string = url_string

local function fail(msg, kind, extra)
  local info = extra or {}
  info.kind = kind
  return nil, msg, info
end

-- Response header list -> map of lower-case names (repeats joined by ", ").
local function header_map(list)
  local map = {}
  for _, f in ipairs(list) do
    local k = f[1]:lower()
    map[k] = map[k] and (map[k] .. ", " .. f[2]) or f[2]
  end
  return map
end

local function header_values(list, name)
  local out = {}
  for _, f in ipairs(list) do
    if f[1]:lower() == name then out[#out + 1] = f[2] end
  end
  return out
end

-- Caller headers: a map {["X-A"] = "b"}, a list {{"X-A", "b"}}, or both.
local function caller_headers(h, out, owned)
  local function add(name, value)
    if type(name) ~= "string" or type(value) ~= "string" then
      argerror("headers", "string names and values expected")
    end
    if owned[name:lower()] then argerror("headers", name .. " is set by gwkit") end
    out[#out + 1] = { name, value }
  end
  for _, f in ipairs(h) do
    if type(f) ~= "table" then argerror("headers", "{name, value} pairs expected") end
    add(f[1], f[2])
  end
  local names = {}
  for k in pairs(h) do
    if type(k) == "string" then names[#names + 1] = k
    elseif type(k) ~= "number" then argerror("headers", "string names expected") end
  end
  table.sort(names)
  for _, k in ipairs(names) do add(k, h[k]) end
end

local Session = {}
Session.__index = Session

-- A session keeps connections (one per origin), the Digest state (nonce
-- and nc) and cookies, so requests after the first cost one round trip.
function M.session(opts)
  local defaults = check(opts or {})
  return setmetatable({ defaults = defaults, conns = {}, auths = {}, cookies = {} }, Session)
end

function Session:_conn(u, c)
  local key = origin_of(u)
  local conn = self.conns[key]
  if conn and conn:alive() then return conn, true end
  if conn then conn:close() end
  local err, info
  conn, err, info = core.http_open{ host = u.host, port = u.port, tls = u.tls,
    tls_min = c.tls_min, verify = c.verify, cafile = c.cafile, capath = c.capath,
    family = c.family, timeout = c.timeout or 10, trace = c.trace }
  self.conns[key] = conn or nil
  return conn, false, err, info
end

-- Cookies: name=value pairs with a Path, kept per origin rather than per
-- host as RFC 6265 would: a gateway's session cookie is a credential and
-- goes nowhere else, not even to another port of the same host.
function Session:_take_cookies(u, list)
  for _, v in ipairs(header_values(list, "set-cookie")) do
    local name, value, attrs = v:match("^%s*([^=;%s]+)%s*=%s*([^;]*)(.*)$")
    if name then
      local jar = self.cookies[origin_of(u)] or {}
      self.cookies[origin_of(u)] = jar
      local path = attrs:match(";%s*[Pp][Aa][Tt][Hh]%s*=%s*([^;]*)") or "/"
      local max_age = tonumber(attrs:match(";%s*[Mm][Aa][Xx]%-[Aa][Gg][Ee]%s*=%s*(%-?%d+)") or "")
      jar[name] = (max_age and max_age <= 0) and nil or { value = value, path = path }
    end
  end
end

function Session:_cookie_header(u)
  local jar, parts = self.cookies[origin_of(u)], {}
  if not jar then return nil end
  local names = {}
  for name in pairs(jar) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local ck = jar[name]
    if u.target:sub(1, #ck.path) == ck.path then parts[#parts + 1] = name .. "=" .. ck.value end
  end
  return #parts > 0 and table.concat(parts, "; ") or nil
end

local OWNED = { host = true, ["content-length"] = true, authorization = true,
                cookie = true, ["transfer-encoding"] = true }

function Session:_headers(u, c, method, body, auth)
  local h = { { "Host", u.authority } }
  local given = {}
  for k in pairs(c.headers or {}) do
    if type(k) == "string" then given[k:lower()] = true end
  end
  for _, f in ipairs(c.headers or {}) do
    if type(f) == "table" and type(f[1]) == "string" then given[f[1]:lower()] = true end
  end
  if not given["user-agent"] then h[#h + 1] = { "User-Agent", M.USER_AGENT } end
  if not given.accept then h[#h + 1] = { "Accept", "*/*" } end
  if c.content_type and not given["content-type"] then
    h[#h + 1] = { "Content-Type", c.content_type }
  end
  if body or method == "POST" or method == "PUT" then
    h[#h + 1] = { "Content-Length", tostring(body and #body or 0) }
  end
  local cookie = self:_cookie_header(u)
  if cookie then h[#h + 1] = { "Cookie", cookie } end
  if auth then h[#h + 1] = { "Authorization", auth } end
  caller_headers(c.headers or {}, h, OWNED)
  return h
end

-- One request and its response on a connection, reconnecting once when a
-- kept-alive connection turns out to have been closed by the server.
function Session:_exchange(u, c, method, body, headers, save_path)
  local req = { method = method, target = u.target, headers = headers, body = body,
                max_body = c.max_body or 8 * 1024 * 1024, save_path = save_path }
  for attempt = 1, 2 do
    local conn, reused, err, info = self:_conn(u, c)
    if not conn then return nil, err, info end
    local res
    res, err, info = conn:request(req)
    if res then return res end
    if not (reused and attempt == 1 and info.kind == "closed" and not info.status) then
      return nil, err, info
    end
  end
end

-- Chooses what to send for a 401: a new authenticator, a fresh nonce for a
-- stale one, or nothing (the credentials were refused).
function Session:_answer_401(u, c, res, state)
  local values = header_values(res.headers, "www-authenticate")
  local key = origin_of(u)
  local a = self.auths[key]
  if a and state.sent_auth then
    -- stale=true: the password was right, the nonce had expired; answer the
    -- new nonce, which is not a failed login (RFC 7616 3.3).
    if state.stale < 2 and a:rechallenge(values) then
      state.stale = state.stale + 1
      return true
    end
    return fail(("http: 401 from %s for user %s: credentials rejected"):format(u.host, c.user),
      "auth_failed", { status = 401, response = res })
  end
  if #values == 0 then
    return fail(("http: 401 from %s without a WWW-Authenticate challenge"):format(u.host),
      "auth_unavailable", { status = 401, response = res })
  end
  local allow_basic = c.auth ~= "digest" and (u.tls or c.allow_basic_plaintext or false)
  local auth, err, info = core.http_auth{ challenges = values, user = c.user,
                                          password = c.password, allow_basic = allow_basic }
  if not auth then
    info.status, info.response = 401, res
    return nil, err, info
  end
  if c.auth == "digest" and auth:info().scheme ~= "Digest" then
    return fail("http: the server offers no Digest challenge", "auth_unavailable",
                { status = 401, response = res })
  end
  if a then a:close() end
  self.auths[key] = auth
  return true
end

function Session:request(opts)
  local c = merge(self.defaults, check(opts))
  if not c.url then argerror("url", "string expected") end
  local u, err, info = core.url_parse(c.url)
  if not u then return nil, err, info end
  local method = (c.method or (c.body and "POST" or "GET")):upper()
  local body = c.body
  local redirects = c.redirects or 3
  local state = { stale = 0 }
  -- A download goes to a temporary file renamed over save_file at the end,
  -- unless save_file is a device or a FIFO (/dev/null, a pipe): never
  -- replace that by a rename; write to it directly.
  local tmp = c.save_file and (c.save_file .. ".gwkit-part") or nil
  if tmp and core.file_kind(c.save_file) == "other" then tmp = nil end
  local direct = c.save_file and not tmp and c.save_file or nil
  for _ = 1, redirects + 6 do         -- redirects, plus a 401 and stale nonces
    local key = origin_of(u)
    local a = (c.user and c.auth ~= "none") and self.auths[key] or nil
    local authz
    if c.auth == "bearer" then
      authz = "Bearer " .. c.token
    elseif c.auth == "basic" and c.user and not a then
      if not (u.tls or c.allow_basic_plaintext) then
        return fail("http: Basic would send the password in clear text; use https or " ..
                    "allow_basic_plaintext", "auth_unavailable")
      end
      a, err, info = core.http_auth{ challenges = { 'Basic realm=""' }, user = c.user,
                                     password = c.password, allow_basic = true }
      if not a then return nil, err, info end
      self.auths[key] = a
    end
    if a then
      authz, err, info = a:answer(method, u.target, body)
      if not authz then return nil, err, info end
    end
    state.sent_auth = a ~= nil
    local headers = self:_headers(u, c, method, body, authz)
    local res
    res, err, info = self:_exchange(u, c, method, body, headers, tmp or direct)
    if not res then
      if tmp then os.remove(tmp) end
      return nil, err, info
    end
    self:_take_cookies(u, res.headers)
    local retry = false
    if res.status == 401 and c.user and c.password and c.auth ~= "none" and c.auth ~= "bearer" then
      retry, err, info = self:_answer_401(u, c, res, state)
      if not retry then
        if tmp then os.remove(tmp) end
        return nil, err, info
      end
    elseif a and res.status < 400 then
      for _, v in ipairs(header_values(res.headers, "authentication-info")) do
        local ok, ierr, iinfo = a:check_info(v, u.target, res.body)
        if not ok then
          if tmp then os.remove(tmp) end
          iinfo.status = res.status
          return nil, ierr, iinfo
        end
      end
    end
    local location = REDIRECT[res.status] and header_values(res.headers, "location")[1]
    if not retry and location and redirects == 0 and c.redirects ~= 0 then
      if tmp then os.remove(tmp) end
      return fail(("http: too many redirects (more than %d) from %s"):format(
        c.redirects or 3, c.url), "protocol", { status = res.status })
    end
    if not retry and location and redirects > 0 then
      local nu
      nu, err, info = core.url_parse(url_string(u), location)
      if not nu then return nil, "http: bad redirect: " .. err, info end
      if origin_of(nu) ~= key then
        -- Never carry credentials to another origin.
        c.user, c.password, c.token = nil, nil, nil
        if c.auth == "bearer" then c.auth = "none" end
      end
      if res.status == 303 or ((res.status == 301 or res.status == 302) and method == "POST") then
        method, body = "GET", nil
      end
      redirects = redirects - 1
      u = nu
      retry = true
    end
    if not retry then
      local out = { status = res.status, reason = res.reason, headers = header_map(res.headers),
                    header_list = res.headers, body = res.body, url = url_string(u),
                    length = res.length }
      if a then out.auth = a:info() end
      if direct then out.saved = direct end
      if tmp then
        if res.status >= 200 and res.status < 300 then
          local ok, rerr = os.rename(tmp, c.save_file)
          if not ok then
            os.remove(tmp)
            return fail("http: cannot save " .. c.save_file .. ": " .. tostring(rerr), "bad_argument")
          end
          out.saved = c.save_file
        else
          os.remove(tmp)        -- a failed download never replaces a good file
        end
      end
      return out
    end
  end
  if tmp then os.remove(tmp) end
  return fail("http: too many redirects or authentication rounds for " .. c.url, "protocol")
end

function Session:close()
  for k, conn in pairs(self.conns) do conn:close(); self.conns[k] = nil end
  for k, a in pairs(self.auths) do a:close(); self.auths[k] = nil end
end

function M.request(opts)
  local s = M.session{}
  local res, err, info = s:request(opts)
  s:close()
  return res, err, info
end

return M
