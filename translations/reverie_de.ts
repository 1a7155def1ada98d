<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ImageSettings</name>
    <message>
        <source>There is no image to save.</source>
        <translation>Es gibt kein Bild zum Speichern.</translation>
    </message>
    <message>
        <source>%1 is an input of this run; choose another file name.</source>
        <translation>%1 ist eine Eingabe dieses Laufs; wählen Sie einen anderen Dateinamen.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>%1 carries no Reverie settings.</source>
        <translation>%1 enthält keine Reverie-Einstellungen.</translation>
    </message>
    <message>
        <source>The settings in %1 are damaged: %2</source>
        <translation>Die Einstellungen in %1 sind beschädigt: %2</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>time (s)</source>
        <translation>Zeit (s)</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>The settings file %1 could not be read; defaults are used and the damaged file was kept as %2.</source>
        <translation>Die Einstellungsdatei %1 konnte nicht gelesen werden; es werden die Standardwerte verwendet, und die beschädigte Datei wurde als %2 aufbewahrt.</translation>
    </message>
    <message>
        <source>Unknown device &quot;%1&quot; in the settings; using cpu.</source>
        <translation>Unbekanntes Gerät „%1“ in den Einstellungen; es wird cpu verwendet.</translation>
    </message>
    <message>
        <source>Invalid thread count &quot;%1&quot; in the settings; using one per core.</source>
        <translation>Ungültige Thread-Anzahl „%1“ in den Einstellungen; es wird ein Thread pro Kern verwendet.</translation>
    </message>
    <message>
        <source>Unknown language &quot;%1&quot; in the settings; using English.</source>
        <translation>Unbekannte Sprache „%1“ in den Einstellungen; es wird Englisch verwendet.</translation>
    </message>
    <message>
        <source>Cannot create the folder %1.</source>
        <translation>Der Ordner %1 kann nicht erstellt werden.</translation>
    </message>
    <message>
        <source>Cannot write the settings file %1.</source>
        <translation>Die Einstellungsdatei %1 kann nicht geschrieben werden.</translation>
    </message>
    <message>
        <source>No folder was given.</source>
        <translation>Es wurde kein Ordner angegeben.</translation>
    </message>
    <message>
        <source>The folder %1 does not exist and cannot be created.</source>
        <translation>Der Ordner %1 existiert nicht und kann nicht erstellt werden.</translation>
    </message>
    <message>
        <source>The folder %1 is not writable.</source>
        <translation>Der Ordner %1 ist nicht beschreibbar.</translation>
    </message>
    <message>
        <source>%1 Results are saved to %2 instead.</source>
        <translation>%1 Die Ergebnisse werden stattdessen in %2 gespeichert.</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Reverie: a desktop studio for diffusion models.</source>
        <translation>Reverie: ein Desktop-Studio für Diffusionsmodelle.</translation>
    </message>
    <message>
        <source>Open this workbench first (generate, restore, enhance, erase, tune, diagnostics).</source>
        <translation>Diese Werkbank zuerst öffnen (generate, restore, enhance, erase, tune, diagnostics).</translation>
    </message>
    <message>
        <source>Save a screenshot of the window to this PNG file (after Diagnostics when --run-diagnostics is given) and quit.</source>
        <translation>Einen Screenshot des Fensters in dieser PNG-Datei speichern (nach der Diagnose, wenn --run-diagnostics angegeben ist) und beenden.</translation>
    </message>
    <message>
        <source>Run &apos;reverie --help&apos; for the options.</source>
        <translation>Mit „reverie --help“ werden die Optionen angezeigt.</translation>
    </message>
    <message>
        <source>unknown workbench &apos;%1&apos;; known: %2</source>
        <translation>unbekannte Werkbank „%1“; bekannt: %2</translation>
    </message>
    <message>
        <source>Run Diagnostics once the window is up.</source>
        <translation>Diagnose ausführen, sobald das Fenster offen ist.</translation>
    </message>
