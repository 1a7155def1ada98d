#pragma once
// Erasing a concept from a Stable Diffusion 1.x file, as both the Generate page's SD tab and the
// Erase page's SD tab start it: checks, the edit file's name (<output>/sd-edits/<model>-<concept>-
// <method>.safetensors), the job (erase/sd_erase.h: runSdErase, or runSdEsd for ESD-x and SPM) and the
// status line it ends with.
//
// Thread rules: GUI thread only.

#include "erase/sd_erase.h"

#include <QString>

#include <functional>

namespace reverie::app {

class JobSlot;

/// Starts the erase job in `slot`. `status` receives the lines to show (the start, the end);
/// `added(file, label)` runs when the edit file is written. False with *error (also sent to
/// `status`) when the slot is busy, the checkpoint does not exist or the concept is empty. Methods
/// "esd" and "spm" fine-tune (runSdEsd: ESD-x, or an SPM membrane) on the first concept instead,
/// with esdSteps training steps and esdLatent latent side (0: SdEsdParams' defaults, 200 and 64).
bool startSdEraseJob(JobSlot* slot, reverie::erase::SdEraseParams p, const QString& outputRoot,
                     std::function<void(const QString& file, const QString& label)> added,
                     std::function<void(const QString& message)> status, QString* error = nullptr,
                     int esdSteps = 0, int esdLatent = 0);

} // namespace reverie::app
