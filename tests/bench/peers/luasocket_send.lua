-- One message with LuaSocket + LuaSec, written the plain way a router
-- script would: one command, one reply (no PIPELINING), AUTH PLAIN with an
-- initial response, QUIT waited for. Usage:
--   lua5.1 luasocket_send.lua starttls|tls HOST PORT CAFILE USER PASSWORD FROM TO MSGFILE
local socket = require "socket"
local ssl = require "ssl"
local mime = require "mime"
local mode, host, port, cafile, user, pass, from, to, msgfile = unpack(arg)
local f = assert(io.open(msgfile, "rb")); local msg = f:read("*a"); f:close()

local c = assert(socket.connect(host, tonumber(port)))
c:settimeout(30)
local function reply()
  local line, code
  repeat
    line = assert(c:receive("*l"))
    code = line:match("^(%d%d%d)")
  until line:sub(4, 4) ~= "-"
  return tonumber(code), line
end
local function cmd(s, want)
  assert(c:send(s .. "\r\n"))
  local code, line = reply()
  assert(code == want, s:match("^%S+") .. ": " .. line)
end
local params = { mode = "client", protocol = "any", verify = "peer", cafile = cafile,
                 options = { "all", "no_sslv3", "no_tlsv1", "no_tlsv1_1" } }
local function tls()
  c = assert(ssl.wrap(c, params))
  c:sni("localhost")
  c:settimeout(30)
  assert(c:dohandshake())
end
if mode == "tls" then tls() end
assert(reply() == 220)
cmd("EHLO localhost", 250)
if mode == "starttls" then
  cmd("STARTTLS", 220)
  tls()
  cmd("EHLO localhost", 250)
end
cmd("AUTH PLAIN " .. (mime.b64("\0" .. user .. "\0" .. pass)), 235)
cmd("MAIL FROM:<" .. from .. ">", 250)
cmd("RCPT TO:<" .. to .. ">", 250)
cmd("DATA", 354)
msg = msg:gsub("\r?\n", "\r\n"):gsub("\n%.", "\n..")
if msg:sub(-2) ~= "\r\n" then msg = msg .. "\r\n" end
cmd(msg .. ".", 250)
cmd("QUIT", 221)
c:close()
