#include "logging.h"

#include <QDir>
#include <QStandardPaths>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace reverie::app {
namespace {

class BridgeSink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const QString text = QString::fromUtf8(msg.payload.data(), static_cast<qsizetype>(msg.payload.size()));
        Q_EMIT LogBridge::instance()->line(static_cast<int>(msg.level), text);
    }
    void flush_() override {}
};

} // namespace

LogBridge* LogBridge::instance() {
    static LogBridge* bridge = new LogBridge; // lives for the whole process
    return bridge;
}

QString defaultLogDir() {
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath(QStringLiteral("logs"));
}

LogSetup installLogging(bool withStderr, const QString& logDir) {
    LogSetup setup;
    std::vector<spdlog::sink_ptr> sinks;
    sinks.push_back(std::make_shared<BridgeSink>());
    if (withStderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());

    const QString dir = logDir.isEmpty() ? defaultLogDir() : logDir;
    if (QDir().mkpath(dir)) {
        const QString file = QDir(dir).filePath(QStringLiteral("reverie.log"));
        try {
            sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file.toStdString(), 5 * 1024 * 1024, 3));
            setup.file = file;
        } catch (const spdlog::spdlog_ex& e) {
            setup.error = QString::fromUtf8(e.what());
        }
    } else {
        setup.error = QStringLiteral("cannot create the log folder %1").arg(dir);
    }
    auto logger = std::make_shared<spdlog::logger>("reverie", sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::debug);
    logger->flush_on(spdlog::level::warn);
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
    spdlog::set_default_logger(logger);
    if (!setup.error.isEmpty()) spdlog::warn("log file unavailable: {}", setup.error.toStdString());
    return setup;
}

} // namespace reverie::app
