// The CUDA backend of the fused step (step_engine.hpp).
//
// The state stays on the device between load() and read(). One step is five operations on one
// stream: R = X copied, R = A S − R and G = Aᵀ R by cuBLAS, one fused kernel for the noise, the
// update of eq. 3.9 and s(u), and A ← A − rate R Sᵀ by cuBLAS (eq. 3.11, with the S of the
// step's start), then a one-thread kernel advances the step counter that keys the noise. For
// small problems the launches would cost more than the arithmetic, so the step is captured once
// into a CUDA graph and run(n) launches that graph n times with no host synchronization until
// the end. The counter lives in device memory because a graph replays its kernel arguments
// unchanged; the two S buffers swap roles every step, so there are two graphs, one per buffer
// that holds S, launched in turn.
//
// All elementwise math (Philox noise, the prior ops, the Euler update) is the code the CPU
// engine runs (noise.hpp, prior_ops.hpp, langevin_update.hpp), so the two backends differ by
// rounding only: the products sum in another order and the compilers contract into FMAs
// differently.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cuda/step_engine.hpp"
#include "lsc/backend/langevin_update.hpp"
#include "lsc/core/error.hpp"
#include "lsc/core/noise.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/prior/prior_ops.hpp"
#include "lsc/model/divergence.hpp"

namespace lsc::detail {
namespace {

constexpr int kThreads = 256;        // threads per block of every kernel (a power of 2: stats_kernel)
constexpr int kStatBlocks = 64;      // blocks of the statistics reduction, a fixed number so the sum is reproducible
constexpr int kFlagBlocks = 256;     // at most this many blocks scan for non-finite values
// cuBLAS's workspace, given explicitly so that graph capture never allocates (32 MiB is what
// cuBLAS asks for on Hopper).
constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;
constexpr auto kLangevinPurpose = static_cast<std::uint32_t>(Purpose::langevin_noise);

void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess)
    throw Error(std::string(call) + " failed on the GPU (" + cudaGetErrorString(status) +
                "); check the device with nvidia-smi, use a smaller batch, or use --backend cpu.");
}

void check(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw Error(std::string(call) + " failed on the GPU (" + cublasGetStatusString(status) +
                "); check the device with nvidia-smi, use a smaller batch, or use --backend cpu.");
}

// Calls fn(args...) and throws an Error naming fn if it fails.
#define LSC_CUDA_TRY(fn, ...) check(fn(__VA_ARGS__), #fn)

// Owners of CUDA handles: the destroy functions' errors are ignored, as in any destructor.
template <auto destroy>
struct Destroy {
  template <class P>
  void operator()(P* p) const {
    if (p) destroy(p);
  }
};
using StreamPtr = std::unique_ptr<std::remove_pointer_t<cudaStream_t>, Destroy<cudaStreamDestroy>>;
using BlasPtr = std::unique_ptr<std::remove_pointer_t<cublasHandle_t>, Destroy<cublasDestroy>>;
using GraphPtr = std::unique_ptr<std::remove_pointer_t<cudaGraph_t>, Destroy<cudaGraphDestroy>>;
using GraphExecPtr = std::unique_ptr<std::remove_pointer_t<cudaGraphExec_t>, Destroy<cudaGraphExecDestroy>>;

// n elements of device memory.
template <class T>
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(std::size_t n) : n_(n) {
    if (n) LSC_CUDA_TRY(cudaMalloc, &p_, n * sizeof(T));
  }
  DeviceArray(DeviceArray&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  DeviceArray& operator=(DeviceArray&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() {
    if (p_) cudaFree(p_);
  }
  T* get() const { return p_; }
  std::size_t size() const { return n_; }
  std::size_t bytes() const { return n_ * sizeof(T); }
  // Reallocates (contents lost) unless it already holds n elements.
  void resize(std::size_t n) {
    if (n != n_) *this = DeviceArray(n);
  }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

// C = alpha op(A) op(B) + beta C, column-major (cuBLAS's and Eigen's layout), scalars on the host.
void gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, float alpha,
          const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  LSC_CUDA_TRY(cublasSgemm, h, ta, tb, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc);
}
void gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, double alpha,
          const double* a, int lda, const double* b, int ldb, double beta, double* c, int ldc) {
  LSC_CUDA_TRY(cublasDgemm, h, ta, tb, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc);
}

