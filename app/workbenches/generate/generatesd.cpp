// The Generate workbench's Stable Diffusion tab: starting a run from the tab's settings, keeping it
// in the history and running it again, saving and reading the A1111 parameters, concept edits and
// LoRAs, erasing from the tab (generateworkbench.h).
#include "workbenches/generate/generateworkbench.h"
#include "workbenches/sdedits.h"

#include "imageconv.h"
#include "jobs/jobslot.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QTabWidget>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace reverie::app {
namespace {
namespace gen = reverie::generate;
} // namespace

bool GenerateWorkbench::addSdAddon(const QString& file, QString* error) {
    const auto kind = gen::sdAddonKind(file.toStdString());
    if (!kind) {
        if (error) *error = qs(kind.error().message);
        return false;
    }
    const QString k = qs(kind.value());
    m_view->sd().addEdit(file, SdPanel::addonLabel(file, k), true, k);
    return true;
}

bool GenerateWorkbench::startSdErase(const erase::SdEraseParams& p, QString* error) {
    return startSdEraseJob(
        m_slot, p, m_outputRoot,
        [this](const QString& file, const QString& label) { m_view->sd().addEdit(file, label); },
        [this](const QString& message) {
            m_view->sd().setStatus(message);
            Q_EMIT statusMessage(message);
        },
        error);
}

