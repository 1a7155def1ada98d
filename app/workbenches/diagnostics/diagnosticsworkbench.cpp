#include "workbenches/diagnostics/diagnosticsworkbench.h"
#include "ui_diagnosticsform.h"

#include "diagnostics/diagnostics.h"
#include "jobs/jobslot.h"

#include <QHeaderView>

namespace reverie::app {
namespace {
QString mib(std::int64_t bytes) { return QStringLiteral("%1 MiB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1); }
} // namespace

DiagnosticsWorkbench::DiagnosticsWorkbench(Engine* engine, QObject* parent)
    : Workbench(engine, parent), m_ui(std::make_unique<Ui::DiagnosticsForm>()), m_slot(addSlot()) {
    m_page = new QWidget;
    m_ui->setupUi(m_page);
    m_page->setObjectName(QStringLiteral("diagnosticsPage"));
    m_ui->results->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    connect(m_ui->runDiagnostics, &QPushButton::clicked, this, [this] { start(m_ui->quick->isChecked()); });
    connect(m_ui->cancelDiagnostics, &QPushButton::clicked, this, [this] {
        if (!m_slot->isBusy()) return;
        m_slot->cancel();
        m_ui->phase->setText(tr("Cancelling…"));
    });
    connect(m_slot, &JobSlot::progress, this, &DiagnosticsWorkbench::onProgress);
    connect(m_slot, &JobSlot::busyChanged, this, [this](bool running) {
        m_ui->runDiagnostics->setEnabled(!running);
        m_ui->cancelDiagnostics->setEnabled(running);
        m_ui->quick->setEnabled(!running);
    });
}

DiagnosticsWorkbench::~DiagnosticsWorkbench() {
    if (m_page && !m_page->parent()) delete m_page;
}

QIcon DiagnosticsWorkbench::icon() const { return QIcon::fromTheme(QStringLiteral("utilities-system-monitor")); }

QWidget* DiagnosticsWorkbench::page() { return m_page; }

bool DiagnosticsWorkbench::run(const RunRequest&, QString* error) {
    if (!start(false)) {
        if (error) *error = JobSlot::busyMessage();
        return false;
    }
    finishRunWithNextJob();
    return true;
}

bool DiagnosticsWorkbench::isRunning() const { return m_slot->isBusy(); }

bool DiagnosticsWorkbench::start(bool quick) {
    if (m_slot->isBusy()) return false;
    auto params = quick ? diagnostics::Params::quick() : diagnostics::Params{};
    if (m_tiny) {
        params.matmulSize = 256;
        params.matmulRepeats = 4;
        params.convBatch = 4;
        params.convChannels = 32;
        params.convRepeats = 4;
    }
    params.device = m_device.toStdString();
    m_ui->progress->setRange(0, int(diagnostics::totalSteps(params)));
    m_ui->progress->setValue(0);
    m_ui->phase->setText(tr("Starting…"));
    return m_slot->start<diagnostics::Result>(
        QStringLiteral("diagnostics"), tr("Diagnostics"),
        [params](const JobContext& ctx) { return diagnostics::run(params, ctx); },
        [this](const JobOutcome<diagnostics::Result>& out) {
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
            m_ui->phase->setText(m_lastStatus);
            Q_EMIT statusMessage(tr("Diagnostics: %1").arg(m_lastStatus));
            return m_lastStatus;
        });
}

void DiagnosticsWorkbench::onProgress(const JobProgress& p) {
    m_ui->progress->setMaximum(int(p.total));
    m_ui->progress->setValue(int(p.step));
    m_ui->phase->setText(tr("%1 — %2 ms").arg(p.message).arg(p.stepSeconds * 1000.0, 0, 'f', 1));
    Q_EMIT statusMessage(tr("Diagnostics: step %1/%2").arg(p.step).arg(p.total));
}

void DiagnosticsWorkbench::show(const diagnostics::Result& r) {
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
    m_ui->results->setRowCount(rows.size());
    for (int i = 0; i < rows.size(); ++i) {
        m_ui->results->setItem(i, 0, new QTableWidgetItem(rows[i].first));
        m_ui->results->setItem(i, 1, new QTableWidgetItem(rows[i].second));
    }
    QStringList warnings; // built here, not taken from core, so that they are translated
    if (rt.blasIsReference)
        warnings << tr("Matrix products use the slow reference BLAS (%1). Install libopenblas0-pthread "
                       "for about 10× faster linear layers.")
                        .arg(QString::fromStdString(rt.blasPath));
    m_ui->warning->setText(warnings.join(QLatin1Char('\n')));
    m_ui->warning->setVisible(!warnings.isEmpty());
}

QString DiagnosticsWorkbench::resultValue(const QString& key) const {
    const auto* table = m_ui->results;
    for (int i = 0; i < table->rowCount(); ++i)
        if (table->item(i, 0) && table->item(i, 0)->text() == key) return table->item(i, 1)->text();
    return {};
}

} // namespace reverie::app
