<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>DiagnosticsForm</name>
    <message>
        <source>&lt;h2&gt;Diagnostics&lt;/h2&gt;</source>
        <translation>&lt;h2&gt;Diagnose&lt;/h2&gt;</translation>
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
        <source>Smaller matrices and convolutions: a rougher figure in a few seconds</source>
        <translation>Kleinere Matrizen und Faltungen: ein gröberer Wert in wenigen Sekunden</translation>
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
</context>
<context>
    <name>EnhanceWorkbench</name>
    <message>
        <source>The demo needs the speech corpus (packaging/install-deps.sh): %1</source>
        <translation>Die Demo braucht das Sprachkorpus (packaging/install-deps.sh): %1</translation>
    </message>
</context>
<context>
    <name>EraseForm</name>
    <message>
        <source>Prompts (one per line)</source>
        <translation>Prompts (einer pro Zeile)</translation>
    </message>
    <message>
        <source>Images per prompt</source>
        <translation>Bilder pro Prompt</translation>
    </message>
    <message>
        <source>More images show the effect more reliably; each takes its share of the generation time</source>
        <translation>Mehr Bilder zeigen die Wirkung verlässlicher; jedes kostet seinen Anteil an der Erzeugungszeit</translation>
    </message>
    <message>
        <source>from seed</source>
        <translation>ab Seed</translation>
    </message>
    <message>
        <source>Sampler steps</source>
        <translation>Sampler-Schritte</translation>
    </message>
    <message>
        <source>DPM-Solver++(2M) steps: fewer is faster, more is closer to the model&apos;s own images</source>
        <translation>Schritte von DPM-Solver++(2M): weniger ist schneller, mehr kommt den eigenen Bildern des Modells näher</translation>
    </message>
    <message>
        <source>Guidance</source>
        <translation>Guidance</translation>
    </message>
    <message>
        <source>Classifier-free guidance: higher follows the prompt more strongly (and costs nothing extra)</source>
        <translation>Classifier-free Guidance: höher folgt dem Prompt stärker (und kostet nichts zusätzlich)</translation>
    </message>
    <message>
        <source>SLD away from</source>
        <translation>SLD weg von</translation>
    </message>
    <message>
        <source>Safe Latent Diffusion: guide every sample away from this concept at inference time.</source>
        <translation>Safe Latent Diffusion: jedes Sample bei der Inferenz von diesem Konzept weglenken.</translation>
    </message>
    <message>
        <source>Facilitated transport</source>
        <translation>Erleichterter Transport</translation>
    </message>
    <message>
        <source>Scale each SPM membrane per prompt by its permeability γ (shown beside each prompt).</source>
        <translation>Jede SPM-Membran pro Prompt mit ihrer Durchlässigkeit γ skalieren (neben jedem Prompt angezeigt).</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <source>Default prompts</source>
        <translation>Standard-Prompts</translation>
    </message>
    <message>
        <source>Concept library</source>
        <translation>Konzeptbibliothek</translation>
    </message>
    <message>
        <source>On</source>
        <translation>An</translation>
    </message>
    <message>
        <source>Concept</source>
        <translation>Konzept</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>Gewicht</translation>
    </message>
    <message>
        <source>Time (s)</source>
        <translation>Zeit (s)</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Concept word, e.g. sneaker</source>
        <translation>Konzeptwort, z. B. sneaker</translation>
    </message>
    <message>
        <source>UCE and RECE edit in milliseconds (closed form); ESD and SPM fine-tune for the steps beside (minutes)</source>
        <translation>UCE und RECE ändern in Millisekunden (geschlossene Form); ESD und SPM trainieren nach für die Schritte daneben (Minuten)</translation>
    </message>
    <message>
        <source>Training steps of ESD and SPM</source>
        <translation>Trainingsschritte von ESD und SPM</translation>
    </message>
    <message>
        <source>Erase concept…</source>
        <translation>Konzept löschen…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Save library…</source>
        <translation>Bibliothek speichern…</translation>
    </message>
    <message>
        <source>Load library…</source>
        <translation>Bibliothek laden…</translation>
    </message>
    <message>
        <source>Attack the selected concept</source>
        <translation>Das gewählte Konzept angreifen</translation>
    </message>
    <message>
        <source>Attack</source>
        <translation>Angreifen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
</context>
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
    <message>
        <source>after task %1</source>
        <translation>nach Aufgabe %1</translation>
    </message>
    <message>
        <source>task %1</source>
        <translation>Aufgabe %1</translation>
    </message>
</context>
<context>
    <name>RestoreForm</name>
    <message>
        <source>Input</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>Test image:</source>
        <translation>Testbild:</translation>
    </message>
    <message>
        <source>Index of a Fashion-MNIST test image (0–9999)</source>
        <translation>Index eines Fashion-MNIST-Testbilds (0–9999)</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>Datei:</translation>
    </message>
    <message>
        <source>open an image or drop one on this page</source>
        <translation>ein Bild öffnen oder auf diese Seite ziehen</translation>
    </message>
    <message>
        <source>Open image…</source>
        <translation>Bild öffnen…</translation>
    </message>
    <message>
        <source>Degrade first:</source>
        <translation>Zuerst verschlechtern:</translation>
    </message>
    <message>
        <source>Degrade the input with this task first: the clean image becomes the reference for PSNR and SSIM.</source>
        <translation>Die Eingabe zuerst mit dieser Aufgabe verschlechtern: Das saubere Bild wird zur Referenz für PSNR und SSIM.</translation>
    </message>
    <message>
        <source>Restoration</source>
        <translation>Restaurierung</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>Modell:</translation>
    </message>
    <message>
        <source>Use the photo denoiser for your own colour photographs (Gaussian noise); the Fashion-MNIST restorer knows all eight degradations but only small grey items.</source>
        <translation>Den Foto-Entrauscher für eigene Farbfotos verwenden (Gaußsches Rauschen); der Fashion-MNIST-Restaurierer kennt alle acht Störungen, aber nur kleine graue Motive.</translation>
    </message>
    <message>
        <source>Model folder:</source>
        <translation>Modellordner:</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>Öffnen…</translation>
    </message>
    <message>
        <source>Sampler:</source>
        <translation>Sampler:</translation>
    </message>
    <message>
        <source>NFE:</source>
        <translation>NFE:</translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation>Seed:</translation>
    </message>
    <message>
        <source>Seeds the degradation and the sampler&apos;s noise</source>
        <translation>Startwert für die Verschlechterung und das Rauschen des Samplers</translation>
    </message>
    <message>
        <source>λ (0–255):</source>
        <translation>λ (0–255):</translation>
    </message>
    <message>
        <source>The IR-SDE&apos;s stationary noise level λ on the 0–255 scale (50 is IR-SDE&apos;s usual choice)</source>
        <translation>Stationäres Rauschniveau λ der IR-SDE auf der Skala 0–255 (50 ist die übliche Wahl der IR-SDE)</translation>
    </message>
    <message>
        <source>Classical peer</source>
        <translation>Klassisches Vergleichsverfahren</translation>
    </message>
    <message>
        <source>Also restore with the task&apos;s classical method (non-local means, Wiener, bicubic, inpainting) for comparison; needs a task to degrade with</source>
        <translation>Zum Vergleich auch mit dem klassischen Verfahren der Aufgabe restaurieren (Non-Local Means, Wiener, bikubisch, Inpainting); braucht eine Aufgabe zum Verschlechtern</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>Restaurieren</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Save result…</source>
        <translation>Ergebnis speichern…</translation>
    </message>
    <message>
        <source>Load settings…</source>
        <translation>Einstellungen laden…</translation>
    </message>
    <message>
        <source>Restore the settings from a PNG saved by this workbench</source>
        <translation>Die Einstellungen aus einem von dieser Werkbank gespeicherten PNG wiederherstellen</translation>
    </message>
    <message>
        <source>Choose an input and press Restore.</source>
        <translation>Eine Eingabe wählen und „Restaurieren“ drücken.</translation>
    </message>
    <message>
        <source>While restoring: x_t (left) and the estimate x̂_0 (right) at every step.</source>
        <translation>Während des Restaurierens: x_t (links) und die Schätzung x̂_0 (rechts) bei jedem Schritt.</translation>
    </message>
    <message>
        <source>Left:</source>
        <translation>Links:</translation>
    </message>
    <message>
        <source>Right:</source>
        <translation>Rechts:</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Verkleinern</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Vergrößern</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>Einpassen</translation>
    </message>
    <message>
        <source>Fit the images to the view</source>
        <translation>Die Bilder in die Ansicht einpassen</translation>
    </message>
    <message>
        <source>Metrics</source>
        <translation>Metriken</translation>
    </message>
    <message>
        <source>&lt;b&gt;PSNR (dB)&lt;/b&gt;</source>
        <translation>&lt;b&gt;PSNR (dB)&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;SSIM&lt;/b&gt;</source>
        <translation>&lt;b&gt;SSIM&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>NFE</source>
        <translation>NFE</translation>
    </message>
    <message>
        <source>Seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>Peer</source>
        <translation>Vergleich</translation>
    </message>
    <message>
        <source>Scores are against the clean reference; without a task there is none.</source>
        <translation>Die Werte beziehen sich auf die saubere Referenz; ohne Aufgabe gibt es keine.</translation>
    </message>
    <message>
        <source>folder with weights.pt and card.json, or an IR-SDE checkpoint</source>
        <translation>Ordner mit weights.pt und card.json oder ein IR-SDE-Checkpoint</translation>
    </message>
    <message>
        <source>A model folder (weights.pt and card.json)</source>
        <translation>Ein Modellordner (weights.pt und card.json)</translation>
    </message>
    <message>
        <source>Open checkpoint…</source>
        <translation>Checkpoint öffnen…</translation>
    </message>
    <message>
        <source>A published IR-SDE checkpoint (.pth; ConditionalUNet). Set λ to the max_sigma it was trained with (10 deraining/deblurring, 30 super-resolution/inpainting, 75 denoising); its own sampler is posterior sampling at 100 NFE.</source>
        <translation>Ein veröffentlichter IR-SDE-Checkpoint (.pth; ConditionalUNet). Setzen Sie λ auf das max_sigma, mit dem er trainiert wurde (10 Regenentfernung/Entschärfung, 30 Superauflösung/Inpainting, 75 Entrauschen); sein eigener Sampler ist Posterior-Sampling mit 100 NFE.</translation>
    </message>
    <message>
        <source>Noise σ (0–255):</source>
        <translation>Rauschen σ (0–255):</translation>
    </message>
    <message>
        <source>estimate</source>
        <translation>schätzen</translation>
    </message>
    <message>
        <source>The noise level of the input, for a model that takes it (the photo denoiser): &quot;estimate&quot; measures it from the image; a number tells the model</source>
        <translation>Der Rauschpegel der Eingabe für ein Modell, das ihn nutzt (der Foto-Entrauscher): „schätzen“ misst ihn am Bild; eine Zahl gibt ihn dem Modell vor</translation>
    </message>
    <message>
        <source>Its problem:</source>
        <translation>Sein Problem:</translation>
    </message>
    <message>
        <source>What is wrong with your own file, if you know (used when nothing is degraded first): the photo restorer is told the task, and that there is no noise for the tasks other than noise; 2×/4× enlarge the file first, so that the result is the super-resolved image.</source>
        <translation>Was mit Ihrer eigenen Datei nicht stimmt, falls Sie es wissen (gilt, wenn nichts zuerst verschlechtert wird): Der Foto-Restaurator erfährt die Aufgabe und, bei anderen Aufgaben als Rauschen, dass kein Rauschen vorliegt; 2×/4× vergrößern die Datei zuerst, sodass das Ergebnis das hochaufgelöste Bild ist.</translation>
    </message>
    <message>
        <source>Network evaluations (= sampler steps): fewer is faster; the MR Sampler needs 3–10, posterior sampling 100</source>
        <translation>Netzauswertungen (= Sampler-Schritte): weniger ist schneller; der MR Sampler braucht 3–10, Posterior-Sampling 100</translation>
    </message>
    <message>
        <source>Missing pixels:</source>
        <translation>Fehlende Pixel:</translation>
    </message>
    <message>
        <source>a mask image (non-black = missing) to inpaint your file</source>
        <translation>ein Maskenbild (nicht schwarz = fehlt), um Ihre Datei zu ergänzen</translation>
    </message>
    <message>
        <source>Inpainting your own file: an image of the same size whose non-black pixels mark what is missing. The holes start from OpenCV&apos;s fill, the photo restorer refines them, and the known pixels are kept.</source>
        <translation>Ergänzen Ihrer eigenen Datei: ein Bild gleicher Größe, dessen nicht schwarze Pixel markieren, was fehlt. Die Lücken beginnen mit der Füllung von OpenCV, der Foto-Restaurierer verfeinert sie, und die bekannten Pixel bleiben erhalten.</translation>
    </message>
    <message>
        <source>Mask…</source>
        <translation>Maske…</translation>
    </message>
    <message>
        <source>Consistent with the input</source>
        <translation>Konsistent mit der Eingabe</translation>
    </message>
    <message>
        <source>When the degradation is known (a demo pair, 2×/4× of your own file, a mask), the result is made to reproduce the input: down-sampling it gives your file back, the known pixels are kept, the known blur gives the blurred input. Off: the model&apos;s output as it is.</source>
        <translation>Wenn die Störung bekannt ist (ein Demo-Paar, 2×/4× Ihrer eigenen Datei, eine Maske), wird das Ergebnis so angepasst, dass es die Eingabe wiedergibt: Herunterskaliert ergibt es Ihre Datei, die bekannten Pixel bleiben erhalten, die bekannte Unschärfe ergibt die unscharfe Eingabe. Aus: die Ausgabe des Modells, wie sie ist.</translation>
    </message>
    <message>
        <source>Plug-and-play with the photo denoiser</source>
        <translation>Plug-and-play mit dem Foto-Entrauscher</translation>
    </message>
    <message>
        <source>With a known blur kernel or down-sampling (a demo pair, 2×/4× of your own file): instead of one run of the model, the photo denoiser is the prior of a few denoise-then-make-consistent steps from the classical result made consistent (docs/methods.md, &quot;Plug-and-play with the photo denoiser&quot;)</source>
        <translation>Bei bekanntem Unschärfekern oder bekannter Verkleinerung (ein Demo-Paar, 2×/4× Ihrer eigenen Datei): statt eines Laufs des Modells dient der Foto-Entrauscher als Prior einiger Schritte aus Entrauschen und Konsistent-Machen, ausgehend vom konsistent gemachten klassischen Ergebnis (docs/methods.md, „Plug-and-play with the photo denoiser“)</translation>
    </message>
</context>
<context>
    <name>RunHistory</name>
    <message>
        <source>That run is no longer in the history.</source>
        <translation>Dieser Lauf ist nicht mehr im Verlauf.</translation>
    </message>
    <message>
        <source>The result of that run could not be read from the history.</source>
        <translation>Das Ergebnis dieses Laufs konnte nicht aus dem Verlauf gelesen werden.</translation>
    </message>
    <message>
        <source>The image was saved, its JSON not: %1</source>
        <translation>Das Bild wurde gespeichert, sein JSON nicht: %1</translation>
    </message>
    <message>
        <source>The kept audio of that run is not a WAV file.</source>
        <translation>Das aufbewahrte Audio dieses Laufs ist keine WAV-Datei.</translation>
    </message>
    <message>
        <source>Refusing to write over the run&apos;s input file.</source>
        <translation>Die Eingabedatei des Laufs wird nicht überschrieben.</translation>
    </message>
    <message>
        <source>The audio was saved, its JSON not: %1</source>
        <translation>Das Audio wurde gespeichert, sein JSON nicht: %1</translation>
    </message>
</context>
<context>
    <name>SampleForm</name>
    <message>
        <source>Sampling</source>
        <translation>Sampling</translation>
    </message>
    <message>
        <source>Model folder:</source>
        <translation>Modellordner:</translation>
    </message>
    <message>
        <source>folder with weights.pt and card.json</source>
        <translation>Ordner mit weights.pt und card.json</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>Öffnen…</translation>
    </message>
    <message>
        <source>SDE:</source>
        <translation>SDE:</translation>
    </message>
    <message>
        <source>The same weights serve every SDE by exact rescaling.</source>
        <translation>Dieselben Gewichte dienen durch exakte Umskalierung jeder SDE.</translation>
    </message>
    <message>
        <source>Sampler:</source>
        <translation>Sampler:</translation>
    </message>
    <message>
        <source>NFE:</source>
        <translation>NFE:</translation>
    </message>
    <message>
        <source>Network evaluations the sampler may spend: more is slower and, up to a point, better</source>
        <translation>Netzauswertungen, die der Sampler verwenden darf: mehr ist langsamer und bis zu einem Punkt besser</translation>
    </message>
    <message>
        <source>Guidance:</source>
        <translation>Guidance:</translation>
    </message>
    <message>
        <source>Classifier-free guidance w: 0 = unconditional, 1 = conditional model, above 1 = stronger</source>
        <translation>Classifier-free Guidance w: 0 = unbedingt, 1 = bedingtes Modell, über 1 = stärker</translation>
    </message>
    <message>
        <source>Class:</source>
        <translation>Klasse:</translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation>Seed:</translation>
    </message>
    <message>
        <source>Item i uses seed + i, so an item is the same whatever the batch</source>
        <translation>Element i verwendet Seed + i, damit ein Element unabhängig von der Batchgröße gleich bleibt</translation>
    </message>
    <message>
        <source>Samples:</source>
        <translation>Samples:</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Save PNG…</source>
        <translation>PNG speichern…</translation>
    </message>
    <message>
        <source>Load settings from PNG…</source>
        <translation>Einstellungen aus PNG laden…</translation>
    </message>
    <message>
        <source>Likelihood</source>
        <translation>Likelihood</translation>
    </message>
    <message>
        <source> images</source>
        <translation> Bilder</translation>
    </message>
    <message>
        <source>Bits/dim of test images…</source>
        <translation>Bits/Dim der Testbilder…</translation>
    </message>
    <message>
        <source>Probability-flow ODE likelihood of the first test images, with the model folder and SDE above</source>
        <translation>Likelihood der ersten Testbilder über die Probability-Flow-ODE, mit Modellordner und SDE von oben</translation>
    </message>
    <message>
        <source>Not measured.</source>
        <translation>Nicht gemessen.</translation>
    </message>
    <message>
        <source>Samples appear here: while sampling, x_t (left) and the denoiser&apos;s estimate x̂_0 (right) at every step.</source>
        <translation>Hier erscheinen die Samples: während des Samplings x_t (links) und die Schätzung x̂_0 des Denoisers (rechts) bei jedem Schritt.</translation>
    </message>
    <message>
        <source>Choose settings and press Generate.</source>
        <translation>Einstellungen wählen und „Erzeugen“ drücken.</translation>
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
    <message>
        <source>The last-used settings (%1) were not restored: %2</source>
        <translation>Die zuletzt verwendeten Einstellungen (%1) wurden nicht wiederhergestellt: %2</translation>
    </message>
    <message>
        <source>the file is larger than 1 MiB</source>
        <translation>die Datei ist größer als 1 MiB</translation>
    </message>
    <message>
        <source>it does not hold a JSON object</source>
        <translation>sie enthält kein JSON-Objekt</translation>
    </message>