unsigned blocks_for(std::size_t threads) {
  return static_cast<unsigned>((threads + kThreads - 1) / kThreads);
}

// ---- kernels ----

// eq. 3.9 for one block of 4 coefficients of one chain, which share one Philox call: thread t
// takes chain t / blocks and Philox block b = t mod blocks of it, whose four normals feed the
// coefficients noise::noise_source assigns them (the layout the CPU's vector lanes use): in the
// group of b, word w of lane l feeds coefficient k0 + lanes·w + l. Neighbouring threads are
// neighbouring lanes, so for each word the accesses of a warp are contiguous.
template <class T, class Ops>
__global__ void __launch_bounds__(kThreads)
    langevin_kernel(Ops ops, int K, int N, int blocks, const T* __restrict__ G, T* __restrict__ U,
                    T* __restrict__ S_next, const std::uint64_t* __restrict__ chain_ids,
                    const std::uint64_t* __restrict__ step, noise::Key key, T inv_var, T eps, T noise_scale) {
  const long long t = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= static_cast<long long>(blocks) * N) return;
  const int j = static_cast<int>(t / blocks), b = static_cast<int>(t % blocks);
  T z[4];
  noise::normals4<T>(key, kLangevinPurpose, *step, chain_ids[j], static_cast<std::uint32_t>(b), z);
  const int group = b / noise::kGroupBlocks, lane = b - group * noise::kGroupBlocks;
  const int k0 = 4 * noise::kGroupBlocks * group;
  const int m = K - k0 < 4 * noise::kGroupBlocks ? K - k0 : 4 * noise::kGroupBlocks, lanes = (m + 3) / 4;
  const std::size_t base = static_cast<std::size_t>(j) * K + k0;
#pragma unroll
  for (int w = 0; w < 4; ++w) {
    const int e = lanes * w + lane;
    if (e < m) {
      const T un = euler_update(ops, U[base + e], G[base + e], inv_var, eps, noise_scale, z[w]);
      U[base + e] = un;
      S_next[base + e] = ops.s(un);
    }
  }
}

__global__ void advance_kernel(std::uint64_t* step) { ++*step; }

// Sets *flag when some x[i] is not finite (racing writers all write 1).
template <class T>
__global__ void nonfinite_kernel(const T* __restrict__ x, std::size_t n, int* flag) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    if (!isfinite(x[i])) *flag = 1;
}

// Per-block sums of R² and of [S ≠ 0] in double, each block in a fixed order, so that stats()
// is reproducible: partial[2·block] and partial[2·block + 1].
template <class T>
__global__ void __launch_bounds__(kThreads)
    stats_kernel(const T* __restrict__ R, std::size_t nr, const T* __restrict__ S, std::size_t ns,
                 double* __restrict__ partial) {
  __shared__ double sq[kThreads], active[kThreads];
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t first = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  double a = 0, c = 0;
  for (std::size_t i = first; i < nr; i += stride) a += static_cast<double>(R[i]) * static_cast<double>(R[i]);
  for (std::size_t i = first; i < ns; i += stride) c += S[i] != T(0) ? 1.0 : 0.0;
  sq[threadIdx.x] = a;
  active[threadIdx.x] = c;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) {
      sq[threadIdx.x] += sq[threadIdx.x + half];
      active[threadIdx.x] += active[threadIdx.x + half];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    partial[2 * blockIdx.x] = sq[0];
    partial[2 * blockIdx.x + 1] = active[0];
  }
}

