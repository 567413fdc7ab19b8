#include "lsc/io/npy.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "lsc/core/error.hpp"
#include "lsc/io/atomic_file.hpp"

namespace lsc::io {

namespace fs = std::filesystem;

// Payload bytes are copied straight into floats and doubles.
static_assert(std::endian::native == std::endian::little, "lsc::io assumes a little-endian host");

namespace {

constexpr std::string_view kMagic{"\x93NUMPY", 6};
// NumPy itself refuses headers over 10000 bytes by default; a length far beyond that is a corrupt
// field, and trusting it would mean allocating whatever it says.
constexpr std::uint64_t kMaxHeaderBytes = 1 << 16;
// float32 is converted through a bounded buffer so reading never holds two full copies.
constexpr std::size_t kChunk = 1 << 16;

const char* dtype_name(Dtype d) { return d == Dtype::f32 ? "float32" : "float64"; }
std::size_t item_size(Dtype d) { return d == Dtype::f32 ? 4 : 8; }

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// Payload size in bytes, or nullopt when it does not fit in size_t.
std::optional<std::size_t> payload_bytes(const std::vector<std::size_t>& shape, std::size_t item) {
  if (std::find(shape.begin(), shape.end(), std::size_t{0}) != shape.end()) return 0;
  std::size_t bytes = item;
  for (std::size_t n : shape) {
    if (bytes > std::numeric_limits<std::size_t>::max() / n) return std::nullopt;
    bytes *= n;
  }
  return bytes;
}

struct Header {
  Dtype dtype = Dtype::f64;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

// The header is a Python dict literal; only the subset NumPy writes for plain arrays is accepted
// (string keys, a string descr, True/False, a tuple of non-negative integers).
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  Header parse() {
    Header header;
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::optional<std::vector<std::size_t>> shape;
    skip_space();
    expect('{');
    for (;;) {
      skip_space();
      if (consume('}')) break;
      const std::string key = parse_string();
      skip_space();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (descr) fail("key 'descr' appears twice");
        if (peek() == '[')
          throw Error(name_ + ": structured (record) arrays are not supported; save a plain "
                              "float array with np.asarray(x, dtype=np.float64).");
        descr = parse_string();
      } else if (key == "fortran_order") {
        if (fortran) fail("key 'fortran_order' appears twice");
        fortran = parse_bool();
      } else if (key == "shape") {
        if (shape) fail("key 'shape' appears twice");
        shape = parse_shape();
      } else {
        fail("unexpected key '" + key + "'");
      }
      skip_space();
      if (consume(',')) continue;
      expect('}');
      break;
    }
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the dictionary");
    if (!descr) fail("missing key 'descr'");
    if (!fortran) fail("missing key 'fortran_order'");
    if (!shape) fail("missing key 'shape'");

    if (*descr == "<f8") {
      header.dtype = Dtype::f64;
    } else if (*descr == "<f4") {
      header.dtype = Dtype::f32;
    } else {
      throw Error(name_ + ": unsupported dtype '" + *descr +
                  "'; only little-endian float32 ('<f4') and float64 ('<f8') arrays are "
                  "accepted, so convert before saving with np.asarray(x, dtype=np.float64).");
    }
    header.fortran_order = *fortran;
    header.shape = std::move(*shape);
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    std::string shown;
    for (char c : text_.substr(0, 160)) {
      if (c == '\n') shown += "\\n";
      else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) shown += '?';
      else shown += c;
    }
    if (text_.size() > 160) shown += "...";
    throw Error(name_ + ": malformed .npy header (" + what + " at character " +
                std::to_string(pos_) + " of \"" + shown +
                "\"); re-save the array with numpy.save.");
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool consume(char c) {
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }

