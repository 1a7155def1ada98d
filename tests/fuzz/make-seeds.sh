#!/usr/bin/env bash
# Regenerates the small seed files under tests/fuzz/seeds/ (committed; this script documents how
# they were made). Needs python3, sox and ffmpeg, and a normal build in build/ (the concept-library
# and adapter seeds are the project's own writers' output); no input comes from the reserved
# packages.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
rm -rf seeds && mkdir -p seeds/{pickle,safetensors,audio,image,sdparams,library,adapter}

# Raw pickle streams: the data.pkl of every torch.save fixture, the legacy fixture, plain pickles.
python3 - "$root/tests/fixtures/formats" seeds/pickle <<'PY'
import collections, glob, os, pickle, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
for path in sorted(glob.glob(os.path.join(src, '*.pt')) + sorted(glob.glob(os.path.join(src, '*.ckpt')))):
    name = os.path.splitext(os.path.basename(path))[0]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if info.filename.endswith('data.pkl'):
                    open(os.path.join(out, name + '.pkl'), 'wb').write(z.read(info))
    else:
        open(os.path.join(out, name + '.legacy'), 'wb').write(open(path, 'rb').read())
od = collections.OrderedDict([('w', [1, 2.5, None]), ('b', (True, b'xy', 'z' * 3)), ('n', {1: 2})])
for proto in (0, 2, 4):
    open(os.path.join(out, 'plain-p%d.pkl' % proto), 'wb').write(pickle.dumps(od, protocol=proto))
open(os.path.join(out, 'bigint.pkl'), 'wb').write(pickle.dumps([2 ** 70, -2 ** 65, 1e300], protocol=2))
PY

# safetensors: a hand-made header of every dtype the reader knows, and one with metadata.
python3 - seeds/safetensors <<'PY'
import json, struct, sys
out = sys.argv[1]
def write(name, tensors, meta=None):
    header, data = {}, b''
    if meta: header['__metadata__'] = meta
    for tname, dtype, shape, size in tensors:
        header[tname] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + size]}
        data += bytes(range(size % 256)) + bytes(size - size % 256)
    h = json.dumps(header).encode()
    open(out + '/' + name, 'wb').write(struct.pack('<Q', len(h)) + h + data)
write('dtypes.safetensors', [('a', 'F64', [2], 16), ('b', 'F32', [2, 2], 16), ('c', 'F16', [3], 6), ('d', 'BF16', [1], 2),
                             ('e', 'I64', [1], 8), ('f', 'I32', [1], 4), ('g', 'I16', [2], 4), ('h', 'I8', [3], 3),
                             ('i', 'U8', [1, 1], 1), ('j', 'BOOL', [2], 2)])
write('meta.safetensors', [('weight', 'F32', [4, 1], 16), ('empty', 'F32', [0], 0)], {'format': 'pt', 'k': 'v'})
PY

# Audio: every container and sample format libsndfile reads, short (50 ms) and from noise.
sox -n -r 16000 -c 1 -b 16 seeds/audio/pcm16.wav synth 0.05 whitenoise vol 0.3
sox -n -r 44100 -c 2 -b 24 seeds/audio/stereo24.wav synth 0.05 sine 440 vol 0.3
sox -n -r 8000 -c 1 -e floating-point -b 32 seeds/audio/float.wav synth 0.05 pinknoise vol 0.3
sox -n -r 16000 -c 1 -e u-law seeds/audio/ulaw.wav synth 0.05 brownnoise vol 0.3
sox -n -r 22050 -c 1 -b 16 seeds/audio/tone.flac synth 0.05 sine 300 vol 0.3
sox -n -r 16000 -c 1 -b 16 seeds/audio/noise.aiff synth 0.05 whitenoise vol 0.1
sox -n -r 16000 -c 1 seeds/audio/tone.ogg synth 0.05 sine 1000 vol 0.3
printf 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00' \
  > seeds/audio/header-only.wav

# Images: every format OpenCV decodes here, 16×12 test pattern.
for ext in png jpg bmp tiff webp; do
  ffmpeg -loglevel error -f lavfi -i testsrc=size=16x12 -frames:v 1 -y "seeds/image/pattern.$ext"
done
ffmpeg -loglevel error -f lavfi -i testsrc=size=8x8 -frames:v 1 -pix_fmt rgba -y seeds/image/alpha.png
ffmpeg -loglevel error -f lavfi -i testsrc=size=8x8 -frames:v 1 -pix_fmt gray16be -y seeds/image/gray16.png
ffmpeg -loglevel error -f lavfi -i testsrc=size=8x8 -frames:v 1 -y seeds/image/pattern.ppm

# Parameters text as other Stable Diffusion front ends write it.
printf 'a photo of a cat\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512' \
  > seeds/sdparams/a1111.txt
printf 'castle on a hill, oil painting\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 5.5, Seed: 1234567890, Size: 768x512, Denoising strength: 0.6' \
  > seeds/sdparams/img2img.txt
printf 'Steps: 1, Sampler: DDIM, CFG scale: 1, Seed: -1' > seeds/sdparams/minimal.txt
# Concept libraries: EditSet::save for the `library` target's model (tst_fuzz_replay checks that
# the committed files still are the writer's output).
REVERIE_UPDATE_SEEDS=1 QT_QPA_PLATFORM=offscreen "$root/build/tests/tst_fuzz_replay" librarySeedsAreTheWritersOutput > /dev/null

# Tuned adapters: one step of LoRA and of MEFT1 on the built-in DiT (what Tune → Load adapter reads).
for method in lora meft1; do
  out=$(mktemp -d)
  "$root/build/bin/reverie-cli" tune "$root/resources/recipes/fmnist-dit-tune.json" --method "$method" --max-steps 1 \
    --out "$out" --threads 1 > /dev/null
  cp "$out/adapter.safetensors" "seeds/adapter/$method.safetensors"
  rm -rf "$out"
done
echo "seeds: $(find seeds -type f | wc -l) files, $(du -sh seeds | cut -f1)"
