#include "ClientConfig.hpp"

#include <cxxopts.hpp>
#include <iostream>
#include <string>

#include "uvreactor/TlsContext.hpp"

namespace uvreactor::demo {
namespace {

cxxopts::Options clientOptions() {
  cxxopts::Options options(
      "uvreactor-client",
      "Sends each line of stdin to HOST PORT and prints what comes back.\n"
      "At end of input: TCP half-closes and exits once the server closes its side (or after\n"
      "--wait seconds with no reply); UDP exits --wait seconds after the last reply.");
  // clang-format off
  options.add_options()
    ("host", "server address", cxxopts::value<std::string>())
    ("port", "server port", cxxopts::value<std::string>())
    ("u,udp", "use UDP datagrams, one per line",
      cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
    ("w,wait", "seconds of quiet after end of input before exiting",
      cxxopts::value<double>()->default_value("2"))
    ("tls", "TCP over TLS, verifying the server against the system's CAs (/etc/ssl/certs) "
            "and HOST", cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
    ("tls-ca", "TLS: trust the CAs in this PEM file instead", cxxopts::value<std::string>())
    ("tls-server-name", "TLS: the name to send (SNI) and verify instead of HOST",
      cxxopts::value<std::string>())
    ("tls-insecure", "TLS: do not verify the server at all (tests only)",
      cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
    ("h,help", "show this help");
  // clang-format on
  options.parse_positional({"host", "port"});
  options.positional_help("HOST PORT");
  return options;
}

// Where to connect and how long to wait: false (reason printed) if wrong.
bool parseTarget(const cxxopts::ParseResult& args, ClientConfig& config) {
  auto to = Endpoint::fromHostPort(args["host"].as<std::string>(), args["port"].as<std::string>());
  if (!to) {
    std::cerr << "uvreactor-client: " << to.error().message() << std::endl;
    return false;
  }
  double wait = args["wait"].as<double>();
  if (!(wait >= 0 && wait <= 86400)) {
    std::cerr << "uvreactor-client: --wait must be between 0 and 86400 seconds" << std::endl;
    return false;
  }
  config.to = *to;
  config.udp = args["udp"].as<bool>();
  config.waitMs = static_cast<uint64_t>(wait * 1000 + 0.5);
  return true;
}

// The TLS flags, checked, and the client context made: 0, or the exit code
// (reason printed).
int setUpTls(const cxxopts::ParseResult& args, ClientConfig& config) {
  bool tls = args["tls"].as<bool>();
  bool insecure = args["tls-insecure"].as<bool>();
  if (!tls && (args.count("tls-ca") || args.count("tls-server-name") || insecure)) {
    std::cerr << "uvreactor-client: --tls-ca, --tls-server-name and --tls-insecure need --tls"
              << std::endl;
    return 2;
  }
  if (!tls) return 0;
  if (config.udp) {
    std::cerr << "uvreactor-client: --tls is for TCP, not --udp" << std::endl;
    return 2;
  }
  TlsClientOptions o;
  if (args.count("tls-ca")) o.caFile = args["tls-ca"].as<std::string>();
  o.verifyPeer = !insecure;
  if (insecure) {
    std::cerr << "uvreactor-client: warning: --tls-insecure: the server's certificate is not "
                 "verified"
              << std::endl;
  }
  auto ctx = TlsContext::client(o);
  if (!ctx) {
    std::cerr << "uvreactor-client: " << ctx.error().message() << std::endl;
    return 1;
  }
  config.connector.connection.tls = *ctx;
  config.connector.connection.tlsServerName = args.count("tls-server-name")
                                                  ? args["tls-server-name"].as<std::string>()
                                                  : args["host"].as<std::string>();
  return 0;
}

}  // namespace

std::optional<ClientConfig> parseClientArgs(int argc, char** argv, int& exitCode) {
  cxxopts::Options options = clientOptions();
  cxxopts::ParseResult args;
  try {
    args = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "uvreactor-client: " << e.what() << "\n\n" << options.help() << std::endl;
    exitCode = 2;
    return std::nullopt;
  }
  if (args.count("help")) {
    std::cout << options.help() << std::endl;
    exitCode = 0;
    return std::nullopt;
  }
  if (!args.count("host") || !args.count("port")) {
    std::cerr << "uvreactor-client: HOST and PORT are required\n\n" << options.help() << std::endl;
    exitCode = 2;
    return std::nullopt;
  }
  ClientConfig config;
  exitCode = parseTarget(args, config) ? setUpTls(args, config) : 2;
  if (exitCode != 0) return std::nullopt;
  return config;
}

}  // namespace uvreactor::demo
