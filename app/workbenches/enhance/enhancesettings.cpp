// EnhanceWorkbench's last-used settings (Workbench::rememberedSettings / applyRemembered): the
// model, sampler, NFE, seed, task and strength, never a file.
#include "workbenches/enhance/enhanceworkbench.h"

#include "workbenches/common.h"

#include <QJsonObject>

namespace reverie::app {

namespace sp = reverie::speech;

QJsonObject EnhanceWorkbench::rememberedSettings() const {
    const auto p = currentParams();
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
    if (!rememberedModelExists(s, why)) return false;
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
    m_view->setParams(p);
    return true;
}

} // namespace reverie::app
