#include "ServerConfig.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "BackplaneCredentials.hpp"
#include "BackplaneTls.hpp"
#include "IrcSecrets.hpp"
#include "backplane/RedisBackplane.hpp"
#include "uvreactor/PlatformFeatures.hpp"

namespace uvreactor::demo {
namespace {

// Seconds as milliseconds: finite, 0 or at least 1 ms (a value that would
// round to 0 must not silently mean "off"), and at most a year.
uint64_t secondsToMs(double seconds, const char* flag) {
  constexpr double kMaxSeconds = 365.0 * 24 * 3600;
  std::string name = std::string("--") + flag;
  if (!(seconds >= 0 && seconds <= kMaxSeconds)) {
    throw UsageError{name + " must be between 0 and " + std::to_string(int(kMaxSeconds)) +
                     " seconds"};
  }
  if (seconds > 0 && seconds < 0.001) throw UsageError{name + " must be 0 or at least 0.001"};
  return static_cast<uint64_t>(seconds * 1000.0 + 0.5);
}

// Counts and sizes: at least `min`, at most `max` (1 TiB by default; a typo
// of extra digits is an error, not a limit that never applies).
std::size_t boundedCount(const cxxopts::ParseResult& args, const char* flag, std::size_t min,
                         std::size_t max = std::size_t{1} << 40) {
  std::size_t value = args[flag].as<std::size_t>();
  if (value < min || value > max) {
    throw UsageError{std::string("--") + flag + " must be between " + std::to_string(min) +
                     " and " + std::to_string(max)};
  }
  return value;
}

constexpr unsigned long kMaxWorkers = 1024;
constexpr const char* kInternalGroup = "internal";

// "auto": one worker per core; else 1 to kMaxWorkers.
unsigned parseWorkers(const std::string& text) {
  if (text == "auto") return std::max(1u, std::thread::hardware_concurrency());
  char* end = nullptr;
  unsigned long n = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || text[0] == '-' || n < 1 || n > kMaxWorkers) {
    throw UsageError{"--workers must be 'auto' or a number from 1 to " +
                     std::to_string(kMaxWorkers) + ", not '" + text + "'"};
  }
  return static_cast<unsigned>(n);
}

// "V4/V6": prefix lengths, 1-32 and 1-128.
std::pair<unsigned, unsigned> parsePrefixes(const std::string& text) {
  unsigned v4 = 0, v6 = 0;
  char slash = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%u%c%u%c", &v4, &slash, &v6, &extra) != 3 || slash != '/' ||
      text.size() > 7 || v4 < 1 || v4 > 32 || v6 < 1 || v6 > 128 ||
      text.find_first_not_of("0123456789/") != std::string::npos) {
    throw UsageError{
        "--per-ip-prefix must be V4/V6 with V4 from 1 to 32 and V6 from 1 to 128 "
        "(default 32/64), not '" +
        text + "'"};
  }
  return {v4, v6};
}

// The files are only named here; they are loaded (and a bad one reported,
// exit 1) when the server starts.
void parseTls(const cxxopts::ParseResult& args, ServerConfig& c) {
  if (args.count("tls-cert")) c.tlsCert = args["tls-cert"].as<std::string>();
  if (args.count("tls-key")) c.tlsKey = args["tls-key"].as<std::string>();
  if (args.count("tls-ca")) c.tlsCa = args["tls-ca"].as<std::string>();
  c.tlsVerifyClient = args["tls-verify-client"].as<bool>();
  c.tlsHandshakeTimeoutMs =
      secondsToMs(args["tls-handshake-timeout"].as<double>(), "tls-handshake-timeout");
  if (c.tlsListen.empty() && c.ircTlsListen.empty()) {
    if (!c.tlsCert.empty() || !c.tlsKey.empty() || !c.tlsCa.empty() || c.tlsVerifyClient)
      throw UsageError{
          "--tls-cert, --tls-key, --tls-ca and --tls-verify-client need --tls-listen or "
          "--irc-tls-listen"};
    return;
  }
  if (c.tlsCert.empty() || c.tlsKey.empty())
    throw UsageError{std::string(c.tlsListen.empty() ? "--irc-tls-listen" : "--tls-listen") +
                     " needs --tls-cert and --tls-key"};
  if (c.tlsVerifyClient && c.tlsCa.empty()) throw UsageError{"--tls-verify-client needs --tls-ca"};
}