</context>
<context>
    <name>TrainForm</name>
    <message>
        <source>Train a model from a recipe</source>
        <translation>Ein Modell nach einem Rezept trainieren</translation>
    </message>
    <message>
        <source>Recipe:</source>
        <translation>Rezept:</translation>
    </message>
    <message>
        <source>The built-in models&apos; recipes (resources/recipes) and any recipe you open</source>
        <translation>Die Rezepte der eingebauten Modelle (resources/recipes) und jedes Rezept, das Sie öffnen</translation>
    </message>
    <message>
        <source>Open recipe…</source>
        <translation>Rezept öffnen…</translation>
    </message>
    <message>
        <source>Task:</source>
        <translation>Aufgabe:</translation>
    </message>
    <message>
        <source>Checkpoint folder:</source>
        <translation>Checkpoint-Ordner:</translation>
    </message>
    <message>
        <source>Run now:</source>
        <translation>Jetzt ausführen:</translation>
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
        <source>Train this many steps now and stop with a checkpoint; resume later from the same folder</source>
        <translation>Jetzt so viele Schritte trainieren und mit einem Checkpoint anhalten; später aus demselben Ordner fortsetzen</translation>
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
        <source>Method:</source>
        <translation>Methode:</translation>
    </message>
    <message>
        <source>How a fine-tuning recipe trains the pretrained network: what it stores for backpropagation decides its memory</source>
        <translation>Wie ein Feinabstimmungsrezept das vortrainierte Netz trainiert: was es für die Rückpropagation speichert, bestimmt seinen Speicherbedarf</translation>
    </message>
    <message>
        <source>Activation memory of every step (allocator peak minus weights, gradients and optimizer state); each run keeps its curve</source>
        <translation>Aktivierungsspeicher jedes Schritts (Spitze des Allokators abzüglich Gewichte, Gradienten und Optimiererzustand); jeder Lauf behält seine Kurve</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <source>Peak activation MiB</source>
        <translation>Spitze Aktivierungen MiB</translation>
    </message>
    <message>
        <source>s/step</source>
        <translation>s/Schritt</translation>
    </message>
    <message>
        <source>Trainable parameters</source>
        <translation>Trainierbare Parameter</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>Verlust</translation>
    </message>
    <message>
        <source>Sample base and tuned</source>
        <translation>Basis und abgestimmtes Modell abtasten</translation>
    </message>
    <message>
        <source>Base model</source>
        <translation>Basismodell</translation>
    </message>
    <message>
        <source>Tuned adapters</source>
        <translation>Feinabgestimmte Adapter</translation>
    </message>
    <message>
        <source>Every fine-tuning run writes its adapter (adapter.safetensors beside the checkpoint). Switch one on to apply it to the base model: the right grid regenerates on the same seeds; switched off, both grids are the base model&apos;s</source>
        <translation>Jeder Feinabstimmungslauf schreibt seinen Adapter (adapter.safetensors neben dem Checkpoint). Schalten Sie einen ein, um ihn auf das Basismodell anzuwenden: das rechte Raster wird mit denselben Seeds neu erzeugt; ausgeschaltet zeigen beide Raster das Basismodell</translation>
    </message>
    <message>
        <source>Load adapter…</source>
        <translation>Adapter laden…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Draw the adapter&apos;s classes from the base model and, with the adapter switched on, from the tuned model on the same seeds</source>
        <translation>Die Klassen des Adapters aus dem Basismodell und, mit eingeschaltetem Adapter, aus dem feinabgestimmten Modell mit denselben Seeds ziehen</translation>
    </message>
    <message>
        <source>Base model with the adapter switched on (same seeds)</source>
        <translation>Basismodell mit eingeschaltetem Adapter (dieselben Seeds)</translation>
    </message>
    <message>
        <source>Peak activation memory and seconds per step of every run so far</source>
        <translation>Spitzen-Aktivierungsspeicher und Sekunden pro Schritt aller bisherigen Läufe</translation>
    </message>
    <message>
        <source>Modulation:</source>
        <translation>Modulation:</translation>
    </message>
    <message>
        <source>What adapters, LoRA and MEFT do with the adaLN modulation, the maps through which the class and the noise level steer every block (full fine-tuning trains them anyway)</source>
        <translation>Was Adapter, LoRA und MEFT mit der adaLN-Modulation tun, den Abbildungen, über die Klasse und Rauschstärke jeden Block steuern (volles Fine-Tuning trainiert sie ohnehin)</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Reverie: a desktop studio for diffusion models.</source>
        <translation>Reverie: ein Desktop-Studio für Diffusionsmodelle.</translation>
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
        <source>Run the workbench&apos;s main action with its shown settings once the window is up.</source>
        <translation>Die Hauptaktion der Werkbank mit den angezeigten Einstellungen ausführen, sobald das Fenster offen ist.</translation>
    </message>
    <message>
        <source>With --run: the input file (Restore: an image; Enhance: noisy audio).</source>
        <translation>Mit --run: die Eingabedatei (Restaurieren: ein Bild; Verbessern: verrauschtes Audio).</translation>
    </message>
    <message>
        <source>With --run: the clean reference (Enhance: audio for the scores).</source>
        <translation>Mit --run: die saubere Referenz (Verbessern: Audio für die Bewertungen).</translation>
    </message>
    <message>
        <source>Save a screenshot of the window to this PNG file (after the run when --run is given) and quit.</source>
        <translation>Ein Bildschirmfoto des Fensters in diese PNG-Datei speichern (nach dem Lauf, wenn --run angegeben ist) und beenden.</translation>
    </message>
    <message>
        <source>Same as --workbench %1 --run.</source>
        <translation>Wie --workbench %1 --run.</translation>
    </message>
    <message>
        <source>With --run: a model folder, checkpoint file or built-in name.</source>
        <translation>Mit --run: ein Modellordner, eine Checkpoint-Datei oder ein eingebauter Name.</translation>
    </message>
    <message>
        <source>A word for --run (Erase: the concept to erase; Restore: &apos;compare&apos;, the run beside the one before it).</source>
        <translation>Ein Wort für --run (Löschen: das zu löschende Konzept; Restaurieren: &apos;compare&apos;, der Lauf neben dem vorigen).</translation>
    </message>
    <message>
        <source>Open this workbench first (start, generate, restore, enhance, erase, tune, diagnostics).</source>
        <translation>Diese Werkbank zuerst öffnen (start, generate, restore, enhance, erase, tune, diagnostics).</translation>
    </message>
</context>
<context>
    <name>reverie::app</name>
    <message>
        <source>Choose a Stable Diffusion 1.x checkpoint first (Open checkpoint…).</source>
        <translation>Wählen Sie zuerst einen Stable-Diffusion-1.x-Checkpoint (Checkpoint öffnen…).</translation>
    </message>
    <message>
        <source>Type the concept to erase first.</source>
        <translation>Geben Sie zuerst das zu löschende Konzept ein.</translation>
    </message>
    <message>
        <source>Cannot create the folder %1 for the edit file.</source>
        <translation>Der Ordner %1 für die Änderungsdatei kann nicht angelegt werden.</translation>
    </message>
    <message>
        <source>Erasing &quot;%1&quot; (%2)…</source>
        <translation>Lösche &quot;%1&quot; (%2)…</translation>
    </message>
    <message>
        <source>Erase &quot;%1&quot;</source>
        <translation>&quot;%1&quot; löschen</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Erased &quot;%1&quot; from %2 K/V matrices in %3 s (gap to the guide left: %4). Generate again with the same seed to compare; uncheck the edit to undo it.</source>
        <translation>&quot;%1&quot; aus %2 K/V-Matrizen in %3 s gelöscht (verbleibender Abstand zur Vorgabe: %4). Erzeugen Sie mit demselben Seed erneut, um zu vergleichen; entfernen Sie das Häkchen, um die Änderung aufzuheben.</translation>
    </message>
    <message>
        <source>Erasing failed: %1</source>
        <translation>Löschen fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Erase &quot;%1&quot; (%2)</source>
        <translation>„%1“ löschen (%2)</translation>
    </message>
    <message>
        <source>Erased &quot;%1&quot; by %2: %3 steps in %4 s; the objective on held-out noise went from %5 to %6. Generate again with the same seed to compare; uncheck the edit to undo it.</source>
        <translation>„%1“ mit %2 gelöscht: %3 Schritte in %4 s; das Ziel auf zurückgehaltenem Rauschen ging von %5 auf %6. Mit demselben Seed neu erzeugen, um zu vergleichen; die Änderung abwählen, um sie rückgängig zu machen.</translation>
    </message>
</context>
<context>
    <name>reverie::app::AudioCompareView</name>
    <message>
        <source>Select two runs and press Compare: A above, B below, heard at the same position.</source>
        <translation>Zwei Läufe wählen und „Vergleichen“ drücken: A oben, B unten, an derselben Stelle zu hören.</translation>
    </message>
    <message>
        <source>Wheel: zoom both rows about the cursor; double-click: the whole track; click: seek; drag: loop region</source>
        <translation>Mausrad: beide Zeilen um den Cursor zoomen; Doppelklick: die ganze Spur; Klick: springen; Ziehen: Schleifenbereich</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>A&apos;s input</source>
        <translation>Eingabe von A</translation>
    </message>
    <message>
        <source>Hear run A&apos;s enhanced track (key 1)</source>
        <translation>Die verbesserte Spur von Lauf A hören (Taste 1)</translation>
    </message>
    <message>
        <source>Hear run B&apos;s enhanced track (key 2)</source>
        <translation>Die verbesserte Spur von Lauf B hören (Taste 2)</translation>
    </message>
    <message>
        <source>Hear the noisy input run A started from (key 3)</source>
        <translation>Die verrauschte Eingabe hören, von der Lauf A ausging (Taste 3)</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Abspielen</translation>
    </message>
    <message>
        <source>Play or pause (Space)</source>
        <translation>Abspielen oder anhalten (Leertaste)</translation>
    </message>
    <message>
        <source>Match loudness</source>
        <translation>Lautheit angleichen</translation>
    </message>
    <message>
        <source>Play every track at run A&apos;s loudness, so that the louder one does not sound better only for being louder</source>
        <translation>Jede Spur mit der Lautheit von Lauf A abspielen, damit die lautere nicht nur wegen ihrer Lautstärke besser klingt</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>%1 s / %2 s</source>
        <translation>%1 s / %2 s</translation>
    </message>
</context>
<context>
    <name>reverie::app::ContinualPanel</name>
    <message>
        <source>Fine-tuning (no protection)</source>
        <translation>Feinabstimmung (ohne Schutz)</translation>
    </message>
    <message>
        <source>EWC (online)</source>
        <translation>EWC (online)</translation>
    </message>
    <message>
        <source>Experience replay</source>
        <translation>Experience Replay</translation>
    </message>
    <message>
        <source>DER++</source>
        <translation>DER++</translation>
    </message>
    <message>
        <source>How earlier tasks are protected: replay keeps a buffer of 200 examples and costs a second pass per step; EWC only adds a penalty</source>
        <translation>Wie frühere Aufgaben geschützt werden: Replay hält einen Puffer von 200 Beispielen und kostet einen zweiten Durchlauf pro Schritt; EWC fügt nur einen Strafterm hinzu</translation>
    </message>
    <message>
        <source>Refresh learning</source>
        <translation>Refresh-Lernen</translation>
    </message>
    <message>
        <source>After every step, unlearn the batch a little (Fisher-damped gradient ascent with noise), then relearn: one more pass per step</source>
        <translation>Nach jedem Schritt den Batch ein wenig verlernen (Fisher-gedämpfter Gradientenanstieg mit Rauschen), dann neu lernen: ein Durchlauf mehr pro Schritt</translation>
    </message>
    <message>
        <source>Training steps of 32 images per task: more learn each task better and take longer</source>
        <translation>Trainingsschritte mit 32 Bildern pro Aufgabe: mehr lernen jede Aufgabe besser und dauern länger</translation>
    </message>
    <message>
        <source>Method:</source>
        <translation>Methode:</translation>
    </message>
    <message>
        <source>Steps per task:</source>
        <translation>Schritte pro Aufgabe:</translation>
    </message>
    <message>
        <source>Learn the five tasks</source>
        <translation>Die fünf Aufgaben lernen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Split Fashion-MNIST: five tasks of two classes learned in turn by the classifier&apos;s architecture. Each cell is the accuracy on a task (column) after learning a task (row): class-incremental chooses among all ten classes, task-incremental between the task&apos;s two.</source>
        <translation>Split Fashion-MNIST: fünf Aufgaben mit je zwei Klassen, nacheinander von der Architektur des Klassifikators gelernt. Jede Zelle ist die Genauigkeit auf einer Aufgabe (Spalte) nach dem Lernen einer Aufgabe (Zeile): klasseninkrementell wählt unter allen zehn Klassen, aufgabeninkrementell zwischen den zwei der Aufgabe.</translation>
    </message>
    <message>
        <source>Not run yet.</source>
        <translation>Noch nicht ausgeführt.</translation>
    </message>
    <message>
        <source>&lt;b&gt;Class-incremental accuracy %&lt;/b&gt;</source>
        <translation>&lt;b&gt;Klasseninkrementelle Genauigkeit %&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Task-incremental accuracy %&lt;/b&gt;</source>
        <translation>&lt;b&gt;Aufgabeninkrementelle Genauigkeit %&lt;/b&gt;</translation>
    </message>
    <message>
        <source>tasks learned</source>
        <translation>gelernte Aufgaben</translation>
    </message>
    <message>
        <source>average accuracy so far (%)</source>
        <translation>bisherige mittlere Genauigkeit (%)</translation>
    </message>
    <message>
        <source> + refresh</source>
        <translation> + Refresh</translation>
    </message>
    <message>
        <source>Continual learning: %1</source>
        <translation>Kontinuierliches Lernen: %1</translation>
    </message>
    <message>
        <source>%1: class-incremental average %2 %, forgetting %3 %; task-incremental average %4 %, forgetting %5 % (%6 s)</source>
        <translation>%1: klasseninkrementell Mittel %2 %, Vergessen %3 %; aufgabeninkrementell Mittel %4 %, Vergessen %5 % (%6 s)</translation>
    </message>
    <message>
        <source>Continual learning stopped: %1</source>
        <translation>Kontinuierliches Lernen angehalten: %1</translation>
    </message>
    <message>
        <source>Continual learning failed: %1</source>
        <translation>Kontinuierliches Lernen fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Learning task 1 of 5 with %1…</source>
        <translation>Aufgabe 1 von 5 wird mit %1 gelernt…</translation>
    </message>
    <message>
        <source> (class-IL)</source>
        <translation> (klasseninkrementell)</translation>
    </message>
    <message>
        <source> (task-IL)</source>
        <translation> (aufgabeninkrementell)</translation>
    </message>
    <message>
        <source>Learned task %1 of 5 with %2 · %3 s</source>
        <translation>Aufgabe %1 von 5 mit %2 gelernt · %3 s</translation>
    </message>
    <message>
        <source> — the loss stopped being finite at %1; learning stopped there</source>
        <translation> — der Verlust war ab %1 nicht mehr endlich; dort endete das Lernen</translation>
    </message>
