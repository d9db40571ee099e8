// Crops, Fashion-MNIST, packed shards, image folders.
#include "error_of.h"
#include "slurp.h"
#include "train_test_util.h"

#include "base/errors.h"
#include "data/crop_box.h"
#include "data/fashion_mnist.h"
#include "data/labelled_splits.h"
#include "data/shards.h"
#include "formats/safetensors.h"

#ifdef MAE_WITH_OPENCV
#include "data/image_folder.h"
#include "data/image_io.h"
#include "data/pack.h"
#include "data/png_encode.h"
#endif

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

namespace fs = std::filesystem;

namespace mae {
namespace {

TEST(CropBox, RandomResizedCropStaysInsideAndFollowsTheRanges) {
  AugmentConfig a;
  int flips = 0;
  for (int i = 0; i < 2000; ++i) {
    SeededRng rng(7, RngStream::Crop, static_cast<uint64_t>(i));
    const CropBox b = training_crop(30, 50, a, rng);
    ASSERT_GE(b.top, 0);
    ASSERT_GE(b.left, 0);
    ASSERT_LE(b.top + b.height, 30);
    ASSERT_LE(b.left + b.width, 50);
    const double area = static_cast<double>(b.height) * b.width / (30.0 * 50.0);
    ASSERT_GE(area, 0.15);
    flips += b.flip;
  }
  EXPECT_NEAR(flips / 2000.0, 0.5, 0.05);
  SeededRng r1(7, RngStream::Crop, 5), r2(7, RngStream::Crop, 5);
  EXPECT_TRUE(training_crop(30, 50, a, r1) == training_crop(30, 50, a, r2));
  EXPECT_TRUE(center_square(30, 50) == (CropBox{0, 10, 30, 30, false}));
}

TEST(FashionMnist, ReadsTheDebianFilesWithTheKnownLabelCounts) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  for (const bool train : {true, false}) {
    const FashionMnist d = read_fashion_mnist("", train);
    EXPECT_EQ(d.count, train ? 60000 : 10000);
    EXPECT_EQ(d.rows, 28);
    EXPECT_EQ(d.cols, 28);
    std::vector<int> counts(10, 0);
    for (uint8_t l : d.labels)
      ++counts[l];
    for (int c = 0; c < 10; ++c)
      EXPECT_EQ(counts[static_cast<size_t>(c)], train ? 6000 : 1000) << "class " << c;
  }
  const FashionMnistDataset ds("", false);
  const Image img = ds.load(0);
  EXPECT_EQ(img.width, 28);
  EXPECT_EQ(img.channels, 1);
  EXPECT_EQ(ds.label(0), 9); // the first test image is an ankle boot
}

TEST(FashionMnist, MissingOrCorruptFilesAreDataErrors) {
  const std::string dir = test::train_tmp("fmnist_bad");
  EXPECT_THROW(read_fashion_mnist(dir, true), DataError);
  std::ofstream(dir + "/train-images-idx3-ubyte.gz") << "not gzip at all";
  std::ofstream(dir + "/train-labels-idx1-ubyte.gz") << "not gzip at all";
  EXPECT_THROW(read_fashion_mnist(dir, true), DataError);
  // zlib reads a file that is not gzip as it is: IDX headers written plainly.
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
  };
  write("train-labels-idx1-ubyte.gz", std::string("\0\0\x08\x01\0\0\0\x04\0\0\0\0", 12));
  // 4 x 2^31 x 2^31 pixels is 2^64 bytes: the size wrapped to 0 and passed.
  write("train-images-idx3-ubyte.gz",
        std::string("\0\0\x08\x03\0\0\0\x04\x80\0\0\0\x80\0\0\0", 16));
  std::string e = test::error_of([&] { read_fashion_mnist(dir, true); });
  EXPECT_NE(e.find("train-images-idx3-ubyte.gz' is truncated"), std::string::npos) << e;
  // Pictures with no pixels: the sizes are checked.
  write("train-images-idx3-ubyte.gz", std::string("\0\0\x08\x03\0\0\0\x04\0\0\0\0\0\0\0\x05", 16));
  e = test::error_of([&] { read_fashion_mnist(dir, true); });
  EXPECT_NE(e.find("pictures of 5 x 0 pixels"), std::string::npos) << e;
}

