// The Lua scripts Redis runs for shared limits: each call is one atomic step on the server, so
// agents racing for the last unit of a limit cannot both get it.
//
// A window is a Redis hash per (policy, identity, kind): field = slot number (time / slot length),
// value = what was counted in that slot (requests, or tokens reserved and then settled). A window of
// length W with slots of length S counts the current slot and the W/S slots before it, so an entry
// counts for at least W (and at most W + S) after it was made: in no span of W does more than the
// limit pass, at a window edge included (no 2x burst). Retry-After is the time until enough of the
// oldest slots have aged out for the request to fit.

/**
 * Admit: KEYS = windows; ARGV[1] = now (ms), then per key: limit, window ms, slot ms, cost.
 * Checks every window, and only when all have room adds each one's cost (all or nothing).
 * Returns {0, slot_1, ..., slot_n} when admitted; else {i, retry_ms} for the first window without
 * room, retry_ms = -1 when the cost alone is above the limit (it never fits).
 */
export const ADMIT_SCRIPT = `
local now = tonumber(ARGV[1])
local slots = {}
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 4
  local limit = tonumber(ARGV[base + 1])
  local window = tonumber(ARGV[base + 2])
  local slot = tonumber(ARGV[base + 3])
  local cost = tonumber(ARGV[base + 4])
  local current = math.floor(now / slot)
  local span = math.floor(window / slot)
  local oldest = current - span
  local fields = redis.call('HGETALL', KEYS[i])
  local used = 0
  local live = {}
  for j = 1, #fields, 2 do
    local at = tonumber(fields[j])
    local amount = tonumber(fields[j + 1])
    if at < oldest then
      redis.call('HDEL', KEYS[i], fields[j])
    else
      used = used + amount
      live[#live + 1] = { at, amount }
    end
  end
  if cost > limit then return { i, -1 } end
  if used + cost > limit then
    table.sort(live, function(a, b) return a[1] < b[1] end)
    local excess = used + cost - limit
    local retry = window
    for _, entry in ipairs(live) do
      excess = excess - entry[2]
      if excess <= 0 then
        retry = (entry[1] + span + 1) * slot - now
        break
      end
    end
    return { i, retry }
  end
  slots[i] = current
end
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 4
  redis.call('HINCRBY', KEYS[i], slots[i], ARGV[base + 4])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[base + 2]) + tonumber(ARGV[base + 3]))
end
local result = { 0 }
for i = 1, #KEYS do result[i + 1] = slots[i] end
return result
`;

/**
 * Settle: KEYS = windows; ARGV per key: slot, delta. Adds delta to the slot an admission counted
 * in (actual tokens minus the reservation, or -cost to give an admission back), only while that
 * slot is still in its window (an aged-out slot no longer counts anyway).
 */
export const SETTLE_SCRIPT = `
for i = 1, #KEYS do
  local slot = ARGV[(i - 1) * 2 + 1]
  if redis.call('HEXISTS', KEYS[i], slot) == 1 then
    redis.call('HINCRBY', KEYS[i], slot, ARGV[(i - 1) * 2 + 2])
  end
end
return 0
`;
