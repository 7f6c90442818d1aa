#include "core/train/distributed_group.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/store/process_probe.h"

#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace depthscope {

#ifdef USE_C10D_GLOO
bool dist_has_gloo() { return true; }
#else
bool dist_has_gloo() { return false; }
#endif
#ifdef USE_C10D_NCCL
bool dist_has_nccl() { return true; }
#else
bool dist_has_nccl() { return false; }
#endif

#ifdef USE_C10D_GLOO

namespace {
std::string first_line(const std::string& s) {
  const std::size_t n = s.find('\n');
  return n == std::string::npos ? s : s.substr(0, n);
}
using Ms = std::chrono::milliseconds;
Ms ms(double s) { return Ms(static_cast<std::int64_t>(s * 1000.0)); }
std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
std::string text(const std::vector<std::uint8_t>& b) { return {b.begin(), b.end()}; }
bool loopback(const std::string& addr) { return addr == "localhost" || addr.rfind("127.", 0) == 0; }
}  // namespace

struct DistGroup::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
#if TORCH_VERSION_MAJOR >= 2
  // LibTorch 2.x: ProcessGroupGloo and ProcessGroupNCCL are c10d::Backends (no longer
  // ProcessGroups), with the same collectives. (Compiled against 1.13 only; 2.x untested.)
  c10::intrusive_ptr<c10d::Backend> pg;
#else
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
#endif
  // NCCL reduces CUDA tensors only: a CPU tensor (the loss and stop flag, validation sums,
  // hashes, counts) goes through a copy on this rank's GPU. CPU: Gloo, no copies.
  at::Device nccl_device{at::kCPU};
  at::Tensor on_backend_device(const at::Tensor& t) const {
    return nccl_device.is_cuda() && !t.is_cuda() ? t.to(nccl_device) : t;
  }
  // After the collective: the result back into a tensor that went through a copy.
  static void copy_back(at::Tensor& t, const at::Tensor& used) {
    if (!used.is_same(t)) t.copy_(used);
  }
  // A counter each rank raises every 500 ms from its own thread: a rank that hangs as a
  // whole (stopped, swapping, a stuck machine) stops raising it.
  std::thread alive;
  std::mutex m;
  std::condition_variable cv;
  bool quit = false;

  void start_alive(int rank) {
    alive = std::thread([this, rank] {
      const std::string key = "ds/alive/" + std::to_string(rank);
      std::unique_lock<std::mutex> lock(m);
      while (!cv.wait_for(lock, Ms(500), [this] { return quit; })) {
        try {
          store->add(key, 1);
        } catch (const std::exception&) {
          return;  // the store is gone (rank 0 ended): nothing left to tell
        }
      }
    });
  }
  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(m);
      quit = true;
    }
    cv.notify_all();
    if (alive.joinable()) alive.join();
  }
};

class DistGroup::Pending {
 public:
  std::vector<at::Tensor> tensors;
  c10::intrusive_ptr<c10d::Work> work;
};

DistGroup::DistGroup(const DistEnv& env, const std::string& backend) : impl_(std::make_unique<Impl>()), env_(env), backend_(backend) {
  const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(env.master_port);
    so.isServer = env.rank == 0;
    so.numWorkers = static_cast<std::size_t>(env.world);
    so.waitWorkers = true;
    so.timeout = ms(env.timeout_s);
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
    impl_->store->set("ds/pid/" + std::to_string(env.rank), bytes(std::to_string(store::this_pid())));
    impl_->store->set("ds/host/" + std::to_string(env.rank), bytes(store::this_host()));
    // Rank 0 names the backend; a rank given none takes rank 0's (it may not know the run's
    // device: only rank 0 opens the run database).
    if (env.rank == 0) {
      impl_->store->set("ds/backend", bytes(backend_));
    } else if (backend_.empty()) {
      impl_->store->wait({"ds/backend"}, ms(env.timeout_s));
      backend_ = text(impl_->store->get("ds/backend"));
    }
    if (backend_ == "nccl") {
#ifdef USE_C10D_NCCL
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = ms(env.timeout_s);
      impl_->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, env.rank, env.world, o);
      impl_->nccl_device = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
#else
      throw UsageError("this build has no NCCL (its LibTorch has no ProcessGroupNCCL); use --dist-backend gloo");
#endif
    } else {
      auto o = c10d::ProcessGroupGloo::Options::create(ms(env.timeout_s));
      // Over loopback for one machine; otherwise the interface named by GLOO_SOCKET_IFNAME,
      // else the one this host's name resolves to (what torchrun's Gloo does).
      const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
      if (loopback(env.master_addr)) o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else if (ifname != nullptr && *ifname != '\0') o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      o->threads = 2;
      impl_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, env.rank, env.world, o);
    }
    impl_->start_alive(env.rank);
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw DistError("rank " + std::to_string(env.rank) + " of " + std::to_string(env.world) +
                        ": could not join the group at " + where + " within " + std::to_string(static_cast<int>(env.timeout_s)) +
                        " s (" + (env.rank == 0 ? "not every rank arrived" : "is rank 0 running there?") + "): " +
                        first_line(e.what()),
                    env.rank == 0 ? -1 : 0);
  }
}

