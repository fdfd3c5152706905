-- gwkit.hgw.pr500mi: NTT PR-500MI / RS-500KI class home gateways. Public
-- scripts written against them log in with HTTP Basic and read the same
-- status page as PR-600MI (/ntt/information/fifth/current, the same
-- section/label layout), so this profile is pr600mi's pages with Basic
-- expected. Basic sends the password in clear text over the gateway's
-- plain http: that is what these gateways offer. No lease table is known
-- for them (pd_leases() says so); the labels are assumptions as in pr600mi.
local base = require "gwkit.hgw.pr600mi"

return {
  name = "pr500mi",
  description = "NTT PR-500MI / RS-500KI class home gateway (Basic login)",
  auth = "basic",
  probe = "status",
  states = base.states,
  pages = { status = base.pages.status, dhcp4 = base.pages.dhcp4 },
}
