#include "lsc/io/npy.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../support/temp_dir.hpp"
#include "lsc/core/error.hpp"

namespace fs = std::filesystem;
using lsc::io::Dtype;

namespace {

using lsc::test::error_of;
using lsc::test::slurp;

// Builds a .npy file by hand: the header dict is padded as NumPy does, so tests control every
// byte that the reader sees.
std::string npy_bytes(int major, const std::string& dict, const std::string& payload,
                      int minor = 0) {
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  const std::size_t unpadded = 8 + len_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += static_cast<char>(minor);
  for (std::size_t i = 0; i < len_bytes; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header + payload;
}

template <class T>
std::string raw(std::initializer_list<T> values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), values.begin(), out.size());
  return out;
}

std::string f8_dict(const std::string& shape, bool fortran = false) {
  return "{'descr': '<f8', 'fortran_order': " + std::string(fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

class NpyTest : public lsc::test::TempDirTest {
 protected:
  fs::path put(const std::string& name, const std::string& bytes) const {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  // Expects read_npy to reject bytes with a message naming the file and containing `needle`.
  void expect_rejected(const std::string& bytes, const std::string& needle) const {
    const fs::path p = put("bad.npy", bytes);
    const std::string msg = error_of([&] { lsc::io::read_npy(p); });
    EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "wanted '" << needle << "' in: " << msg;
  }

};

TEST_F(NpyTest, RoundTripFloat64TwoD) {
  const std::vector<double> data{0.1, -2.5, 1e-300, 3.5e300, -0.0, 42.0};
  const fs::path p = dir_ / "a.npy";
  lsc::io::write_npy(p, data.data(), {2, 3});
  const lsc::io::NpyArray a = lsc::io::read_npy(p);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.dtype, Dtype::f64);
  EXPECT_EQ(a.data, data);
  EXPECT_TRUE(std::signbit(a.data[4]));
  EXPECT_EQ(fs::file_size(p) % 64, 48u);  // 64-byte aligned header, then 48 data bytes
  EXPECT_EQ(entries(), 1u);
}

TEST_F(NpyTest, RoundTripFloat32ConvertsThroughFloat) {
  const std::vector<double> data{0.5, -1.25, 0.1, 3.0};
  const fs::path p = dir_ / "a.npy";
  lsc::io::write_npy(p, data.data(), {4}, Dtype::f32);
  EXPECT_EQ(fs::file_size(p), 128u + 16u);
  const lsc::io::NpyArray a = lsc::io::read_npy(p);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{4}));
  EXPECT_EQ(a.dtype, Dtype::f32);
  ASSERT_EQ(a.data.size(), 4u);
  EXPECT_EQ(a.data[0], 0.5);
  EXPECT_EQ(a.data[1], -1.25);
  EXPECT_EQ(a.data[2], static_cast<double>(0.1f));
  EXPECT_NE(a.data[2], 0.1);
  EXPECT_EQ(a.data[3], 3.0);
}

TEST_F(NpyTest, RoundTripOtherRanks) {
  std::vector<double> data(24);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<double>(i) - 7.5;
  for (const std::vector<std::size_t>& shape :
       {std::vector<std::size_t>{24}, std::vector<std::size_t>{2, 3, 4}, std::vector<std::size_t>{1, 24, 1},
        std::vector<std::size_t>{}, std::vector<std::size_t>{0, 3}, std::vector<std::size_t>{0}}) {
    for (Dtype dtype : {Dtype::f32, Dtype::f64}) {
      const fs::path p = dir_ / "r.npy";
      lsc::io::write_npy(p, data.data(), shape, dtype);
      const lsc::io::NpyArray a = lsc::io::read_npy(p);
      EXPECT_EQ(a.shape, shape);
      EXPECT_EQ(a.dtype, dtype);
      std::size_t count = 1;
      for (std::size_t n : shape) count *= n;
      EXPECT_EQ(a.data, std::vector<double>(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(count)));
    }
  }
}

