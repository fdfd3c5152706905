-- gwkit.hgw.pr600mi: the profile of an NTT PR-600MI class home gateway,
-- as data. What is known and what is assumed:
--
-- Known from public scripts written against PR-500MI and RS-500KI class
-- gateways (the same NTT web UI family): the status page
-- /ntt/information/fifth/current, pages under /ntt/information/
-- (dhcpV4Server with a "table.data" lease table, v4SecurityLog,
-- callHistory) and /ntt/detail/, <div class="section"> blocks headed by
-- "<h2>[ ... ]</h2>" with label/value tables (<th> label, <td> value) in
-- UTF-8, the WAN and the LAN MAC at the top of the status page, "接続中"
-- for a connected session, the session cookie HGWSESSIONID.
--
-- Assumed (no PR-600MI page was available): the exact labels and section
-- headings below, and the DHCPv6 prefix-delegation page
-- /ntt/information/dhcpV6Server (named after dhcpV4Server) with its column
-- labels. tests/servers/hgw_emu.py serves pages built on the same
-- assumptions. To check them on a real gateway run `hgw-dump` and compare
-- the saved *.rows.txt with the labels here; a copy of this file with the
-- labels fixed, passed as `model = dofile("my-profile.lua")`, needs no code.
--
-- Fields: label (a string or a list of alternatives, matched exactly, with
-- an optional trailing colon), section (text of the heading row the label
-- must follow), type (text, mac, ipv4, prefix, addresses, state, integer),
-- pattern (a Lua pattern applied to the value first), required (the page
-- "does not parse" without this label).
return {
  name = "pr600mi",
  description = "NTT PR-600MI class home gateway (Digest login)",
  auth = "digest",             -- a Basic challenge is refused unless allow_basic = true
  probe = "status",            -- the page fetched by discovery and login
  states = {                   -- extra connection-state words (besides the built-in ones)
    { "connecting", { "接続確認中" } },
  },
  pages = {
    status = {
      path = "/ntt/information/fifth/current",
      fields = {
        firmware = { label = { "ファームウェアバージョン", "ファームウェア" } },
        wan_mac = { label = "MACアドレス", section = "WAN", type = "mac", required = true },
        lan_mac = { label = "MACアドレス", section = "LAN", type = "mac", required = true },
        wan_ipv4 = { label = "WAN側IPアドレス", section = "IPv4", type = "ipv4", required = true },
        dns4 = { label = "DNSサーバアドレス", section = "IPv4", type = "addresses" },
        ipv6 = { label = "接続状態", section = "IPv6", type = "state", required = true },
        prefix = { label = { "IPv6プレフィックス", "プレフィックス" }, section = "IPv6",
                   type = "prefix", required = true },
        dns6 = { label = "DNSサーバアドレス", section = "IPv6", type = "addresses" },
      },
    },
    leases = {
      path = "/ntt/information/dhcpV6Server",
      table = {
        columns = { prefix = "プレフィックス", duid = "DUID", iaid = "IAID",
                    expires = "残りリース時間", state = "状態" },
        required = { "prefix", "duid" },
      },
    },
    dhcp4 = { path = "/ntt/information/dhcpV4Server" },
  },
}