TEST(Shards, RoundTripPixelsLabelsAndSizes) {
  const std::string dir = test::train_tmp("shards_rt");
  test::write_synthetic_shards(dir, 40, 3, true, /*shard_bytes=*/5000);
  const ShardDataset ds(dir);
  ASSERT_EQ(ds.size(), 40u);
  EXPECT_EQ(ds.channels(), 3);
  EXPECT_EQ(ds.classes().size(), 4u);
  EXPECT_GT(std::distance(fs::directory_iterator(dir), fs::directory_iterator()),
            3); // several shards
  for (int i = 0; i < 40; ++i) {
    int label = 0;
    const Image want = test::synthetic_image(i, 3, &label);
    const Image got = ds.load(static_cast<size_t>(i));
    ASSERT_EQ(got.width, want.width);
    ASSERT_EQ(got.height, want.height);
    ASSERT_EQ(got.pixels, want.pixels) << "image " << i;
    EXPECT_EQ(ds.label(static_cast<size_t>(i)), label);
  }
}

TEST(Shards, MalformedDirectoriesAreDataErrors) {
  const std::string dir = test::train_tmp("shards_bad");
  EXPECT_THROW(ShardDataset{dir}, DataError); // no index: an unfinished pack
  test::write_synthetic_shards(dir, 10, 1, false, 100000);
  { std::ofstream(dir + "/shard-00000.bin", std::ios::binary | std::ios::trunc) << "short"; }
  try {
    ShardDataset ds(dir);
    FAIL() << "a truncated shard was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("shard-00000.bin"), std::string::npos) << e.what();
  }
}

// The index's first entry rewritten: sides near 2^31 (their size overflowed
// the in-shard check) or an offset near 2^63 (its end did).
TEST(Shards, EntriesWhoseSizeOrEndWouldOverflowAreRefused) {
  const std::string dir = test::train_tmp("shards_overflow");
  test::write_synthetic_shards(dir, 4, 3, false, 100000);
  const std::string index_path = dir + "/index.safetensors";
  const std::string original = test::slurp(index_path);
  const auto rewrite = [&](const std::map<std::string, int64_t>& first_entry) {
    { std::ofstream(index_path, std::ios::binary | std::ios::trunc) << original; }
    const SafetensorsFile index = read_safetensors(index_path);
    std::vector<std::vector<uint8_t>> data;
    std::vector<SafetensorsEntry> entries;
    for (const auto& [name, view] : index.tensors) {
      data.push_back(view.contiguous_bytes());
      const auto it = first_entry.find(name);
      if (it != first_entry.end() && view.dtype == DType::I32)
        reinterpret_cast<int32_t*>(data.back().data())[0] = static_cast<int32_t>(it->second);
      if (it != first_entry.end() && view.dtype == DType::I64)
        reinterpret_cast<int64_t*>(data.back().data())[0] = it->second;
    }
    for (size_t i = 0; i < index.tensors.size(); ++i)
      entries.push_back({index.tensors[i].first, index.tensors[i].second.dtype,
                         index.tensors[i].second.shape, data[i].data(), data[i].size()});
    write_safetensors(index_path, entries, index.metadata);
    return test::error_of([&] { ShardDataset ds(dir); });
  };
  const int32_t side = std::numeric_limits<int32_t>::max(); // 3 x side^2 wraps int64
  std::string e = rewrite({{"height", side}, {"width", side}});
  EXPECT_NE(e.find("entry 0 does not fit its shard"), std::string::npos) << e;
  e = rewrite({{"offset", std::numeric_limits<int64_t>::max() - 10}});
  EXPECT_NE(e.find("entry 0 does not fit its shard"), std::string::npos) << e;
  EXPECT_EQ(rewrite({{"offset", 0}}), "<no error>"); // the rewrite itself keeps a valid index
}

