#include "workbenches/tune/gradientpanel.h"

#include "generate/gradbench.h"
#include "jobs/jobslot.h"
#include "models/zoo.h"
#include "seriesplot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace reverie::app {

namespace {
// The strategies in the order they run (backprop first: the others are compared with it).
const char* const kStrategies[] = {"backprop", "checkpoint", "reversible", "adjoint"};
} // namespace

GradientPanel::GradientPanel(JobSlot* slot, QWidget* parent) : QWidget(parent), m_slot(slot) {
    setObjectName(QStringLiteral("gradientTab"));
    auto* layout = new QHBoxLayout(this);
    auto* left = new QVBoxLayout;
    auto* form = new QFormLayout;
    m_mode = new QComboBox(this);
    m_mode->setObjectName(QStringLiteral("gradientMode"));
    m_mode->addItem(tr("Probability-flow ODE"), false);
    m_mode->addItem(tr("Reverse SDE"), true);
    m_mode->setToolTip(tr("The sampling run the gradient goes through: the ODE is deterministic; the SDE "
                          "replays its Brownian path on the way back"));
    m_steps = new QLineEdit(QStringLiteral("10, 50, 200"), this);
    m_steps->setObjectName(QStringLiteral("gradientSteps"));
    m_steps->setToolTip(tr("Sampler steps to measure at, comma-separated: backprop's memory grows with them, "
                           "reversible's should not"));
    form->addRow(tr("Run:"), m_mode);
    form->addRow(tr("Steps:"), m_steps);
    auto* strategies = new QVBoxLayout;
    const QStringList tips = {
        tr("Autograd through every step: exact, memory grows with the steps"),
        tr("Keeps √N states and recomputes each segment on the way back: exact, twice the evaluations"),
        tr("Keeps only the last state and steps backwards with reversible Heun's inverse: exact to "
           "round-off, memory flat in the steps"),
        tr("Integrates the continuous adjoint backwards: least memory, approximate (it differentiates "
           "the ODE, not the steps taken)")};
    for (int i = 0; i < 4; ++i) {
        auto* c = new QCheckBox(QString::fromLatin1(kStrategies[i]), this);
        c->setObjectName(QStringLiteral("gradientStrategy_%1").arg(QLatin1String(kStrategies[i])));
        c->setChecked(true);
        c->setToolTip(tips[i]);
        strategies->addWidget(c);
        m_strategies << c;
    }
    form->addRow(tr("Strategies:"), strategies);
    m_double = new QCheckBox(tr("Solver states in float64"), this);
    m_double->setObjectName(QStringLiteral("gradientDouble"));
    m_double->setToolTip(tr("Keeps the solver's states in float64 around the float32 network: the reversible "
                            "gradient then equals backprop's, for twice the (small) state memory"));
    form->addRow(QString(), m_double);
    left->addLayout(form);
    auto* buttons = new QHBoxLayout;
    m_start = new QPushButton(tr("Measure"), this);
    m_start->setObjectName(QStringLiteral("gradientStart"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("gradientCancel"));
    buttons->addWidget(m_start);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    left->addLayout(buttons);
    auto* note = new QLabel(tr("The gradient of −log p(sneaker | sample) under the built-in classifier with "
                               "respect to the start noise, through a whole reversible-Heun run of the "
                               "built-in Fashion-MNIST generator. Peak MiB is the allocator's peak above "
                               "what was held before."),
                            this);
    note->setWordWrap(true);
    left->addWidget(note);
    m_status = new QLabel(tr("Not measured yet."), this);
    m_status->setObjectName(QStringLiteral("gradientStatus"));
    m_status->setWordWrap(true);
    left->addWidget(m_status);
    left->addStretch(1);
    layout->addLayout(left, 1);

    auto* right = new QVBoxLayout;
    m_plot = new widgets::SeriesPlot(this);
    m_plot->setObjectName(QStringLiteral("gradientPlot"));
    m_plot->setAxisLabels(tr("sampler steps N"), tr("peak memory (MiB, log scale)"));
    m_plot->setLogY(true); // backprop's hundreds of MiB and reversible's flat 16 on one plot
    m_plot->setMinimumHeight(220);
    right->addWidget(m_plot, 3);
    m_table = new QTableWidget(0, 6, this);
    m_table->setObjectName(QStringLiteral("gradientTable"));
    m_table->setHorizontalHeaderLabels(
        {tr("steps"), tr("strategy"), tr("NFE fwd + bwd"), tr("peak MiB"), tr("seconds"), tr("vs backprop")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    right->addWidget(m_table, 2);
    layout->addLayout(right, 3);

    connect(m_start, &QPushButton::clicked, this, [this] { start(); });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (isRunning()) m_slot->cancel();
    });
    connect(m_slot, &JobSlot::progress, this, &GradientPanel::onProgress);
    connect(m_slot, &JobSlot::busyChanged, this, [this](bool busy) {
        m_start->setEnabled(!busy);
        m_cancel->setEnabled(busy && isRunning());
    });
    m_cancel->setEnabled(false);
}

void GradientPanel::setSteps(const QString& steps) { m_steps->setText(steps); }
void GradientPanel::setStochastic(bool sde) { m_mode->setCurrentIndex(sde ? 1 : 0); }
void GradientPanel::setDoubleState(bool on) { m_double->setChecked(on); }
bool GradientPanel::isRunning() const { return m_slot->kind() == QLatin1String("grad"); }
int GradientPanel::rows() const { return m_table->rowCount(); }
QString GradientPanel::statusText() const { return m_status->text(); }

QString GradientPanel::cell(int row, int column) const {
    const auto* it = m_table->item(row, column);
    return it ? it->text() : QString();
}

double GradientPanel::peakMiB(const QString& strategy, int steps) const {
    for (int r = 0; r < m_table->rowCount(); ++r)
        if (cell(r, 1) == strategy && cell(r, 0).toInt() == steps)
            return m_table->item(r, 3)->data(Qt::UserRole).toDouble();
    return std::numeric_limits<double>::quiet_NaN();
}

bool GradientPanel::start(QString* error) {
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        m_status->setText(message);
        return false;
    };
    generate::GradBenchParams p;
    p.steps.clear();
    for (const QString& part : m_steps->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int n = part.trimmed().toInt(&ok);
        if (!ok || n < 1 || n > 2000)
            return fail(tr("\"%1\" is not a step count: give whole numbers from 1 to 2000, comma-separated.")
                            .arg(part.trimmed()));
        p.steps.push_back(n);
    }
    if (p.steps.empty()) return fail(tr("Give at least one step count."));
    for (int i = 0; i < 4; ++i)
        if (m_strategies[i]->isChecked()) p.strategies.push_back(kStrategies[i]);
    if (p.strategies.empty()) return fail(tr("Tick at least one strategy."));
    const bool sde = m_mode->currentData().toBool();
    p.ode = !sde;
    p.stochastic = sde;
    p.gaussian = false;
    p.doubleState = m_double->isChecked();
    p.modelDir = models::zoo::find(models::zoo::kGenerator);
    p.classifierDir = models::zoo::find(models::zoo::kClassifier);
    if (p.modelDir.empty() || p.classifierDir.empty())
        return fail(tr(
            "The built-in generator or classifier was not found, so there is nothing to measure through."));
    const QString what = sde ? tr("reverse SDE") : tr("probability-flow ODE");
    const bool ok = m_slot->start<generate::GradBenchReport>(
        QStringLiteral("grad"), tr("Gradient memory through the %1").arg(what),
        [p](const JobContext& ctx) { return generate::runGradBench(p, ctx); },
        [this](const JobOutcome<generate::GradBenchReport>& out) {
            const QString message = out.ok() ? tr("Measured %1 runs in %2 s.")
                                                   .arg(m_table->rowCount())
                                                   .arg(m_slot->elapsed(), 0, 'f', 1)
                                    : out.status == JobStatus::Cancelled
                                        ? tr("Measuring stopped: %1").arg(out.error)
                                        : tr("Measuring failed: %1").arg(out.error);
            m_status->setText(message);
            return message;
        },
        error);
    if (!ok) return false;
    m_table->setRowCount(0);
    m_plot->clear();
    m_status->setText(tr("Measuring through the %1…").arg(what));
    return true;
}

