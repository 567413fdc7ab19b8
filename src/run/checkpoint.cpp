#include "lsc/run/checkpoint.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include <nlohmann/json.hpp>

#include "lsc/core/error.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/io/digest.hpp"
#include "lsc/run/records.hpp"

namespace lsc::run {

namespace {

// The last byte is the format: 2 keeps the metrics rows as named fields (metrics_fields()), so a
// new column reads from older format-2 files as its default; 3 adds the FNV-1a digest of all
// the bytes before it at the end (a flipped byte resumed silently before). Both are read.
constexpr char kMagic[8] = {'L', 'S', 'C', 'C', 'K', 'P', 'T', '3'};
constexpr char kUnsummedFormat = '2';

nlohmann::json comparable(nlohmann::json config) {
  config.erase("steps");
  return config;
}

nlohmann::json metrics_json(const std::vector<MetricsRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const MetricsRow& r : rows) out.push_back(to_json(r, metrics_fields()));
  return out;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& file, const TrainCheckpoint& ck, const TrainConfig& config) {
  const LearnerState& s = ck.state;
  nlohmann::json header = {
      {"config", config_json(config)},
      {"step", s.step},
      {"D", s.model.D()},
      {"K", s.model.K()},
      {"N", s.chains.U.cols()},
      {"sigma", s.model.sigma},
      {"lambda", s.model.prior.lambda},
      {"pi", s.model.prior.pi},
      {"chain_step", s.chains.step},
      {"proposed", s.chains.proposed},
      {"accepted", s.chains.accepted},
      {"eps", s.chains.eps},
      {"elapsed_s", ck.elapsed_s},
      {"metrics", metrics_json(ck.metrics)}};
  if (ck.data_digest != 0) header["data_digest"] = ck.data_digest;
  nlohmann::json extra = nlohmann::json::array();
  for (const Vector& e : s.extra) extra.push_back(e.size());
  header["extra"] = extra;
  // JSON numbers keep every bit of a double: nlohmann writes the shortest round-trip form.
  const std::string text = header.dump();
  const std::uint64_t length = text.size();
  io::AtomicFile out(file);
  std::uint64_t digest = io::kFnvBasis;
  const auto put = [&](const void* data, std::size_t size) {
    if (size == 0) return;  // an empty array's data() may be null
    out.write(data, size);
    digest = io::fnv1a(data, size, digest);
  };
  put(kMagic, sizeof kMagic);
  put(&length, sizeof length);
  put(text.data(), text.size());
  put(s.model.A.data(), sizeof(Real) * static_cast<std::size_t>(s.model.A.size()));
  put(s.chains.U.data(), sizeof(Real) * static_cast<std::size_t>(s.chains.U.size()));
  put(s.chains.chain.data(), sizeof(std::uint64_t) * s.chains.chain.size());
  for (const Vector& e : s.extra) put(e.data(), sizeof(Real) * static_cast<std::size_t>(e.size()));
  out.write(&digest, sizeof digest);
  out.commit();
}

TrainCheckpoint load_checkpoint(const std::filesystem::path& file, const TrainConfig& config) {
  std::ifstream in(file, std::ios::binary);
  require(in.good(), file.string() + ": no checkpoint to resume from; run without --resume, or with --checkpoint-every.");
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::string bad = file.string() + ": not a complete lsc checkpoint; delete it and start the run again.";
  std::uint64_t length = 0;
  require(bytes.size() >= sizeof kMagic + sizeof length, bad);
  require(std::memcmp(bytes.data(), kMagic, sizeof kMagic - 1) == 0, bad);
  const char format = bytes[sizeof kMagic - 1];
  require(format == kMagic[sizeof kMagic - 1] || format == kUnsummedFormat,
          file.string() + ": a checkpoint of another lsc version (format " + format + ", this lsc reads formats " +
              kUnsummedFormat + " and " + kMagic[sizeof kMagic - 1] +
              "); finish the run with the lsc that wrote it, or start it again without --resume.");
  if (format != kUnsummedFormat) {
    std::uint64_t digest = 0;
    require(bytes.size() >= sizeof kMagic + sizeof length + sizeof digest, bad);
    std::memcpy(&digest, bytes.data() + bytes.size() - sizeof digest, sizeof digest);
    bytes.resize(bytes.size() - sizeof digest);
    require(io::fnv1a(bytes.data(), bytes.size()) == digest,
            file.string() + ": the checkpoint is corrupt (its checksum does not match its contents); delete it and "
                            "start the run again.");
  }
  std::memcpy(&length, bytes.data() + sizeof kMagic, sizeof length);
  std::size_t at = sizeof kMagic + sizeof length;
  require(length <= bytes.size() - at, bad);
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(bytes.substr(at, length));
  } catch (const std::exception&) {
    throw Error(bad);
  }
  // A header with a field missing or of the wrong type is as unreadable as a truncated file.
  TrainCheckpoint ck;
  try {
    at += length;
    require(comparable(h.at("config")) == comparable(config_json(config)),
            file.string() + ": the checkpoint was written with other settings (" + h.at("config").dump() +
                "); resume with the same options, changing only --steps.");

    LearnerState& s = ck.state;
    using fields_detail::integer_from_json;  // no undefined float-to-integer conversions
    const auto D = integer_from_json<Index>(h.at("D")), K = integer_from_json<Index>(h.at("K")),
               N = integer_from_json<Index>(h.at("N"));
    require(D > 0 && K > 0 && N >= 0, bad);  // N = 0: an SVAE has no chains
    std::vector<Index> extra;  // sizes of the learner's further arrays (SVAE: encoder and Adam)
    for (const auto& e : h.value("extra", nlohmann::json::array())) {
      extra.push_back(e.get<Index>());
      require(extra.back() >= 0, bad);
    }
    std::size_t need = sizeof(Real) * static_cast<std::size_t>(D * K + K * N) + sizeof(std::uint64_t) * N;
    for (Index e : extra) need += sizeof(Real) * static_cast<std::size_t>(e);
    require(bytes.size() - at == need, bad);
    s.step = integer_from_json<std::uint64_t>(h.at("step"));
    s.model.A.resize(D, K);
    // memcpy from or to an empty array's null pointer is undefined even for 0 bytes (UBSan: an
    // SVAE checkpoint has no chains).
    const auto take = [&](void* to, std::size_t n) {
      if (n > 0) std::memcpy(to, bytes.data() + at, n);
      at += n;
    };
    take(s.model.A.data(), sizeof(Real) * static_cast<std::size_t>(D * K));
    s.model.sigma = h.at("sigma");
    s.model.prior = Prior::make(*config.prior, h.at("lambda"), h.at("pi"));
    s.chains.U.resize(K, N);
    take(s.chains.U.data(), sizeof(Real) * static_cast<std::size_t>(K * N));
    s.chains.chain.resize(static_cast<std::size_t>(N));
    take(s.chains.chain.data(), sizeof(std::uint64_t) * static_cast<std::size_t>(N));
    for (Index e : extra) {
      s.extra.emplace_back(e);
      take(s.extra.back().data(), sizeof(Real) * static_cast<std::size_t>(e));
    }
    s.chains.step = integer_from_json<std::uint64_t>(h.at("chain_step"));
    s.chains.proposed = integer_from_json<std::uint64_t>(h.at("proposed"));
    s.chains.accepted = integer_from_json<std::uint64_t>(h.at("accepted"));
    s.chains.eps = h.at("eps");
    ck.elapsed_s = h.at("elapsed_s");
    ck.data_digest = integer_from_json<std::uint64_t>(h.value("data_digest", nlohmann::json(0)));
    for (const auto& r : h.at("metrics")) {
      ck.metrics.emplace_back();
      from_json(ck.metrics.back(), r, metrics_fields(), file.string());
    }
  } catch (const nlohmann::json::exception&) {
    throw Error(bad);
  } catch (const fields_detail::OutOfRange&) {
    throw Error(bad);
  }
  // A resume from these would write NaN into the run folder before failing (issue 20).
  const LearnerState& s = ck.state;
  require(s.model.A.allFinite() && s.chains.U.allFinite() && std::isfinite(s.model.sigma) && s.model.sigma > 0 &&
              std::isfinite(s.chains.eps) && s.chains.eps >= 0,
          file.string() + ": the checkpoint holds NaN, infinite or non-positive values; delete it and start the run "
                          "again (with a smaller --tau-A or larger --tau-u if it diverged).");
  return ck;
}

}  // namespace lsc::run
