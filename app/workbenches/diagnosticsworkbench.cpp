#include "workbenches/diagnosticsworkbench.h"

#include "diagnostics/diagnostics.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

namespace reverie::app {
namespace {
QString mib(std::int64_t bytes) { return QStringLiteral("%1 MiB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1); }
} // namespace

DiagnosticsWorkbench::DiagnosticsWorkbench(Engine* engine, QObject* parent) : Workbench(parent), m_engine(engine) {
    connect(m_engine, &Engine::jobProgress, this, &DiagnosticsWorkbench::onProgress);
}

DiagnosticsWorkbench::~DiagnosticsWorkbench() = default;

QIcon DiagnosticsWorkbench::icon() const { return QIcon::fromTheme(QStringLiteral("utilities-system-monitor")); }

QWidget* DiagnosticsWorkbench::page() {
    if (m_page) return m_page;
    m_page = new QWidget;
    m_page->setObjectName(QStringLiteral("diagnosticsPage"));
    auto* layout = new QVBoxLayout(m_page);
    auto* heading = new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Diagnostics")), m_page);
    auto* intro = new QLabel(tr("Measures what this machine gives Reverie: the LibTorch build, the device, "
                                "threads, the BLAS behind matrix products, matrix-product and convolution "
                                "throughput, and the memory the measurement takes."),
                             m_page);
    intro->setWordWrap(true);
    layout->addWidget(heading);
    layout->addWidget(intro);

    auto* bar = new QHBoxLayout;
    m_run = new QPushButton(tr("Run diagnostics"), m_page);
    m_run->setObjectName(QStringLiteral("runDiagnostics"));
    m_cancel = new QPushButton(tr("Cancel"), m_page);
    m_cancel->setObjectName(QStringLiteral("cancelDiagnostics"));
    m_cancel->setEnabled(false);
    m_quick = new QCheckBox(tr("Quick (smaller sizes)"), m_page);
    bar->addWidget(m_run);
    bar->addWidget(m_cancel);
    bar->addWidget(m_quick);
    bar->addStretch(1);
    layout->addLayout(bar);

    m_progress = new QProgressBar(m_page);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_phase = new QLabel(tr("Not run yet."), m_page);
    m_phase->setObjectName(QStringLiteral("phase"));
    m_warning = new QLabel(m_page);
    m_warning->setObjectName(QStringLiteral("warning"));
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet(QStringLiteral("color: #b00020; font-weight: bold;"));
    m_warning->hide();
    layout->addWidget(m_progress);
    layout->addWidget(m_phase);
    layout->addWidget(m_warning);

    m_table = new QTableWidget(0, 2, m_page);
    m_table->setObjectName(QStringLiteral("results"));
    m_table->setHorizontalHeaderLabels({tr("Measure"), tr("Value")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_table, 1);

    connect(m_run, &QPushButton::clicked, this, [this] { run(m_quick->isChecked()); });
    connect(m_cancel, &QPushButton::clicked, this, &DiagnosticsWorkbench::cancel);
    return m_page;
}

bool DiagnosticsWorkbench::run(bool quick) {
    if (m_jobId != 0) return false;
    page();
    auto params = quick ? reverie::diagnostics::Params::quick() : reverie::diagnostics::Params{};
    if (m_tiny) {
        params.matmulSize = 256;
        params.matmulRepeats = 4;
        params.convBatch = 4;
        params.convChannels = 32;
        params.convRepeats = 4;
    }
    params.device = m_device.toStdString();
    m_progress->setRange(0, int(reverie::diagnostics::totalSteps(params)));
    m_progress->setValue(0);
    m_phase->setText(tr("Starting…"));
    setRunning(true);
    quint64 id = 0;
    auto future = m_engine->submit<reverie::diagnostics::Result>(
        tr("Diagnostics"), [params](const reverie::JobContext& ctx) { return reverie::diagnostics::run(params, ctx); },
        &id);
    m_jobId = id;
    future.then(this, [this](const JobOutcome<reverie::diagnostics::Result>& out) {
        m_jobId = 0;
        setRunning(false);
        switch (out.status) {
        case JobStatus::Succeeded:
            show(*out.value);
            m_lastStatus = tr("Finished in %1 s.").arg(out.value->seconds, 0, 'f', 1);
            break;
        case JobStatus::Cancelled:
            m_lastStatus = tr("Cancelled; the previous results are kept.");
            break;
        case JobStatus::Failed:
            m_lastStatus = tr("Failed: %1").arg(out.error);
            break;
        }
        m_phase->setText(m_lastStatus);
        Q_EMIT statusMessage(tr("Diagnostics: %1").arg(m_lastStatus));
        Q_EMIT runFinished(out.status);
    });
    return true;
}

void DiagnosticsWorkbench::cancel() {
    if (m_jobId != 0) {
        m_engine->cancel(m_jobId);
        m_phase->setText(tr("Cancelling…"));
    }
}

void DiagnosticsWorkbench::setRunning(bool running) {
    m_run->setEnabled(!running);
    m_cancel->setEnabled(running);
    m_quick->setEnabled(!running);
}

void DiagnosticsWorkbench::onProgress(const JobProgress& p) {
    if (p.jobId != m_jobId || !m_page) return;
    m_progress->setMaximum(int(p.total));
    m_progress->setValue(int(p.step));
    m_phase->setText(tr("%1 — %2 ms").arg(p.message).arg(p.stepSeconds * 1000.0, 0, 'f', 1));
    Q_EMIT statusMessage(tr("Diagnostics: step %1/%2").arg(p.step).arg(p.total));
}

void DiagnosticsWorkbench::show(const reverie::diagnostics::Result& r) {
    const auto& rt = r.runtime;
    const QList<QPair<QString, QString>> rows = {
        {tr("LibTorch version"), QString::fromStdString(rt.torchVersion)},
        {tr("Device"), rt.device == "cuda" ? tr("CUDA (%n device(s))", nullptr, rt.cudaDevices) : tr("CPU")},
        {tr("CUDA in this build"), rt.cudaBuilt ? tr("yes") : tr("no")},
        {tr("Threads"), tr("%1 of %2 cores").arg(rt.threads).arg(rt.hardwareThreads)},
        {tr("Parallel backend"), QString::fromStdString(rt.parallelBackend)},
        {tr("BLAS"), QString::fromStdString(rt.blas)},
        {tr("BLAS library"), QString::fromStdString(rt.blasPath)},
        {tr("Matrix product"), tr("%1 GFLOP/s (best %2)").arg(r.matmulMedianGflops, 0, 'f', 1).arg(r.matmulGflops, 0, 'f', 1)},
        {tr("Convolution"), tr("%1 GFLOP/s (best %2)").arg(r.convMedianGflops, 0, 'f', 1).arg(r.convGflops, 0, 'f', 1)},
        {tr("LibTorch memory peak"), mib(r.allocPeakBytes)},
        {tr("Process memory"), tr("%1 (peak %2)").arg(mib(r.rssBytes), mib(r.rssPeakBytes))},
        {tr("Wall time"), tr("%1 s").arg(r.seconds, 0, 'f', 2)},
    };
    m_table->setRowCount(rows.size());
    for (int i = 0; i < rows.size(); ++i) {
        m_table->setItem(i, 0, new QTableWidgetItem(rows[i].first));
        m_table->setItem(i, 1, new QTableWidgetItem(rows[i].second));
    }
    QStringList warnings; // built here, not taken from core, so that they are translated
    if (rt.blasIsReference)
        warnings << tr("Matrix products use the slow reference BLAS (%1). Install libopenblas0-pthread "
                       "for about 10× faster linear layers.")
                        .arg(QString::fromStdString(rt.blasPath));
    m_warning->setText(warnings.join(QLatin1Char('\n')));
    m_warning->setVisible(!warnings.isEmpty());
}

QString DiagnosticsWorkbench::resultValue(const QString& key) const {
    if (!m_table) return {};
    for (int i = 0; i < m_table->rowCount(); ++i)
        if (m_table->item(i, 0) && m_table->item(i, 0)->text() == key) return m_table->item(i, 1)->text();
    return {};
}

} // namespace reverie::app