  std::string parse_string() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string");
    const std::size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\') fail("escape sequences are not supported in strings");
      ++pos_;
    }
    if (pos_ >= text_.size()) fail("unterminated string");
    return std::string(text_.substr(start, pos_++ - start));
  }

  bool parse_bool() {
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      const std::string_view w(word);
      const std::size_t end = pos_ + w.size();
      if (text_.substr(pos_, w.size()) == w &&
          (end >= text_.size() || !(std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_'))) {
        pos_ = end;
        return value;
      }
    }
    fail("expected True or False");
  }

  std::size_t parse_uint() {
    if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a non-negative integer");
    std::size_t value = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      const std::size_t digit = static_cast<std::size_t>(text_[pos_++] - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail("dimension too large");
      value = value * 10 + digit;
    }
    return value;
  }

  std::vector<std::size_t> parse_shape() {
    std::vector<std::size_t> dims;
    bool trailing_comma = false;
    expect('(');
    for (;;) {
      skip_space();
      if (consume(')')) break;
      dims.push_back(parse_uint());
      skip_space();
      trailing_comma = consume(',');
      if (trailing_comma) continue;
      expect(')');
      break;
    }
    // In Python "(3)" is the integer 3, not a tuple.
    if (dims.size() == 1 && !trailing_comma) fail("shape is not a tuple; a 1-D shape is written (n,)");
    return dims;
  }

  std::string_view text_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

struct Reader {
  std::string name;
  std::ifstream in;
  Header header;
  std::size_t count = 0;

  void read_bytes(void* dst, std::size_t n) {
    in.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
    require(static_cast<std::size_t>(in.gcount()) == n,
            name + ": reading the file failed part-way; check that it is not being modified "
                   "while it is read.");
  }

  // Reads n file-order values into dst as doubles.
  void read_values(double* dst, std::size_t n) {
    if (header.dtype == Dtype::f64) return read_bytes(dst, n * sizeof(double));
    std::vector<float> buffer(std::min(n, kChunk));
    for (std::size_t done = 0; done < n;) {
      const std::size_t step = std::min(kChunk, n - done);
      read_bytes(buffer.data(), step * sizeof(float));
      std::copy_n(buffer.data(), step, dst + done);
      done += step;
    }
  }

  // Fills dst with all values in logical C order.
  void read_payload(double* dst) {
    const std::vector<std::size_t>& shape = header.shape;
    if (!header.fortran_order || shape.size() < 2) return read_values(dst, count);
    std::vector<double> file_order(count);
    read_values(file_order.data(), count);
    // Walk the C-order index like an odometer (last axis fastest), tracking the matching
    // Fortran-order offset, whose strides grow from the first axis.
    std::vector<std::size_t> stride(shape.size()), index(shape.size(), 0);
    std::size_t s = 1;
    for (std::size_t j = 0; j < shape.size(); ++j) {
      stride[j] = s;
      s *= shape[j];
    }
    std::size_t offset = 0;
    for (std::size_t c = 0; c < count; ++c) {
      dst[c] = file_order[offset];
      for (std::size_t j = shape.size(); j-- > 0;) {
        if (++index[j] < shape[j]) {
          offset += stride[j];
          break;
        }
        offset -= (shape[j] - 1) * stride[j];
        index[j] = 0;
      }
    }
  }
};

// Opens the file, validates the header and the exact file size, and leaves the stream at the data.
Reader open_npy(const fs::path& path) {
  Reader r;
  r.name = path.string();
  const std::string& name = r.name;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  require(status.type() != fs::file_type::not_found, name + ": file not found; check the path.");
  require(!fs::is_directory(status),
          name + ": is a directory, not a .npy file; pass the path of a .npy file.");
  r.in.open(path, std::ios::binary);
  require(r.in.is_open(), name + ": cannot open the file for reading; check its permissions.");
  const std::uintmax_t file_size = fs::file_size(path, ec);
  require(!ec, name + ": cannot determine the file size (" + ec.message() +
                   "); pass a regular .npy file.");

  unsigned char pre[8] = {};
  r.in.read(reinterpret_cast<char*>(pre), sizeof pre);
  require(r.in.gcount() == sizeof pre &&
              std::string_view(reinterpret_cast<const char*>(pre), 6) == kMagic,
          name + ": not a NumPy .npy file (it does not start with the \\x93NUMPY magic string); "
                 "save the array with numpy.save.");
  const unsigned major = pre[6], minor = pre[7];
  require(major >= 1 && major <= 3 && minor == 0,
          name + ": unsupported .npy format version " + std::to_string(major) + "." +
              std::to_string(minor) +
              "; save the array with numpy.save, which writes versions 1.0, 2.0 or 3.0.");

  const std::size_t len_bytes = major == 1 ? 2 : 4;
  unsigned char len_buf[4] = {};
  r.in.read(reinterpret_cast<char*>(len_buf), static_cast<std::streamsize>(len_bytes));
  require(static_cast<std::size_t>(r.in.gcount()) == len_bytes,
          name + ": the file ends inside the .npy header; the file is incomplete, re-save it.");
  std::uint64_t header_len = 0;
  for (std::size_t i = len_bytes; i-- > 0;) header_len = header_len << 8 | len_buf[i];
  const std::uint64_t preamble = 8 + len_bytes;
  require(header_len > 0 && header_len <= kMaxHeaderBytes,
          name + ": the .npy header length field says " + std::to_string(header_len) +
              " bytes, which is implausible; the file is corrupt, re-save it with numpy.save.");
  require(preamble + header_len <= file_size,
          name + ": the .npy header is truncated (it claims " + std::to_string(header_len) +
              " bytes but only " + std::to_string(file_size - preamble) +
              " follow); the file is incomplete, re-save it.");
  std::string text(header_len, '\0');
  r.read_bytes(text.data(), text.size());
  r.header = HeaderParser(text, name).parse();

  const std::size_t item = item_size(r.header.dtype);
  const std::optional<std::size_t> expected = payload_bytes(r.header.shape, item);
  const std::uint64_t actual = file_size - preamble - header_len;
  const std::string what = "shape " + shape_text(r.header.shape) + " of " +
                           dtype_name(r.header.dtype);
  require(expected.has_value(),
          name + ": the header's " + what + " is too large to address; the file is corrupt, "
                                            "re-save it.");
  require(actual >= *expected,
          name + ": the data is truncated: " + what + " needs " + std::to_string(*expected) +
              " bytes after the header but the file has " + std::to_string(actual) +
              "; the file is incomplete, re-save it.");
  require(actual == *expected,
          name + ": the file has " + std::to_string(actual - *expected) +
              (actual - *expected == 1 ? " unexpected byte" : " unexpected bytes") + " after the data (" + what + " needs " +
              std::to_string(*expected) + " bytes but " + std::to_string(actual) +
              " follow the header); re-save the array with numpy.save.");
  r.count = *expected / item;
  return r;
}

std::string make_header(Dtype dtype, const std::vector<std::size_t>& shape) {
  const std::string dict = std::string("{'descr': '") + (dtype == Dtype::f32 ? "<f4" : "<f8") +
                           "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // Version 1.0 whenever the 2-byte length suffices, as NumPy does; pad with spaces to a
  // multiple of 64 bytes so the data is aligned for memory mapping.
  for (unsigned major : {1u, 2u}) {
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    const std::size_t unpadded = 8 + len_bytes + dict.size() + 1;  // +1: terminating newline
    const std::size_t total = (unpadded + 63) / 64 * 64;
    const std::size_t header_len = total - 8 - len_bytes;
    if (major == 1 && header_len > 0xFFFF) continue;
    std::string out(kMagic);
    out += static_cast<char>(major);
    out += '\0';
    for (std::size_t i = 0; i < len_bytes; ++i) out += static_cast<char>((header_len >> (8 * i)) & 0xFF);
    out += dict;
    out.append(total - unpadded, ' ');
    out += '\n';
    return out;
  }
  return {};  // unreachable: the version 2.0 length field holds any header we build
}

}  // namespace

