#pragma once
// Tiled inference: runs a per-tile function (a restoration network, a classical filter) over an
// image of any size in overlapping tiles and blends the results with separable windows that form
// an exact partition of unity (docs/methods.md, "Tiled inference"). Memory: peak ≈ one tile's
// working set inside fn + the output image + two 1-D weight vectors per tile.
//
// Thread rules: runs fn on the calling thread, tile by tile, in raster order; nothing is shared.
// Failure: bad arguments or an fn output of the wrong shape throw c10::Error; exceptions from fn
// propagate. Cancellation returns an undefined tensor.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace reverie::restore {

/// One tile: rows [y, y + h), columns [x, x + w) of the image.
struct TileRect {
    std::int64_t y = 0, x = 0, h = 0, w = 0;
    bool operator==(const TileRect&) const = default;
};

/// The tiles covering H × W in raster order. Along each axis: starts 0, s, 2s, … with stride
/// s = tile − overlap, the last tile aligned to the far border; an axis no longer than `tile` is one
/// tile of the full length. Requires tile >= 1 and 0 <= overlap < tile.
std::vector<TileRect> tileGrid(std::int64_t H, std::int64_t W, int tile, int overlap);

/// Applies fn to x ([1, C, H, W], any float dtype and device) tile by tile and blends the results:
/// a constant image stays constant, an identity fn returns x (to float rounding), and a local fn
/// whose receptive-field radius is <= floor(overlap/4) gives exactly the untiled result; wider
/// receptive fields (networks) only see softened seams. fn receives a [1, C, h', w'] tile and must
/// return [1, C', h', w'] (same spatial size; C' may differ from C but must be the same for all
/// tiles). Each tile is reflect-padded at its bottom/right to at least minSide pixels and to a
/// multiple of `multiple` (e.g. 8 for a U-Net with three down-samplings) before fn, and cropped
/// back after.
/// cancelled is polled before every tile; when it returns true the result is an undefined tensor.
at::Tensor tiled(const at::Tensor& x, int tile, int overlap, const std::function<at::Tensor(const at::Tensor&)>& fn,
                 const std::function<bool()>& cancelled = {}, int multiple = 1, int minSide = 8);

/// A batched tile function: receives n tiles [n, C, h', w'] (all of one padded shape) and the
/// raster index of the first, and returns [n, C', h', w'].
using BatchTileFn = std::function<at::Tensor(const at::Tensor& tiles, std::int64_t firstTile)>;

/// As tiled(), but hands fn up to `batch` tiles at a time (raster order), so a network sees
/// full batches: for many small tiles this is several times faster than one tile per call. The
/// blend and the result are the same as tiled() with the same fn applied per tile. Memory: one
/// batch's working set inside fn + the output image.
at::Tensor tiledBatched(const at::Tensor& x, int tile, int overlap, int batch, const BatchTileFn& fn,
                        const std::function<bool()>& cancelled = {}, int multiple = 1, int minSide = 8);

} // namespace reverie::restore
