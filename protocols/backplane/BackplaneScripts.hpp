// BackplaneScripts: the Lua scripts the Redis backplane runs, each one round
// trip and atomic in Redis.
//
// Key layout under PREFIX (see RedisBackplane.hpp): PREFIX:servers (set of
// server tags), PREFIX:alive:TAG (a server's heartbeat), PREFIX:members:TAG
// (hash nick -> its rooms, comma-separated), PREFIX:nick:NICK (NICK case-
// folded; the tag of the server holding the nick). Every key but the set expires unless its server
// refreshes it. Keys are built inside the scripts from the prefix, so this layout suits a single
// Redis, not Redis Cluster.
#pragma once

#include <string_view>

namespace uvreactor::protocols::backplane::scripts {

// ARGV: prefix, tag, ttl ms, member count N, N x (folded nick, nick, rooms).
// Re-asserts the whole of one server's state (a Redis restarted empty gets
// it back within one heartbeat) and returns the nicks another server holds.
constexpr std::string_view kHeartbeat = R"lua(
local prefix, tag, ttl, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local members = prefix .. ':members:' .. tag
redis.call('SET', prefix .. ':alive:' .. tag, '1', 'PX', ttl)
redis.call('SADD', prefix .. ':servers', tag)
redis.call('DEL', members)
local lost = {}
for i = 0, n - 1 do
  local folded, nick, rooms = ARGV[5 + 3 * i], ARGV[6 + 3 * i], ARGV[7 + 3 * i]
  redis.call('HSET', members, nick, rooms)
  local key = prefix .. ':nick:' .. folded
  local owner = redis.call('GET', key)
  if owner == false or owner == tag then
    redis.call('SET', key, tag, 'PX', ttl)
  else
    table.insert(lost, nick)
  end
end
if n > 0 then redis.call('PEXPIRE', members, ttl) end
return lost
)lua";

// ARGV: prefix. Forgets servers whose heartbeat expired; returns a flat
// array: tag, {nick, room, ...}, tag, {...}.
constexpr std::string_view kDirectory = R"lua(
local prefix = ARGV[1]
local out = {}
for _, tag in ipairs(redis.call('SMEMBERS', prefix .. ':servers')) do
  if redis.call('EXISTS', prefix .. ':alive:' .. tag) == 0 then
    redis.call('SREM', prefix .. ':servers', tag)
    redis.call('DEL', prefix .. ':members:' .. tag)
  else
    table.insert(out, tag)
    table.insert(out, redis.call('HGETALL', prefix .. ':members:' .. tag))
  end
end
return out
)lua";

// KEYS: the nick's key. ARGV: tag, ttl ms. 1 when this server now holds it.
constexpr std::string_view kClaim = R"lua(
local owner = redis.call('GET', KEYS[1])
if owner == false or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
)lua";

// KEYS: the nick's key. ARGV: tag. Compare-and-delete: a nick another
// server took meanwhile stays its own.
constexpr std::string_view kRelease = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

// KEYS: the target nick's key. ARGV: prefix, message. Publishes to the
// server holding the nick; returns how many servers received it.
constexpr std::string_view kPrivate = R"lua(
local owner = redis.call('GET', KEYS[1])
if owner == false then return 0 end
return redis.call('PUBLISH', ARGV[1] .. ':server:' .. owner, ARGV[2])
)lua";

}  // namespace uvreactor::protocols::backplane::scripts
