#include "workbenches/tune/continualpanel.h"

#include "jobs/jobslot.h"
#include "seriesplot.h"
#include "tune/continual.h"
#include "workbenches/common.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace reverie::app {

namespace {

constexpr int kTasks = 5;

QTableWidget* matrixTable(const QString& name, QWidget* parent) {
    auto* t = new QTableWidget(kTasks, kTasks, parent);
    t->setObjectName(name);
    QStringList rows, cols;
    for (int i = 0; i < kTasks; ++i) {
        rows << QObject::tr("after task %1").arg(i + 1);
        cols << QObject::tr("task %1").arg(i + 1);
    }
    t->setVerticalHeaderLabels(rows);
    t->setHorizontalHeaderLabels(cols);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    t->verticalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    t->setMinimumHeight(190);
    return t;
}

} // namespace

ContinualPanel::ContinualPanel(JobSlot* slot, QWidget* parent) : QWidget(parent), m_slot(slot) {
    setObjectName(QStringLiteral("continualTab"));
    auto* layout = new QHBoxLayout(this);
    auto* left = new QVBoxLayout;
    auto* form = new QFormLayout;
    m_method = new QComboBox(this);
    m_method->setObjectName(QStringLiteral("continualMethod"));
    m_method->addItem(tr("Fine-tuning (no protection)"), QStringLiteral("finetune"));
    m_method->addItem(tr("EWC (online)"), QStringLiteral("ewc"));
    m_method->addItem(tr("Experience replay"), QStringLiteral("er"));
    m_method->addItem(tr("DER++"), QStringLiteral("derpp"));
    m_method->setToolTip(
        tr("How earlier tasks are protected: replay keeps a buffer of 200 examples and costs a "
           "second pass per step; EWC only adds a penalty"));
    m_method->setCurrentIndex(m_method->findData(QStringLiteral("er"))); // the best of the bench's four
    m_refresh = new QCheckBox(tr("Refresh learning"), this);
    m_refresh->setObjectName(QStringLiteral("continualRefresh"));
    m_refresh->setChecked(true);
    m_refresh->setToolTip(
        tr("After every step, unlearn the batch a little (Fisher-damped gradient ascent with "
           "noise), then relearn: one more pass per step"));
    m_steps = new QSpinBox(this);
    m_steps->setObjectName(QStringLiteral("continualSteps"));
    m_steps->setRange(10, 5000);
    m_steps->setValue(150);
    m_steps->setToolTip(
        tr("Training steps of 32 images per task: more learn each task better and take longer"));
    form->addRow(tr("Method:"), m_method);
    form->addRow(QString(), m_refresh);
    form->addRow(tr("Steps per task:"), m_steps);
    left->addLayout(form);
    auto* buttons = new QHBoxLayout;
    m_start = new QPushButton(tr("Learn the five tasks"), this);
    m_start->setObjectName(QStringLiteral("continualStart"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("continualCancel"));
    buttons->addWidget(m_start);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    left->addLayout(buttons);
    auto* note =
        new QLabel(tr("Split Fashion-MNIST: five tasks of two classes learned in turn by the classifier's "
                      "architecture. Each cell is the accuracy on a task (column) after learning a task "
                      "(row): class-incremental chooses among all ten classes, task-incremental between "
                      "the task's two."),
                   this);
    note->setWordWrap(true);
    left->addWidget(note);
    m_status = new QLabel(tr("Not run yet."), this);
    m_status->setObjectName(QStringLiteral("continualStatus"));
    m_status->setWordWrap(true);
    left->addWidget(m_status);
    left->addStretch(1);
    layout->addLayout(left, 1);

    auto* right = new QVBoxLayout;
    m_classIl = matrixTable(QStringLiteral("continualClassIl"), this);
    m_taskIl = matrixTable(QStringLiteral("continualTaskIl"), this);
    auto* mats = new QHBoxLayout;
    auto* a = new QVBoxLayout;
    a->addWidget(new QLabel(tr("<b>Class-incremental accuracy %</b>"), this));
    a->addWidget(m_classIl);
    auto* b = new QVBoxLayout;
    b->addWidget(new QLabel(tr("<b>Task-incremental accuracy %</b>"), this));
    b->addWidget(m_taskIl);
    mats->addLayout(a);
    mats->addLayout(b);
    right->addLayout(mats, 1);
    m_curve = new widgets::SeriesPlot(this);
    m_curve->setObjectName(QStringLiteral("continualCurve"));
    m_curve->setAxisLabels(tr("tasks learned"), tr("average accuracy so far (%)"));
    m_curve->setMinimumHeight(200);
    right->addWidget(m_curve, 1);
    layout->addLayout(right, 3);

    connect(m_start, &QPushButton::clicked, this, [this] { start(); });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (isRunning()) m_slot->cancel();
    });
    connect(m_slot, &JobSlot::progress, this, &ContinualPanel::onProgress);
    connect(m_slot, &JobSlot::busyChanged, this, [this](bool busy) {
        m_start->setEnabled(!busy);
        m_cancel->setEnabled(busy && isRunning());
    });
    m_cancel->setEnabled(false);
    clearMatrices();
}

