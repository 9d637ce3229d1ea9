// Payload: immutable, reference-counted bytes for output.
//
// Sending one Payload to N connections queues N references to one buffer, so
// a broadcast costs one copy however many members a room has. Copying a
// Payload is cheap (a reference count); the bytes never change after creation.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace uvreactor {

class Payload {
 public:
  Payload() = default;
  static Payload copyOf(std::string_view bytes) {
    return Payload(std::make_shared<const std::string>(bytes));
  }
  static Payload adopt(std::string&& bytes) {
    return Payload(std::make_shared<const std::string>(std::move(bytes)));
  }

  std::string_view view() const { return bytes_ ? std::string_view(*bytes_) : std::string_view(); }
  const char* data() const { return bytes_ ? bytes_->data() : nullptr; }
  std::size_t size() const { return bytes_ ? bytes_->size() : 0; }
  bool empty() const { return size() == 0; }
  // How many holders share the bytes (tests use it to prove no per-member copy).
  long useCount() const { return bytes_.use_count(); }

 private:
  explicit Payload(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}
  std::shared_ptr<const std::string> bytes_;
};

}  // namespace uvreactor
