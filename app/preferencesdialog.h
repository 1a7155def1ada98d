#pragma once
// Preferences: device, threads, language, output folder. Validates before it accepts.

#include "settings.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace reverie::app {

class PreferencesDialog : public QDialog {
    Q_OBJECT
public:
    PreferencesDialog(const Settings& current, QWidget* parent = nullptr);
    Settings settings() const;
    void accept() override;

private:
    Settings m_base;
    QComboBox* m_device = nullptr;
    QSpinBox* m_threads = nullptr;
    QComboBox* m_language = nullptr;
    QLineEdit* m_output = nullptr;
    QLineEdit* m_models = nullptr;
};

} // namespace reverie::app