TEST(Shards, IndexMetadataThatIsNoNumberIsADataError) {
  const std::string dir = test::train_tmp("shards_meta");
  test::write_synthetic_shards(dir, 4, 3, false, 100000);
  // The short side's last digit becomes a letter, same length: atoi read "2x" as 2.
  std::string index = test::slurp(dir + "/index.safetensors");
  const std::string key = "\"short_side\":\"";
  const size_t at = index.find(key);
  ASSERT_NE(at, std::string::npos);
  const size_t end = index.find('"', at + key.size());
  index[end - 1] = 'x';
  { std::ofstream(dir + "/index.safetensors", std::ios::binary | std::ios::trunc) << index; }
  try {
    ShardDataset ds(dir);
    FAIL() << "short_side " << index.substr(at + key.size(), end - at - key.size()) << " was read";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("index metadata 'short_side' is not a whole number"),
              std::string::npos)
        << e.what();
  }
}

// A held-out folder missing a class numbers every class after it
// differently: its "ramp" images were scored against training's "checker".
TEST(LabelledSplits, TheHeldOutClassesMustBeTheTrainingOnes) {
  const std::string dir = test::train_tmp("labelled_splits");
  test::write_synthetic_shards(dir + "/train", 8, 1, true);
  ShardWriter held_out(dir + "/val", 1, 18, {"hstripes", "vstripes", "ramp", "spots"});
  held_out.add(test::synthetic_image(0, 1), 0);
  held_out.finish();
  DataConfig data;
  data.type = "shards";
  data.path = dir + "/train";
  data.val_path = dir + "/val";
  EXPECT_EQ(test::error_of([&] { open_labelled_splits(data, "fine-tuning"); }),
            "the held-out images' classes are not the training images' (classes only in "
            "training: checker; classes only held out: spots): fine-tuning would score one "
            "class's label as another's");
  data.val_path = dir + "/train";
  const LabelledSplits same = open_labelled_splits(data, "fine-tuning");
  EXPECT_EQ(class_mismatch(*same.train, *same.test), "");
  test::write_synthetic_shards(dir + "/unlabelled", 4, 1, false);
  data.val_path = dir + "/unlabelled";
  EXPECT_NE(test::error_of([&] {
              open_labelled_splits(data, "a linear probe");
            }).find("a linear probe reports accuracy on a labelled held-out split"),
            std::string::npos);
}

#ifdef MAE_WITH_OPENCV
// A classic TIFF of w x h 8-bit gray pixels, all 0x80, in either byte order;
// without pixels when only its header is to be read.
std::string tiff(uint32_t w, uint32_t h, bool big_endian, bool with_pixels) {
  std::string t = big_endian ? std::string("MM\0*", 4) : std::string("II*\0", 4);
  const auto put = [&](uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      t += static_cast<char>(v >> (8 * (big_endian ? bytes - 1 - i : i)));
  };
  put(8, 4);
  const uint32_t pixels_at = 8 + 2 + 9 * 12 + 4;
  const std::vector<std::array<uint32_t, 3>> entries = {
      // tag, type (3 short, 4 long), value
      {256, 4, w},         {257, 4, h}, {258, 3, 8}, {259, 3, 1},    {262, 3, 1},
      {273, 4, pixels_at}, {277, 3, 1}, {278, 4, h}, {279, 4, w * h}};
  put(static_cast<uint32_t>(entries.size()), 2);
  for (const auto& [tag, type, value] : entries) {
    put(tag, 2);
    put(type, 2);
    put(1, 4);
    if (type == 3) {
      put(value, 2);
      put(0, 2);
    } else {
      put(value, 4);
    }
  }
  put(0, 4); // no next IFD
  if (with_pixels)
    t += std::string(w * h, '\x80');
  return t;
}