void GradientPanel::onProgress(const JobProgress& p) {
    if (!isRunning()) return;
    const int steps = int(std::lround(p.value(QStringLiteral("steps"))));
    const double peak = p.value(QStringLiteral("peak_mib"));
    const double vs = p.value(QStringLiteral("rel_error_vs_backprop"));
    const int r = m_table->rowCount();
    m_table->insertRow(r);
    auto put = [&](int column, const QString& text, double value = std::nan("")) {
        auto* it = new QTableWidgetItem(text);
        it->setData(Qt::UserRole, value);
        it->setTextAlignment(Qt::AlignCenter);
        m_table->setItem(r, column, it);
    };
    put(0, QString::number(steps));
    put(1, p.message);
    put(2, QStringLiteral("%1 + %2")
               .arg(qlonglong(p.value(QStringLiteral("nfe_forward"))))
               .arg(qlonglong(p.value(QStringLiteral("nfe_backward")))));
    put(3, QString::number(peak, 'f', 1), peak);
    put(4, QString::number(p.value(QStringLiteral("seconds")), 'f', 2));
    put(5, std::isnan(vs) ? QStringLiteral("–") : QString::number(vs, 'g', 2), vs);
    m_plot->addPoint(p.message, double(steps), peak);
    m_status->setText(tr("Measured %1 of %2: %3 at N = %4, %5 MiB")
                          .arg(p.step)
                          .arg(p.total)
                          .arg(p.message)
                          .arg(steps)
                          .arg(peak, 0, 'f', 1));
}

} // namespace reverie::app