gen::SdParams GenerateWorkbench::currentSdParams() const {
    gen::SdParams p = m_view->sd().params(m_sdExtras);
    p.initImage = {};
    if (const QString init = m_view->sd().initImagePath(); !init.isEmpty()) {
        const QImage img(init);
        if (!img.isNull())
            p.initImage =
                toImageU8(img.scaled(p.width, p.height, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
    }
    return p;
}

void GenerateWorkbench::applySdParams(const gen::SdParams& p) {
    m_sdExtras = p;
    m_view->sd().setParams(p);
}

bool GenerateWorkbench::startSd(const gen::SdParams& p, QString* error) {
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        m_view->sd().setStatus(message);
        Q_EMIT statusMessage(message);
        return false;
    };
    if (m_slot->isBusy()) return fail(JobSlot::busyMessage());
    if (p.checkpoint.empty())
        return fail(tr("Choose a Stable Diffusion 1.x checkpoint first (Open checkpoint…)."));
    if (const QString init = m_view->sd().initImagePath(); !init.isEmpty() && p.initImage.empty())
        return fail(tr("Cannot read the start image %1.").arg(init));
    if (!QFileInfo::exists(qs(p.checkpoint))) return fail(tr("%1 does not exist.").arg(qs(p.checkpoint)));
    if (const auto v = gen::validateSd(p); !v)
        return fail(tr("Invalid settings: %1").arg(qs(v.error().message)));
    applySdParams(p);
    m_sdPreviews = 0;
    m_view->sd().setStatus(tr("Loading %1…").arg(QFileInfo(qs(p.checkpoint)).fileName()));
    // The history keeps the start image by its path (an img2img run again reads it from there).
    const QJsonObject settings =
        sdSettingsJson(p, p.initImage.empty() ? QString() : m_view->sd().initImagePath());
    m_slot->start<gen::SdResult>(
        QStringLiteral("sd"), tr("Stable Diffusion %1 × %2 steps").arg(p.batch).arg(p.steps),
        [p](const JobContext& ctx) { return gen::runSdTextToImage(p, ctx); },
        [this, p, settings](const JobOutcome<gen::SdResult>& out) {
            QString message;
            if (out.ok()) {
                const auto& r = *out.value;
                m_sdImages.clear();
                m_sdItemParams.clear();
                for (std::size_t i = 0; i < r.images.size(); ++i) {
                    m_sdImages.push_back(toQImage(r.images[i]));
                    gen::SdParams one = p;
                    one.seed = p.seed + i;
                    one.batch = 1;
                    m_sdItemParams.push_back(one);
                }
                if (!m_sdImages.isEmpty())
                    m_view->sd().showPreview(m_sdImages.front(), tr("seed %1").arg(qulonglong(p.seed)));
                m_view->sd().setHasResult(!m_sdImages.isEmpty());
                message = tr("%1 image(s) · NFE %2 · %3 s (+ %4 s loading)")
                              .arg(m_sdImages.size())
                              .arg(r.nfe)
                              .arg(r.seconds, 0, 'f', 1)
                              .arg(r.loadSeconds, 0, 'f', 1);
                for (const auto& w : r.warnings) message += QStringLiteral(" · ") + qs(w);
                for (const auto& [file, gamma] : r.transport)
                    message +=
                        tr(" · SPM membrane %1 at γ %2 (transport)").arg(qs(file)).arg(gamma, 0, 'f', 2);
                if (!r.images.empty()) {
                    // Kept as one image: the batch tiled in rows of up to four, seed order.
                    const QImage kept =
                        toQImage(gen::tile(r.images, int(std::min<std::size_t>(r.images.size(), 4))));
                    QString prompt = qs(p.prompt).simplified();
                    if (prompt.size() > 40) prompt = prompt.left(39) + QChar(0x2026);
                    QString title = tr("SD · %1 · %2 · %3 steps").arg(prompt, qs(p.sampler)).arg(p.steps);
                    if (const std::size_t n = p.edits.size() + p.loras.size(); n > 0)
                        title += tr(" · add-ons: %1").arg(n);
                    const QJsonObject figures{{QStringLiteral("nfe"), double(r.nfe)},
                                              {QStringLiteral("seconds"), r.seconds},
                                              {QStringLiteral("load_seconds"), r.loadSeconds}};
                    QString why;
                    if (!m_history.addImageRun(title, settings, figures, kept, &why))
                        spdlog::warn("generate: the SD run was not kept in the history: {}",
                                     why.toStdString());
                    refreshHistory();
                }
            } else {
                message = out.status == JobStatus::Cancelled
                              ? tr("Stable Diffusion stopped: %1").arg(out.error)
                              : tr("Stable Diffusion failed: %1").arg(out.error);
            }
            m_view->sd().setStatus(message);
            Q_EMIT statusMessage(message);
            return message;
        });
    return true;
}

QJsonObject GenerateWorkbench::sdSettingsJson(const gen::SdParams& p, const QString& initImagePath) {
    QJsonObject s;
    s[QStringLiteral("workbench")] = QStringLiteral("generate");
    s[QStringLiteral("kind")] = QStringLiteral("sd");
    s[QStringLiteral("checkpoint")] = qs(p.checkpoint);
    s[QStringLiteral("prompt")] = qs(p.prompt);
    s[QStringLiteral("negative_prompt")] = qs(p.negativePrompt);
    s[QStringLiteral("width")] = p.width;
    s[QStringLiteral("height")] = p.height;
    s[QStringLiteral("steps")] = p.steps;
    s[QStringLiteral("sampler")] = qs(p.sampler);
    s[QStringLiteral("karras")] = p.karras;
    s[QStringLiteral("guidance")] = p.guidance;
    s[QStringLiteral("seed")] = QString::number(p.seed); // a string: JSON numbers lose 64-bit seeds
    s[QStringLiteral("batch")] = p.batch;
    s[QStringLiteral("eta")] = p.eta;
    s[QStringLiteral("precision")] = qs(p.precision);
    s[QStringLiteral("text_heads")] = p.textHeads;
    s[QStringLiteral("unet_heads")] = p.unetHeads;
    s[QStringLiteral("transport")] = p.transport;
    auto files = [](const std::vector<gen::SdEdit>& list) {
        QJsonArray a;
        for (const auto& e : list)
            a.append(QJsonObject{{QStringLiteral("file"), qs(e.file)}, {QStringLiteral("weight"), e.weight}});
        return a;
    };
    s[QStringLiteral("edits")] = files(p.edits);
    s[QStringLiteral("loras")] = files(p.loras);
    if (!initImagePath.isEmpty()) {
        s[QStringLiteral("init_image")] = initImagePath;
        s[QStringLiteral("strength")] = p.strength;
    }
    s[QStringLiteral("parameters")] =
        qs(gen::sdParametersText(p, QFileInfo(qs(p.checkpoint)).completeBaseName().toStdString()));
    return s;
}

bool GenerateWorkbench::sdParamsFromSettings(const QJsonObject& s, gen::SdParams& p, QString& initImagePath,
                                             QString* why) {
    auto failed = [&](const QString& message) {
        if (why) *why = message;
        return false;
    };
    for (const char* key :
         {"checkpoint", "prompt", "steps", "sampler", "guidance", "seed", "width", "height"})
        if (!s.contains(QLatin1String(key)))
            return failed(tr("the run's settings have no \"%1\"").arg(QLatin1String(key)));
    p.checkpoint = s.value(QStringLiteral("checkpoint")).toString().toStdString();
    p.prompt = s.value(QStringLiteral("prompt")).toString().toStdString();
    p.negativePrompt = s.value(QStringLiteral("negative_prompt")).toString().toStdString();
    p.width = s.value(QStringLiteral("width")).toInt(p.width);
    p.height = s.value(QStringLiteral("height")).toInt(p.height);
    p.steps = s.value(QStringLiteral("steps")).toInt(p.steps);
    p.sampler = s.value(QStringLiteral("sampler")).toString().toStdString();
    p.karras = s.value(QStringLiteral("karras")).toBool(p.karras);
    p.guidance = s.value(QStringLiteral("guidance")).toDouble(p.guidance);
    readSeed(s, p.seed);
    p.batch = s.value(QStringLiteral("batch")).toInt(p.batch);
    p.eta = s.value(QStringLiteral("eta")).toDouble(p.eta);
    p.precision = s.value(QStringLiteral("precision")).toString(qs(p.precision)).toStdString();
    p.textHeads = s.value(QStringLiteral("text_heads")).toInt(p.textHeads);
    p.unetHeads = s.value(QStringLiteral("unet_heads")).toInt(p.unetHeads);
    p.transport = s.value(QStringLiteral("transport")).toBool(true);
    auto files = [](const QJsonValue& v) {
        std::vector<gen::SdEdit> list;
        for (const auto& e : v.toArray()) {
            const auto o = e.toObject();
            list.push_back({o.value(QStringLiteral("file")).toString().toStdString(),
                            o.value(QStringLiteral("weight")).toDouble(1.0)});
        }
        return list;
    };
    p.edits = files(s.value(QStringLiteral("edits")));
    p.loras = files(s.value(QStringLiteral("loras")));
    initImagePath = s.value(QStringLiteral("init_image")).toString();
    p.strength = s.value(QStringLiteral("strength")).toDouble(p.strength);
    p.initImage = {};
    if (const auto v = gen::validateSd(p); !v) return failed(qs(v.error().message));
    return true;
}

bool GenerateWorkbench::rerunSd(const QJsonObject& settings, QString* error) {
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        m_view->sd().setStatus(message);
        Q_EMIT statusMessage(message);
        return false;
    };
    gen::SdParams p = currentSdParams();
    QString init, why;
    if (!sdParamsFromSettings(settings, p, init, &why))
        return fail(tr("That run's settings cannot be used by this version: %1").arg(why));
    if (!QFileInfo::exists(qs(p.checkpoint)))
        return fail(tr("That run's checkpoint %1 is gone.").arg(qs(p.checkpoint)));
    for (const auto* list : {&p.edits, &p.loras})
        for (const auto& e : *list)
            if (!QFileInfo::exists(qs(e.file)))
                return fail(tr("That run used %1, which is gone: it cannot be run the same way again.")
                                .arg(qs(e.file)));
    if (!init.isEmpty() && !QFileInfo::exists(init))
        return fail(tr("That run's start image %1 is gone.").arg(init));
    // The tab shows what runs: its settings, exactly its edits and LoRAs checked, its start image.
    applySdParams(p);
    m_view->sd().setCheckedAddons(p.edits, p.loras);
    m_view->sd().setInitImagePath(init);
    m_view->tabs()->setCurrentWidget(&m_view->sd());
    return startSd(currentSdParams(), error);
}

