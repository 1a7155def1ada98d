// Stochastic samplers with the exact denoiser reproduce the data distribution: ≥ 20k samples,
// mean and variance within 4 standard errors, mixture weights within 2 percentage points.
// The start state is drawn from the exact marginal at T (no prior mismatch), and the truth is
// the exact marginal at the sampler's end time. Step counts (see the table) are those where the
// discretisation bias is below the tolerance.

#include "analytic.h"
#include "samplers.h"

#include <QTest>

#include <cstdio>

using namespace reverie;
using namespace reverie::solvers;
using namespace reverie::testing;

class TestDistributions : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gaussian_data();
    void gaussian();
    void mixture_data();
    void mixture();
};

namespace {

constexpr SamplerId kStochastic[] = {
    SamplerId::EulerMaruyama, SamplerId::ReverseDiffusion, SamplerId::PcLangevin, SamplerId::PcAnnealed,
    SamplerId::Ddim1, SamplerId::Posterior, SamplerId::MrsSdeData1, SamplerId::MrsSdeData2,
    SamplerId::MrsSdeNoise1, SamplerId::MrsSdeNoise2, SamplerId::EdmChurn};

int stepsFor(SamplerId s) {
    switch (s) {
    case SamplerId::EulerMaruyama: case SamplerId::ReverseDiffusion: return 500;
    case SamplerId::PcLangevin: case SamplerId::PcAnnealed: return 500;
    case SamplerId::EdmChurn: return 200;
    case SamplerId::MrsSdeData2: case SamplerId::MrsSdeNoise2: return 100;
    default: return 1000; // DDIM η=1, posterior, 1st-order MRS SDE: O(1/N) variance bias (−3.8% at 500 on VP)
    }
}

void addRows(bool allSdes) {
    QTest::addColumn<SamplerId>("sampler");
    QTest::addColumn<SdeId>("id");
    for (SamplerId s : kStochastic)
        for (SdeId id : kAllSdes)
            if (allSdes || id == SdeId::VP || id == SdeId::IrDiscrete || id == SdeId::OUVE)
                QTest::newRow(qPrintable(QString("%1/%2").arg(samplerName(s), sdeName(id)))) << s << id;
}

struct Run {
    at::Tensor x;      // samples [n, dim]
    double a, s;       // α, σ at the end time
    double muValue;
};

Run runOn(SamplerId sampler, SdeId id, const Mixture& data, int64_t n, uint64_t seed) {
    const auto sde = makeSde(id);
    const double muValue = -0.3;
    at::Tensor mu = sde->meanReverting() ? at::full({1, data.dim}, muValue, at::kDouble) : at::Tensor();
    const sde::Denoiser d = sde::denoiserFromSigma(*sde, data.sigmaDenoiser());
    const at::Tensor x0 = data.sample(n, gen(seed));
    const at::Tensor xT = marginalSample(*sde, x0, sde->tMax(), mu, gen(seed + 1));
    CommonOptions c;
    c.steps = stepsFor(sampler);
    c.seed = seed + 2;
    c.noise = NoiseMode::Batch;
    const auto r = runSampler(sampler, *sde, d, xT, mu, c, JobContext{});
    if (!r.ok()) qFatal("%s", r.error().message.c_str());
    if (r.value().nfe != documentedNfe(sampler, c.steps)) qFatal("NFE %lld", static_cast<long long>(r.value().nfe));
    const double tEnd = endsAtZero(sampler) ? 0.0 : sde->tEps();
    return {r.value().x, sde->alpha(tEnd), sde->sigma(tEnd), sde->meanReverting() ? muValue : 0.0};
}

} // namespace

void TestDistributions::gaussian_data() { addRows(true); }

void TestDistributions::gaussian() {
    QFETCH(SamplerId, sampler);
    QFETCH(SdeId, id);
    const int dim = 1;
    const Mixture data = Mixture::gaussian(dim, 0.5, 0.5);
    const Run r = runOn(sampler, id, data, 20000, 11);
    const double mean = r.a * 0.5 + (1 - r.a) * r.muValue;
    const double var = r.a * r.a * 0.25 + r.s * r.s;
    const Moments m = moments(r.x);
    const double zm = (m.mean - mean) / m.seMean, zv = (m.var - var) / m.seVar;
    std::printf("DIST gaussian %s %s mean=%.4f (%.4f) var=%.4f (%.4f) z=%.2f,%.2f\n", samplerName(sampler), sdeName(id),
                m.mean, mean, m.var, var, zm, zv);
    QVERIFY2(std::abs(zm) <= 4, qPrintable(QString("mean %1 vs %2 (%3 SE)").arg(m.mean).arg(mean).arg(zm)));
    QVERIFY2(std::abs(zv) <= 4, qPrintable(QString("variance %1 vs %2 (%3 SE)").arg(m.var).arg(var).arg(zv)));
}

// The mixture runs on three SDEs (VP, discrete IR-SDE, OUVE) to keep the suite short.
void TestDistributions::mixture_data() { addRows(false); }

void TestDistributions::mixture() {
    QFETCH(SamplerId, sampler);
    QFETCH(SdeId, id);
    const int dim = 1;
    std::vector<double> lo(dim, -1.0), hi(dim, 1.0);
    const Mixture data{dim, {0.3, 0.7}, {lo, hi}, {0.25, 0.25}};
    const Run r = runOn(sampler, id, data, 20000, 23);
    // Weight of the component at −1: the share of samples whose first coordinate lies below the
    // midpoint between the shifted component means.
    const double mid = (1 - r.a) * r.muValue;
    const double w = (r.x.select(1, 0) < mid).to(at::kDouble).mean().item<double>();
    // Mean and variance of the first coordinate against the exact marginal.
    const double m1 = r.a * -1.0 + (1 - r.a) * r.muValue, m2 = r.a * 1.0 + (1 - r.a) * r.muValue;
    const double v = r.a * r.a * 0.0625 + r.s * r.s;
    const double mean = 0.3 * m1 + 0.7 * m2;
    const double var = v + 0.3 * m1 * m1 + 0.7 * m2 * m2 - mean * mean;
    const Moments m = moments(r.x.select(1, 0));
    const double zm = (m.mean - mean) / m.seMean, zv = (m.var - var) / m.seVar;
    std::printf("DIST mixture %s %s weight=%.4f (0.3) z=%.2f,%.2f\n", samplerName(sampler), sdeName(id), w, zm, zv);
    QVERIFY2(std::abs(w - 0.3) <= 0.02, qPrintable(QString("weight %1").arg(w)));
    QVERIFY2(std::abs(zm) <= 4, qPrintable(QString("mean %1 vs %2 (%3 SE)").arg(m.mean).arg(mean).arg(zm)));
    QVERIFY2(std::abs(zv) <= 4, qPrintable(QString("variance %1 vs %2 (%3 SE)").arg(m.var).arg(var).arg(zv)));
}

QTEST_APPLESS_MAIN(TestDistributions)
#include "tst_distributions.moc"
