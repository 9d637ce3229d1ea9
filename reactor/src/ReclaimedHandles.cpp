#include "ReclaimedHandles.hpp"

#include <mutex>
#include <unordered_set>

namespace uvreactor::detail {
namespace {
std::mutex gMutex;
std::unordered_set<const uv_handle_t*>& reclaimed() {
  static auto* set =
      new std::unordered_set<const uv_handle_t*>;  // never destroyed: no exit-order hazard
  return *set;
}
}  // namespace

void markReclaimed(const uv_handle_t* handle) {
  std::lock_guard<std::mutex> lock(gMutex);
  reclaimed().insert(handle);
}

bool takeReclaimed(const uv_handle_t* handle) {
  std::lock_guard<std::mutex> lock(gMutex);
  return reclaimed().erase(handle) != 0;
}

}  // namespace uvreactor::detail