bool GenerateWorkbench::saveSdImage(int index, const QString& path, QString* error) {
    if (index < 0 || index >= m_sdImages.size()) {
        if (error) *error = tr("There is no Stable Diffusion image to save yet: press Generate first.");
        return false;
    }
    QImage img = m_sdImages[index];
    const auto& p = m_sdItemParams[std::size_t(index)];
    img.setText(QStringLiteral("parameters"),
                qs(gen::sdParametersText(p, QFileInfo(qs(p.checkpoint)).completeBaseName().toStdString())));
    if (!img.save(path, "PNG")) {
        if (error) *error = tr("Cannot write %1.").arg(path);
        return false;
    }
    return true;
}

bool GenerateWorkbench::loadSdParameters(const QString& path, QString* error) {
    const QImage img(path);
    const QString text = img.isNull() ? QString() : img.text(QStringLiteral("parameters"));
    if (text.isEmpty()) {
        if (error) *error = tr("%1 carries no Stable Diffusion parameters.").arg(path);
        return false;
    }
    const auto parsed = gen::parseSdParametersText(text.toStdString(), currentSdParams());
    if (!parsed) {
        if (error) *error = qs(parsed.error().message);
        return false;
    }
    applySdParams(parsed.value());
    m_view->sd().setStatus(tr("Settings loaded from %1.").arg(QFileInfo(path).fileName()));
    return true;
}

} // namespace reverie::app