bool ContinualPanel::setMethod(const QString& id) {
    const int i = m_method->findData(id);
    if (i < 0) return false;
    m_method->setCurrentIndex(i);
    return true;
}

void ContinualPanel::setRefresh(bool on) { m_refresh->setChecked(on); }
void ContinualPanel::setStepsPerTask(int steps) { m_steps->setValue(steps); }
bool ContinualPanel::isRunning() const { return m_slot->kind() == QLatin1String("continual"); }
QString ContinualPanel::statusText() const { return m_status->text(); }

double ContinualPanel::cell(int afterTask, int task, bool taskIl) const {
    const QTableWidgetItem* it = (taskIl ? m_taskIl : m_classIl)->item(afterTask, task);
    if (!it || it->text().isEmpty()) return std::numeric_limits<double>::quiet_NaN();
    return it->data(Qt::UserRole).toDouble();
}

void ContinualPanel::clearMatrices() {
    for (QTableWidget* t : {m_classIl, m_taskIl}) {
        t->clearContents();
        for (int i = 0; i < kTasks; ++i)
            for (int j = 0; j < kTasks; ++j) t->setItem(i, j, new QTableWidgetItem);
    }
}

bool ContinualPanel::start(QString* error) {
    tune::ContinualParams p;
    p.methods = {m_method->currentData().toString().toStdString()};
    p.refresh = {m_refresh->isChecked()};
    p.stepsPerTask = m_steps->value();
    m_runName = m_method->currentText() + (m_refresh->isChecked() ? tr(" + refresh") : QString());
    const QString name = m_runName;
    const bool ok = m_slot->start<std::vector<tune::ContinualRun>>(
        QStringLiteral("continual"), tr("Continual learning: %1").arg(name),
        [p](const JobContext& ctx) { return tune::runContinual(p, ctx); },
        [this, name](const JobOutcome<std::vector<tune::ContinualRun>>& out) {
            QString message;
            if (out.ok() && !out.value->empty()) {
                const auto& r = out.value->front();
                message =
                    tr("%1: class-incremental average %2 %, forgetting %3 %; task-incremental average %4 %, "
                       "forgetting %5 % (%6 s)")
                        .arg(name)
                        .arg(100 * r.averageClassIl, 0, 'f', 1)
                        .arg(100 * r.forgettingClassIl, 0, 'f', 1)
                        .arg(100 * r.averageTaskIl, 0, 'f', 1)
                        .arg(100 * r.forgettingTaskIl, 0, 'f', 1)
                        .arg(r.seconds, 0, 'f', 0);
                if (!r.diverged.empty())
                    message += tr(" — the loss stopped being finite at %1; learning stopped there")
                                   .arg(QString::fromStdString(r.diverged));
            } else {
                message = out.status == JobStatus::Cancelled
                              ? tr("Continual learning stopped: %1").arg(out.error)
                              : tr("Continual learning failed: %1").arg(out.error);
            }
            m_status->setText(message);
            return message;
        },
        error);
    if (!ok) return false;
    clearMatrices();
    m_status->setText(tr("Learning task 1 of 5 with %1…").arg(name));
    return true;
}

void ContinualPanel::onProgress(const JobProgress& p) {
    if (!isRunning()) return;
    const int i = int(p.step) - 1;
    if (i < 0 || i >= kTasks) return;
    auto fill = [&](QTableWidget* t, const char* prefix) {
        for (int j = 0; j <= i; ++j) {
            const double v = p.value(QStringLiteral("%1%2").arg(QLatin1String(prefix)).arg(j));
            if (std::isnan(v)) continue;
            auto* item = new QTableWidgetItem(QString::number(100 * v, 'f', 1));
            item->setData(Qt::UserRole, v);
            item->setTextAlignment(Qt::AlignCenter);
            // Heat: white at 0 %, green at 100 %.
            const int g = int(std::lround(255 - 120 * std::clamp(v, 0.0, 1.0)));
            item->setBackground(QColor(g, 255 - int(std::lround(40 * (1 - v))), g));
            item->setForeground(Qt::black);
            t->setItem(i, j, item);
        }
    };
    fill(m_classIl, "class_il_");
    fill(m_taskIl, "task_il_");
    m_curve->addPoint(m_runName + tr(" (class-IL)"), double(i + 1),
                      100 * p.value(QStringLiteral("class_il")));
    m_curve->addPoint(m_runName + tr(" (task-IL)"), double(i + 1), 100 * p.value(QStringLiteral("task_il")));
    m_status->setText(tr("Learned task %1 of 5 with %2 · %3 s")
                          .arg(i + 1)
                          .arg(m_runName)
                          .arg(m_slot->elapsed(), 0, 'f', 0));
}

} // namespace reverie::app