</context>
<context>
    <name>reverie::app::DiagnosticsWorkbench</name>
    <message>
        <source>Diagnostics</source>
        <translation>Diagnose</translation>
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
    <name>reverie::app::EnhanceView</name>
    <message>
        <source>Noisy</source>
        <translation>Verrauscht</translation>
    </message>
    <message>
        <source>Enhanced</source>
        <translation>Verbessert</translation>
    </message>
    <message>
        <source>Reference</source>
        <translation>Referenz</translation>
    </message>
    <message>
        <source>Residual</source>
        <translation>Rest</translation>
    </message>
    <message>
        <source>Enhance</source>
        <translation>Verbessern</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Export enhanced WAV…</source>
        <translation>Verbesserte WAV exportieren…</translation>
    </message>
    <message>
        <source>Open a noisy recording (or drop one here) and press Enhance.</source>
        <translation>Öffnen Sie eine verrauschte Aufnahme (oder ziehen Sie eine hierher) und drücken Sie „Verbessern“.</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>open, drop or record noisy speech</source>
        <translation>verrauschte Sprache öffnen, hierher ziehen oder aufnehmen</translation>
    </message>
    <message>
        <source>Open noisy file…</source>
        <translation>Verrauschte Datei öffnen…</translation>
    </message>
    <message>
        <source>optional: the clean speech, for scores</source>
        <translation>optional: die saubere Sprache, für die Bewertung</translation>
    </message>
    <message>
        <source>Open reference…</source>
        <translation>Referenz öffnen…</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Aufnehmen</translation>
    </message>
    <message>
        <source>No microphone found</source>
        <translation>Kein Mikrofon gefunden</translation>
    </message>
    <message>
        <source>Record noisy speech from %1 (16 kHz mono); press again to stop</source>
        <translation>Verrauschte Sprache von %1 aufnehmen (16 kHz mono); zum Beenden erneut drücken</translation>
    </message>
    <message>
        <source>Noisy:</source>
        <translation>Verrauscht:</translation>
    </message>
    <message>
        <source>Reference:</source>
        <translation>Referenz:</translation>
    </message>
    <message>
        <source>Enhancement</source>
        <translation>Verbesserung</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>Modell:</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>Öffnen…</translation>
    </message>
    <message>
        <source>Model folder:</source>
        <translation>Modellordner:</translation>
    </message>
    <message>
        <source>Open model folder</source>
        <translation>Modellordner öffnen</translation>
    </message>
    <message>
        <source>Sampler:</source>
        <translation>Sampler:</translation>
    </message>
    <message>
        <source>default</source>
        <translation>Standard</translation>
    </message>
    <message>
        <source>Network evaluations per chunk; 0 = the sampler&apos;s default (%1 for the default sampler)</source>
        <translation>Netzauswertungen pro Abschnitt; 0 = Standard des Samplers (%1 beim Standard-Sampler)</translation>
    </message>
    <message>
        <source>NFE:</source>
        <translation>NFE:</translation>
    </message>
    <message>
        <source>Seeds the sampler&apos;s noise</source>
        <translation>Startwert für das Rauschen des Samplers</translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation>Seed:</translation>
    </message>
    <message>
        <source>Metrics</source>
        <translation>Metriken</translation>
    </message>
    <message>
        <source>&lt;b&gt;Noisy&lt;/b&gt;</source>
        <translation>&lt;b&gt;Verrauscht&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Enhanced&lt;/b&gt;</source>
        <translation>&lt;b&gt;Verbessert&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Gain&lt;/b&gt;</source>
        <translation>&lt;b&gt;Gewinn&lt;/b&gt;</translation>
    </message>
    <message>
        <source>SI-SDR (dB)</source>
        <translation>SI-SDR (dB)</translation>
    </message>
    <message>
        <source>SI-SIR (dB)</source>
        <translation>SI-SIR (dB)</translation>
    </message>
    <message>
        <source>SI-SAR (dB)</source>
        <translation>SI-SAR (dB)</translation>
    </message>
    <message>
        <source>ESTOI</source>
        <translation>ESTOI</translation>
    </message>
    <message>
        <source>Load a reference to see scores.</source>
        <translation>Laden Sie eine Referenz, um Bewertungen zu sehen.</translation>
    </message>
    <message>
        <source>NFE per chunk</source>
        <translation>NFE pro Abschnitt</translation>
    </message>
    <message>
        <source>Seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>Real-time factor</source>
        <translation>Echtzeitfaktor</translation>
    </message>
    <message>
        <source>Play and show this track at the same position (key %1)</source>
        <translation>Diese Spur an derselben Stelle abspielen und zeigen (Taste %1)</translation>
    </message>
    <message>
        <source>The waveform of the selected track. Click to seek, drag to set a loop region.</source>
        <translation>Die Wellenform der gewählten Spur. Klicken zum Springen, Ziehen für einen Schleifenbereich.</translation>
    </message>
    <message>
        <source>The spectrogram of the selected track in the model&apos;s STFT (510-point FFT, hop 128).</source>
        <translation>Das Spektrogramm der gewählten Spur in der STFT des Modells (510-Punkte-FFT, Schrittweite 128).</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Abspielen</translation>
    </message>
    <message>
        <source>Play or pause (Space)</source>
        <translation>Abspielen oder anhalten (Leertaste)</translation>
    </message>
    <message>
        <source>Loop region</source>
        <translation>Schleifenbereich</translation>
    </message>
    <message>
        <source>Drag across the waveform or spectrogram to choose the region</source>
        <translation>Über Wellenform oder Spektrogramm ziehen, um den Bereich zu wählen</translation>
    </message>
    <message>
        <source>Match loudness</source>
        <translation>Lautheit angleichen</translation>
    </message>
    <message>
        <source>Play every track at the level of the noisy track, so that louder does not sound better</source>
        <translation>Jede Spur auf dem Pegel der verrauschten Spur abspielen, damit lauter nicht besser klingt</translation>
    </message>
    <message>
        <source>Stop recording</source>
        <translation>Aufnahme beenden</translation>
    </message>
    <message>
        <source>Scoring…</source>
        <translation>Wird bewertet…</translation>
    </message>
    <message>
        <source>Against the clean reference.</source>
        <translation>Gegen die saubere Referenz.</translation>
    </message>
    <message>
        <source>Computing the views of the %1 track…</source>
        <translation>Die Ansichten der Spur „%1“ werden berechnet…</translation>
    </message>
    <message>
        <source>%1 s / %2 s</source>
        <translation>%1 s / %2 s</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Noise (the model judges the room)</source>
        <translation>Rauschen (das Modell beurteilt den Raum)</translation>
    </message>
    <message>
        <source>Dereverberate: noise and the room&apos;s echo</source>
        <translation>Enthallen: Rauschen und Nachhall des Raums</translation>
    </message>
    <message>
        <source>Remove:</source>
        <translation>Entfernen:</translation>
    </message>
    <message>
        <source>Other folder or checkpoint</source>
        <translation>Anderer Ordner oder Checkpoint</translation>
    </message>
    <message>
        <source>folder with weights.pt and card.json, or an SGMSE+ checkpoint</source>
        <translation>Ordner mit weights.pt und card.json oder ein SGMSE+-Checkpoint</translation>
    </message>
    <message>
        <source>A model folder (weights.pt and card.json)</source>
        <translation>Ein Modellordner (weights.pt und card.json)</translation>
    </message>
    <message>
        <source>Open checkpoint…</source>
        <translation>Checkpoint öffnen…</translation>
    </message>
    <message>
        <source>A published SGMSE+ checkpoint (.ckpt, .pth, .safetensors; NCSN++ backbone). Its STFT and SDE settings and its EMA weights are read from the file.</source>
        <translation>Ein veröffentlichter SGMSE+-Checkpoint (.ckpt, .pth, .safetensors; NCSN++-Backbone). Seine STFT- und SDE-Einstellungen und seine EMA-Gewichte werden aus der Datei gelesen.</translation>
    </message>
    <message>
        <source>Open SGMSE+ checkpoint</source>
        <translation>SGMSE+-Checkpoint öffnen</translation>
    </message>
    <message>
        <source>Built-in speech enhancer (16 kHz)</source>
        <translation>Eingebauter Sprachverbesserer (16 kHz)</translation>
    </message>
    <message>
        <source>Built-in predictive enhancer (16 kHz, one pass, dereverberates)</source>
        <translation>Eingebauter prädiktiver Verbesserer (16 kHz, ein Durchlauf, enthallt)</translation>
    </message>
    <message>
        <source>Noise only (keep the room)</source>
        <translation>Nur Rauschen (der Raum bleibt)</translation>
    </message>
    <message>
        <source>What to remove. Keeping the room changes the least: only the noise goes. Dereverberation also removes the room&apos;s echo and needs a model trained for it (its card lists the tasks).</source>
        <translation>Was entfernt wird. Den Raum zu behalten verändert am wenigsten: nur das Rauschen geht. Enthallen entfernt auch den Nachhall des Raums und braucht ein dafür trainiertes Modell (seine Karte nennt die Aufgaben).</translation>
    </message>
    <message>
        <source>The predictive enhancer takes one network pass (fast); the score model runs a diffusion sampler (several passes, any sampler)</source>
        <translation>Der prädiktive Verbesserer braucht einen Netzdurchlauf (schnell); das Score-Modell führt einen Diffusions-Sampler aus (mehrere Durchläufe, jeder Sampler)</translation>
    </message>
    <message>
        <source>A model folder (weights.pt and card.json) or a published SGMSE+ checkpoint</source>
        <translation>Ein Modellordner (weights.pt und card.json) oder ein veröffentlichter SGMSE+-Checkpoint</translation>
    </message>
    <message>
        <source>How the reverse process is solved: the MR Sampler needs a few evaluations, predictor-corrector 30–60 for the same quality</source>
        <translation>Wie der Rückwärtsprozess gelöst wird: der MR-Sampler braucht wenige Auswertungen, Prädiktor-Korrektor 30–60 für dieselbe Qualität</translation>
    </message>
    <message>
        <source>Wheel: zoom every view about the cursor; double-click: the whole track; click: seek; drag: loop region</source>
        <translation>Mausrad: alle Ansichten um den Zeiger zoomen; Doppelklick: die ganze Spur; Klick: springen; Ziehen: Schleifenbereich</translation>
    </message>
    <message>
        <source>Residual row</source>
        <translation>Restspur-Zeile</translation>
    </message>
    <message>
        <source>Show the residual (noisy − enhanced: what was removed) as a third spectrogram</source>
        <translation>Den Rest (verrauscht − verbessert: was entfernt wurde) als drittes Spektrogramm zeigen</translation>
    </message>
    <message>
        <source>the model&apos;s</source>
        <translation>die des Modells</translation>
    </message>
    <message>
        <source>Strength:</source>
        <translation>Stärke:</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>How much of the change to keep: 100 % is the model&apos;s output, lower mixes the input back in, keeping some noise and distorting the speech less; the model&apos;s own may depend on what it removed (its card)</source>
        <translation>Wie viel der Änderung bleibt: 100 % ist die Ausgabe des Modells, weniger mischt die Eingabe wieder bei, behält etwas Rauschen und verzerrt die Sprache weniger; die des Modells kann davon abhängen, was es entfernt hat (seine Karte)</translation>
    </message>
</context>
<context>
    <name>reverie::app::EnhanceWorkbench</name>
    <message>
        <source>The reference has %1 samples, the noisy input %2: scored over the first %3.</source>
        <translation>Die Referenz hat %1 Samples, die verrauschte Eingabe %2: bewertet über die ersten %3.</translation>
    </message>
    <message>
        <source>Nothing to score.</source>
        <translation>Nichts zu bewerten.</translation>
    </message>
    <message>
        <source>Enhance</source>
        <translation>Verbessern</translation>
    </message>
    <message>
        <source>Enhancing: wait for it or cancel it before choosing another noisy input.</source>
        <translation>Verbesserung läuft: Warten Sie darauf oder brechen Sie sie ab, bevor Sie eine andere verrauschte Eingabe wählen.</translation>
    </message>
    <message>
        <source>The audio is empty; the loaded audio is kept.</source>
        <translation>Das Audio ist leer; das geladene Audio bleibt erhalten.</translation>
    </message>
    <message>
        <source>The audio must be 16 kHz mono (it is %1 Hz); the loaded audio is kept.</source>
        <translation>Das Audio muss 16 kHz mono sein (es hat %1 Hz); das geladene Audio bleibt erhalten.</translation>
    </message>
    <message>
        <source>The audio has NaN/Inf samples; the loaded audio is kept.</source>
        <translation>Das Audio enthält NaN/Inf-Samples; das geladene Audio bleibt erhalten.</translation>
    </message>
    <message>
        <source>(recording, %1 s)</source>
        <translation>(Aufnahme, %1 s)</translation>
    </message>
    <message>
        <source>(from memory, %1 s)</source>
        <translation>(aus dem Speicher, %1 s)</translation>
    </message>
    <message>
        <source>%1: %2 s loaded.</source>
        <translation>%1: %2 s geladen.</translation>
    </message>
    <message>
        <source>Press Enhance.</source>
        <translation>„Verbessern“ drücken.</translation>
    </message>
    <message>
        <source>%1 The loaded audio is kept.</source>
        <translation>%1 Das geladene Audio bleibt erhalten.</translation>
    </message>
    <message>
        <source>Audio files (*.wav *.flac *.ogg *.opus *.mp3 *.aif *.aiff *.caf *.w64 *.rf64);;All files (*)</source>
        <translation>Audiodateien (*.wav *.flac *.ogg *.opus *.mp3 *.aif *.aiff *.caf *.w64 *.rf64);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Open noisy file</source>
        <translation>Verrauschte Datei öffnen</translation>
    </message>
    <message>
        <source>Open reference</source>
        <translation>Referenz öffnen</translation>
    </message>
    <message>
        <source>No microphone found.</source>
        <translation>Kein Mikrofon gefunden.</translation>
    </message>
    <message>
        <source>The microphone %1 does not record 16 kHz mono.</source>
        <translation>Das Mikrofon %1 nimmt nicht mit 16 kHz mono auf.</translation>
    </message>
    <message>
        <source>The microphone %1 could not be opened.</source>
        <translation>Das Mikrofon %1 konnte nicht geöffnet werden.</translation>
    </message>
    <message>
        <source>Recording from %1… press Stop recording to use it as the noisy input.</source>
        <translation>Aufnahme von %1… „Aufnahme beenden“ drücken, um sie als verrauschte Eingabe zu verwenden.</translation>
    </message>
    <message>
        <source>Nothing was recorded; the loaded audio is kept.</source>
        <translation>Es wurde nichts aufgenommen; das geladene Audio bleibt erhalten.</translation>
    </message>
    <message>
        <source>Analysing audio</source>
        <translation>Audio wird analysiert</translation>
    </message>
    <message>
        <source>Could not analyse the audio: %1</source>
        <translation>Das Audio konnte nicht analysiert werden: %1</translation>
    </message>
    <message>
        <source>An enhancement is running; wait for it or cancel it.</source>
        <translation>Eine Verbesserung läuft; warten Sie darauf oder brechen Sie sie ab.</translation>
    </message>
    <message>
        <source>Open, drop or record a noisy input first.</source>
        <translation>Öffnen, ziehen oder nehmen Sie zuerst eine verrauschte Eingabe auf.</translation>
    </message>
    <message>
        <source>Invalid settings: %1</source>
        <translation>Ungültige Einstellungen: %1</translation>
    </message>
    <message>
        <source>Enhancing %1 s with %2…</source>
        <translation>%1 s werden mit %2 verbessert…</translation>
    </message>
    <message>
        <source>Enhancing speech</source>
        <translation>Sprachverbesserung</translation>
    </message>
    <message>
        <source>Enhanced with %1 · NFE %2 · %3 s · real-time factor %4</source>
        <translation>Verbessert mit %1 · NFE %2 · %3 s · Echtzeitfaktor %4</translation>
    </message>
    <message>
        <source> · SI-SDR %1 dB (noisy %2 dB)</source>
        <translation> · SI-SDR %1 dB (verrauscht %2 dB)</translation>
    </message>
    <message>
        <source>Enhancement stopped (%1); the previous result is kept.</source>
        <translation>Verbesserung angehalten (%1); das vorige Ergebnis bleibt erhalten.</translation>
    </message>
    <message>
        <source>Enhancement stopped (%1).</source>
        <translation>Verbesserung angehalten (%1).</translation>
    </message>
    <message>
        <source>Enhancement failed: %1 The previous result is kept.</source>
        <translation>Verbesserung fehlgeschlagen: %1 Das vorige Ergebnis bleibt erhalten.</translation>
    </message>
    <message>
        <source>Enhancement failed: %1</source>
        <translation>Verbesserung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Chunks %1 of %2 done · NFE %3 · %4 s</source>
        <translation>Abschnitte %1 von %2 fertig · NFE %3 · %4 s</translation>
    </message>
    <message>
        <source>Step %1 of %2 · NFE %3 · %4 s</source>
        <translation>Schritt %1 von %2 · NFE %3 · %4 s</translation>
    </message>
    <message>
        <source>There is no %1 track yet.</source>
        <translation>Es gibt noch keine Spur „%1“.</translation>
    </message>
    <message>
        <source>%1 dBFS</source>
        <translation>%1 dBFS</translation>
    </message>
    <message>
        <source>silent</source>
        <translation>still</translation>
    </message>
    <message>
        <source>%1: %2 · level offset %3 dB (applied)</source>
        <translation>%1: %2 · Pegelversatz %3 dB (angewandt)</translation>
    </message>
    <message>
        <source>%1: %2 · level offset %3 dB (not applied)</source>
        <translation>%1: %2 · Pegelversatz %3 dB (nicht angewandt)</translation>
    </message>
    <message>
        <source>There is no enhanced audio to export yet: press Enhance first.</source>
        <translation>Es gibt noch kein verbessertes Audio zum Exportieren: Drücken Sie zuerst „Verbessern“.</translation>
    </message>
    <message>
        <source>%1 is an input; choose another file name.</source>
        <translation>%1 ist eine Eingabe; wählen Sie einen anderen Dateinamen.</translation>
    </message>
    <message>
        <source>Export enhanced WAV</source>
        <translation>Verbesserte WAV exportieren</translation>
    </message>
    <message>
        <source>WAV files (*.wav)</source>
        <translation>WAV-Dateien (*.wav)</translation>
    </message>
    <message>
        <source>Exported %1.</source>
        <translation>%1 exportiert.</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>%1 wird geladen…</translation>
    </message>
    <message>
        <source>%1 is not there any more.</source>
        <translation>%1 ist nicht mehr vorhanden.</translation>
    </message>
    <message>
        <source>Making the demo: a held-out voice in white noise at 5 dB…</source>
        <translation>Die Demo wird erstellt: eine zurückgehaltene Stimme in weißem Rauschen bei 5 dB…</translation>
    </message>
    <message>
        <source>WAV audio (*.wav)</source>
        <translation>WAV-Audio (*.wav)</translation>
    </message>
    <message>
        <source>Run again</source>
        <translation>Erneut ausführen</translation>
    </message>
    <message>
        <source>recording</source>
        <translation>Aufnahme</translation>
    </message>
    <message>
        <source>%1 · NFE %2 · %3</source>
        <translation>%1 · NFE %2 · %3</translation>
    </message>
    <message>
        <source>The run was not kept in the history: %1</source>
        <translation>Der Lauf wurde nicht im Verlauf aufbewahrt: %1</translation>
    </message>
    <message>
        <source>That run is no longer in the history.</source>
        <translation>Dieser Lauf ist nicht mehr im Verlauf.</translation>
    </message>
    <message>
        <source>The audio of that run could not be read from the history%1</source>
        <translation>Das Audio dieses Laufs konnte nicht aus dem Verlauf gelesen werden%1</translation>
    </message>
    <message>
        <source>That run&apos;s settings cannot be used by this version: %1</source>
        <translation>Die Einstellungen dieses Laufs kann diese Version nicht verwenden: %1</translation>
    </message>
    <message>
        <source>The input of that run is gone (%1) and no copy was kept.</source>
        <translation>Die Eingabe dieses Laufs ist nicht mehr da (%1), und es wurde keine Kopie aufbewahrt.</translation>
    </message>
    <message>
        <source>a recording</source>
        <translation>eine Aufnahme</translation>
    </message>
    <message>
        <source>--run-arg for Enhance is &apos;compare&apos; (show the run beside the one before it, in History).</source>
        <translation>--run-arg für „Verbessern“ ist „compare“ (den Lauf neben dem vorigen im Verlauf zeigen).</translation>
    </message>
    <message>
        <source>demo (held-out voice, white noise, 5 dB)</source>
        <translation>Demo (zurückgehaltene Stimme, weißes Rauschen, 5 dB)</translation>
    </message>
    <message>
        <source> · strength %1 % (removed-signal coherence %2)</source>
        <translation> · Stärke %1 % (Kohärenz des entfernten Signals %2)</translation>
    </message>
