// TestCertificates: a throw-away PKI made by `openssl` for one test run.
//
// Everything is generated into a fresh temporary directory (ECDSA P-256),
// which the destructor removes: no key is ever committed or reused. One CA
// signs a server certificate for localhost / 127.0.0.1 / ::1, a second pair
// for the same names (for reloads), a client certificate, a certificate for
// another name and one that expired in 2020; a second, unrelated CA is the
// "unknown CA". Made once per process (shared()), since key generation costs
// tens of milliseconds per key.
#pragma once

#include <string>

namespace uvreactor::test {

struct TestCertificates {
  std::string dir;
  std::string caCert, caKey;
  std::string serverCert, serverKey;        // CN=localhost, SAN localhost, 127.0.0.1, ::1
  std::string server2Cert, server2Key;      // CN=localhost-reloaded, same names
  std::string clientCert, clientKey;        // CN=test-client
  std::string otherNameCert, otherNameKey;  // SAN other.example only
  std::string expiredCert, expiredKey;      // valid 2020-01-01 to 2020-01-02
  std::string otherCaCert;                  // a CA that signed none of these

  // Generates them, or fails the calling test with openssl's output.
  static const TestCertificates& shared();
  ~TestCertificates();

 private:
  TestCertificates() = default;
  bool make(std::string& log);
};

// Writes `content` to a new file in the certificates' directory.
std::string writeTestFile(const std::string& name, const std::string& content);

}  // namespace uvreactor::test