NpyArray read_npy(const fs::path& path) {
  Reader r = open_npy(path);
  NpyArray array;
  array.data.resize(r.count);
  r.read_payload(array.data.data());
  array.shape = r.header.shape;
  array.dtype = r.header.dtype;
  return array;
}

void write_npy(AtomicFile& file, const double* data, const std::vector<std::size_t>& shape, Dtype dtype) {
  const std::string name = file.target().string();
  const std::size_t item = item_size(dtype);
  const std::optional<std::size_t> bytes = payload_bytes(shape, item);
  require(bytes.has_value(),
          name + ": shape " + shape_text(shape) + " has too many elements to write; check the shape.");
  const std::size_t count = *bytes / item;
  require(count == 0 || data != nullptr,
          name + ": no data was given for shape " + shape_text(shape) +
              "; pass a pointer to the values.");

  file.write(make_header(dtype, shape));
  if (dtype == Dtype::f64) {
    file.write(data, *bytes);
  } else {
    std::vector<float> buffer(std::min(count, kChunk));
    for (std::size_t done = 0; done < count;) {
      const std::size_t step = std::min(kChunk, count - done);
      for (std::size_t i = 0; i < step; ++i) buffer[i] = static_cast<float>(data[done + i]);
      file.write(buffer.data(), step * sizeof(float));
      done += step;
    }
  }
}

void write_npy(const fs::path& path, const double* data, const std::vector<std::size_t>& shape,
               Dtype dtype) {
  AtomicFile file(path);
  write_npy(file, data, shape, dtype);
  file.commit();
}

Matrix read_npy_rows(const fs::path& path, std::optional<std::size_t> expected_cols) {
  Reader r = open_npy(path);
  const std::string& name = r.name;
  const std::vector<std::size_t>& shape = r.header.shape;
  require(shape.size() == 2, name + ": expected a 2-D array of shape (N, D) but found shape " +
                                 shape_text(shape) +
                                 "; save the data as a 2-D float array with one row per data point.");
  const std::size_t rows = shape[0], cols = shape[1];
  if (expected_cols && cols != *expected_cols)
    throw Error(name + ": expected rows of length D = " + std::to_string(*expected_cols) +
                " but found shape " + shape_text(shape) + "; save one data point of dimension " +
                std::to_string(*expected_cols) + " per row, or use a model of dimension " +
                std::to_string(cols) + ".");

  // A C-order (N, D) payload is exactly the column-major D×N matrix, so read straight into it.
  Matrix columns(static_cast<Index>(cols), static_cast<Index>(rows));
  r.read_payload(columns.data());
  for (Index n = 0; n < columns.cols(); ++n) {
    for (Index d = 0; d < columns.rows(); ++d) {
      const double v = columns(d, n);
      if (std::isfinite(v)) continue;
      throw Error(name + ": row " + std::to_string(n) + " (counting from 0) has a non-finite value (" +
                  (std::isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf") + ") in column " +
                  std::to_string(d) + "; remove or replace non-finite values before saving the data.");
    }
  }
  return columns;
}

void write_npy_rows(AtomicFile& file, const Matrix& columns, Dtype dtype) {
  write_npy(file, columns.data(),
            {static_cast<std::size_t>(columns.cols()), static_cast<std::size_t>(columns.rows())},
            dtype);
}

void write_npy_rows(const fs::path& path, const Matrix& columns, Dtype dtype) {
  AtomicFile file(path);
  write_npy_rows(file, columns, dtype);
  file.commit();
}

}  // namespace lsc::io