template <class T>
__global__ void normals_kernel(noise::Key key, std::uint32_t purpose, std::uint64_t step,
                               const std::uint64_t* __restrict__ chains, int n, std::uint32_t blocks,
                               T* __restrict__ out) {
  const long long t = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= static_cast<long long>(n) * blocks) return;
  T z[4];
  noise::normals4<T>(key, purpose, step, chains[t / blocks], static_cast<std::uint32_t>(t % blocks), z);
  for (int i = 0; i < 4; ++i) out[4 * t + i] = z[i];
}

// ---- the engine ----

template <class T>
class CudaStepEngine final : public StepEngine {
 public:
  explicit CudaStepEngine(const EngineOptions& o)
      : options_(o), key_(noise::key_of(o.seed)), tf32_(o.tf32 && std::is_same_v<T, float>) {
    int device = 0;
    LSC_CUDA_TRY(cudaGetDevice, &device);
    cudaDeviceProp prop{};
    LSC_CUDA_TRY(cudaGetDeviceProperties, &prop, device);
    device_name_ = prop.name;
    cudaStream_t stream = nullptr;
    LSC_CUDA_TRY(cudaStreamCreateWithFlags, &stream, cudaStreamNonBlocking);
    stream_.reset(stream);
    workspace_ = DeviceArray<unsigned char>(kWorkspaceBytes);
    cublasHandle_t blas = nullptr;
    LSC_CUDA_TRY(cublasCreate, &blas);
    blas_.reset(blas);
    // cublasSetStream resets the workspace, so the workspace comes second.
    LSC_CUDA_TRY(cublasSetStream, blas, stream);
    LSC_CUDA_TRY(cublasSetWorkspace, blas, workspace_.get(), workspace_.bytes());
    LSC_CUDA_TRY(cublasSetMathMode, blas, tf32_ ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);
    flags_ = DeviceArray<int>(2);
    partial_ = DeviceArray<double>(2 * kStatBlocks);
  }

  ~CudaStepEngine() override {
    if (stream_) cudaStreamSynchronize(stream_.get());
  }

  void load(const Model& model, const ChainState& chains) override {
    model.validate();
    require(chains.U.rows() == model.K(),
            "the chains have " + std::to_string(chains.U.rows()) + " coefficients but the dictionary has K = " +
                std::to_string(model.K()) + " elements; start the chains from the same model.");
    require(chains.U.cols() > 0, "there are no chains; give the engine at least one column of U.");
    require(chains.chain.size() == static_cast<std::size_t>(chains.U.cols()),
            "the chains have " + std::to_string(chains.U.cols()) + " columns but " +
                std::to_string(chains.chain.size()) + " ids; make them with ChainState::zeros.");
    constexpr Index int_max = std::numeric_limits<int>::max();
    require(model.D() <= int_max && model.K() <= int_max && chains.U.cols() <= int_max,
            "the problem is too large for 32-bit cuBLAS sizes; use smaller batches or --backend cpu.");
    if (model.D() != D_ || chains.U.cols() != N_) have_batch_ = false;
    D_ = model.D();
    K_ = model.K();
    N_ = chains.U.cols();
    model_ = model;
    ids_ = chains.chain;
    step_ = chains.step;
    if (chains.eps > 0) options_.eps = chains.eps;  // a resumed or adapted ε, as on the CPU
    has_stats_ = false;
    for (auto& e : exec_) e.reset();
    current_ = 0;

    const std::size_t dk = size(D_ * K_), dn = size(D_ * N_), kn = size(K_ * N_);
    A_.resize(dk);
    X_.resize(dn);
    R_.resize(dn);
    U_.resize(kn);
    G_.resize(kn);
    S_[0].resize(kn);
    S_[1].resize(kn);
    ids_d_.resize(ids_.size());
    step_d_.resize(1);

    upload(model.A, A_);
    // S = s(U) on the host, as the CPU engine computes it, from U rounded to T.
    std::vector<T> u = upload(chains.U, U_);
    visit_prior<T>(model.prior, [&](const auto& ops) {
      for (T& v : u) v = ops.s(v);
    });
    copy_to_device(u.data(), S_[0]);
    copy_to_device(ids_.data(), ids_d_);
    copy_to_device(&step_, step_d_);
  }