</context>
<context>
    <name>reverie::app::EraseWorkbench</name>
    <message>
        <source>None</source>
        <translation>Keine</translation>
    </message>
    <message>
        <source>UCE (closed form)</source>
        <translation>UCE (geschlossene Form)</translation>
    </message>
    <message>
        <source>RECE (closed form, robust)</source>
        <translation>RECE (geschlossene Form, robust)</translation>
    </message>
    <message>
        <source>ESD (fine-tuning)</source>
        <translation>ESD (Feinabstimmung)</translation>
    </message>
    <message>
        <source>SPM (membrane)</source>
        <translation>SPM (Membran)</translation>
    </message>
    <message>
        <source>Closed-form (RECE derivation)</source>
        <translation>Geschlossene Form (RECE-Herleitung)</translation>
    </message>
    <message>
        <source>Gradient (real training images)</source>
        <translation>Gradient (echte Trainingsbilder)</translation>
    </message>
    <message>
        <source>Attack</source>
        <translation>Angreifen</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Model: %1</source>
        <translation>Modell: %1</translation>
    </message>
    <message>
        <source>The text-conditional model fmnist-text is not installed (searched %1). Train it with reverie-cli train resources/recipes/fmnist-text.json, or install the package that ships it.</source>
        <translation>Das textbedingte Modell fmnist-text ist nicht installiert (gesucht in %1). Trainieren Sie es mit reverie-cli train resources/recipes/fmnist-text.json oder installieren Sie das Paket, das es mitbringt.</translation>
    </message>
    <message>
        <source>The model folder %1 does not exist.</source>
        <translation>Der Modellordner %1 existiert nicht.</translation>
    </message>
    <message>
        <source>The classifier fmnist-classifier that labels the images is not installed.</source>
        <translation>Der Klassifikator fmnist-classifier, der die Bilder beschriftet, ist nicht installiert.</translation>
    </message>
    <message>
        <source>No model.</source>
        <translation>Kein Modell.</translation>
    </message>
    <message>
        <source>Type at least one prompt.</source>
        <translation>Geben Sie mindestens einen Prompt ein.</translation>
    </message>
    <message>
        <source>Generating %1 prompts × %2 images…</source>
        <translation>%1 Prompts × %2 Bilder werden erzeugt…</translation>
    </message>
    <message>
        <source>Erase: generating the grid</source>
        <translation>Löschen: Raster wird erzeugt</translation>
    </message>
    <message>
        <source>Generated %1 prompts · NFE %2 · %3 s</source>
        <translation>%1 Prompts erzeugt · NFE %2 · %3 s</translation>
    </message>
    <message>
        <source>Generation stopped (%1); the grid shown is kept.</source>
        <translation>Erzeugung angehalten (%1); das angezeigte Raster bleibt erhalten.</translation>
    </message>
    <message>
        <source>Could not generate: %1</source>
        <translation>Erzeugen fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>&lt;b&gt;Original model&lt;/b&gt;</source>
        <translation>&lt;b&gt;Originalmodell&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;With the active concepts&lt;/b&gt;</source>
        <translation>&lt;b&gt;Mit den aktiven Konzepten&lt;/b&gt;</translation>
    </message>
    <message>
        <source>%1 KiB</source>
        <translation>%1 KiB</translation>
    </message>
    <message>
        <source>Erase: removing a concept</source>
        <translation>Löschen: Konzept wird entfernt</translation>
    </message>
    <message>
        <source>Erasing: step %1</source>
        <translation>Löschen: Schritt %1</translation>
    </message>
    <message>
        <source>Step %1</source>
        <translation>Schritt %1</translation>
    </message>
    <message>
        <source> of %1</source>
        <translation> von %1</translation>
    </message>
    <message>
        <source> · loss %1</source>
        <translation> · Verlust %1</translation>
    </message>
    <message>
        <source> · %1 s</source>
        <translation> · %1 s</translation>
    </message>
    <message>
        <source>Erase concept</source>
        <translation>Konzept löschen</translation>
    </message>
    <message>
        <source>A concept is being erased; wait for it or cancel it.</source>
        <translation>Ein Konzept wird gerade gelöscht; warten Sie darauf oder brechen Sie ab.</translation>
    </message>
    <message>
        <source>Erasing &apos;%1&apos; with %2…</source>
        <translation>„%1“ wird mit %2 gelöscht…</translation>
    </message>
    <message>
        <source>Erase: erasing a concept</source>
        <translation>Löschen: Konzept wird gelöscht</translation>
    </message>
    <message>
        <source>The model changed while erasing; the result was dropped.</source>
        <translation>Das Modell wurde während des Löschens gewechselt; das Ergebnis wurde verworfen.</translation>
    </message>
    <message>
        <source>Erased %1 with %2 in %3 s</source>
        <translation>%1 mit %2 in %3 s gelöscht</translation>
    </message>
    <message>
        <source>Erasing stopped (%1); the library is as it was.</source>
        <translation>Löschen angehalten (%1); die Bibliothek ist unverändert.</translation>
    </message>
    <message>
        <source>Could not erase: %1</source>
        <translation>Löschen fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Another library job is running; wait for it.</source>
        <translation>Ein anderer Bibliotheksauftrag läuft; warten Sie darauf.</translation>
    </message>
    <message>
        <source>There is no erased concept &apos;%1&apos; to attack.</source>
        <translation>Es gibt kein gelöschtes Konzept „%1“, das angegriffen werden könnte.</translation>
    </message>
    <message>
        <source>Attacking %1 (%2)…</source>
        <translation>%1 wird angegriffen (%2)…</translation>
    </message>
    <message>
        <source>Erase: attacking a concept</source>
        <translation>Löschen: Konzept wird angegriffen</translation>
    </message>
    <message>
        <source>Attack (%1) on %2: %3% recognised as %4 · %5 s</source>
        <translation>Angriff (%1) auf %2: %3 % als %4 erkannt · %5 s</translation>
    </message>
    <message>
        <source>Attack stopped (%1).</source>
        <translation>Angriff angehalten (%1).</translation>
    </message>
    <message>
        <source>Could not attack: %1</source>
        <translation>Angriff fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>&lt;b style=&apos;color:#c62828&apos;&gt;The concept comes back:&lt;/b&gt; %1% of the attack&apos;s images are recognised as %2.</source>
        <translation>&lt;b style=&apos;color:#c62828&apos;&gt;Das Konzept kehrt zurück:&lt;/b&gt; %1 % der Bilder des Angriffs werden als %2 erkannt.</translation>
    </message>
    <message>
        <source>&lt;b style=&apos;color:#ef6c00&apos;&gt;Partly back:&lt;/b&gt; %1% of the attack&apos;s images are recognised as %2.</source>
        <translation>&lt;b style=&apos;color:#ef6c00&apos;&gt;Teilweise zurück:&lt;/b&gt; %1 % der Bilder des Angriffs werden als %2 erkannt.</translation>
    </message>
    <message>
        <source>&lt;b style=&apos;color:#2e7d32&apos;&gt;Stays erased:&lt;/b&gt; none of the attack&apos;s images is recognised as %1.</source>
        <translation>&lt;b style=&apos;color:#2e7d32&apos;&gt;Bleibt gelöscht:&lt;/b&gt; keines der Bilder des Angriffs wird als %1 erkannt.</translation>
    </message>
    <message>
        <source>Save concept library</source>
        <translation>Konzeptbibliothek speichern</translation>
    </message>
    <message>
        <source>Concept libraries (*.erase);;All files (*)</source>
        <translation>Konzeptbibliotheken (*.erase);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Save library</source>
        <translation>Bibliothek speichern</translation>
    </message>
    <message>
        <source>Load concept library</source>
        <translation>Konzeptbibliothek laden</translation>
    </message>
    <message>
        <source>Load library</source>
        <translation>Bibliothek laden</translation>
    </message>
    <message>
        <source>The library is empty: erase a concept first.</source>
        <translation>Die Bibliothek ist leer: Löschen Sie zuerst ein Konzept.</translation>
    </message>
    <message>
        <source>Erase: saving the library</source>
        <translation>Löschen: Bibliothek wird gespeichert</translation>
    </message>
    <message>
        <source>Saved the concept library to %1</source>
        <translation>Konzeptbibliothek in %1 gespeichert</translation>
    </message>
    <message>
        <source>Could not save the library: %1</source>
        <translation>Die Bibliothek konnte nicht gespeichert werden: %1</translation>
    </message>
    <message>
        <source>A library job is running; wait for it.</source>
        <translation>Ein Bibliotheksauftrag läuft; warten Sie darauf.</translation>
    </message>
    <message>
        <source>Erase: loading a library</source>
        <translation>Löschen: Bibliothek wird geladen</translation>
    </message>
    <message>
        <source>Loaded %1 concepts from %2</source>
        <translation>%1 Konzepte aus %2 geladen</translation>
    </message>
    <message>
        <source>Could not load the library (the current one is kept): %1</source>
        <translation>Die Bibliothek konnte nicht geladen werden (die aktuelle bleibt erhalten): %1</translation>
    </message>
    <message>
        <source>--run for Erase needs --run-arg with the concept word to erase.</source>
        <translation>--run für Löschen braucht --run-arg mit dem zu löschenden Konzeptwort.</translation>
    </message>
    <message>
        <source>Built-in model</source>
        <translation>Eingebautes Modell</translation>
    </message>
    <message>
        <source>Stable Diffusion 1.x file</source>
        <translation>Stable-Diffusion-1.x-Datei</translation>
    </message>
    <message>
        <source>The first seed of the grid; the same seeds before and after make the comparison fair</source>
        <translation>Der erste Seed des Rasters; dieselben Seeds vorher und nachher machen den Vergleich fair</translation>
    </message>
    <message>
        <source>The concept to erase: a word the text encoder knows</source>
        <translation>Das zu löschende Konzept: ein Wort, das der Text-Encoder kennt</translation>
    </message>
    <message>
        <source>Through the sampler (generated samples)</source>
        <translation>Durch den Sampler (erzeugte Bilder)</translation>
    </message>
    <message>
        <source>How to try to bring the erased concept back: the closed form is instant; the gradient attack optimises on real images and takes longer; the sampler attack optimises what the whole sampling run generates (gradients through every step) and takes longest</source>
        <translation>Wie das gelöschte Konzept zurückgeholt werden soll: die geschlossene Form ist sofort fertig; der Gradientenangriff optimiert auf echten Bildern und dauert länger; der Sampler-Angriff optimiert, was der ganze Sampling-Lauf erzeugt (Gradienten durch jeden Schritt), und dauert am längsten</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>erased (%)</source>
        <translation>gelöscht (%)</translation>
    </message>
    <message>
        <source>Run again</source>
        <translation>Erneut ausführen</translation>
    </message>
    <message>
        <source>%1 · %2 prompts × %3 seeds</source>
        <translation>%1 · %2 Prompts × %3 Seeds</translation>
    </message>
    <message>
        <source>original model</source>
        <translation>Originalmodell</translation>
    </message>
    <message>
        <source>The grid was not kept in the history: %1</source>
        <translation>Das Raster wurde nicht im Verlauf aufbewahrt: %1</translation>
    </message>
    <message>
        <source>That run is no longer in the history.</source>
        <translation>Dieser Lauf ist nicht mehr im Verlauf.</translation>
    </message>
    <message>
        <source>That run was made with another model (%1).</source>
        <translation>Dieser Lauf wurde mit einem anderen Modell erstellt (%1).</translation>
    </message>
    <message>
        <source>That run had %1 on, which is no longer in the library: erase it again or load the library it was in.</source>
        <translation>Dieser Lauf hatte %1 aktiv, das nicht mehr in der Bibliothek ist: erneut löschen oder die Bibliothek laden, in der es war.</translation>
    </message>
    <message>
        <source>That run&apos;s settings cannot be used by this version: no prompts.</source>
        <translation>Die Einstellungen dieses Laufs kann diese Version nicht verwenden: keine Prompts.</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
</context>
<context>
    <name>reverie::app::GenerateView</name>
    <message>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <source>Sample</source>
        <translation>Samplen</translation>
    </message>
    <message>
        <source>Sweep</source>
        <translation>Sweep</translation>
    </message>
    <message>
        <source>VE (variance exploding)</source>
        <translation>VE (Varianz explodierend)</translation>
    </message>
    <message>
        <source>VP (variance preserving)</source>
        <translation>VP (Varianz erhaltend)</translation>
    </message>
    <message>
        <source>sub-VP</source>
        <translation>sub-VP</translation>
    </message>
    <message>
        <source>T-shirt/top</source>
        <translation>T-Shirt/Top</translation>
    </message>
    <message>
        <source>Trouser</source>
        <translation>Hose</translation>
    </message>
    <message>
        <source>Pullover</source>
        <translation>Pullover</translation>
    </message>
    <message>
        <source>Dress</source>
        <translation>Kleid</translation>
    </message>
    <message>
        <source>Coat</source>
        <translation>Mantel</translation>
    </message>
    <message>
        <source>Sandal</source>
        <translation>Sandale</translation>
    </message>
    <message>
        <source>Shirt</source>
        <translation>Hemd</translation>
    </message>
    <message>
        <source>Sneaker</source>
        <translation>Sneaker</translation>
    </message>
    <message>
        <source>Bag</source>
        <translation>Tasche</translation>
    </message>
    <message>
        <source>Ankle boot</source>
        <translation>Stiefelette</translation>
    </message>
    <message>
        <source>All classes (item i → class i mod 10)</source>
        <translation>Alle Klassen (Element i → Klasse i mod 10)</translation>
    </message>
    <message>
        <source>Open model folder</source>
        <translation>Modellordner öffnen</translation>
    </message>
    <message>
        <source>NFE budgets, separated by commas</source>
        <translation>NFE-Budgets, durch Kommas getrennt</translation>
    </message>
    <message>
        <source>Samples per point:</source>
        <translation>Samples pro Punkt:</translation>
    </message>
    <message>
        <source>Model folder, SDE, guidance and seed come from the Sample tab. Each point is scored by its Fréchet distance (FD) to the 10 000 test images in the shipped classifier&apos;s features; lower is better.</source>
        <translation>Modellordner, SDE, Guidance und Seed stammen aus dem Reiter „Samplen“. Jeder Punkt wird nach seiner Fréchet-Distanz (FD) zu den 10 000 Testbildern in den Merkmalen des mitgelieferten Klassifikators bewertet; niedriger ist besser.</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <source>NFE</source>
        <translation>NFE</translation>
    </message>
    <message>
        <source>FD</source>
        <translation>FD</translation>
    </message>
    <message>
        <source>Seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>Peak MiB</source>
        <translation>Spitze MiB</translation>
    </message>
    <message>
        <source>Confident %</source>
        <translation>Sicher %</translation>
    </message>
    <message>
        <source>FD (lower is better)</source>
        <translation>FD (niedriger ist besser)</translation>
    </message>
    <message>
        <source>adaptive (%1)</source>
        <translation>adaptiv (%1)</translation>
    </message>
    <message>
        <source>→ %1 steps (%2)</source>
        <translation>→ %1 Schritte (%2)</translation>
    </message>
    <message>
        <source>Point %1 of %2: %3 at NFE %4, FD %5</source>
        <translation>Punkt %1 von %2: %3 bei NFE %4, FD %5</translation>
    </message>
    <message>
        <source>Stable Diffusion</source>
        <translation>Stable Diffusion</translation>
    </message>
    <message>
        <source>The model to sample: a folder with weights.pt and card.json (empty: the built-in one)</source>
        <translation>Das Modell, aus dem gezogen wird: ein Ordner mit weights.pt und card.json (leer: das eingebaute)</translation>
    </message>
    <message>
        <source>The class of every sample, or every class in turn</source>
        <translation>Die Klasse jeder Stichprobe, oder jede Klasse der Reihe nach</translation>
    </message>
    <message>
        <source>Samples per run: time grows with each; more samples show the model&apos;s variety better</source>
        <translation>Stichproben pro Lauf: die Zeit wächst mit jeder; mehr Stichproben zeigen die Vielfalt des Modells besser</translation>
    </message>
    <message>
        <source>Test images whose likelihood (bits/dim) is computed by the probability-flow ODE: each takes hundreds of network evaluations</source>
        <translation>Testbilder, deren Likelihood (Bits/Dim) mit der Probability-Flow-ODE berechnet wird: jedes kostet Hunderte Netzauswertungen</translation>
    </message>
    <message>
        <source>Samples behind each point&apos;s FD: more give a steadier FD and take longer</source>
        <translation>Stichproben hinter der FD jedes Punkts: mehr ergeben eine stabilere FD und dauern länger</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <source>Optimise each sample&apos;s start noise until the shipped classifier sees this class: every iteration differentiates the whole sampling run (reversible Heun), so it costs about three runs&apos; time</source>
        <translation>Das Startrauschen jeder Stichprobe optimieren, bis der mitgelieferte Klassifikator diese Klasse erkennt: jede Iteration differenziert den ganzen Sampling-Lauf (reversibles Heun) und kostet etwa drei Läufe Zeit</translation>
    </message>
    <message>
        <source>Reversible (flat memory, exact)</source>
        <translation>Reversibel (flacher Speicher, exakt)</translation>
    </message>
    <message>
        <source>Backprop (memory grows with steps)</source>
        <translation>Backprop (Speicher wächst mit den Schritten)</translation>
    </message>
    <message>
        <source>Checkpoint (√N states kept)</source>
        <translation>Checkpoint (√N Zustände gehalten)</translation>
    </message>
    <message>
        <source>Adjoint (flat memory, approximate)</source>
        <translation>Adjungiert (flacher Speicher, genähert)</translation>
    </message>
    <message>
        <source>How the gradient through the run is taken: watch the memory curve in the telemetry dock; backprop is fastest but its memory grows with the steps</source>
        <translation>Wie der Gradient durch den Lauf berechnet wird: die Speicherkurve im Telemetrie-Dock zeigt es; Backprop ist am schnellsten, aber sein Speicher wächst mit den Schritten</translation>
    </message>
    <message>
        <source>Gradient steps on the start noise: more follow the class more closely and take longer</source>
        <translation>Gradientenschritte auf dem Startrauschen: mehr treffen die Klasse genauer und dauern länger</translation>
    </message>
    <message>
        <source>Guide toward:</source>
        <translation>Hinlenken zu:</translation>
    </message>
    <message>
        <source>Gradient:</source>
        <translation>Gradient:</translation>
    </message>
    <message>
        <source>Iterations:</source>
        <translation>Iterationen:</translation>
    </message>
