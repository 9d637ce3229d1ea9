#include "FlushList.hpp"

#include "BlockPool.hpp"
#include "TcpConnection.hpp"

namespace uvreactor::detail {

FlushList* FlushList::create(uv_loop_t* loop) {
  auto* list = new FlushList;
  uv_prepare_init(loop, &list->prepare_);
  uv_check_init(loop, &list->check_);
  uv_idle_init(loop, &list->idle_);
  list->prepare_.data = list;
  list->check_.data = list;
  list->idle_.data = list;
  list->deadlines_.init(loop);
  list->openHandles_ = 4;
  return list;
}

void FlushList::destroy() {
  for (auto* c : list_) {
    if (c != nullptr) c->flushSlot_ = kNotListed;
  }
  list_.clear();
  deadlines_.detachAll();
  auto closed = [](uv_handle_t* h) {
    auto* self = static_cast<FlushList*>(h->data);
    if (--self->openHandles_ == 0) delete self;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), closed);
  deadlines_.handle()->data = this;
  uv_close(deadlines_.handle(), closed);
}

bool FlushList::isOwnHandle(const uv_handle_t* handle) const {
  return handle == reinterpret_cast<const uv_handle_t*>(&prepare_) ||
         handle == reinterpret_cast<const uv_handle_t*>(&check_) ||
         handle == reinterpret_cast<const uv_handle_t*>(&idle_) || handle == deadlines_.handle();
}

void FlushList::add(TcpConnection& connection) {
  if (connection.flushSlot_ != kNotListed) return;
  connection.flushSlot_ = static_cast<uint32_t>(list_.size());
  list_.push_back(&connection);
  if (active_) return;
  active_ = true;
  uv_prepare_start(&prepare_, [](uv_prepare_t* p) {
    auto* self = static_cast<FlushList*>(p->data);
    self->run();
    // A write completion callback sent more during the flush: do not let
    // the loop sleep while it waits.
    if (!self->list_.empty()) uv_idle_start(&self->idle_, [](uv_idle_t*) {});
  });
  uv_check_start(&check_, [](uv_check_t* c) { static_cast<FlushList*>(c->data)->run(); });
}

void FlushList::remove(TcpConnection& connection) {
  if (connection.flushSlot_ == kNotListed) return;
  list_[connection.flushSlot_] = nullptr;
  connection.flushSlot_ = kNotListed;
}

void FlushList::run() {
  // Only the connections listed when the flush began: a write callback that
  // sends again is listed anew and waits for the next flush point, so one
  // connection cannot hold the loop here.
  std::size_t end = list_.size();
  for (std::size_t i = 0; i < end; ++i) {
    TcpConnection* c = list_[i];
    if (c == nullptr) continue;
    list_[i] = nullptr;
    c->flushSlot_ = kNotListed;
    c->flushOutput();
  }
  list_.erase(list_.begin(), list_.begin() + static_cast<std::ptrdiff_t>(end));
  for (std::size_t i = 0; i < list_.size(); ++i) {
    if (list_[i] != nullptr) list_[i]->flushSlot_ = static_cast<uint32_t>(i);
  }
  if (list_.empty()) stop();
  BlockPool::trim(uv_now(prepare_.loop));
}

void FlushList::stop() {
  active_ = false;
  uv_prepare_stop(&prepare_);
  uv_check_stop(&check_);
  uv_idle_stop(&idle_);
}

}  // namespace uvreactor::detail
