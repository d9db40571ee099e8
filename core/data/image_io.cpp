#include "data/image_io.h"
#include "data/png_encode.h"

#include "base/errors.h"
#include "base/file_extension.h"
#include "base/image_signature.h"
#include "formats/atomic_file.h"
#include "formats/file_bytes.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

namespace mae {
namespace {

// Limits on what a file may ask the decoder for: larger pictures are decoded
// reduced (JPEG) or refused before a byte is decoded.
constexpr int64_t kMaxPixels = int64_t{1} << 26; // 67 Mpx: 8192 x 8192
constexpr int kMaxSide = 1 << 16;
constexpr double kMaxAspect = 32;

uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint32_t le32(const uint8_t* p) {
  return uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0];
}
uint32_t le24(const uint8_t* p) {
  return uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0];
}
uint32_t le16(const uint8_t* p) {
  return uint32_t{p[1]} << 8 | p[0];
}

// The JPEG frame header's size: the first SOFn marker.
std::optional<ImageSize> jpeg_size(const uint8_t* d, size_t n) {
  size_t i = 2;
  while (i + 9 < n) {
    if (d[i] != 0xFF) {
      ++i;
      continue;
    }
    const uint8_t marker = d[i + 1];
    if (marker == 0xFF) {
      ++i;
      continue;
    }
    const size_t length = size_t{d[i + 2]} << 8 | d[i + 3];
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof)
      return ImageSize{int64_t{d[i + 7]} << 8 | d[i + 8], int64_t{d[i + 5]} << 8 | d[i + 6]};
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      i += 2;
      continue;
    }
    i += 2 + length;
  }
  return std::nullopt;
}

// "P5 640 480 255", read as OpenCV's decoder reads it, so that a header it
// takes for a large picture is never one we take for a small one: before a
// number, whitespace and # comments (to the line's end); after one, any
// single byte ("5100/75573" is 5100 by 75573).
std::optional<ImageSize> pnm_size(const uint8_t* d, size_t n) {
  size_t i = 2;
  int64_t v[2] = {0, 0};
  for (int64_t& value : v) {
    while (i < n && !std::isdigit(d[i])) {
      if (d[i] == '#') {
        while (i < n && d[i] != '\n' && d[i] != '\r')
          ++i;
        ++i;
      } else if (std::isspace(d[i])) {
        ++i;
      } else {
        return std::nullopt; // refused by the decoder as well
      }
    }
    if (i >= n)
      return std::nullopt;
    while (i < n && std::isdigit(d[i]) && value <= INT32_MAX)
      value = value * 10 + (d[i++] - '0');
    ++i; // the byte that ended the number
  }
  return ImageSize{v[0], v[1]};
}

// A truncated JPEG decodes with its missing rows grey: it ends without EOI.
bool jpeg_truncated(const uint8_t* d, size_t n) {
  while (n > 2 && d[n - 1] == 0)
    --n;
  return n < 4 || d[n - 2] != 0xFF || d[n - 1] != 0xD9;
}

// A PNG cut short ends before its IEND chunk. libpng would fail on it
// anyway, after printing "libpng error: Read Error" on stderr itself.
bool png_truncated(const uint8_t* d, size_t n) {
  size_t i = 8; // the signature
  while (n >= 12 && i <= n - 12) {
    if (!std::memcmp(d + i + 4, "IEND", 4))
      return false;
    i += size_t{12} + be32(d + i); // length, type, data, CRC
  }
  return true;
}

// The three WebP flavours keep their sizes in different places.
std::optional<ImageSize> webp_size(const uint8_t* d, size_t n) {
  if (n < 30)
    return std::nullopt;
  if (!std::memcmp(d + 12, "VP8X", 4))
    return ImageSize{int64_t{le24(d + 24)} + 1, int64_t{le24(d + 27)} + 1};
  if (!std::memcmp(d + 12, "VP8L", 4) && d[20] == 0x2F) {
    const uint32_t bits = le32(d + 21);
    return ImageSize{int64_t{bits & 0x3FFF} + 1, int64_t{(bits >> 14) & 0x3FFF} + 1};
  }
  if (!std::memcmp(d + 12, "VP8 ", 4))
    return ImageSize{le16(d + 26) & 0x3FFF, le16(d + 28) & 0x3FFF};
  return std::nullopt;
}

