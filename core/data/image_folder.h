#pragma once
// A folder of images as a labelled training set (the layout torchvision calls ImageFolder), and
// training patches cut from large images; read with OpenCV into uint8 tensors.
// Deterministic: files are taken in sorted path order, so the same folder gives the same tensor.
//
// Thread rules: plain functions; any thread. Failure: a missing folder, no readable image, or
// only unreadable files give an error value; unreadable files are skipped and their count logged.

#include "data/fashion_mnist.h"
#include "base/job.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace reverie::data {

/// Every image below `dir` whose first path component is a sub-folder belongs to the class of that
/// sub-folder (classes sorted by name); images directly in `dir` form one class of their own named
/// ".". PNG, JPEG, BMP, TIFF and WebP (8- or 16-bit, grey, colour or with alpha, which is
/// composited over black); each image is centre-cropped to a square and resized (area averaging)
/// to size × size, then converted to the requested channel count (colour → grey by BT.601 luma,
/// grey → colour by replication).
/// Reads the folder; limit >= 0 keeps only the first `limit` images in sorted order.
/// channels: 1 or 3. Result images: uint8 [N, channels, size, size].
Result<LabelledImages> loadImageFolder(const std::string& dir, int size, int channels, std::int64_t limit = -1);

/// The image files (by extension: PNG, JPEG, BMP, TIFF, WebP, PGM/PPM) directly in dir, sorted;
/// empty for a missing folder.
std::vector<std::filesystem::path> imageFilesIn(const std::string& dir);
/// The same, in dir and every folder below it (sorted by full path).
std::vector<std::filesystem::path> imageFilesUnder(const std::string& dir);

/// Training patches from large images (the colour-photo restorer): every image file directly in
/// `dir` (sorted), converted to `channels` as above, at full resolution and — with scales > 1 —
/// also halved (area averaging) scales − 1 times; each scale is cut into patch × patch squares on
/// a grid of `stride` pixels (no padding: an image smaller than a patch gives none).
/// limit >= 0 keeps the first `limit` patches. Result: uint8 [N, channels, patch, patch], one
/// class "." (labels 0). Failure as loadImageFolder, and "every image is smaller than one patch".
Result<LabelledImages> loadImagePatches(const std::string& dir, int patch, int stride, int channels, int scales = 1,
                                        std::int64_t limit = -1);

/// Every image file below `dir`, recursively (sorted by path), decoded to `channels` channels and
/// shrunk (area averaging) so that its longer side is at most maxSide pixels: the whole photos a
/// crops dataset cuts its training patches from, kept in memory. Images smaller than minSide on
/// their shorter side are skipped. Result: LabelledImages::whole, one class ".".
Result<LabelledImages> loadWholeImages(const std::string& dir, int channels, int maxSide = 1024, int minSide = 64);

} // namespace reverie::data