</context>
<context>
    <name>reverie::app::DiagnosticsWorkbench</name>
    <message>
        <source>Diagnostics</source>
        <translation>Diagnose</translation>
    </message>
    <message>
        <source>Measures what this machine gives Reverie: the LibTorch build, the device, threads, the BLAS behind matrix products, matrix-product and convolution throughput, and the memory the measurement takes.</source>
        <translation>Misst, was dieser Rechner Reverie bietet: den LibTorch-Build, das Gerät, die Threads, die BLAS-Bibliothek hinter den Matrixprodukten, den Durchsatz von Matrixprodukten und Faltungen sowie den Speicher, den die Messung belegt.</translation>
    </message>
    <message>
        <source>Run diagnostics</source>
        <translation>Diagnose starten</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Quick (smaller sizes)</source>
        <translation>Schnell (kleinere Größen)</translation>
    </message>
    <message>
        <source>Not run yet.</source>
        <translation>Noch nicht ausgeführt.</translation>
    </message>
    <message>
        <source>Measure</source>
        <translation>Messgröße</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Wird gestartet…</translation>
    </message>
    <message>
        <source>Finished in %1 s.</source>
        <translation>Abgeschlossen in %1 s.</translation>
    </message>
    <message>
        <source>Cancelled; the previous results are kept.</source>
        <translation>Abgebrochen; die vorherigen Ergebnisse bleiben erhalten.</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Diagnostics: %1</source>
        <translation>Diagnose: %1</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <source>%1 — %2 ms</source>
        <translation>%1 — %2 ms</translation>
    </message>
    <message>
        <source>Diagnostics: step %1/%2</source>
        <translation>Diagnose: Schritt %1/%2</translation>
    </message>
    <message>
        <source>LibTorch version</source>
        <translation>LibTorch-Version</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message numerus="yes">
        <source>CUDA (%n device(s))</source>
        <translation>
            <numerusform>CUDA (%n Gerät)</numerusform>
            <numerusform>CUDA (%n Geräte)</numerusform>
        </translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA in this build</source>
        <translation>CUDA in diesem Build</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>Threads</translation>
    </message>
    <message>
        <source>%1 of %2 cores</source>
        <translation>%1 von %2 Kernen</translation>
    </message>
    <message>
        <source>Parallel backend</source>
        <translation>Parallel-Backend</translation>
    </message>
    <message>
        <source>BLAS</source>
        <translation>BLAS</translation>
    </message>
    <message>
        <source>BLAS library</source>
        <translation>BLAS-Bibliothek</translation>
    </message>
    <message>
        <source>Matrix product</source>
        <translation>Matrixprodukt</translation>
    </message>
    <message>
        <source>Convolution</source>
        <translation>Faltung</translation>
    </message>
    <message>
        <source>LibTorch memory peak</source>
        <translation>LibTorch-Speicherspitze</translation>
    </message>
    <message>
        <source>Process memory</source>
        <translation>Prozessspeicher</translation>
    </message>
    <message>
        <source>%1 (peak %2)</source>
        <translation>%1 (Spitze %2)</translation>
    </message>
    <message>
        <source>Wall time</source>
        <translation>Laufzeit</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>Matrix products use the slow reference BLAS (%1). Install libopenblas0-pthread for about 10× faster linear layers.</source>
        <translation>Matrixprodukte verwenden die langsame Referenz-BLAS (%1). Installieren Sie libopenblas0-pthread für etwa 10× schnellere lineare Schichten.</translation>
    </message>
    <message>
        <source>%1 GFLOP/s (best %2)</source>
        <translation>%1 GFLOP/s (bester Wert %2)</translation>
    </message>
</context>
<context>
    <name>reverie::app::Engine</name>
    <message>
        <source>Cancelled before it started</source>
        <translation>Vor dem Start abgebrochen</translation>
    </message>