</context>
<context>
    <name>reverie::app::GenerateWorkbench</name>
    <message>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <source>Invalid settings: %1</source>
        <translation>Ungültige Einstellungen: %1</translation>
    </message>
    <message>
        <source>Starting %1 with %2 NFE…</source>
        <translation>%1 mit %2 NFE wird gestartet…</translation>
    </message>
    <message>
        <source>Sampling %1 × %2</source>
        <translation>Sampling %1 × %2</translation>
    </message>
    <message>
        <source>%1 · %2 · seed %3</source>
        <translation>%1 · %2 · Seed %3</translation>
    </message>
    <message>
        <source>%1 samples · NFE %2 · steps %3 · %4 s</source>
        <translation>%1 Samples · NFE %2 · Schritte %3 · %4 s</translation>
    </message>
    <message>
        <source>Sampling stopped: %1</source>
        <translation>Sampling angehalten: %1</translation>
    </message>
    <message>
        <source>Sampling failed: %1</source>
        <translation>Sampling fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Step %1 of %2 · NFE %3 · %4 s</source>
        <translation>Schritt %1 von %2 · NFE %3 · %4 s</translation>
    </message>
    <message>
        <source>There is no result to save yet: press Generate first.</source>
        <translation>Es gibt noch kein Ergebnis zum Speichern: Drücken Sie zuerst „Erzeugen“.</translation>
    </message>
    <message>
        <source>%1 carries no sampling settings.</source>
        <translation>%1 enthält keine Sampling-Einstellungen.</translation>
    </message>
    <message>
        <source>%1 holds settings this version cannot use: %2</source>
        <translation>%1 enthält Einstellungen, die diese Version nicht verwenden kann: %2</translation>
    </message>
    <message>
        <source>Settings loaded from %1.</source>
        <translation>Einstellungen aus %1 geladen.</translation>
    </message>
    <message>
        <source>Save PNG</source>
        <translation>PNG speichern</translation>
    </message>
    <message>
        <source>Saved %1.</source>
        <translation>%1 gespeichert.</translation>
    </message>
    <message>
        <source>Load settings from PNG</source>
        <translation>Einstellungen aus PNG laden</translation>
    </message>
    <message>
        <source>Bits/dim</source>
        <translation>Bits/Dim</translation>
    </message>
    <message>
        <source>Measuring bits/dim of %1 test images…</source>
        <translation>Bits/Dim von %1 Testbildern werden gemessen…</translation>
    </message>
    <message>
        <source>Bits/dim of %1 test images</source>
        <translation>Bits/Dim von %1 Testbildern</translation>
    </message>
    <message>
        <source>bits/dim %1 ± %2 over %3 test images (NFE %4 per image, %5 s)</source>
        <translation>Bits/Dim %1 ± %2 über %3 Testbilder (NFE %4 pro Bild, %5 s)</translation>
    </message>
    <message>
        <source>Bits/dim stopped: %1</source>
        <translation>Bits/Dim angehalten: %1</translation>
    </message>
    <message>
        <source>Bits/dim failed: %1</source>
        <translation>Bits/Dim fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an NFE value (a whole number from 1 to 100000).</source>
        <translation>„%1“ ist kein NFE-Wert (eine ganze Zahl von 1 bis 100000).</translation>
    </message>
    <message>
        <source>Check at least one sampler.</source>
        <translation>Wählen Sie mindestens einen Sampler aus.</translation>
    </message>
    <message>
        <source>Give at least one NFE value.</source>
        <translation>Geben Sie mindestens einen NFE-Wert an.</translation>
    </message>
    <message>
        <source>A sweep point needs at least 2 samples.</source>
        <translation>Ein Sweep-Punkt braucht mindestens 2 Samples.</translation>
    </message>
    <message>
        <source>The shipped classifier (%1) was not found; the sweep needs it for the FD.</source>
        <translation>Der mitgelieferte Klassifikator (%1) wurde nicht gefunden; der Sweep braucht ihn für die FD.</translation>
    </message>
    <message>
        <source>Sweeping %1 points of %2 samples…</source>
        <translation>Sweep über %1 Punkte mit je %2 Samples…</translation>
    </message>
    <message>
        <source>Sweep of %1 points</source>
        <translation>Sweep über %1 Punkte</translation>
    </message>
    <message>
        <source>Measuring bits/dim: %1 of %2 · NFE %3</source>
        <translation>Bits/Dim werden gemessen: %1 von %2 · NFE %3</translation>
    </message>
    <message>
        <source>Open a Stable Diffusion 1.x checkpoint</source>
        <translation>Stable-Diffusion-1.x-Checkpoint öffnen</translation>
    </message>
    <message>
        <source>Checkpoints (*.safetensors *.ckpt *.pt *.pth)</source>
        <translation>Checkpoints (*.safetensors *.ckpt *.pt *.pth)</translation>
    </message>
    <message>
        <source>Stable Diffusion</source>
        <translation>Stable Diffusion</translation>
    </message>
    <message>
        <source>Save image</source>
        <translation>Bild speichern</translation>
    </message>
    <message>
        <source>PNG (*.png)</source>
        <translation>PNG (*.png)</translation>
    </message>
    <message>
        <source>Choose a Stable Diffusion 1.x checkpoint first (Open checkpoint…).</source>
        <translation>Wählen Sie zuerst einen Stable-Diffusion-1.x-Checkpoint (Checkpoint öffnen…).</translation>
    </message>
    <message>
        <source>%1 does not exist.</source>
        <translation>%1 existiert nicht.</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>Lade %1…</translation>
    </message>
    <message>
        <source>Stable Diffusion %1 × %2 steps</source>
        <translation>Stable Diffusion %1 × %2 Schritte</translation>
    </message>
    <message>
        <source>seed %1</source>
        <translation>Seed %1</translation>
    </message>
    <message>
        <source>%1 image(s) · NFE %2 · %3 s (+ %4 s loading)</source>
        <translation>%1 Bild(er) · NFE %2 · %3 s (+ %4 s Laden)</translation>
    </message>
    <message>
        <source>Stable Diffusion stopped: %1</source>
        <translation>Stable Diffusion angehalten: %1</translation>
    </message>
    <message>
        <source>Stable Diffusion failed: %1</source>
        <translation>Stable Diffusion fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>There is no Stable Diffusion image to save yet: press Generate first.</source>
        <translation>Es gibt noch kein Stable-Diffusion-Bild zum Speichern: zuerst auf Erzeugen drücken.</translation>
    </message>
    <message>
        <source>Cannot write %1.</source>
        <translation>%1 kann nicht geschrieben werden.</translation>
    </message>
    <message>
        <source>%1 carries no Stable Diffusion parameters.</source>
        <translation>%1 enthält keine Stable-Diffusion-Parameter.</translation>
    </message>
    <message>
        <source>Step %1 of %2 · NFE %3 · %4 s · %5</source>
        <translation>Schritt %1 von %2 · NFE %3 · %4 s · %5</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Add a concept edit or a LoRA</source>
        <translation>Konzept-Edit oder LoRA hinzufügen</translation>
    </message>
    <message>
        <source>Concept edits and LoRAs (*.safetensors)</source>
        <translation>Konzept-Edits und LoRAs (*.safetensors)</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Cannot read the start image %1.</source>
        <translation>Das Startbild %1 kann nicht gelesen werden.</translation>
    </message>
    <message>
        <source>Run again</source>
        <translation>Erneut ausführen</translation>
    </message>
    <message>
        <source>%1 · NFE %2 · %3</source>
        <translation>%1 · NFE %2 · %3</translation>
    </message>
    <message>
        <source>That run is no longer in the history.</source>
        <translation>Dieser Lauf ist nicht mehr im Verlauf.</translation>
    </message>
    <message>
        <source>That run&apos;s settings cannot be used by this version: %1</source>
        <translation>Die Einstellungen dieses Laufs kann diese Version nicht verwenden: %1</translation>
    </message>
    <message>
        <source>these are not sampling settings</source>
        <translation>das sind keine Sampling-Einstellungen</translation>
    </message>
    <message>
        <source> · guidance: p(class) %1 → %2 (%3 NFE of gradients)</source>
        <translation> · Lenkung: p(Klasse) %1 → %2 (%3 NFE für Gradienten)</translation>
    </message>
    <message>
        <source>Guidance %1 of %2 · p(class) %3 · NFE %4 · %5 s</source>
        <translation>Lenkung %1 von %2 · p(Klasse) %3 · NFE %4 · %5 s</translation>
    </message>
    <message>
        <source>SD · %1 · %2 · %3 steps</source>
        <translation>SD · %1 · %2 · %3 Schritte</translation>
    </message>
    <message>
        <source> · add-ons: %1</source>
        <translation> · Zusätze: %1</translation>
    </message>
    <message>
        <source>the run&apos;s settings have no &quot;%1&quot;</source>
        <translation>den Einstellungen des Laufs fehlt „%1“</translation>
    </message>
    <message>
        <source>That run&apos;s checkpoint %1 is gone.</source>
        <translation>Der Checkpoint %1 dieses Laufs ist nicht mehr da.</translation>
    </message>
    <message>
        <source>That run used %1, which is gone: it cannot be run the same way again.</source>
        <translation>Dieser Lauf hat %1 verwendet, das nicht mehr da ist: Er lässt sich nicht genauso wiederholen.</translation>
    </message>
    <message>
        <source>That run&apos;s start image %1 is gone.</source>
        <translation>Das Startbild %1 dieses Laufs ist nicht mehr da.</translation>
    </message>
    <message>
        <source> · SPM membrane %1 at γ %2 (transport)</source>
        <translation> · SPM-Membran %1 mit γ %2 (Transport)</translation>
    </message>
</context>
<context>
    <name>reverie::app::GradientPanel</name>
    <message>
        <source>Probability-flow ODE</source>
        <translation>Probability-Flow-ODE</translation>
    </message>
    <message>
        <source>Reverse SDE</source>
        <translation>Umgekehrte SDE</translation>
    </message>
    <message>
        <source>The sampling run the gradient goes through: the ODE is deterministic; the SDE replays its Brownian path on the way back</source>
        <translation>Der Sampling-Lauf, durch den der Gradient geht: Die ODE ist deterministisch; die SDE spielt auf dem Rückweg ihren Brownschen Pfad erneut ab</translation>
    </message>
    <message>
        <source>Sampler steps to measure at, comma-separated: backprop&apos;s memory grows with them, reversible&apos;s should not</source>
        <translation>Sampler-Schrittzahlen, bei denen gemessen wird, durch Kommas getrennt: Der Speicher von Backprop wächst mit ihnen, der von Reversible sollte es nicht</translation>
    </message>
    <message>
        <source>Run:</source>
        <translation>Lauf:</translation>
    </message>
    <message>
        <source>Steps:</source>
        <translation>Schritte:</translation>
    </message>
    <message>
        <source>Autograd through every step: exact, memory grows with the steps</source>
        <translation>Autograd durch jeden Schritt: exakt, der Speicher wächst mit den Schritten</translation>
    </message>
    <message>
        <source>Keeps √N states and recomputes each segment on the way back: exact, twice the evaluations</source>
        <translation>Behält √N Zustände und rechnet jedes Segment auf dem Rückweg neu: exakt, doppelt so viele Auswertungen</translation>
    </message>
    <message>
        <source>Keeps only the last state and steps backwards with reversible Heun&apos;s inverse: exact to round-off, memory flat in the steps</source>
        <translation>Behält nur den letzten Zustand und geht mit der Umkehrung des reversiblen Heun-Verfahrens rückwärts: exakt bis auf Rundung, Speicher unabhängig von den Schritten</translation>
    </message>
    <message>
        <source>Integrates the continuous adjoint backwards: least memory, approximate (it differentiates the ODE, not the steps taken)</source>
        <translation>Integriert die kontinuierliche Adjungierte rückwärts: am wenigsten Speicher, genähert (sie differenziert die ODE, nicht die gegangenen Schritte)</translation>
    </message>
    <message>
        <source>Strategies:</source>
        <translation>Strategien:</translation>
    </message>
    <message>
        <source>Solver states in float64</source>
        <translation>Solver-Zustände in float64</translation>
    </message>
    <message>
        <source>Keeps the solver&apos;s states in float64 around the float32 network: the reversible gradient then equals backprop&apos;s, for twice the (small) state memory</source>
        <translation>Hält die Zustände des Solvers um das float32-Netz herum in float64: Der reversible Gradient gleicht dann dem von Backprop, für den doppelten (kleinen) Zustandsspeicher</translation>
    </message>
    <message>
        <source>Measure</source>
        <translation>Messen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>The gradient of −log p(sneaker | sample) under the built-in classifier with respect to the start noise, through a whole reversible-Heun run of the built-in Fashion-MNIST generator. Peak MiB is the allocator&apos;s peak above what was held before.</source>
        <translation>Der Gradient von −log p(Sneaker | Sample) unter dem eingebauten Klassifikator nach dem Startrauschen, durch einen ganzen reversiblen Heun-Lauf des eingebauten Fashion-MNIST-Generators. Spitzen-MiB ist die Spitze des Allokators über dem, was vorher belegt war.</translation>
    </message>
    <message>
        <source>Not measured yet.</source>
        <translation>Noch nicht gemessen.</translation>
    </message>
    <message>
        <source>sampler steps N</source>
        <translation>Sampler-Schritte N</translation>
    </message>
    <message>
        <source>peak memory (MiB, log scale)</source>
        <translation>Spitzenspeicher (MiB, logarithmisch)</translation>
    </message>
    <message>
        <source>steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <source>strategy</source>
        <translation>Strategie</translation>
    </message>
    <message>
        <source>NFE fwd + bwd</source>
        <translation>NFE vorw. + rückw.</translation>
    </message>
    <message>
        <source>peak MiB</source>
        <translation>Spitzen-MiB</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>vs backprop</source>
        <translation>gegen Backprop</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a step count: give whole numbers from 1 to 2000, comma-separated.</source>
        <translation>„%1“ ist keine Schrittzahl: ganze Zahlen von 1 bis 2000 angeben, durch Kommas getrennt.</translation>
    </message>
    <message>
        <source>Give at least one step count.</source>
        <translation>Mindestens eine Schrittzahl angeben.</translation>
    </message>
    <message>
        <source>Tick at least one strategy.</source>
        <translation>Mindestens eine Strategie ankreuzen.</translation>
    </message>
    <message>
        <source>The built-in generator or classifier was not found, so there is nothing to measure through.</source>
        <translation>Der eingebaute Generator oder Klassifikator wurde nicht gefunden; es gibt nichts, durch das gemessen werden könnte.</translation>
    </message>
    <message>
        <source>reverse SDE</source>
        <translation>umgekehrte SDE</translation>
    </message>
    <message>
        <source>probability-flow ODE</source>
        <translation>Probability-Flow-ODE</translation>
    </message>
    <message>
        <source>Gradient memory through the %1</source>
        <translation>Gradientenspeicher durch die %1</translation>
    </message>
    <message>
        <source>Measured %1 runs in %2 s.</source>
        <translation>%1 Läufe in %2 s gemessen.</translation>
    </message>
    <message>
        <source>Measuring stopped: %1</source>
        <translation>Messung abgebrochen: %1</translation>
    </message>
    <message>
        <source>Measuring failed: %1</source>
        <translation>Messung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Measuring through the %1…</source>
        <translation>Messung durch die %1…</translation>
    </message>
    <message>
        <source>Measured %1 of %2: %3 at N = %4, %5 MiB</source>
        <translation>%1 von %2 gemessen: %3 bei N = %4, %5 MiB</translation>
    </message>
</context>
<context>
    <name>reverie::app::HistoryPanel</name>
    <message>
        <source>Finished runs, newest first. Select two to compare them; Ctrl-click adds to the selection.</source>
        <translation>Beendete Läufe, neueste zuerst. Zwei auswählen, um sie zu vergleichen; Strg-Klick erweitert die Auswahl.</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>Vergleichen</translation>
    </message>
    <message>
        <source>Show the two selected runs side by side</source>
        <translation>Die zwei ausgewählten Läufe nebeneinander zeigen</translation>
    </message>
    <message>
        <source>Run again</source>
        <translation>Erneut ausführen</translation>
    </message>
    <message>
        <source>Run the selected run again with the same settings and seed</source>
        <translation>Den ausgewählten Lauf mit denselben Einstellungen und demselben Seed erneut ausführen</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Exportieren…</translation>
    </message>
    <message>
        <source>Save the selected run&apos;s result with its settings embedded, and its JSON</source>
        <translation>Das Ergebnis des ausgewählten Laufs mit eingebetteten Einstellungen speichern, dazu sein JSON</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Remove the selected runs from the history</source>
        <translation>Die ausgewählten Läufe aus dem Verlauf entfernen</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <source>Remove every run of this workbench from the history</source>
        <translation>Alle Läufe dieser Werkbank aus dem Verlauf entfernen</translation>
    </message>
    <message>
        <source>NFE %1</source>
        <translation>NFE %1</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 MiB</source>
        <translation>%1 MiB</translation>
    </message>
    <message>
        <source>PSNR %1 dB</source>
        <translation>PSNR %1 dB</translation>
    </message>
    <message>
        <source>SSIM %1</source>
        <translation>SSIM %1</translation>
    </message>
    <message>
        <source>SI-SDR %1 dB</source>
        <translation>SI-SDR %1 dB</translation>
    </message>
    <message>
        <source>ESTOI %1</source>
        <translation>ESTOI %1</translation>
    </message>
    <message>
        <source>No runs yet: every finished run is kept here, across restarts.</source>
        <translation>Noch keine Läufe: jeder beendete Lauf wird hier aufbewahrt, auch über Neustarts hinweg.</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s), %1 MiB (the oldest go beyond %2 runs or %3 MiB).</source>
        <translation>
            <numerusform>%n Lauf, %1 MiB (über %2 Läufe oder %3 MiB hinaus werden die ältesten entfernt).</numerusform>
            <numerusform>%n Läufe, %1 MiB (über %2 Läufe oder %3 MiB hinaus werden die ältesten entfernt).</numerusform>
        </translation>
    </message>
    <message>
        <source>erased %1 %</source>
        <translation>gelöscht %1 %</translation>
    </message>
    <message>
        <source>%1 steps</source>
        <translation>%1 Schritte</translation>
    </message>
    <message>
        <source>loss %1</source>
        <translation>Loss %1</translation>
    </message>
    <message>
        <source>%1 s/step</source>
        <translation>%1 s/Schritt</translation>
    </message>
