#include "support/TestCertificates.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace uvreactor::test {
namespace {

// One shell script, so the whole PKI costs one fork of sh and one run of
// openssl per step; its output is the failure message if any step fails.
constexpr const char* kScript = R"SH(
set -e
cd "$1"
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"; }
csr() { key "$1"; openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2"; }
sign() {
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$3" "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -days 2 -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
for ca in ca otherca; do
  key $ca
  openssl req -x509 -new -key $ca.key -out $ca.pem -days 2 -subj "/CN=uvreactor test $ca" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
done
NAMES=DNS:localhost,IP:127.0.0.1,IP:::1
csr server localhost;              sign server ca $NAMES serverAuth
csr server2 localhost-reloaded;    sign server2 ca $NAMES serverAuth
csr client test-client;            sign client ca DNS:test-client clientAuth
csr othername other.example;       sign othername ca DNS:other.example serverAuth
# Back-dated validity needs `openssl ca` (x509 -req cannot set notBefore).
csr expired localhost
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' $NAMES > expired.ext
touch index.txt; echo 01 > serial
printf '%s\n' '[ ca ]' 'default_ca = test' '[ test ]' 'database = index.txt' \
  'new_certs_dir = .' 'serial = serial' 'default_md = sha256' 'policy = anything' \
  'unique_subject = no' '[ anything ]' 'commonName = supplied' > ca.cnf
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
  -startdate 20200101000000Z -enddate 20200102000000Z -extfile expired.ext -notext 2>/dev/null
)SH";

std::unique_ptr<TestCertificates>& instance() {
  static std::unique_ptr<TestCertificates> certs;
  return certs;
}

}  // namespace

bool TestCertificates::make(std::string& log) {
  char templ[] = "/tmp/uvreactor-tls.XXXXXX";
  if (mkdtemp(templ) == nullptr) return false;
  dir = templ;
  std::string scriptPath = dir + "/make.sh";
  std::ofstream(scriptPath) << kScript;
  std::string command = "sh " + scriptPath + " " + dir + " 2>&1";
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return false;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) log += buf;
  if (pclose(p) != 0) return false;
  auto at = [&](const char* name) { return dir + "/" + name; };
  caCert = at("ca.pem");
  caKey = at("ca.key");
  serverCert = at("server.pem");
  serverKey = at("server.key");
  server2Cert = at("server2.pem");
  server2Key = at("server2.key");
  clientCert = at("client.pem");
  clientKey = at("client.key");
  otherNameCert = at("othername.pem");
  otherNameKey = at("othername.key");
  expiredCert = at("expired.pem");
  expiredKey = at("expired.key");
  otherCaCert = at("otherca.pem");
  return true;
}

TestCertificates::~TestCertificates() {
  if (!dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
}

const TestCertificates& TestCertificates::shared() {
  auto& certs = instance();
  if (!certs) {
    certs.reset(new TestCertificates);
    std::string log;
    if (!certs->make(log)) ADD_FAILURE() << "making test certificates failed:\n" << log;
  }
  return *certs;
}

std::string writeTestFile(const std::string& name, const std::string& content) {
  std::string path = TestCertificates::shared().dir + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace uvreactor::test
