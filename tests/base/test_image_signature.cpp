#include "base/image_signature.h"

#include <gtest/gtest.h>

#include <string>

namespace mae {
namespace {

ImageFormat format_of(const std::string& bytes) {
  return image_format(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

TEST(ImageSignature, NamesEachFormatByItsFirstBytes) {
  EXPECT_EQ(format_of(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)), ImageFormat::Png);
  EXPECT_EQ(format_of("\xFF\xD8\xFF\xE0"), ImageFormat::Jpeg);
  EXPECT_EQ(format_of("GIF89a"), ImageFormat::Gif);
  EXPECT_EQ(format_of("RIFF\x10\x20\x30\x01WEBPVP8 "), ImageFormat::WebP);
  EXPECT_EQ(format_of(std::string("II*\0", 4)), ImageFormat::Tiff);
  EXPECT_EQ(format_of(std::string("MM\0*", 4)), ImageFormat::Tiff);
  EXPECT_EQ(format_of("BM6\x0c"), ImageFormat::Bmp);
  EXPECT_EQ(format_of("P5 640 480 255\n"), ImageFormat::Pnm);
  EXPECT_EQ(format_of("P6\n# a comment\n2 2\n255\n"), ImageFormat::Pnm);
  EXPECT_STREQ(image_format_name(ImageFormat::Jpeg), "JPEG");
  EXPECT_STREQ(image_format_name(ImageFormat::None), "");
}

// Models, text and cut-short signatures are not pictures.
TEST(ImageSignature, NamesNothingElse) {
  EXPECT_EQ(format_of(""), ImageFormat::None);
  EXPECT_EQ(format_of("\x89PNG"), ImageFormat::None);                      // cut short
  EXPECT_EQ(format_of("RIFF\x10\x20\x30\x01WAVE"), ImageFormat::None);     // a sound
  EXPECT_EQ(format_of("PK\x03\x04"), ImageFormat::None);                   // a .pth (zip)
  EXPECT_EQ(format_of(std::string("\x80\x02}q\0", 5)), ImageFormat::None); // a pickle
  EXPECT_EQ(format_of("Python is a language"), ImageFormat::None);
  EXPECT_EQ(format_of("P7 is not netpbm"), ImageFormat::None);
}

} // namespace
} // namespace mae
