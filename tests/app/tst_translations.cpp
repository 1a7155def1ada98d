// The German translation is complete (no unfinished message in the .ts) and embedded (:/i18n).

#include <QtTest>
#include <QTranslator>
#include <QXmlStreamReader>

class TestTranslations : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void germanIsComplete() {
        QFile ts(QStringLiteral(REVERIE_SOURCE_DIR "/translations/reverie_de.ts"));
        QVERIFY(ts.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&ts);
        int messages = 0, unfinished = 0, empty = 0;
        QStringList missing;
        QString source;
        while (!xml.atEnd()) {
            xml.readNext();
            if (!xml.isStartElement()) continue;
            if (xml.name() == QLatin1String("source")) source = xml.readElementText();
            if (xml.name() == QLatin1String("translation")) {
                ++messages;
                const auto type = xml.attributes().value(QStringLiteral("type"));
                if (type == QLatin1String("unfinished")) {
                    ++unfinished;
                    missing << source;
                } else if (type != QLatin1String("vanished") && type != QLatin1String("obsolete")) {
                    if (xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed().isEmpty()) ++empty;
                }
            }
        }
        QVERIFY(!xml.hasError());
        QVERIFY(messages > 50);
        QVERIFY2(unfinished == 0, qPrintable(QStringLiteral("untranslated: ") + missing.join(QStringLiteral(" | "))));
        QCOMPARE(empty, 0);
    }

    void germanIsEmbeddedAndLoads() {
        QTranslator tr;
        QVERIFY(tr.load(QStringLiteral(":/i18n/reverie_de.qm")));
        QCOMPARE(tr.translate("reverie::app::MainWindow", "&Preferences…"), QStringLiteral("&Einstellungen…"));
        QCOMPARE(tr.translate("DiagnosticsForm", "Run diagnostics"),
                 QStringLiteral("Diagnose starten"));
        QCOMPARE(tr.translate("reverie::widgets::TelemetryDock", "Telemetry"), QStringLiteral("Telemetrie"));
    }
};

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