// TIFF's size comes from its header like the other formats', so a strip of
// 100000 x 10 pixels is refused before OpenCV allocates it.
TEST(ImageIo, TiffSizeIsReadFromItsHeaderInEitherByteOrder) {
  for (const bool big : {false, true}) {
    const std::string small = tiff(5, 3, big, true);
    const auto* bytes = reinterpret_cast<const uint8_t*>(small.data());
    const auto size = image_header_size(bytes, small.size());
    ASSERT_TRUE(size);
    EXPECT_EQ(size->width, 5);
    EXPECT_EQ(size->height, 3);
    const Image img = decode_image(bytes, small.size(), "small.tif");
    EXPECT_EQ(img.width, 5);
    EXPECT_EQ(img.height, 3);
    EXPECT_EQ(img.pixels.at(0), 0x80);
    const std::string strip = tiff(100000, 10, big, false);
    const std::string e = test::error_of([&] {
      decode_image(reinterpret_cast<const uint8_t*>(strip.data()), strip.size(), "strip.tif");
    });
    EXPECT_NE(e.find("strip.tif: 100000 x 10 pixels is more elongated"), std::string::npos) << e;
  }
  const std::string cut = tiff(5, 3, false, false).substr(0, 20); // IFD cut short
  EXPECT_FALSE(image_header_size(reinterpret_cast<const uint8_t*>(cut.data()), cut.size()));
}

// A little-endian BigTIFF of w x h 8-bit gray pixels, all 0x80.
std::string bigtiff(uint32_t w, uint32_t h) {
  std::string t("II+\0", 4);
  const auto put = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      t += static_cast<char>(v >> (8 * i));
  };
  put(8, 2); // offsets are 8 bytes
  put(0, 2);
  put(16, 8); // the first IFD
  const uint64_t pixels_at = 16 + 8 + 9 * 20 + 8;
  const std::vector<std::array<uint64_t, 3>> entries = {
      // tag, type (3 short, 4 long), value
      {256, 4, w},         {257, 4, h}, {258, 3, 8}, {259, 3, 1},    {262, 3, 1},
      {273, 4, pixels_at}, {277, 3, 1}, {278, 4, h}, {279, 4, w * h}};
  put(entries.size(), 8);
  for (const auto& [tag, type, value] : entries) {
    put(tag, 2);
    put(type, 2);
    put(1, 8);
    put(value, 8); // a short's 2 bytes first, little-endian
  }
  put(0, 8); // no next IFD
  return t + std::string(w * h, '\x80');
}