DistGroup::~DistGroup() = default;

void DistGroup::mark_step(std::int64_t step) {
  step_ = step;
  try {
    impl_->store->set("ds/step/" + std::to_string(env_.rank), bytes(std::to_string(step)));
  } catch (const std::exception& e) {
    fail("step " + std::to_string(step), e);
  }
}

void DistGroup::publish(const std::string& key, const std::string& value) { impl_->store->set("ds/pub/" + key, bytes(value)); }

std::string DistGroup::fetch(const std::string& key, double timeout_s) {
  try {
    impl_->store->wait({"ds/pub/" + key}, ms(timeout_s));
    return text(impl_->store->get("ds/pub/" + key));
  } catch (const std::exception& e) {
    fail("waiting for rank 0's " + key, e);
  }
}

void DistGroup::all_reduce_sum(std::vector<at::Tensor>& tensors, const std::string& what) {
  for (at::Tensor& t : tensors) {
    std::vector<at::Tensor> one{impl_->on_backend_device(t)};
    try {
      impl_->pg->allreduce(one)->wait();
    } catch (const std::exception& e) {
      fail(what, e);
    }
    impl_->copy_back(t, one[0]);
  }
}

void DistGroup::all_reduce_min(at::Tensor& t, const std::string& what) {
  std::vector<at::Tensor> one{impl_->on_backend_device(t)};
  c10d::AllreduceOptions o;
  o.reduceOp = c10d::ReduceOp::MIN;
  try {
    impl_->pg->allreduce(one, o)->wait();
  } catch (const std::exception& e) {
    fail(what, e);
  }
  impl_->copy_back(t, one[0]);
}

void DistGroup::all_reduce_max(at::Tensor& t, const std::string& what) {
  std::vector<at::Tensor> one{impl_->on_backend_device(t)};
  c10d::AllreduceOptions o;
  o.reduceOp = c10d::ReduceOp::MAX;
  try {
    impl_->pg->allreduce(one, o)->wait();
  } catch (const std::exception& e) {
    fail(what, e);
  }
  impl_->copy_back(t, one[0]);
}

void DistGroup::broadcast(std::vector<at::Tensor>& tensors, int root, const std::string& what) {
  c10d::BroadcastOptions o;
  o.rootRank = root;
  for (at::Tensor& t : tensors) {
    std::vector<at::Tensor> one{impl_->on_backend_device(t)};
    try {
      impl_->pg->broadcast(one, o)->wait();
    } catch (const std::exception& e) {
      fail(what, e);
    }
    impl_->copy_back(t, one[0]);
  }
}

void DistGroup::barrier(const std::string& what, double timeout_s) {
  c10d::BarrierOptions o;
  if (timeout_s > 0) o.timeout = ms(timeout_s);
  try {
    impl_->pg->barrier(o)->wait();
  } catch (const std::exception& e) {
    fail(what, e);
  }
}

std::shared_ptr<DistGroup::Pending> DistGroup::all_reduce_sum_async(at::Tensor& t) {
  auto p = std::make_shared<Pending>();
  p->tensors = {t};  // the gradient buckets: on the weights' device already
  try {
    p->work = impl_->pg->allreduce(p->tensors);
  } catch (const std::exception& e) {
    fail("gradient all-reduce", e);
  }
  return p;
}

