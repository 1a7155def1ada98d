#pragma once
// The history of a workbench's finished runs, kept across restarts: each run's settings (enough
// to run it again), its cost and quality figures, its result (an image scaled to at most
// kKeptSide pixels on its longer side) and a thumbnail. One folder per workbench,
// <history root>/<workbench>/<id>.json, <id>.png, <id>-thumb.png (and for audio runs <id>.wav and
// <id>-input.wav: the result and the input it was made from, 32-bit float WAV); the root is
// $REVERIE_CONFIG_DIR/history when that is set (tests), else the user's data folder. Bounded:
// the oldest runs go first once there are more than maxRuns or the folder holds more than
// maxBytes. A corrupt or foreign file in the folder is skipped, never fatal.
//
// Thread rules: GUI thread (plain file I/O of small files).

#include <QByteArray>
#include <QDateTime>
#include <QImage>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace reverie::app {

struct RunRecord {
    QString id;           ///< unique, sortable by time ("20261206-085900-123-1")
    QString workbench;    ///< "restore", "enhance", …
    QDateTime when;       ///< when the run finished (UTC)
    QString title;        ///< one line: method, NFE, task
    QJsonObject settings; ///< what the workbench needs to run it again
    QJsonObject figures;  ///< cost and quality: nfe, seconds, peak_mib, psnr, ssim, si_sdr, …
    QString resultFile;   ///< the kept result (PNG); "" when none
    QString thumbFile;    ///< thumbnail PNG; "" when none
    QString audioFile;    ///< the kept result audio (WAV); "" when none
    QString inputAudioFile; ///< the kept input audio (WAV) the run started from; "" when none
};

class RunHistory {
public:
    static constexpr int kKeptSide = 1024; ///< longest side of a kept result image
    static constexpr int kThumbSide = 96;  ///< longest side of a thumbnail

    /// The history of `workbench` in `dir` ("" = defaultDir(workbench)).
    explicit RunHistory(const QString& workbench, const QString& dir = {}, int maxRuns = 50,
                        qint64 maxBytes = qint64(200) * 1024 * 1024);

    static QString defaultDir(const QString& workbench);
    QString dir() const { return m_dir; }
    int maxRuns() const { return m_maxRuns; }
    qint64 maxBytes() const { return m_maxBytes; }

    /// The runs on disk, newest first (re-read each call: another window may have added some).
    QList<RunRecord> runs() const;
    std::optional<RunRecord> find(const QString& id) const;
    /// A result image made ready to keep: scaled down to kKeptSide (if larger) and a thumbnail,
    /// both PNG-encoded. A pure function for any thread: a job makes it beside its result, so
    /// that a 50-megapixel result is not scaled on the GUI thread.
    struct Prepared {
        QByteArray resultPng, thumbPng; ///< empty: no image
        QByteArray audioWav, inputWav;  ///< empty: no audio (wavBytes())
    };
    static Prepared prepare(const QImage& result);
    /// Mono samples as the bytes of a 32-bit float WAV file (values kept exactly; NaN/Inf as 0).
    /// Empty for no samples or a rate ≤ 0. A pure function for any thread.
    static QByteArray wavBytes(const float* samples, qsizetype count, int sampleRate);
    /// Keeps a finished run with its prepared result, then drops the oldest runs beyond the
    /// bounds. nullopt with *error when the folder cannot be written (nothing half-written is left).
    std::optional<RunRecord> addRun(const QString& title, const QJsonObject& settings,
                                    const QJsonObject& figures, const Prepared& result,
                                    QString* error = nullptr);
    /// addRun(…, prepare(result), …).
    std::optional<RunRecord> addImageRun(const QString& title, const QJsonObject& settings,
                                         const QJsonObject& figures, const QImage& result,
                                         QString* error = nullptr) {
        return addRun(title, settings, figures, prepare(result), error);
    }
    /// The kept result image of a run (null when it has none or it cannot be read).
    QImage resultImage(const RunRecord& r) const;
    /// Saves a run's kept result as a PNG with its settings and figures embedded (imagesettings.h),
    /// and `<name>.json` beside it with the whole record; never over the run's input file.
    bool exportImageRun(const QString& id, const QString& path, QString* error = nullptr) const;
    /// Saves a run's kept result audio as a WAV file with its settings and figures embedded (a
    /// LIST/INFO "ICMT" chunk holding the JSON, which players ignore), and `<name>.json` beside it
    /// with the whole record; never over the run's input file.
    bool exportAudioRun(const QString& id, const QString& path, QString* error = nullptr) const;
    /// Writes a run's record (title, time, settings, figures) as JSON to `<path without suffix>.json`
    /// (what the image and audio exports write beside their file).
    bool exportRecord(const QString& id, const QString& path, QString* error = nullptr) const;
    /// The JSON embedded by exportAudioRun() in a WAV file (nullopt, with *error, when there is none).
    static std::optional<QJsonObject> readWavSettings(const QString& path, QString* error = nullptr);
    bool remove(const QString& id);
    /// Removes every run of this workbench (and nothing else in the folder).
    void clear();
    /// Bytes the runs' files take (of `runs`, when the caller has just read them).
    qint64 bytes() const { return bytes(runs()); }
    qint64 bytes(const QList<RunRecord>& runs) const;

private:
    void enforceBounds();
    QStringList filesOf(const RunRecord& r) const; ///< the record and every file it keeps

    QString m_workbench;
    QString m_dir;
    int m_maxRuns;
    qint64 m_maxBytes;
};

} // namespace reverie::app