std::vector<std::string> strings(const cxxopts::ParseResult& args, const char* flag) {
  return args.count(flag) ? args[flag].as<std::vector<std::string>>() : std::vector<std::string>{};
}

// --listen, --tls-listen, --irc-listen, --irc-tls-listen: parsed, and none
// given twice (port 0 excepted: each is a new port).
void parseAddresses(const cxxopts::ParseResult& args, ServerConfig& c) {
  std::vector<std::string> tlsListen = strings(args, "tls-listen");
  std::vector<std::string> ircTlsListen = strings(args, "irc-tls-listen");
  // The default plaintext address only when no address is given at all.
  std::vector<std::string> listen =
      args.count("listen") ? strings(args, "listen")
      : tlsListen.empty() && ircTlsListen.empty()
          ? std::vector<std::string>{c.protocol == "irc" ? "127.0.0.1:6667" : "127.0.0.1:9006"}
          : std::vector<std::string>{};
  std::vector<std::string> ircListen = strings(args, "irc-listen");
  const std::vector<Endpoint>* all[] = {&c.listen, &c.tlsListen, &c.ircListen, &c.ircTlsListen};
  for (const auto& [flag, list, into] :
       {std::tuple{"--listen", &listen, &c.listen},
        std::tuple{"--irc-listen", &ircListen, &c.ircListen},
        std::tuple{"--tls-listen", &tlsListen, &c.tlsListen},
        std::tuple{"--irc-tls-listen", &ircTlsListen, &c.ircTlsListen}}) {
    for (const auto& text : *list) {
      auto endpoint = Endpoint::parse(text);
      if (!endpoint) throw UsageError{endpoint.error().message()};
      for (const auto* seenList : all) {
        for (const Endpoint& seen : *seenList) {
          if (endpoint->port() != 0 && seen.toString() == endpoint->toString()) {
            throw UsageError{std::string(flag) + " " + text + " is given twice"};
          }
        }
      }
      into->push_back(*endpoint);
    }
  }
  if (c.protocol != "chat" && (!c.ircListen.empty() || !c.ircTlsListen.empty()))
    throw UsageError{
        "--irc-listen and --irc-tls-listen need --protocol chat (with --protocol irc, use "
        "--listen and --tls-listen)"};
}

// --worker K:PID (set by the supervisor): this process is one of its
// workers, serving with SO_REUSEPORT the addresses it resolved.
void parseWorkerRole(const cxxopts::ParseResult& args, ServerConfig& c) {
  if (!args.count("worker")) return;
  std::string value = args["worker"].as<std::string>();
  std::size_t colon = value.find(':');
  char* end = nullptr;
  unsigned long index = std::strtoul(value.c_str(), &end, 10);
  long parent =
      colon == std::string::npos ? 0 : std::strtol(value.c_str() + colon + 1, nullptr, 10);
  if (end != value.c_str() + colon || index == 0 || index > kMaxWorkers || parent <= 1) {
    throw UsageError{"--worker is internal to the supervisor (K:PID)"};
  }
  c.workerIndex = static_cast<unsigned>(index);
  c.supervisorPid = parent;
  c.workers = 1;
  c.listener.reusePort = true;
  for (const auto& [flag, into] :
       {std::pair{"resolved", &c.listen}, std::pair{"resolved-irc", &c.ircListen},
        std::pair{"resolved-tls", &c.tlsListen}, std::pair{"resolved-irc-tls", &c.ircTlsListen}}) {
    into->clear();
    for (const auto& text : strings(args, flag)) {
      auto endpoint = Endpoint::parse(text);
      if (!endpoint) throw UsageError{endpoint.error().message()};
      into->push_back(*endpoint);
    }
  }
}

}  // namespace