TEST_F(NpyTest, HeaderIsWhatNumPyWrites) {
  const std::vector<double> data(12, 1.0);
  const fs::path p = dir_ / "h.npy";
  lsc::io::write_npy(p, data.data(), {3, 4});
  const std::string bytes = slurp(p);
  ASSERT_EQ(bytes.size(), 128u + 96u);
  const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";
  EXPECT_EQ(bytes.substr(0, 128), npy_bytes(1, dict, ""));
  EXPECT_EQ(bytes.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  EXPECT_EQ(bytes[127], '\n');
}

TEST_F(NpyTest, RowsRoundTripKeepsColumnsAsRows) {
  lsc::Matrix m(3, 2);  // D = 3, N = 2
  m << 1, 4,
       2, 5,
       3, 6.25;
  const fs::path p = dir_ / "x.npy";
  lsc::io::write_npy_rows(p, m);
  const lsc::io::NpyArray a = lsc::io::read_npy(p);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.data, (std::vector<double>{1, 2, 3, 4, 5, 6.25}));
  const lsc::Matrix back = lsc::io::read_npy_rows(p, 3);
  EXPECT_EQ(back, m);

  lsc::Matrix fine = lsc::Matrix::Random(5, 7);
  lsc::io::write_npy_rows(p, fine, Dtype::f32);
  const lsc::Matrix narrowed = lsc::io::read_npy_rows(p);
  ASSERT_EQ(narrowed.rows(), 5);
  ASSERT_EQ(narrowed.cols(), 7);
  for (lsc::Index n = 0; n < 7; ++n)
    for (lsc::Index d = 0; d < 5; ++d)
      EXPECT_EQ(narrowed(d, n), static_cast<double>(static_cast<float>(fine(d, n))));
}

TEST_F(NpyTest, FortranOrderTwoDIsTransposedToCOrder) {
  // Logical [[1, 2, 3], [4, 5, 6]] stored column by column.
  const fs::path p = put("f.npy", npy_bytes(1, f8_dict("(2, 3)", true), raw<double>({1, 4, 2, 5, 3, 6})));
  const lsc::io::NpyArray a = lsc::io::read_npy(p);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.data, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  lsc::Matrix expected(3, 2);
  expected << 1, 4, 2, 5, 3, 6;
  EXPECT_EQ(lsc::io::read_npy_rows(p), expected);
}

TEST_F(NpyTest, FortranOrderThreeDFloat32) {
  std::vector<float> stored(24);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) stored[static_cast<std::size_t>(i + 2 * j + 6 * k)] = static_cast<float>(100 * i + 10 * j + k);
  std::string payload(stored.size() * 4, '\0');
  std::memcpy(payload.data(), stored.data(), payload.size());
  const fs::path p = put("f3.npy", npy_bytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", payload));
  const lsc::io::NpyArray a = lsc::io::read_npy(p);
  EXPECT_EQ(a.dtype, Dtype::f32);
  ASSERT_EQ(a.data.size(), 24u);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        EXPECT_EQ(a.data[static_cast<std::size_t>(12 * i + 4 * j + k)], 100 * i + 10 * j + k);
}

TEST_F(NpyTest, VersionTwoAndThreeHeadersWithOtherSpelling) {
  const std::string dict = "{ \"shape\" : (2,) ,\"fortran_order\":False,'descr':\"<f8\"}";
  for (int major : {2, 3}) {
    const fs::path p = put("v.npy", npy_bytes(major, dict, raw<double>({7.5, -1})));
    const lsc::io::NpyArray a = lsc::io::read_npy(p);
    EXPECT_EQ(a.shape, (std::vector<std::size_t>{2}));
    EXPECT_EQ(a.data, (std::vector<double>{7.5, -1}));
  }
  // Minimal header with no padding or trailing comma, and a scalar.
  std::string unpadded("\x93NUMPY\x01\x00", 8);
  const std::string tight = "{'descr':'<f8','fortran_order':False,'shape':()}";
  unpadded += static_cast<char>(tight.size());
  unpadded += '\0';
  const fs::path p = put("s.npy", unpadded + tight + raw<double>({3.25}));
  const lsc::io::NpyArray a = lsc::io::read_npy(p);
  EXPECT_TRUE(a.shape.empty());
  EXPECT_EQ(a.data, (std::vector<double>{3.25}));
}

