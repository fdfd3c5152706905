-- gwkit.smtp.batch: Session:send_batch of gwkit.smtp (which loads this file
-- on first use). RFC 2920 3.1 lets a pipelined group hold several mail
-- transactions, and BDAT LAST (RFC 3030) ends each without a 354 to wait
-- for: the C engine (smtp_session_mail_batch) sends up to 32 messages per
-- flight, each after an RSET, and reads the replies in order.
local M = {}

-- Several messages on the session's connection: with PIPELINING and
-- CHUNKING they go up to 32 in one flight (RFC 2920 lets a pipelined group
-- hold several transactions; BDAT LAST needs no 354, RFC 3030), otherwise
-- one after another. Returns a list with, for each message, what s:send
-- returns on success, or its info table with `error` set (kind, code,
-- reply, rcpts, rejected) when it was not sent; misuse raises as s:send.
function M.send(self, list, message_of)
  if type(list) ~= "table" then error("smtp: list of messages expected", 2) end
  local out, todo, index = {}, {}, {}
  for i, t in ipairs(list) do
    if type(t) ~= "table" then error(("smtp: message #%d: options table expected"):format(i), 2) end
    local msg, from, rcpts = message_of(t)
    if msg then
      todo[#todo + 1] = { from = from, rcpts = rcpts, msg = msg }
      index[#todo] = i
    else
      out[i] = { error = from, kind = "bad_argument" }
    end
  end
  local first = 1
  while first <= #todo do
    local conn, err, info = self:_connected()
    if not conn then
      for k = first, #todo do out[index[k]] = { error = err, kind = info.kind } end
      return out
    end
    local chunk = {}
    for k = first, math.min(#todo, first + 999) do chunk[#chunk + 1] = todo[k] end
    local results = conn:mail_batch(chunk)   -- one entry per message
    for k, m in ipairs(chunk) do
      local r = results[k]
      if r.error then
        self:_outcome(m.rcpts, nil, r.error, r)
      else
        r = self:_outcome(m.rcpts, r)
      end
      out[index[first + k - 1]] = r
    end
    -- After a broken connection the messages of this chunk whose replies
    -- never came are reported (they may have been taken); the next chunk,
    -- never sent, gets a new connection.
    first = first + #chunk
  end
  return out
end

return M