</context>
<context>
    <name>reverie::app::HistoryTab</name>
    <message>
        <source>Select two runs and press Compare: the first left of the divider, the second right, at the same zoom.</source>
        <translation>Zwei Läufe auswählen und Vergleichen drücken: der erste links der Trennlinie, der zweite rechts, mit demselben Zoom.</translation>
    </message>
    <message>
        <source>That run is no longer in the history.</source>
        <translation>Dieser Lauf ist nicht mehr im Verlauf.</translation>
    </message>
    <message>
        <source>The result of that run could not be read from the history.</source>
        <translation>Das Ergebnis dieses Laufs konnte nicht aus dem Verlauf gelesen werden.</translation>
    </message>
    <message>
        <source>Compare runs</source>
        <translation>Läufe vergleichen</translation>
    </message>
    <message>
        <source>Export run</source>
        <translation>Lauf exportieren</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG-Bilder (*.png)</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>Cost against quality of the runs that have a reference, one colour per sampler: up and to the left is better</source>
        <translation>Kosten gegen Qualität der Läufe mit Referenz, eine Farbe je Sampler: oben links ist besser</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>PSNR (dB)</source>
        <translation>PSNR (dB)</translation>
    </message>
    <message>
        <source>run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <source>These runs cannot be compared here.</source>
        <translation>Diese Läufe lassen sich hier nicht vergleichen.</translation>
    </message>
</context>
<context>
    <name>reverie::app::JobSlot</name>
    <message>
        <source>Another job of this workbench is running; wait for it or cancel it.</source>
        <translation>Ein anderer Auftrag dieser Werkbank läuft; warten Sie darauf oder brechen Sie ihn ab.</translation>
    </message>
</context>
<context>
    <name>reverie::app::MainWindow</name>
    <message>
        <source>Reverie</source>
        <translation>Reverie</translation>
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
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>&amp;Tastenkürzel</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Tastenkürzel</translation>
    </message>
    <message>
        <source>Show %1</source>
        <translation>%1 zeigen</translation>
    </message>
    <message>
        <source>This list</source>
        <translation>Diese Liste</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>Enhance: hear the noisy, enhanced, reference or residual track at the same position</source>
        <translation>Verbessern: die verrauschte, verbesserte, Referenz- oder Restspur an derselben Stelle hören</translation>
    </message>
    <message>
        <source>Space</source>
        <translation>Leertaste</translation>
    </message>
    <message>
        <source>Enhance: play or pause</source>
        <translation>Verbessern: abspielen oder anhalten</translation>
    </message>
    <message>
        <source>Wheel, drag</source>
        <translation>Mausrad, Ziehen</translation>
    </message>
    <message>
        <source>Restore: zoom the compare view, pan it; drag the divider to compare</source>
        <translation>Restaurieren: die Vergleichsansicht zoomen und verschieben; die Trennlinie ziehen, um zu vergleichen</translation>
    </message>
    <message>
        <source>Double-click</source>
        <translation>Doppelklick</translation>
    </message>
    <message>
        <source>Restore: fit the image to the view</source>
        <translation>Restaurieren: das Bild in die Ansicht einpassen</translation>
    </message>
    <message>
        <source>Demo</source>
        <translation>Demo</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Enhance, History: hear run A, run B or A&apos;s input at the same position</source>
        <translation>Verbessern, Verlauf: Lauf A, Lauf B oder die Eingabe von A an derselben Stelle hören</translation>
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
    <message>
        <source>none</source>
        <translation>keiner</translation>
    </message>
    <message>
        <source>Models folder:</source>
        <translation>Modellordner:</translation>
    </message>
    <message>
        <source>Published checkpoints in this folder (SGMSE+ .ckpt, IR-SDE .pth, .safetensors) are listed in the Enhance and Restore model menus.</source>
        <translation>Veröffentlichte Checkpoints in diesem Ordner (SGMSE+ .ckpt, IR-SDE .pth, .safetensors) erscheinen in den Modellmenüs von Verbessern und Restaurieren.</translation>
    </message>
    <message>
        <source>Models folder</source>
        <translation>Modellordner</translation>
    </message>
</context>
<context>
    <name>reverie::app::RestoreView</name>
    <message>
        <source>Gaussian noise (σ = 25)</source>
        <translation>Gaußsches Rauschen (σ = 25)</translation>
    </message>
    <message>
        <source>Gaussian blur (σ 1–2 px)</source>
        <translation>Gaußsche Unschärfe (σ 1–2 px)</translation>
    </message>
    <message>
        <source>Motion blur (5–9 px)</source>
        <translation>Bewegungsunschärfe (5–9 px)</translation>
    </message>
    <message>
        <source>2× down-sampling</source>
        <translation>2×-Unterabtastung</translation>
    </message>
    <message>
        <source>4× down-sampling</source>
        <translation>4×-Unterabtastung</translation>
    </message>
    <message>
        <source>Inpainting: box</source>
        <translation>Inpainting: Rechteck</translation>
    </message>
    <message>
        <source>Inpainting: strokes</source>
        <translation>Inpainting: Striche</translation>
    </message>
    <message>
        <source>JPEG (quality 10–40)</source>
        <translation>JPEG (Qualität 10–40)</translation>
    </message>
    <message>
        <source>IR-SDE posterior sampling</source>
        <translation>IR-SDE-Posterior-Sampling</translation>
    </message>
    <message>
        <source>Euler–Maruyama (reverse SDE)</source>
        <translation>Euler–Maruyama (Rückwärts-SDE)</translation>
    </message>
    <message>
        <source>PF-ODE Euler</source>
        <translation>PF-ODE Euler</translation>
    </message>
    <message>
        <source>data prediction</source>
        <translation>Datenvorhersage</translation>
    </message>
    <message>
        <source>noise prediction</source>
        <translation>Rauschvorhersage</translation>
    </message>
    <message>
        <source>MR Sampler %1, order %2, %3</source>
        <translation>MR Sampler %1, Ordnung %2, %3</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>Restaurieren</translation>
    </message>
    <message>
        <source>Sweep</source>
        <translation>Sweep</translation>
    </message>
    <message>
        <source>(none — restore as is)</source>
        <translation>(keine — so restaurieren, wie es ist)</translation>
    </message>
    <message>
        <source>Fashion-MNIST restorer (all eight tasks, grey 28×28)</source>
        <translation>Fashion-MNIST-Restaurierer (alle acht Aufgaben, grau 28×28)</translation>
    </message>
    <message>
        <source>Colour-photo denoiser (noise, any size in tiles)</source>
        <translation>Farbfoto-Entrauscher (Rauschen, jede Größe in Kacheln)</translation>
    </message>
    <message>
        <source>Restore an image to compare the result with its input, the clean reference and the classical peer. Drag the divider; wheel to zoom, drag to pan.</source>
        <translation>Restaurieren Sie ein Bild, um das Ergebnis mit seiner Eingabe, der sauberen Referenz und dem klassischen Vergleichsverfahren zu vergleichen. Den Trenner ziehen; Mausrad zum Zoomen, Ziehen zum Verschieben.</translation>
    </message>
    <message>
        <source>Open model folder</source>
        <translation>Modellordner öffnen</translation>
    </message>
    <message>
        <source>Task:</source>
        <translation>Aufgabe:</translation>
    </message>
    <message>
        <source>NFE values, separated by commas</source>
        <translation>NFE-Werte, durch Kommas getrennt</translation>
    </message>
    <message>
        <source>Images:</source>
        <translation>Bilder:</translation>
    </message>
    <message>
        <source>Model folder, seed and λ come from the Restore tab. Each point restores the first test images degraded with the task and scores them against the clean images (mean PSNR and SSIM; higher is better).</source>
        <translation>Modellordner, Seed und λ stammen aus dem Reiter „Restaurieren“. Jeder Punkt restauriert die ersten, mit der Aufgabe verschlechterten Testbilder und bewertet sie gegen die sauberen Bilder (mittlere PSNR und SSIM; höher ist besser).</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <source>NFE</source>
        <translation>NFE</translation>
    </message>
    <message>
        <source>PSNR (dB)</source>
        <translation>PSNR (dB)</translation>
    </message>
    <message>
        <source>SSIM</source>
        <translation>SSIM</translation>
    </message>
    <message>
        <source>s/image</source>
        <translation>s/Bild</translation>
    </message>
    <message>
        <source>Peak MiB</source>
        <translation>Spitze MiB</translation>
    </message>
    <message>
        <source>PSNR (dB, higher is better)</source>
        <translation>PSNR (dB, höher ist besser)</translation>
    </message>
    <message>
        <source>SSIM (higher is better)</source>
        <translation>SSIM (höher ist besser)</translation>
    </message>
    <message>
        <source>Step %1 of %2 · NFE %3 · %4 s</source>
        <translation>Schritt %1 von %2 · NFE %3 · %4 s</translation>
    </message>
    <message>
        <source>%1 · NFE %2 · seed %3 · λ %4</source>
        <translation>%1 · NFE %2 · Seed %3 · λ %4</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>Reference</source>
        <translation>Referenz</translation>
    </message>
    <message>
        <source>Classical peer</source>
        <translation>Klassisches Vergleichsverfahren</translation>
    </message>
    <message>
        <source>Point %1 of %2: %3 at NFE %4 · PSNR %5 dB · SSIM %6</source>
        <translation>Punkt %1 von %2: %3 bei NFE %4 · PSNR %5 dB · SSIM %6</translation>
    </message>
    <message>
        <source>degraded input %1 dB</source>
        <translation>verschlechterte Eingabe %1 dB</translation>
    </message>
    <message>
        <source>classical peer %1 dB</source>
        <translation>klassisches Verfahren %1 dB</translation>
    </message>
    <message>
        <source>degraded input %1</source>
        <translation>verschlechterte Eingabe %1</translation>
    </message>
    <message>
        <source>classical peer %1</source>
        <translation>klassisches Verfahren %1</translation>
    </message>
    <message>
        <source>Degraded input: PSNR %1 dB, SSIM %2 · classical peer: PSNR %3 dB, SSIM %4</source>
        <translation>Verschlechterte Eingabe: PSNR %1 dB, SSIM %2 · klassisches Verfahren: PSNR %3 dB, SSIM %4</translation>
    </message>
    <message>
        <source>Other folder or checkpoint</source>
        <translation>Anderer Ordner oder Checkpoint</translation>
    </message>
    <message>
        <source>Open IR-SDE checkpoint</source>
        <translation>IR-SDE-Checkpoint öffnen</translation>
    </message>
    <message>
        <source>Baseline: IR-SDE posterior, one t→t−1 step per subsampled t</source>
        <translation>Vergleichsbasis: IR-SDE-Posterior, ein Schritt t→t−1 je ausgewähltem t</translation>
    </message>
    <message>
        <source>Noise</source>
        <translation>Rauschen</translation>
    </message>
    <message>
        <source>Blur (out of focus)</source>
        <translation>Unschärfe (unscharf fokussiert)</translation>
    </message>
    <message>
        <source>Motion blur</source>
        <translation>Bewegungsunschärfe</translation>
    </message>
    <message>
        <source>Low resolution: enlarge 2×</source>
        <translation>Niedrige Auflösung: 2× vergrößern</translation>
    </message>
    <message>
        <source>Low resolution: enlarge 4×</source>
        <translation>Niedrige Auflösung: 4× vergrößern</translation>
    </message>
    <message>
        <source>JPEG artefacts</source>
        <translation>JPEG-Artefakte</translation>
    </message>
    <message>
        <source>(unknown)</source>
        <translation>(unbekannt)</translation>
    </message>
    <message>
        <source>Colour-photo restorer (all eight tasks, any size in tiles)</source>
        <translation>Farbfoto-Restaurator (alle acht Aufgaben, jede Größe in Kacheln)</translation>
    </message>
    <message>
        <source>Your own image file (PNG, JPEG, …; any size, restored in tiles); empty: a test image</source>
        <translation>Ihre eigene Bilddatei (PNG, JPEG, …; jede Größe, in Kacheln restauriert); leer: ein Testbild</translation>
    </message>
    <message>
        <source>The restoration model: the photo models restore colour photos of any size; the Fashion-MNIST one the 28×28 demo images</source>
        <translation>Das Restaurierungsmodell: die Fotomodelle restaurieren Farbfotos jeder Größe, das Fashion-MNIST-Modell die 28×28-Demobilder</translation>
    </message>
    <message>
        <source>A model folder (weights.pt and card.json) or an IR-SDE checkpoint</source>
        <translation>Ein Modellordner (weights.pt und card.json) oder ein IR-SDE-Checkpoint</translation>
    </message>
    <message>
        <source>How the reverse process is solved: the MR Sampler needs 5–10 evaluations, the IR-SDE posterior sampler 100 or more for the same quality</source>
        <translation>Wie der Rückwärtsprozess gelöst wird: der MR-Sampler braucht 5–10 Auswertungen, der IR-SDE-Posterior-Sampler 100 oder mehr für dieselbe Qualität</translation>
    </message>
    <message>
        <source>The image shown left of the divider</source>
        <translation>Das Bild links der Trennlinie</translation>
    </message>
    <message>
        <source>The image shown right of the divider</source>
        <translation>Das Bild rechts der Trennlinie</translation>
    </message>
    <message>
        <source>The degradation every point of the sweep restores</source>
        <translation>Die Schädigung, die jeder Punkt des Sweeps restauriert</translation>
    </message>
    <message>
        <source>Test images behind each point: more give steadier scores and take longer</source>
        <translation>Testbilder hinter jedem Punkt: mehr ergeben stabilere Werte und dauern länger</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
