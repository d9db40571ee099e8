// What kind of picture a file's first bytes say it is: one list of
// signatures for the decoder's header check (data/image_io) and for naming a
// picture given where a model goes (checkpoint). Torch- and OpenCV-free.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mae {

enum class ImageFormat { None, Png, Jpeg, Gif, WebP, Tiff, Bmp, Pnm };

// The format whose signature `data` starts with; None for anything else.
ImageFormat image_format(const uint8_t* data, size_t size);

// The formats decoded, as a user names them (file extensions): for help
// texts and errors.
inline constexpr const char* kImageFormatList = "png, jpg, bmp, webp, tiff, pgm, ppm";

// "PNG", "JPEG", ...; "" for None.
const char* image_format_name(ImageFormat format);

} // namespace mae
