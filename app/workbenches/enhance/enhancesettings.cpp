// EnhanceWorkbench's settings as JSON: the last-used ones (Workbench::rememberedSettings /
// applyRemembered: the model, sampler, NFE, seed, task and strength, never a file) and a kept
// run's (the same keys, which its history record adds its files to).
#include "workbenches/enhance/enhanceworkbench.h"

#include "workbenches/common.h"

#include <QJsonObject>

namespace reverie::app {

namespace sp = reverie::speech;

QJsonObject EnhanceWorkbench::rememberedSettings() const { return paramsJson(currentParams()); }

QJsonObject EnhanceWorkbench::paramsJson(const sp::EnhanceParams& p) {
    QJsonObject s;
    s[QStringLiteral("model_dir")] = qs(p.modelDir);
    s[QStringLiteral("sampler")] = qs(p.sampler);
    s[QStringLiteral("nfe")] = p.nfe;
    s[QStringLiteral("seed")] = QString::number(p.seed);
    s[QStringLiteral("task")] = qs(p.task);
    s[QStringLiteral("strength")] = p.strength;
    return s;
}

bool EnhanceWorkbench::applyRemembered(const QJsonObject& s, QString* why) {
    sp::EnhanceParams p = currentParams();
    if (!rememberedModelExists(s, why) || !paramsFromJson(s, p, why)) return false;
    m_view->setParams(p);
    return true;
}

bool EnhanceWorkbench::paramsFromJson(const QJsonObject& s, sp::EnhanceParams& p, QString* why) {
    p.modelDir = s.value(QStringLiteral("model_dir")).toString(qs(p.modelDir)).toStdString();
    p.sampler = s.value(QStringLiteral("sampler")).toString(qs(p.sampler)).toStdString();
    p.nfe = s.value(QStringLiteral("nfe")).toInt(p.nfe);
    readSeed(s, p.seed);
    p.task = s.value(QStringLiteral("task")).toString(qs(p.task)).toStdString();
    p.strength = s.value(QStringLiteral("strength")).toDouble(p.strength);
    if (const auto v = sp::validateEnhance(p); !v) {
        if (why) *why = qs(v.error().message);
        return false;
    }
    return true;
}

} // namespace reverie::app
