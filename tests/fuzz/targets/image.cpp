// An image file a user opens in Restore (every format OpenCV decodes; alpha kept, pixel cap).
#include "target.h"

#include "restore/imageio.h"

#include <opencv2/core/utils/logger.hpp>

REVERIE_FUZZ_TARGET(image) {
    static const bool quiet = (cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT), true);
    (void)quiet;
    const std::string path = reverie::fuzz::scratchFile(reverie::fuzz::asText(data, size), ".img");
    (void)reverie::restore::loadImage(path, 4'000'000);
    return 0;
}
