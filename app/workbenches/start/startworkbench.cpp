#include "workbenches/start/startworkbench.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace reverie::app {

QList<StartWorkbench::Demo> StartWorkbench::demos() {
    return {
        {QStringLiteral("generate"),
         {},
         tr("Generate"),
         tr("Sample Fashion-MNIST items with the built-in score model and watch the quality-versus-NFE "
            "figures (seconds).")},
        {QStringLiteral("restore"),
         {},
         tr("Restore"),
         tr("Restore a test photo degraded with noise with the fast MR Sampler, against its clean "
            "original (PSNR, SSIM; a few seconds).")},
        {QStringLiteral("enhance"),
         {},
         tr("Enhance"),
         tr("Enhance a held-out voice in white noise at 5 dB and hear noisy, enhanced and clean at the "
            "same position (SI-SDR, ESTOI; seconds).")},
        {QStringLiteral("erase"), QStringLiteral("sneaker"), tr("Erase"),
         tr("Erase \"sneaker\" from the text-to-image model with RECE's closed form and regenerate the "
            "same seeds (seconds).")},
        {QStringLiteral("tune"), QStringLiteral("continual"), tr("Tune"),
         tr("Learn five Fashion-MNIST tasks in turn, with and without refresh, and watch what is "
            "forgotten (minutes; Cancel stops it).")},
        {QStringLiteral("diagnostics"),
         {},
         tr("Diagnostics"),
         tr("Check this machine: the device, the threads and every sampler against its reference "
            "(about a minute).")},
    };
}

StartWorkbench::StartWorkbench(Engine* engine, QObject* parent) : Workbench(engine, parent) {
    auto* page = new QWidget;
    m_page = page;
    page->setObjectName(QStringLiteral("startPage"));
    auto* layout = new QVBoxLayout(page);
    auto* heading = new QLabel(
        QStringLiteral("<h2>%1</h2><p>%2</p>")
            .arg(tr("Reverie"), tr("Diffusion models on your own photos, recordings and models, with "
                                   "what every method costs and what it buys. Try a demo on built-in "
                                   "data, or open a file of your own.")),
        page);
    heading->setWordWrap(true);
    layout->addWidget(heading);

    auto* demosBox = new QGroupBox(tr("Demos on built-in data"), page);
    auto* grid = new QGridLayout(demosBox);
    int row = 0;
    for (const auto& d : demos()) {
        auto* button = new QPushButton(tr("Run the %1 demo").arg(d.title), demosBox);
        button->setObjectName(QStringLiteral("demo-") + d.workbench);
        button->setToolTip(tr("Shows %1 and runs it with its settings as shown").arg(d.title));
        auto* text = new QLabel(d.text, demosBox);
        text->setWordWrap(true);
        grid->addWidget(button, row, 0);
        grid->addWidget(text, row, 1);
        ++row;
        const QString wb = d.workbench, arg = d.argument;
        connect(button, &QPushButton::clicked, this, [this, wb, arg] { Q_EMIT demoRequested(wb, arg); });
    }
    grid->setColumnStretch(1, 1);
    layout->addWidget(demosBox);

    auto* recentBox = new QGroupBox(tr("Your recent files"), page);
    auto* recentLayout = new QVBoxLayout(recentBox);
    m_recentEmpty =
        new QLabel(tr("None yet: files you open in Restore or Enhance are listed here."), recentBox);
    m_recentEmpty->setObjectName(QStringLiteral("recentEmpty"));
    m_recentList = new QListWidget(recentBox);
    m_recentList->setObjectName(QStringLiteral("recentFiles"));
    m_recentList->setToolTip(tr("Double-click to open the file in the workbench that opened it last"));
    recentLayout->addWidget(m_recentEmpty);
    recentLayout->addWidget(m_recentList, 1);
    auto* buttons = new QHBoxLayout;
    m_openRecent = new QPushButton(tr("Open"), recentBox);
    m_openRecent->setObjectName(QStringLiteral("openRecent"));
    m_openRecent->setToolTip(tr("Open the selected file in the workbench that opened it last"));
    auto* openOther = new QPushButton(tr("Open a file…"), recentBox);
    openOther->setObjectName(QStringLiteral("openAnyFile"));
    openOther->setToolTip(tr("An image opens in Restore (restored as it is), a recording in Enhance"));
    buttons->addWidget(m_openRecent);
    buttons->addWidget(openOther);
    buttons->addStretch(1);
    recentLayout->addLayout(buttons);
    layout->addWidget(recentBox, 1);

    auto openItem = [this](QListWidgetItem* item) {
        if (!item) return;
        Q_EMIT openRequested(item->data(Qt::UserRole + 1).toString(), item->data(Qt::UserRole).toString());
    };
    connect(m_recentList, &QListWidget::itemActivated, this, openItem);
    connect(m_openRecent, &QPushButton::clicked, this,
            [this, openItem] { openItem(m_recentList->currentItem()); });
    connect(m_recentList, &QListWidget::currentRowChanged, this,
            [this](int r) { m_openRecent->setEnabled(r >= 0); });
    connect(openOther, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(m_page, tr("Open a file"), {},
                                         tr("Images and audio (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp "
                                            "*.wav *.flac *.ogg *.mp3 *.opus);;"
                                            "All files (*)"));
        QString error;
        if (!path.isEmpty() && !openFile(path, &error))
            QMessageBox::warning(m_page, tr("Open a file"), error);
    });
    refreshRecent();
}

StartWorkbench::~StartWorkbench() {
    if (m_page && !m_page->parent()) delete m_page;
}

QWidget* StartWorkbench::page() { return m_page; }

void StartWorkbench::refreshRecent() {
    m_recentList->clear();
    for (const auto& r : m_recent.existing()) {
        auto* item = new QListWidgetItem(
            tr("%1 — %2 (%3)")
                .arg(QFileInfo(r.path).fileName(),
                     r.when.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")), r.workbench),
            m_recentList);
        item->setToolTip(r.path);
        item->setData(Qt::UserRole, r.path);
        item->setData(Qt::UserRole + 1, r.workbench);
    }
    m_recentEmpty->setVisible(m_recentList->count() == 0);
    m_openRecent->setEnabled(m_recentList->currentRow() >= 0);
}

bool StartWorkbench::openFile(const QString& path, QString* error) {
    const QString wb = workbenchForFile(path);
    if (wb.isEmpty()) {
        if (error)
            *error = tr("%1: Reverie opens images (Restore) and audio (Enhance); this is neither.")
                         .arg(QFileInfo(path).fileName());
        return false;
    }
    Q_EMIT openRequested(wb, path);
    return true;
}

} // namespace reverie::app