TEST_F(NpyTest, RejectsBadMagicAndVersions) {
  const std::string good = npy_bytes(1, f8_dict("(1,)"), raw<double>({1}));
  std::string bad = good;
  bad[5] = 'X';
  expect_rejected(bad, "magic");
  expect_rejected("\x93NUM", "magic");
  expect_rejected("", "magic");
  expect_rejected("col1,col2\n1,2\n", "magic");
  expect_rejected(npy_bytes(4, f8_dict("(1,)"), raw<double>({1})), "version 4.0");
  expect_rejected(npy_bytes(1, f8_dict("(1,)"), raw<double>({1}), 1), "version 1.1");
}

TEST_F(NpyTest, RejectsWrongDataSize) {
  const std::string header = npy_bytes(1, f8_dict("(3, 4)"), "");
  expect_rejected(header + std::string(50, '\0'), "needs 96 bytes after the header but the file has 50");
  expect_rejected(header, "needs 96 bytes");
  expect_rejected(header + std::string(104, '\0'), "8 unexpected bytes");
  expect_rejected(npy_bytes(1, f8_dict("()"), ""), "truncated");
}

TEST_F(NpyTest, RejectsBadHeaderLength) {
  std::string zero("\x93NUMPY\x01\x00\x00\x00", 10);
  expect_rejected(zero + f8_dict("(1,)") + raw<double>({1}), "implausible");
  std::string huge("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12);
  expect_rejected(huge + f8_dict("(1,)"), "implausible");
  std::string too_long("\x93NUMPY\x01\x00\xf4\x01", 10);  // claims 500 bytes
  expect_rejected(too_long + f8_dict("(1,)") + "\n", "header is truncated");
  expect_rejected(std::string("\x93NUMPY\x02\x00\x10", 9), "ends inside");
}

TEST_F(NpyTest, RejectsUnsupportedDtypes) {
  const std::string payload = raw<double>({1, 2});
  for (const std::string descr : {"<i8", ">f8", "|O", "<f2", "<c16", "=f8", "|u1"}) {
    expect_rejected(npy_bytes(1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2,), }", payload),
                    "'" + descr + "'");
  }
  expect_rejected(npy_bytes(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", payload),
                  "np.asarray(x, dtype=np.float64)");
  expect_rejected(npy_bytes(1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }", payload),
                  "structured");
}

TEST_F(NpyTest, RejectsMalformedHeaderDicts) {
  const std::string p = raw<double>({1, 2});
  const struct {
    std::string dict, needle;
  } cases[] = {
      {"{'descr' '<f8', 'fortran_order': False, 'shape': (2,), }", "expected ':'"},
      {"{'descr': '<f8, 'fortran_order': False, 'shape': (2,), }", "malformed"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), ", "malformed"},
      {"'descr': '<f8', 'fortran_order': False, 'shape': (2,)", "expected '{'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2), }", "not a tuple"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", "non-negative"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': [2], }", "expected '('"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2.0,), }", "expected ')'"},
      {"{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }", "True or False"},
      {"{'descr': '<f8', 'fortran_order': Falsey, 'shape': (2,), }", "True or False"},
      {"{'descr': '<f8', 'shape': (2,), }", "missing key 'fortran_order'"},
      {"{'descr': '<f8', 'fortran_order': False, }", "missing key 'shape'"},
      {"{'fortran_order': False, 'shape': (2,), }", "missing key 'descr'"},
      {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", "appears twice"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key 'extra'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } junk", "after the dictionary"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,),, }", "malformed"},
      {"{descr: '<f8', 'fortran_order': False, 'shape': (2,), }", "quoted string"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", "too large"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.dict);
    expect_rejected(npy_bytes(1, c.dict, p), c.needle);
  }
}

