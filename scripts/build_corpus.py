#!/usr/bin/python3
"""The natural-photograph corpus of the default model, from Debian packages.

Run by scripts/build_corpus.sh, which installs the packages first. Gives
OUT/train/ and OUT/heldout/ (links to the package files, and PNG frames taken
from videos), OUT/sources.tsv (each file's package, path and licence) and
prints what it left out and why.

How it filters:
  * renders, diagrams, drawings, paintings, screenshots and logos: left out by
    name below, after looking at every candidate (the packages' wallpapers are
    mostly renders; debian-edu-artwork-*, desktop-base, sway-backgrounds,
    ukui-wallpapers and lomiri-wallpapers hold nothing else, so none of them
    contributes);
  * near-duplicates, two tests on every pair:
      - a 256-bit difference hash (17x16 grey thumbnail, one bit per
        horizontal neighbour pair): at most SAME_BITS of the bits differ for
        copies at other sizes and frames of a still camera;
      - ORB features matched both ways with Lowe's ratio test, then a RANSAC
        homography: at least MIN_MATCHES features and COPY_SHARE of the
        smaller picture's fit it for crops and edited copies (stereo pairs
        and a moving camera's frames stay: they show the scene from elsewhere);
    a training picture is dropped when it is a near-duplicate of an earlier
    one, of a demo image (assets/images), or of a held-out picture, for which
    a stricter SCENE_SHARE of matching features (the same scene from another
    viewpoint) is enough, so that nothing held out leaks into training;
  * pictures whose short side is under MIN_SIDE pixels (the model's 224).
Camera sequences (visp-images-data) and videos (opencv-doc) give a spread of
frames, evenly spaced, not every one.
"""
import fnmatch
import os
import shutil
import sys

import cv2
import numpy as np
from PIL import Image

SAME_BITS = 40
COPY_SHARE = 0.3
SCENE_SHARE = 0.1
MIN_MATCHES = 40  # fewer say nothing: a smooth picture has few features
MIN_SIDE = 224

SK = "/usr/lib/python3/dist-packages/skimage/data"
CV = "/usr/share/doc/opencv-doc/examples"
MATE = "/usr/share/backgrounds/mate/nature"
BG = "/usr/share/backgrounds"
VISP = "/usr/share/visp-images-data/ViSP-images"

# Installed folder -> (package, the same folder in the package's upstream
# source, as its debian/copyright names files).
ROOTS = [
    (SK + "/", "python3-skimage", "skimage/data/"),
    (CV + "/", "opencv-doc", "samples/"),
    (MATE + "/", "mate-backgrounds", "nature/"),
    (VISP + "/", "visp-images-data", ""),
]
LOMIRI = {  # lomiri's wallpapers share /usr/share/backgrounds: by name
    "16.04": ["Bridge_by_Sander_Klootwijk.jpg", "Dragonfly_by_Bolly.jpg",
              "Picture_0B_by_freespace.jpg", "Picture_1A_by_freespace.jpg",
              "Wine_by_Jakkub_Mede.jpg", "aitzgorri_by_Aitzol_Berasategi.jpg",
              "free_by_Peter_Nerlich.jpg", "friends_by_Aitzol_Berasategi.jpg",
              "greentock_by_Peter_Nerlich.jpg", "life_by_Aitzol_Berasategi.jpg",
              "picosdeeuropa_by_Aitzol_Berasategi.jpg",
              "seeding_by_Clements_Engelhardt.jpg", "sunset_by_Aitzol_Berasategi.jpg"],
    "20.04": ["Infinite-Sea_by_Aury88.jpg", "Kleiber_by_Lukas_Baubkus.jpg"],
}
# Left out as renders or drawings: 16.04 analogpattern (a texture), umang;
# 20.04 Fossa, Painting-Colors; lomiri-wallpapers' warty-final-ubuntu.

# Never trained on: `mae eval-recon`'s photographs. The first eight are the
# ones the first default model was measured on.
HELDOUT = [
    CV + "/data/baboon.jpg", CV + "/data/squirrel_cls.jpg", CV + "/hfs/data/000.jpg",
    CV + "/data/building.jpg", CV + "/data/messi5.jpg", MATE + "/LadyBird.jpg",
    CV + "/data/aero3.jpg", SK + "/motorcycle_left.png",
    BG + "/Dragonfly_by_Bolly.jpg", BG + "/friends_by_Aitzol_Berasategi.jpg",
    BG + "/Kleiber_by_Lukas_Baubkus.jpg",
]

TRAIN = [SK + "/" + f for f in [
    "brick.png", "camera.png", "grass.png", "gravel.png", "hubble_deep_field.jpg", "moon.png",
    "retina.jpg", "coins.png", "ihc.png", "text.png"]]
