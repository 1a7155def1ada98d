#!/usr/bin/env bash
# Fetches the real corpora that the built-in models train, select and test on, from Debian packages,
# split by SOURCE (package, and speaker inside a package) so that nothing in a test split is ever
# trained on: test speech is unseen voices, test noise unseen kinds of sound, test photos an unseen
# package. docs/data.md names every source, its licence and why it sits in its split.
#
#   $REVERIE_SPEECH_DIR (/usr/local/share/reverie/speech)/<split>/<source>-<speaker>/*.wav
#   $REVERIE_NOISE_DIR  (/usr/local/share/reverie/noise)/<split>/<source>-<kind>/*.wav
#   $REVERIE_PHOTOS_DIR (/usr/local/share/reverie/photos)/<split>/<package>/*.{jpg,png}
#   split: train | val | test (speech also train-8k: 8 kHz telephone prompts, band-limited to 4 kHz)
#   plus manifest.json in each root: every folder with its split, package, version, licence, files, seconds.
#
# Audio is decoded with ffmpeg to 16 kHz mono 16-bit WAV (per-folder and per-file caps below keep the
# corpus to a few hundred MB). Packages that install-deps.sh installed are read in place; the others
# are fetched with `apt-get download` and unpacked with `dpkg-deb` into a temporary folder, so no
# package (and no dependency) gets installed. Idempotent: a folder that holds its .done marker is
# skipped, and a root that holds .corpora-v$VERSION.done is not looked at again. The layout that the
# current code reads (speech/{en,es,fr,it,ru,moh}, photos/{train,test}/*.png) is install-deps.sh's and
# is left as it is.
#
# Usage: packaging/fetch-corpora.sh [--force]   (--force: runs every source again, downloading its
# packages, but keeps the folders that are done; rewrites the manifests).
# Environment: REVERIE_SPEECH_DIR, REVERIE_NOISE_DIR, REVERIE_PHOTOS_DIR, REVERIE_CORPUS_JOBS
# (parallel sources, default: the number of cores), REVERIE_SPEECH_CAP_S / REVERIE_NOISE_CAP_S
# (seconds per folder; they apply to folders not yet done).
set -euo pipefail

VERSION=1
SPEECH_DIR="${REVERIE_SPEECH_DIR:-/usr/local/share/reverie/speech}"
NOISE_DIR="${REVERIE_NOISE_DIR:-/usr/local/share/reverie/noise}"
PHOTOS_DIR="${REVERIE_PHOTOS_DIR:-/usr/local/share/reverie/photos}"
JOBS="${REVERIE_CORPUS_JOBS:-$(nproc 2>/dev/null || echo 2)}"
SPEECH_CAP_S="${REVERIE_SPEECH_CAP_S:-900}"  # at most ~15 min per speaker folder
NOISE_CAP_S="${REVERIE_NOISE_CAP_S:-1200}"   # at most ~20 min per noise folder
MUSIC_FILE_S=60         # the first minute of each piece of music
SFX_FILE_S=30           # at most 30 s of each sound effect
BATCH=48                # inputs per ffmpeg process (its start-up dominates on short files)
SELF="$(readlink -f "${BASH_SOURCE[0]}")"

log() { echo "fetch-corpora: $*"; }
die() { echo "fetch-corpora: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------
# Packages: where a package's files are (/ when installed, else a temporary unpacked copy)
# ---------------------------------------------------------------------------------------------------

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# pkg_version PKG: the version used (installed, else the downloaded .deb's)
pkg_version() {
  if installed "$1"; then dpkg-query -W -f='${Version}' "$1"; return; fi
  local deb
  deb=$(ls "$WORK"/deb/"$1"_*.deb 2>/dev/null | head -n 1)
  if [[ -n "$deb" ]]; then dpkg-deb -f "$deb" Version; return; fi
  apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2; f = 1} END {if (!f) print "?"}'
}

