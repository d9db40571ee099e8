#!/usr/bin/env bash
# The .deb, used as a user would: scripts/package.sh builds it from BUILD_DIR,
# dpkg-deb unpacks it into a scratch root (a real `dpkg -i` needs root and
# would change the machine), and the unpacked binaries run from an empty
# folder: they must find their models, shaders and configs under their own
# prefix, not in the source tree.
#   tests/package/test_package.sh SOURCE_DIR BUILD_DIR SCRATCH_DIR
set -euo pipefail
src=$1 build=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch/cwd"
fail() { echo "FAIL: $*" >&2; exit 1; }

deb=$("$src/scripts/package.sh" --no-build "$build" "$scratch/out" | tail -1)
[ -f "$deb" ] || fail "no .deb written"
root="$scratch/root"
dpkg-deb -x "$deb" "$root"
prefix="$root/usr"
data="$prefix/share/mae-studio"

# The layout.
for f in bin/mae bin/mae-studio share/applications/mae-studio.desktop \
         share/icons/hicolor/scalable/apps/mae-studio.svg \
         share/mae-studio/assets/models/default.safetensors \
         share/mae-studio/assets/images/chelsea.png share/mae-studio/assets/lessons \
         share/mae-studio/shaders/image.frag share/mae-studio/configs/train/fmnist_tiny.json \
         share/mae-studio/configs/sweeps share/mae-studio/docs/ablations/fig5_mask_ratio/results.jsonl; do
  [ -e "$prefix/$f" ] || fail "the package lacks $f"
done
grep -qx 'Exec=mae-studio %F' "$prefix/share/applications/mae-studio.desktop" ||
  fail "the .desktop file does not pass files to mae-studio"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$prefix/share/applications/mae-studio.desktop"
fi
depends=$(dpkg-deb -f "$deb" Depends)
for p in libtorch libopencv-core libglfw3 libopenblas0-openmp fonts-dejavu-core; do
  [[ "$depends" == *"$p"* ]] || fail "Depends lacks $p: $depends"
done

cd "$scratch/cwd"
# Data found from the binary's own path, with no environment variable.
unset MAE_STUDIO_ASSETS MAE_STUDIO_SHADERS MAE_STUDIO_CONFIGS
# The app remembers its settings and recent files: here, not in the user's home.
export XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache"
version=$("$prefix/bin/mae" --version)
echo "$version"
grep -qx "assets:  $data/assets" <<<"$version" || fail "mae reads assets elsewhere: $version"
grep -qx "configs: $data/configs" <<<"$version" || fail "mae reads configs elsewhere: $version"

# The installed CLI on the installed default model (no --model).
"$prefix/bin/mae" reconstruct --image "$data/assets/images/coffee.png" --out fig.png --threads 1
[ -s fig.png ] || fail "mae reconstruct wrote no figure"

# The installed app, headless: once with nothing named (the shipped default
# model and demo image, from the package), once with an image and a model named
# as the .desktop file passes them.
studio() { xvfb-run -a -s "-screen 0 1600x1000x24" "$prefix/bin/mae-studio" --threads 1 "$@"; }
studio --screenshot shot.png --layout default.json
[ -s shot.png ] || fail "no screenshot"
python3 - "$data" <<'PY'
import json, sys
data = sys.argv[1]
j = json.load(open("default.json"))
assert j["model"] == data + "/assets/models/default.safetensors", j["model"]
assert j["image"] == data + "/assets/images/chelsea.png", j["image"]
PY
studio --layout named.json "$data/assets/images/coffee.png" "$data/assets/models/fmnist.safetensors"
python3 - "$data" <<'PY'
import json, sys
data = sys.argv[1]
j = json.load(open("named.json"))
assert j["model"] == data + "/assets/models/fmnist.safetensors", j["model"]
assert j["image"] == data + "/assets/images/coffee.png", j["image"]
assert not j.get("popups"), j.get("popups")
PY
# The ablation lesson's sweep slide: the Experiments tab finds the shipped
# results beside the installed configs.
studio --layout ablation.json --lesson "$data/assets/lessons/testing_the_papers_claims.json" \
  --slide 3 --present
python3 - <<'PY'
import json
ex = json.load(open("ablation.json"))["experiments"]
assert ex["sweep"] == "table1f_mask_sampling", ex["sweep"]
assert ex["rows"] and all(r["done"] for r in ex["rows"]), ex["rows"]
PY
echo "package ok: $(basename "$deb")"
