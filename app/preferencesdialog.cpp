#include "preferencesdialog.h"

#include "base/runtime.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QThread>

namespace reverie::app {

PreferencesDialog::PreferencesDialog(const Settings& current, QWidget* parent) : QDialog(parent), m_base(current) {
    setWindowTitle(tr("Preferences"));
    auto* form = new QFormLayout;

    m_device = new QComboBox(this);
    m_device->addItem(tr("CPU"), QStringLiteral("cpu"));
    m_device->addItem(tr("CUDA GPU"), QStringLiteral("cuda"));
    std::string why;
    if (!reverie::runtime::deviceUsable("cuda", &why)) {
        auto* model = qobject_cast<QStandardItemModel*>(m_device->model());
        if (model) model->item(1)->setEnabled(false);
        m_device->setItemData(1, QString::fromStdString(why), Qt::ToolTipRole);
    }
    m_device->setCurrentIndex(qMax(0, m_device->findData(current.device)));
    form->addRow(tr("Device:"), m_device);

    m_threads = new QSpinBox(this);
    m_threads->setRange(0, qMax(1, QThread::idealThreadCount()) * 4);
    m_threads->setSpecialValueText(tr("One per core (%1)").arg(QThread::idealThreadCount()));
    m_threads->setValue(current.threads);
    form->addRow(tr("LibTorch threads:"), m_threads);

    m_language = new QComboBox(this);
    for (const auto& [code, name] : Settings::languages()) m_language->addItem(name, code);
    m_language->setCurrentIndex(qMax(0, m_language->findData(current.language)));
    auto* langNote = new QLabel(tr("A new language takes effect when Reverie starts again."), this);
    langNote->setWordWrap(true);
    form->addRow(tr("Language:"), m_language);
    form->addRow(QString(), langNote);

    auto* outRow = new QHBoxLayout;
    m_output = new QLineEdit(current.outputDir.isEmpty() ? Settings::defaultOutputDir() : current.outputDir, this);
    auto* browse = new QPushButton(tr("Browse…"), this);
    outRow->addWidget(m_output, 1);
    outRow->addWidget(browse);
    form->addRow(tr("Output folder:"), outRow);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Output folder"), m_output->text());
        if (!dir.isEmpty()) m_output->setText(dir);
    });

    auto* modelsRow = new QHBoxLayout;
    m_models = new QLineEdit(current.modelsDir, this);
    m_models->setObjectName(QStringLiteral("modelsDir"));
    m_models->setPlaceholderText(tr("none"));
    auto* browseModels = new QPushButton(tr("Browse…"), this);
    modelsRow->addWidget(m_models, 1);
    modelsRow->addWidget(browseModels);
    form->addRow(tr("Models folder:"), modelsRow);
    auto* modelsNote = new QLabel(tr("Published checkpoints in this folder (SGMSE+ .ckpt, IR-SDE .pth, .safetensors) "
                                     "are listed in the Enhance and Restore model menus."),
                                  this);
    modelsNote->setWordWrap(true);
    form->addRow(QString(), modelsNote);
    connect(browseModels, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Models folder"), m_models->text());
        if (!dir.isEmpty()) m_models->setText(dir);
    });

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &PreferencesDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &PreferencesDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

Settings PreferencesDialog::settings() const {
    Settings s = m_base;
    s.problems.clear();
    s.device = m_device->currentData().toString();
    s.threads = m_threads->value();
    s.language = m_language->currentData().toString();
    s.outputDir = m_output->text().trimmed();
    s.modelsDir = m_models->text().trimmed();
    return s;
}

void PreferencesDialog::accept() {
    QString why;
    if (!folderWritable(m_output->text().trimmed(), &why)) {
        QMessageBox::warning(this, tr("Output folder"), why + QLatin1Char(' ') + tr("Choose another folder."));
        return; // keep the dialog open: nothing the user typed is lost
    }
    QDialog::accept();
}

} // namespace reverie::app