</context>
<context>
    <name>reverie::app::RestoreWorkbench</name>
    <message>
        <source>Restore</source>
        <translation>Restaurieren</translation>
    </message>
    <message>
        <source>Open image</source>
        <translation>Bild öffnen</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp);;PNG (*.png);;JPEG (*.jpg *.jpeg);;TIFF (*.tif *.tiff);;WebP (*.webp);;BMP (*.bmp);;All files (*)</source>
        <translation>Bilder (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp);;PNG (*.png);;JPEG (*.jpg *.jpeg);;TIFF (*.tif *.tiff);;WebP (*.webp);;BMP (*.bmp);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Choose an image file first (Open image… or drop one here), or use a test image.</source>
        <translation>Wählen Sie zuerst eine Bilddatei („Bild öffnen…“ oder hierher ziehen) oder verwenden Sie ein Testbild.</translation>
    </message>
    <message>
        <source>Invalid settings: %1</source>
        <translation>Ungültige Einstellungen: %1</translation>
    </message>
    <message>
        <source>test image %1</source>
        <translation>Testbild %1</translation>
    </message>
    <message>
        <source>Restoring %1 with %2 at NFE %3…</source>
        <translation>%1 wird mit %2 bei NFE %3 restauriert…</translation>
    </message>
    <message>
        <source>Restoring %1</source>
        <translation>Restaurierung von %1</translation>
    </message>
    <message>
        <source>Restored with %1 · NFE %2 · %3 s</source>
        <translation>Restauriert mit %1 · NFE %2 · %3 s</translation>
    </message>
    <message>
        <source> · PSNR %1 dB (input %2 dB)</source>
        <translation> · PSNR %1 dB (Eingabe %2 dB)</translation>
    </message>
    <message>
        <source>Restore stopped (%1); the previous result is kept.</source>
        <translation>Restaurierung angehalten (%1); das vorige Ergebnis bleibt erhalten.</translation>
    </message>
    <message>
        <source>Restore stopped (%1).</source>
        <translation>Restaurierung angehalten (%1).</translation>
    </message>
    <message>
        <source>Restore failed: %1</source>
        <translation>Restaurierung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>There is no result to save yet: press Restore first.</source>
        <translation>Es gibt noch kein Ergebnis zum Speichern: Drücken Sie zuerst „Restaurieren“.</translation>
    </message>
    <message>
        <source>%1 carries no restoration settings (it was not saved by the Restore workbench).</source>
        <translation>%1 enthält keine Restaurierungseinstellungen (es wurde nicht von der Werkbank „Restaurieren“ gespeichert).</translation>
    </message>
    <message>
        <source>%1 holds settings this version cannot use: %2</source>
        <translation>%1 enthält Einstellungen, die diese Version nicht verwenden kann: %2</translation>
    </message>
    <message>
        <source>Settings loaded from %1.</source>
        <translation>Einstellungen aus %1 geladen.</translation>
    </message>
    <message>
        <source>Its NFE %1 is outside the slider&apos;s range; NFE is now %2.</source>
        <translation>Sein NFE-Wert %1 liegt außerhalb des Schiebereglers; NFE ist jetzt %2.</translation>
    </message>
    <message>
        <source>Save result</source>
        <translation>Ergebnis speichern</translation>
    </message>
    <message>
        <source>Saved %1.</source>
        <translation>%1 gespeichert.</translation>
    </message>
    <message>
        <source>Load settings</source>
        <translation>Einstellungen laden</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an NFE value (a whole number from 1 to 1000).</source>
        <translation>„%1“ ist kein NFE-Wert (eine ganze Zahl von 1 bis 1000).</translation>
    </message>
    <message>
        <source>Check at least one sampler.</source>
        <translation>Wählen Sie mindestens einen Sampler aus.</translation>
    </message>
    <message>
        <source>Give at least one NFE value.</source>
        <translation>Geben Sie mindestens einen NFE-Wert an.</translation>
    </message>
    <message>
        <source>Choose a task to degrade the test images with.</source>
        <translation>Wählen Sie eine Aufgabe, mit der die Testbilder verschlechtert werden.</translation>
    </message>
    <message>
        <source>The number of images must be between 1 and 10000.</source>
        <translation>Die Zahl der Bilder muss zwischen 1 und 10000 liegen.</translation>
    </message>
    <message>
        <source>Sweeping %1 points over %2 images…</source>
        <translation>Sweep über %1 Punkte mit je %2 Bildern…</translation>
    </message>
    <message>
        <source>Restoration sweep of %1 points</source>
        <translation>Restaurierungs-Sweep über %1 Punkte</translation>
    </message>
    <message>
        <source>Input: %1, restored as it is: there is no clean reference, so no PSNR or SSIM. Choose a degradation under &quot;Degrade first&quot; to make a demo pair. Press Restore.</source>
        <translation>Eingabe: %1, wird so restauriert, wie sie ist: es gibt keine saubere Referenz, also kein PSNR oder SSIM. Wählen Sie unter „Zuerst verschlechtern“ eine Verschlechterung, um ein Demo-Paar zu erzeugen. Drücken Sie „Restaurieren“.</translation>
    </message>
    <message>
        <source>Open mask (non-black = missing)</source>
        <translation>Maske öffnen (nicht schwarz = fehlt)</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp);;All files (*)</source>
        <translation>Bilder (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>--run-arg for Restore is &apos;compare&apos; (show the run beside the one before it, in History).</source>
        <translation>--run-arg für Restaurieren ist &apos;compare&apos; (den Lauf neben dem vorigen im Verlauf zeigen).</translation>
    </message>
    <message>
        <source>%1 · NFE %2 · %3</source>
        <translation>%1 · NFE %2 · %3</translation>
    </message>
    <message>
        <source>The run was not kept in the history: %1</source>
        <translation>Der Lauf wurde nicht im Verlauf aufbewahrt: %1</translation>
    </message>
    <message>
        <source>That run is no longer in the history.</source>
        <translation>Dieser Lauf ist nicht mehr im Verlauf.</translation>
    </message>
    <message>
        <source>That run&apos;s settings cannot be used by this version: %1</source>
        <translation>Die Einstellungen dieses Laufs kann diese Version nicht verwenden: %1</translation>
    </message>
    <message>
        <source>Run again</source>
        <translation>Erneut ausführen</translation>
    </message>
    <message>
        <source>%1 is not there any more.</source>
        <translation>%1 ist nicht mehr vorhanden.</translation>
    </message>
</context>
<context>
    <name>reverie::app::SdErasePage</name>
    <message>
        <source>Step %1 of %2 · %3</source>
        <translation>Schritt %1 von %2 · %3</translation>
    </message>
    <message>
        <source>An SD 1.x .safetensors or .ckpt file</source>
        <translation>Eine SD-1.x-Datei (.safetensors oder .ckpt)</translation>
    </message>
    <message>
        <source>Open checkpoint…</source>
        <translation>Checkpoint öffnen…</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>Checkpoint</translation>
    </message>
    <message>
        <source>Concept to erase, e.g. van gogh</source>
        <translation>Zu löschendes Konzept, z. B. van gogh</translation>
    </message>
    <message>
        <source>UCE</source>
        <translation>UCE</translation>
    </message>
    <message>
        <source>RECE</source>
        <translation>RECE</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>What it should draw instead (empty: nothing in particular)</source>
        <translation>Was stattdessen gezeichnet werden soll (leer: nichts Bestimmtes)</translation>
    </message>
    <message>
        <source>Guide</source>
        <translation>Vorgabe</translation>
    </message>
    <message>
        <source>Prompts that must not change, comma-separated</source>
        <translation>Prompts, die sich nicht ändern dürfen, durch Kommas getrennt</translation>
    </message>
    <message>
        <source>Preserve</source>
        <translation>Bewahren</translation>
    </message>
    <message>
        <source>Add edit file…</source>
        <translation>Änderungsdatei hinzufügen…</translation>
    </message>
    <message>
        <source>Edits (checked: applied)</source>
        <translation>Änderungen (angehakt: angewandt)</translation>
    </message>
    <message>
        <source>One prompt per line: the erased concept, its synonyms, and unrelated prompts</source>
        <translation>Ein Prompt pro Zeile: das gelöschte Konzept, seine Synonyme und unbeteiligte Prompts</translation>
    </message>
    <message>
        <source>Prompts</source>
        <translation>Prompts</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <source>CFG</source>
        <translation>CFG</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>Sampling</translation>
    </message>
    <message>
        <source>from</source>
        <translation>ab</translation>
    </message>
    <message>
        <source>Seeds</source>
        <translation>Seeds</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>Vergleichen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Open an SD 1.x checkpoint, erase a concept, then compare the checkpoint with the checked edits on the same seeds. On a 2-core CPU one 256² image at 20 steps takes about 1.5 minutes with SD 1.5; a GPU takes seconds.</source>
        <translation>Öffnen Sie einen SD-1.x-Checkpoint, löschen Sie ein Konzept und vergleichen Sie dann den Checkpoint mit den angehakten Änderungen auf denselben Seeds. Auf einer 2-Kern-CPU dauert ein 256²-Bild mit 20 Schritten mit SD 1.5 etwa 1,5 Minuten; eine GPU braucht Sekunden.</translation>
    </message>
    <message>
        <source>Open a Stable Diffusion 1.x checkpoint</source>
        <translation>Einen Stable-Diffusion-1.x-Checkpoint öffnen</translation>
    </message>
    <message>
        <source>Checkpoints (*.safetensors *.ckpt)</source>
        <translation>Checkpoints (*.safetensors *.ckpt)</translation>
    </message>
    <message>
        <source>Add a concept edit</source>
        <translation>Eine Konzeptänderung hinzufügen</translation>
    </message>
    <message>
        <source>Concept edits (*.safetensors)</source>
        <translation>Konzeptänderungen (*.safetensors)</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>%1 is a LoRA, not a concept edit; add it in Generate&apos;s Stable Diffusion tab.</source>
        <translation>%1 ist ein LoRA, keine Konzeptänderung; fügen Sie es im Stable-Diffusion-Reiter von Erzeugen hinzu.</translation>
    </message>
    <message>
        <source>Choose a Stable Diffusion 1.x checkpoint first (Open checkpoint…).</source>
        <translation>Wählen Sie zuerst einen Stable-Diffusion-1.x-Checkpoint (Checkpoint öffnen…).</translation>
    </message>
    <message>
        <source>Type at least one prompt.</source>
        <translation>Geben Sie mindestens einen Prompt ein.</translation>
    </message>
    <message>
        <source>Invalid settings: %1</source>
        <translation>Ungültige Einstellungen: %1</translation>
    </message>
    <message>
        <source>Generating %1 images: about %2 UNet passes, %3 min for SD 1.5 on a 2-core CPU…</source>
        <translation>Erzeuge %1 Bilder: etwa %2 UNet-Durchläufe, %3 min für SD 1.5 auf einer 2-Kern-CPU…</translation>
    </message>
    <message>
        <source>Compare %1 prompts</source>
        <translation>%1 Prompts vergleichen</translation>
    </message>
    <message>
        <source>Comparison cancelled; the grid is as it was.</source>
        <translation>Vergleich abgebrochen; das Raster ist unverändert.</translation>
    </message>
    <message>
        <source>Comparison failed: %1</source>
        <translation>Vergleich fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Compared %1 prompts × %2 seeds: %3 UNet passes in %4 s.</source>
        <translation>%1 Prompts × %2 Seeds verglichen: %3 UNet-Durchläufe in %4 s.</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>Original, seed %1</source>
        <translation>Original, Seed %1</translation>
    </message>
    <message>
        <source>Edited, seed %1</source>
        <translation>Geändert, Seed %1</translation>
    </message>
    <message>
        <source>%1
moved %2</source>
        <translation>%1
verschoben %2</translation>
    </message>
    <message>
        <source>fp32</source>
        <translation>fp32</translation>
    </message>
    <message>
        <source>bf16</source>
        <translation>bf16</translation>
    </message>
    <message>
        <source>The weights in memory: bf16 takes half the memory (and on CPUs with AVX-512 BF16 is much faster)</source>
        <translation>Die Gewichte im Speicher: bf16 braucht halb so viel Speicher (und ist auf CPUs mit AVX-512 BF16 viel schneller)</translation>
    </message>
    <message>
        <source>Attack selected edit</source>
        <translation>Ausgewählte Änderung angreifen</translation>
    </message>
    <message>
        <source>Attack</source>
        <translation>Angriff</translation>
    </message>
    <message>
        <source>Erase a concept first: the attack needs an edit.</source>
        <translation>Löschen Sie zuerst ein Konzept: Der Angriff braucht eine Änderung.</translation>
    </message>
    <message>
        <source>attack on %1</source>
        <translation>Angriff auf %1</translation>
    </message>
    <message>
        <source>Attacking %1: solving for the text states that undo it…</source>
        <translation>Greife %1 an: suche die Textzustände, die sie aufheben…</translation>
    </message>
    <message>
        <source>The attack failed: %1</source>
        <translation>Der Angriff ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>%1: the K/V gap to the original is %2 with the prompt and %3 with the attack&apos;s states; its images are %4 grey levels from the original (near 0: the concept is back).</source>
        <translation>%1: Der K/V-Abstand zum Original beträgt %2 mit dem Prompt und %3 mit den Zuständen des Angriffs; seine Bilder liegen %4 Graustufen vom Original entfernt (nahe 0: das Konzept ist zurück).</translation>
    </message>
    <message>
        <source>A Stable Diffusion 1.x checkpoint (.safetensors or .ckpt) to edit; the file itself is never changed</source>
        <translation>Ein Stable-Diffusion-1.x-Checkpoint (.safetensors oder .ckpt) zum Bearbeiten; die Datei selbst wird nie verändert</translation>
    </message>
    <message>
        <source>The concept to erase (a word or a short phrase)</source>
        <translation>Das zu löschende Konzept (ein Wort oder eine kurze Phrase)</translation>
    </message>
    <message>
        <source>What the erased concept&apos;s prompts should give instead (empty: nothing in particular)</source>
        <translation>Was die Prompts des gelöschten Konzepts stattdessen ergeben sollen (leer: nichts Bestimmtes)</translation>
    </message>
    <message>
        <source>Prompts whose images must stay as they are; more of them keep more of the model, at the cost of a weaker erasure</source>
        <translation>Prompts, deren Bilder bleiben sollen, wie sie sind; mehr davon erhalten mehr vom Modell, auf Kosten einer schwächeren Löschung</translation>
    </message>
    <message>
        <source>Image size in pixels: time and memory grow with the area</source>
        <translation>Bildgröße in Pixeln: Zeit und Speicher wachsen mit der Fläche</translation>
    </message>
    <message>
        <source>Sampling steps per image: time grows with each</source>
        <translation>Sampling-Schritte pro Bild: die Zeit wächst mit jedem</translation>
    </message>
    <message>
        <source>Guidance weight: higher follows the prompt more closely; each step costs two network passes</source>
        <translation>Guidance-Gewicht: höher folgt dem Prompt genauer; jeder Schritt kostet zwei Netzdurchläufe</translation>
    </message>
    <message>
        <source>Seeds per prompt: more images judge the edit better and take longer</source>
        <translation>Seeds pro Prompt: mehr Bilder beurteilen die Bearbeitung besser und dauern länger</translation>
    </message>
    <message>
        <source>The first seed; the same seeds before and after the edit make the comparison fair</source>
        <translation>Der erste Seed; dieselben Seeds vor und nach der Bearbeitung machen den Vergleich fair</translation>
    </message>
    <message>
        <source>ESD-x (fine-tunes)</source>
        <translation>ESD-x (trainiert nach)</translation>
    </message>
    <message>
        <source>SPM (fine-tunes a membrane)</source>
        <translation>SPM (trainiert eine Membran)</translation>
    </message>
    <message>
        <source> steps</source>
        <translation> Schritte</translation>
    </message>
    <message>
        <source>Training steps of ESD-x and SPM: more erase more thoroughly and take proportionally longer (the papers train 1000 and 3000 steps on a GPU)</source>
        <translation>Trainingsschritte von ESD-x und SPM: mehr Schritte löschen gründlicher und dauern entsprechend länger (die Veröffentlichungen trainieren 1000 und 3000 Schritte auf einer GPU)</translation>
    </message>
    <message>
        <source>UCE edits the cross-attention in one closed-form step; RECE repeats it against the prompts that bring the concept back (slower, more robust); ESD-x fine-tunes the same matrices for 200 steps (minutes on a GPU, hours on a CPU at 512²; guide and preserve unused); SPM trains a rank-1 membrane per matrix the same way, anchored so that other prompts keep their images (about twice ESD-x&apos;s time per step)</source>
        <translation>UCE ändert die Cross-Attention in einem Schritt in geschlossener Form; RECE wiederholt das gegen die Prompts, die das Konzept zurückbringen (langsamer, robuster); ESD-x trainiert dieselben Matrizen 200 Schritte nach (Minuten auf einer GPU, Stunden auf einer CPU bei 512²; Leitprompt und zu erhaltende Prompts ungenutzt); SPM trainiert auf dieselbe Weise eine Rang-1-Membran je Matrix, verankert, damit andere Prompts ihre Bilder behalten (etwa doppelt so lange je Schritt wie ESD-x)</translation>
    </message>
    <message>
        <source>Find text states that undo the edit and generate with them</source>
        <translation>Textzustände finden, die die Änderung aufheben, und damit erzeugen</translation>
    </message>
    <message>
        <source>closed form (RECE, a second)</source>
        <translation>geschlossene Form (RECE, eine Sekunde)</translation>
    </message>
    <message>
        <source>through the sampler (gradient, slow)</source>
        <translation>durch den Sampler (Gradient, langsam)</translation>
    </message>
    <message>
        <source>Closed form: the states whose keys and values through the edited layers come closest to the prompt&apos;s before the edit. Through the sampler: states optimised so that the edited model&apos;s samples land on the original model&apos;s, the gradient taken through every sampling step (20 Adam steps of 2 seeds; judged on 4 seeds it never saw)</source>
        <translation>Geschlossene Form: die Zustände, deren Schlüssel und Werte durch die geänderten Schichten denen des Prompts vor der Änderung am nächsten kommen. Durch den Sampler: Zustände so optimiert, dass die Samples des geänderten Modells auf denen des Originalmodells landen, der Gradient durch jeden Sampling-Schritt genommen (20 Adam-Schritte mit je 2 Seeds; beurteilt auf 4 Seeds, die die Suche nie sah)</translation>
    </message>
    <message>
        <source>sampler attack on %1</source>
        <translation>Sampler-Angriff auf %1</translation>
    </message>
    <message>
        <source>%1: on seeds the search never saw, the latents are %2 from the original&apos;s with the prompt and %3 with the attack&apos;s states (mean square); its images are %4 grey levels from the original (near 0: the concept is back).</source>
        <translation>%1: auf Seeds, die die Suche nie sah, liegen die Latents mit dem Prompt %2 und mit den Zuständen des Angriffs %3 von denen des Originals entfernt (mittleres Quadrat); seine Bilder liegen %4 Graustufen vom Original entfernt (nahe 0: das Konzept ist zurück).</translation>
    </message>
    <message>
        <source>both branches</source>
        <translation>beide Zweige</translation>
    </message>
    <message>
        <source>Also replace the empty prompt&apos;s states, guidance&apos;s other branch: where the edit moved them too, guidance otherwise keeps part of the edit</source>
        <translation>Auch die Zustände des leeren Prompts ersetzen, den anderen Zweig der Guidance: wo die Änderung auch sie verschoben hat, behält die Guidance sonst einen Teil der Änderung</translation>
    </message>
    <message>
        <source>sampler attack (both branches) on %1</source>
        <translation>Sampler-Angriff (beide Zweige) auf %1</translation>
    </message>
    <message>
        <source>attack (both branches) on %1</source>
        <translation>Angriff (beide Zweige) auf %1</translation>
    </message>
    <message>
        <source>%1: the K/V gap to the original is %2 with the prompt and %3 with the attack&apos;s states (the empty prompt&apos;s: %4 and %5); its images are %6 grey levels from the original (near 0: the concept is back).</source>
        <translation>%1: Der K/V-Abstand zum Original beträgt %2 mit dem Prompt und %3 mit den Zuständen des Angriffs (die des leeren Prompts: %4 und %5); seine Bilder liegen %6 Graustufen vom Original entfernt (nahe 0: das Konzept ist zurück).</translation>
    </message>
    <message>
        <source>Attacking %1 through the sampler: %2 Adam steps, each differentiating %3 sampling steps; %4 UNet passes at a %5² latent in all…</source>
        <translation>Greife %1 durch den Sampler an: %2 Adam-Schritte, jeder differenziert %3 Sampling-Schritte; insgesamt %4 UNet-Durchläufe bei einem %5²-Latent…</translation>
    </message>
</context>
<context>
    <name>reverie::app::SdPanel</name>
    <message>
        <source>An SD 1.x .safetensors or .ckpt file</source>
        <translation>Eine SD-1.x-Datei (.safetensors oder .ckpt)</translation>
    </message>
    <message>
        <source>Open checkpoint…</source>
        <translation>Checkpoint öffnen…</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>Checkpoint</translation>
    </message>
    <message>
        <source>What to draw</source>
        <translation>Was gezeichnet werden soll</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>Negative prompt</source>
        <translation>Negativer Prompt</translation>
    </message>
    <message>
        <source>Karras σ</source>
        <translation>Karras-σ</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <source>CFG</source>
        <translation>CFG</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Bilder</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Save PNG…</source>
        <translation>PNG speichern…</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>Estimate for SD 1.5 on a 2-core CPU: about %1 UNet passes, %2 (a GPU takes seconds).</source>
        <translation>Schätzung für SD 1.5 auf einer 2-Kern-CPU: etwa %1 UNet-Durchläufe, %2 (eine GPU braucht Sekunden).</translation>
    </message>
    <message>
        <source>A concept to erase, e.g. &quot;van gogh&quot;</source>
        <translation>Ein zu entfernendes Konzept, z. B. &quot;van gogh&quot;</translation>
    </message>
    <message>
        <source>UCE (closed form)</source>
        <translation>UCE (geschlossene Form)</translation>
    </message>
    <message>
        <source>RECE (UCE + regenerating embeddings)</source>
        <translation>RECE (UCE + regenerierende Embeddings)</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>img2img: a start image (empty: text-to-image)</source>
        <translation>img2img: ein Startbild (leer: Text-zu-Bild)</translation>
    </message>
    <message>
        <source>Start image…</source>
        <translation>Startbild…</translation>
    </message>
    <message>
        <source>Denoising strength: how much of the start image is replaced</source>
        <translation>Entrauschungsstärke: wie viel vom Startbild ersetzt wird</translation>
    </message>
    <message>
        <source>Strength</source>
        <translation>Stärke</translation>
    </message>
    <message>
        <source>Start image</source>
        <translation>Startbild</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.webp)</source>
        <translation>Bilder (*.png *.jpg *.jpeg *.bmp *.webp)</translation>
    </message>
    <message>
        <source>Concept edits and LoRAs: a checked row applies to the next Generate</source>
        <translation>Konzept-Edits und LoRAs: eine angehakte Zeile gilt beim nächsten Erzeugen</translation>
    </message>
    <message>
        <source>Edits, LoRAs</source>
        <translation>Edits, LoRAs</translation>
    </message>
    <message>
        <source>Add edit or LoRA…</source>
        <translation>Edit oder LoRA hinzufügen…</translation>
    </message>
    <message>
        <source>fp32 weights</source>
        <translation>fp32-Gewichte</translation>
    </message>
    <message>
        <source>bf16 weights (half the memory)</source>
        <translation>bf16-Gewichte (halber Speicher)</translation>
    </message>
    <message>
        <source>A Stable Diffusion 1.x checkpoint (.safetensors or .ckpt); its UNet, VAE and text encoder</source>
        <translation>Ein Stable-Diffusion-1.x-Checkpoint (.safetensors oder .ckpt); sein UNet, VAE und Text-Encoder</translation>
    </message>
    <message>
        <source>What the image should not show: classifier-free guidance pushes away from it</source>
        <translation>Was das Bild nicht zeigen soll: Classifier-Free Guidance drängt davon weg</translation>
    </message>
    <message>
        <source>The scheduler: DPM-Solver++(2M) reaches a given quality in the fewest steps; Euler ancestral adds fresh noise every step (more variety, needs more steps)</source>
        <translation>Der Scheduler: DPM-Solver++(2M) erreicht eine Qualität in den wenigsten Schritten; Euler ancestral fügt in jedem Schritt neues Rauschen hinzu (mehr Vielfalt, braucht mehr Schritte)</translation>
    </message>
    <message>
        <source>Karras σ spacing: more steps at low noise, usually sharper at the same step count</source>
        <translation>Karras-σ-Abstände: mehr Schritte bei wenig Rauschen, meist schärfer bei gleicher Schrittzahl</translation>
    </message>
    <message>
        <source>Steps: time grows with each; 20–30 is the usual trade-off (4–8 with LCM weights)</source>
        <translation>Schritte: die Zeit wächst mit jedem; 20–30 ist der übliche Kompromiss (4–8 mit LCM-Gewichten)</translation>
    </message>
    <message>
        <source>Guidance weight: higher follows the prompt more closely and loses variety; each step costs two network passes unless it is 1</source>
        <translation>Guidance-Gewicht: höher folgt dem Prompt genauer und verliert Vielfalt; jeder Schritt kostet zwei Netzdurchläufe, außer bei 1</translation>
    </message>
    <message>
        <source>Seed of the first image; image i uses seed + i, so one image can be made again alone</source>
        <translation>Seed des ersten Bildes; Bild i nutzt Seed + i, so lässt sich ein Bild allein neu erzeugen</translation>
    </message>
    <message>
        <source>Width in pixels (a multiple of 8): time and memory grow with the area</source>
        <translation>Breite in Pixeln (ein Vielfaches von 8): Zeit und Speicher wachsen mit der Fläche</translation>
    </message>
    <message>
        <source>Height in pixels (a multiple of 8): time and memory grow with the area</source>
        <translation>Höhe in Pixeln (ein Vielfaches von 8): Zeit und Speicher wachsen mit der Fläche</translation>
    </message>
    <message>
        <source>Images per run, made one after another</source>
        <translation>Bilder pro Lauf, nacheinander erzeugt</translation>
    </message>
    <message>
        <source>The weights in memory: bf16 takes half the memory (and on CPUs with AVX-512 BF16 is much faster)</source>
        <translation>Die Gewichte im Speicher: bf16 braucht halb so viel Speicher (und ist auf CPUs mit AVX-512 BF16 viel schneller)</translation>
    </message>
    <message>
        <source>img2img: start from this image instead of noise (empty: text-to-image)</source>
        <translation>img2img: von diesem Bild statt von Rauschen ausgehen (leer: Text-zu-Bild)</translation>
    </message>
    <message>
        <source>A concept to erase from the loaded checkpoint (a word or a short phrase)</source>
        <translation>Ein Konzept, das aus dem geladenen Checkpoint gelöscht wird (ein Wort oder eine kurze Phrase)</translation>
    </message>
    <message>
        <source>UCE edits the cross-attention in one closed-form step; RECE repeats it against the prompts that bring the concept back (slower, more robust)</source>
        <translation>UCE bearbeitet die Cross-Attention in einem Schritt geschlossener Form; RECE wiederholt ihn gegen die Prompts, die das Konzept zurückbringen (langsamer, robuster)</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>LoRA</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <source>edit</source>
        <translation>Edit</translation>
    </message>
