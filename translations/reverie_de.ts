<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>QObject</name>
    <message>
        <source>time (s)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>The settings file %1 could not be read; defaults are used and the damaged file was kept as %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown device &quot;%1&quot; in the settings; using cpu.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invalid thread count &quot;%1&quot; in the settings; using one per core.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown language &quot;%1&quot; in the settings; using English.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot create the folder %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write the settings file %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No folder was given.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder %1 does not exist and cannot be created.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder %1 is not writable.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 Results are saved to %2 instead.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Reverie: a desktop studio for diffusion models.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open this workbench first (generate, restore, enhance, erase, tune, diagnostics).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run Diagnostics (quick) once the window is up.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save a screenshot of the window to this PNG file (after Diagnostics when --run-diagnostics is given) and quit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run &apos;reverie --help&apos; for the options.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown workbench &apos;%1&apos;; known: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>reverie::app::DiagnosticsWorkbench</name>
    <message>
        <source>Diagnostics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Measures what this machine gives Reverie: the LibTorch build, the device, threads, the BLAS behind matrix products, matrix-product and convolution throughput, and the memory the measurement takes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run diagnostics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quick (smaller sizes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not run yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Measure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finished in %1 s.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled; the previous results are kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Diagnostics: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — %2 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Diagnostics: step %1/%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LibTorch version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>CUDA (%n device(s))</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CUDA in this build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Threads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2 cores</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parallel backend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>BLAS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>BLAS library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Matrix product</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 GFLOP/s (median %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Convolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LibTorch memory peak</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Process memory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (peak %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wall time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Matrix products use the slow reference BLAS (%1). Install libopenblas0-pthread for about 10× faster linear layers.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>reverie::app::Engine</name>
    <message>
        <source>Cancelled before it started</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>reverie::app::MainWindow</name>
    <message>
        <source>Reverie</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sample images with score SDEs, the probability-flow ODE and Denoising MCMC; likelihoods; quality-versus-NFE curves.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Denoise, deblur, super-resolve and inpaint images with a mean-reverting diffusion model and the MR Sampler.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enhance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enhance noisy speech with a score-based model and audition noisy, enhanced and reference at the same playhead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Erase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Erase concepts from a text-to-image model, toggle each erased concept and probe whether it can be brought back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tune</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fine-tune models memory-efficiently with reversible adapters while watching the memory curve.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export telemetry as &amp;PNG…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export telemetry as &amp;CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Reverie</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Reverie</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Reverie %1&lt;/b&gt;&lt;br&gt;A desktop studio for diffusion models.&lt;br&gt;LibTorch %2, Qt %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Idle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device: CUDA</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device: CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Threads: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preferences</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>reverie::app::PlaceholderWorkbench</name>
    <message>
        <source>Not built yet: this workbench&apos;s engine is still being written.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>reverie::app::PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CUDA GPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One per core (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LibTorch threads:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A new language takes effect when Reverie starts again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output folder:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose another folder.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>reverie::widgets::LogPanel</name>
    <message>
        <source>Show:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Debug and above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Info and above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Errors only</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>reverie::widgets::TelemetryDock</name>
    <message>
        <source>Telemetry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No samples yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export PNG…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>memory (MiB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>process RSS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LibTorch allocated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LibTorch peak</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GPU allocated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NFE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>network evaluations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>step time (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>last step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>RSS %1 MiB · LibTorch %2 MiB (peak %3 MiB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the plots have no size yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export telemetry as CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export telemetry as PNG</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