  void set_batch(const Matrix& X) override {
    require(X.rows() == D_ && X.cols() == N_,
            "the batch is " + std::to_string(X.rows()) + "x" + std::to_string(X.cols()) + " but the engine holds D = " +
                std::to_string(D_) + " and N = " + std::to_string(N_) + " chains; pass one column per chain.");
    upload(X, X_);
    have_batch_ = true;
  }

  void set_parameters(Real sigma, const Prior& prior) override {
    require(prior.kind == model_.prior.kind, "the engine's prior cannot change its kind; load a new model.");
    ChainState c;
    Model m;
    read(m, c);
    m.sigma = sigma;
    m.prior = prior;
    const bool batch = have_batch_;
    load(m, c);  // recomputes S = s(U) for the new u0 and recaptures the graphs with the new scalars
    have_batch_ = batch;
  }

  void set_dictionary(const Matrix& A) override {
    require(A.rows() == D_ && A.cols() == K_, "the dictionary's shape differs from the engine's; load a new model.");
    upload(A, A_);
  }

  void read_coefficients(Matrix& S) const override { S = download(S_[current_], K_, N_); }

  void read_coefficient_columns(Matrix& S, Index first, Index count) const override {
    require_held_columns(first, count, N_);
    std::vector<T> host(static_cast<std::size_t>(K_ * count));
    if (!host.empty()) {
      LSC_CUDA_TRY(cudaMemcpyAsync, host.data(), S_[current_].get() + K_ * first, sizeof(T) * host.size(),
                   cudaMemcpyDeviceToHost, stream_.get());
      LSC_CUDA_TRY(cudaStreamSynchronize, stream_.get());
    }
    S = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>(host.data(), K_, count).template cast<Real>();
  }

  void read_sums(Matrix& sum_s, Matrix& sum_active, std::uint64_t& count) const override {
    sum_s = sum_s_.size() ? sum_s_ : Matrix::Zero(K_, N_);
    sum_active = sum_active_.size() ? sum_active_ : Matrix::Zero(K_, N_);
    count = sum_count_;
  }

  void reset_sums() override {
    sum_s_.resize(0, 0);
    sum_active_.resize(0, 0);
    sum_count_ = 0;
  }

  Real eps() const override { return options_.eps; }

  void run(std::uint64_t steps, StepMode mode) override {
    if (mode.accumulate) {
      // The sums are kept on the host, one download of S per step: inference on this backend
      // is not yet fused (the CPU engine adds them inside its step).
      mode.accumulate = false;
      Matrix S;
      for (std::uint64_t i = 0; i < steps; ++i) {
        run(1, mode);
        read_coefficients(S);
        if (sum_s_.size() == 0) {
          sum_s_.setZero(K_, N_);
          sum_active_.setZero(K_, N_);
        }
        sum_s_ += S;
        sum_active_.array() += (S.array() != 0).cast<Real>();
        ++sum_count_;
      }
      return;
    }
    require(have_batch_, "the engine has no batch; call set_batch before run.");
    const int learn = mode.learn_dictionary && options_.tau_A > 0 ? 1 : 0;
    if (steps > 0 && !exec_[2 * learn]) {
      exec_[2 * learn] = capture_step(0, learn);
      exec_[2 * learn + 1] = capture_step(1, learn);
    }
    for (std::uint64_t i = 0; i < steps; ++i) {
      LSC_CUDA_TRY(cudaGraphLaunch, exec_[2 * learn + current_].get(), stream_.get());
      current_ ^= 1;
    }
    step_ += steps;
    if (steps > 0) has_stats_ = true;

    // The one synchronization of run: whether U or A went non-finite.
    cudaStream_t s = stream_.get();
    int flags[2] = {0, 0};
    LSC_CUDA_TRY(cudaMemsetAsync, flags_.get(), 0, flags_.bytes(), s);
    nonfinite_kernel<T><<<flag_blocks(U_.size()), kThreads, 0, s>>>(U_.get(), U_.size(), flags_.get());
    nonfinite_kernel<T><<<flag_blocks(A_.size()), kThreads, 0, s>>>(A_.get(), A_.size(), flags_.get() + 1);
    LSC_CUDA_TRY(cudaGetLastError);
    LSC_CUDA_TRY(cudaMemcpyAsync, flags, flags_.get(), sizeof(flags), cudaMemcpyDeviceToHost, s);
    LSC_CUDA_TRY(cudaStreamSynchronize, s);
    if (flags[1]) check_finite_dictionary(download(A_, D_, K_), step_);  // first: see the CPU engine
    if (flags[0]) {
      ChainState c;
      read(model_, c);
      check_finite_chains(model_, c.U, step_, options_.eps);
    }
  }

