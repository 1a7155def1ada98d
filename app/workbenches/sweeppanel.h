#pragma once
// The parts that the Generate and Restore workbenches share: the samplers × NFE sweep form
// (sampler check list, NFE list, count, start/cancel, progress, status, result table) and small
// helpers for their controls.
//
// Thread rules: GUI thread only.

#include "jobs/engine.h"
#include "workbenches/common.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

class QFormLayout;
class QImage;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTableWidgetItem;
class QVBoxLayout;
class QWidget;

namespace reverie::app {

/// The samplers × NFE form of a Sweep tab. Builds the tab: left column with a group box holding
/// the form (extra rows first), start/cancel buttons, progress bar and status label; right column
/// for the caller's plots; then finish() adds the result table below them.
class SweepPanel {
    Q_DECLARE_TR_FUNCTIONS(reverie::app::SweepPanel)
public:
    struct Sampler {
        QString id;
        QString label;
        QString toolTip;
        bool checked = false;
    };
    struct Spec {
        QList<QPair<QString, QWidget*>> leadingRows; ///< form rows above the samplers (label, field)
        QList<Sampler> samplers;
        QString nfes;          ///< the NFE list shown first
        QString nfesToolTip;
        QString countName;     ///< object name of the count spin box
        QString countLabel;
        QString countToolTip;
        int countMin = 1;
        int countMax = 10000;
        int countValue = 16;
        QString note;          ///< the explanation below the form
        QStringList columns;   ///< the table's column titles
    };

    explicit SweepPanel(const Spec& spec);

    /// Adds the stretch below the left column and the table below the right one.
    void finish();

    /// The ids of the checked samplers, in list order.
    std::vector<std::string> checkedSamplers() const;
    /// Resets progress to 0 of points and shows text.
    void begin(int points, const QString& text);
    /// Appends a row (first cell the sampler, with its tool tip; the rest numbers).
    void addRow(const QStringList& cells, const QString& samplerToolTip);
    /// Shows a finished point of the running sweep.
    void showPoint(qint64 step, const QString& text);
    /// Shows error in the status label and a warning box over parent.
    void reportError(QWidget* parent, const QString& error);
    /// The status line of a finished sweep job.
    static QString outcomeMessage(bool ok, JobStatus status, const QString& error, qsizetype points, double seconds);

    int rows() const;
    QString cellText(int row, int column) const;
    QString statusText() const;

    QWidget* tab = nullptr;
    QVBoxLayout* left = nullptr;
    QVBoxLayout* right = nullptr;
    QListWidget* samplers = nullptr;
    QLineEdit* nfes = nullptr;
    QSpinBox* count = nullptr;
    QPushButton* start = nullptr;
    QPushButton* cancel = nullptr;
    QProgressBar* progress = nullptr;
    QLabel* status = nullptr;
    QTableWidget* table = nullptr;
};

} // namespace reverie::app