const uint8_t* bytes_of(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// A picture whose header says w x h: read so without decoding, then decoded.
Image expect_header_then_decode(const std::string& bytes, int w, int h, const std::string& name) {
  const auto size = image_header_size(bytes_of(bytes), bytes.size());
  EXPECT_TRUE(size) << name;
  if (size) {
    EXPECT_EQ(size->width, w) << name;
    EXPECT_EQ(size->height, h) << name;
  }
  const Image img = decode_image(bytes_of(bytes), bytes.size(), name);
  EXPECT_EQ(img.width, w) << name;
  EXPECT_EQ(img.height, h) << name;
  return img;
}

// BigTIFF's size is read from its header as well: OpenCV's own pixel limit,
// which this relied on, is read from the environment once, as it loads, and
// is a gigapixel. A 1 x 40000 strip named thin.png was packed (resized) as 9
// million pixels.
TEST(ImageIo, BigTiffSizeIsReadFromItsHeader) {
  const std::string strip = bigtiff(1, 100);
  EXPECT_EQ(expect_header_then_decode(bigtiff(5, 3), 5, 3, "small.png").pixels.at(0), 0x80);
  const std::string e =
      test::error_of([&] { decode_image(bytes_of(strip), strip.size(), "thin.png"); });
  EXPECT_EQ(e, "thin.png: 1 x 100 pixels is more elongated than 32:1; crop it to the part to "
               "look at");
}

// A Sun raster: OpenCV knows it by its content whatever the file is called.
std::string sun_raster(uint32_t w, uint32_t h) {
  std::string r;
  for (uint32_t v : {0x59a66a95u, w, h, 8u, 0u, 1u, 0u, 0u})
    for (int shift = 24; shift >= 0; shift -= 8)
      r += static_cast<char>((v >> shift) & 0xff);
  return r + std::string(((w + 1) & ~1u) * h, '\x40'); // rows padded to 16 bits
}

// OpenCV tries every decoder it was built with on whatever it is given, and
// its DICOM one aborts the process on a malformed file (the fuzzer's find,
// kept in tests/fuzz/regressions/image/): only the formats this tool names
// reach it, whatever the file is called.
TEST(ImageIo, OnlyTheFormatsThisToolNamesReachTheDecoders) {
  // 128 bytes, then "DICM" (how DICOM says what it is), from the fuzzer.
  const std::string dicom =
      test::slurp(MAE_SOURCE_DIR "/tests/fuzz/regressions/image/dicom_assert_abort.bin");
  const std::string pbm_with_comment = "P1#comment\n1 1\n1\n"; // OpenCV's PNM decoder refuses it
  for (const auto& [name, data] :
       std::vector<std::pair<std::string, std::string>>{{"dicom.png", dicom},
                                                        {"raster.png", sun_raster(5, 3)},
                                                        {"odd.pbm", pbm_with_comment},
                                                        {"text.jpg", "just some text"}}) {
    const std::string e = test::error_of([&] { decode_image(bytes_of(data), data.size(), name); });
    EXPECT_EQ(e, name + ": not an image, or a format not supported; images are png, jpg, bmp, "
                        "webp, tiff, pgm, ppm")
        << name;
  }
  const std::string gif = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
  EXPECT_EQ(test::error_of([&] { decode_image(bytes_of(gif), gif.size(), "a.gif"); }),
            "a.gif: GIF is not supported; images are png, jpg, bmp, webp, tiff, pgm, ppm");
  const std::string cut = "\x89PNG\r\n\x1a\nshort";
  EXPECT_EQ(test::error_of([&] { decode_image(bytes_of(cut), cut.size(), "cut.png"); }),
            "cut.png: a PNG header without a readable size: corrupt or cut short");
}

// A PNG cut after its header is named as such, and libpng prints nothing of
// its own on stderr; data after the IEND chunk is no harm.
TEST(ImageIo, ACutPngIsNamedWithoutTheDecodersOutput) {
  Image img;
  img.width = 16, img.height = 8, img.channels = 3;
  img.pixels.assign(16 * 8 * 3, 0);
  for (size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<uint8_t>(i * 7);
  const std::string whole = encode_png(img);
  EXPECT_EQ(decode_image(bytes_of(whole + "trailing"), whole.size() + 8, "t.png").pixels,
            img.pixels);
  testing::internal::CaptureStderr();
  for (const size_t keep : {whole.size() - 1, whole.size() - 12, size_t{40}}) {
    const std::string cut = whole.substr(0, keep);
    EXPECT_EQ(test::error_of([&] { decode_image(bytes_of(cut), cut.size(), "cut.png"); }),
              "cut.png: the PNG data is cut short (it ends before its last chunk): a partial copy "
              "or download?")
        << keep;
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

// A PNM header is read as OpenCV reads it: any one byte ends a number, so
// 32 bytes saying "5100/075573" asked it for 2.3 GB (the fuzzer's find,
// kept in tests/fuzz/regressions/image/); both now see 5100 x 75573.
TEST(ImageIo, PnmHeadersAreReadAsTheDecoderReadsThem) {
  const std::string slash =
      test::slurp(MAE_SOURCE_DIR "/tests/fuzz/regressions/image/pnm_size_after_a_slash.ppm");
  const auto size = image_header_size(bytes_of(slash), slash.size());
  ASSERT_TRUE(size);
  EXPECT_EQ(size->width, 5100);
  EXPECT_EQ(size->height, 75573);
  EXPECT_EQ(test::error_of([&] { decode_image(bytes_of(slash), slash.size(), "s.ppm"); }),
            "s.ppm: 5100 x 75573 pixels is larger than the 65536-pixel sides this tool decodes");
  // Comments run to the end of a line, \r or \n; the header then decodes.
  const std::string commented = "P5\n# a comment\r3 #another\n2 255\n\x10\x20\x30\x40\x50\x60";
  EXPECT_EQ(expect_header_then_decode(commented, 3, 2, "c.pgm").pixels.at(5), 0x60);
}

TEST(ImageFolder, ClassesFromSubdirectoriesAndPackSkipsCorruptFiles) {
  const std::string root = test::train_tmp("folder_in"), out = test::train_tmp("folder_shards");
  for (int i = 0; i < 12; ++i) {
    int label = 0;
    const Image img = test::synthetic_image(i, i % 3 == 0 ? 1 : 3, &label); // gray and RGB mixed
    fs::create_directories(root + "/class" + std::to_string(label % 2) + "/sub");
    write_png(root + "/class" + std::to_string(label % 2) + "/sub/img" + std::to_string(i) + ".png",
              img);
  }
  std::ofstream(root + "/class0/broken.png") << "this is not a png";
  const FolderScan scan = scan_image_folder(root);
  EXPECT_EQ(scan.files.size(), 13u);
  EXPECT_EQ(scan.classes, (std::vector<std::string>{"class0", "class1"}));

  PackOptions o;
  o.short_side = 16;
  o.threads = 2;
  const PackReport r = pack_image_folder(root, out, o);
  EXPECT_EQ(r.images, 12u);
  EXPECT_EQ(r.skipped, 1u);
  ASSERT_EQ(r.skipped_files.size(), 1u);
  EXPECT_NE(r.skipped_files[0].find("broken.png"), std::string::npos) << r.skipped_files[0];
  const ShardDataset ds(out);
  EXPECT_EQ(ds.size(), 12u);
  EXPECT_EQ(ds.classes().size(), 2u);
  for (size_t i = 0; i < ds.size(); ++i) {
    const Image img = ds.load(i);
    EXPECT_EQ(std::min(img.width, img.height), 16);
    EXPECT_EQ(img.channels, 3);
  }
  // Packing a folder of nothing readable over it fails and leaves the pack
  // usable (its index went first, before anything new was written).
  const std::string junk = test::train_tmp("folder_junk");
  fs::create_directories(junk + "/x");
  std::ofstream(junk + "/x/a.png") << "not a png";
  EXPECT_THROW(pack_image_folder(junk, out, o), DataError);
  EXPECT_EQ(ShardDataset(out).size(), 12u);
  // Packed again in bigger shards: the small ones the new index does not
  // name are deleted (they were gigabytes left behind), nothing else.
  o.shard_bytes = 1000;
  EXPECT_GE(pack_image_folder(root, out, o).shards, 5);
  std::ofstream(out + "/notes.txt") << "mine";
  o.shard_bytes = size_t{1} << 20;
  EXPECT_EQ(pack_image_folder(root, out, o).shards, 1);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(out))
    left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"index.safetensors", "notes.txt", "shard-00000.bin"}));
  EXPECT_EQ(ShardDataset(out).size(), 12u);
  EXPECT_TRUE(is_pack_file("shard-01234.bin"));
  EXPECT_FALSE(is_pack_file("shard-0123x.bin"));
  EXPECT_FALSE(is_pack_file("notes.txt"));
}

// A link back to a parent folder, and a second link to a folder already
// walked: each picture is listed once, and the scan ends.
TEST(ImageFolder, LinkedFoldersAreWalkedOnce) {
  const std::string root = test::train_tmp("folder_links");
  fs::create_directories(root + "/a");
  write_png(root + "/a/one.png", test::synthetic_image(0, 3, nullptr));
  write_png(root + "/two.png", test::synthetic_image(1, 3, nullptr));
  fs::create_directory_symlink("..", root + "/a/up"); // a/up/a/up/... would never end
  fs::create_directory_symlink("a", root + "/again"); // the same folder by another name
  const FolderScan scan = scan_image_folder(root);
  std::vector<std::string> names; // which of a and again holds one.png is the listing's order
  for (const std::string& f : scan.files)
    names.push_back(fs::path(f).filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"one.png", "two.png"}));
}
#endif

} // namespace
} // namespace mae
