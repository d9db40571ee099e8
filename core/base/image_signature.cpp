#include "base/image_signature.h"

#include <cctype>
#include <cstring>

namespace mae {

ImageFormat image_format(const uint8_t* d, size_t n) {
  if (n >= 8 && !std::memcmp(d, "\x89PNG\r\n\x1a\n", 8))
    return ImageFormat::Png;
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
    return ImageFormat::Jpeg;
  if (n >= 4 && !std::memcmp(d, "GIF8", 4))
    return ImageFormat::Gif;
  if (n >= 12 && !std::memcmp(d, "RIFF", 4) && !std::memcmp(d + 8, "WEBP", 4))
    return ImageFormat::WebP;
  // Classic TIFF and BigTIFF ('+'), in either byte order.
  if (n >= 4 && (!std::memcmp(d, "II*\0", 4) || !std::memcmp(d, "MM\0*", 4) ||
                 !std::memcmp(d, "II+\0", 4) || !std::memcmp(d, "MM\0+", 4)))
    return ImageFormat::Tiff;
  if (n >= 2 && d[0] == 'B' && d[1] == 'M')
    return ImageFormat::Bmp;
  // P1..P6, then the whitespace that ends netpbm's magic number: exactly what
  // OpenCV's PNM decoder asks, so that no other decoder takes such a file.
  if (n >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6' && std::isspace(d[2]))
    return ImageFormat::Pnm;
  return ImageFormat::None;
}

const char* image_format_name(ImageFormat format) {
  switch (format) {
  case ImageFormat::Png:
    return "PNG";
  case ImageFormat::Jpeg:
    return "JPEG";
  case ImageFormat::Gif:
    return "GIF";
  case ImageFormat::WebP:
    return "WebP";
  case ImageFormat::Tiff:
    return "TIFF";
  case ImageFormat::Bmp:
    return "BMP";
  case ImageFormat::Pnm:
    return "PNM";
  case ImageFormat::None:
    break;
  }
  return "";
}

} // namespace mae
