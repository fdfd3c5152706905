-- gwkit.hgw.generic: a fallback profile for a gateway without a profile
-- of its own. Labels are found anywhere on the page (a section is only
-- preferred), a label cell may carry more text after the label
-- ("MACアドレス(LAN)"), and common English and Japanese labels are tried
-- in order. Only the MAC is required. The status page is the first of the
-- paths that does not answer 404. Whatever the gateway's challenge asks,
-- Digest or Basic, is answered (Basic goes in clear text over http).
return {
  name = "generic",
  description = "any home gateway: common labels, found anywhere",
  auth = "any",
  probe = "status",
  loose_labels = true,
  pages = {
    status = {
      path = { "/ntt/information/fifth/current", "/status.html", "/info.html", "/" },
      fields = {
        lan_mac = { label = { "LAN側MACアドレス", "MACアドレス(LAN)", "LAN MAC Address", "LAN MAC",
                              "MACアドレス", "MAC Address", "MAC" },
                    section = "LAN", section_optional = true, type = "mac", required = true },
        wan_mac = { label = { "WAN側MACアドレス", "MACアドレス(WAN)", "WAN MAC Address", "WAN MAC",
                              "MACアドレス", "MAC Address" },
                    section = "WAN", type = "mac" },
        firmware = { label = { "ファームウェアバージョン", "ファームウェア", "Firmware Version",
                               "Firmware", "Software Version" } },
        wan_ipv4 = { label = { "WAN側IPアドレス", "WAN IP Address", "IPv4アドレス", "IP Address" },
                     section = "IPv4", section_optional = true, type = "ipv4" },
        ipv6 = { label = { "IPv6接続状態", "IPv6 Connection", "IPv6 Status", "接続状態" },
                 section = "IPv6", section_optional = true, type = "state" },
        prefix = { label = { "IPv6プレフィックス", "プレフィックス", "IPv6 Prefix", "Delegated Prefix",
                             "Prefix" }, type = "prefix" },
        dns4 = { label = { "DNSサーバアドレス", "DNSサーバ", "DNS Server", "DNS" },
                 section = "IPv4", type = "addresses" },
        dns6 = { label = { "DNSサーバアドレス", "DNSサーバ", "DNS Server", "DNS" },
                 section = "IPv6", type = "addresses" },
      },
    },
  },
}
