#include "lsc/io/images.hpp"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE declared first
#include <jpeglib.h>
#include <jerror.h>
// clang-format on
#include <matio.h>
#include <png.h>
#include <tiffio.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <csetjmp>
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <sys/stat.h>
#include <fstream>
#include <memory>

#include "lsc/core/error.hpp"
#include "lsc/io/npy.hpp"

namespace lsc::io {

namespace fs = std::filesystem;

namespace {

// Caps what a corrupt header can make us allocate (a 16384×16384 image still fits).
constexpr long long kMaxPixels = 1LL << 28;

const std::string kRemedy = "re-export the image or remove it from the folder.";

std::string lower_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// The first n bytes of a file (fewer if it is shorter).
std::string head(const fs::path& file, std::size_t n) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes(n, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(n));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

void check_size(const std::string& name, long long height, long long width) {
  require(height >= 2 && width >= 2,
          name + ": the image is " + std::to_string(height) + "x" + std::to_string(width) +
              " pixels, too small to sample patches from; use images of at least 2x2 pixels.");
  require(height * width <= kMaxPixels, name + ": the image is " + std::to_string(height) + "x" +
                                            std::to_string(width) + " pixels, more than " +
                                            std::to_string(kMaxPixels) +
                                            " in all; downscale or crop it first.");
}

// Exact for gray stored as RGB, so gray pixels read the same from every format.
double luma(double r, double g, double b) {
  return r == g && g == b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
}

// Builds a gray image from interleaved samples: pixel i is sample(i * stride) when gray, or the
// luma of samples i * stride + 0, 1, 2 when color; sample() already scales to [0, 1].
template <class Sample>
Image gray_image(const std::string& source, int height, int width, int stride, bool color,
                 Sample sample) {
  Image image{height, width, std::vector<double>(std::size_t(height) * std::size_t(width)), source};
  for (std::size_t i = 0; i < image.pixels.size(); ++i) {
    const std::size_t j = i * std::size_t(stride);
    image.pixels[i] = color ? luma(sample(j), sample(j + 1), sample(j + 2)) : sample(j);
  }
  return image;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

FilePtr open_file(const fs::path& file) {
  FilePtr f(std::fopen(file.c_str(), "rb"));
  require(f != nullptr, file.string() + ": cannot open the file (" + std::strerror(errno) +
                            "); check that it exists and is readable.");
  return f;
}

// What the libpng and libjpeg decoders hand back: rows of 8-bit samples, or 16-bit big-endian
// pairs, `channels` per pixel. It lives in the caller's frame because a longjmp out of the C
// library must not skip the destructors of C++ objects created after setjmp.
struct Decoded {
  int height = 0, width = 0, channels = 0, depth = 8;
  std::vector<unsigned char> bytes;
  std::vector<unsigned char*> rows;
  char message[JMSG_LENGTH_MAX] = "";
  void allocate(std::size_t row_bytes) {
    bytes.resize(row_bytes * std::size_t(height));
    rows.resize(std::size_t(height));
    for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = bytes.data() + r * row_bytes;
  }
};

// ---- PNG -------------------------------------------------------------------------------------

[[noreturn]] void png_fail(png_structp png, png_const_charp message) {
  auto* out = static_cast<Decoded*>(png_get_error_ptr(png));
  std::snprintf(out->message, sizeof out->message, "%s", message);
  png_longjmp(png, 1);
}
// Warnings (an odd color profile, a bad ancillary chunk) leave the pixels intact.
void png_ignore(png_structp, png_const_charp) {}

struct PngGuard {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngGuard() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

// The classic API, not png_image: the simplified one applies gamma and its own gray weights.
// Deflate, PNG's compression, shrinks data by at most 1032:1, so a file of n bytes holds at most
// about 1032·n bytes of pixel rows: a header that claims more is corrupt, and is refused before
// the rows are allocated (a 100-byte file claiming 16384x16384 pixels would otherwise cost 1.7 GB).
constexpr double kDeflateMaxRatio = 1032;

bool decode_png(std::FILE* f, const std::string& name, Decoded& out) {
  PngGuard g;
  g.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &out, png_fail, png_ignore);
  if (g.png != nullptr) g.info = png_create_info_struct(g.png);
  if (g.info == nullptr) return false;
  if (setjmp(png_jmpbuf(g.png))) return false;
  png_init_io(g.png, f);
  png_read_info(g.png, g.info);
  {
    struct stat st{};
    const double file_bytes = ::fstat(::fileno(f), &st) == 0 ? double(st.st_size) : 0.0;
    const double height = double(png_get_image_height(g.png, g.info));
    const double raw_bytes = height * (double(png_get_rowbytes(g.png, g.info)) + 1);  // + a filter byte per row
    require(file_bytes <= 0 || raw_bytes <= kDeflateMaxRatio * file_bytes + 4096,
            name + ": the header claims " + std::to_string(png_get_image_height(g.png, g.info)) + "x" +
                std::to_string(png_get_image_width(g.png, g.info)) + " pixels, more than a file of " +
                std::to_string(static_cast<long long>(file_bytes)) + " bytes can hold, so it is corrupt; " + kRemedy);
  }
  png_set_expand(g.png);  // palette to RGB, gray below 8 bits to 8, transparency to alpha
  png_set_strip_alpha(g.png);
  png_set_interlace_handling(g.png);
  png_read_update_info(g.png, g.info);
  out.height = int(png_get_image_height(g.png, g.info));
  out.width = int(png_get_image_width(g.png, g.info));
  out.channels = png_get_channels(g.png, g.info);
  out.depth = png_get_bit_depth(g.png, g.info);
  check_size(name, out.height, out.width);  // throws before anything is allocated
  out.allocate(png_get_rowbytes(g.png, g.info));
  png_read_image(g.png, out.rows.data());
  png_read_end(g.png, nullptr);  // checks the rest of the file, so truncation is caught
  return true;
}

Image read_png(const fs::path& file) {
  const std::string name = file.string();
  const FilePtr f = open_file(file);
  Decoded d;
  const bool ok = decode_png(f.get(), name, d);  // before the message below reads d.message
  require(ok, name + ": cannot decode this PNG image, it is corrupt or truncated (libpng: " +
                  d.message + "); " + kRemedy);
  const bool wide = d.depth == 16;
  return gray_image(name, d.height, d.width, d.channels, d.channels >= 3, [&](std::size_t j) {
    const unsigned char* p = d.bytes.data();
    return wide ? (p[2 * j] << 8 | p[2 * j + 1]) / 65535.0 : p[j] / 255.0;
  });
}

// ---- JPEG ------------------------------------------------------------------------------------

struct JpegState {
  jpeg_error_mgr err;  // first member, so the library's err pointer is also a JpegState*
  std::jmp_buf jump;
  jpeg_decompress_struct cinfo;
  ~JpegState() { jpeg_destroy_decompress(&cinfo); }  // a no-op until created, and when destroyed
};

[[noreturn]] void jpeg_fail(j_common_ptr cinfo) {
  auto* state = reinterpret_cast<JpegState*>(cinfo->err);
  auto* out = static_cast<Decoded*>(cinfo->client_data);
  (*cinfo->err->format_message)(cinfo, out->message);
  std::longjmp(state->jump, 1);
}
// libjpeg only warns when data is missing or corrupt and makes up the pixels, so those warnings
// fail the read; stray bytes between markers do not touch the pixels and are let through.
void jpeg_warn(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code != JWRN_EXTRANEOUS_DATA) jpeg_fail(cinfo);
}

bool decode_jpeg(std::FILE* f, const std::string& name, JpegState& s, Decoded& out) {
  s.cinfo.err = jpeg_std_error(&s.err);
  s.err.error_exit = jpeg_fail;
  s.err.emit_message = jpeg_warn;
  s.cinfo.client_data = &out;
  if (setjmp(s.jump)) return false;
  jpeg_create_decompress(&s.cinfo);  // keeps err and client_data
  jpeg_stdio_src(&s.cinfo, f);
  jpeg_read_header(&s.cinfo, TRUE);
  s.cinfo.out_color_space = s.cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&s.cinfo);
  out.height = int(s.cinfo.output_height);
  out.width = int(s.cinfo.output_width);
  out.channels = s.cinfo.output_components;
  check_size(name, out.height, out.width);
  out.allocate(std::size_t(out.width) * std::size_t(out.channels));
  while (s.cinfo.output_scanline < s.cinfo.output_height)
    jpeg_read_scanlines(&s.cinfo, &out.rows[s.cinfo.output_scanline], 1);
  jpeg_finish_decompress(&s.cinfo);
  return true;
}

Image read_jpeg(const fs::path& file) {
  const std::string name = file.string();
  const FilePtr f = open_file(file);
  JpegState state{};
  Decoded d;
  const bool ok = decode_jpeg(f.get(), name, state, d);  // before the message below reads it
  require(ok, name + ": cannot decode this JPEG image, it is corrupt or truncated (libjpeg: " +
                  d.message + "); " + kRemedy);
  return gray_image(name, d.height, d.width, d.channels, d.channels >= 3,
                    [&](std::size_t j) { return d.bytes[j] / 255.0; });
}

// ---- TIFF ------------------------------------------------------------------------------------

// Keeps the first error (the cause) for the sentence; returning 1 stops libtiff's global
// handler from printing to stderr.
int tiff_on_error(TIFF*, void* user, const char*, const char* format, va_list args) {
  auto& text = *static_cast<std::string*>(user);
  if (text.empty()) {
    char buffer[512];
    std::vsnprintf(buffer, sizeof buffer, format, args);
    text = buffer;
  }
  return 1;
}
// Warnings (unknown tags, odd but readable fields) leave the pixels intact.
int tiff_ignore(TIFF*, void*, const char*, const char*, va_list) { return 1; }

Image read_tiff(const fs::path& file) {
  const std::string name = file.string();
  std::string error;
  const std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)> options(TIFFOpenOptionsAlloc(),
                                                                             TIFFOpenOptionsFree);
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), tiff_on_error, &error);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), tiff_ignore, nullptr);
  const std::unique_ptr<TIFF, void (*)(TIFF*)> tif(TIFFOpenExt(name.c_str(), "r", options.get()),
                                                   TIFFClose);
  // Takes the outcome of a libtiff call, so the message is built after the call filled `error`.
  const auto check = [&](bool ok) {
    require(ok && error.empty(), name +
                                     ": cannot decode this TIFF image, it is corrupt, truncated "
                                     "or of an unsupported kind (libtiff: " +
                                     error + "); " + kRemedy);
  };
  check(tif != nullptr);
  std::uint32_t width = 0, height = 0;
  std::uint16_t bits = 1, spp = 1, planar = PLANARCONFIG_CONTIG, format = SAMPLEFORMAT_UINT;
  std::uint16_t photometric = PHOTOMETRIC_MINISBLACK;
  TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &height);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetField(tif.get(), TIFFTAG_PHOTOMETRIC, &photometric);
  check_size(name, height, width);
  const int h = int(height), w = int(width);

  if (bits == 16) {
    // TIFFReadRGBAImage would cut 16-bit samples to 8 bits, so plain layouts are read line by line.
    const bool gray =
        photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE;
    require(!TIFFIsTiled(tif.get()) && planar == PLANARCONFIG_CONTIG &&
                format == SAMPLEFORMAT_UINT &&
                (gray || (photometric == PHOTOMETRIC_RGB && spp >= 3)),
            name +
                ": only stripped, interleaved, unsigned gray or RGB 16-bit TIFF images are read at "
                "full "
                "precision; re-save this one that way or as 8-bit.");
    std::vector<std::uint16_t> samples(std::size_t(h) * std::size_t(w) * spp);
    for (int r = 0; r < h; ++r)
      check(TIFFReadScanline(tif.get(), &samples[std::size_t(r) * w * spp], std::uint32_t(r)) == 1);
    const bool invert = photometric == PHOTOMETRIC_MINISWHITE;
    return gray_image(name, h, w, spp, !gray, [&](std::size_t j) {
      const double v = samples[j] / 65535.0;
      return invert ? 1.0 - v : v;
    });
  }
  std::vector<std::uint32_t> raster(std::size_t(h) * std::size_t(w));
  const int ok =
      TIFFReadRGBAImageOriented(tif.get(), width, height, raster.data(), ORIENTATION_TOPLEFT, 1);
  check(ok == 1);  // also fails on errors in a strip, which do not always fail the call
  // Sample j is channel j % 3 (R, G, B) of pixel j / 3 of the packed ABGR raster.
  return gray_image(name, h, w, 3, true, [&](std::size_t j) {
    const std::uint32_t px = raster[j / 3];
    const std::uint32_t v = j % 3 == 0 ? TIFFGetR(px) : j % 3 == 1 ? TIFFGetG(px) : TIFFGetB(px);
    return v / 255.0;
  });
}