# pkg_root PKG [TAR-PATTERN...]: prints the root under which PKG's files lie. A package that is not
# installed is unpacked (only the paths matching the patterns, and its copyright) from the .deb that
# the main process downloaded into $WORK/deb.
pkg_root() {
  local pkg=$1; shift
  if installed "$pkg"; then echo /; return; fi
  local dest="$WORK/x/$pkg" deb
  if [[ ! -d "$dest" ]]; then
    deb=$(ls "$WORK"/deb/"$pkg"_*.deb 2>/dev/null | head -n 1)
    [[ -n "$deb" ]] || die "$pkg was not downloaded"
    mkdir -p "$dest.part"
    if [[ $# -gt 0 ]]; then
      dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dest.part" --wildcards "$@" "./usr/share/doc/$pkg/*" 2>/dev/null || true
    else
      dpkg-deb -x "$deb" "$dest.part"
    fi
    mv "$dest.part" "$dest"
  fi
  echo "$dest"
}

# ---------------------------------------------------------------------------------------------------
# Audio: batched ffmpeg decoding into one folder, with a cap on its total duration
# ---------------------------------------------------------------------------------------------------

wav_seconds() { # FOLDER -> total seconds of its WAV files (16 kHz mono 16-bit, 44-byte headers)
  find "$1" -maxdepth 1 -name '*.wav' -printf '%s\n' | awk '{s += ($1 - 44) / 32000} END {printf "%.1f", s}'
}

# decode_batch OUT MAXFILE_S LIST: decodes the "name<TAB>path" lines of LIST in one ffmpeg process.
# A batch that fails (a corrupt file) is redone file by file, skipping the files that fail.
decode_batch() {
  local out=$1 maxs=$2 list=$3 k=0 name path
  local -a ins=() outs=()
  while IFS=$'\t' read -r name path; do
    case "$path" in
      *.g722) ins+=(-f g722 -i "$path") ;;
      *.gsm) ins+=(-f gsm -i "$path") ;;
      *) ins+=(-i "$path") ;;
    esac
    outs+=(-map "$k:a:0" -t "$maxs" -ac 1 -ar 16000 -c:a pcm_s16le -map_metadata -1 -fflags +bitexact
           -flags:a +bitexact "$out/$name.wav")
    k=$((k + 1))
  done < "$list"
  [[ $k -gt 0 ]] || return 0
  if ! ffmpeg -nostdin -hide_banner -loglevel error -y "${ins[@]}" "${outs[@]}" 2>"$list.err"; then
    if [[ $k -eq 1 ]]; then
      echo "fetch-corpora: skipped $(cut -f2 "$list"): $(head -c 300 "$list.err")" >&2
      rm -f "$out/$(cut -f1 "$list").wav"
      return 0
    fi
    local one="$list.one"
    while IFS= read -r line; do
      printf '%s\n' "$line" > "$one"
      decode_batch "$out" "$maxs" "$one"
    done < "$list"
  fi
}

# decode_set OUT CAP_S MAXFILE_S MIN_S: decodes the "name<TAB>path" lines on stdin (in that order)
# into OUT until OUT holds CAP_S seconds; drops outputs shorter than MIN_S seconds.
decode_set() {
  local out=$1 cap=$2 maxs=$3 mins=$4
  local list="$WORK/list.$BASHPID" all="$WORK/all.$BASHPID"
  mkdir -p "$out"
  cat > "$all"
  local n total
  n=$(wc -l < "$all")
  local i=0
  while [[ $i -lt $n ]]; do
    total=$(wav_seconds "$out")
    if awk -v t="$total" -v c="$cap" 'BEGIN {exit !(t >= c)}'; then break; fi
    sed -n "$((i + 1)),$((i + BATCH))p" "$all" > "$list"
    decode_batch "$out" "$maxs" "$list"
    i=$((i + BATCH))
  done
  local minbytes
  minbytes=$(awk -v s="$mins" 'BEGIN {printf "%d", 44 + s * 32000}')
  find "$out" -maxdepth 1 -name '*.wav' -size -"${minbytes}"c -delete
  rm -f "$list" "$list.err" "$list.one" "$all"
}

# names_from ROOT: turns the paths on stdin (below ROOT) into "name<TAB>path" lines, the name being the
# relative path with / replaced by - and without its extension
names_from() {
  local root=$1
  awk -v r="$root/" '{ p = $0; n = p; if (index(n, r) == 1) n = substr(n, length(r) + 1);
                       sub(/\.[^.\/]*$/, "", n); gsub(/\//, "-", n); gsub(/[^A-Za-z0-9_.+-]/, "_", n);
                       print n "\t" p }'
}

# A stable shuffle, so that a cap takes a spread of files rather than the first ones by name
stable_shuffle() { shuf --random-source=<(yes reverie-corpora); }

# ---------------------------------------------------------------------------------------------------
# Folders and their manifest entries
# ---------------------------------------------------------------------------------------------------

json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

# finish_folder DIR KIND SPLIT PACKAGE LICENCE LANGUAGE SPEAKER RATE DESCRIPTION
# Writes DIR/.source.json (read into the manifest) and DIR/.done.
finish_folder() {
  local dir=$1 kind=$2 split=$3 pkg=$4 licence=$5 lang=$6 speaker=$7 rate=$8 desc=$9
  local files secs
  if [[ "$kind" == photo ]]; then
    files=$(find "$dir" -maxdepth 1 -type f \( -name '*.jpg' -o -name '*.png' \) | wc -l); secs=0
  else
    files=$(find "$dir" -maxdepth 1 -name '*.wav' | wc -l); secs=$(wav_seconds "$dir")
  fi
  if [[ $files -eq 0 ]]; then
    echo "fetch-corpora: no files for $dir" >&2; return 1
  fi
  {
    printf '{"folder": %s, "split": %s, "package": %s, "version": %s, "licence": %s' \
      "$(json_str "$split/$(basename "$dir")")" "$(json_str "$split")" "$(json_str "$pkg")" \
      "$(json_str "$(pkg_version "${pkg%% *}")")" "$(json_str "$licence")"
    [[ -n "$lang" ]] && printf ', "language": %s' "$(json_str "$lang")"
    [[ -n "$speaker" ]] && printf ', "speaker": %s' "$(json_str "$speaker")"
    [[ -n "$rate" ]] && printf ', "source_rate": %s' "$(json_str "$rate")"
    printf ', "files": %d' "$files"
    [[ "$kind" != photo ]] && printf ', "seconds": %s' "$secs"
    printf ', "description": %s}\n' "$(json_str "$desc")"
  } > "$dir/.source.json"
  echo "$files $secs" > "$dir/.done"
  log "$files files${secs:+, $secs s} in $dir"
}

is_done() { [[ -f "$1/.done" ]]; }

# audio_folder KIND ROOT_DIR SPLIT NAME CAP MAXFILE MIN PACKAGE LICENCE LANG SPEAKER RATE DESC < name/path lines
audio_folder() {
  local kind=$1 root=$2 split=$3 name=$4 cap=$5 maxs=$6 mins=$7 pkg=$8 lic=$9 lang=${10} spk=${11} rate=${12} desc=${13}
  local dir="$root/$split/$name"
  if is_done "$dir"; then cat > /dev/null; return 0; fi
  rm -rf "$dir"
  decode_set "$dir" "$cap" "$maxs" "$mins"
  finish_folder "$dir" "$kind" "$split" "$pkg" "$lic" "$lang" "$spk" "$rate" "$desc"
}
speech_folder() { audio_folder speech "$SPEECH_DIR" "$1" "$2" "$SPEECH_CAP_S" 60 0.5 "${@:3}"; }
noise_folder() { # SPLIT NAME MAXFILE PACKAGE LICENCE DESC
  audio_folder noise "$NOISE_DIR" "$1" "$2" "$NOISE_CAP_S" "$3" 0.1 "$4" "$5" "" "" "" "$6"
}

# photo_folder SPLIT PACKAGE LICENCE DESC < "name<TAB>path" lines (copied as they are)
photo_folder() {
  local split=$1 pkg=$2 lic=$3 desc=$4 name path
  local dir="$PHOTOS_DIR/$split/$pkg"
  if is_done "$dir"; then cat > /dev/null; return 0; fi
  rm -rf "$dir"; mkdir -p "$dir"
  while IFS=$'\t' read -r name path; do install -m 644 "$path" "$dir/$name"; done
  finish_folder "$dir" photo "$split" "$pkg" "$lic" "" "" "" "$desc"
}

# ---------------------------------------------------------------------------------------------------
# The sources. Each is a function src_NAME; SOURCES lists NAME and the packages it reads.
# ---------------------------------------------------------------------------------------------------

SOURCES=( # name|the roots it writes|the packages it reads
  "asterisk-core|speech|asterisk-core-sounds-en-g722 asterisk-core-sounds-es-g722 asterisk-core-sounds-fr-g722 asterisk-core-sounds-it-g722 asterisk-core-sounds-ru-g722"
  "asterisk-prompts|speech|asterisk-prompt-es-co asterisk-prompt-fr-armelle asterisk-prompt-it-menardi-wav"
  "klettres|speech|klettres-data"
  "ktuberling|speech|ktuberling-data"
  "festvox-ru|speech|festvox-ru"
  "fillets-nl|speech|fillets-ng-data-nl"
  "fillets-cs|speech|fillets-ng-data-cs"
  "hedgewars|speech noise|hedgewars-data"
  "moh|noise|asterisk-moh-opsound-g722"
  "colobot|noise|colobot-common-sounds"
  "freeciv|noise|freeciv-data"
  "etr|noise|extremetuxracer-data"
  "desktop-sounds|noise|oxygen-sounds lomiri-sounds yaru-theme-sound deepin-sound-theme"
  "openarena|noise|openarena-data"
  "teeworlds|noise|teeworlds-data"
  "opensfx|noise|openttd-opensfx"
  "singularity|noise|singularity-music"
  "photos-plasma|photos|plasma-workspace-wallpapers"
  "photos-mate|photos|mate-backgrounds"
  "photos-lxqt|photos|lxqt-themes"
  "photos-tuxpaint|photos|tuxpaint-data"
  "photos-palapeli|photos|palapeli-data"
  "photos-lomiri|photos|lomiri-wallpapers-16.04"
  "photos-skimage|photos|"
)

# --- speech -----------------------------------------------------------------------------------------

# Asterisk's core prompts in G.722 (16 kHz): Allison (en-US and es-MX: one speaker), June (fr-CA) and
# Carlo (it-IT) train; IvrvoiceRU (ru-RU) is a validation voice. Prompts over 1 s (8000 bytes).
src_asterisk-core() {
  local entry lang voice split pkg root sounds
  local lic
  for entry in en:en_US_f_Allison:train:CC-BY-SA-3.0 es:es_MX_f_Allison:train:CC-BY-SA-3.0 \
               fr:fr_CA_f_June:train:CC-BY-SA-3.0 it:it_IT_m_Carlo:train:CC-BY-3.0 ru:ru_RU_f_IvrvoiceRU:val:CC-BY-3.0; do
    IFS=: read -r lang voice split lic <<< "$entry"
    pkg="asterisk-core-sounds-$lang-g722"
    local name="asterisk-$lang-$(echo "${voice##*_}" | tr 'A-Z' 'a-z')"
    is_done "$SPEECH_DIR/$split/$name" && continue
    root=$(pkg_root "$pkg" "./usr/share/asterisk/sounds/$voice/*")
    sounds="$root/usr/share/asterisk/sounds/$voice"
    find -L "$sounds" -name '*.g722' -size +8000c | LC_ALL=C sort | stable_shuffle | names_from "$sounds" |
      speech_folder "$split" "$name" "$pkg" "$lic" "$lang" "asterisk:${voice##*_}" 16000 \
        "Asterisk core prompts ($voice), G.722"
  done
}

# Three more Asterisk voices, recorded at 8 kHz only: kept apart as band-limited (0-4 kHz) speech.
src_asterisk-prompts() {
  local entry pkg dir lang name lic root
  for entry in "asterisk-prompt-es-co|usr/share/asterisk/sounds/es|es-CO|asterisk-es-co|GPL-2" \
               "asterisk-prompt-fr-armelle|usr/share/asterisk/sounds/fr|fr-FR|asterisk-fr-armelle|GPL-2+" \
               "asterisk-prompt-it-menardi-wav|usr/share/asterisk/sounds/it_IT_f_Menardi|it-IT|asterisk-it-menardi|CC-BY-SA-3.0"; do
    IFS='|' read -r pkg dir lang name lic <<< "$entry"
    is_done "$SPEECH_DIR/train-8k/$name" && continue
    root=$(pkg_root "$pkg" "./$dir/*")
    find "$root/$dir" -type f \( -name '*.gsm' -o -name '*.wav' \) -size +1600c | LC_ALL=C sort | stable_shuffle |
      names_from "$root/$dir" |
      speech_folder train-8k "$name" "$pkg" "$lic" "$lang" "$name" 8000 "telephone prompts, 8 kHz: band-limited to 4 kHz"
  done
}

# KLettres: letters and syllables spoken in 20 languages (one voice per language folder).
src_klettres() {
  local root d lang
  root=$(pkg_root klettres-data './usr/share/klettres/*')
  for d in "$root"/usr/share/klettres/*/; do
    lang=$(basename "$d")
    [[ -d "$d/alpha" ]] || continue
    find "$d" -name '*.ogg' | LC_ALL=C sort | stable_shuffle | names_from "$d" |
      speech_folder train "klettres-$lang" klettres-data "GPL-2+" "$lang" "klettres:$lang" 44100 \
        "KLettres letters and syllables ($lang)"
  done
}

# KTuberling: names of the pieces spoken in many languages. Folders recorded at 44.1/22 kHz train;
# the 8 kHz ones go to train-8k; the sr@* variants repeat sr.
src_ktuberling() {
  local root base lang d
  root=$(pkg_root ktuberling-data './usr/share/ktuberling/sounds/*')
  base="$root/usr/share/ktuberling/sounds"
  for lang in ca da de el en fr ga gl lt ro ru sl sr uk wa; do
    d="$base/$lang"; [[ -d "$d" ]] || continue
    find "$d" -type f \( -name '*.ogg' -o -name '*.wav' -o -name '*.opus' \) | LC_ALL=C sort | names_from "$d" |
      speech_folder train "ktuberling-$lang" ktuberling-data "GPL-2+" "$lang" "ktuberling:$lang" 44100 \
        "KTuberling piece names ($lang)"
  done
  for lang in es fi it nds nl pt sv; do
    d="$base/$lang"; [[ -d "$d" ]] || continue
    find "$d" -type f \( -name '*.ogg' -o -name '*.wav' -o -name '*.opus' \) | LC_ALL=C sort | names_from "$d" |
      speech_folder train-8k "ktuberling-$lang" ktuberling-data "GPL-2+" "$lang" "ktuberling:$lang" 8000 \
        "KTuberling piece names ($lang), recorded at 8 kHz: band-limited to 4 kHz"
  done
}

# festvox-ru: the 620 recorded sentences (16 kHz) of the unit-selection voice msu_ru_nsh_clunits, one
# male Russian speaker: real recordings, not synthesis.
src_festvox-ru() {
  local root d
  is_done "$SPEECH_DIR/train/festvox-ru-nsh" && return 0
  root=$(pkg_root festvox-ru './usr/share/festival/voices/russian/msu_ru_nsh_clunits/wav/*')
  d="$root/usr/share/festival/voices/russian/msu_ru_nsh_clunits/wav"
  find "$d" -name '*.wav' | LC_ALL=C sort | stable_shuffle | names_from "$d" |
    speech_folder train festvox-ru-nsh festvox-ru "BSD-like (festvox)" ru "festvox:nsh" 16000 \
      "read sentences of the msu_ru_nsh_clunits voice database"
}

# Fish Fillets NG dialogues: in each dubbing, the small fish (-m-) and the big fish (-v-) are one
# actor each; the other characters are pooled. Dutch trains, Czech is the test set.
fillets() { # PACKAGE LANG SPLIT
  local pkg=$1 lang=$2 split=$3 root base s
  root=$(pkg_root "$pkg" "./usr/share/games/fillets-ng/sound/*")
  base="$root/usr/share/games/fillets-ng/sound"
  for s in small:m big:v; do
    find "$base" -path "*/$lang/*" -name "*-${s#*:}-*.ogg" | LC_ALL=C sort | stable_shuffle | names_from "$base" |
      speech_folder "$split" "fillets-$lang-${s%%:*}" "$pkg" "GPL-2" "$lang" "fillets-$lang:${s%%:*}-fish" 22050 \
        "Fish Fillets NG dialogue, the ${s%%:*} fish ($lang dubbing)"
  done
  find "$base" -path "*/$lang/*" -name '*.ogg' ! -name '*-m-*' ! -name '*-v-*' | LC_ALL=C sort | stable_shuffle |
    names_from "$base" |
    speech_folder "$split" "fillets-$lang-others" "$pkg" "GPL-2" "$lang" "fillets-$lang:others (several)" 22050 \
      "Fish Fillets NG dialogue, the other characters ($lang dubbing)"
}
src_fillets-nl() { fillets fillets-ng-data-nl nl train; }
src_fillets-cs() { fillets fillets-ng-data-cs cs test; }

# Hedgewars: 14 voice packs (validation speech; Robot is vocoded and left out); its sound effects
# and music are training noise.
src_hedgewars() {
  local root base v
  root=$(pkg_root hedgewars-data './usr/share/games/hedgewars/Data/Sounds/*' './usr/share/games/hedgewars/Data/Music/*')
  base="$root/usr/share/games/hedgewars/Data"
  for v in "$base"/Sounds/voices/*/; do
    v=$(basename "$v"); [[ "$v" == Robot ]] && continue
    find "$base/Sounds/voices/$v" -name '*.ogg' | LC_ALL=C sort | names_from "$base/Sounds/voices/$v" |
      speech_folder val "hedgewars-$(echo "$v" | tr 'A-Z_' 'a-z-')" hedgewars-data "GFDL-1.3" "" "hedgewars:$v" 44100 \
        "Hedgewars voice pack $v (short acted exclamations)"
  done
  find "$base/Sounds" -maxdepth 1 -name '*.ogg' | LC_ALL=C sort | names_from "$base/Sounds" |
    noise_folder train hedgewars-sfx "$SFX_FILE_S" hedgewars-data "GFDL-1.3 / CC-BY-SA-3.0" "Hedgewars sound effects"
  find "$base/Music" -name '*.ogg' | LC_ALL=C sort | names_from "$base/Music" |
    noise_folder train hedgewars-music "$MUSIC_FILE_S" hedgewars-data "GFDL-1.3 / CC-BY-SA" "Hedgewars music"
}

# --- noise ------------------------------------------------------------------------------------------

src_moh() {
  local root
  root=$(pkg_root asterisk-moh-opsound-g722 './usr/share/asterisk/moh/*')
  find "$root/usr/share/asterisk/moh" -name '*.g722' | LC_ALL=C sort | names_from "$root/usr/share/asterisk/moh" |
    noise_folder train asterisk-moh-music 120 asterisk-moh-opsound-g722 "CC-BY-SA-3.0" "Asterisk music on hold (opsound)"
}

src_colobot() {
  local root
  root=$(pkg_root colobot-common-sounds './usr/share/games/colobot/*')
  find "$root/usr/share/games/colobot/sounds" -name '*.wav' | LC_ALL=C sort | names_from "$root/usr/share/games/colobot/sounds" |
    noise_folder train colobot-sfx "$SFX_FILE_S" colobot-common-sounds "GPL-3+" "Colobot sound effects (robots, motors, impacts)"
  find "$root/usr/share/games/colobot/music" -name '*.ogg' | LC_ALL=C sort | names_from "$root/usr/share/games/colobot/music" |
    noise_folder train colobot-music "$MUSIC_FILE_S" colobot-common-sounds "GPL-3+" "Colobot music"
}

src_freeciv() {
  local root
  root=$(pkg_root freeciv-data './usr/share/games/freeciv/stdsounds/*' './usr/share/games/freeciv/stdmusic/*')
  find "$root/usr/share/games/freeciv/stdsounds" "$root/usr/share/games/freeciv/stdmusic" -name '*.ogg' | LC_ALL=C sort |
    names_from "$root/usr/share/games/freeciv" |
    noise_folder train freeciv-sfx "$MUSIC_FILE_S" freeciv-data "GPL-2+" "Freeciv sound effects (battle, footsteps, water) and fanfare"
}

src_etr() {
  local root
  root=$(pkg_root extremetuxracer-data './usr/share/games/etr/sounds/*' './usr/share/games/etr/music/*')
  find "$root/usr/share/games/etr/sounds" -name '*.wav' | LC_ALL=C sort | names_from "$root/usr/share/games/etr/sounds" |
    noise_folder train etr-sfx "$SFX_FILE_S" extremetuxracer-data "GPL-2+" "Extreme Tux Racer sliding (snow, ice, rock, mud) and hits"
  find "$root/usr/share/games/etr/music" -name '*.ogg' | LC_ALL=C sort | names_from "$root/usr/share/games/etr/music" |
    noise_folder train etr-music "$MUSIC_FILE_S" extremetuxracer-data "GPL-2+ / CC0" "Extreme Tux Racer music"
}

src_desktop-sounds() {
  local entry pkg dir lic root
  for entry in "oxygen-sounds|usr/share/sounds|LGPL-3+" "lomiri-sounds|usr/share/sounds/lomiri|CC-BY-3.0/CC-BY-SA-3.0/CC0" \
               "yaru-theme-sound|usr/share/sounds/Yaru|CC-BY-SA-4.0" "deepin-sound-theme|usr/share/sounds/deepin|GPL-3+"; do
    IFS='|' read -r pkg dir lic <<< "$entry"
    root=$(pkg_root "$pkg" "./$dir/*")
    find "$root/$dir" -type f \( -name '*.ogg' -o -name '*.oga' -o -name '*.wav' \) | LC_ALL=C sort | names_from "$root/$dir" |
      noise_folder train "${pkg%-sound*}-ui" "$SFX_FILE_S" "$pkg" "$lic" "desktop event sounds and ringtones ($pkg)"
  done
}

src_openarena() { # validation: a first-person shooter's weapons, footsteps, items, world ambience
  local root tmp
  is_done "$NOISE_DIR/val/openarena-sfx" && return 0
  command -v unzip >/dev/null || die "unzip is needed for openarena-data"
  root=$(pkg_root openarena-data './usr/share/games/openarena/baseoa/pak0.pk3')
  tmp="$WORK/openarena"; mkdir -p "$tmp"
  unzip -q -o "$root/usr/share/games/openarena/baseoa/pak0.pk3" 'sound/*' -d "$tmp"
  find "$tmp/sound" -type f \( -name '*.wav' -o -name '*.ogg' \) ! -path '*/announcer/*' ! -path '*/player/sarge/*' |
    LC_ALL=C sort | names_from "$tmp/sound" |
    noise_folder val openarena-sfx "$SFX_FILE_S" openarena-data "GPL-2+" "OpenArena sound effects (weapons, footsteps, items, ambience)"
}

src_teeworlds() { # validation: cartoon weapons and impacts (WavPack)
  local root d
  root=$(pkg_root teeworlds-data './usr/share/games/teeworlds/data/audio/*')
  d="$root/usr/share/games/teeworlds/data/audio"
  find "$d" -name '*.wv' | LC_ALL=C sort | names_from "$d" |
    noise_folder val teeworlds-sfx "$SFX_FILE_S" teeworlds-data "CC-BY-SA-3.0" "Teeworlds sound effects"
}

# Test: OpenTTD's OpenSFX (trains, planes, ships, road vehicles, industries, animals: kinds of sound
# that no training source has), unpacked from its .cat archive (a table of offset/size pairs, then
# per sound a name and a RIFF WAVE file).
src_opensfx() {
  local root cat out first n off size len i=0
  is_done "$NOISE_DIR/test/openttd-opensfx" && return 0
  root=$(pkg_root openttd-opensfx './usr/share/games/openttd/baseset/opensfx/*')
  cat="$root/usr/share/games/openttd/baseset/opensfx/opensfx.cat"
  out="$WORK/opensfx"; mkdir -p "$out"
  first=$(od -An -tu4 -N4 "$cat" | tr -d ' ')
  n=$(( (first & 0x7fffffff) / 8 ))
  while read -r off size; do
    off=$((off & 0x7fffffff))
    len=$(od -An -tu1 -j"$off" -N1 "$cat" | tr -d ' ')
    if [[ $((size - 1 - len)) -gt 44 ]]; then
      dd if="$cat" iflag=skip_bytes,count_bytes skip=$((off + 1 + len)) count=$((size - 1 - len)) status=none \
        of="$out/$(printf 'opensfx-%02d' "$i").wav"
    fi
    i=$((i + 1))
  done < <(od -An -tu4 -v -w8 -N$((n * 8)) "$cat")
  find "$out" -name '*.wav' | LC_ALL=C sort | names_from "$out" |
    noise_folder test openttd-opensfx "$SFX_FILE_S" openttd-opensfx "CC-BY-SA-3.0" "OpenSFX: vehicles, industries, animals"
}

src_singularity() { # test: music by another composer
  local root d
  root=$(pkg_root singularity-music './usr/share/games/singularity/music/*')
  d="$root/usr/share/games/singularity/music"
  find "$d" -name '*.ogg' | LC_ALL=C sort | names_from "$d" |
    noise_folder test singularity-music "$MUSIC_FILE_S" singularity-music "CC-BY-SA-3.0" "Endgame: Singularity music"
}

# --- photos: only the real photographs of each package (the rendered artwork is left out) -----------

src_photos-plasma() {
  local root w
  root=$(pkg_root plasma-workspace-wallpapers './usr/share/wallpapers/*/contents/images/2560x1600.jpg')
  for w in BytheWater ColdRipple ColorfulCups DarkestHour EveningGlow FallenLeaf Grey OneStandsOut Path summer_1am; do
    printf '%s.jpg\t%s\n' "$w" "$root/usr/share/wallpapers/$w/contents/images/2560x1600.jpg"
  done | photo_folder train plasma-workspace-wallpapers "GPL-2+" "KDE Plasma wallpapers that are photographs, 2560x1600"
}

src_photos-mate() {
  local root
  root=$(pkg_root mate-backgrounds './usr/share/backgrounds/mate/nature/*')
  find "$root/usr/share/backgrounds/mate/nature" -name '*.jpg' | LC_ALL=C sort | names_from "$root/usr/share/backgrounds/mate/nature" |
    awk -F'\t' '{print $1 ".jpg\t" $2}' |
    photo_folder train mate-backgrounds "GPL-2+" "MATE nature backgrounds (photographs), 1280x1024 to 2560x1920"
}

src_photos-lxqt() {
  local root f
  root=$(pkg_root lxqt-themes './usr/share/lxqt/wallpapers/*')
  for f in Valendas.png after-the-rain.jpg appleflower.png beam.png butterfly.png cloud.png drop.png flowers.png fog.jpg this-is-not-windows.jpg; do
    printf '%s\t%s\n' "$f" "$root/usr/share/lxqt/wallpapers/$f"
  done | photo_folder train lxqt-themes "CC-BY-SA-3.0" "LXQt wallpapers that are photographs, 1920x1277 to 3000x1994"
}

src_photos-tuxpaint() {
  local root
  root=$(pkg_root tuxpaint-data './usr/share/tuxpaint/templates/*')
  find "$root/usr/share/tuxpaint/templates" -maxdepth 1 -name '*.jpg' | LC_ALL=C sort |
    names_from "$root/usr/share/tuxpaint/templates" | awk -F'\t' '{print $1 ".jpg\t" $2}' |
    photo_folder train tuxpaint-data "GPL-2+" "Tux Paint templates (photographs), 604x453 to 1620x1280"
}

src_photos-palapeli() {
  local root
  root=$(pkg_root palapeli-data './usr/share/palapeli/collection/*')
  find "$root/usr/share/palapeli/collection" -name '*.jpg' | LC_ALL=C sort |
    names_from "$root/usr/share/palapeli/collection" | awk -F'\t' '{print $1 ".jpg\t" $2}' |
    photo_folder val palapeli-data "GPL-2+" "Palapeli puzzle photographs, 1024x681 to 1620x1280"
}

src_photos-lomiri() {
  local root f
  root=$(pkg_root lomiri-wallpapers-16.04 './usr/share/backgrounds/*')
  for f in Bridge_by_Sander_Klootwijk Dragonfly_by_Bolly Picture_0B_by_freespace Picture_1A_by_freespace \
           Wine_by_Jakkub_Mede aitzgorri_by_Aitzol_Berasategi free_by_Peter_Nerlich friends_by_Aitzol_Berasategi \
           greentock_by_Peter_Nerlich life_by_Aitzol_Berasategi picosdeeuropa_by_Aitzol_Berasategi \
           seeding_by_Clements_Engelhardt sunset_by_Aitzol_Berasategi; do
    printf '%s.jpg\t%s\n' "$f" "$root/usr/share/backgrounds/$f.jpg"
  done | photo_folder test lomiri-wallpapers-16.04 "CC-BY-4.0 / CC-BY-SA-4.0 / CC0-1.0" \
    "Ubuntu 16.04 contest photographs (as shipped by Lomiri), 1365x1074 to 5312x2988"
}

# python3-skimage's photographs as install-deps.sh put them: its 11 training photos train here too;
# its two held-out photos (chelsea, coffee) are validation photos, so that the bench on photos/test
# stays clean for a model trained on the new train split.
src_photos-skimage() {
  local f
  [[ -f "$PHOTOS_DIR/train/rocket.jpg" && -f "$PHOTOS_DIR/test/coffee.png" ]] ||
    { echo "fetch-corpora: skipping python3-skimage (install-deps.sh puts its photos in $PHOTOS_DIR)" >&2
      touch "$WORK/skip.photos-skimage"; return 0; }
  for f in "$PHOTOS_DIR"/train/*.{png,jpg}; do if [[ -f "$f" ]]; then printf '%s\t%s\n' "$(basename "$f")" "$f"; fi; done |
    photo_folder train python3-skimage "BSD-3-Clause / CC0 / public domain" "scikit-image data photographs (install-deps.sh's training set)"
  for f in "$PHOTOS_DIR"/test/*.{png,jpg}; do if [[ -f "$f" ]]; then printf '%s\t%s\n' "$(basename "$f")" "$f"; fi; done |
    photo_folder val python3-skimage "BSD-3-Clause / CC0" "scikit-image data photographs held out by install-deps.sh (chelsea, coffee)"
}

# ---------------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------------

write_manifest() { # ROOT KIND
  local root=$1 kind=$2 first=1 f
  local tmp="$root/.manifest.json.part"
  {
    printf '{\n  "kind": "%s",\n  "corpus_version": %d,\n  "format": %s,\n  "folders": [\n' "$kind" "$VERSION" \
      "$([[ $kind == photos ]] && json_str "original files, as shipped" || json_str "WAV, 16 kHz, mono, 16-bit")"
    while IFS= read -r f; do
      [[ $first -eq 1 ]] || printf ',\n'
      first=0
      printf '    %s' "$(cat "$f")"
    done < <(find "$root" -mindepth 3 -maxdepth 3 -name .source.json | LC_ALL=C sort)
    printf '\n  ]\n}\n'
  } > "$tmp"
  mv "$tmp" "$root/manifest.json"
}

if [[ "${1:-}" == "--worker" ]]; then # one source, in a process of its own (run by the driver)
  name=$2
  "src_$name"
  touch "$WORK/ok.$name"
  exit 0
fi

FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1
MARK=".corpora-v$VERSION.done"
if [[ $FORCE -eq 0 && -f "$SPEECH_DIR/$MARK" && -f "$NOISE_DIR/$MARK" && -f "$PHOTOS_DIR/$MARK" ]]; then
  log "speech, noise and photo corpora are present ($SPEECH_DIR, $NOISE_DIR, $PHOTOS_DIR)"
  exit 0
fi

# Writing below /usr/local needs root: go through sudo when not root and the roots are not writable.
if [[ $(id -u) -ne 0 ]]; then
  for d in "$SPEECH_DIR" "$NOISE_DIR" "$PHOTOS_DIR"; do
    p=$d; while [[ ! -e "$p" ]]; do p=$(dirname "$p"); done
    if [[ ! -w "$p" ]]; then
      command -v sudo >/dev/null || die "need root or sudo to write $d"
      exec sudo -E "$SELF" "$@"
    fi
  done
fi

command -v ffmpeg >/dev/null || die "ffmpeg is needed (packaging/install-deps.sh installs it)"
command -v dpkg-deb >/dev/null || die "dpkg-deb is needed"
mkdir -p "$SPEECH_DIR" "$NOISE_DIR" "$PHOTOS_DIR"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/reverie-corpora.XXXXXX")
chmod 755 "$WORK" # apt-get download runs as the _apt user
export WORK
trap 'rm -rf "$WORK"' EXIT
START=$(date +%s)

# A source is redone unless its marker (.sources/NAME.done in each root it writes) says that it
# finished; inside, the folders keep their own .done markers, so a redone source skips those.
root_of() { case $1 in speech) echo "$SPEECH_DIR" ;; noise) echo "$NOISE_DIR" ;; photos) echo "$PHOTOS_DIR" ;; esac; }
source_done() { # NAME KINDS
  local k
  for k in $2; do [[ -f "$(root_of "$k")/.sources/$1.done" ]] || return 1; done
}
todo=(); need=()
declare -A KINDS
for entry in "${SOURCES[@]}"; do
  IFS='|' read -r name kinds pkgs <<< "$entry"
  KINDS[$name]=$kinds
  if [[ $FORCE -eq 0 ]] && source_done "$name" "$kinds"; then continue; fi
  todo+=("$name")
  for p in $pkgs; do installed "$p" || need+=("$p"); done
done

if [[ ${#need[@]} -gt 0 ]]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | LC_ALL=C sort -u)
  log "downloading ${#need[@]} packages (not installing them): ${need[*]}"
  mkdir -p "$WORK/deb"; chmod 755 "$WORK/deb"
  t0=$(date +%s)
  if ! (cd "$WORK/deb" && apt-get download -q "${need[@]}" >/dev/null 2>"$WORK/apt.err"); then
    log "apt-get download failed ($(tail -n 1 "$WORK/apt.err")); updating the package lists and retrying"
    apt-get update -q >/dev/null
    (cd "$WORK/deb" && apt-get download -q "${need[@]}" >/dev/null)
  fi
  log "downloaded $(du -sm "$WORK/deb" | cut -f1) MB in $(( $(date +%s) - t0 )) s"
fi

if [[ ${#todo[@]} -gt 0 ]]; then
  log "preparing ${#todo[@]} sources with $JOBS jobs: ${todo[*]}"
  printf '%s\n' "${todo[@]}" | xargs -P "$JOBS" -I{} nice -n 5 "$SELF" --worker {} || true
  failed=()
  for name in "${todo[@]}"; do
    if [[ -f "$WORK/skip.$name" ]]; then
      continue
    elif [[ -f "$WORK/ok.$name" ]]; then
      for k in ${KINDS[$name]}; do mkdir -p "$(root_of "$k")/.sources"; touch "$(root_of "$k")/.sources/$name.done"; done
    else
      failed+=("$name")
    fi
  done
  [[ ${#failed[@]} -eq 0 ]] || die "these sources failed: ${failed[*]} (rerun to retry them)"
fi

write_manifest "$SPEECH_DIR" speech
write_manifest "$NOISE_DIR" noise
write_manifest "$PHOTOS_DIR" photos
for d in "$SPEECH_DIR" "$NOISE_DIR" "$PHOTOS_DIR"; do touch "$d/$MARK"; done
sizes() { local r=$1 s; for s in train train-8k val test; do [[ -d "$r/$s" ]] && printf ' %s %s MB' "$s" "$(du -sm "$r/$s" | cut -f1)"; done; }
log "done in $(( $(date +%s) - START )) s. speech:$(sizes "$SPEECH_DIR"); noise:$(sizes "$NOISE_DIR"); photos:$(sizes "$PHOTOS_DIR")"