</context>
<context>
    <name>reverie::app::GenerateWorkbench</name>
    <message>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <source>Sampling is not built yet: it arrives with the diffusion engine. Today this page trains the built-in models.</source>
        <translation>Sampling ist noch nicht verfügbar: Es kommt mit der Diffusions-Engine. Derzeit trainiert diese Seite die eingebauten Modelle.</translation>
    </message>
    <message>
        <source>Train a built-in model</source>
        <translation>Ein eingebautes Modell trainieren</translation>
    </message>
    <message>
        <source>Open recipe…</source>
        <translation>Rezept öffnen…</translation>
    </message>
    <message>
        <source>Recipe:</source>
        <translation>Rezept:</translation>
    </message>
    <message>
        <source>Checkpoint folder:</source>
        <translation>Checkpoint-Ordner:</translation>
    </message>
    <message>
        <source>to the end of the recipe</source>
        <translation>bis zum Ende des Rezepts</translation>
    </message>
    <message>
        <source> steps</source>
        <translation> Schritte</translation>
    </message>
    <message>
        <source>Run now:</source>
        <translation>Jetzt ausführen:</translation>
    </message>
    <message>
        <source>Resume from the checkpoint in that folder</source>
        <translation>Vom Checkpoint in diesem Ordner fortsetzen</translation>
    </message>
    <message>
        <source>Start training</source>
        <translation>Training starten</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Not running.</source>
        <translation>Läuft nicht.</translation>
    </message>
    <message>
        <source>step</source>
        <translation>Schritt</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>Trainings-Loss</translation>
    </message>
    <message>
        <source>Open recipe</source>
        <translation>Rezept öffnen</translation>
    </message>
    <message>
        <source>Recipes (*.json)</source>
        <translation>Rezepte (*.json)</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>Training</translation>
    </message>
    <message>
        <source>A training run is already going on.</source>
        <translation>Es läuft bereits ein Training.</translation>
    </message>
    <message>
        <source>Starting %1…</source>
        <translation>%1 wird gestartet…</translation>
    </message>
    <message>
        <source>Training %1</source>
        <translation>Training von %1</translation>
    </message>
    <message>
        <source>Finished at step %1: loss %2, %3 s/step, checkpoint %4</source>
        <translation>Beendet bei Schritt %1: Loss %2, %3 s/Schritt, Checkpoint %4</translation>
    </message>
    <message>
        <source>; test accuracy %1%</source>
        <translation>; Testgenauigkeit %1%</translation>
    </message>
    <message>
        <source>Stopped: %1</source>
        <translation>Angehalten: %1</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>Loss</translation>
    </message>
    <message>
        <source>Step %1 of %2 · loss %3 · %4 s/step · about %5 min left</source>
        <translation>Schritt %1 von %2 · Loss %3 · %4 s/Schritt · noch etwa %5 min</translation>
    </message>
</context>
<context>
    <name>reverie::app::MainWindow</name>
    <message>
        <source>Reverie</source>
        <translation>Reverie</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>Restaurieren</translation>
    </message>
    <message>
        <source>Denoise, deblur, super-resolve and inpaint images with a mean-reverting diffusion model and the MR Sampler.</source>
        <translation>Bilder mit einem Mean-Reverting-Diffusionsmodell und dem MR Sampler entrauschen, schärfen, hochskalieren (Super-Resolution) und ergänzen (Inpainting).</translation>
    </message>
    <message>
        <source>Enhance</source>
        <translation>Verbessern</translation>
    </message>
    <message>
        <source>Enhance noisy speech with a score-based model and audition noisy, enhanced and reference at the same playhead.</source>
        <translation>Verrauschte Sprache mit einem scorebasierten Modell verbessern und verrauschte, verbesserte und Referenzaufnahme an derselben Abspielposition anhören.</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Erase concepts from a text-to-image model, toggle each erased concept and probe whether it can be brought back.</source>
        <translation>Konzepte aus einem Text-zu-Bild-Modell löschen, jedes gelöschte Konzept einzeln umschalten und prüfen, ob es sich zurückholen lässt.</translation>
    </message>
    <message>
        <source>Tune</source>
        <translation>Feinabstimmen</translation>
    </message>
    <message>
        <source>Fine-tune models memory-efficiently with reversible adapters while watching the memory curve.</source>
        <translation>Modelle speichereffizient mit reversiblen Adaptern feinabstimmen und dabei die Speicherkurve beobachten.</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>Export telemetry as &amp;PNG…</source>
        <translation>Telemetrie als &amp;PNG exportieren…</translation>
    </message>
    <message>
        <source>Export telemetry as &amp;CSV…</source>
        <translation>Telemetrie als &amp;CSV exportieren…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About Reverie</source>
        <translation>Ü&amp;ber Reverie</translation>
    </message>
    <message>
        <source>About Reverie</source>
        <translation>Über Reverie</translation>
    </message>
    <message>
        <source>&lt;b&gt;Reverie %1&lt;/b&gt;&lt;br&gt;A desktop studio for diffusion models.&lt;br&gt;LibTorch %2, Qt %3.</source>
        <translation>&lt;b&gt;Reverie %1&lt;/b&gt;&lt;br&gt;Ein Desktop-Studio für Diffusionsmodelle.&lt;br&gt;LibTorch %2, Qt %3.</translation>
    </message>
    <message>
        <source>Idle</source>
        <translation>Bereit</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Device: CUDA</source>
        <translation>Gerät: CUDA</translation>
    </message>
    <message>
        <source>Device: CPU</source>
        <translation>Gerät: CPU</translation>
    </message>
    <message>
        <source>Threads: %1</source>
        <translation>Threads: %1</translation>
    </message>
    <message>
        <source>Preferences</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Running: %1</source>
        <translation>Läuft: %1</translation>
    </message>
    <message>
        <source>%1 finished</source>
        <translation>%1 abgeschlossen</translation>
    </message>
    <message>
        <source>%1 cancelled</source>
        <translation>%1 abgebrochen</translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation>%1 fehlgeschlagen: %2</translation>
    </message>
