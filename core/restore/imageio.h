#pragma once
// Image files for the Restore workbench and CLI: robust loading of what a user may feed in
// (OpenCV imgcodecs), and atomic saving that never overwrites the input: 8-bit (or 16-bit
// PNG/TIFF) through a temporary file in the target folder and a rename, so a failed save leaves no
// partial file and an earlier file intact.
//
// Thread rules: pure functions; any thread. Failure: every problem a user can cause (missing,
// empty, corrupt, truncated, too large, unwritable, the protected input) is a Result error with a
// sentence naming the file; nothing throws.

#include "base/job.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace reverie::restore {

enum class AlphaMode { CompositeOverWhite, Drop };

struct LoadedImage {
    at::Tensor image;   ///< float [1, C, H, W] in [−1, 1], RGB order, C = 1 or 3, CPU
    at::Tensor alpha;   ///< float [1, 1, H, W] in [0, 1]; defined only when the file had alpha
    int width = 0;
    int height = 0;
    int depthBits = 8;  ///< bits per sample as decoded: 8, 16, 32 (float) or 64 (double)
    int channels = 0;   ///< channels as decoded: 1, 3 or 4
    bool hadAlpha = false;
};

/// Loads an image file: 8- and 16-bit integer and 32-bit float files, grey, BGR and BGRA (OpenCV
/// expands grey+alpha to BGRA), as a float [1, C, H, W] tensor in [−1, 1], RGB order, C = 1 for
/// grey files and 3 otherwise. Alpha is composited over white by default (what an image viewer
/// shows) or dropped (AlphaMode::Drop); either way it is returned separately so that saveImage()
/// can write it back. JPEG files are decoded with flags under which OpenCV applies their EXIF
/// orientation; other formats as stored. maxPixels bounds width × height: checked from the file
/// header before decoding for PNG, JPEG and BMP, after decoding for the other formats (where
/// OpenCV's own limit of 2^30 pixels guards the decoder).
Result<LoadedImage> loadImage(const std::string& path, std::int64_t maxPixels = 200'000'000,
                              AlphaMode alpha = AlphaMode::CompositeOverWhite);

struct SaveOptions {
    std::string protectedPath; ///< never write this file (the input); compared after resolving links
    at::Tensor alpha;          ///< optional [1, 1, H, W] in [0, 1], written as alpha (PNG, TIFF, WebP)
    int bitDepth = 8;          ///< 8, or 16 for PNG and TIFF
    int jpegQuality = 95;      ///< for .jpg / .jpeg
};

/// Writes x ([1, C, H, W] or [C, H, W] in [−1, 1], C = 1 or 3 RGB, any device) to path; the format
/// follows the extension. Returns true, or an error (unknown extension, missing folder, the
/// protected path, a write failure).
Result<bool> saveImage(const at::Tensor& x, const std::string& path, const SaveOptions& opts = {});

/// [B, C, H, W] with C = 1 or 3 → `channels` channels: grey → RGB replicates, RGB → grey is the
/// full-range BT.601 luma 0.299 R + 0.587 G + 0.114 B (metrics::lumaBt601 rescaled). Same count: x.
at::Tensor toChannels(const at::Tensor& x, int channels);

} // namespace reverie::restore
