#!/bin/sh
# Make real Keras 3.15.1 importable with KERAS_BACKEND=torch on Debian 12
# (only Debian apt reachable; no PyPI).  Run as root.
#
#   sh setup_keras_env.sh <keras git dir> [<dest dir>]
#
# <keras git dir>: a clone or bare mirror of keras-team/keras that has the tag
# v3.15.1.  The source lands in <dest>/keras-src (default: this script's dir).
# The stubs (ml_dtypes/, torch113_compat.py) live in <dest>/stubs.
set -eu
GIT_DIR_ARG=$1
DEST=${2:-$(dirname "$(readlink -f "$0")")}
TAG=v3.15.1

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    python3-torch python3-numpy python3-absl python3-rich python3-h5py python3-packaging
# Not in Debian 12: ml-dtypes (stubbed), optree (unused: the torch backend uses
# torch's pytree, backfilled by stubs/torch113_compat.py), namex (optional).

COMMIT=$(git --git-dir="$GIT_DIR_ARG" rev-parse "$TAG^{commit}")
rm -rf "$DEST/keras-src"
mkdir -p "$DEST/keras-src"
git --git-dir="$GIT_DIR_ARG" archive "$TAG" | tar -x -C "$DEST/keras-src"
printf 'git tag %s, commit %s of keras-team/keras\n' "$TAG" "$COMMIT" > "$DEST/keras-src/KERAS_SOURCE.txt"

cd "$DEST"
KERAS_BACKEND=torch PYTHONPATH="$DEST/keras-src:$DEST/stubs" /usr/bin/python3 -c \
    'import torch113_compat, keras; print("keras", keras.__version__, keras.backend.backend())'
