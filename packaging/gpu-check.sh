#!/usr/bin/env bash
# One prepared run on a machine with an NVIDIA GPU: builds Reverie against a CUDA LibTorch, runs
# the test suite, `diagnostics --device cuda` (matrix product and convolution on the GPU, the
# CUDA caching allocator's telemetry), the engine bench and the quick restore/enhance/generate
# benches, and prints one JSON summary as its last line. Meant to finish in under 8 minutes on a
# warm ccache (the build is most of it); set GPU_CHECK_SKIP_TESTS=1 to leave the suite out.
#
# What runs on the GPU today: the diagnostics job, `restore --device cuda` (the restoration
# pipeline: network, sampler and tiles on the GPU; tst_restorer runsOnTheRequestedDevice compares
# it with the CPU) and `sd --device cuda` (Stable Diffusion text-to-image, fp32 and fp16, on a tiny
# SD file made of the test fixtures; tst_sd_pipeline runsOnTheRequestedDevice compares it with the
# CPU). The enhance/generate jobs and the benches take no device yet (they run on the
# CPU in this build too), so their figures here are CPU figures from a CUDA build — the summary
# says so. README, "GPU".
#
# Needs: Debian 12's build packages (packaging/install-deps.sh) and a CUDA LibTorch, found as
# $LIBTORCH (an unpacked libtorch folder) or through python3's torch (torch.utils.cmake_prefix_path).
# Usage: packaging/gpu-check.sh [BUILD_DIR]   (default build/gpu)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/gpu}
t_start=$(date +%s)
note() { echo "gpu-check: $*" >&2; }

command -v nvidia-smi > /dev/null || { note "no nvidia-smi: not a machine with an NVIDIA GPU"; exit 2; }
gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -n 1)
prefix=${LIBTORCH:-}
if [[ -z "$prefix" ]]; then
  prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2> /dev/null || true)
fi
[[ -n "$prefix" ]] || { note "no CUDA LibTorch: set LIBTORCH to an unpacked libtorch folder"; exit 2; }
note "GPU: $gpu; LibTorch from $prefix"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREVERIE_BUILD_TESTS=ON \
  -DCMAKE_PREFIX_PATH="$prefix" > "$build.configure.log" 2>&1 || { tail -n 30 "$build.configure.log" >&2; exit 1; }
t_configured=$(date +%s)
cmake --build "$build" -j "$(nproc)" > "$build.build.log" 2>&1 || { grep -a -m 20 "error" "$build.build.log" >&2; exit 1; }
t_built=$(date +%s)
cli="$build/bin/reverie-cli"

tests_json='"not run"'
if [[ "${GPU_CHECK_SKIP_TESTS:-0}" != 1 ]]; then
  if (cd "$build" && QT_QPA_PLATFORM=offscreen ctest -j "$(nproc)" --timeout 600 -LE slurm > ../gpu-ctest.log 2>&1); then
    tests_json='"passed"'
  else
    tests_json="\"failed: $(grep -c 'Failed\|\*\*\*' "$build/../gpu-ctest.log" || true) lines of failures, see gpu-ctest.log\""
  fi
fi
t_tested=$(date +%s)

# A command's JSON line, or null when it failed (the summary still comes out).
json_of() {
  local out
  out=$("$cli" "$@" --json 2> /dev/null || true)
  printf '%s\n' "$out" | tail -n 1 | grep '^{' || echo null
}
diag=$(json_of diagnostics --device cuda)
engine=$(json_of bench engine --quick)
restore=$(json_of bench restore --quick --no-photos)
enhance=$(json_of bench enhance --quick)
generate=$(json_of bench generate --quick)
# One held-out photo restored on the GPU and on the CPU (each line: the file's seconds and NFE).
photo=${REVERIE_PHOTOS_DIR:-/usr/local/share/reverie/photos}/test/coffee.png
restore_cuda=null
restore_cpu=null
if [[ -f "$photo" ]]; then
  restore_cuda=$(json_of restore "$photo" -o "$build/restore-cuda" --model photo-denoise --device cuda)
  restore_cpu=$(json_of restore "$photo" -o "$build/restore-cpu" --model photo-denoise --device cpu)
fi
# Stable Diffusion on a tiny file joined from the oracle fixtures (no download): CPU, GPU fp32, GPU fp16.
tiny_sd="$build/tiny-sd.safetensors"
python3 - "$tiny_sd" << 'PY' || true
import json, struct, sys
out, blobs, off = {}, [], 0
for name in ("clip_text_small", "sd_unet_small", "sd_vae_small"):
    b = open("tests/fixtures/sd/%s.safetensors" % name, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    head, data = json.loads(b[8:8 + n]), b[8 + n:]
    for k, v in head.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        blobs.append(data[s:e])
        out[k] = {"dtype": v["dtype"], "shape": v["shape"], "data_offsets": [off, off + e - s]}
        off += e - s
h = json.dumps(out).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
PY
sd_cpu=null
sd_cuda=null
sd_cuda_fp16=null
attack_cpu=null
attack_cuda=null
if [[ -f "$tiny_sd" ]]; then
  sd_args=(sd --checkpoint "$tiny_sd" --prompt "a red fox" --size 64x64 --steps 8 --text-heads 2)
  sd_cpu=$(json_of "${sd_args[@]}" -o "$build/sd-cpu.png" --device cpu)
  sd_cuda=$(json_of "${sd_args[@]}" -o "$build/sd-cuda.png" --device cuda)
  sd_cuda_fp16=$(json_of "${sd_args[@]}" -o "$build/sd-cuda-fp16.png" --device cuda --precision fp16)
  # The attack through the sampler on a UCE edit, on each device (the README's tiny-file figures).
  if "$cli" sd-erase --checkpoint "$tiny_sd" --concept "a photo of a red fox in the snow" --text-heads 2 \
      -o "$build/fox-uce.safetensors" > /dev/null 2>&1; then
    attack_args=(sd-attack --method sampler --checkpoint "$tiny_sd" --edit "$build/fox-uce.safetensors"
      --prompt "a photo of a red fox in the snow" --latent 16 --steps 4 --guidance 3 --iterations 12
      --train-seeds 2 --held-out-seeds 2 --text-heads 2)
    attack_cpu=$(json_of "${attack_args[@]}" -o "$build/states-cpu.safetensors" --device cpu)
    attack_cuda=$(json_of "${attack_args[@]}" -o "$build/states-cuda.safetensors" --device cuda)
  fi
fi
t_end=$(date +%s)

cat << JSON | tr -d '\n'
{"gpu_check":{"gpu":"$gpu","libtorch":"$prefix","seconds":{"configure":$((t_configured - t_start)),
"build":$((t_built - t_configured)),"tests":$((t_tested - t_built)),"benches":$((t_end - t_tested)),
"total":$((t_end - t_start))},"tests":$tests_json,
"on_gpu":["diagnostics","restore --device cuda","sd --device cuda","sd-attack --device cuda"],"on_cpu_in_this_build":["bench engine","bench restore","bench enhance","bench generate"],
"diagnostics_cuda":$diag,"bench_engine":$engine,"bench_restore":$restore,"bench_enhance":$enhance,
"bench_generate":$generate,"restore_photo_cuda":$restore_cuda,"restore_photo_cpu":$restore_cpu,
"sd_tiny_cpu":$sd_cpu,"sd_tiny_cuda":$sd_cuda,"sd_tiny_cuda_fp16":$sd_cuda_fp16,
"sd_sampler_attack_cpu":$attack_cpu,"sd_sampler_attack_cuda":$attack_cuda}}
JSON
echo
