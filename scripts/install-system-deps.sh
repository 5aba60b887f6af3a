#!/usr/bin/env bash
# System packages the embedded corpus needs (Debian/Ubuntu): speech synthesisers with 16 kHz+
# voices and a sampled-piano soundfont (installed), and the packages whose recorded voices it
# reads (only downloaded, by `python -m audiosr.data.corpus`: the package lists must know them).
# Installs only what is missing; uses sudo when not root.
set -euo pipefail
PACKAGES=(flite espeak-ng fluidsynth fluid-soundfont-gm alsa-utils)
DOWNLOADED=(tuxpaint-stamps-default klettres-data ktuberling-data)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
unknown=()
if command -v apt-cache >/dev/null; then
  for p in "${DOWNLOADED[@]}"; do apt-cache show "$p" >/dev/null 2>&1 || unknown+=("$p"); done
fi
[ ${#missing[@]} -eq 0 ] && [ ${#unknown[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "audiosr needs these system packages: ${missing[*]} (Debian/Ubuntu names); install them and rerun." >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq || echo "warning: apt-get update failed; the real voices may not download" >&2
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
