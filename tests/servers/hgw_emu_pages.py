"""hgw_emu_pages.py - the web pages of the home-gateway emulator.

Modelled on what public scripts show of NTT PR-500MI/RS-500KI class
gateways (/ntt/information/... paths, <div class="section"> blocks headed
by "<h2>[ ... ]</h2>", label/value tables "table.setting" with <th>/<td>,
data tables "table.data"). The exact PR-600MI labels and the DHCPv6 lease
page were not available: they are this emulator's assumptions, the same
ones lua/gwkit/hgw/pr600mi.lua makes. Pages are built from the emulator's
state and encoded in the chosen charset with a matching <meta> tag.
Python 3 stdlib only.
"""

import html

STATUS_PATH = "/ntt/information/fifth/current"
LEASES_PATH = "/ntt/information/dhcpV6Server"
DHCP4_PATH = "/ntt/information/dhcpV4Server"

META_NAMES = {"utf-8": "UTF-8", "shift_jis": "Shift_JIS", "euc-jp": "EUC-JP"}
CODECS = {"utf-8": "utf-8", "shift_jis": "shift_jis", "euc-jp": "euc_jp"}

MENU = [(STATUS_PATH, "現在の状態"), (LEASES_PATH, "DHCPv6サーバ払い出し状況"),
        (DHCP4_PATH, "DHCPv4サーバ払い出し状況")]


def esc(s):
    return html.escape(str(s), quote=True)


def frame(title, charset, body):
    menu = " | ".join('<a href="%s">%s</a>' % (p, esc(t)) for p, t in MENU)
    return ('<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
            '"http://www.w3.org/TR/html4/loose.dtd">\n<html><head>'
            '<meta http-equiv="Content-Type" content="text/html; charset=%s">'
            '<link rel="stylesheet" type="text/css" href="/ntt/resources/css/style.css">'
            '<script type="text/javascript">var t = "<td>not a cell</td>";</script>'
            '<title>%s</title></head>\n<body><div id="title"><h1>%s</h1></div>\n'
            '<div id="breadcrumb"><a href="../../top">トップページ</a> &gt; 情報 &gt; <b>%s</b></div>\n'
            '<div id="menu">%s</div>\n<!-- status as of now -->\n%s\n</body></html>\n'
            % (META_NAMES[charset], esc(title), esc(title), esc(title), menu, body))


def section(heading, rows, drop):
    """A "[ heading ]" block with a label/value table; labels in drop are left out."""
    trs = []
    for label, value in rows:
        if label in drop:
            continue
        trs.append('<tr>\n  <th class="label" nowrap>%s</th>\n  <td>%s</td></tr>'
                   % (esc(label), value))
    return ('<div class="section"><h2>[ %s ]</h2>\n<table class="setting" summary="%s"><tbody>\n%s\n'
            '</tbody></table></div>' % (esc(heading), esc(heading), "\n".join(trs)))


def status_page(st, charset):
    """The status page (WAN/LAN MAC, firmware, IPv4 and IPv6 connection, prefix, DNS)."""
    drop = set(st["drop_labels"])
    v6 = st["ipv6_state"] == "接続中"
    body = "\n".join([
        section("装置情報", [("機種名", esc(st["model_name"])),
                            ("ファームウェアバージョン", esc(st["firmware"]))], drop),
        section("WAN側情報", [("MACアドレス", esc(st["wan_mac"].upper()))], drop),
        section("LAN側情報", [("MACアドレス", esc(st["mac"].upper())),
                             ("IPv4アドレス", "192.168.1.1"),
                             ("サブネットマスク", "255.255.255.0")], drop),
        section("IPv4接続状態", [("接続状態", "接続中"),
                               ("WAN側IPアドレス", esc(st["wan_ipv4"])),
                               ("DNSサーバアドレス", " / ".join(esc(d) for d in st["dns4"]))], drop),
        section("IPv6接続状態", [("接続状態", esc(st["ipv6_state"])),
                               ("IPv6プレフィックス", esc(st["prefix"]) if v6 else "-"),
                               ("DNSサーバアドレス",
                                "<br>".join(esc(d) for d in st["dns6"]) if v6 else "-")], drop),
    ])
    return frame("現在の状態", charset, body)


def leases_page(leases, charset, drop=()):
    """The DHCPv6 server's prefix delegation table (an assumed layout)."""
    heads = ["No.", "プレフィックス", "DUID", "IAID", "残りリース時間(秒)", "状態"]
    heads = [h for h in heads if h not in drop]
    trs = ["<tr>%s</tr>" % "".join("<th>%s</th>" % esc(h) for h in heads)]
    for n, l in enumerate(leases, 1):
        cells = {"No.": n, "プレフィックス": l["prefix"], "DUID": l["duid"] or "-",
                 "IAID": "-" if l["iaid"] is None else l["iaid"],
                 "残りリース時間(秒)": l["remaining"], "状態": "払い出し中"}
        trs.append("<tr>%s</tr>" % "".join("<td>%s</td>" % esc(cells[h]) for h in heads))
    if not leases:
        trs.append('<tr><td colspan="%d">払い出し中のプレフィックスはありません</td></tr>' % len(heads))
    body = ('<div class="section"><h2>[ DHCPv6サーバ払い出し状況 ]</h2>\n'
            '<table class="data"><tbody>\n%s\n</tbody></table></div>' % "\n".join(trs))
    return frame("DHCPv6サーバ払い出し状況", charset, body)


def dhcp4_page(charset):
    body = ('<div class="section"><h2>[ DHCPv4サーバ払い出し状況 ]</h2>\n<table class="data"><tbody>'
            '<tr><th>IPアドレス</th><th>MACアドレス</th><th>リース残り時間</th></tr>'
            '<tr><td>192.168.1.2</td><td>02:00:5E:10:00:02</td><td>86400</td></tr>'
            '</tbody></table></div>')
    return frame("DHCPv4サーバ払い出し状況", charset, body)


def top_page(charset):
    return frame("トップページ", charset, '<div class="section"><p>メニューから選択してください。</p></div>')


def not_found(charset):
    return frame("Not Found", charset, "<p>404 Not Found</p>")


def encode(text, charset):
    return text.encode(CODECS[charset], errors="xmlcharrefreplace")
