#include "data/fashion_mnist.h"

#include "base/errors.h"

#include <zlib.h>

#include <cstring>
#include <filesystem>

namespace mae {
namespace {

std::vector<uint8_t> read_gzip(const std::string& path) {
  if (!std::filesystem::exists(path))
    throw DataError(
        "Fashion-MNIST file '" + path +
        "' not found (install the Debian package dataset-fashion-mnist, or give the folder "
        "holding it: --path, or data.path in a config)");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f)
    throw DataError("cannot open '" + path + "'");
  // Fashion-MNIST is 47 MB unpacked, the largest IDX sets under 1 GB: a file
  // that inflates past that is no dataset (or a gzip bomb), refused unread.
  constexpr size_t kMostBytes = size_t{1} << 30;
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) {
    if (out.size() + static_cast<size_t>(n) > kMostBytes) {
      gzclose(f);
      throw DataError("'" + path +
                      "' unpacks to more than 1 GB: not an IDX dataset this tool reads");
    }
    out.insert(out.end(), buf, buf + n);
  }
  int err = Z_OK;
  const char* msg = gzerror(f, &err);
  const std::string reason = msg ? msg : "";
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
    throw DataError("'" + path + "' is not a valid gzip file: " + reason);
  return out;
}

uint32_t big_endian(const std::vector<uint8_t>& b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         b[at + 3];
}

// IDX: a magic number (0x0803 images, 0x0801 labels), the dimensions, the bytes.
std::vector<uint32_t> idx_dims(const std::vector<uint8_t>& b, uint32_t magic, size_t ndims,
                               const std::string& path) {
  if (b.size() < 4 + 4 * ndims || big_endian(b, 0) != magic)
    throw DataError("'" + path + "' is not an IDX file of the expected kind");
  std::vector<uint32_t> dims;
  size_t total = 1;
  bool overflow = false;
  for (size_t i = 0; i < ndims; ++i) {
    dims.push_back(big_endian(b, 4 + 4 * i));
    overflow = overflow || __builtin_mul_overflow(total, size_t{dims.back()}, &total);
  }
  if (overflow || b.size() != 4 + 4 * ndims + total)
    throw DataError("'" + path + "' is truncated or has trailing bytes");
  return dims;
}

} // namespace

FashionMnist read_fashion_mnist(const std::string& dir, bool train) {
  const std::string root = dir.empty() ? kFashionMnistDir : dir;
  const std::string prefix = root + "/" + (train ? "train" : "t10k");
  const std::string images_path = prefix + "-images-idx3-ubyte.gz",
                    labels_path = prefix + "-labels-idx1-ubyte.gz";
  const auto images = read_gzip(images_path);
  const auto labels = read_gzip(labels_path);
  const auto idims = idx_dims(images, 0x0803, 3, images_path);
  const auto ldims = idx_dims(labels, 0x0801, 1, labels_path);
  if (idims[0] != ldims[0])
    throw DataError("'" + images_path + "' has " + std::to_string(idims[0]) + " images but '" +
                    labels_path + "' has " + std::to_string(ldims[0]) + " labels");
  if (idims[1] < 1 || idims[1] > 4096 || idims[2] < 1 || idims[2] > 4096)
    throw DataError("'" + images_path + "' has pictures of " + std::to_string(idims[2]) + " x " +
                    std::to_string(idims[1]) + " pixels: not a picture dataset");
  FashionMnist out;
  out.count = idims[0];
  out.rows = static_cast<int>(idims[1]);
  out.cols = static_cast<int>(idims[2]);
  out.pixels.assign(images.begin() + 16, images.end());
  out.labels.assign(labels.begin() + 8, labels.end());
  for (uint8_t l : out.labels)
    if (l >= fashion_mnist_classes().size())
      throw DataError("'" + labels_path + "' has label " + std::to_string(l) + " outside 0..9");
  return out;
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                 "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

FashionMnistDataset::FashionMnistDataset(const std::string& dir, bool train)
    : data_(read_fashion_mnist(dir, train)), train_(train) {}

Image FashionMnistDataset::load(size_t i) const {
  Image img(data_.cols, data_.rows, 1);
  std::memcpy(img.pixels.data(), data_.pixels.data() + i * img.pixels.size(), img.pixels.size());
  return img;
}

std::string FashionMnistDataset::describe() const {
  return std::string("Fashion-MNIST ") + (train_ ? "train" : "test") + " (" +
         std::to_string(data_.count) + " images, 10 classes)";
}

} // namespace mae