  void run_products_only(std::uint64_t steps) override {
    require(have_batch_, "the engine has no batch; call set_batch before run.");
    cudaStream_t s = stream_.get();
    cublasHandle_t h = blas_.get();
    const int D = static_cast<int>(D_), K = static_cast<int>(K_), N = static_cast<int>(N_);
    const T rate = T(1e-3) / static_cast<T>(N);
    for (std::uint64_t i = 0; i < steps; ++i) {
      LSC_CUDA_TRY(cudaMemcpyAsync, R_.get(), X_.get(), R_.bytes(), cudaMemcpyDeviceToDevice, s);
      gemm(h, CUBLAS_OP_N, CUBLAS_OP_N, D, N, K, T(1), A_.get(), D, S_[0].get(), K, T(-1), R_.get(), D);
      gemm(h, CUBLAS_OP_T, CUBLAS_OP_N, K, N, D, T(1), A_.get(), D, R_.get(), D, T(0), G_.get(), K);
      gemm(h, CUBLAS_OP_N, CUBLAS_OP_T, D, K, N, -rate, R_.get(), D, S_[0].get(), K, T(1), A_.get(), D);
    }
    LSC_CUDA_TRY(cudaStreamSynchronize, s);
  }

  void read(Model& model, ChainState& chains) const override {
    model.A = download(A_, D_, K_);
    chains.U = download(U_, K_, N_);
    chains.chain = ids_;
    chains.step = step_;
    chains.eps = options_.eps;
  }

  void read_dictionary(Matrix& A) const override { A = download(A_, D_, K_); }

  EngineStats stats() const override {
    if (!has_stats_) return {};
    // After a step R still holds A S − X of its start and the other S buffer that step's S.
    cudaStream_t s = stream_.get();
    stats_kernel<T><<<kStatBlocks, kThreads, 0, s>>>(R_.get(), R_.size(), S_[current_ ^ 1].get(),
                                                     S_[current_ ^ 1].size(), partial_.get());
    LSC_CUDA_TRY(cudaGetLastError);
    std::vector<double> partial(partial_.size());
    LSC_CUDA_TRY(cudaMemcpyAsync, partial.data(), partial_.get(), partial_.bytes(), cudaMemcpyDeviceToHost, s);
    LSC_CUDA_TRY(cudaStreamSynchronize, s);
    double sq = 0, active = 0;
    for (int b = 0; b < kStatBlocks; ++b) {
      sq += partial[static_cast<std::size_t>(2 * b)];
      active += partial[static_cast<std::size_t>(2 * b + 1)];
    }
    EngineStats e;
    e.reconstruction_error = sq / double(D_ * N_);
    e.active_fraction = active / double(K_ * N_);
    e.residual_sq = sq;
    e.chains = static_cast<std::uint64_t>(N_);
    e.coefficients = K_;
    return e;
  }

  std::string name() const override {
    return "cuda " + name_of(options_.dtype) + (tf32_ ? " with TF32 products" : "") + " (" + device_name_ + ")";
  }

 private:
  static std::size_t size(Index n) { return static_cast<std::size_t>(n); }

  static unsigned flag_blocks(std::size_t n) { return std::min<unsigned>(blocks_for(n), kFlagBlocks); }