TRAIN += [CV + "/" + f for f in [
    "alphamat/input_images/plant.jpg", "data/aero1.jpg", "data/aloeL.jpg", "data/aloeR.jpg",
    "data/apple.jpg", "data/basketball1.png", "data/basketball2.png", "data/board.jpg",
    "data/box.png", "data/box_in_scene.png", "data/butterfly.jpg", "data/chicky_512.png",
    "data/ela_original.jpg", "data/ela_modified.jpg", "data/fruits.jpg", "data/graf1.png",
    "data/graf3.png", "data/home.jpg", "data/left.jpg", "data/right.jpg", "data/leuvenA.jpg",
    "data/leuvenB.jpg", "data/licenseplate_motion.jpg", "data/orange.jpg",
    "data/rubberwhale1.png", "data/rubberwhale2.png", "data/smarties.png", "data/stuff.jpg",
    "data/sudoku.png", "data/pca_test1.jpg", "data/left01.jpg", "data/left05.jpg",
    "data/left09.jpg", "data/left13.jpg", "data/right01.jpg",
    "dnn_superres/butterfly.png", "hfs/data/001.jpg", "hfs/data/002.jpg", "reg/home.png"]]
TRAIN += [CV + "/text/scenetext%02d.jpg" % i for i in range(1, 7)]
TRAIN += [CV + "/text/scenetext_segmented_word%02d.jpg" % i for i in range(1, 6)]
TRAIN += [MATE + "/" + f for f in [
    "Aqua.jpg", "Blinds.jpg", "Dune.jpg", "FreshFlower.jpg", "Garden.jpg", "GreenMeadow.jpg",
    "RainDrops.jpg", "Storm.jpg", "TwoWings.jpg", "Wood.jpg", "YellowFlower.jpg"]]
TRAIN += [BG + "/" + f for files in LOMIRI.values() for f in files if BG + "/" + f not in HELDOUT]
TRAIN += [VISP + "/Solvay/Solvay_conference_1927_Version2_%s.png" % s
          for s in ["640x440", "1024x705", "1280x881"]]
# faces/1280px-Solvay_conference_1927.png is another scan of the same
# photograph: the tests below see only 10 % of its features match, so it is
# left out by name.
TRAIN += [VISP + "/AprilTag/AprilTag.pgm"]
# Left out of opencv-doc: the logos, drawings, shapes, charts, chessboards and
# digits, Blender renders, starry_night (a painting), the fuzzy and ximgproc
# drawings, the text crops and the defocused and motion-blurred text.

# Real camera sequences: (folder, frames taken, evenly spaced). ViSP's line,
# ellipse, Castle-simu and circle sequences are renders and left out.
SEQUENCES = [("cube", 6), ("mbt/cube", 8), ("mire-2", 10), ("mbt-depth/castel/castel", 5)]
# Videos: (file, frames). Megamind.avi is an animated film and left out.
VIDEOS = [("data/vtest.avi", 6), ("data/tree.avi", 4)]

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets", "images")


def spread(items, count):
    """`count` items evenly spaced from the first to the last."""
    if count >= len(items):
        return list(items)
    if count == 1:
        return [items[0]]
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def sequence_frames(folder, count):
    d = os.path.join(VISP, folder)
    frames = sorted(f for f in os.listdir(d) if f.startswith("image") and f.endswith(".pgm"))
    return [os.path.join(d, f) for f in spread(frames, count)]


def video_frames(video, count, out_dir):
    cap = cv2.VideoCapture(os.path.join(CV, video))
    frames = []
    while True:  # decode all: seeking is unreliable in these AVIs
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    if not frames:
        sys.exit("cannot read frames of %s" % video)
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for index in spread(list(range(len(frames))), count):
        path = os.path.join(out_dir, "%s_frame%03d.png" % (os.path.basename(video)[:-4], index))
        cv2.imwrite(path, frames[index])
        paths.append((path, os.path.join(CV, video)))
    return paths


def dhash(path):
    im = Image.open(path).convert("L").resize((17, 16), Image.LANCZOS)
    px = list(im.getdata())
    return [px[r * 17 + c] > px[r * 17 + c + 1] for r in range(16) for c in range(16)]


ORB = cv2.ORB_create(nfeatures=1000)
MATCHER = cv2.BFMatcher(cv2.NORM_HAMMING)


def ratio_matches(a, b):
    """Lowe's ratio test: b's nearest descriptor to each of a's, where clearly nearest."""
    return {m.queryIdx: m.trainIdx for m, n in
            (p for p in MATCHER.knnMatch(a, b, k=2) if len(p) == 2)
            if m.distance < 0.75 * n.distance}


def mutual_matches(a, b):
    """Pairs each the other's match both ways: one-to-one, so that many features
    matching one of a plain picture's few cannot fake a fit."""
    back = ratio_matches(b, a)
    return [(q, t) for q, t in ratio_matches(a, b).items() if back.get(t) == q]