void DistGroup::wait(const std::shared_ptr<Pending>& p, const std::string& what) {
  try {
    p->work->wait();
  } catch (const std::exception& e) {
    fail(what, e);
  }
}

void DistGroup::fail(const std::string& what, const std::exception& cause) {
  // Which peer is it? Each rank left its pid, host, step and a liveness counter in rank 0's
  // store: a peer on this host whose process is gone; else one whose counter stood still for
  // 3 s (hung); else one behind this rank's step. No store at all: rank 0, which serves it,
  // is gone.
  const std::string me = "rank " + std::to_string(env_.rank) + " of " + std::to_string(env_.world);
  std::string who;
  int lost = -1;
  const auto get = [&](const std::string& key) -> std::string {
    return impl_->store->check({key}) ? text(impl_->store->get(key)) : std::string();
  };
  const auto alive_counts = [&] {
    std::vector<std::string> v;
    for (int r = 0; r < env_.world; ++r) v.push_back(get("ds/alive/" + std::to_string(r)));
    return v;
  };
  try {
    impl_->store->setTimeout(Ms(2000));
    const std::vector<std::string> before = alive_counts();
    for (int attempt = 0; attempt < 12 && lost < 0; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(Ms(250));  // a killed peer may take a moment to exit
      for (int r = 0; r < env_.world && lost < 0; ++r) {
        if (r == env_.rank) continue;
        const std::string k = std::to_string(r), pid = get("ds/pid/" + k), host = get("ds/host/" + k);
        if (pid.empty()) {
          who = "rank " + k + " never joined";
          lost = r;
        } else if (host == store::this_host() && !store::process_alive(std::stoll(pid))) {
          who = "rank " + k + " (pid " + pid + ") has exited";
          lost = r;
        }
      }
    }
    const std::vector<std::string> after = alive_counts();
    for (int r = 0; r < env_.world && lost < 0; ++r) {
      if (r == env_.rank) continue;
      const std::string k = std::to_string(r), pid = get("ds/pid/" + k), host = get("ds/host/" + k);
      const std::string step = get("ds/step/" + k);
      if (after[static_cast<std::size_t>(r)] == before[static_cast<std::size_t>(r)]) {
        who = "rank " + k + " (pid " + pid + " on " + host + ") stopped responding (hung or stopped)";
        lost = r;
      } else if (!step.empty() && std::stoll(step) < step_) {
        who = "rank " + k + " (pid " + pid + " on " + host + ") did not reach step " + std::to_string(step_) +
              " (it is at step " + step + ")";
        lost = r;
      }
    }
  } catch (const std::exception&) {
    who = "rank 0 (which serves the store at " + env_.master_addr + ":" + std::to_string(env_.master_port) + ") is gone";
    lost = 0;
  }
  if (who.empty()) who = "no peer could be blamed";
  throw DistError(me + ": " + what + " failed (timeout " + std::to_string(static_cast<int>(env_.timeout_s)) + " s): " + who +
                      " (" + first_line(cause.what()) + ")",
                  lost);
}

#else  // no Gloo in this build: only the error remains

struct DistGroup::Impl {};
class DistGroup::Pending {};

DistGroup::DistGroup(const DistEnv& env, const std::string&) : env_(env) {
  throw UsageError("this build has no Gloo (install libgloo-dev)");
}
DistGroup::~DistGroup() = default;
void DistGroup::mark_step(std::int64_t step) { step_ = step; }
void DistGroup::publish(const std::string&, const std::string&) {}
std::string DistGroup::fetch(const std::string&, double) { return {}; }
void DistGroup::all_reduce_sum(std::vector<at::Tensor>&, const std::string&) {}
void DistGroup::all_reduce_min(at::Tensor&, const std::string&) {}
void DistGroup::all_reduce_max(at::Tensor&, const std::string&) {}
void DistGroup::broadcast(std::vector<at::Tensor>&, int, const std::string&) {}
void DistGroup::barrier(const std::string&, double) {}
std::shared_ptr<DistGroup::Pending> DistGroup::all_reduce_sum_async(at::Tensor&) { return nullptr; }
void DistGroup::wait(const std::shared_ptr<Pending>&, const std::string&) {}
void DistGroup::fail(const std::string& what, const std::exception& cause) { throw DistError(what + ": " + cause.what(), -1); }

#endif

}  // namespace depthscope
