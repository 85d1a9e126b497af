#!/usr/bin/env bash
# Build what the test hosts download: stand-in cloudflared binaries for several versions, .deb
# packages of them and an apt repository signed with a throwaway key made here.
# Usage: build_artifacts.sh OUT_DIR VERSION...   (OUT_DIR/www is what serve.py serves)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$1"; shift
WWW="$OUT/www"
rm -rf "$WWW" "$OUT/gnupg" "$OUT/debs"
mkdir -p "$WWW/releases" "$WWW/apt/pool/main" "$OUT/debs"
ARCH="$(dpkg --print-architecture)"
case "$ARCH" in amd64|arm64) ASSET_ARCH="$ARCH" ;; armhf|armel) ASSET_ARCH=arm ;; *) ASSET_ARCH="$ARCH" ;; esac

for version in "$@"; do
    mkdir -p "$WWW/releases/$version"
    bin="$WWW/releases/$version/cloudflared-linux-$ASSET_ARCH"
    # The test hosts have python3 only; the source carries no interpreter line of its own.
    { echo '#!/usr/bin/python3'; sed "s/@VERSION@/$version/" "$HERE/standin/cloudflared.py"; } >"$bin"
    chmod 0755 "$bin"
    sha256sum "$bin" | cut -d' ' -f1 >"$bin.sha256"

    pkg="$OUT/debs/cloudflared_$version"
    mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin"
    cp "$bin" "$pkg/usr/bin/cloudflared"
    cat >"$pkg/DEBIAN/control" <<CONTROL
Package: cloudflared
Version: $version
Architecture: $ARCH
Maintainer: edgeops tests <tests@example.invalid>
Depends: python3
Section: net
Priority: optional
Description: stand-in for cloudflared (edgeops.cloudflare role tests)
 Registers with the API emulator instead of the Cloudflare edge.
CONTROL
    dpkg-deb --root-owner-group --build "$pkg" "$WWW/apt/pool/main/cloudflared_${version}_$ARCH.deb" >/dev/null
done

# A throwaway signing key, made fresh for every run.
export GNUPGHOME="$OUT/gnupg"
mkdir -p "$GNUPGHOME"; chmod 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'edgeops role tests <tests@example.invalid>' ed25519 sign 1d 2>/dev/null
gpg --batch --quiet --export >"$WWW/apt/cloudflare-main.gpg"

cd "$WWW/apt"
mkdir -p "dists/any/main/binary-$ARCH"
apt-ftparchive packages pool >"dists/any/main/binary-$ARCH/Packages"
gzip -9 -k -f "dists/any/main/binary-$ARCH/Packages"
apt-ftparchive -o APT::FTPArchive::Release::Origin=edgeops-tests -o APT::FTPArchive::Release::Suite=any \
    -o APT::FTPArchive::Release::Codename=any -o APT::FTPArchive::Release::Components=main \
    -o APT::FTPArchive::Release::Architectures="$ARCH" release dists/any >dists/any/Release
gpg --batch --quiet --yes --clearsign -o dists/any/InRelease dists/any/Release
gpg --batch --quiet --yes --detach-sign --armor -o dists/any/Release.gpg dists/any/Release
gpgconf --kill all 2>/dev/null || true
echo "$ASSET_ARCH"
