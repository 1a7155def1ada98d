#include "workbenches/enhance/audiocompare.h"

#include "abplayer.h"
#include "waveformview.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

#include <array>

namespace reverie::app {

AudioCompareView::AudioCompareView(QWidget* parent)
    : QWidget(parent), m_logic(std::make_unique<widgets::PlayerLogic>()) {
    setObjectName(QStringLiteral("audioCompareView"));
    m_output = new widgets::AudioOutput(m_logic.get(), this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_rowA = new widgets::WaveformView(this);
    m_rowB = new widgets::WaveformView(this);
    m_rowA->setObjectName(QStringLiteral("compareRowA"));
    m_rowB->setObjectName(QStringLiteral("compareRowB"));
    const std::array<widgets::WaveformView*, 2> rows{m_rowA, m_rowB};
    for (auto* v : rows) {
        v->setMode(widgets::WaveformView::Mode::Spectrogram);
        v->setMinimumHeight(150);
        v->setPlaceholderText(tr("Select two runs and press Compare: A above, B below, heard at the same "
                                 "position."));
        v->setToolTip(tr("Wheel: zoom both rows about the cursor; double-click: the whole track; click: "
                         "seek; drag: loop region"));
        layout->addWidget(v, 1);
        connect(v, &widgets::WaveformView::seekRequested, this, [this](qint64 s) {
            m_logic->seek(s);
            showPosition(m_logic->position());
        });
        connect(v, &widgets::WaveformView::loopRequested, this, [this](qint64 a, qint64 b) {
            m_logic->setLoop(a, b);
            m_logic->setLoopEnabled(true);
            showPosition(m_logic->position());
        });
        connect(v, &widgets::WaveformView::visibleRangeChanged, this, [rows](double a, double b) {
            for (auto* o : rows) o->setVisibleRange(a, b);
        });
    }
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("historyCompareFigures"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_text);

    auto* row = new QHBoxLayout;
    auto* group = new QButtonGroup(this);
    const QString names[3] = {tr("A"), tr("B"), tr("A's input")};
    const QString tips[3] = {tr("Hear run A's enhanced track (key 1)"),
                             tr("Hear run B's enhanced track (key 2)"),
                             tr("Hear the noisy input run A started from (key 3)")};
    for (int i = 0; i < 3; ++i) {
        m_buttons[i] = new QRadioButton(names[i], this);
        m_buttons[i]->setObjectName(QStringLiteral("compareTrack%1").arg(i + 1));
        m_buttons[i]->setToolTip(tips[i]);
        group->addButton(m_buttons[i], i + 1);
        row->addWidget(m_buttons[i]);
    }
    connect(group, &QButtonGroup::idClicked, this, [this](int id) { select(id); });
    m_play = new QPushButton(tr("Play"), this);
    m_play->setObjectName(QStringLiteral("comparePlay"));
    m_play->setToolTip(tr("Play or pause (Space)"));
    connect(m_play, &QPushButton::clicked, this, [this] { togglePlay(); });
    m_match = new QCheckBox(tr("Match loudness"), this);
    m_match->setObjectName(QStringLiteral("compareMatch"));
    m_match->setToolTip(tr("Play every track at run A's loudness, so that the louder one does not sound "
                           "better only for being louder"));
    m_match->setChecked(true);
    m_logic->setLoudnessMatch(true);
    connect(m_match, &QCheckBox::toggled, this, [this](bool on) { m_logic->setLoudnessMatch(on); });
    m_position = new QLabel(this);
    m_position->setObjectName(QStringLiteral("comparePosition"));
    row->addWidget(m_play);
    row->addWidget(m_match);
    row->addStretch(1);
    row->addWidget(m_position);
    layout->addLayout(row);
    connect(m_output, &widgets::AudioOutput::positionChanged, this, &AudioCompareView::showPosition);
    connect(m_output, &widgets::AudioOutput::playingChanged, this,
            [this](bool playing) { m_play->setText(playing ? tr("Pause") : tr("Play")); });
    if (!widgets::AudioOutput::deviceAvailable()) {
        m_play->setEnabled(false);
        m_play->setToolTip(m_output->unavailableReason());
    }
    refreshButtons();
}

AudioCompareView::~AudioCompareView() {
    if (m_output) m_output->pause();
}

void AudioCompareView::show(Side a, Side b, std::vector<float> inputOfA) {
    m_output->pause();
    m_logic->setTrack(RunA, std::move(a.samples));
    m_logic->setTrack(RunB, std::move(b.samples));
    m_logic->setTrack(InputA, std::move(inputOfA));
    m_logic->setLoopEnabled(false);
    const std::array<std::pair<widgets::WaveformView*, const Side*>, 2> rows{{{m_rowA, &a}, {m_rowB, &b}}};
    for (int i = 0; i < 2; ++i) {
        auto* v = rows[std::size_t(i)].first;
        const Side& s = *rows[std::size_t(i)].second;
        const qint64 n = m_logic->trackLength(i + 1);
        if (s.spectrogram.isNull() || n == 0)
            v->clearTrack();
        else
            v->setSpectrogram(s.spectrogram, n);
        v->setLabel(i == 0 ? tr("A") : tr("B"));
        v->setVisibleRange(0, 1);
    }
    m_text->setText(QStringLiteral("<b>%1</b> %2<br><b>%3</b> %4")
                        .arg(tr("A"), a.text.toHtmlEscaped(), tr("B"), b.text.toHtmlEscaped()));
    m_logic->seek(0);
    m_logic->select(RunA);
    refreshButtons();
    showPosition(0);
}

bool AudioCompareView::hasComparison() const { return m_logic->hasTrack(RunA) && m_logic->hasTrack(RunB); }

bool AudioCompareView::select(int track) {
    const bool ok = m_logic->select(track);
    refreshButtons();
    showPosition(m_logic->position());
    return ok;
}

int AudioCompareView::selected() const { return m_logic->current(); }

bool AudioCompareView::togglePlay() {
    if (m_output->isPlaying()) {
        m_output->pause();
        return true;
    }
    QString error;
    if (!m_output->play(&error)) {
        m_position->setText(error);
        return false;
    }
    return true;
}

void AudioCompareView::showPosition(qint64 sample) {
    for (auto* v : {m_rowA, m_rowB}) {
        v->setPlayhead(sample);
        v->setLoop(m_logic->loopStart(), m_logic->loopEnd(), m_logic->isLooping());
    }
    const double rate = 16000.0;
    const qint64 length = m_logic->trackLength(std::max(1, m_logic->current()));
    m_position->setText(
        tr("%1 s / %2 s").arg(double(sample) / rate, 0, 'f', 2).arg(double(length) / rate, 0, 'f', 2));
}

void AudioCompareView::refreshButtons() {
    for (int i = 0; i < 3; ++i) {
        m_buttons[i]->setEnabled(m_logic->hasTrack(i + 1));
        if (m_logic->current() == i + 1) m_buttons[i]->setChecked(true);
    }
    m_match->setEnabled(hasComparison());
}

} // namespace reverie::app
