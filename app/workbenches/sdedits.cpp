#include "workbenches/sdedits.h"

#include "jobs/jobslot.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

namespace reverie::app {

namespace {
QString tr(const char* s) { return QCoreApplication::translate("SdEdits", s); }
QString qs(const std::string& s) { return QString::fromStdString(s); }
} // namespace

bool startSdEraseJob(JobSlot* slot, erase::SdEraseParams p, const QString& outputRoot,
                     std::function<void(const QString&, const QString&)> added,
                     std::function<void(const QString&)> status, QString* error, int esdSteps,
                     int esdLatent) {
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        if (status) status(message);
        return false;
    };
    if (slot->isBusy()) return fail(JobSlot::busyMessage());
    if (p.checkpoint.empty() || !QFileInfo::exists(qs(p.checkpoint)))
        return fail(tr("Choose a Stable Diffusion 1.x checkpoint first (Open checkpoint…)."));
    if (p.concepts.empty() || qs(p.concepts.front()).trimmed().isEmpty()) return fail(tr("Type the concept to erase first."));
    const QString name = qs(p.concepts.front()).trimmed();
    QString slug = name.toLower();
    slug.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    const QString dir = QDir(outputRoot).filePath(QStringLiteral("sd-edits"));
    if (!QDir().mkpath(dir)) return fail(tr("Cannot create the folder %1 for the edit file.").arg(dir));
    const QString file = QDir(dir).filePath(QStringLiteral("%1-%2-%3.safetensors")
                                                .arg(QFileInfo(qs(p.checkpoint)).completeBaseName(), slug.left(40), qs(p.method)));
    p.output = file.toStdString();
    if (status) status(tr("Erasing \"%1\" (%2)…").arg(name, qs(p.method)));
    if (p.method == "esd" || p.method == "spm") {
        // ESD-x and SPM fine-tune: their own job, the published settings (erase/sd_erase.h, SdEsdParams).
        const QString label = p.method == "spm" ? QStringLiteral("SPM") : QStringLiteral("ESD-x");
        erase::SdEsdParams q = erase::finetuneParams(p);
        if (esdSteps > 0) q.steps = esdSteps;
        if (esdLatent > 0) q.latentSize = esdLatent;
        slot->start<erase::SdEsdResult>(
            QStringLiteral("sd-erase"), tr("Erase \"%1\" (%2)").arg(name, label),
            [q](const JobContext& ctx) { return erase::runSdEsd(q, ctx); },
            [name, file, label, added, status](const JobOutcome<erase::SdEsdResult>& out) {
                QString message;
                if (out.ok()) {
                    const auto& r = *out.value;
                    if (added) added(file, tr("%1 (%2)").arg(name, label.toUpper()));
                    message =
                        tr("Erased \"%1\" by %2: %3 steps in %4 s; the objective on held-out noise went "
                           "from %5 to %6. Generate again with the same seed to compare; uncheck the edit to "
                           "undo it.")
                            .arg(name, label)
                            .arg(r.losses.size())
                            .arg(r.poolSeconds + r.trainSeconds, 0, 'f', 1)
                            .arg(r.heldOutBefore, 0, 'g', 3)
                            .arg(r.heldOutAfter, 0, 'g', 3);
                } else {
                    message = tr("Erasing failed: %1").arg(out.error);
                }
                if (status) status(message);
                return message;
            });
        return true;
    }
    slot->start<erase::SdEraseResult>(
        QStringLiteral("sd-erase"), tr("Erase \"%1\"").arg(name),
        [p](const JobContext& ctx) { return erase::runSdErase(p, ctx); },
        [name, file, method = qs(p.method), added, status](const JobOutcome<erase::SdEraseResult>& out) {
            QString message;
            if (out.ok()) {
                const auto& r = *out.value;
                if (added) added(file, tr("%1 (%2)").arg(name, method.toUpper()));
                message = tr("Erased \"%1\" from %2 K/V matrices in %3 s (gap to the guide left: %4). Generate again "
                             "with the same seed to compare; uncheck the edit to undo it.")
                              .arg(name)
                              .arg(r.matrices)
                              .arg(r.solveSeconds, 0, 'f', 2)
                              .arg(r.residual, 0, 'f', 3);
            } else {
                message = tr("Erasing failed: %1").arg(out.error);
            }
            if (status) status(message);
            return message;
        });
    return true;
}

} // namespace reverie::app