</context>
<context>
    <name>reverie::app::PlaceholderWorkbench</name>
    <message>
        <source>Not built yet: this workbench&apos;s engine is still being written.</source>
        <translation>Noch nicht verfügbar: Die Engine dieser Werkbank wird noch entwickelt.</translation>
    </message>
</context>
<context>
    <name>reverie::app::PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA GPU</source>
        <translation>CUDA-GPU</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Gerät:</translation>
    </message>
    <message>
        <source>One per core (%1)</source>
        <translation>Einer pro Kern (%1)</translation>
    </message>
    <message>
        <source>LibTorch threads:</source>
        <translation>LibTorch-Threads:</translation>
    </message>
    <message>
        <source>A new language takes effect when Reverie starts again.</source>
        <translation>Eine neue Sprache wird beim nächsten Start von Reverie wirksam.</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Sprache:</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>Output folder:</source>
        <translation>Ausgabeordner:</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>Ausgabeordner</translation>
    </message>
    <message>
        <source>Choose another folder.</source>
        <translation>Wählen Sie einen anderen Ordner.</translation>
    </message>
</context>
<context>
    <name>reverie::widgets::LogPanel</name>
    <message>
        <source>Show:</source>
        <translation>Anzeigen:</translation>
    </message>
    <message>
        <source>Debug and above</source>
        <translation>Debug und höher</translation>
    </message>
    <message>
        <source>Info and above</source>
        <translation>Info und höher</translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation>Warnungen und Fehler</translation>
    </message>
    <message>
        <source>Errors only</source>
        <translation>Nur Fehler</translation>
    </message>
</context>
<context>
    <name>reverie::widgets::SeriesPlot</name>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
</context>
<context>
    <name>reverie::widgets::TelemetryDock</name>
    <message>
        <source>Telemetry</source>
        <translation>Telemetrie</translation>
    </message>
    <message>
        <source>No samples yet</source>
        <translation>Noch keine Messwerte</translation>
    </message>
    <message>
        <source>Export PNG…</source>
        <translation>PNG exportieren…</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>CSV exportieren…</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <source>memory (MiB)</source>
        <translation>Speicher (MiB)</translation>
    </message>
    <message>
        <source>process RSS</source>
        <translation>Prozess-RSS</translation>
    </message>
    <message>
        <source>LibTorch allocated</source>
        <translation>LibTorch belegt</translation>
    </message>
    <message>
        <source>LibTorch peak</source>
        <translation>LibTorch-Spitze</translation>
    </message>
    <message>
        <source>GPU allocated</source>
        <translation>GPU belegt</translation>
    </message>
    <message>
        <source>NFE</source>
        <translation>NFE</translation>
    </message>
    <message>
        <source>network evaluations</source>
        <translation>Netzwerkauswertungen</translation>
    </message>
    <message>
        <source>step time (ms)</source>
        <translation>Schrittzeit (ms)</translation>
    </message>
    <message>
        <source>last step</source>
        <translation>letzter Schritt</translation>
    </message>
    <message>
        <source>RSS %1 MiB · LibTorch %2 MiB (peak %3 MiB)</source>
        <translation>RSS %1 MiB · LibTorch %2 MiB (Spitze %3 MiB)</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>the plots have no size yet</source>
        <translation>die Diagramme haben noch keine Größe</translation>
    </message>
    <message>
        <source>Export telemetry as CSV</source>
        <translation>Telemetrie als CSV exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>Export fehlgeschlagen</translation>
    </message>
    <message>
        <source>Export telemetry as PNG</source>
        <translation>Telemetrie als PNG exportieren</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG-Bilder (*.png)</translation>
    </message>
</context>
</TS>