TEST_F(NpyTest, ReadNpyRowsRejectsNonFiniteValuesNamingTheRow) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> with_nan{1, 2, 3, 4, 5, nan};
  const fs::path p = dir_ / "x.npy";
  lsc::io::write_npy(p, with_nan.data(), {2, 3});
  std::string msg = error_of([&] { lsc::io::read_npy_rows(p); });
  EXPECT_NE(msg.find("row 1 "), std::string::npos) << msg;
  EXPECT_NE(msg.find("NaN"), std::string::npos) << msg;
  EXPECT_NE(msg.find("column 2"), std::string::npos) << msg;
  EXPECT_TRUE(std::isnan(lsc::io::read_npy(p).data[5]));  // plain arrays may hold NaN

  const std::vector<double> with_inf{1, -inf, 3, 4, 5, 6};
  lsc::io::write_npy(p, with_inf.data(), {2, 3}, Dtype::f32);
  msg = error_of([&] { lsc::io::read_npy_rows(p); });
  EXPECT_NE(msg.find("row 0 "), std::string::npos) << msg;
  EXPECT_NE(msg.find("-inf"), std::string::npos) << msg;
}

TEST_F(NpyTest, ReadNpyRowsChecksShape) {
  const std::vector<double> data(24, 0.5);
  const fs::path p = dir_ / "x.npy";
  lsc::io::write_npy(p, data.data(), {8, 3});
  std::string msg = error_of([&] { lsc::io::read_npy_rows(p, 4); });
  EXPECT_NE(msg.find("D = 4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(8, 3)"), std::string::npos) << msg;
  EXPECT_EQ(lsc::io::read_npy_rows(p, 3).cols(), 8);

  lsc::io::write_npy(p, data.data(), {2, 3, 4});
  msg = error_of([&] { lsc::io::read_npy_rows(p); });
  EXPECT_NE(msg.find("expected a 2-D array of shape (N, D) but found shape (2, 3, 4)"), std::string::npos) << msg;
  lsc::io::write_npy(p, data.data(), {24});
  msg = error_of([&] { lsc::io::read_npy_rows(p); });
  EXPECT_NE(msg.find("(24,)"), std::string::npos) << msg;
}

TEST_F(NpyTest, MissingFileOrDirectoryIsAnError) {
  const fs::path missing = dir_ / "missing.npy";
  std::string msg = error_of([&] { lsc::io::read_npy(missing); });
  EXPECT_NE(msg.find(missing.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
  msg = error_of([&] { lsc::io::read_npy_rows(dir_); });
  EXPECT_NE(msg.find("directory"), std::string::npos) << msg;
}

TEST_F(NpyTest, FailedWritesLeaveNoFile) {
  const std::vector<double> data{1, 2};
  EXPECT_THROW(lsc::io::write_npy(dir_ / "nodir" / "x.npy", data.data(), {2}), lsc::Error);
  EXPECT_THROW(lsc::io::write_npy(dir_ / "x.npy", nullptr, {2}), lsc::Error);
  const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
  EXPECT_THROW(lsc::io::write_npy(dir_ / "x.npy", data.data(), {huge, 4}), lsc::Error);
  EXPECT_EQ(entries(), 0u);

  // A failed write must not disturb the file it was meant to replace either.
  const fs::path p = dir_ / "keep.npy";
  lsc::io::write_npy(p, data.data(), {2});
  const std::string before = slurp(p);
  EXPECT_THROW(lsc::io::write_npy(p, nullptr, {3}), lsc::Error);
  EXPECT_EQ(slurp(p), before);
  EXPECT_EQ(entries(), 1u);
}

}  // namespace
