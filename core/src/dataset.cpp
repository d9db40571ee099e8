#include "mae/dataset.h"

#include "mae/errors.h"
#include "mae/fashion_mnist.h"
#include "mae/shards.h"
#include "mae/train_config.h"

#ifdef MAE_WITH_OPENCV
#include "mae/image_folder.h"
#endif

namespace mae {
namespace {

std::unique_ptr<ImageDataset> open_path(const std::string& type, const std::string& path) {
  if (type == "shards") return std::make_unique<ShardDataset>(path);
#ifdef MAE_WITH_OPENCV
  return std::make_unique<ImageFolderDataset>(path);
#else
  throw DataError("this build has no OpenCV, so it cannot decode the image folder '" + path +
                  "': pack it with `mae pack` on a build with OpenCV and train from the shards");
#endif
}

} // namespace

std::unique_ptr<ImageDataset> open_dataset(const DataConfig& data) {
  if (data.type == "fmnist") return std::make_unique<FashionMnistDataset>(data.path, /*train=*/true);
  if (data.type == "folder" || data.type == "shards") return open_path(data.type, data.path);
  throw ConfigError("config field 'data.type': unknown data source \"" + data.type + "\"");
}

std::unique_ptr<ImageDataset> open_held_out_dataset(const DataConfig& data) {
  if (data.type == "fmnist") return std::make_unique<FashionMnistDataset>(data.path, /*train=*/false);
  if (data.val_path.empty()) return nullptr;
  return open_path(data.type, data.val_path);
}

} // namespace mae
