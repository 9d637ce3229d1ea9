// Internal: the connections a listener owns, without a node per connection.
//
// A vector of owning pointers; each connection keeps its own index (as the
// FlushList does), so removal is O(1) (the last one moves into the gap) and
// an idle connection costs one pointer here, not a hash node and a bucket.
// Iteration is by index; nothing is removed while the listener iterates
// (connections leave in their uv_close callbacks). Loop-thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "TcpConnection.hpp"

namespace uvreactor::detail {

class ConnectionSet {
 public:
  ConnectionSet() = default;
  ConnectionSet(const ConnectionSet&) = delete;
  ConnectionSet& operator=(const ConnectionSet&) = delete;
  ConnectionSet(ConnectionSet&& other) noexcept : list_(std::move(other.list_)) {
    other.list_.clear();
  }
  ~ConnectionSet() {
    for (TcpConnection* c : list_) delete c;
  }

  TcpConnection& add(std::unique_ptr<TcpConnection> owned) {
    TcpConnection* c = owned.release();
    c->setSetSlot(static_cast<uint32_t>(list_.size()));
    list_.push_back(c);
    return *c;
  }
  // Removes and deletes `c`.
  void erase(TcpConnection& c) {
    uint32_t slot = c.setSlot();
    TcpConnection* last = list_.back();
    list_[slot] = last;
    last->setSetSlot(slot);
    list_.pop_back();
    delete &c;
  }
  // Gives up ownership of every connection (to orphan them).
  std::vector<TcpConnection*> releaseAll() { return std::exchange(list_, {}); }

  std::size_t size() const { return list_.size(); }
  bool empty() const { return list_.empty(); }
  TcpConnection& operator[](std::size_t i) const { return *list_[i]; }

 private:
  std::vector<TcpConnection*> list_;
};

}  // namespace uvreactor::detail