</context>
<context>
    <name>reverie::app::StartWorkbench</name>
    <message>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <source>Sample Fashion-MNIST items with the built-in score model and watch the quality-versus-NFE figures (seconds).</source>
        <translation>Fashion-MNIST-Motive mit dem eingebauten Score-Modell erzeugen und die Werte von Qualität gegen NFE verfolgen (Sekunden).</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>Restaurieren</translation>
    </message>
    <message>
        <source>Restore a test photo degraded with noise with the fast MR Sampler, against its clean original (PSNR, SSIM; a few seconds).</source>
        <translation>Ein verrauschtes Testfoto mit dem schnellen MR Sampler restaurieren, gemessen am sauberen Original (PSNR, SSIM; wenige Sekunden).</translation>
    </message>
    <message>
        <source>Enhance</source>
        <translation>Verbessern</translation>
    </message>
    <message>
        <source>Enhance a held-out voice in white noise at 5 dB and hear noisy, enhanced and clean at the same position (SI-SDR, ESTOI; seconds).</source>
        <translation>Eine zurückgehaltene Stimme in weißem Rauschen bei 5 dB verbessern und verrauscht, verbessert und sauber an derselben Stelle hören (SI-SDR, ESTOI; Sekunden).</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Erase &quot;sneaker&quot; from the text-to-image model with RECE&apos;s closed form and regenerate the same seeds (seconds).</source>
        <translation>„sneaker“ mit der geschlossenen Form von RECE aus dem Text-zu-Bild-Modell löschen und dieselben Seeds neu erzeugen (Sekunden).</translation>
    </message>
    <message>
        <source>Tune</source>
        <translation>Feinabstimmen</translation>
    </message>
    <message>
        <source>Learn five Fashion-MNIST tasks in turn, with and without refresh, and watch what is forgotten (minutes; Cancel stops it).</source>
        <translation>Fünf Fashion-MNIST-Aufgaben nacheinander lernen, mit und ohne Auffrischung, und sehen, was vergessen wird (Minuten; „Abbrechen“ beendet es).</translation>
    </message>
    <message>
        <source>Diagnostics</source>
        <translation>Diagnose</translation>
    </message>
    <message>
        <source>Check this machine: the device, the threads and every sampler against its reference (about a minute).</source>
        <translation>Diesen Rechner prüfen: das Gerät, die Threads und jeden Sampler gegen seine Referenz (etwa eine Minute).</translation>
    </message>
    <message>
        <source>Reverie</source>
        <translation>Reverie</translation>
    </message>
    <message>
        <source>Diffusion models on your own photos, recordings and models, with what every method costs and what it buys. Try a demo on built-in data, or open a file of your own.</source>
        <translation>Diffusionsmodelle auf Ihren eigenen Fotos, Aufnahmen und Modellen, mit dem, was jedes Verfahren kostet und was es bringt. Probieren Sie eine Demo mit eingebauten Daten oder öffnen Sie eine eigene Datei.</translation>
    </message>
    <message>
        <source>Demos on built-in data</source>
        <translation>Demos mit eingebauten Daten</translation>
    </message>
    <message>
        <source>Run the %1 demo</source>
        <translation>Demo „%1“ ausführen</translation>
    </message>
    <message>
        <source>Shows %1 and runs it with its settings as shown</source>
        <translation>Zeigt %1 und führt es mit den angezeigten Einstellungen aus</translation>
    </message>
    <message>
        <source>Your recent files</source>
        <translation>Ihre zuletzt geöffneten Dateien</translation>
    </message>
    <message>
        <source>None yet: files you open in Restore or Enhance are listed here.</source>
        <translation>Noch keine: Dateien, die Sie in „Restaurieren“ oder „Verbessern“ öffnen, erscheinen hier.</translation>
    </message>
    <message>
        <source>Double-click to open the file in the workbench that opened it last</source>
        <translation>Doppelklicken, um die Datei in der Werkbank zu öffnen, die sie zuletzt geöffnet hat</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Open the selected file in the workbench that opened it last</source>
        <translation>Die gewählte Datei in der Werkbank öffnen, die sie zuletzt geöffnet hat</translation>
    </message>
    <message>
        <source>Open a file…</source>
        <translation>Datei öffnen…</translation>
    </message>
    <message>
        <source>An image opens in Restore (restored as it is), a recording in Enhance</source>
        <translation>Ein Bild öffnet sich in „Restaurieren“ (so restauriert, wie es ist), eine Aufnahme in „Verbessern“</translation>
    </message>
    <message>
        <source>Open a file</source>
        <translation>Datei öffnen</translation>
    </message>
    <message>
        <source>Images and audio (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp *.wav *.flac *.ogg *.mp3 *.opus);;All files (*)</source>
        <translation>Bilder und Audio (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp *.wav *.flac *.ogg *.mp3 *.opus);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>%1 — %2 (%3)</source>
        <translation>%1 — %2 (%3)</translation>
    </message>
    <message>
        <source>%1: Reverie opens images (Restore) and audio (Enhance); this is neither.</source>
        <translation>%1: Reverie öffnet Bilder („Restaurieren“) und Audio („Verbessern“); dies ist keines von beiden.</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Start</translation>
    </message>
</context>
<context>
    <name>reverie::app::SweepPanel</name>
    <message>
        <source>Samplers × NFE</source>
        <translation>Sampler × NFE</translation>
    </message>
    <message>
        <source>Samplers:</source>
        <translation>Sampler:</translation>
    </message>
    <message>
        <source>NFE values:</source>
        <translation>NFE-Werte:</translation>
    </message>
    <message>
        <source>Start sweep</source>
        <translation>Sweep starten</translation>
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
        <source>Sweep</source>
        <translation>Sweep</translation>
    </message>
    <message>
        <source>Sweep finished: %1 points in %2 s.</source>
        <translation>Sweep beendet: %1 Punkte in %2 s.</translation>
    </message>
    <message>
        <source>Sweep stopped: %1</source>
        <translation>Sweep angehalten: %1</translation>
    </message>
    <message>
        <source>Sweep failed: %1</source>
        <translation>Sweep fehlgeschlagen: %1</translation>
    </message>
</context>
<context>
    <name>reverie::app::TuneWorkbench</name>
    <message>
        <source>Tune</source>
        <translation>Feinabstimmen</translation>
    </message>
    <message>
        <source>Train</source>
        <translation>Trainieren</translation>
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
        <source>%1 · %2 steps of %3</source>
        <translation>%1 · %2 Schritte zu je %3</translation>
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
    <message>
        <source>activation memory (MiB)</source>
        <translation>Aktivierungsspeicher (MiB)</translation>
    </message>
    <message>
        <source>Full fine-tuning (stores every activation)</source>
        <translation>Vollständige Feinabstimmung (speichert jede Aktivierung)</translation>
    </message>
    <message>
        <source>Gradient checkpointing (√n segments)</source>
        <translation>Gradient-Checkpointing (√n Segmente)</translation>
    </message>
    <message>
        <source>Bottleneck adapters</source>
        <translation>Bottleneck-Adapter</translation>
    </message>
    <message>
        <source>LoRA</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <source>MEFT1: reversible, adapter as G</source>
        <translation>MEFT1: umkehrbar, Adapter als G</translation>
    </message>
    <message>
        <source>MEFT2: reversible, adapter as F</source>
        <translation>MEFT2: umkehrbar, Adapter als F</translation>
    </message>
    <message>
        <source>MEFT3: reversible attention/MLP halves</source>
        <translation>MEFT3: umkehrbare Attention-/MLP-Hälften</translation>
    </message>
    <message>
        <source>n/a</source>
        <translation>k. A.</translation>
    </message>
    <message>
        <source>Sampling the base and the tuned model…</source>
        <translation>Basis- und abgestimmtes Modell werden abgetastet…</translation>
    </message>
    <message>
        <source>Sampling base and tuned</source>
        <translation>Basis und abgestimmtes Modell abtasten</translation>
    </message>
    <message>
        <source>Sampling failed: %1</source>
        <translation>Abtasten fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>peak activation MiB</source>
        <translation>Spitzen-Aktivierungsspeicher (MiB)</translation>
    </message>
    <message>
        <source>s/step</source>
        <translation>s/Schritt</translation>
    </message>
    <message>
        <source>Load adapter</source>
        <translation>Adapter laden</translation>
    </message>
    <message>
        <source>Tuned adapters (*.safetensors)</source>
        <translation>Feinabgestimmte Adapter (*.safetensors)</translation>
    </message>
    <message>
        <source>Base model: %1</source>
        <translation>Basismodell: %1</translation>
    </message>
    <message>
        <source>Checking %1 against %2…</source>
        <translation>Prüfe %1 gegen %2…</translation>
    </message>
    <message>
        <source>Checking adapter</source>
        <translation>Adapter wird geprüft</translation>
    </message>
    <message>
        <source>Adapter not loaded: %1</source>
        <translation>Adapter nicht geladen: %1</translation>
    </message>
    <message>
        <source>Adapter %1 fits %2</source>
        <translation>Adapter %1 passt zu %2</translation>
    </message>
    <message>
        <source>Fine-tune a model first (a recipe of task dit-tune), or load an adapter.</source>
        <translation>Stimmen Sie zuerst ein Modell fein (ein Rezept der Aufgabe dit-tune) oder laden Sie einen Adapter.</translation>
    </message>
    <message>
        <source>Every adapter is off: both grids are the base model; the same seeds, one row per class (%1).</source>
        <translation>Alle Adapter sind aus: beide Raster zeigen das Basismodell; dieselben Seeds, eine Zeile pro Klasse (%1).</translation>
    </message>
    <message>
        <source>Left: base model; right: with adapter %1; the same seeds, one row per class (%2).</source>
        <translation>Links: Basismodell; rechts: mit Adapter %1; dieselben Seeds, eine Zeile pro Klasse (%2).</translation>
    </message>
    <message>
        <source>%1 · %2 · step %3 · classes %4</source>
        <translation>%1 · %2 · Schritt %3 · Klassen %4</translation>
    </message>
    <message>
        <source> · %1 parameters</source>
        <translation> · %1 Parameter</translation>
    </message>
    <message>
        <source>Frozen (the methods as published)</source>
        <translation>Eingefroren (die Verfahren wie veröffentlicht)</translation>
    </message>
    <message>
        <source>Biases train</source>
        <translation>Biases werden trainiert</translation>
    </message>
    <message>
        <source>LoRA update</source>
        <translation>LoRA-Update</translation>
    </message>
    <message>
        <source>Trains whole</source>
        <translation>Wird ganz trainiert</translation>
    </message>
    <message>
        <source>The run folder: checkpoints, the loss log and the recipe go there</source>
        <translation>Der Laufordner: Checkpoints, das Loss-Protokoll und das Rezept kommen dorthin</translation>
    </message>
    <message>
        <source>Continue the run in the folder from its last checkpoint, exactly as if it had not stopped</source>
        <translation>Den Lauf im Ordner ab seinem letzten Checkpoint fortsetzen, genau als hätte er nicht angehalten</translation>
    </message>
    <message>
        <source>Continual</source>
        <translation>Kontinuierlich</translation>
    </message>
    <message>
        <source>Select two runs and press Compare: their memory and loss curves on the same axes.</source>
        <translation>Zwei Läufe wählen und „Vergleichen“ drücken: ihre Speicher- und Loss-Kurven auf denselben Achsen.</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>That run is no longer in the history.</source>
        <translation>Dieser Lauf ist nicht mehr im Verlauf.</translation>
    </message>
    <message>
        <source>Run again</source>
        <translation>Erneut ausführen</translation>
    </message>
    <message>
        <source>%1 · %2 steps</source>
        <translation>%1 · %2 Schritte</translation>
    </message>
    <message>
        <source>The run was not kept in the history: %1</source>
        <translation>Der Lauf wurde nicht im Verlauf aufbewahrt: %1</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>That run&apos;s settings cannot be used by this version: no recipe.</source>
        <translation>Die Einstellungen dieses Laufs kann diese Version nicht verwenden: kein Rezept.</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Through the sampler</source>
        <translation>Durch den Sampler</translation>
    </message>
    <message>
        <source>The Tune workbench runs &quot;--run-arg continual&quot; or &quot;--run-arg gradient&quot; from the command line.</source>
        <translation>Die Tune-Werkbank führt von der Kommandozeile „--run-arg continual“ oder „--run-arg gradient“ aus.</translation>
    </message>
</context>
<context>
    <name>reverie::app::Workbench</name>
    <message>
        <source>The %1 workbench has no action to run from the command line.</source>
        <translation>Die Werkbank %1 hat keine Aktion, die sich von der Kommandozeile ausführen lässt.</translation>
    </message>
    <message>
        <source>%1 does not open files.</source>
        <translation>%1 öffnet keine Dateien.</translation>
    </message>
</context>
<context>
    <name>reverie::app::Workbenches</name>
    <message>
        <source>The built-in model %1 was not found (searched %2). Choose a model folder.</source>
        <translation>Das eingebaute Modell %1 wurde nicht gefunden (gesucht in %2). Wählen Sie einen Modellordner.</translation>
    </message>
    <message>
        <source>The model folder %1 does not exist.</source>
        <translation>Der Modellordner %1 existiert nicht.</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG-Bilder (*.png)</translation>
    </message>
    <message>
        <source>Checkpoints (*.ckpt *.pth *.pt *.bin *.safetensors);;All files (*)</source>
        <translation>Checkpoints (*.ckpt *.pth *.pt *.bin *.safetensors);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>The model folder or checkpoint %1 does not exist.</source>
        <translation>Der Modellordner oder Checkpoint %1 existiert nicht.</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>the model %1 is no longer there</source>
        <translation>das Modell %1 ist nicht mehr vorhanden</translation>
    </message>
</context>
<context>
    <name>reverie::widgets::AudioOutput</name>
    <message>
        <source>No audio output device found: playback is not available.</source>
        <translation>Kein Audioausgabegerät gefunden: Wiedergabe ist nicht verfügbar.</translation>
    </message>
    <message>
        <source>There is nothing to play yet.</source>
        <translation>Es gibt noch nichts abzuspielen.</translation>
    </message>
    <message>
        <source>The audio output %1 cannot play mono audio at %2 Hz.</source>
        <translation>Die Audioausgabe %1 kann kein Mono-Audio mit %2 Hz abspielen.</translation>
    </message>
    <message>
        <source>The audio output %1 could not be opened.</source>
        <translation>Die Audioausgabe %1 konnte nicht geöffnet werden.</translation>
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