// The size of a BMP whose header OpenCV's reader takes without an exception
// (which it prints to std::cerr itself): a positive header size, a known
// compression, a palette of at most 256 colours, all of it in the file.
std::optional<ImageSize> bmp_size(const uint8_t* d, size_t n) {
  if (n < 26)
    return std::nullopt;
  const auto header = static_cast<int32_t>(le32(d + 14));
  if (header <= 0 || n < 14 + static_cast<size_t>(header))
    return std::nullopt;
  if (header >= 36) {
    const uint32_t bits = le16(d + 28), compression = le32(d + 30), colours = le32(d + 46);
    if (compression > 3) // RGB, RLE8, RLE4, bit fields
      return std::nullopt;
    if (bits <= 8 && (colours > 256 ||
                      n < 14 + static_cast<size_t>(header) + 4 * (colours ? colours : 1u << bits)))
      return std::nullopt;
  }
  const auto h = static_cast<int32_t>(le32(d + 22));
  return ImageSize{static_cast<int32_t>(le32(d + 18)), h < 0 ? -int64_t{h} : int64_t{h}};
}

// ImageWidth (256) and ImageLength (257) of the first IFD, in the file's byte
// order; classic TIFF (4-byte offsets, 12-byte entries) or BigTIFF (8, 20).
std::optional<ImageSize> tiff_size(const uint8_t* d, size_t n) {
  const bool big_endian = d[0] == 'M';
  const auto uint = [&](size_t at, int bytes) {
    uint64_t v = 0;
    for (int k = 0; k < bytes; ++k)
      v |= uint64_t{d[at + k]} << (8 * (big_endian ? bytes - 1 - k : k));
    return v;
  };
  const bool bigtiff = uint(2, 2) == 43;
  const int offset = bigtiff ? 8 : 4, count = bigtiff ? 8 : 2, entry = bigtiff ? 20 : 12;
  const size_t header = bigtiff ? 16 : 8;
  if (n < header)
    return std::nullopt;
  const uint64_t ifd = uint(header - offset, offset);
  if (ifd > n || n - ifd < static_cast<uint64_t>(count))
    return std::nullopt;
  const uint64_t entries = uint(ifd, count);
  int64_t size[2] = {-1, -1};
  for (uint64_t k = 0; k < entries && ifd + count + entry * (k + 1) <= n; ++k) {
    const size_t e = ifd + count + entry * k;
    const uint64_t tag = uint(e, 2), type = uint(e + 2, 2);
    const size_t value = e + 4 + offset; // after the tag, type and count
    // SHORT, LONG or (BigTIFF) LONG8, kept within what an int64 holds.
    const int bytes = type == 3 ? 2 : type == 4 ? 4 : type == 16 && bigtiff ? 8 : 0;
    if ((tag == 256 || tag == 257) && bytes > 0)
      size[tag - 256] = static_cast<int64_t>(std::min(uint(value, bytes), uint64_t{1} << 40));
  }
  if (size[0] < 0 || size[1] < 0)
    return std::nullopt;
  return ImageSize{size[0], size[1]};
}

// Any decoded Mat -> 8-bit gray or RGB.
Image from_mat(cv::Mat m, const std::string& label) {
  if (m.empty())
    throw ImageError(label + ": cannot decode the image: corrupt or cut short");
  if (m.depth() == CV_16U)
    m.convertTo(m, CV_8U, 1.0 / 257.0);
  else if (m.depth() == CV_32F || m.depth() == CV_64F)
    m.convertTo(m, CV_8U, 255.0);
  else if (m.depth() != CV_8U)
    m.convertTo(m, CV_8U);
  if (m.channels() == 4) {
    // Transparent pixels over white, as image viewers show them.
    std::vector<cv::Mat> ch;
    cv::split(m, ch);
    cv::Mat alpha;
    ch[3].convertTo(alpha, CV_32F, 1.0 / 255.0);
    cv::Mat rgb;
    cv::merge(std::vector<cv::Mat>{ch[0], ch[1], ch[2]}, rgb);
    rgb.convertTo(rgb, CV_32FC3);
    cv::Mat a3;
    cv::merge(std::vector<cv::Mat>{alpha, alpha, alpha}, a3);
    cv::Mat white(rgb.size(), CV_32FC3, cv::Scalar(255, 255, 255));
    cv::Mat out = rgb.mul(a3) + white.mul(cv::Scalar(1, 1, 1) - a3);
    out.convertTo(m, CV_8UC3);
  } else if (m.channels() == 2) {
    std::vector<cv::Mat> ch;
    cv::split(m, ch);
    m = ch[0];
  }
  Image img;
  img.width = m.cols;
  img.height = m.rows;
  if (m.channels() == 1) {
    img.channels = 1;
  } else {
    cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
    img.channels = 3;
  }
  if (!m.isContinuous())
    m = m.clone();
  img.pixels.assign(m.data, m.data + m.total() * m.elemSize());
  return img;
}