class Picture:
    def __init__(self, path, label):
        self.path, self.label = path, label
        self.hash = dhash(path)
        grey = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        scale = 512 / max(grey.shape)  # features at one scale for every picture
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        self.keypoints, self.descriptors = ORB.detectAndCompute(grey, None)

    def shared_features(self, other):
        """Share of the pictures' features that one homography maps onto each other."""
        fewest = min(len(self.keypoints), len(other.keypoints))
        if fewest < 8:
            return 0.0
        good = mutual_matches(self.descriptors, other.descriptors)
        if len(good) < 8:
            return 0.0
        src = np.float32([self.keypoints[q].pt for q, _ in good])
        dst = np.float32([other.keypoints[t].pt for _, t in good])
        _, inliers = cv2.findHomography(src, dst, cv2.RANSAC, 5.0)
        fitting = 0 if inliers is None else int(inliers.sum())
        return fitting / fewest if fitting >= MIN_MATCHES else 0.0

    def duplicate_of(self, other, share):
        """Why this picture is a near-duplicate of `other`, or None."""
        differ = sum(a != b for a, b in zip(self.hash, other.hash))
        if differ <= SAME_BITS:
            return "the same picture as %s (%d of 256 hash bits differ)" % (other.label, differ)
        shared = self.shared_features(other)
        if shared >= share:
            return "%s of %s (%.0f %% of features match)" % (
                "a copy, crop or still frame" if share == COPY_SHARE else "the scene", other.label, 100 * shared)
        return None


def short_side(path):
    with Image.open(path) as im:
        return min(im.size)


def package_of(path):
    if path.startswith(BG + "/"):
        name = os.path.basename(path)
        for version, files in LOMIRI.items():
            if name in files:
                return "lomiri-wallpapers-" + version, version + "/" + name
    for root, package, upstream in ROOTS:
        if path.startswith(root):
            return package, upstream + path[len(root):]
    sys.exit("no package known for " + path)


def licence(package, upstream_path):
    """The licence debian/copyright gives the file: the last stanza whose Files
    pattern matches it, as the machine-readable copyright format says."""
    found = None
    patterns, continuing = [], False
    with open("/usr/share/doc/%s/copyright" % package, encoding="utf-8") as f:
        for line in f:
            if line.startswith("Files:"):
                patterns = line[6:].split()
                continuing = True
            elif line.startswith(" ") and patterns and continuing:
                patterns += line.split()
            else:
                continuing = False
                if line.startswith("License:") and patterns:
                    if any(fnmatch.fnmatchcase(upstream_path, p) for p in patterns):
                        found = line[8:].strip()
                    patterns = []
    return found or "see /usr/share/doc/%s/copyright" % package


def link_name(path, origin):
    package, upstream = package_of(origin)
    short = {"python3-skimage": "skimage", "opencv-doc": "opencv", "mate-backgrounds": "mate",
             "visp-images-data": "visp"}.get(package, "lomiri")
    if package == "visp-images-data":  # frame names repeat across sequences
        return short + "_" + upstream.replace("/", "_")
    return short + "_" + os.path.basename(path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "data/corpus"
    for sub in ("train", "heldout", "frames"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    candidates = [(p, p) for p in TRAIN]
    for folder, count in SEQUENCES:
        candidates += [(p, p) for p in sequence_frames(folder, count)]
    for video, count in VIDEOS:
        candidates += video_frames(video, count, os.path.join(out, "frames"))
    for path, _ in candidates + [(p, p) for p in HELDOUT]:
        if not os.path.isfile(path):
            sys.exit("missing: " + path)

    held_out = [Picture(p, "held-out " + os.path.basename(p)) for p in HELDOUT]
    others = [Picture(os.path.join(DEMO, f), "demo image " + f)
              for f in sorted(os.listdir(DEMO)) if os.path.isfile(os.path.join(DEMO, f))]
    kept, dropped = [], []
    for path, origin in candidates:
        if short_side(path) < MIN_SIDE:
            dropped.append((path, "short side %d < %d" % (short_side(path), MIN_SIDE)))
            continue
        picture = Picture(path, os.path.basename(path))
        why = next((w for w in (picture.duplicate_of(h, SCENE_SHARE) for h in held_out) if w),
                   None) or next((w for w in (picture.duplicate_of(o, COPY_SHARE)
                                              for o in others) if w), None)
        if why:
            dropped.append((path, why))
            continue
        kept.append((path, origin))
        others.append(picture)

    rows = []
    for split, files in (("train", kept), ("heldout", [(p, p) for p in HELDOUT])):
        d = os.path.join(out, split)
        os.makedirs(d)
        for path, origin in files:
            name = link_name(path, origin)
            target = os.path.join(d, name)
            if os.path.exists(target):
                sys.exit("duplicate name: " + target)
            os.symlink(os.path.abspath(path), target)
            package, upstream = package_of(origin)
            rows.append("\t".join([split, name, package, origin, licence(package, upstream)]))
    with open(os.path.join(out, "sources.tsv"), "w", encoding="utf-8") as f:
        f.write("split\tfile\tpackage\tsource\tlicence\n" + "\n".join(rows) + "\n")
    for path, why in dropped:
        print("left out: %s: %s" % (path, why))
    print("corpus: %d training photos, %d held out, in %s (sources.tsv lists each one's "
          "package and licence)" % (len(kept), len(HELDOUT), out))


if __name__ == "__main__":
    main()
