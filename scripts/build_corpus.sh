#!/usr/bin/env bash
# Builds the natural-photograph corpus for the default model from Debian
# packages only (mate-backgrounds, python3-skimage, opencv-doc; gnome-backgrounds
# holds only abstract renders, so none of it qualifies). Screenshots, diagrams,
# drawings, renders and paintings are left out by name. The demo images in
# assets/images and a held-out set never enter the training folder.
#
#   scripts/build_corpus.sh [OUT_DIR]   (default: data/corpus)
# gives OUT_DIR/train/ and OUT_DIR/heldout/ (symbolic links to the package files).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-data/corpus}"

pkgs=(mate-backgrounds python3-skimage opencv-doc)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

sk=/usr/lib/python3/dist-packages/skimage/data
cv=/usr/share/doc/opencv-doc/examples
mate=/usr/share/backgrounds/mate/nature

# Photographs set aside for `mae eval-recon`: never trained on.
heldout=(
  "$cv/data/baboon.jpg" "$cv/data/squirrel_cls.jpg" "$cv/hfs/data/000.jpg" "$cv/data/building.jpg"
  "$cv/data/messi5.jpg" "$mate/LadyBird.jpg" "$cv/data/aero3.jpg" "$sk/motorcycle_left.png"
)

train=(
  "$sk/brick.png" "$sk/camera.png" "$sk/grass.png" "$sk/gravel.png" "$sk/hubble_deep_field.jpg"
  "$sk/moon.png" "$sk/retina.jpg"
  "$cv/alphamat/input_images/plant.jpg" "$cv/data/aero1.jpg" "$cv/data/aloeL.jpg" "$cv/data/aloeR.jpg"
  "$cv/data/apple.jpg" "$cv/data/basketball1.png" "$cv/data/basketball2.png" "$cv/data/board.jpg"
  "$cv/data/box.png" "$cv/data/box_in_scene.png" "$cv/data/butterfly.jpg" "$cv/data/chicky_512.png"
  "$cv/data/ela_original.jpg" "$cv/data/fruits.jpg" "$cv/data/graf1.png" "$cv/data/graf3.png"
  "$cv/data/home.jpg" "$cv/data/left.jpg" "$cv/data/right.jpg" "$cv/data/leuvenA.jpg" "$cv/data/leuvenB.jpg"
  "$cv/data/licenseplate_motion.jpg" "$cv/data/orange.jpg" "$cv/data/rubberwhale1.png"
  "$cv/data/rubberwhale2.png" "$cv/data/smarties.png" "$cv/data/stuff.jpg" "$cv/dnn_superres/butterfly.png"
  "$cv/hfs/data/001.jpg" "$cv/hfs/data/002.jpg" "$cv/reg/home.png"
  "$cv/text/scenetext01.jpg" "$cv/text/scenetext02.jpg" "$cv/text/scenetext03.jpg" "$cv/text/scenetext04.jpg"
  "$cv/text/scenetext05.jpg" "$cv/text/scenetext06.jpg"
  "$mate/Aqua.jpg" "$mate/Blinds.jpg" "$mate/Dune.jpg" "$mate/FreshFlower.jpg" "$mate/Garden.jpg"
  "$mate/GreenMeadow.jpg" "$mate/RainDrops.jpg" "$mate/Storm.jpg" "$mate/TwoWings.jpg" "$mate/Wood.jpg"
  "$mate/YellowFlower.jpg"
)

link_all() {
  local dir="$1"; shift
  rm -rf "$dir"; mkdir -p "$dir"
  for f in "$@"; do
    [ -f "$f" ] || { echo "missing: $f" >&2; exit 1; }
    local pkg=opencv
    case "$f" in "$sk"/*) pkg=skimage ;; "$mate"/*) pkg=mate ;; esac
    local name="$dir/${pkg}_$(basename "$f")"
    [ ! -e "$name" ] || { echo "duplicate name: $name" >&2; exit 1; }
    ln -s "$f" "$name"
  done
}
link_all "$out/train" "${train[@]}"
link_all "$out/heldout" "${heldout[@]}"
echo "corpus: $(ls "$out/train" | wc -l) training photos, $(ls "$out/heldout" | wc -l) held out, in $out"