cv::Mat as_mat(const Image& image) {
  return cv::Mat(image.height, image.width, image.channels == 1 ? CV_8UC1 : CV_8UC3,
                 const_cast<uint8_t*>(image.pixels.data()));
}

Image copy_of(const cv::Mat& m) {
  Image out(m.cols, m.rows, m.channels());
  cv::Mat dst(m.rows, m.cols, m.type(), out.pixels.data());
  m.copyTo(dst);
  return out;
}

// The size in the header of a picture whose format is known already.
std::optional<ImageSize> header_size(ImageFormat format, const uint8_t* d, size_t n) {
  switch (format) {
  case ImageFormat::Png:
    if (n >= 24)
      return ImageSize{be32(d + 16), be32(d + 20)};
    break;
  case ImageFormat::Jpeg:
    return jpeg_size(d, n);
  case ImageFormat::Bmp:
    return bmp_size(d, n);
  case ImageFormat::WebP:
    return webp_size(d, n);
  case ImageFormat::Pnm:
    return pnm_size(d, n);
  case ImageFormat::Tiff:
    return tiff_size(d, n);
  case ImageFormat::Gif: // not decoded
  case ImageFormat::None:
    break;
  }
  return std::nullopt;
}

} // namespace

std::optional<ImageSize> image_header_size(const uint8_t* d, size_t n) {
  return header_size(image_format(d, n), d, n);
}

// The shape limits every picture meets, read from its header where we can
// and from the decoded picture otherwise (formats OpenCV knows by content).
void check_proportions(int64_t w, int64_t h, const std::string& label) {
  const std::string what = std::to_string(w) + " x " + std::to_string(h) + " pixels";
  if (w <= 0 || h <= 0)
    throw ImageError(label + ": the header says " + what + ": an empty or corrupt image");
  if (static_cast<double>(std::max(w, h)) / std::min(w, h) > kMaxAspect)
    throw ImageError(label + ": " + what + " is more elongated than " +
                     std::to_string(static_cast<int>(kMaxAspect)) +
                     ":1; crop it to the part to look at");
  if (w > kMaxSide || h > kMaxSide)
    throw ImageError(label + ": " + what + " is larger than the " + std::to_string(kMaxSide) +
                     "-pixel sides this tool decodes");
}

