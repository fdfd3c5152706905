-- gwkit.pd.gateway: the PD monitor's steps at the home gateway, on top of
-- gwkit.hgw: find it (a stale configured address is skipped when the
-- discovery order goes on), say when its MAC changed since the last run
-- (and which EUI-64 addresses that invalidated) -- from the neighbour
-- table before the login, so a replacement shows even when the login
-- fails --, log in once (each configured password at most once), say
-- which password worked or why none did, and learn the /56 from the
-- status page. After a replacement (o.after_replace) the failed logins
-- recorded with the old password are forgotten first.
local ipv6 = require "gwkit.ipv6"
local report = require "gwkit.pd.report"

local M = {}

-- The hgw options of the config (password_file already read).
function M.options(cfg)
  local o = {}
  for k, v in pairs(cfg.gateway) do o[k] = v end
  if not o.state_file and cfg.state_file then o.state_file = cfg.state_file .. ".hgw" end
  return o
end

-- Discovery, login, status. hgw: the gwkit.hgw module; r: the report;
-- st: the PD state (the last-known MAC); o: the run options. Returns gw,
-- status, the /56 (an ipv6 prefix), or nil with r.exit set.
function M.connect(hgw, cfg, r, st, o)
  local ok, gw = pcall(hgw.new, M.options(cfg))
  if not ok then
    r:say("gateway: bad configuration: %s", tostring(gw))
    r.exit, r.exit_why = 78, "configuration"
    return nil
  end
  r.gw = gw
  local found, err = gw:discover()
  if not found then
    r:say("gateway: not found: %s", tostring(err))
    r.exit, r.exit_why = 3, "gateway not found"
    return nil
  end
  r.gateway = { address = found.address, how = found.how, mac = found.mac }
  r:say("gateway: %s (found by %s)%s", tostring(found.address), tostring(found.how),
        found.mac and (", MAC " .. found.mac) or "")
  local old = st.gateway.mac
  if found.mac and old and ipv6.mac(found.mac) ~= ipv6.mac(old) then
    r.mac_changed = { old = old, new = found.mac }
    r:say(report.mac_change(old, found.mac, st.prefix))
    if not o.after_replace then
      r:say("  was the gateway replaced? then: pd-monitor --after-replace")
    end
  end
  if o.after_replace and gw.forget_failures then
    -- The admin fixed the password for the new gateway: the failed logins
    -- recorded with the old one do not hold this attempt back.
    gw:forget_failures()
  end
  local logged, how, info = gw:login()
  if not logged then
    r:say("gateway: login failed: %s", tostring(how))
    if info and info.kind == "auth_failed" then
      r:say("  the gateway answered HTTP 401 to the configured password%s: set gateway.password "
            .. "(or add the old one to gateway.previous_passwords) and run pd-monitor --after-replace",
            cfg.gateway.previous_passwords and " and the previous ones" or "")
    elseif info and info.kind == "rate_limited" then
      r:say("  no login attempt now: failed logins are limited (gateway.max_logins_per_hour) so " ..
            "that the gateway does not lock the account; once the password is fixed: " ..
            "pd-monitor --after-replace")
    end
    r.exit, r.exit_why = 3, "login failed"
    return nil
  end
  how = how or {}
  r.login = how
  r:say("gateway: logged in (%s, %s password)", tostring(how.scheme or "?"),
        tostring(how.password or "current"))
  if how.password and how.password ~= "current" then
    r:say("  the %s password worked: put it in gateway.password", how.password)
  end
  local s
  s, err = gw:status()
  if not s and not cfg.prefix then
    r:say("gateway: status page not read: %s", tostring(err))
    r.exit, r.exit_why = 3, "status not read"
    return nil
  end
  s = s or {}
  if s.mac and old and not r.mac_changed and ipv6.mac(s.mac) ~= ipv6.mac(old) then
    r.mac_changed = { old = old, new = s.mac }
    r:say(report.mac_change(old, s.mac, s.prefix or st.prefix))
  elseif s.identity and s.identity.changed and not r.mac_changed then
    r.mac_changed = { old = s.identity.previous_mac, new = s.identity.mac }
    r:say(report.mac_change(s.identity.previous_mac, s.identity.mac, s.prefix or st.prefix))
  end
  r.gateway.mac = s.mac or found.mac
  local p56 = cfg.prefix or s.prefix
  if not p56 then
    r:say("gateway: holds no IPv6 prefix (IPv6 connection: %s)", tostring(s.ipv6 or "?"))
    r.exit, r.exit_why = 2, "the gateway holds no prefix"
    return nil
  end
  if cfg.prefix and s.prefix and ipv6.format(s.prefix) ~= ipv6.format(cfg.prefix) then
    r:say("gateway: reports %s; the config fixes %s (used)", s.prefix, cfg.prefix)
  end
  local pfx
  pfx, err = ipv6.prefix(p56)
  if not pfx or pfx.len > 56 then
    r:say("gateway: unusable prefix %s%s", tostring(p56), err and (": " .. err) or "")
    r.exit, r.exit_why = 2, "unusable prefix"
    return nil
  end
  r:say("prefix: %s", tostring(pfx))
  return gw, s, pfx
end

-- The lease table, or nil when the model shows none or it was not read.
function M.leases(gw, r)
  if not gw.pd_leases then return nil end
  local leases, err, info = gw:pd_leases()
  if leases then return leases end
  if not (info and info.kind == "unsupported") then
    r:say("gateway lease table: not read (%s)", tostring(err))
  end
  return nil
end

return M