  // Fills `to` from host memory, in stream order after the steps already launched.
  template <class E>
  void copy_to_device(const E* from, const DeviceArray<E>& to) const {
    LSC_CUDA_TRY(cudaMemcpyAsync, to.get(), from, to.bytes(), cudaMemcpyHostToDevice, stream_.get());
    LSC_CUDA_TRY(cudaStreamSynchronize, stream_.get());
  }

  // Rounds `from` to T into `to`; returns the rounded values.
  std::vector<T> upload(const Matrix& from, const DeviceArray<T>& to) const {
    std::vector<T> host(size(from.size()));
    for (Index i = 0; i < from.size(); ++i) host[size(i)] = static_cast<T>(from.data()[i]);
    copy_to_device(host.data(), to);
    return host;
  }

  Matrix download(const DeviceArray<T>& from, Index rows, Index cols) const {
    std::vector<T> host(from.size());
    LSC_CUDA_TRY(cudaMemcpyAsync, host.data(), from.get(), from.bytes(), cudaMemcpyDeviceToHost, stream_.get());
    LSC_CUDA_TRY(cudaStreamSynchronize, stream_.get());
    return Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>(host.data(), rows, cols)
        .template cast<Real>();
  }

  // One step with S in buffer `cur` (the next S goes to the other), recorded into a graph.
  GraphExecPtr capture_step(int cur, bool learn) {
    cudaStream_t s = stream_.get();
    LSC_CUDA_TRY(cudaStreamBeginCapture, s, cudaStreamCaptureModeThreadLocal);
    try {
      enqueue_step(S_[cur].get(), S_[cur ^ 1].get(), learn);
    } catch (...) {
      cudaGraph_t broken = nullptr;
      cudaStreamEndCapture(s, &broken);
      GraphPtr discard(broken);
      throw;
    }
    cudaGraph_t g = nullptr;
    LSC_CUDA_TRY(cudaStreamEndCapture, s, &g);
    GraphPtr graph(g);
    cudaGraphExec_t exec = nullptr;
    LSC_CUDA_TRY(cudaGraphInstantiate, &exec, g, 0ULL);
    return GraphExecPtr(exec);  // the executable graph no longer needs `graph`
  }

  void enqueue_step(const T* S, T* S_next, bool learn) {
    cudaStream_t s = stream_.get();
    cublasHandle_t h = blas_.get();
    const int D = static_cast<int>(D_), K = static_cast<int>(K_), N = static_cast<int>(N_);
    // The same scalars in T as the CPU engine.
    const T sigma = static_cast<T>(model_.sigma), inv_var = T(1) / (sigma * sigma);
    const T eps = static_cast<T>(options_.eps);
    const T noise_scale = static_cast<T>(std::sqrt(2 * options_.temperature * options_.eps));
    const T rate = learn ? static_cast<T>(1.0 / (options_.tau_A * double(N_) * model_.sigma * model_.sigma)) : T(0);

    LSC_CUDA_TRY(cudaMemcpyAsync, R_.get(), X_.get(), R_.bytes(), cudaMemcpyDeviceToDevice, s);
    gemm(h, CUBLAS_OP_N, CUBLAS_OP_N, D, N, K, T(1), A_.get(), D, S, K, T(-1), R_.get(), D);    // R = A S − X
    gemm(h, CUBLAS_OP_T, CUBLAS_OP_N, K, N, D, T(1), A_.get(), D, R_.get(), D, T(0), G_.get(), K);  // G = Aᵀ R
    const int blocks = (K + 3) / 4;
    const unsigned grid = blocks_for(static_cast<std::size_t>(blocks) * size(N_));
    visit_prior<T>(model_.prior, [&](const auto& ops) {
      using Ops = std::decay_t<decltype(ops)>;
      langevin_kernel<T, Ops><<<grid, kThreads, 0, s>>>(ops, K, N, blocks, G_.get(), U_.get(), S_next, ids_d_.get(),
                                                         step_d_.get(), key_, inv_var, eps, noise_scale);
    });
    LSC_CUDA_TRY(cudaGetLastError);
    // A ← A − rate R Sᵀ: op(B) = Sᵀ is N×K, read from S (K×N, leading dimension K).
    if (learn) gemm(h, CUBLAS_OP_N, CUBLAS_OP_T, D, K, N, -rate, R_.get(), D, S, K, T(1), A_.get(), D);
    advance_kernel<<<1, 1, 0, s>>>(step_d_.get());
    LSC_CUDA_TRY(cudaGetLastError);
  }