// ---- stacks (.mat, .npy, folders) ---------------------------------------------------------

// Cuts a column-major (MATLAB) or C-order (NumPy) H×W×n block into row-major images.
std::vector<Image> split_stack(const std::string& name, const std::vector<double>& values,
                               std::size_t height, std::size_t width, std::size_t count,
                               bool column_major, const auto& source_of) {
  check_size(name, static_cast<long long>(height), static_cast<long long>(width));
  require(count > 0, name + ": the stack holds no images; save at least one H×W image in it.");
  std::vector<Image> images;
  for (std::size_t k = 0; k < count; ++k) {
    Image image{int(height), int(width), std::vector<double>(height * width), source_of(k)};
    for (std::size_t r = 0; r < height; ++r)
      for (std::size_t c = 0; c < width; ++c)
        image.pixels[r * width + c] = column_major ? values[r + height * (c + width * k)]
                                                   : values[(k * height + r) * width + c];
    require(std::all_of(image.pixels.begin(), image.pixels.end(),
                        [](double v) { return std::isfinite(v); }),
            image.source +
                ": the image has NaN or Inf pixels; replace them with finite values or drop that "
                "image.");
    images.push_back(std::move(image));
  }
  return images;
}

struct MatCloser {
  void operator()(mat_t* m) const { Mat_Close(m); }
};
struct MatVarFree {
  void operator()(matvar_t* v) const { Mat_VarFree(v); }
};
using MatVar = std::unique_ptr<matvar_t, MatVarFree>;

