// An audio file a user opens in Enhance (libsndfile's formats, resampled to 16 kHz mono).
#include "target.h"

#include "speech/audio.h"

REVERIE_FUZZ_TARGET(audio) {
    const std::string path = reverie::fuzz::scratchFile(reverie::fuzz::asText(data, size), ".wav");
    auto audio = reverie::speech::loadAudio(path, 16000, 30.0);
    if (audio) {
        float sum = 0;
        for (const float v : audio.value().samples) sum += v; // every sample is readable
        (void)sum;
    }
    return 0;
}