ServerConfig parseArgs(int argc, char** argv, cxxopts::Options& options) {
  // clang-format off
  options.add_options()
    ("p,protocol", "echo, chat, irc or console (the operator answers the clients on stdin)",
      cxxopts::value<std::string>()->default_value("echo"))
    ("l,listen", "HOST:PORT or [V6]:PORT to serve on; repeatable; port 0 picks a free port",
      cxxopts::value<std::vector<std::string>>())
    ("no-udp", "echo: do not serve UDP on the same ports",
      cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
    ("max-connections", "accept at most N connections at once; more are closed at once (0: no limit)",
      cxxopts::value<std::size_t>()->default_value("10000"))
    ("max-connections-per-ip", "admit at most N connections from one network (see --per-ip-prefix; "
                               "0: no limit)",
      cxxopts::value<std::size_t>()->default_value("0"))
    ("per-ip-prefix", "V4/V6: --max-connections-per-ip counts IPv4 peers by their /V4 network and "
                      "IPv6 peers by their /V6 (IPv4-mapped IPv6 as IPv4)",
      cxxopts::value<std::string>()->default_value("32/64"))
    ("max-line", "chat, console: longest line in bytes; a longer one closes the connection",
      cxxopts::value<std::size_t>()->default_value("4096"))
    ("idle-timeout", "close connections idle this many seconds (0: never; chat default 300)",
      cxxopts::value<double>())
    ("shutdown-timeout", "on SIGINT/SIGTERM, seconds to flush clients before resetting them",
      cxxopts::value<double>()->default_value("5"))
    ("high-water", "queued output bytes above which a connection stops reading",
      cxxopts::value<std::size_t>()->default_value("1048576"))
    ("low-water", "queued output bytes at which reading resumes",
      cxxopts::value<std::size_t>()->default_value("262144"))
    ("max-queued", "queued output bytes past which a connection is dropped as a slow consumer",
      cxxopts::value<std::size_t>()->default_value("8388608"))
    ("read-budget", "bytes one connection may read per loop pass before yielding to others (0: no limit)",
      cxxopts::value<std::size_t>()->default_value("65536"))
    ("max-channels-per-client", "chat, irc: rooms (IRC channels) one client may be in at once; "
                                "IRC clients see it as CHANLIMIT",
      cxxopts::value<std::size_t>()->default_value("20"))
    ("max-rooms", "chat, irc: rooms open on the server at once; past it, new rooms are refused "
                  "(0: no limit)",
      cxxopts::value<std::size_t>()->default_value("10000"))
    ("irc-listen", "chat: also serve IRC clients on HOST:PORT, in the same rooms (#lobby is "
                   "the room lobby); repeatable",
      cxxopts::value<std::vector<std::string>>())
    ("irc-server-name", "irc: the server's name in replies", cxxopts::value<std::string>()->default_value("uvreactor"))
    ("irc-tls-listen", "chat: also serve IRC clients over TLS on HOST:PORT (needs --tls-cert and "
                       "--tls-key); repeatable", cxxopts::value<std::vector<std::string>>())
    ("irc-password", "irc: the password clients must give with PASS. VISIBLE to every local user "
                     "(ps, /proc): prefer --irc-password-file or $UVR_IRC_PASSWORD",
      cxxopts::value<std::string>())
    ("irc-password-file", "irc: the PASS password from FILE (one line, mode 0600)",
      cxxopts::value<std::string>())
    ("irc-oper", "irc: NAME:PASSWORD for OPER; repeatable. VISIBLE to every local user: prefer "
                 "--irc-oper-file or $UVR_IRC_OPER (NAME:PASSWORD lines)",
      cxxopts::value<std::vector<std::string>>())
    ("irc-oper-file", "irc: NAME:PASSWORD for OPER, one per line, from FILE (mode 0600)",
      cxxopts::value<std::string>())
    ("irc-ping-interval", "irc: seconds of silence before the server sends PING",
      cxxopts::value<double>()->default_value("120"))
    ("irc-ping-timeout", "irc: seconds to answer a PING before being dropped",
      cxxopts::value<double>()->default_value("60"))
    ("irc-flood", "irc: lines per second a client may send after a burst of 30 before being "
                  "dropped for flooding (0: no limit)",
      cxxopts::value<std::size_t>()->default_value("10"))
    ("backplane", "chat: share the rooms with other servers through Redis, "
                  "redis://[USER@]HOST:PORT[/PREFIX], or rediss:// for Redis over TLS "
                  "(PREFIX: the key and channel prefix, default uvr; USER: a Redis ACL user)",
      cxxopts::value<std::string>())
    ("backplane-user", "chat: the Redis ACL user to AUTH as (or USER@ in the URL)",
      cxxopts::value<std::string>())
    ("backplane-password-file", "chat: AUTH to Redis with the password in FILE (one line, "
                                "mode 0600); else from $UVR_BACKPLANE_PASSWORD; never in argv",
      cxxopts::value<std::string>())
    ("workers", "processes serving the addresses, sharing each port (SO_REUSEPORT on Linux, "
                "SO_REUSEPORT_LB on FreeBSD; refused where the system has neither), "
                "supervised and replaced if they die; 'auto': one per core",
      cxxopts::value<std::string>()->default_value("1"))
    ("worker-ready-timeout", "seconds a new worker may take to report ready before the "
                             "supervisor kills and replaces it",
      cxxopts::value<double>()->default_value("10"))
    ("tls-listen", "HOST:PORT to serve the protocol on over TLS (needs --tls-cert and --tls-key); "
                   "repeatable; beside any --listen", cxxopts::value<std::vector<std::string>>())
    ("tls-cert", "TLS: PEM certificate chain (server certificate first)", cxxopts::value<std::string>())
    ("tls-key", "TLS: PEM private key of --tls-cert; SIGUSR2 reloads both files",
      cxxopts::value<std::string>())
    ("tls-ca", "TLS: PEM CA certificates that client certificates must chain to",
      cxxopts::value<std::string>())
    ("tls-verify-client", "TLS: require a client certificate signed by --tls-ca",
      cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
    ("tls-handshake-timeout", "TLS: seconds a handshake may take before the peer is closed",
      cxxopts::value<double>()->default_value("10"))
    ("log-level", "debug, info, warn, error or off", cxxopts::value<std::string>()->default_value("warn"))
    ("h,help", "show this help");
  // Only the supervisor passes these, to its workers: not in --help.
  options.add_options(kInternalGroup)
    ("worker", "run as worker K of the supervisor with pid P (K:P)", cxxopts::value<std::string>())
    ("resolved", "a worker's addresses, as the supervisor bound them",
      cxxopts::value<std::vector<std::string>>())
    ("resolved-irc", "a worker's IRC addresses", cxxopts::value<std::vector<std::string>>())
    ("resolved-tls", "a worker's TLS addresses", cxxopts::value<std::vector<std::string>>())
    ("resolved-irc-tls", "a worker's IRC-over-TLS addresses",
      cxxopts::value<std::vector<std::string>>());
  // clang-format on
  addBackplaneTlsOptions(options);
  cxxopts::ParseResult args;
  try {
    args = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError{e.what()};
  }
  if (!args.unmatched().empty()) throw UsageError{"unexpected argument: " + args.unmatched()[0]};
  ServerConfig c;
  if (args.count("help")) return c;
  c.protocol = args["protocol"].as<std::string>();
  if (c.protocol != "echo" && c.protocol != "chat" && c.protocol != "irc" &&
      c.protocol != "console") {
    throw UsageError{"--protocol must be echo, chat, irc or console, not '" + c.protocol + "'"};
  }
  parseAddresses(args, c);
  c.irc.serverName = args["irc-server-name"].as<std::string>();
  if (c.irc.serverName.empty() || c.irc.serverName.find_first_of(" :!@,\r\n") != std::string::npos)
    throw UsageError{"--irc-server-name must be one word without : ! @ or ,"};
  c.irc.pingIntervalMs = secondsToMs(args["irc-ping-interval"].as<double>(), "irc-ping-interval");
  c.irc.pingTimeoutMs = secondsToMs(args["irc-ping-timeout"].as<double>(), "irc-ping-timeout");
  if (c.irc.pingIntervalMs == 0 || c.irc.pingTimeoutMs == 0)
    throw UsageError{"--irc-ping-interval and --irc-ping-timeout must be above 0"};
  c.irc.floodLinesPerSecond = static_cast<unsigned>(boundedCount(args, "irc-flood", 0, 1000000));
  c.rooms.perMember = boundedCount(args, "max-channels-per-client", 1, 100000);
  c.rooms.total = boundedCount(args, "max-rooms", 0, 100000000);
  c.udp = c.protocol == "echo" && !args["no-udp"].as<bool>();
  c.maxLine = boundedCount(args, "max-line", 1, std::size_t{16} << 20);
  auto level = parseLogLevel(args["log-level"].as<std::string>());
  if (!level) throw UsageError{"--log-level must be debug, info, warn, error or off"};
  c.logLevel = *level;
  c.shutdownTimeoutMs = secondsToMs(args["shutdown-timeout"].as<double>(), "shutdown-timeout");
  ConnectionOptions& conn = c.listener.connection;
  conn.idleTimeoutMs = args.count("idle-timeout")
                           ? secondsToMs(args["idle-timeout"].as<double>(), "idle-timeout")
                           : (c.protocol == "chat" ? 300000 : 0);
  conn.highWaterMark = boundedCount(args, "high-water", 0);
  conn.lowWaterMark = boundedCount(args, "low-water", 0);
  conn.maxQueuedBytes = boundedCount(args, "max-queued", 1);
  if (conn.lowWaterMark > conn.highWaterMark) {
    throw UsageError{"--low-water must not exceed --high-water"};
  }
  if (conn.maxQueuedBytes < conn.highWaterMark) {
    throw UsageError{"--max-queued must be at least --high-water"};
  }
  conn.readBudgetBytes = boundedCount(args, "read-budget", 0);
  c.workers = parseWorkers(args["workers"].as<std::string>());
  if (c.workers > 1 && !reusePortBalancesLoad()) {
    throw UsageError{"--workers " + std::to_string(c.workers) +
                     ": this system cannot spread one port's connections over several "
                     "processes (no SO_REUSEPORT balancing, as on Linux, or SO_REUSEPORT_LB, as "
                     "on FreeBSD); they would all go to one worker. Run one process"};
  }
  c.workerReadyTimeoutMs =
      secondsToMs(args["worker-ready-timeout"].as<double>(), "worker-ready-timeout");
  if (c.workerReadyTimeoutMs == 0) throw UsageError{"--worker-ready-timeout must be above 0"};
  if (args.count("backplane")) {
    if (c.protocol == "echo" || c.protocol == "console")
      throw UsageError{"--backplane needs --protocol chat or irc"};
    try {
      auto address = protocols::backplane::parseBackplaneUrl(args["backplane"].as<std::string>());
      c.backplane = address.redis;
      c.backplanePrefix = address.prefix;
      c.backplaneUser = address.user;
      c.backplaneTls = address.tls;
    } catch (const std::invalid_argument& e) {
      throw UsageError{std::string("--backplane: ") + e.what()};
    }
  }
  if (c.protocol == "console" && c.workers > 1) {
    throw UsageError{"--workers " + std::to_string(c.workers) +
                     " with --protocol console: the console is this process's stdin and "
                     "stdout, which worker processes cannot share; run it without --workers"};
  }
  if (c.protocol != "echo" && c.workers > 1 && !c.backplane) {
    throw UsageError{"--workers " + std::to_string(c.workers) + " with --protocol " + c.protocol +
                     " would split every room per worker: members "
                     "served by different workers could not see each other. Run one worker, "
                     "or share the rooms with --backplane redis://HOST:PORT"};
  }
  parseWorkerRole(args, c);
  parseTls(args, c);
  c.listener.maxConnections = boundedCount(args, "max-connections", 0, 100000000);
  c.listener.maxPerAddress = boundedCount(args, "max-connections-per-ip", 0, 100000000);
  std::tie(c.listener.perAddressPrefixV4, c.listener.perAddressPrefixV6) =
      parsePrefixes(args["per-ip-prefix"].as<std::string>());
  readBackplaneCredentials(args, c);
  readBackplaneTls(args, c);
  readIrcSecrets(args, c);
  if (c.protocol == "chat" || c.protocol == "console")
    c.listener.rejectMessage = "! server full, try again later\n";
  if (c.protocol == "irc") c.listener.rejectMessage = "ERROR :Server full, try again later\r\n";
  return c;
}

std::string visibleHelp(const cxxopts::Options& options) {
  std::vector<std::string> groups;
  for (const std::string& group : options.groups()) {
    if (group != kInternalGroup) groups.push_back(group);
  }
  return options.help(groups);
}

bool servesAnything(const ServerConfig& c) {
  return !c.listen.empty() || !c.tlsListen.empty() || !c.ircListen.empty() ||
         !c.ircTlsListen.empty();
}

}  // namespace uvreactor::demo