Image decode_image(const uint8_t* data, size_t size, const std::string& label,
                   std::string* warning) {
  if (size == 0)
    throw ImageError(label + ": empty file");
  if (size > static_cast<size_t>(INT32_MAX))
    throw ImageError(label + ": " + std::to_string(size >> 20) + " MiB is too large a file");
  const ImageFormat format = image_format(data, size);
  if (format == ImageFormat::None || format == ImageFormat::Gif)
    // Only decoders we hand files to: OpenCV would try every one it has, and
    // some (DICOM's) abort the process on a malformed file.
    throw ImageError(label + ": " +
                     (format == ImageFormat::Gif ? "GIF is" : "not an image, or a format") +
                     " not supported; images are " + kImageFormatList);
  int flags = cv::IMREAD_UNCHANGED | cv::IMREAD_ANYDEPTH;
  // The size is read before the decoder allocates for it: OpenCV's own limit
  // (OPENCV_IO_MAX_IMAGE_PIXELS) is read once, as it loads, and is a gigapixel.
  const auto dims = header_size(format, data, size);
  if (!dims)
    throw ImageError(label + ": a " + image_format_name(format) +
                     " header without a readable size: corrupt or cut short");
  const auto [w, h] = *dims;
  const std::string what = std::to_string(w) + " x " + std::to_string(h) + " pixels";
  check_proportions(w, h, label);
  if (w * h > kMaxPixels) {
    // JPEG decodes at 1/2, 1/4 or 1/8 scale in libjpeg itself.
    const bool jpeg = format == ImageFormat::Jpeg;
    int scale = 2;
    while (jpeg && scale < 8 && w * h > kMaxPixels * scale * scale)
      scale *= 2;
    if (!jpeg || w * h > kMaxPixels * scale * scale)
      throw ImageError(label + ": " + what + " is more than the " +
                       std::to_string(kMaxPixels >> 20) + " Mpx this tool decodes");
    flags = scale == 2   ? cv::IMREAD_REDUCED_COLOR_2
            : scale == 4 ? cv::IMREAD_REDUCED_COLOR_4
                         : cv::IMREAD_REDUCED_COLOR_8;
    if (warning)
      *warning = what + ", decoded at 1/" + std::to_string(scale) + " scale";
  }
  if (format == ImageFormat::Png && png_truncated(data, size))
    throw ImageError(label + ": the PNG data is cut short (it ends before its last chunk): a "
                             "partial copy or download?");
  if (warning && format == ImageFormat::Jpeg && jpeg_truncated(data, size))
    *warning = "the JPEG data is truncated: decoded partially, the missing part grey";
  cv::Mat buf(1, static_cast<int>(size), CV_8UC1, const_cast<uint8_t*>(data));
  cv::Mat m;
  Image image;
  try {
    m = cv::imdecode(buf, flags);
    image = from_mat(m, label);
  } catch (const cv::Exception& e) {
    throw ImageError(label + ": cannot decode image: " + e.what());
  }
  // The decoder's reading of the size, should it differ from ours: a 1 x 40000
  // strip would be packed as 9 Mpx.
  check_proportions(image.width, image.height, label);
  return image;
}

Image load_image(const std::string& path, std::string* warning) {
  SharedBytes bytes;
  try {
    bytes = read_file_bytes(path, "image");
  } catch (const CheckpointError& e) {
    throw ImageError(e.what());
  }
  return decode_image(bytes->data(), bytes->size(), path, warning);
}

Image resize_image(const Image& image, int width, int height, bool nearest) {
  if (width <= 0 || height <= 0)
    throw ImageError("cannot resize to an empty image");
  const bool shrinking = width < image.width && height < image.height;
  const int interp = nearest ? cv::INTER_NEAREST : (shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
  cv::Mat out;
  cv::resize(as_mat(image), out, cv::Size(width, height), 0, 0, interp);
  return copy_of(out);
}

Image resize_center_crop(const Image& image, int size) {
  if (image.empty())
    throw ImageError("empty image");
  const int short_side = std::min(image.width, image.height);
  const int long_side = std::max(image.width, image.height);
  if (long_side > 4 * short_side) {
    // An elongated picture: crop its centre square first, so the resize
    // never makes a strip many times the model's size.
    const cv::Rect square((image.width - short_side) / 2, (image.height - short_side) / 2,
                          short_side, short_side);
    return resize_image(copy_of(as_mat(image)(square)), size, size);
  }
  const double scale = static_cast<double>(size) / std::min(image.width, image.height);
  const int w = std::max(size, static_cast<int>(std::lround(image.width * scale)));
  const int h = std::max(size, static_cast<int>(std::lround(image.height * scale)));
  const Image resized = resize_image(image, w, h);
  const cv::Rect crop((w - size) / 2, (h - size) / 2, size, size);
  return copy_of(as_mat(resized)(crop));
}

Image convert_channels(const Image& image, int channels) {
  if (image.channels == channels)
    return image;
  cv::Mat out;
  cv::cvtColor(as_mat(image), out, channels == 1 ? cv::COLOR_RGB2GRAY : cv::COLOR_GRAY2RGB);
  return copy_of(out);
}

void write_png(const std::string& path, const Image& image) {
  std::string bytes;
  try {
    bytes = encode_png(image);
  } catch (const ImageError& e) {
    throw ImageError(path + ": " + e.what());
  }
  try {
    write_file_atomic(path, bytes.data(), bytes.size());
  } catch (const Error& e) {
    throw ImageError(e.what());
  }
}

bool is_image_path(const std::string& path) {
  const std::string ext = lower_extension(path);
  for (const char* e :
       {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".pnm"})
    if (ext == e)
      return true;
  return false;
}

} // namespace mae
