#include "uvreactor/SignalWatch.hpp"

#include "CloseAndDelete.hpp"
#include "ExceptionBarrier.hpp"

namespace uvreactor {

struct SignalWatch::Handle {
  uv_signal_t signal;
  SignalWatch* owner;
};

SignalWatch::SignalWatch(Loop& loop, std::initializer_list<int> signals,
                         std::function<void(int)> callback)
    : callback_(std::move(callback)) {
  for (int signum : signals) {
    auto* h = new Handle{{}, this};
    uv_signal_init(loop.raw(), &h->signal);
    h->signal.data = h;
    uv_signal_start(
        &h->signal,
        [](uv_signal_t* s, int num) {
          auto* self = static_cast<Handle*>(s->data);
          // Copy: the callback may destroy the watch (a stop path that
          // tears down its owner), and with it the stored callback.
          auto run = self->owner->callback_;
          detail::shielded("signal callback", [&] { run(num); });
        },
        signum);
    uv_unref(reinterpret_cast<uv_handle_t*>(&h->signal));
    handles_.push_back(h);
  }
}

SignalWatch::~SignalWatch() {
  for (Handle* h : handles_) {
    detail::closeAndDelete(h, reinterpret_cast<uv_handle_t*>(&h->signal));
  }
}

}  // namespace uvreactor