bool is_real_numeric(const matvar_t& v) {
  return v.class_type >= MAT_C_DOUBLE && v.class_type <= MAT_C_UINT64 && v.isComplex == 0;
}

template <class T>
std::vector<double> as_doubles(const void* data, std::size_t count) {
  const T* p = static_cast<const T*>(data);
  return {p, p + count};
}

// matio stores each class in its own C type; integers become doubles unscaled, as MATLAB's
// double().
std::vector<double> mat_values(const matvar_t& v, std::size_t count) {
  switch (v.data_type) {
    case MAT_T_DOUBLE:
      return as_doubles<double>(v.data, count);
    case MAT_T_SINGLE:
      return as_doubles<float>(v.data, count);
    case MAT_T_INT8:
      return as_doubles<std::int8_t>(v.data, count);
    case MAT_T_UINT8:
      return as_doubles<std::uint8_t>(v.data, count);
    case MAT_T_INT16:
      return as_doubles<std::int16_t>(v.data, count);
    case MAT_T_UINT16:
      return as_doubles<std::uint16_t>(v.data, count);
    case MAT_T_INT32:
      return as_doubles<std::int32_t>(v.data, count);
    case MAT_T_UINT32:
      return as_doubles<std::uint32_t>(v.data, count);
    case MAT_T_INT64:
      return as_doubles<std::int64_t>(v.data, count);
    case MAT_T_UINT64:
      return as_doubles<std::uint64_t>(v.data, count);
    default:
      return {};
  }
}

