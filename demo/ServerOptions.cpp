// GCC 12 at -O3 reports cxxopts' own string assignments (SplitInteger) as
// overlapping copies in this file, a false positive (GCC bug 105651).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include "ServerOptions.hpp"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <string>
#include <vector>

#include "BackplaneTls.hpp"

namespace uvreactor::demo {
namespace {

// The protocol, the addresses, logging, help.
void addGeneralOptions(cxxopts::Options& options) {
  // clang-format off
  options.add_options()
    ("p,protocol", "echo, chat, irc or console (the operator answers the clients on stdin)",
      cxxopts::value<std::string>()->default_value("echo"))
    ("l,listen", "HOST:PORT or [V6]:PORT to serve on; repeatable; port 0 picks a free port",
      cxxopts::value<std::vector<std::string>>())
    ("no-udp", "echo: do not serve UDP on the same ports",
      cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
    ("log-level", "debug, info, warn, error or off", cxxopts::value<std::string>()->default_value("warn"))
    ("h,help", "show this help");
  // clang-format on
}

// What one peer, and all of them, may cost (docs/limits.md).
void addLimitsOptions(cxxopts::Options& options) {
  // clang-format off
  options.add_options()
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
      cxxopts::value<std::size_t>()->default_value("10000"));
  // clang-format on
}

// IRC: the server's name, its timers, flood control, passwords.
void addIrcOptions(cxxopts::Options& options) {
  // clang-format off
  options.add_options()
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
      cxxopts::value<std::size_t>()->default_value("10"));
  // clang-format on
}

// Rooms shared through Redis (the TLS flags: BackplaneTls).
void addBackplaneOptions(cxxopts::Options& options) {
  // clang-format off
  options.add_options()
    ("backplane", "chat: share the rooms with other servers through Redis, "
                  "redis://[USER@]HOST:PORT[/PREFIX], or rediss:// for Redis over TLS "
                  "(PREFIX: the key and channel prefix, default uvr; USER: a Redis ACL user)",
      cxxopts::value<std::string>())
    ("backplane-user", "chat: the Redis ACL user to AUTH as (or USER@ in the URL)",
      cxxopts::value<std::string>())
    ("backplane-password-file", "chat: AUTH to Redis with the password in FILE (one line, "
                                "mode 0600); else from $UVR_BACKPLANE_PASSWORD; never in argv",
      cxxopts::value<std::string>());
  // clang-format on
}

// Worker processes.
void addWorkersOptions(cxxopts::Options& options) {
  // clang-format off
  options.add_options()
    ("workers", "processes serving the addresses, sharing each port (SO_REUSEPORT on Linux, "
                "SO_REUSEPORT_LB on FreeBSD; refused where the system has neither), "
                "supervised and replaced if they die; 'auto': one per core",
      cxxopts::value<std::string>()->default_value("1"))
    ("worker-ready-timeout", "seconds a new worker may take to report ready before the "
                             "supervisor kills and replaces it",
      cxxopts::value<double>()->default_value("10"));
  // clang-format on
}

// TLS listeners.
void addTlsOptions(cxxopts::Options& options) {
  // clang-format off
  options.add_options()
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
      cxxopts::value<double>()->default_value("10"));
  // clang-format on
}

void addInternalOptions(cxxopts::Options& options) {
  // clang-format off
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
}

}  // namespace

void addServerOptions(cxxopts::Options& options) {
  addGeneralOptions(options);
  addLimitsOptions(options);
  addIrcOptions(options);
  addBackplaneOptions(options);
  addBackplaneTlsOptions(options);
  addWorkersOptions(options);
  addTlsOptions(options);
  addInternalOptions(options);
}

}  // namespace uvreactor::demo
