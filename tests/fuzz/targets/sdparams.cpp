// The "parameters" text of an image made by another Stable Diffusion front end (PNG tEXt chunk).
#include "target.h"

#include "generate/sd.h"

REVERIE_FUZZ_TARGET(sdparams) {
    (void)reverie::generate::parseSdParametersText(std::string(reverie::fuzz::asText(data, size)));
    return 0;
}
