#include "BackplaneTls.hpp"

#include <string>

#include "uvreactor/TlsContext.hpp"

namespace uvreactor::demo {

void addBackplaneTlsOptions(cxxopts::Options& options) {
  // clang-format off
  options.add_options()
    ("backplane-tls-ca", "chat: with --backplane rediss://, PEM CA certificates Redis's "
                         "certificate must chain to (default: the system's)",
      cxxopts::value<std::string>())
    ("backplane-tls-cert", "chat: with rediss://, a PEM client certificate for a Redis that "
                           "asks for one (tls-auth-clients)",
      cxxopts::value<std::string>())
    ("backplane-tls-key", "chat: the PEM private key of --backplane-tls-cert",
      cxxopts::value<std::string>())
    ("backplane-tls-name", "chat: with rediss://, the name Redis's certificate must carry "
                           "(default: the address in the URL)",
      cxxopts::value<std::string>());
  // clang-format on
}

void readBackplaneTls(const cxxopts::ParseResult& args, ServerConfig& c) {
  auto take = [&](const char* flag, std::string& into) {
    if (args.count(flag)) into = args[flag].as<std::string>();
    return !into.empty();
  };
  bool any = take("backplane-tls-ca", c.backplaneTlsCa);
  any = take("backplane-tls-cert", c.backplaneTlsCert) || any;
  any = take("backplane-tls-key", c.backplaneTlsKey) || any;
  any = take("backplane-tls-name", c.backplaneTlsName) || any;
  if (any && !(c.backplane && c.backplaneTls))
    throw UsageError{"--backplane-tls-* need --backplane rediss://HOST:PORT (Redis over TLS)"};
  if (c.backplaneTlsCert.empty() != c.backplaneTlsKey.empty())
    throw UsageError{"--backplane-tls-cert and --backplane-tls-key go together"};
  if (c.backplaneTls && !TlsContext::available())
    throw UsageError{"--backplane rediss://: this build has no TLS (built with UVR_TLS=OFF)"};
}

Error applyBackplaneTls(const ServerConfig& c, protocols::redis::RedisOptions& redis) {
  if (!c.backplaneTls) return {};
  TlsClientOptions o;
  o.caFile = c.backplaneTlsCa;
  o.certificateChainFile = c.backplaneTlsCert;
  o.keyFile = c.backplaneTlsKey;
  auto ctx = TlsContext::client(o);
  if (!ctx) return Error(ctx.error().code(), "--backplane rediss://: " + ctx.error().message());
  redis.tls = *ctx;
  redis.tlsServerName = c.backplaneTlsName;
  return {};
}

}  // namespace uvreactor::demo