  EngineOptions options_;
  noise::Key key_;
  bool tf32_;
  std::string device_name_;
  // Declared in the order they must be created; members die in reverse, so the graphs and
  // buffers go before the cuBLAS handle, its workspace and the stream.
  StreamPtr stream_;
  DeviceArray<unsigned char> workspace_;
  BlasPtr blas_;
  DeviceArray<T> A_, X_, U_, R_, G_;
  DeviceArray<T> S_[2];  // S_[current_] holds S = s(U); the other, the S of the last step's start
  DeviceArray<std::uint64_t> ids_d_, step_d_;
  DeviceArray<int> flags_;
  DeviceArray<double> partial_;
  GraphExecPtr exec_[4];  // exec_[2·learn + c]: one step with S in S_[c], learning A or not
  int current_ = 0;

  Model model_;
  Index D_ = 0, K_ = 0, N_ = 0;
  std::vector<std::uint64_t> ids_;
  std::uint64_t step_ = 0;
  bool have_batch_ = false, has_stats_ = false;
  Matrix sum_s_, sum_active_;  // StepMode::accumulate, on the host
  std::uint64_t sum_count_ = 0;
};

template <class T>
void normals_on_device(std::uint64_t seed, std::uint32_t purpose, std::uint64_t step,
                       const std::vector<std::uint64_t>& chains, std::uint32_t blocks, std::vector<T>& out) {
  out.assign(chains.size() * blocks * 4, T(0));
  if (out.empty()) return;
  DeviceArray<std::uint64_t> chains_d(chains.size());
  DeviceArray<T> out_d(out.size());
  LSC_CUDA_TRY(cudaMemcpy, chains_d.get(), chains.data(), chains_d.bytes(), cudaMemcpyHostToDevice);
  normals_kernel<T><<<blocks_for(chains.size() * blocks), kThreads>>>(
      noise::key_of(seed), purpose, step, chains_d.get(), static_cast<int>(chains.size()), blocks, out_d.get());
  LSC_CUDA_TRY(cudaGetLastError);
  LSC_CUDA_TRY(cudaMemcpy, out.data(), out_d.get(), out_d.bytes(), cudaMemcpyDeviceToHost);
}

}  // namespace

bool cuda_device_available(std::string* why) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status == cudaSuccess && count > 0) return true;
  cudaGetLastError();  // leaves no error behind for later CUDA calls
  if (why)
    *why = std::string("no CUDA device is visible (") +
           (status == cudaSuccess ? "the driver reports none" : cudaGetErrorString(status)) + "); use --backend cpu.";
  return false;
}

std::unique_ptr<StepEngine> make_cuda_step_engine(const EngineOptions& options) {
  require(options.sampler == SamplerKind::euler && !options.dead_zone_jumps,
          "the CUDA backend takes Euler-Maruyama steps only so far; use --backend cpu for --sampler mala, "
          "--dead-zone-jumps or --method ssc.");
  if (options.dtype == Dtype::float32) return std::make_unique<CudaStepEngine<float>>(options);
  return std::make_unique<CudaStepEngine<double>>(options);
}

void cuda_normals(std::uint64_t seed, std::uint32_t purpose, std::uint64_t step,
                  const std::vector<std::uint64_t>& chains, std::uint32_t blocks, std::vector<float>& out) {
  normals_on_device(seed, purpose, step, chains, blocks, out);
}

void cuda_normals(std::uint64_t seed, std::uint32_t purpose, std::uint64_t step,
                  const std::vector<std::uint64_t>& chains, std::uint32_t blocks, std::vector<double>& out) {
  normals_on_device(seed, purpose, step, chains, blocks, out);
}

}  // namespace lsc::detail