// The sizes in a MAT v5 file's uncompressed element tags, checked against the file before matio
// reads it: matio allocates what a tag claims (a dimensions tag of 1.3 GB in a 267-byte file,
// found by fuzzing). Top-level elements must fit in the file and the sub-elements of a matrix in
// the matrix; compressed elements are checked only as wholes (their inside needs inflating).
void check_mat_v5_tags(const fs::path& file) {
  const std::uintmax_t size = fs::file_size(file);
  const std::string header = head(file, 128);
  if (header.size() < 128 || (header.compare(126, 2, "IM") != 0 && header.compare(126, 2, "MI") != 0)) return;  // not v5
  const bool swap = header.compare(126, 2, "MI") == 0;
  const auto version = static_cast<unsigned>(static_cast<unsigned char>(header[swap ? 124 : 125])) << 8 |
                       static_cast<unsigned char>(header[swap ? 125 : 124]);
  if (version != 0x0100) return;  // 0x0200: v7.3, an HDF5 file that matio reads through HDF5
  std::ifstream in(file, std::ios::binary);
  const auto u32 = [&](std::uintmax_t at) {
    std::uint32_t v = 0;
    in.seekg(static_cast<std::streamoff>(at));
    in.read(reinterpret_cast<char*>(&v), sizeof v);
    return swap ? __builtin_bswap32(v) : v;
  };
  const std::string bad = file.string() + ": a data element claims more bytes than the file holds, so it is truncated or "
                                          "corrupt; re-save it.";
  constexpr std::uint32_t kMatrix = 14;
  for (std::uintmax_t at = 128; at + 8 <= size;) {
    const std::uint32_t type = u32(at);
    if (type >> 16) {  // a small element: type and size in 4 bytes, data in the next 4
      at += 8;
      continue;
    }
    const std::uint64_t bytes = u32(at + 4), end = at + 8 + bytes;
    require(end <= size, bad);
    if (type == kMatrix)
      for (std::uintmax_t sub = at + 8; sub + 8 <= end;) {
        const std::uint32_t t = u32(sub);
        const std::uint64_t n = t >> 16 ? 0 : u32(sub + 4);
        require(sub + 8 + n <= end, bad);
        sub += 8 + (n + 7) / 8 * 8;  // sub-elements are padded to 8 bytes
      }
    at = end;
  }
}

