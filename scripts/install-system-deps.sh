#!/usr/bin/env bash
# System packages the embedded corpus needs (Debian/Ubuntu): speech synthesisers with 16 kHz+
# voices and a sampled-piano soundfont. Installs only what is missing; uses sudo when not root.
set -euo pipefail
PACKAGES=(flite espeak-ng fluidsynth fluid-soundfont-gm alsa-utils)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "audiosr needs these system packages: ${missing[*]} (Debian/Ubuntu names); install them and rerun." >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