std::vector<Image> read_mat(const fs::path& file, const std::string& variable) {
  const std::string name = file.string();
  check_mat_v5_tags(file);
  const std::unique_ptr<mat_t, MatCloser> mat(Mat_Open(name.c_str(), MAT_ACC_RDONLY));
  require(mat != nullptr,
          name +
              ": matio cannot open this MAT-file; it is corrupt, not a MAT-file, or a v7.3 (HDF5) "
              "file and this matio was built without HDF5; re-save it in MATLAB with save -v7.");
  // Headers only while searching, so skipped variables are never loaded.
  std::string chosen, seen;
  bool found = false;
  long double claimed_bytes = 0, holds_bytes = 0;
  while (const MatVar info{Mat_VarReadNextInfo(mat.get())}) {
    const std::string var_name = info->name != nullptr ? info->name : "";
    seen += (seen.empty() ? "" : ", ") + var_name;
    found = variable.empty() ? is_real_numeric(*info) && (info->rank == 2 || info->rank == 3)
                             : var_name == variable;
    if (found) {
      chosen = var_name;
      // What the header claims against what the file can hold (zlib expands at most 1032:1),
      // so that a corrupt header is refused before matio allocates it (found by fuzzing).
      claimed_bytes = static_cast<long double>(Mat_SizeOfClass(info->class_type));
      for (int i = 0; i < info->rank && info->dims != nullptr; ++i) claimed_bytes *= static_cast<long double>(info->dims[i]);
      holds_bytes = static_cast<long double>(fs::file_size(file)) * (info->compression != MAT_COMPRESSION_NONE ? 1032 : 1);
      break;
    }
  }
  const std::string has = " (it has " + (seen.empty() ? std::string("none") : seen) + ")";
  require(found || !variable.empty(),
          name + ": the MAT-file has no real numeric 2-D or 3-D variable" + has +
              "; save the images in it as an H×W×n numeric array.");
  require(found, name + ": the MAT-file has no variable named '" + variable + "'" + has +
                     "; pass one of those names.");

  const std::string where = name + ":" + chosen;
  require(claimed_bytes <= holds_bytes,
          where + ": the variable claims " + std::to_string(static_cast<unsigned long long>(std::min<long double>(claimed_bytes, 1e19L))) +
              " bytes, more than a file of this size can hold, so the file is corrupt; re-save it.");
  const MatVar var{Mat_VarRead(mat.get(), chosen.c_str())};
  require(var != nullptr && var->data != nullptr,
          where +
              ": matio could not read this variable, so the file is probably truncated or "
              "corrupt; re-save it.");
  require(is_real_numeric(*var) && (var->rank == 2 || var->rank == 3),
          where +
              ": the variable is not a real numeric 2-D or 3-D array; pass a variable that "
              "holds an H×W×n stack of images.");
  const std::size_t height = var->dims[0], width = var->dims[1];
  const std::size_t count = var->rank == 3 ? var->dims[2] : 1;
  const std::size_t total = height * width * count;
  require(var->nbytes >= total * Mat_SizeOf(var->data_type),
          where +
              ": matio returned less data than the dimensions promise, so the file is "
              "probably truncated or corrupt; re-save it.");
  const std::vector<double> values = mat_values(*var, total);
  require(!values.empty() || total == 0,
          where + ": matio returned the data in a type lsc does not read; re-save it as double.");
  return split_stack(where, values, height, width, count, true, [&](std::size_t k) {
    return var->rank == 3 ? where + "(:,:," + std::to_string(k + 1) + ")" : where;
  });
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s;
  for (std::size_t n : shape) s += (s.empty() ? "" : ", ") + std::to_string(n);
  return "(" + s + (shape.size() == 1 ? ",)" : ")");
}

std::vector<Image> read_npy_stack(const fs::path& file) {
  const std::string name = file.string();
  const NpyArray array = read_npy(file);
  const std::vector<std::size_t>& s = array.shape;
  require(s.size() == 2 || s.size() == 3,
          name + ": the array has shape " + shape_text(s) +
              "; save images as an (n, H, W) stack or a single (H, W) image.");
  const bool stack = s.size() == 3;
  return split_stack(
      name, array.data, s[stack ? 1 : 0], s[stack ? 2 : 1], stack ? s[0] : 1, false,
      [&](std::size_t k) { return stack ? name + "[" + std::to_string(k) + "]" : name; });
}

std::vector<Image> read_folder(const fs::path& folder) {
  const std::string name = folder.string();
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string ext = lower_extension(it->path());
    std::error_code ignored;
    if ((ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".tif" || ext == ".tiff") &&
        it->is_regular_file(ignored))
      files.push_back(it->path());
  }
  require(!ec, name + ": cannot list the folder (" + ec.message() + "); check its permissions.");
  require(!files.empty(), name +
                              ": the folder has no .png, .jpg, .jpeg, .tif or .tiff files; put "
                              "images there or point to another folder.");
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  std::vector<Image> images;
  images.reserve(files.size());
  for (const fs::path& f : files) images.push_back(read_image(f));
  return images;
}

}  // namespace

Image read_image(const fs::path& file) {
  const std::string name = file.string();
  std::error_code ec;
  require(fs::exists(file, ec), name + ": no such file; check the path.");
  require(fs::is_regular_file(file, ec), name + ": not a regular file; pass an image file.");
  const std::string magic = head(file, 8);
  const auto starts = [&](std::string_view m) { return magic.starts_with(m); };
  if (starts("\x89PNG\r\n\x1a\n")) return read_png(file);
  if (starts("\xFF\xD8\xFF")) return read_jpeg(file);
  using namespace std::string_view_literals;
  if (starts("II*\0"sv) || starts("MM\0*"sv) || starts("II+\0"sv) || starts("MM\0+"sv))
    return read_tiff(file);
  throw Error(name +
              ": not a PNG, JPEG or TIFF image (its first bytes match none of them); convert "
              "it to one of these formats or remove it from the folder.");
}

std::vector<Image> read_images(const fs::path& path, const std::string& variable) {
  const std::string name = path.string();
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  require(fs::exists(status), name + ": no such file or folder; check the path.");
  const std::string ext = lower_extension(path);
  const std::string magic = fs::is_directory(status) ? "" : head(path, 8);
  const bool mat = ext == ".mat" || magic.starts_with("MATLAB");
  require(variable.empty() || mat,
          name + ": a variable name ('" + variable +
              "') only applies to .mat files; drop it or pass a .mat file.");
  if (fs::is_directory(status)) return read_folder(path);
  if (mat) return read_mat(path, variable);
  if (ext == ".npy" || magic.starts_with("\x93NUMPY")) return read_npy_stack(path);
  return {read_image(path)};
}

}  // namespace lsc::io
